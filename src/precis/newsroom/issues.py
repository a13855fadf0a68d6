"""Composing an issue: a draft made of approved entries, in order, with highlights and an intro,
checked and previewed in every edition, then published as one transaction.

An entry added to a draft issue becomes *scheduled*; taken out again it is *approved*. Publishing
fixes the issue's number, date and entries, makes its entries *published* (Email status "Sent", or
"Sent link only" for a "Link only" entry) and schedules what follows on the job queue (the archive,
the podcast): the caller puts those jobs on the queue once the transaction is committed
(``precis.jobs.dispatch``), so that a job never runs on a publish that was rolled back.

Every function takes the session of the caller's transaction and the person acting, checked against
the permissions table ("compose", "publish"); ``None`` is the command line, which is trusted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date as Date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from precis.check import ERROR, Problem, check
from precis.errors import Conflict, InvalidValue, NotFound
from precis.model import Activity, Entry, Issue, Person, Publication, issue_label, parse_issue_label, utcnow
from precis.newsroom import permissions
from precis.public import is_link_only
from precis.store import Store

if TYPE_CHECKING:
    from precis.jobs.model import Job

DRAFT, PUBLISHED = "draft", "published"
#: Words a reader reads in a minute, for an issue's reading time.
READING_SPEED = 230
#: The editions a preview shows: key -> (format, private).
PREVIEW_EDITIONS = {
    "email": ("html", False),
    "private": ("html", True),
    "markdown": ("markdown", False),
    "text": ("text", False),
    "speech": ("speech", False),
}


def get_issue(session: Session, publication: Publication, ref: str | int) -> Issue:
    """An issue by id (an int), or by number ("173") or label ("AN #173") as the command line names it."""
    if isinstance(ref, int):
        issue = session.get(Issue, ref)
        if issue is None or issue.publication_id != publication.id:
            raise NotFound(f"no issue with id {ref}", kind="issue", key=str(ref))
        return issue
    text = ref.strip()
    parsed = (publication.issue_prefix, int(text)) if text.isdigit() else parse_issue_label(text)
    if parsed is None:
        raise InvalidValue("issue", text, f"not an issue; write 173 or '{publication.issue_prefix} #173'")
    found = session.scalar(
        select(Issue).where(
            Issue.publication_id == publication.id,
            func.lower(Issue.series) == parsed[0].lower(),
            Issue.number == parsed[1],
        )
    )
    if found is None:
        raise NotFound(f"no issue {issue_label(*parsed)}", kind="issue", key=issue_label(*parsed))
    return found


def next_number(session: Session, publication: Publication) -> int:
    """The number after every issue of the publication's series, drafts included."""
    top = session.scalar(
        select(func.max(Issue.number)).where(
            Issue.publication_id == publication.id, Issue.series == publication.issue_prefix
        )
    )
    return (top or 0) + 1


def new_issue(
    session: Session, publication: Publication, person: Person | None, *, title: str | None = None,
    date: Date | None = None,
) -> Issue:
    """A draft issue, numbered next in the publication's series."""
    _require(person, "compose", "compose issues")
    issue = Issue(
        publication_id=publication.id, series=publication.issue_prefix, number=next_number(session, publication),
        title=_clean(title), date=date, status=DRAFT,
    )
    session.add(issue)
    session.flush()
    _log(session, person, None, "issue", {"issue": issue.label, "action": "created"})
    return issue


def draft_issues(session: Session, publication: Publication) -> list[Issue]:
    return list(session.scalars(
        select(Issue).where(Issue.publication_id == publication.id, Issue.status == DRAFT).order_by(Issue.number)
    ))


def candidates(session: Session, publication: Publication) -> list[Entry]:
    """Approved entries in no issue: what a draft can be made of, most recently changed first."""
    return list(session.scalars(
        select(Entry)
        .where(Entry.publication_id == publication.id, Entry.status == "approved", Entry.issue_id.is_(None))
        .order_by(Entry.updated_at.desc(), Entry.id.desc())
    ))


