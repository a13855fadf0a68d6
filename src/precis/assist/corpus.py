"""The knowledge the suggesters learn from: every entry of the store, read through the store.

Nothing else is read: a database that holds only older issues gives a suggester that knows only
those issues, which is what makes the held-out benchmark honest.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import func, select

from precis.markup import Resolver, find_references, replace_references
from precis.model import Entry, Revision
from precis.publication import Settings
from precis.store import Store, publication_entries, settings_of


@dataclass(frozen=True)
class Ref:
    """One cross-reference an entry makes: the words it links and the entry they point to."""

    anchor: str
    target: int  # entry id


@dataclass
class Doc:
    """One entry as the suggesters see it."""

    id: int
    title: str
    text: str  # title, summary and opinions, each cross-reference replaced by its anchor text
    category: str | None  # the category as placed in the tree (case variants folded)
    order: tuple[int, int, int]  # publication order: (unpublished, series rank, number)
    link: str | None
    refs: list[Ref] = field(default_factory=list)


def entry_text(title: str, summary: str | None, opinions: list[str]) -> str:
    """What a writer has typed for an entry, as plain text: cross-references become their anchors."""
    parts = [title.strip(), *(replace_references(t) for t in (summary, *opinions) if t)]
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def canonical_category(settings: Settings, category: str | None) -> str | None:
    if not category or not category.strip():
        return None
    place = settings.place(category)
    return place.subsection or place.section


@dataclass
class Knowledge:
    docs: list[Doc]
    fingerprint: str


def fingerprint(store: Store) -> str:
    """A hash of the store's content: its entries' count, id sum and newest update, its last
    revision, and the publication settings.

    Adding, deleting or editing an entry changes it (an edit moves the newest update time and adds a
    revision), so a cached model is never stale; it is one aggregate query, cheap enough to run
    before every suggestion.
    """
    with store.session() as s:
        pub = store.default_publication(s)
        entries = s.execute(
            select(func.count(Entry.id), func.sum(Entry.id), func.max(Entry.updated_at)).where(
                Entry.publication_id == pub.id
            )
        ).one()
        revision = s.scalar(select(func.max(Revision.id)))
        settings = json.dumps(pub.settings, sort_keys=True, default=str)
    return hashlib.sha256(f"{tuple(entries)}|{revision}|{settings}".encode()).hexdigest()[:24]


def load_knowledge(store: Store) -> Knowledge:
    """Every entry of the store's default publication as ``Doc``s, oldest issue first."""
    fp = fingerprint(store)
    with store.session() as s:
        pub = store.default_publication(s)
        settings = settings_of(pub)
        rank = {name: i for i, name in enumerate(settings.series)}
        resolver = Resolver.from_session(s, settings.series)
        entries = publication_entries(s, pub)
        docs = []
        for e in entries:
            opinions = [o.text for o in e.opinions]
            order = (
                (0, rank.get(e.issue.series, len(rank)), e.issue.number)
                if e.issue is not None
                else (1, 0, e.id)
            )
            refs = []
            for text in (e.summary, *opinions):
                for ref in find_references(text):
                    target = resolver.resolve(ref.key)
                    if target is not None and target.entry_id != e.id:
                        refs.append(Ref(" ".join(ref.anchor.split()), target.entry_id))
            docs.append(
                Doc(
                    id=e.id,
                    title=" ".join(e.title.split()),
                    text=entry_text(e.title, e.summary, opinions),
                    category=canonical_category(settings, e.category),
                    order=order,
                    link=e.link,
                    refs=refs,
                )
            )
    docs.sort(key=lambda d: (d.order, d.id))
    return Knowledge(docs, fp)
