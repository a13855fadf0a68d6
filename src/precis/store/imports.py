"""Importing records: write a sheet's entries into the store, all of them or none."""

from __future__ import annotations

import itertools
import operator
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Connection, func, select, text
from sqlalchemy.orm import Session, selectinload

from precis.authors import parse_authors
from precis.errors import PrecisError
from precis.model import (
    Entry,
    EntryAuthor,
    Issue,
    Opinion,
    Publication,
    issue_label,
    normalize_key,
    parse_issue_label,
    utcnow,
)
from precis.public import public_record
from precis.record import (
    ENTRY_FIELDS,
    RECORD_FIELDS,
    EntryRecord,
    apply_record,
    identity,
    imported_status,
    record_from_entry,
)
from precis.store.bulk import insert_rows
from precis.store.engine import sqlite_path
from precis.store.queries import public_key_of
from precis.store.revisions import snapshot_of, write_revisions

if TYPE_CHECKING:
    from precis.store import Store


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    issues_created: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


BATCH = 500  # records per flush: the entries of one batch are in the session at a time


def import_records(
    store: Store,
    records: Iterable[EntryRecord],
    by: str = "import",
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Write records into the store in one transaction: all of them, or on any error none.

    An entry is identified by its issue (or Email note) and trimmed, case-folded title: importing
    the same file twice updates in place and creates nothing new. A new entry's status is the one its
    row gives (``imported_status``); an entry already there keeps its own, unless the row now names
    the issue it went out in (published). Only the fields a record's source
    provided change an entry already there (``EntryRecord.over``); a new entry takes the defaults
    (public: "Yes") for the rest.

    Records are taken ``BATCH`` at a time: the entries they name are loaded, changed and flushed
    (with their revisions), then let go, so memory does not grow with the file (what is kept per
    entry is its identity, id and the row that gave it). The batch's new entries are written after
    it without the ORM (``_insert_new``): a first import is mostly new entries, and the ORM's work
    per object was most of its time. ``progress`` is told how many records were read after each batch.
    """
    result = ImportResult()
    stream = iter(records)
    first = next(stream, None)
    if first is None:
        return result
    with store.session(by=by) as s:
        pub = store.default_publication(s)
        # Records of one file all read as public or none do (it depends on the file's columns).
        shown = _public_shape(s, pub) if _reads_as_public(first) else None
        known = _identities(s, pub)
        issues = {
            i.label: i for i in s.scalars(select(Issue).where(Issue.publication_id == pub.id))
        }
        issue_link_source: dict[str, str] = {}
        seen: dict[tuple[str, str], str] = {}
        n = 0
        for batch in batched(itertools.chain([first], stream), BATCH):
            keys = [rec.identity() for rec in batch]
            wanted = [known[k] for k in set(keys) if k in known]
            loaded = {
                e.id: e for e in s.scalars(
                    select(Entry).where(Entry.id.in_(wanted))
                    .options(selectinload(Entry.opinions), selectinload(Entry.author_list), selectinload(Entry.issue))
                )
            } if wanted else {}
            made: list[tuple[tuple[str, str], EntryRecord, Issue | None]] = []
            touched: set[Issue] = set()
            for key, rec in zip(keys, batch, strict=True):
                n += 1
                if key in seen:
                    raise PrecisError(
                        f"{rec.where}: same title and issue as {seen[key]}; one entry cannot be in a file twice"
                    )
                seen[key] = rec.where
                entry = loaded.get(known[key]) if key in known else None
                current = record_from_entry(entry) if entry is not None else None
                if current is not None:
                    if shown is not None and _reads_as_public(rec):
                        rec = _unchanged_where_public(rec, shown(current))
                    rec = rec.over(current)  # what the file does not provide stays as it is
                issue = None
                if rec.issue is not None:
                    issue = issues.get(rec.issue)
                    if issue is None:
                        series, number = parse_issue_label(rec.issue) or (None, None)
                        if series is None or number is None:  # records are validated: a bug, not input
                            raise PrecisError(f"{rec.where}: {rec.issue!r} is not an issue")
                        issue = Issue(publication_id=pub.id, series=series, number=number)
                        s.add(issue)
                        issues[rec.issue] = issue
                        result.issues_created += 1
                    if rec.issue_url:
                        if rec.issue in issue_link_source and issue.url != rec.issue_url:
                            raise PrecisError(
                                f"{rec.where}, column Email: links {rec.issue} to {rec.issue_url}, "
                                f"but {issue_link_source[rec.issue]} links it to {issue.url}"
                            )
                        issue.url = rec.issue_url
                        issue_link_source[rec.issue] = rec.where
                if entry is None:  # written after the batch's flush, without the ORM (``_insert_new``)
                    made.append((key, rec, issue))
                    if issue is not None:
                        touched.add(issue)
                    result.created += 1
                    continue
                if current is not None and current.to_dict() == rec.to_dict():
                    result.unchanged += 1
                    continue
                else:
                    result.updated += 1
                apply_record(entry, rec)
                if issue is not None and entry.status != "published":  # it went out in that issue
                    entry.status = "published"
                if entry.issue is not issue:
                    touched.update(i for i in (entry.issue, issue) if i is not None)
                    entry.issue = issue
                set_authors(entry)
            s.flush()  # the updated entries, with their revisions; the new issues, which get their ids
            for (key, _, _), entry_id in zip(made, _insert_new(s, pub.id, made), strict=True):
                known[key] = entry_id
            for entry in loaded.values():
                s.expunge(entry)  # with its opinions and authors; the issues stay
            for issue in touched:
                s.expire(issue, ["entries"])  # which would hold on to the entries let go, or miss the new ones
            if progress:
                progress(n)  # a batch at a time: for each record, it took a second in 100,000
    return result


def _insert_new(
    session: Session, publication_id: int, made: list[tuple[tuple[str, str], EntryRecord, Issue | None]]
) -> list[int]:
    """Write new entries (each a record and its issue, already flushed), their opinions, their
    authors and their first revisions, a bulk insert per table (``precis.store.bulk``); their ids,
    in order.

    The rows are the ones the ORM writes for ``Entry(status=imported_status(rec))``,
    ``apply_record``, the issue and ``set_authors`` (version 1, a missing ``extra_links`` SQL NULL,
    the title's key),
    and the revision is the flush hook's (``precis.store.revisions``), so that a store does not
    depend on how its entries came in. The entries of a batch are made at one time (the ORM asks
    the clock for each, microseconds apart).
    """
    if not made:
        return []
    connection = session.connection()
    ids = _next_ids(connection, len(made))
    version = 1  # the ORM's first (``version_id_col``)
    fixed = {"publication_id": publication_id, "assignee_id": None, "version": version}
    entries: list[tuple[Any, ...]] = []
    opinions: list[tuple[int, int, str | None, str, str | None]] = []
    authors: list[tuple[int, int, str, bool]] = []
    changes: list[tuple[int, None, dict[str, Any], int]] = []
    for entry_id, (_, rec, issue) in zip(ids, made, strict=True):
        values = _ENTRY_VALUES(rec)
        issue_id = issue.id if issue is not None else None
        status = "published" if issue is not None else imported_status(rec)
        entries.append((entry_id, *values, issue_id, status, normalize_key(rec.title)))
        opinions.extend((entry_id, i, o.author, o.text, o.marker) for i, o in enumerate(rec.opinions))
        authors.extend((entry_id, i, a.name, a.equal_contribution) for i, a in enumerate(parse_authors(rec.authors)))
        row = dict(zip(ENTRY_FIELDS, values, strict=True))
        row.update(fixed, issue_id=issue_id, status=status)
        changes.append((entry_id, None, snapshot_of(row, issue.label if issue is not None else None, rec.opinions),
                        version))
    now = utcnow()
    insert_rows(connection, Entry, ("id", *ENTRY_FIELDS, "issue_id", "status", "title_key"), entries,
                constants={**fixed, "created_at": now, "updated_at": now}, types={"extra_links": _JSON_OR_NULL})
    insert_rows(connection, Opinion, ("entry_id", "position", "author", "text", "marker"), opinions)
    insert_rows(connection, EntryAuthor, ("entry_id", "position", "name", "equal_contribution"), authors)
    write_revisions(session, changes)
    return ids


# A record's values of the entry's own columns (``ENTRY_FIELDS``), at once.
_ENTRY_VALUES = operator.attrgetter(*ENTRY_FIELDS)
# ``extra_links`` writes None as SQL NULL, as the ORM does for a JSON attribute never set (the
# column's own type would write JSON null).
_JSON_OR_NULL = JSON(none_as_null=True)


def _next_ids(connection: Connection, n: int) -> list[int]:
    """The ids of ``n`` new entries, the ones the store would give them, in order.

    On SQLite, one more than the largest each: an import holds SQLite's write lock from its start
    (``Store.session``). On PostgreSQL, the next values of the id column's sequence. Not INSERT ...
    RETURNING: SQLite does not promise the order of the rows it returns.
    """
    if connection.dialect.name == "sqlite":
        start = (connection.scalar(select(func.max(Entry.id))) or 0) + 1
        return list(range(start, start + n))
    return sorted(connection.scalars(_NEXT_IDS, {"n": n}))


_NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence('entry', 'id')) FROM generate_series(1, :n)")


def batched(items: Iterable[EntryRecord], size: int) -> Iterator[list[EntryRecord]]:
    """``items`` in lists of ``size`` (the last may be shorter)."""
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _identities(session: Session, publication: Publication) -> dict[tuple[str, str], int]:
    """Each stored entry's identity (``precis.record.identity``) and id, read as plain rows."""
    rows = session.execute(
        select(Entry.id, Entry.title, Entry.issue_note, Issue.series, Issue.number)
        .outerjoin(Issue, Entry.issue_id == Issue.id)
        .where(Entry.publication_id == publication.id)
    )
    return {
        identity(issue_label(series, number) if number is not None else (note or ""), title): entry_id
        for entry_id, title, note, series, number in rows
    }


@contextmanager
def new_sqlite_store(store: Store) -> Iterator[Store]:
    """A store for a new SQLite file that is there only if the block succeeds (a first import that
    fails leaves nothing behind, without reading the file twice): the block works on a file beside
    it, renamed into place at the end, deleted on an error."""
    from precis.store import Store

    target = sqlite_path(store.url)
    if target is None:
        raise ValueError(f"not a SQLite file: {store.display}")
    scratch = target.with_name(f".{target.name}.new-{os.getpid()}")
    files = [scratch, *(scratch.with_name(scratch.name + suffix) for suffix in ("-wal", "-shm"))]
    made = Store(str(scratch))
    try:
        yield made
        made.close()
        # The write-ahead log folded into the file, so that the file alone is the whole store.
        connection = sqlite3.connect(scratch)
        try:
            connection.execute("PRAGMA journal_mode=DELETE")
        finally:
            connection.close()
        os.replace(scratch, target)
    except BaseException:
        made.close()
        for path in files:
            path.unlink(missing_ok=True)
        raise


def _reads_as_public(rec: EntryRecord) -> bool:
    """A record from a file without the Public? column, such as the published sheet or a public
    export: it cannot tell what it does not show from what is empty."""
    return rec.provided is not None and "public_level" not in rec.provided


def _public_shape(session: Session, publication: Publication) -> Callable[[EntryRecord], EntryRecord | None]:
    """What a public file holds of a stored entry (``public_record``, with the store's own public
    cross-reference targets)."""
    public_key = public_key_of(session, publication)
    return lambda current: public_record(current, public_key)


def _unchanged_where_public(rec: EntryRecord, shown: EntryRecord | None) -> EntryRecord:
    """A record from a file read as public (``_reads_as_public``), without the fields that hold
    exactly what the public sees of the stored entry: a Link-only entry's empty summary, a
    cross-reference cut to its anchor text, a link the policy left out are not changes to it. Nor
    is its place in the file, which cannot count the entries the public does not see."""
    if shown is None or rec.provided is None:
        return rec
    same = {name for name in rec.provided if name in RECORD_FIELDS and getattr(rec, name) == getattr(shown, name)}
    return replace(rec, provided=rec.provided - same - {"position"})


def set_authors(entry: Entry) -> None:
    """Keep the parsed author list in step with the authors text."""
    parsed = parse_authors(entry.authors)
    current = [(a.name, a.equal_contribution) for a in entry.author_list]
    if current != [(a.name, a.equal_contribution) for a in parsed]:
        entry.author_list = [
            EntryAuthor(position=i, name=a.name, equal_contribution=a.equal_contribution)
            for i, a in enumerate(parsed)
        ]
