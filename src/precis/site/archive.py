"""The archive as the public may see it: entries, issues, indexes and the reference graph.

``Archive`` reads the store once (through ``precis.render.Editions``, which also resolves
cross-references) and keeps only what ``precis.public`` allows: an entry with public level "No"
is not here at all, and a "Link only" one is marked so that pages show nothing written about it.
Everything the site, its feeds, charts and search indexes show comes from this object, so the
public rules are applied in one place.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from precis.markup import Doc, Target
from precis.model import Entry, EntryAuthor, Issue, Publication
from precis.public import is_link_only, is_public
from precis.publication import Settings
from precis.render import Editions, Links
from precis.render.html import HtmlRenderer
from precis.render.view import EntryView, IssueView, entry_view
from precis.site import urls
from precis.store import Store

UNCATEGORIZED = "Uncategorized"


class SiteURL(str):
    """A link to a page of the archive. It is relative on purpose and must reach the page as is
    (a link from the sheet, by contrast, is made absolute by the editions' rules)."""


class SiteRenderer(HtmlRenderer):
    """The editions' HTML renderer, letting the archive's own relative links through."""

    def url(self, href: str | None) -> str | None:
        if isinstance(href, SiteURL):
            return str(href)
        return super().url(href)


@dataclass
class EntryItem:
    """One public entry with everything its pages need."""

    entry: Entry
    view: EntryView
    slug: str
    issue: Issue | None
    link_only: bool
    section: str  # top-level section of its category in the tree
    authors: list[str]  # parsed, in order (for the author index)
    references: list[int] = field(default_factory=list)  # ids of public entries it points at
    referenced_by: list[int] = field(default_factory=list)  # ids of public entries pointing here

    @property
    def id(self) -> int:
        return self.entry.id

    @property
    def title(self) -> str:
        return self.view.title

    @property
    def path(self) -> str:
        return urls.entry_path(self.slug)

    @property
    def issue_label(self) -> str | None:
        return self.issue.label if self.issue else None

    def docs(self) -> list[Doc]:
        """The texts of the entry the public may read (none for "Link only")."""
        return self.view.docs

    def search_text(self) -> str:
        """Summary and opinions as plain words, for search indexes."""
        return "\n\n".join(d.plain() for d in (self.view.summary, *(o.text for o in self.view.opinions)) if d)


@dataclass
class IssueItem:
    issue: Issue
    view: IssueView
    entries: list[EntryItem]

    @property
    def slug(self) -> str:
        return self.issue.slug

    @property
    def label(self) -> str:
        return self.issue.label

    @property
    def path(self) -> str:
        return urls.issue_path(self.issue.slug)

    @property
    def highlights(self) -> list[EntryItem]:
        return [e for e in self.entries if e.entry.highlight]


@dataclass
class Group:
    """An index page's group: a category, summarizer, author, year or venue, with its entries."""

    kind: str  # "categories", "summarizers", "authors", "years", "venues"
    name: str
    slug: str
    entries: list[EntryItem]

    @property
    def path(self) -> str:
        return urls.index_path(self.kind, self.slug)


class Archive:
    """The public archive of a publication, read once from a session."""

    def __init__(
        self, session: Session, publication: Publication, warn: Callable[[str], None] | None = None
    ) -> None:
        self.warnings: list[str] = []
        self.editions = Editions(session, publication, warn=warn or self.warnings.append)
        self.settings: Settings = self.editions.settings
        self.resolver = self.editions.resolver
        rank = {s: i for i, s in enumerate(self.settings.series)}
        # The editions have loaded every entry with its opinions and issue into this session.
        rows = session.scalars(
            select(Entry).where(Entry.publication_id == publication.id).order_by(Entry.position, Entry.id)
        ).all()
        names: dict[int, list[str]] = defaultdict(list)
        for entry_id, name in session.execute(
            select(EntryAuthor.entry_id, EntryAuthor.name).order_by(EntryAuthor.entry_id, EntryAuthor.position)
        ):
            names[entry_id].append(name)
        public = [e for e in rows if is_public(e.public_level)]

        def order(e: Entry) -> tuple[int, int, int, int]:
            if e.issue is None:
                return (1, 0, 0, e.position)
            return (0, rank.get(e.issue.series, len(rank)), e.issue.number, e.position)

        # Earliest first: the plain slug goes to the first of two same-titled entries.
        chronological = sorted(public, key=order)
        slugs = urls.unique_slugs((e.id, e.title, e.issue.slug if e.issue else None) for e in chronological)
        self.entries: list[EntryItem] = []
        for e in chronological:
            view = entry_view(e, private=False)
            assert view is not None  # public entries always have a public view
            section = self.settings.place(e.category).section if e.category and e.category.strip() else UNCATEGORIZED
            self.entries.append(
                EntryItem(e, view, slugs[e.id], e.issue, is_link_only(e.public_level), section, names[e.id])
            )
        self.by_id: dict[int, EntryItem] = {item.id: item for item in self.entries}
        self._link_references()

        by_issue: dict[int, list[EntryItem]] = defaultdict(list)
        for item in self.entries:
            if item.issue is not None:
                by_issue[item.issue.id].append(item)
        # An issue is in the archive when at least one of its entries is public.
        self.issues: list[IssueItem] = [
            IssueItem(i, self.editions.view(i), by_issue[i.id]) for i in self.editions.issues if by_issue.get(i.id)
        ]
        self.issue_by_id = {i.issue.id: i for i in self.issues}

    @classmethod
    def load(cls, store: Store, warn: Callable[[str], None] | None = None) -> "Archive":
        with store.session() as s:
            return cls(s, store.default_publication(s), warn)

    # -- references --------------------------------------------------------------------------

    def _link_references(self) -> None:
        for item in self.entries:
            seen: set[int] = set()
            for doc in item.docs():
                for node in doc.cross_references():
                    target = self.resolver.resolve(node.key)
                    if target is None or target.entry_id not in self.by_id or target.entry_id == item.id:
                        continue
                    if target.entry_id not in seen:
                        seen.add(target.entry_id)
                        item.references.append(target.entry_id)
                        self.by_id[target.entry_id].referenced_by.append(item.id)

    def links(self, root: str) -> Links:
        """Cross-reference links for a page whose way back to the site's root is ``root``: to the
        archive's page of the entry and of its issue, and to nothing for what is not public."""

        def entry(target: Target) -> str | None:
            item = self.by_id.get(target.entry_id)
            return SiteURL(root + item.path) if item else None

        def issue(target: Target) -> str | None:
            item = self.by_id.get(target.entry_id)
            if item is None or item.issue is None or item.issue.id not in self.issue_by_id:
                return None
            return SiteURL(root + urls.issue_path(item.issue.slug))

        return Links(entry=entry, issue=issue)

    def resolve_public(self, key: str) -> Target | None:
        """A cross-reference's target if it is in the archive; a reference to an entry that is not
        public renders as its anchor text alone, like an unresolved one."""
        target = self.resolver.resolve(key)
        return target if target is not None and target.entry_id in self.by_id else None

    def renderer(self, root: str, heading_offset: int = 1) -> SiteRenderer:
        return SiteRenderer(self.resolve_public, self.links(root), self.settings.url, heading_offset)

    # -- indexes -----------------------------------------------------------------------------

    def groups(self, kind: str) -> list[Group]:
        """The groups of one index, each with its entries in archive order."""
        keyed: dict[str, list[EntryItem]] = defaultdict(list)
        for item in self.entries:
            for key in self.keys_of(kind, item):
                keyed[key].append(item)
        names = sorted(keyed, key=self._sort_key(kind, keyed))
        slugs = urls.unique_slugs((i, name, None) for i, name in enumerate(names))
        return [Group(kind, name, slugs[i], keyed[name]) for i, name in enumerate(names)]

    def keys_of(self, kind: str, item: EntryItem) -> list[str]:
        """The groups of index ``kind`` an entry belongs to ("Link only" entries have no summarizer)."""
        e = item.entry
        if kind == "categories":
            return [" ".join(e.category.split()) if e.category and e.category.strip() else UNCATEGORIZED]
        if kind == "summarizers":
            return [e.summarizer.strip()] if e.summarizer and e.summarizer.strip() and not item.link_only else []
        if kind == "authors":
            return list(dict.fromkeys(item.authors))
        if kind == "years":
            return [str(e.year)] if e.year is not None else []
        if kind == "venues":
            venue = " ".join((e.venue or "").split())
            return [venue] if venue and venue.upper() != "N/A" else []
        raise ValueError(kind)

    def _sort_key(self, kind: str, keyed: dict[str, list[EntryItem]]) -> Callable[[str], tuple]:
        if kind == "years":
            return lambda name: (-int(name),)
        if kind == "categories":
            leaves = {name: i for i, name in enumerate(self.settings.leaf_categories())}
            return lambda name: (leaves.get(name, len(leaves)), name.casefold())
        if kind == "summarizers":
            return lambda name: (-len(keyed[name]), name.casefold())
        return lambda name: (name.casefold(),)

    def category_tree(self, groups: list[Group]) -> list[tuple[str, list[Group]]]:
        """Category groups under their top-level sections, in the tree's order."""
        by_section: dict[str, list[Group]] = defaultdict(list)
        for g in groups:
            section = self.settings.place(g.name).section if g.name != UNCATEGORIZED else UNCATEGORIZED
            by_section[section].append(g)
        order = [s.name for s in self.settings.sections]
        names = sorted(by_section, key=lambda s: (order.index(s) if s in order else len(order), s))
        return [(s, by_section[s]) for s in names]

    # -- statistics --------------------------------------------------------------------------

    def most_referenced(self, limit: int = 20) -> list[EntryItem]:
        ranked = sorted(
            (i for i in self.entries if i.referenced_by), key=lambda i: (-len(i.referenced_by), i.title.casefold())
        )
        return ranked[:limit]

    def summarizer_counts(self) -> list[tuple[str, int]]:
        counts = Counter(
            item.entry.summarizer.strip()
            for item in self.entries
            if not item.link_only and item.entry.summarizer and item.entry.summarizer.strip()
        )
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))

    def sections(self) -> list[str]:
        """Top-level sections that have entries, in the tree's order."""
        present = {i.section for i in self.entries}
        order = [s.name for s in self.settings.sections if s.name in present]
        return order + sorted(present - set(order))

