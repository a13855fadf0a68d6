"""The pipeline for staff: entries by status, person and category, and full-text search over every
entry (notes, opinions and unpublished drafts included).

This is the newsroom's own search, for signed-in staff only. The public archive and ``/api/search``
use ``precis.search``, which indexes only what ``precis.public`` allows; nothing here is reachable
from them. Search is a case-insensitive substring match of every word (``LIKE``/``ILIKE``, escaped)
over the entry's text fields and its opinions: the same on SQLite and PostgreSQL, needs no index of
its own to keep in step, and scans the real archive (about 2,000 entries) in milliseconds.
"""

from __future__ import annotations

import re
from typing import Any, cast

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import selectinload

from precis.errors import InvalidValue
from precis.model import STATUSES, Entry, Opinion, Person
from precis.newsroom.entries import entry_json
from precis.store import Store

#: The statuses the board shows as columns; published entries (thousands) are only counted.
BOARD_STATUSES = tuple(s for s in STATUSES if s != "published")
#: The fields a search looks in (with the opinions' text).
SEARCHED = (
    "title", "authors", "venue", "hat_tip", "category", "summarizer", "summary", "prerequisites",
    "read_more", "notes", "url", "title_url",
)
#: The most entries one call lists.
MAX_LIMIT = 200
#: How a list may be sorted: by last change, newest ("-updated") or oldest first.
SORTS = ("-updated", "updated")


def words(q: str | None) -> list[str]:
    """The words of a query (at most 10, each at most 100 characters), every one of which must match."""
    return [w[:100] for w in (q or "").split()][:10]


def _contains(column: Any, word: str, sqlite: bool) -> Any:
    """``column`` holds ``word`` (escaped), whatever its case. SQLite's own LIKE already ignores the
    case of ASCII letters, and is twice as fast as comparing ``lower()`` of both sides, which is
    kept for words with other letters (and PostgreSQL's ILIKE)."""
    pattern = f"%{word}%"
    if sqlite and word.isascii():
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")


def _filtered(
    query: Select[*tuple[Any, ...]], status: str | None, assignee_id: int | None, category: str | None, q: str | None,
    sqlite: bool,
) -> Select[*tuple[Any, ...]]:
    if status is not None:
        if status not in STATUSES:
            raise InvalidValue("status", status, f"not one of {', '.join(STATUSES)}")
        query = query.where(Entry.status == status)
    if assignee_id is not None:
        query = query.where(Entry.assignee_id == assignee_id)
    if category is not None:
        query = query.where(Entry.category == category)
    for word in words(q):
        query = query.where(or_(
            *(_contains(getattr(Entry, name), word, sqlite) for name in SEARCHED),
            exists().where(Opinion.entry_id == Entry.id, _contains(Opinion.text, word, sqlite)),
        ))
    return query


def _escape_like(q: str | None) -> str | None:
    """The query with LIKE's wildcards taken literally (the words are matched as typed)."""
    if q is None:
        return None
    return re.sub(r"([\\%_])", r"\\\1", q)


def find_entries(
    store: Store,
    status: str | None = None,
    assignee_id: int | None = None,
    category: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    *,
    sort: str = "-updated",
) -> list[dict[str, Any]]:
    """Every entry matching the filters (each given one must hold), newest change first, as the
    newsroom shows it (``entry_json``). ``q``: every word must occur in a field or an opinion."""
    return find_and_count(store, status, assignee_id, category, q, limit, offset, sort=sort)[0]


