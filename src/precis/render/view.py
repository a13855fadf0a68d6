"""An issue as templates see it: sections in the category tree's order, entries as parsed text.

Every house style's templates get the same ``IssueView``; a style decides only how to show it. The
view already applies the public rules (``precis.public``): in a public edition an entry with public
level "No" is absent and a "Link only" one has nothing but title, authors and link. In a private
edition (for reviewers) everything is present and ``private_note`` says what the public one hides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from precis.authors import format_authors
from precis.markup import CrossRef, Doc, Link, Paragraph, parse, walk
from precis.public import HIDDEN, LINK_ONLY, EntryData, IssueRef
from precis.publication import Settings

HIGHLIGHTS = "Highlights"
UNCATEGORIZED = "Uncategorized"

PRIVATE_NOTES = {
    HIDDEN: "not in the public edition",
    LINK_ONLY: "public edition: link only",
    "With edits": "public edition: with edits",
}


@dataclass(frozen=True)
class SummaryLink:
    """Where a newsletter summarized the same work (for the distillation style)."""

    publication: str
    issue_label: str
    issue_url: str | None
    entry_id: int


@dataclass
class OpinionView:
    author: str
    text: Doc


@dataclass
class EntryView:
    id: int
    title: str
    link: str | None
    authors: str  # as the newsletter shows them ("First et al")
    authors_full: str  # as written
    venue: str | None
    year: int | None
    summarizer: str | None
    hat_tip: str | None
    summary: Doc
    prerequisites: Doc
    read_more: Doc
    opinions: list[OpinionView]
    category: str | None
    highlight: bool
    public_level: str
    link_only: bool
    private_note: str | None
    issue_label: str | None
    issue_url: str | None
    newsletter_summary: SummaryLink | None = None

    @property
    def docs(self) -> list[Doc]:
        """Every text of the entry that an edition shows."""
        return [self.summary, self.prerequisites, self.read_more, *(o.text for o in self.opinions)]


@dataclass
class SectionView:
    name: str
    heading: str  # in capitals
    anchor: str
    level: int  # 1 top level, 2 subsection
    entries: list[EntryView] = field(default_factory=list)
    subsections: list[SectionView] = field(default_factory=list)

    def all_entries(self) -> list[EntryView]:
        return [*self.entries, *(e for s in self.subsections for e in s.all_entries())]


@dataclass
class IssueView:
    publication: str
    prefix: str
    label: str  # "AN #62"
    series: str
    number: int
    slug: str
    heading: str  # "Alignment Newsletter #62"
    title: str | None
    date: date | None
    url: str | None
    intro: Doc  # the publication's words that open every issue (boilerplate)
    note: Doc  # the issue's own opening text, shown after them
    footer: Doc
    boilerplate: dict[str, Doc]
    sections: list[SectionView]  # HIGHLIGHTS first, then the tree's order; only non-empty ones
    private: bool

    @property
    def entries(self) -> list[EntryView]:
        """Every entry in the order the issue shows them."""
        return [e for s in self.sections for e in s.all_entries()]


def issue_heading(settings: Settings, issue: IssueRef) -> str:
    """ "Alignment Newsletter #62", with ": title" when the issue has one; other series keep their
    name ("Recon #5")."""
    name = settings.name if issue.series == settings.issue_prefix else issue.series
    heading = f"{name} #{issue.number}"
    return f"{heading}: {issue.title.strip()}" if issue.title and issue.title.strip() else heading


def _anchor(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "section"
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


def _linked(doc: Doc, url: str | None) -> Doc:
    """A Prerequisites / Read more text with its cell's hyperlink: when the text has no link of its
    own, the whole of it links there."""
    if not url or len(doc.blocks) != 1 or not isinstance(doc.blocks[0], Paragraph):
        return doc
    if any(isinstance(n, (Link, CrossRef)) for n in walk(doc.blocks)):
        return doc
    return Doc((Paragraph((Link(url, doc.blocks[0].children),)),))


def entry_view(data: EntryData, private: bool, newsletter: SummaryLink | None = None) -> EntryView:
    """An entry as an edition shows it: ``data`` is its public view in a public edition, its
    private view in a private one (``private``), where a note says what the public one hides."""
    return EntryView(
        id=data.id,
        title=data.clean_title,
        link=data.link,
        authors=format_authors(data.authors),
        authors_full=data.authors_full,
        venue=data.venue,
        year=data.year,
        summarizer=data.summarizer,
        hat_tip=data.hat_tip,
        summary=parse(data.summary),
        prerequisites=_linked(parse(data.prerequisites), data.prerequisites_url),
        read_more=_linked(parse(data.read_more), data.read_more_url),
        opinions=[
            OpinionView(o.author or data.summarizer or "Editor", parse(o.text)) for o in data.opinions if o.text.strip()
        ],
        category=data.category,
        highlight=data.highlight,
        public_level=data.public_level,
        link_only=data.link_only,
        private_note=PRIVATE_NOTES.get(data.public_level) if private else None,
        issue_label=data.issue.label if data.issue else None,
        issue_url=data.issue.url if data.issue else None,
        newsletter_summary=newsletter,
    )


def sections_of(settings: Settings, entries: list[EntryView]) -> list[SectionView]:
    """HIGHLIGHTS, then the category tree in its order, only non-empty sections.

    A highlighted entry appears only in HIGHLIGHTS. Entries keep their order. Categories outside
    the tree go where ``Settings.place`` says: an extra subsection at the end of its section, or a
    top-level section of its own after the tree.
    """
    taken: set[str] = set()
    highlights = SectionView(HIGHLIGHTS, HIGHLIGHTS.upper(), _anchor(HIGHLIGHTS, taken), 1)
    tops: dict[str, SectionView] = {}
    subs: dict[tuple[str, str], SectionView] = {}

    def top(name: str) -> SectionView:
        if name not in tops:
            tops[name] = SectionView(name, name.upper(), _anchor(name, taken), 1)
        return tops[name]

    # Create the tree's sections first so that they keep its order.
    for section in settings.sections:
        top(section.name)
        for child in section.children:
            subs[(section.name, child)] = SectionView(child, child.upper(), _anchor(child, taken), 2)
            tops[section.name].subsections.append(subs[(section.name, child)])
    for e in entries:
        if e.highlight:
            highlights.entries.append(e)
            continue
        place = settings.place(e.category) if e.category and e.category.strip() else None
        if place is None:
            top(UNCATEGORIZED).entries.append(e)
        elif place.subsection is None:
            top(place.section).entries.append(e)
        else:
            key = (place.section, place.subsection)
            if key not in subs:
                subs[key] = SectionView(place.subsection, place.subsection.upper(), _anchor(place.subsection, taken), 2)
                top(place.section).subsections.append(subs[key])
            subs[key].entries.append(e)
    out = [highlights] if highlights.entries else []
    for view in tops.values():
        view.subsections = [s for s in view.subsections if s.entries]
        if view.entries or view.subsections:
            out.append(view)
    return out
