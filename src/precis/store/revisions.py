"""Revisions: every flush that changes an entry or its opinions writes the entry before and after.

Nothing written to the store is ever lost: ``history`` lists an entry's revisions, oldest first.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from precis.model import Entry, EntryAuthor, Opinion, Revision, utcnow

SNAPSHOT_FIELDS = [
    c.name for c in Entry.__table__.columns if c.name not in ("id", "created_at", "updated_at", "version")
]


def snapshot(entry: Entry) -> dict[str, Any]:
    """The entry as plain JSON-able data, opinions included: what a revision records."""
    data: dict[str, Any] = {name: getattr(entry, name) for name in SNAPSHOT_FIELDS}
    data["issue"] = entry.issue.label if entry.issue is not None else None
    data["opinions"] = [
        {"author": o.author, "text": o.text, "marker": o.marker} for o in entry.opinions
    ]
    plain: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return plain


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
    by, at = session.info.get("by", "precis"), utcnow()
    person_id = session.info.get("person_id")
    rows = []
    for entry_id, entry in touched.items():
        if entry_id in deleted:
            continue
        after = snapshot(entry)
        before = None if entry_id in created else previous.get(entry_id)
        if before != after:
            rows.append({"entry_id": entry_id, "at": at, "by": by, "before": before, "after": after,
                         "version": entry.version, "person_id": person_id})
    for entry_id in deleted:
        rows.append({"entry_id": entry_id, "at": at, "by": by, "before": previous.get(entry_id), "after": None,
                     "version": None, "person_id": person_id})
    if rows:
        session.connection().execute(insert(Revision), rows)


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
