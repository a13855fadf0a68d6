"""What happened in the newsroom, and what needs a person's attention (their "for me" page).

The activity page reads two records: the newsroom's own lines (``Activity``: an entry made, saved,
moved, restored, commented on, by a person of the team) and the revisions made outside the
newsroom (an import, a command: ``Revision.person_id`` is None and ``by`` says who). A revision
made in the newsroom is not listed again: its ``Activity`` line already says it.

Authors' review adds lines of its own (kinds "review …"): those an author's answer made have no
person of the team (``person_id`` None) and name the reviewer in ``detail``; the line says who in
words (``says``), never with an email address.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from precis.model import Activity, Comment, Entry, Mention, Person, Revision
from precis.newsroom.entries import changed_fields, entry_json
from precis.newsroom.permissions import EDITORS
from precis.store import Store

#: The statuses an entry is still being written or reviewed in ("not yet approved").
OPEN_STATUSES = ("idea", "assigned", "draft", "in review")


def _aware(moment: datetime) -> datetime:
    """SQLite gives datetimes back without their zone; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


#: What an author did (the line's ``who`` is the reviewer), and what the team did about a review.
AUTHOR_KINDS = frozenset({"review opened", "review answered", "review approved"})
REVIEW_KINDS = AUTHOR_KINDS | {"review requested", "review edit accepted", "review edit declined",
                               "review revoked", "review reminded"}
#: The author's answer a "review answered" line is about (``detail["what"]``).
ANSWERED = {"comment": "commented on the summary of", "edit": "proposed an edit of"}


def _review_words(kind: str, detail: dict[str, Any]) -> str:
    """A review line's words between who and the entry: "proposed an edit of", "declined Jane Doe's
    edit of"."""
    reviewer = str(detail.get("reviewer") or "an author")
    if kind == "review requested":
        return f"asked {reviewer} to review"
    if kind == "review opened":
        return "opened the review link of"
    if kind == "review answered":
        return ANSWERED.get(str(detail.get("what")), "answered the review of")
    if kind == "review approved":
        return "approved the summary of"
    if kind == "review edit accepted":
        return f"accepted {reviewer}'s edit of"
    if kind == "review edit declined":
        return f"declined {reviewer}'s edit of"
    if kind == "review revoked":
        return f"revoked {reviewer}'s review link of"
    return f"reminded {reviewer} to review"  # "review reminded"


def _line(a: Activity, names: dict[int, str], titles: dict[int, str]) -> dict[str, Any]:
    detail = dict(a.detail or {})
    who = names.get(a.person_id or 0, "someone")
    says = None
    if a.kind in REVIEW_KINDS:
        says = _review_words(a.kind, detail)
        if a.kind in AUTHOR_KINDS and a.person_id is None:
            who = str(detail.get("reviewer") or "An author")
    return {
        "at": _aware(a.at), "who": who, "person_id": a.person_id, "entry_id": a.entry_id,
        "title": titles.get(a.entry_id or 0), "kind": a.kind, "detail": detail, "says": says,
    }


