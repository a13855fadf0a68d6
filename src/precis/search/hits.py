"""What a search returns, and how a query is read: shared by both database dialects."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy.sql.expression import ClauseElement

from precis.links import safe_url

STOPWORDS = frozenset(
    "a an and are as at be by for from has have how in is it its of on or that the this to was "
    "were what when where which who why will with".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)
#: How many matching entries a search ranks at most: of a query matching more (after its filters),
#: the most recently added (the highest ids). Ranking costs about 10 microseconds a match on SQLite
#: and on PostgreSQL alike, and a common word matches a third of an archive: at 100,000 entries
#: ranking every match took 0.3 to 0.5 s a query. Above the real archive's size (1,956 entries), so
#: that there every match is ranked.
CANDIDATES = 2000
#: Match markers the databases put around matched words in snippets.
START, STOP = "\x02", "\x03"


@dataclass(frozen=True)
class Check:
    """Whether the index is current, asked in a search's own transaction: a statement whose one
    row ``holds`` judges."""

    statement: ClauseElement
    holds: Callable[[Any], bool]


@dataclass(frozen=True)
class Filters:
    """What a search is narrowed to. ``category`` matches an entry's category or its top-level
    section, case-insensitively; ``summarizers``, when not None, are the summarizer texts exactly as
    the documents hold them that name the person asked for (``SearchIndex.search`` finds them)."""

    category: str | None = None
    year: int | None = None
    summarizers: frozenset[str] | None = None

    @property
    def category_key(self) -> str | None:
        return " ".join(self.category.split()).casefold() if self.category else None


@dataclass(frozen=True)
class Hit:
    """One search result. ``url`` is the entry's page on the archive site, from its root; ``link``
    the work's own, when it passes the link policy (``precis.links``)."""

    title: str
    url: str
    issue: str | None
    category: str | None
    score: float
    snippet: str
    snippet_html: str
    link: str | None
    year: int | None
    summarizer: str | None

    def __post_init__(self) -> None:
        # The work's link leaves here for the API and the command line: through the link policy,
        # so that what is not an http(s) or mailto link is never handed on as one.
        object.__setattr__(self, "link", safe_url(self.link))

    def to_json(self) -> dict[str, Any]:
        # Plain field values: a comprehension, not dataclasses.asdict (which deep-copies each).
        return {name: getattr(self, name) for name in _HIT_FIELDS}


_HIT_FIELDS = tuple(f.name for f in fields(Hit))


def query_words(query: str) -> list[str]:
    """The words of a query that carry meaning (all of them if every one is a common word)."""
    words = [w.casefold() for w in _WORD.findall(query)]
    meaningful = [w for w in words if w not in STOPWORDS]
    return list(dict.fromkeys(meaningful or words))


def snippet(marked: str | None) -> tuple[str, str]:
    """A snippet with match markers as (plain text, HTML with <mark>)."""
    marked = " ".join((marked or "").split())
    plain = marked.replace(START, "").replace(STOP, "")
    escaped = html.escape(marked, quote=False)
    return plain, escaped.replace(START, "<mark>").replace(STOP, "</mark>")
