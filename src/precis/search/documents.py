"""What search finds: one document per public entry, made from its public view.

A document holds the words search looks at (title, authors, summary and opinions as plain words —
a "Link only" entry only its title and authors), the fields results show and filters use, the path
of the entry's page on the archive site, and how central the entry is (``boost``).
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text

from precis.markup import parse
from precis.public import EntryData
from precis.publication import Settings
from precis.render.source import EditionSource
from precis.render.view import UNCATEGORIZED
from precis.site import urls

#: How much being referred to by other summaries lifts an entry's relevance (see ``boost``).
CITATION_WEIGHT = 0.15

metadata = MetaData()
documents = Table(
    "search_document",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=False),
    Column("title", Text, nullable=False),
    Column("authors", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("category", String(200)),
    Column("section", String(200)),
    Column("year", Integer),
    Column("summarizer", String(200)),
    Column("issue", String(50)),
    Column("path", Text, nullable=False),
    Column("link", Text),
    # How central the entry is: 1 + 0.15 ln(1 + number of public entries referring to it).
    Column("boost", Float, nullable=False),
)
state = Table(
    "search_state",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", Text, nullable=False),
)


def body_text(view: EntryData) -> str:
    """Summary and opinions as plain words (nothing for a "Link only" entry, whose view has none)."""
    texts = (parse(view.summary), *(parse(o.text) for o in view.opinions))
    return "\n\n".join(d.plain() for d in texts if d)


def make_documents(source: EditionSource) -> list[dict[str, Any]]:
    """The rows of ``search_document`` for every public entry of the source's publication."""
    ordered = urls.archive_order(source.public_entries, source.settings.series)
    slugs = urls.entry_slugs(ordered)
    referred: dict[int, int] = dict.fromkeys(slugs, 0)
    for targets in source.public_references().values():
        for target in targets:
            referred[target] += 1
    return [document(view, source.settings, urls.entry_path(slugs[view.id]), referred[view.id]) for view in ordered]


def document(view: EntryData, settings: Settings, path: str, referred: int) -> dict[str, Any]:
    """The row of ``search_document`` for one public view, whose page is at ``path`` and which
    ``referred`` public entries refer to."""
    category = view.category if view.category and view.category.strip() else None
    return {
        "entry_id": view.id,
        "title": view.clean_title,
        "authors": ", ".join(view.author_names) or " ".join((view.authors or "").split()),
        "body": body_text(view),
        "category": category,
        "section": settings.place(category).section if category else UNCATEGORIZED,
        "year": view.year,
        "summarizer": view.summarizer,
        "issue": view.issue_label,
        "path": path,
        "link": view.link,
        "boost": boost(referred),
    }


def boost(referred: int) -> float:
    """How central an entry is that ``referred`` public entries refer to."""
    return 1 + CITATION_WEIGHT * math.log1p(referred)


def referred(boost_value: float) -> int:
    """The number of referring entries a stored ``boost`` was made from (``boost``'s inverse)."""
    return round(math.expm1((boost_value - 1) / CITATION_WEIGHT))