def activity(
    store: Store, person_id: int | None = None, entry_id: int | None = None, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Lines of what changed, newest first: ``at``, ``who``, ``person_id``, ``entry_id``, ``title``,
    ``kind`` ("created", "saved", "status", "restored", "comment", "resolved", "reopened", the
    review's kinds, or "revision" for a change made outside the newsroom), ``detail`` and ``says``
    (a review line's words, else None). Filtered by the person who
    acted and by entry when given."""
    upto = offset + limit
    with store.session() as s:
        # Which lines make the page, from their times alone; then only those lines are read whole
        # (a revision holds two snapshots of its entry).
        acts = select(Activity.at, Activity.id)
        if person_id is not None:
            acts = acts.where(Activity.person_id == person_id)
        if entry_id is not None:
            acts = acts.where(Activity.entry_id == entry_id)
        keys = [(_aware(at), "a", i) for at, i in s.execute(
            acts.order_by(Activity.at.desc(), Activity.id.desc()).limit(upto))]
        if person_id is None:  # changes outside the newsroom are nobody's of the team
            revs = select(Revision.at, Revision.id).where(Revision.person_id.is_(None))
            if entry_id is not None:
                revs = revs.where(Revision.entry_id == entry_id)
            keys += [(_aware(at), "r", i) for at, i in s.execute(
                revs.order_by(Revision.at.desc(), Revision.id.desc()).limit(upto))]
        keys.sort(reverse=True)
        page = keys[offset:upto]
        wanted_acts = [i for _, k, i in page if k == "a"]
        wanted_revs = [i for _, k, i in page if k == "r"]
        found = {a.id: a for a in s.scalars(select(Activity).where(Activity.id.in_(wanted_acts)))}
        revs_found = {r.id: r for r in s.scalars(select(Revision).where(Revision.id.in_(wanted_revs)))}
        names = dict(s.execute(select(Person.id, Person.name)).all())
        ids = {a.entry_id for a in found.values() if a.entry_id} | {r.entry_id for r in revs_found.values()}
        titles = dict(s.execute(select(Entry.id, Entry.title).where(Entry.id.in_(ids))).all()) if ids else {}
        lines = []
        for _, kind, ident in page:
            if kind == "a":
                lines.append(_line(found[ident], names, titles))
                continue
            r = revs_found[ident]
            lines.append({
                "at": _aware(r.at), "who": r.by, "person_id": None, "entry_id": r.entry_id,
                "title": titles.get(r.entry_id) or (r.before or {}).get("title"), "kind": "revision",
                "detail": {"fields": sorted(changed_fields(r.before, r.after)), "created": r.before is None,
                           "deleted": r.after is None}, "says": None,
            })
    return lines


def for_me(store: Store, person: Person, limit: int = 50) -> dict[str, Any]:
    """What needs the person: ``assigned`` (their entries not yet approved), ``review`` (entries in
    review, for an editor), ``mentions`` (comments naming them, unresolved first, newest first) and
    ``recent`` (what others did lately on their entries, the authors answering a review included)."""
    options = (selectinload(Entry.opinions), selectinload(Entry.issue), selectinload(Entry.assignee))
    with store.session() as s:
        assigned = s.scalars(
            select(Entry).where(Entry.assignee_id == person.id, Entry.status.in_(OPEN_STATUSES))
            .order_by(Entry.updated_at.desc(), Entry.id.desc()).limit(limit).options(*options)
        ).all()
        review = []
        if person.role in EDITORS:
            review = list(s.scalars(
                select(Entry).where(Entry.status == "in review")
                .order_by(Entry.updated_at, Entry.id).limit(limit).options(*options)
            ))
        comments = s.execute(
            select(Comment, Entry.title)
            .join(Mention, Mention.comment_id == Comment.id)
            .join(Entry, Entry.id == Comment.entry_id)
            .where(Mention.person_id == person.id)
            .order_by(Comment.resolved_at.is_not(None), Comment.created_at.desc(), Comment.id.desc())
            .limit(limit).options(selectinload(Comment.person))
        ).all()
        mentions = [
            {"comment_id": c.id, "entry_id": c.entry_id, "title": title, "author": c.person.name,
             "text": c.text, "at": _aware(c.created_at), "resolved": c.resolved_at is not None}
            for c, title in comments
        ]
        mine = select(Entry.id).where(Entry.assignee_id == person.id)
        names = dict(s.execute(select(Person.id, Person.name)).all())
        recent_rows = s.execute(
            select(Activity, Entry.title).join(Entry, Entry.id == Activity.entry_id)
            # nobody of the team (None): an author answering a review, a command
            .where(Activity.entry_id.in_(mine), or_(Activity.person_id.is_(None), Activity.person_id != person.id))
            .order_by(Activity.at.desc(), Activity.id.desc()).limit(limit)
        ).all()
        recent = [_line(a, names, {a.entry_id or 0: title}) for a, title in recent_rows]
        return {
            "assigned": [entry_json(e) for e in assigned],
            "review": [entry_json(e) for e in review],
            "mentions": mentions,
            "recent": recent,
        }
