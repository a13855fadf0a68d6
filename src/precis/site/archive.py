"""The archive as the public may see it: entries, issues, indexes and the reference graph.

``Archive`` is made from the editions (``precis.render.Editions``, which read the store once and
resolve cross-references) and holds only public views (``precis.public.EntryData``): an entry with
public level "No" is not here at all, and a "Link only" one has nothing written about it. No
database object reaches a page, a feed, a chart or a download from here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import cached_property, partial

from precis.markup import Doc, Math, MathBlock, Target, may_refer, walk
from precis.people_names import People
from precis.public import EntryData, IssueRef
from precis.publication import Settings
from precis.render import Editions, EditionSource, Links
from precis.render.html import HtmlRenderer
from precis.render.view import UNCATEGORIZED, EntryView, IssueView, issue_heading
from precis.site import urls
from precis.store import Store


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
    """One public entry with everything its pages need: its public view and how editions show it
    (``view``, made when first asked for: a build after an edit renders a few entries' pages)."""

    data: EntryData
    slug: str
    section: str  # top-level section of its category in the tree
    make_view: Callable[[EntryData], EntryView] = field(repr=False)
    references: list[int] = field(default_factory=list)  # ids of public entries it points at
    referenced_by: list[int] = field(default_factory=list)  # ids of public entries pointing here

    @cached_property
    def view(self) -> EntryView:
        return self.make_view(self.data)

    @property
    def id(self) -> int:
        return self.data.id

    @property
    def issue(self) -> IssueRef | None:
        return self.data.issue

    @property
    def link_only(self) -> bool:
        return self.data.link_only

    @property
    def authors(self) -> list[str]:
        """Parsed, in order (for the author index)."""
        return list(self.data.author_names)

    @property
    def title(self) -> str:
        return self.data.clean_title  # as its view shows it (``entry_view``), without making the view

    @property
    def path(self) -> str:
        return urls.entry_path(self.slug)

    @property
    def issue_label(self) -> str | None:
        return self.issue.label if self.issue else None

    def docs(self) -> list[Doc]:
        """The texts of the entry the public may read (none for "Link only")."""
        return self.view.docs

    @cached_property
    def has_math(self) -> bool:
        """Whether a text the public may read holds math (its pages then load the math styles);
        asked by its own page and its issue's, and found once."""
        return any(isinstance(n, (Math, MathBlock)) for d in self.docs() for n in walk(d.blocks))


@dataclass
class IssueItem:
    """One issue of the archive with its public entries. Its public edition (``view``) is made
    when first asked for: most builds after a change render only a few issues' pages."""

    issue: IssueRef
    heading: str  # "Alignment Newsletter #139: title"
    entries: list[EntryItem]
    make_view: Callable[[IssueRef], IssueView] = field(repr=False)

    @cached_property
    def view(self) -> IssueView:
        return self.make_view(self.issue)

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
        return [e for e in self.entries if e.data.highlight]


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


def group_keys(people: People, kind: str, e: EntryData) -> list[str]:
    """The groups of index ``kind`` a public entry belongs to ("Link only" entries have no
    summarizer; summarizers are grouped by person, under their canonical names: ``people``)."""
    if kind == "categories":
        return [" ".join(e.category.split()) if e.category and e.category.strip() else UNCATEGORIZED]
    if kind == "summarizers":
        return people.people(e.summarizer)
    if kind == "authors":
        return list(dict.fromkeys(e.author_names))
    if kind == "years":
        return [str(e.year)] if e.year is not None else []
    if kind == "venues":
        venue = " ".join((e.venue or "").split())
        return [venue] if venue and venue.upper() != "N/A" else []
    raise ValueError(kind)


@dataclass(frozen=True)
class ArchiveMemo:
    """What making an archive derives from all of its entries at once: their slugs, their
    references and the warnings of their unresolved cross-references (key, warning), by entry.

    A build keeps it with the edition source it was made from (``precis.site.kept_source``). The
    next source differs only in the texts of some entries (``EditionSource.updated``: the same
    entries, titles, places, issues and public levels), so the slugs are the same, and every other
    entry's references and warnings too: the next archive makes them again for those entries
    alone (3.75 s for all at 100,000 entries)."""

    slugs: dict[int, str]
    references: dict[int, list[int]]
    warned: dict[int, list[tuple[str, str]]]


class Archive:
    """The public archive of a publication, read once from a session."""

    def __init__(
        self, editions: Editions, people: People | None = None,
        memo: ArchiveMemo | None = None, changed: Collection[int] = (),
    ) -> None:
        """``people`` says which summarizer names are one person (by default the settings' aliases).
        ``memo`` is the memo of an archive made from the same source but for the texts of the
        entries ``changed``."""
        self.editions = editions
        self.warnings: list[str] = []
        self.settings: Settings = editions.settings
        self.people = people or People(self.settings.aliases)
        self.resolver = editions.resolver
        chronological = urls.archive_order(editions.source.public_entries, self.settings.series)
        if memo is not None and memo.slugs.keys() != {e.id for e in chronological}:
            memo = None  # not made from this source: never trusted beyond it
        slugs = urls.entry_slugs(chronological) if memo is None else memo.slugs
        self.entries: list[EntryItem] = []
        sections: dict[str | None, str] = {}  # by category: a few dozen, for every entry
        view = partial(editions.entry_view, private=False)
        for e in chronological:
            if e.category not in sections:
                c = e.category
                sections[c] = self.settings.place(c).section if c and c.strip() else UNCATEGORIZED
            item = EntryItem(e, slugs[e.id], sections[e.category], view)
            if memo is not None and e.id not in changed:
                if e.id in memo.warned:  # its texts and every title are as when they were checked
                    editions.warn_again(e.id, memo.warned[e.id])
            elif any(map(may_refer, e.texts())):
                # Its view is made now: making it checks its cross-references (an entry whose texts
                # refer to none has nothing to check), so that every build warns of the same ones,
                # in archive order, whatever pages it renders.
                item.view  # noqa: B018
            self.entries.append(item)
        self.by_id: dict[int, EntryItem] = {item.id: item for item in self.entries}
        references = editions.source.public_references(None if memo is None else changed)
        if memo is not None:
            references = {**memo.references, **references}  # in the memo's order: the source's
        self._link_references(references)
        self.memo = ArchiveMemo(slugs, references, editions.warned())

        by_issue: dict[int, list[EntryItem]] = defaultdict(list)
        for item in self.entries:
            if item.issue is not None:
                by_issue[item.issue.id].append(item)
        # An issue is in the archive when at least one of its entries is public.
        self.issues: list[IssueItem] = [
            IssueItem(i, issue_heading(self.settings, i), by_issue[i.id], self._issue_view)
            for i in editions.issues if by_issue.get(i.id)
        ]
        self.issue_by_id = {i.issue.id: i for i in self.issues}

    def make_views(self) -> None:
        """Make every entry's view now: a build that renders every page does so before it forks
        its helper, so that both processes share them (after the fork, each would make most of
        them again, on pages of its own and on lists)."""
        for item in self.entries:
            item.view  # noqa: B018

    def _issue_view(self, issue: IssueRef) -> IssueView:
        """The issue's public edition holding only the archive's entries: an issue's own editions
        may show entries not yet published (it is being composed), the archive never does."""
        shown = [self.by_id[e.id].view for e in self.editions.entries(issue) if e.id in self.by_id]
        return self.editions.issue_view(issue, shown)

    @classmethod
    def load(
        cls, store: Store, warn: Callable[[str], None] | None = None, source: EditionSource | None = None,
        memo: ArchiveMemo | None = None, changed: Collection[int] = (),
    ) -> Archive:
        """The archive of the store's default publication, read from ``source`` if given (as
        ``EditionSource.load`` reads it: a build may keep it, with the archive's ``memo``,
        ``precis.site.kept_source``); warnings (unresolved cross-references) go to ``warn``, or
        are kept in ``warnings``."""
        warnings: list[str] = []
        with store.session() as s:
            people = People.load(s, store.default_publication(s))
        source = source or EditionSource.load(store)
        archive = cls(Editions(source, warn=warn or warnings.append), people, memo, changed)
        archive.warnings = warnings
        return archive

    # -- references --------------------------------------------------------------------------

    def _link_references(self, references: dict[int, list[int]]) -> None:
        for source_id, targets in references.items():
            for target_id in targets:
                self.by_id[source_id].references.append(target_id)
                self.by_id[target_id].referenced_by.append(source_id)

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

    def renderer(self, root: str, heading_offset: int = 1) -> SiteRenderer:
        """The HTML renderer of a page at ``root``: cross-references reach public entries only
        (``EditionSource.resolve_public``) and point at the archive's own pages."""
        return SiteRenderer(self.editions.resolve(private=False), self.links(root), self.settings.url, heading_offset)

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
        """The groups of index ``kind`` an entry belongs to (``group_keys``)."""
        return group_keys(self.people, kind, item.data)

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
        """Public entries per person, most first."""
        counts = Counter(person for item in self.entries for person in self.keys_of("summarizers", item))
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))

    def sections(self) -> list[str]:
        """Top-level sections that have entries, in the tree's order."""
        present = {i.section for i in self.entries}
        order = [s.name for s in self.settings.sections if s.name in present]
        return order + sorted(present - set(order))

