"""Server-side search over the public archive: SQLite FTS5, or PostgreSQL full-text search.

The index holds one document per public entry (title, authors, summary and opinions as plain
words; "Link only" entries only their title and authors; "No" entries nothing), made from the same
``precis.site.archive.Archive`` the static site is built from, so search can never show more than
the site. It is filled lazily: every search first compares a fingerprint of the store (the newest
revision, the number of entries and issues) with the one saved at the last fill, and refills the
index in one transaction when they differ. Deriving documents needs the public rules and the
markup parser, which live in Python, so database triggers could not keep it current.

Queries are natural language: the words are OR-ed (common English words dropped) and ranked by
BM25 with the title weighted above the authors above the text (FTS5), or by ``ts_rank_cd`` over a
tsvector weighted the same way (PostgreSQL). Both stem English words ("optimizers" finds
"optimization"). The relevance is then lifted a little for entries that many later summaries
refer to (the archive's own measure of a central work): a query about mesa optimizers should
find the paper that introduced them, not only the posts that repeat its words in their titles.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, delete, func, insert, select, text
from sqlalchemy.orm import Session

from precis.errors import PrecisError
from precis.model import Entry, Issue, Revision
from precis.store import Store

#: Bump when the documents' content changes shape, so that old indexes are refilled.
INDEX_VERSION = "1"
MAX_LIMIT = 100
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

STOPWORDS = frozenset(
    "a an and are as at be by for from has have how in is it its of on or that the this to was "
    "were what when where which who why will with".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)
_START, _STOP = "\x02", "\x03"


@dataclass(frozen=True)
class Hit:
    """One search result. ``url`` is the entry's page on the archive site, from its root."""

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

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def query_words(query: str) -> list[str]:
    """The words of a query that carry meaning (all of them if every one is a common word)."""
    words = [w.casefold() for w in _WORD.findall(query)]
    meaningful = [w for w in words if w not in STOPWORDS]
    return list(dict.fromkeys(meaningful or words))


def _snippet(marked: str | None) -> tuple[str, str]:
    """A snippet with match markers as (plain text, HTML with <mark>)."""
    marked = " ".join((marked or "").split())
    plain = marked.replace(_START, "").replace(_STOP, "")
    escaped = html.escape(marked, quote=False)
    return plain, escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")