def add_entries(session: Session, issue: Issue, person: Person | None, entry_ids: list[int]) -> None:
    """Append approved entries to the draft, in the order given; each becomes scheduled."""
    _require(person, "compose", "compose issues")
    _draft(issue)
    before = issue_entries(session, issue)
    entries = [_entry(session, issue, i) for i in dict.fromkeys(entry_ids)]
    added = [e for e in entries if e.issue_id != issue.id]
    for entry in added:
        if entry.status != "approved" or entry.issue_id is not None:
            where = f" (in {entry.issue.label})" if entry.issue is not None else ""
            raise Conflict(
                f"entry {entry.id} {entry.title.strip()!r} is {entry.status}{where}: only approved entries "
                "in no issue can be added", current={"entry": entry.id, "status": entry.status},
            )
        entry.issue = issue
        entry.status = "scheduled"
    _renumber(session, issue, [*before, *added])
    _log(session, person, None, "issue", {"issue": issue.label, "action": "added",
                                          "entries": [e.id for e in added]})


def remove_entry(session: Session, issue: Issue, person: Person | None, entry_id: int) -> None:
    """Take an entry out of the draft: it is approved again."""
    _require(person, "compose", "compose issues")
    _draft(issue)
    entry = _member(session, issue, entry_id)
    entry.issue = None
    entry.status = "approved"
    entry.highlight = False
    session.flush()
    _renumber(session, issue, issue_entries(session, issue))
    _log(session, person, entry, "issue", {"issue": issue.label, "action": "removed"})


def reorder(session: Session, issue: Issue, person: Person | None, entry_ids: list[int]) -> None:
    """Put the draft's entries in this order (every one of them, each once)."""
    _require(person, "compose", "compose issues")
    _draft(issue)
    current = {e.id: e for e in issue_entries(session, issue)}
    if sorted(entry_ids) != sorted(current):
        raise InvalidValue("entry_ids", entry_ids, f"give every entry of {issue.label} once: {sorted(current)}")
    _renumber(session, issue, [current[i] for i in entry_ids])


def set_highlight(session: Session, issue: Issue, person: Person | None, entry_id: int, on: bool) -> None:
    """Show the entry in the HIGHLIGHTS section at the top of the issue, or back in its category."""
    _require(person, "compose", "compose issues")
    _draft(issue)
    _member(session, issue, entry_id).highlight = on


#: Marks "leave this as it is" in ``update_issue`` (None clears a value).
KEEP: Any = object()


def update_issue(
    session: Session, issue: Issue, person: Person | None, *, title: Any = KEEP, date: Any = KEEP,
    intro: Any = KEEP,
) -> None:
    """Change the draft's title, date or intro (summary markup); what is not given stays."""
    _require(person, "compose", "compose issues")
    _draft(issue)
    if title is not KEEP:
        issue.title = _clean(title)
    if date is not KEEP:
        if date is not None and not isinstance(date, Date):
            raise InvalidValue("date", date, "not a date (YYYY-MM-DD)")
        issue.date = date
    if intro is not KEEP:
        issue.intro = _clean(intro)


def problems(session: Session, issue: Issue) -> list[Problem]:
    """What to fix before publishing, errors first: ``check``'s problems of the issue's entries
    (no category or an unknown one, a summary without a summarizer, broken references, bad links,
    duplicate titles …), and an issue without entries."""
    entries = issue_entries(session, issue)
    found = check(session, issue.publication, only={e.id for e in entries})
    if not entries:
        found.append(Problem(ERROR, 0, issue.label, "entries", "the issue has no entries"))
    return sorted(found, key=lambda p: p.severity != ERROR)


