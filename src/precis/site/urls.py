"""Where each page of the archive lives.

Every page is a directory with an ``index.html`` (``entries/deep-double-descent/``), so that links
are pretty on any static host and the same paths serve from ``precis serve``. Links between pages
are relative, so a built site works wherever it is put; ``--base-url`` is needed only for what
must be absolute (feeds, canonical links).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from precis.public import EntryData

MAX_SLUG = 80


def slugify(text: str, fallback: str = "untitled") -> str:
    """ "Risks from Learned Optimization: …" -> "risks-from-learned-optimization"; ASCII only,
    cut at a word boundary after ``MAX_SLUG`` characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.casefold()).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug[:MAX_SLUG]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug or fallback


def unique_slugs(items: Iterable[tuple[int, str, str | None]]) -> dict[int, str]:
    """Slugs for ``(id, name, qualifier)`` items given in priority order.

    The first item with a name gets its plain slug; a later one with the same slug gets the
    qualifier appended (an entry's issue: "...-an-23"), and if that is taken too, its id.
    """
    taken: set[str] = set()
    out: dict[int, str] = {}
    for item_id, name, qualifier in items:
        base = slugify(name)
        slug = base
        if slug in taken and qualifier:
            slug = f"{base}-{slugify(qualifier)}"
        if slug in taken:
            slug = f"{base}-{item_id}"
        taken.add(slug)
        out[item_id] = slug
    return out


def entry_path(slug: str) -> str:
    return f"entries/{slug}/"


def issue_path(issue_slug: str) -> str:
    return f"issues/{issue_slug}/"


def index_path(kind: str, slug: str | None = None) -> str:
    """An index page: ``categories/``, ``authors/jan-leike/``."""
    return f"{kind}/" if slug is None else f"{kind}/{slug}/"


def root_of(path: str) -> str:
    """The relative link from a page at ``path`` back to the site's root ("../../")."""
    depth = path.rstrip("/").count("/") + 1 if path.strip("/") else 0
    if not path.endswith("/"):
        depth -= 1
    return "../" * depth


def archive_order(entries: Iterable[EntryData], series: list[str]) -> list[EntryData]:
    """Entries earliest first: by series (``series`` oldest first), issue number and sheet order;
    entries sent in no issue last."""
    rank = {s: i for i, s in enumerate(series)}

    def order(e: EntryData) -> tuple[int, int, int, int]:
        if e.issue is None:
            return (1, 0, 0, e.position)
        return (0, rank.get(e.issue.series, len(rank)), e.issue.number, e.position)

    return sorted(entries, key=order)


def entry_slugs(ordered: list[EntryData]) -> dict[int, str]:
    """The slug of each entry's page, given entries in ``archive_order``: the plain slug goes to the
    first of two same-titled entries, the later one gets its issue's."""
    return unique_slugs((e.id, e.title, e.issue.slug if e.issue else None) for e in ordered)