class SearchIndex:
    """Searches one store's public archive, refilling the index when the store changed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.dialect = store.engine.dialect.name
        if self.dialect not in ("sqlite", "postgresql"):
            raise PrecisError(f"{store.display}: search needs SQLite or PostgreSQL, not {self.dialect}")

    # -- freshness ---------------------------------------------------------------------------

    def fingerprint(self, session: Session) -> str:
        newest = session.scalar(select(func.max(Revision.id))) or 0
        entries = session.scalar(select(func.count()).select_from(Entry)) or 0
        issues = session.scalar(select(func.count()).select_from(Issue)) or 0
        return f"{INDEX_VERSION}:{newest}:{entries}:{issues}"

    def is_current(self, session: Session | None = None) -> bool:
        """Whether the index was filled from the store as it is now (one query)."""
        if session is None:
            with self.store.session() as s:
                return self.is_current(s)
        newest, entries, issues, saved = session.execute(select(
            select(func.max(Revision.id)).scalar_subquery(),
            select(func.count()).select_from(Entry).scalar_subquery(),  # count(*): SQLite answers it from the b-tree
            select(func.count()).select_from(Issue).scalar_subquery(),
            select(state.c.value).where(state.c.name == "fingerprint").scalar_subquery(),
        )).one()
        return saved == f"{INDEX_VERSION}:{newest or 0}:{entries or 0}:{issues or 0}"

    def refresh(self, force: bool = False) -> bool:
        """Refill the index if the store changed since the last fill (or if ``force``); True if
        it was refilled."""
        if not force and self.is_current():
            return False
        from precis.site.archive import Archive  # the site's public model; imported when needed

        # Taken before reading: a change made meanwhile leaves the index marked stale, not current.
        with self.store.session() as s:
            fingerprint = self.fingerprint(s)
        archive = Archive.load(self.store, warn=lambda _message: None)
        rows = [
            {
                "entry_id": item.id,
                "title": item.title,
                "authors": ", ".join(item.authors) or (item.entry.authors or ""),
                "body": "" if item.link_only else item.search_text(),
                "category": None if item.link_only else item.entry.category,
                "section": None if item.link_only else item.section,
                "year": item.entry.year,
                "summarizer": None if item.link_only else item.entry.summarizer,
                "issue": item.issue_label,
                "path": item.path,
                "link": item.entry.link,
                "boost": 1 + CITATION_WEIGHT * math.log1p(len(item.referenced_by)),
            }
            for item in archive.entries
        ]
        with self.store.session(by="search index") as s:
            if self.dialect == "postgresql":
                # Two servers refilling at once would insert the same rows twice: one waits.
                s.execute(text("LOCK TABLE search_document IN EXCLUSIVE MODE"))
            s.execute(delete(documents))
            if rows:
                s.execute(insert(documents), rows)
            if self.dialect == "sqlite":
                s.execute(text("INSERT INTO search_fts(search_fts) VALUES ('rebuild')"))
            s.execute(delete(state).where(state.c.name == "fingerprint"))
            s.execute(insert(state).values(name="fingerprint", value=fingerprint))
        return True

    # -- querying ----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        category: str | None = None,
        year: int | None = None,
        summarizer: str | None = None,
        limit: int = 10,
        refresh: bool = True,
    ) -> list[Hit]:
        """The best public entries for ``query``, best first.

        ``category`` matches an entry's category or its top-level section, case-insensitively.
        """
        if limit < 1 or limit > MAX_LIMIT:
            raise PrecisError(f"--limit {limit}: give a number from 1 to {MAX_LIMIT}")
        words = query_words(query)
        if not words:
            raise PrecisError(f"search {query!r}: give at least one word to search for")
        filters: list[str] = []
        params: dict[str, Any] = {"limit": limit}
        if category:
            filters.append("(lower(d.category) = :category OR lower(d.section) = :category)")
            params["category"] = " ".join(category.split()).casefold()
        if year is not None:
            filters.append("d.year = :year")
            params["year"] = year
        if summarizer:
            filters.append("lower(d.summarizer) = :summarizer")
            params["summarizer"] = summarizer.strip().casefold()
        where = "".join(f" AND {f}" for f in filters)
        columns = "d.entry_id, d.title, d.path, d.issue, d.category, d.link, d.year, d.summarizer"
        with self.store.session() as s:
            if refresh and not self.is_current(s):
                s.rollback()
                self.refresh(force=True)
            if self.dialect == "sqlite":
                params["match"] = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
                rows = s.execute(text(
                    f"SELECT {columns}, -bm25(search_fts, 10.0, 4.0, 1.0) * d.boost AS score "
                    "FROM search_fts JOIN search_document d ON d.entry_id = search_fts.rowid "
                    f"WHERE search_fts MATCH :match{where} ORDER BY score DESC, d.entry_id LIMIT :limit"
                ), params).all()
                # Snippets only for the hits: FTS5 would otherwise make one for every match.
                ids = {f"id{i}": row[0] for i, row in enumerate(rows)}
                snippets = dict(s.execute(text(
                    f"SELECT rowid, snippet(search_fts, -1, '{_START}', '{_STOP}', '…', 24) FROM search_fts "
                    f"WHERE search_fts MATCH :match AND rowid IN ({', '.join(':' + k for k in ids)})"
                ), {"match": params["match"], **ids}).all()) if rows else {}
            else:
                params["match"] = " or ".join(words)
                params["options"] = f"StartSel={_START}, StopSel={_STOP}, MaxWords=30, MinWords=12, MaxFragments=1"
                rows = s.execute(text(
                    f"SELECT top.*, ts_headline('english', CASE WHEN top.body = '' THEN top.title ELSE top.body END, "
                    "top.q, :options) AS snippet FROM ("
                    f"SELECT {columns}, d.body, q, ts_rank_cd(d.tsv, q) * d.boost AS score "
                    "FROM search_document d, websearch_to_tsquery('english', :match) AS q "
                    f"WHERE d.tsv @@ q{where} ORDER BY score DESC, d.entry_id LIMIT :limit) AS top "
                    "ORDER BY top.score DESC, top.entry_id"
                ), params).all()
                snippets = {row.entry_id: row.snippet for row in rows}
        hits = []
        for row in rows:
            plain, marked_html = _snippet(snippets.get(row.entry_id))
            hits.append(Hit(
                row.title, "/" + row.path, row.issue, row.category, round(float(row.score), 4),
                plain, marked_html, row.link, row.year, row.summarizer,
            ))
        return hits
