"""Reading the store: a publication's entries and settings, its records, one entry by title."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from precis.errors import NotFound, PrecisError
from precis.model import Entry, Opinion, Publication
from precis.publication import Settings
from precis.record import EntryRecord, record_from_entry

if TYPE_CHECKING:
    from precis.store import Store


def settings_of(publication: Publication) -> Settings:
    return Settings.from_dict(publication.settings, f"publication {publication.slug!r}")


def publication_entries(session: Session, publication: Publication) -> list[Entry]:
    """Every entry of a publication in sheet order, with its opinions and issue loaded."""
    return list(
        session.scalars(
            select(Entry)
            .where(Entry.publication_id == publication.id)
            .order_by(Entry.position, Entry.id)
            .options(selectinload(Entry.opinions), selectinload(Entry.issue))
        )
    )


def load_records(store: Store, public: bool = False) -> list[EntryRecord]:
    """Every entry of the default publication as records, in sheet order.

    With ``public``, entries that are not published or not public are left out and the rest are cut to what the
    public may see (see ``public.py``), cross-references to entries that are not public included.
    """
    return list(iter_records(store, public))


def iter_records(store: Store, public: bool = False, batch: int = 500) -> Iterator[EntryRecord]:
    """``load_records`` one record at a time: the entries are read ``batch`` at a time, in one
    snapshot of the store, and let go once made records, so that writing a file of the whole
    archive holds a batch of entries, not all of them."""
    return (rec for _id, rec in iter_entry_records(store, public, batch))


def iter_entry_records(
    store: Store, public: bool = False, batch: int = 500, only: Collection[int] | None = None
) -> Iterator[tuple[int, EntryRecord]]:
    """``iter_records`` with each record's entry id; with ``only``, the records of those entries
    alone (ids), still in sheet order and cut as in the whole list."""
    from precis.public import PUBLISHED, public_record

    with store.session() as s:
        if not store.is_sqlite:  # SQLite's read session is one snapshot already
            s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        publication = store.default_publication(s)
        wanted = select(Entry.id).where(Entry.publication_id == publication.id)
        if public:
            wanted = wanted.where(Entry.status == PUBLISHED)
        ids = list(s.scalars(wanted.order_by(Entry.position, Entry.id)))
        if only is not None:
            # Picked here, not by an IN list: an edit of every text of a large archive names more
            # entries than a PostgreSQL statement takes parameters (65,535).
            chosen = set(only)
            ids = [i for i in ids if i in chosen]
        public_key = None
        if public:
            # A few entries (an edit's) need only their own references resolved: resolving every
            # title of the store was most of their records' time at 100,000 entries (2.5 s).
            keys = _reference_keys(s, ids) if only is not None and len(ids) <= batch else None
            public_key = public_key_of(s, publication, keys)
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            loaded = s.scalars(
                select(Entry)
                .where(Entry.id.in_(chunk))
                .options(selectinload(Entry.opinions), selectinload(Entry.issue))
            )
            records = {e.id: record_from_entry(e) for e in loaded}
            s.expunge_all()  # the entries are no longer needed: let them go with their records made
            for entry_id in chunk:
                rec = records[entry_id]
                if public_key is not None:
                    cut = public_record(rec, public_key)
                    if cut is None:
                        continue
                    rec = cut
                yield entry_id, rec


def public_key_of(
    session: Session, publication: Publication, keys: Collection[str] | None = None
) -> Callable[[str], bool]:
    """Whether a cross-reference key names a public entry of the publication (``public.public_keys``);
    with ``keys`` (as written), answered for those keys alone, any other naming none."""
    from precis.markup import Resolver
    from precis.public import is_public, public_keys

    resolver = Resolver.from_session(session, settings_of(publication).series, keys=keys)
    wanted = select(Entry.id, Entry.public_level, Entry.status).where(Entry.publication_id == publication.id)
    if keys is not None:
        wanted = wanted.where(Entry.id.in_(sorted({target.entry_id for target in resolver})))
    public_ids = {i for i, level, status in session.execute(wanted) if is_public(level, status)}
    return public_keys(resolver, public_ids)


def _reference_keys(session: Session, ids: Collection[int]) -> set[str]:
    """The key of every cross-reference in the texts of the entries ``ids`` (a batch's) that their
    public records keep or cut (``public.public_record``: the markup fields and the opinions)."""
    from precis.markup import find_references
    from precis.public import MARKUP_FIELDS

    where = Entry.id.in_(sorted(ids))
    columns = select(*(getattr(Entry, name) for name in MARKUP_FIELDS)).where(where)
    texts = [text for row in session.execute(columns) for text in row]
    texts += session.scalars(select(Opinion.text).join(Entry, Entry.id == Opinion.entry_id).where(where))
    return {ref.key for text in texts for ref in find_references(text)}


def find_entry(session: Session, title_or_id: str) -> Entry:
    """An entry by its id, or by its title (case-insensitive; a unique part of it will do).

    ``NotFound`` when nothing matches (naming the closest titles); a ``PrecisError`` when a part
    of a title matches several entries.
    """
    text = title_or_id.strip()
    if text.isdigit():
        entry = session.get(Entry, int(text))
        if entry is None:
            raise NotFound(f"no entry with id {text}", kind="entry", key=text)
        return entry
    key = " ".join(text.split()).casefold()
    candidates = session.scalars(select(Entry).order_by(Entry.position, Entry.id)).all()
    exact = [e for e in candidates if " ".join(e.title.split()).casefold() == key]
    if exact:
        return exact[0]
    partial = [e for e in candidates if key in e.title.casefold()]
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        shown = "; ".join(f"{e.id}: {e.title.strip()!r}" for e in partial[:5])
        raise PrecisError(f"{len(partial)} entries match {text!r}: {shown}; give the id or the full title")
    from rapidfuzz import fuzz, process, utils

    near = process.extract(
        text, [e.title.strip() for e in candidates], scorer=fuzz.WRatio, processor=utils.default_process, limit=3
    )
    hint = "; ".join(repr(t) for t, _s, _i in near)
    raise NotFound(f"no entry titled {text!r}" + (f"; closest: {hint}" if hint else ""), kind="entry", key=text)
