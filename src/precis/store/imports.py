"""Importing records: write a sheet's entries into the store, all of them or none."""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Connection, bindparam, func, insert, select, text
from sqlalchemy.orm import Session, selectinload

from precis.authors import parse_authors
from precis.errors import PrecisError
from precis.model import Entry, EntryAuthor, Issue, Opinion, Publication, issue_label, parse_issue_label
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
    per object was most of its time.
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
            wanted = [known[k] for k in {rec.identity() for rec in batch} if k in known]
            loaded = {
                e.id: e for e in s.scalars(
                    select(Entry).where(Entry.id.in_(wanted))
                    .options(selectinload(Entry.opinions), selectinload(Entry.author_list), selectinload(Entry.issue))
                )
            } if wanted else {}
            made: list[tuple[tuple[str, str], EntryRecord, Issue | None]] = []
            touched: set[Issue] = set()
            for rec in batch:
                n += 1
                key = rec.identity()
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
                        issue = Issue(publication=pub, series=series, number=number)
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
                    if progress:
                        progress(n)
                    continue
                if current is not None and current.to_dict() == rec.to_dict():
                    result.unchanged += 1
                    if progress:
                        progress(n)
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
                if progress:
                    progress(n)
            s.flush()  # the updated entries, with their revisions; the new issues, which get their ids
            for (key, _, _), entry_id in zip(made, _insert_new(s, pub.id, made), strict=True):
                known[key] = entry_id
            for entry in loaded.values():
                s.expunge(entry)  # with its opinions and authors; the issues stay
            for issue in touched:
                s.expire(issue, ["entries"])  # which would hold on to the entries let go, or miss the new ones
    return result


def _insert_new(
    session: Session, publication_id: int, made: list[tuple[tuple[str, str], EntryRecord, Issue | None]]
) -> list[int]:
    """Write new entries (each a record and its issue, already flushed), their opinions, their
    authors and their first revisions, one executemany per table; their ids, in order.

    The rows are the ones the ORM writes for ``Entry(status=imported_status(rec))``,
    ``apply_record``, the issue and ``set_authors`` (version 1, the columns' own defaults for the
    times, a missing ``extra_links`` SQL NULL), and the revision is the flush hook's
    (``precis.store.revisions``), so that a store does not depend on how its entries came in.
    """
    if not made:
        return []
    connection = session.connection()
    rows = []
    for _, rec, issue in made:
        row = {name: getattr(rec, name) for name in ENTRY_FIELDS}
        row["publication_id"] = publication_id
        row["issue_id"] = issue.id if issue is not None else None
        row["status"] = "published" if issue is not None else imported_status(rec)
        row["assignee_id"] = None
        row["version"] = 1  # the ORM's first (``version_id_col``)
        rows.append(row)
    ids = _insert_entries(connection, rows)
    opinions: list[dict[str, Any]] = []
    authors: list[dict[str, Any]] = []
    changes: list[tuple[int, None, dict[str, Any], int]] = []
    for entry_id, row, (_, rec, issue) in zip(ids, rows, made, strict=True):
        opinions.extend(
            {"entry_id": entry_id, "position": i, "author": o.author, "text": o.text, "marker": o.marker}
            for i, o in enumerate(rec.opinions)
        )
        authors.extend(
            {"entry_id": entry_id, "position": i, "name": a.name, "equal_contribution": a.equal_contribution}
            for i, a in enumerate(parse_authors(rec.authors))
        )
        after = snapshot_of(row, issue.label if issue is not None else None, rec.opinions)
        changes.append((entry_id, None, after, row["version"]))
    if opinions:
        connection.execute(insert(Opinion), opinions)
    if authors:
        connection.execute(insert(EntryAuthor), authors)
    write_revisions(session, changes)
    return ids


def _insert_entries(connection: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert entry rows, a plain executemany with their ids given; the ids, in the rows' order.

    The ids are the ones the store would give. On SQLite, one more than the largest each: an
    import holds SQLite's write lock from its start (``Store.session``). On PostgreSQL, the next
    values of the id column's sequence. Not INSERT ... RETURNING: SQLite does not promise the order
    of the rows it returns (SQLAlchemy then inserts one row a statement), and on PostgreSQL the
    statements of many rows each took psycopg longer to parse than the server to run.
    """
    if connection.dialect.name == "sqlite":
        start = (connection.scalar(select(func.max(Entry.id))) or 0) + 1
        ids = list(range(start, start + len(rows)))
    else:
        ids = sorted(connection.scalars(_NEXT_IDS, {"n": len(rows)}))
    connection.execute(
        _NEW_ENTRY, [{**row, "id": i, _EXTRA_LINKS: row["extra_links"]} for row, i in zip(rows, ids, strict=True)]
    )
    return ids


_NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence('entry', 'id')) FROM generate_series(1, :n)")


# A new entry's row. ``extra_links`` goes through a parameter of its own that writes None as SQL
# NULL, as the ORM does for a JSON attribute never set (the column's type would write JSON null).
_EXTRA_LINKS = "extra_links_or_null"
_NEW_ENTRY = insert(Entry).values(extra_links=bindparam(_EXTRA_LINKS, type_=JSON(none_as_null=True)))


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