def find_and_count(
    store: Store,
    status: str | None = None,
    assignee_id: int | None = None,
    category: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    *,
    sort: str = "-updated",
) -> tuple[list[dict[str, Any]], int]:
    """``find_entries`` and ``count_entries`` at once. With words to find, from one pass over the
    entries (a search reads every entry's text: a page that shows both need not read it twice);
    without, the page is read through an index newest change first (``ix_entry_updated``,
    ``ix_entry_status_updated``) and the matches counted on their own, so that a page costs about
    the same whatever the number of entries."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidValue("limit", limit, f"not a number from 1 to {MAX_LIMIT}")
    if offset < 0:
        raise InvalidValue("offset", offset, "must be 0 or more")
    if sort not in SORTS:
        raise InvalidValue("sort", sort, f"not one of {', '.join(SORTS)}")
    order = (Entry.updated_at.desc(), Entry.id.desc()) if sort == "-updated" else (Entry.updated_at, Entry.id)
    q = _escape_like(q)
    with store.session() as s:
        count = _filtered(select(func.count(Entry.id)), status, assignee_id, category, q, store.is_sqlite)
        if not words(q):
            ids = list(s.scalars(
                _filtered(select(Entry.id), status, assignee_id, category, q, store.is_sqlite)
                .order_by(*order).limit(limit).offset(offset)
            ))
            total = int(s.scalar(count) or 0)
        else:
            # The page's ids first (with the number of all matches), then their entries: sorting
            # whole rows (long summaries) is slow.
            query = _filtered(select(Entry.id, func.count().over()), status, assignee_id, category, q, store.is_sqlite)
            found = cast(list[tuple[int, int]], s.execute(query.order_by(*order).limit(limit).offset(offset)).all())
            ids = [i for i, _ in found]
            # Past the last page (or nothing matches), the total is counted on its own.
            total = int(found[0][1]) if found else int(s.scalar(count) or 0) if offset else 0
        rows = {e.id: e for e in s.scalars(
            select(Entry).where(Entry.id.in_(ids))
            .options(selectinload(Entry.opinions), selectinload(Entry.issue), selectinload(Entry.assignee))
        )} if ids else {}
        return [entry_json(rows[i]) for i in ids], total


def count_entries(
    store: Store,
    status: str | None = None,
    assignee_id: int | None = None,
    category: str | None = None,
    q: str | None = None,
) -> int:
    """How many entries ``find_entries`` would list with the same filters, without a limit."""
    with store.session() as s:
        query = _filtered(select(func.count(Entry.id)), status, assignee_id, category, _escape_like(q), store.is_sqlite)
        return int(s.scalar(query) or 0)


def board(store: Store, assignee_id: int | None = None, category: str | None = None,
          per_column: int = MAX_LIMIT) -> dict[str, Any]:
    """The board: for each status of ``BOARD_STATUSES`` its entries (newest change first) and their
    number, and the number of published entries."""
    columns = {}
    for status in BOARD_STATUSES:
        entries, count = find_and_count(store, status, assignee_id, category, limit=per_column)
        columns[status] = {"entries": entries, "count": count}
    return {"columns": columns, "published": count_entries(store, "published", assignee_id, category)}


def categories(store: Store) -> list[str]:
    """The categories entries have, sorted: the choices of the category filter."""
    with store.session() as s:
        found = s.scalars(select(Entry.category).where(Entry.category.is_not(None)).distinct()).all()
        return sorted(c for c in found if c)


def people(store: Store) -> list[dict[str, Any]]:
    """The team (id, name, role), by name: the choices of the person filter. No emails."""
    with store.session() as s:
        rows = s.execute(select(Person.id, Person.name, Person.role).order_by(Person.name, Person.id)).all()
        return [{"id": i, "name": n, "role": r} for i, n, r in rows]


def snippet(entry: dict[str, Any], q: str | None, width: int = 80) -> tuple[str, str, str, str] | None:
    """Where the first word of ``q`` occurs in the entry: (field, text before, the match, text
    after), each plain text for the page to escape; None when no field holds it."""
    wanted = words(q)
    if not wanted:
        return None
    texts = [(name, entry.get(name)) for name in SEARCHED]
    texts += [(f"{o['author'] or 'unsigned'}'s opinion", o["text"]) for o in entry.get("opinions", [])]
    for word in wanted:
        pattern = re.compile(re.escape(word), re.IGNORECASE)
        for name, text in texts:
            if not isinstance(text, str) or (found := pattern.search(text)) is None:
                continue
            start, end = max(0, found.start() - width), min(len(text), found.end() + width)
            before = ("…" if start else "") + text[start:found.start()]
            after = text[found.end():end] + ("…" if end < len(text) else "")
            return name, before, found.group(), after
    return None
