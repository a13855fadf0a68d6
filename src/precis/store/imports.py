"""Importing records: write a sheet's entries into the store, all of them or none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from precis.authors import parse_authors
from precis.errors import PrecisError
from precis.model import Entry, EntryAuthor, Issue, Publication, parse_issue_label
from precis.public import public_record
from precis.record import RECORD_FIELDS, EntryRecord, apply_record, identity, imported_status, record_from_entry
from precis.store.queries import public_key_of

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


def import_records(
    store: Store,
    records: list[EntryRecord],
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
    """
    result = ImportResult()
    with store.session(by=by) as s:
        pub = store.default_publication(s)
        shown = _public_shape(s, pub) if any(_reads_as_public(r) for r in records) else None
        entries = s.scalars(
            select(Entry)
            .where(Entry.publication_id == pub.id)
            .options(selectinload(Entry.opinions), selectinload(Entry.author_list), selectinload(Entry.issue))
        ).all()
        by_identity = {
            identity(e.issue.label if e.issue else (e.issue_note or ""), e.title): e for e in entries
        }
        issues = {
            i.label: i for i in s.scalars(select(Issue).where(Issue.publication_id == pub.id))
        }
        issue_link_source: dict[str, str] = {}
        seen: dict[tuple[str, str], str] = {}
        for n, rec in enumerate(records, 1):
            key = rec.identity()
            if key in seen:
                raise PrecisError(
                    f"{rec.where}: same title and issue as {seen[key]}; one entry cannot be in a file twice"
                )
            seen[key] = rec.where
            entry = by_identity.get(key)
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
            if entry is None:
                entry = Entry(
                    publication_id=pub.id, title=rec.title, opinions=[], author_list=[], status=imported_status(rec)
                )
                s.add(entry)
                by_identity[key] = entry
                result.created += 1
            elif current is not None and current.to_dict() == rec.to_dict():
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
                entry.issue = issue
            set_authors(entry)
            if progress:
                progress(n)
    return result


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
