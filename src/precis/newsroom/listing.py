"""Finding entries for the staff: by status, assignee and category, and by words anywhere in them.

This is the staff's search: it looks in every entry, published or not, and in the private fields
(notes, opinions), so only the newsroom and its API call it, never the public archive or
``/api/search`` (those use the public view and ``precis.search``). Words match case-insensitively
as a substring of the title, authors, summary, notes or any opinion's text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from precis.errors import InvalidValue
from precis.model import STATUSES, Entry, Opinion
from precis.newsroom.entries import entry_json
from precis.store import Store

#: The most entries one call returns (a page of a list, not an export).
MAX_LIMIT = 200
DEFAULT_LIMIT = 50


def find_entries(
    store: Store,
    status: str | None = None,
    assignee_id: int | None = None,
    category: str | None = None,
    q: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The entries that match every filter given, most recently changed first, as ``entry_json``
    shows them; ``limit`` (1 to ``MAX_LIMIT``) of them from ``offset`` on."""
    if status is not None and status not in STATUSES:
        raise InvalidValue("status", status, f"not one of {', '.join(STATUSES)}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidValue("limit", limit, f"a whole number from 1 to {MAX_LIMIT}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InvalidValue("offset", offset, "a whole number from 0 on")
    query = select(Entry)
    if status is not None:
        query = query.where(Entry.status == status)
    if assignee_id is not None:
        query = query.where(Entry.assignee_id == assignee_id)
    if category is not None:
        query = query.where(Entry.category == category)
    words = (q or "").strip()
    if words:
        in_opinions = select(Opinion.entry_id).where(Opinion.text.icontains(words, autoescape=True))
        query = query.where(or_(
            *(column.icontains(words, autoescape=True)
              for column in (Entry.title, Entry.authors, Entry.summary, Entry.notes)),
            Entry.id.in_(in_opinions),
        ))
    query = (
        query.order_by(Entry.updated_at.desc(), Entry.id.desc()).limit(limit).offset(offset)
        .options(selectinload(Entry.opinions), selectinload(Entry.issue), selectinload(Entry.assignee))
    )
    with store.session() as s:
        return [entry_json(e) for e in s.scalars(query)]