def publish(
    session: Session, issue: Issue, person: Person | None, *, base_url: str | None = None,
) -> list[Job]:
    """Publish the draft in the caller's transaction and schedule its jobs (see the module doc);
    refused while it has an error-level problem."""
    from precis.jobs import after_publish

    _require(person, "publish", "publish issues")
    _draft(issue)
    errors = [p for p in problems(session, issue) if p.severity == ERROR]
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InvalidValue("issue", issue.label, f"cannot be published yet: {errors[0]}{more}")
    issue.status = PUBLISHED
    issue.published_at = utcnow()
    if issue.date is None:
        issue.date = issue.published_at.date()
    if base_url:
        from precis.site.urls import issue_path

        issue.url = base_url.rstrip("/") + "/" + issue_path(issue.slug)
    for entry in issue_entries(session, issue):
        entry.status = "published"
        entry.email_status = "Sent link only" if is_link_only(entry.public_level) else "Sent"
        entry.issue_note = None
        entry.issue_linked = True
    session.flush()
    _log(session, person, None, "issue", {"issue": issue.label, "action": "published"})
    return after_publish(session, issue, person.id if person is not None else None)


# -- previews ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Previews:
    """Every edition of an issue as it would go out, with the text edition's length."""

    editions: dict[str, str]  # PREVIEW_EDITIONS key -> the rendered edition
    warnings: list[str]  # cross-references that could not be resolved
    words: int
    minutes: int  # reading time, rounded up


def previews(store: Store, issue_id: int) -> Previews:
    """The issue in every edition, made by the editions' renderers exactly as ``precis render``
    makes them (a draft's scheduled entries included, at their public level)."""
    from precis.render import Editions

    warnings: list[str] = []
    editions = Editions.load(store, issue_id=issue_id, warn=warnings.append)
    ref = next((i for i in editions.issues if i.id == issue_id), None)
    if ref is None:
        raise NotFound(f"no issue with id {issue_id}", kind="issue", key=str(issue_id))
    out = {key: editions.render(ref, fmt, private=private) for key, (fmt, private) in PREVIEW_EDITIONS.items()}
    words = len(out["text"].split())
    return Previews(out, list(dict.fromkeys(warnings)), words, max(1, math.ceil(words / READING_SPEED)))


# -- helpers -------------------------------------------------------------------------------------


def issue_entries(session: Session, issue: Issue) -> list[Entry]:
    """The issue's entries in their order."""
    return list(session.scalars(select(Entry).where(Entry.issue_id == issue.id).order_by(Entry.position, Entry.id)))


def _member(session: Session, issue: Issue, entry_id: int) -> Entry:
    """An entry of the issue; NotFound naming the issue otherwise."""
    entry = _entry(session, issue, entry_id)
    if entry.issue_id != issue.id:
        raise NotFound(f"entry {entry_id} is not in {issue.label}", kind="entry", key=str(entry_id))
    return entry


def _entry(session: Session, issue: Issue, entry_id: int) -> Entry:
    entry = session.get(Entry, entry_id)
    if entry is None or entry.publication_id != issue.publication_id:
        raise NotFound(f"no entry {entry_id}", kind="entry", key=str(entry_id))
    return entry


def _renumber(session: Session, issue: Issue, ordered: list[Entry]) -> None:
    """Give the issue's entries consecutive positions after every other entry's, in ``ordered``'s
    order (an issue's order is its entries' positions, as for an imported sheet)."""
    session.flush()
    ids = [e.id for e in ordered]
    others = select(func.max(Entry.position)).where(Entry.publication_id == issue.publication_id)
    if ids:
        others = others.where(Entry.id.not_in(ids))
    start = (session.scalar(others) or 0) + 1
    for i, entry in enumerate(ordered):
        if entry.position != start + i:
            entry.position = start + i
    session.flush()


def _draft(issue: Issue) -> None:
    if issue.status != DRAFT:
        raise Conflict(f"{issue.label} is published: its number, date and entries are fixed",
                       current={"issue": issue.label, "status": issue.status})


def _require(person: Person | None, action: str, what: str) -> None:
    if person is not None:
        permissions.require(person, action, what)


def _clean(text: Any) -> str | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidValue("text", text, "not text")
    return text.strip() or None


def _log(session: Session, person: Person | None, entry: Entry | None, kind: str, detail: dict[str, Any]) -> None:
    session.add(Activity(person_id=person.id if person is not None else None,
                         entry_id=entry.id if entry is not None else None, kind=kind, detail=detail))

