"""Revisions: every flush that changes an entry or its opinions writes the entry before and after.

Nothing written to the store is ever lost: ``history`` lists an entry's revisions, oldest first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from precis.model import Entry, EntryAuthor, Opinion, Revision, utcnow
from precis.store.bulk import insert_rows

# ``title_key`` is the title's, derived: not part of what a revision records.
SNAPSHOT_FIELDS = [
    c.name for c in Entry.__table__.columns
    if c.name not in ("id", "created_at", "updated_at", "version", "title_key")
]


class OpinionLike(Protocol):
    """An opinion as a snapshot reads it: an ``Opinion`` or a record's ``OpinionRecord``."""

    @property
    def author(self) -> str | None: ...
    @property
    def text(self) -> str: ...
    @property
    def marker(self) -> str | None: ...


def snapshot(entry: Entry) -> dict[str, Any]:
    """The entry as plain JSON-able data, opinions included: what a revision records."""
    return snapshot_of(
        {name: getattr(entry, name) for name in SNAPSHOT_FIELDS},
        entry.issue.label if entry.issue is not None else None,
        entry.opinions,
    )


def snapshot_of(columns: Mapping[str, Any], issue: str | None, opinions: Iterable[OpinionLike]) -> dict[str, Any]:
    """``snapshot`` of an entry given as its row (``columns``: at least ``SNAPSHOT_FIELDS``), its
    issue's label and its opinions in order: for entries written without the ORM (an import's new
    entries), so that their revisions are the ones the ORM's would be."""
    data: dict[str, Any] = {name: columns[name] for name in SNAPSHOT_FIELDS}
    data["issue"] = issue
    data["opinions"] = [{"author": o.author, "text": o.text, "marker": o.marker} for o in opinions]
    for part in (data, *data["opinions"]):
        for name, value in part.items():
            if type(value) not in _SCALARS and name != "opinions":
                part[name] = _plain(value)
    return data


# Values that read back from JSON as they are: most of a snapshot, which is not written and read
# back for them (that took an import a tenth of its time).
_SCALARS = frozenset({str, int, bool, type(None)})


def _plain(value: Any) -> Any:
    """``value`` as it reads back from JSON, with ``str`` where JSON has no type for it."""
    return json.loads(json.dumps(value, default=str))


def track_revisions(sessions: sessionmaker[Session]) -> None:
    """Write a revision at every flush of a session from ``sessions`` that changes an entry, and
    raise the version of an entry whose opinions or authors alone changed."""
    event.listen(sessions, "before_flush", _touch_parents)
    event.listen(sessions, "after_flush", _record_revisions)


def _touch_parents(session: Session, _flush_context: Any, _instances: Any) -> None:
    """An entry whose opinions or parsed authors changed is changed too: mark it so that its
    version rises (``version_id_col`` counts UPDATEs of the entry's own row)."""
    # ``session.new`` and ``.deleted`` make a new set at each call: asked once, not per object
    # (per object, a flush of an import's thousands of new opinions took quadratic time).
    new, deleted = session.new, session.deleted
    for obj in (*new, *session.dirty, *deleted):
        if isinstance(obj, (Opinion, EntryAuthor)):
            parent: Entry | None = obj.entry if obj.entry is not None else None
            if parent is None and obj.entry_id:
                parent = session.get(Entry, obj.entry_id)
            if parent is not None and parent not in new and parent not in deleted:
                parent.updated_at = utcnow()


def _record_revisions(session: Session, _flush_context: Any) -> None:
    touched: dict[int, Entry] = {}
    created: set[int] = set()
    deleted: dict[int, Entry] = {}
    for obj in session.new:
        if isinstance(obj, Entry):
            touched[obj.id] = obj
            created.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Entry):
            touched[obj.id] = obj
    for obj in session.deleted:
        if isinstance(obj, Entry):
            deleted[obj.id] = obj
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Opinion, EntryAuthor)):
            # A removed opinion no longer points at its entry, but still holds its id.
            parent: Entry | None = obj.entry if obj.entry is not None else None
            if parent is None and obj.entry_id:
                parent = session.get(Entry, obj.entry_id)
            if parent is not None:
                touched.setdefault(parent.id, parent)
    if not touched and not deleted:
        return
    previous = _latest_after(session, [i for i in (*touched, *deleted) if i not in created])
    changes: list[tuple[int, Any, Any, int | None]] = []
    for entry_id, entry in touched.items():
        if entry_id in deleted:
            continue
        after = snapshot(entry)
        before = None if entry_id in created else previous.get(entry_id)
        if before != after:
            changes.append((entry_id, before, after, entry.version))
    changes.extend((entry_id, previous.get(entry_id), None, None) for entry_id in deleted)
    write_revisions(session, changes)


def write_revisions(session: Session, changes: Iterable[tuple[int, Any, Any, int | None]]) -> None:
    """Write one revision per change (entry id, snapshot before, snapshot after, version after),
    all at one time and by the session's author (``Store.session``'s ``by`` and ``person_id``).

    The flush hook writes its revisions here; so does whatever writes entries without the ORM
    (an import's new entries: ``before`` None, ``after`` their ``snapshot_of``)."""
    by = {"at": utcnow(), "by": session.info.get("by", "precis"), "person_id": session.info.get("person_id")}
    rows = list(changes)
    if rows:
        insert_rows(session.connection(), Revision, ("entry_id", "before", "after", "version"), rows, constants=by)


def _latest_after(session: Session, entry_ids: list[int]) -> dict[int, Any]:
    if not entry_ids:
        return {}
    out: dict[int, Any] = {}
    conn = session.connection()
    for start in range(0, len(entry_ids), 500):
        chunk = entry_ids[start : start + 500]
        latest = (
            select(func.max(Revision.id))
            .where(Revision.entry_id.in_(chunk))
            .group_by(Revision.entry_id)
        )
        for row in conn.execute(select(Revision.entry_id, Revision.after).where(Revision.id.in_(latest))):
            out[int(row[0])] = row[1]
    return out


def history(session: Session, entry_id: int) -> list[Revision]:
    return list(
        session.scalars(select(Revision).where(Revision.entry_id == entry_id).order_by(Revision.id))
    )
