"""A work found by ingest, before it is stored: metadata as plain values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from lxml import etree
from lxml import html as lxml_html

from precis.identity import arxiv_id, doi_of

ABSTRACT_LIMIT = 4000  # characters kept of an abstract or a post's opening


@dataclass
class Work:
    """One paper or post: what ingest read about it and where it read it."""

    title: str
    source: str  # "feed https://…", "arXiv API", "page https://…"
    url: str | None = None
    authors: list[str] = field(default_factory=list)
    venue: str | None = None
    published: date | None = None
    year: int | None = None  # from ``published`` unless only the year is known
    abstract: str | None = None
    arxiv_id: str | None = None  # without version
    arxiv_version: int | None = None
    doi: str | None = None

    def __post_init__(self) -> None:
        self.title = clean(self.title)
        self.authors = [a for a in (clean(a) for a in self.authors) if a]
        if self.year is None and self.published is not None:
            self.year = self.published.year
        if self.abstract is not None:
            self.abstract = clean(self.abstract)[:ABSTRACT_LIMIT] or None
        if self.arxiv_id is None and self.url:
            self.arxiv_id = arxiv_id(self.url)
        if self.doi is None and self.url:
            self.doi = doi_of(self.url)

    @property
    def authors_text(self) -> str | None:
        """Authors as the archive writes them: "A, B, C"."""
        return ", ".join(self.authors) or None


def clean(text: str | None) -> str:
    """Whitespace collapsed; no newlines in a title or an author's name."""
    return " ".join((text or "").split())


def html_to_text(html: str | None) -> str:
    """The text of an HTML fragment (a feed item's description), paragraphs kept as spaces."""
    if not html or not html.strip():
        return ""
    if "<" not in html:
        return clean(html)
    try:
        root = lxml_html.fragment_fromstring(html, create_parent="div")
    except (ValueError, etree.ParserError):
        return clean(re.sub(r"<[^>]+>", " ", html))
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    return clean(root.text_content())


def person_name(name: str) -> str:
    """ "Hubinger, Evan" (the citation_author style) -> "Evan Hubinger"; other forms unchanged."""
    name = clean(name)
    if name.count(",") == 1:
        last, first = (p.strip() for p in name.split(","))
        if first and last and not re.search(r"\b(jr|sr|ii|iii|iv)\.?$", first, re.I):
            return f"{first} {last}"
    return name
