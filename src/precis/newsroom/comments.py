"""Comments on entries: threaded, with @mentions, resolvable.

A mention is ``@`` followed by a person's name, one of their aliases, or their email's local part
("@Rohin Shah", "@Rohin", "@rohin"), matched case-insensitively, longest name first. Each person
mentioned gets a ``Mention`` row, which their "for me" page lists.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from precis.errors import Forbidden, InvalidValue, NotFound
from precis.model import Activity, Comment, Entry, Mention, Person, utcnow
from precis.newsroom import permissions
from precis.record import text_problem
from precis.store import Store

#: The longest comment kept (a comment is a note, not a document).
COMMENT_LIMIT = 20_000


def mentioned(session: Session, text: str) -> list[Person]:
    """The people a text mentions with @, in the order first mentioned, each once."""
    people = session.scalars(select(Person).where(Person.active.is_(True))).all()
    handles: list[tuple[str, Person]] = []
    for p in people:
        for name in (*p.names, p.email.split("@", 1)[0]):
            if name.strip():
                handles.append((name.strip().casefold(), p))
    handles.sort(key=lambda h: -len(h[0]))
    found: list[Person] = []
    folded = text.casefold()
    for m in re.finditer(r"(?<![\w@])@", folded):
        rest = folded[m.end():]
        for handle, person in handles:
            if rest.startswith(handle) and not rest[len(handle):len(handle) + 1].isalnum():
                if person not in found:
                    found.append(person)
                break
    return found


def write_comment(session: Session, person: Person, entry: Entry, text: str, parent_id: int | None = None) -> Comment:
    """Add a comment (in the caller's transaction), its mentions and a line of activity."""
    permissions.require(person, "comment", "comment")
    if not isinstance(text, str) or not text.strip():
        raise InvalidValue("text", text, "a comment needs some text")
    text = text.replace("\r\n", "\n").strip()
    if problem := text_problem(text):
        raise InvalidValue("text", text[:40], problem)
    if len(text) > COMMENT_LIMIT:
        raise InvalidValue("text", text[:40], f"{len(text):,} characters, over the {COMMENT_LIMIT:,} allowed")
    if parent_id is not None:
        parent = session.get(Comment, parent_id)
        if parent is None or parent.entry_id != entry.id:
            raise InvalidValue("parent_id", parent_id, f"not a comment on entry {entry.id}")
        while parent.parent_id is not None:  # replies hang off the thread's first comment
            parent = session.get(Comment, parent.parent_id) or parent
            if parent.parent_id == parent.id:
                break
        parent_id = parent.id
    comment = Comment(entry_id=entry.id, parent_id=parent_id, person_id=person.id, text=text)
    comment.mentions = [Mention(person_id=p.id) for p in mentioned(session, text) if p.id != person.id]
    session.add(comment)
    session.flush()
    session.add(Activity(person_id=person.id, entry_id=entry.id, kind="comment",
                         detail={"comment_id": comment.id, "text": text[:200]}))
    return comment


def add_comment(store: Store, actor: Person, entry_id: int, text: str, parent_id: int | None = None) -> dict[str, Any]:
    with store.session(by=actor.name, person_id=actor.id) as s:
        person = s.get(Person, actor.id)
        entry = s.get(Entry, entry_id)
        if entry is None:
            raise NotFound(f"no entry {entry_id}", kind="entry", key=str(entry_id))
        if person is None:
            raise Forbidden(f"{actor.email} is no longer on the team")
        return comment_json(write_comment(s, person, entry, text, parent_id))


def resolve_comment(store: Store, actor: Person, comment_id: int, resolved: bool = True) -> dict[str, Any]:
    """Mark a thread resolved (or open again): its writer or an editor may."""
    with store.session(by=actor.name, person_id=actor.id) as s:
        comment = s.get(Comment, comment_id)
        if comment is None:
            raise NotFound(f"no comment {comment_id}", kind="comment", key=str(comment_id))
        if not permissions.may_resolve(actor, comment.person_id):
            raise Forbidden(f"a {actor.role} may resolve only their own comments")
        comment.resolved_at = utcnow() if resolved else None
        comment.resolved_by_id = actor.id if resolved else None
        s.add(Activity(person_id=actor.id, entry_id=comment.entry_id, kind="resolved" if resolved else "reopened",
                       detail={"comment_id": comment.id}))
        s.flush()
        return comment_json(comment)


def comments_of(store: Store, entry_id: int) -> list[dict[str, Any]]:
    """The entry's threads, oldest first, each with its replies (``replies``)."""
    with store.session() as s:
        rows = s.scalars(
            select(Comment).where(Comment.entry_id == entry_id).order_by(Comment.id)
            .options(selectinload(Comment.person), selectinload(Comment.mentions))
        ).all()
        threads: dict[int, dict[str, Any]] = {}
        out = []
        for c in rows:
            data = comment_json(c)
            if c.parent_id is not None and c.parent_id in threads:
                threads[c.parent_id]["replies"].append(data)
            else:
                data["replies"] = []
                threads[c.id] = data
                out.append(data)
        return out


def comment_json(c: Comment) -> dict[str, Any]:
    return {
        "id": c.id, "entry_id": c.entry_id, "parent_id": c.parent_id, "person_id": c.person_id,
        "author": c.person.name if c.person is not None else None, "text": c.text,
        "created_at": c.created_at.isoformat(),
        "resolved": c.resolved_at is not None, "mentions": [m.person_id for m in c.mentions],
    }
