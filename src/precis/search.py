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

import heapq
import html
import math
import re
import threading
from dataclasses import dataclass, fields
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
        # Plain field values: a comprehension, not dataclasses.asdict (which deep-copies each).
        return {name: getattr(self, name) for name in _HIT_FIELDS}


_HIT_FIELDS = tuple(f.name for f in fields(Hit))


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
        self._local = threading.local()  # SQLite: each thread's open connection (see ``_reader``)
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
        On PostgreSQL the database ranks, filters and makes the snippets in one statement; on
        SQLite see ``_search_sqlite``.
        """
        if limit < 1 or limit > MAX_LIMIT:
            raise PrecisError(f"--limit {limit}: give a number from 1 to {MAX_LIMIT}")
        words = query_words(query)
        if not words:
            raise PrecisError(f"search {query!r}: give at least one word to search for")
        if self.dialect == "sqlite":
            return self._search_sqlite(words, category, year, summarizer, limit, refresh)
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

    # -- SQLite ------------------------------------------------------------------------------

    def ready(self) -> bool:
        """Whether a search from this thread can start at once: on SQLite, its connection's copy of
        the documents' fields is as new as the store (one PRAGMA). A server calls ``refresh()`` off
        its event loop when not."""
        reader: _Reader | None = getattr(self._local, "reader", None)
        return reader is not None and reader.version == reader.data_version()

    def _reader(self, refresh: bool) -> "_Reader":
        """This thread's open connection, with the documents' fields current: they are read again
        (and the index refilled if ``refresh`` and the store changed) only when SQLite's
        ``data_version`` says another connection has committed since the last look."""
        reader: _Reader | None = getattr(self._local, "reader", None)
        if reader is None:
            connection = self.store.engine.raw_connection()
            connection.detach()  # this thread's own from now on; the pool does not hand it out again
            reader = self._local.reader = _Reader(connection)
        version = reader.data_version()
        if version != reader.version:
            if refresh and not self.is_current():
                self.refresh(force=True)
                version = reader.data_version()
            reader.load()
            reader.version = version
        return reader

    def _search_sqlite(
        self, words: list[str], category: str | None, year: int | None, summarizer: str | None, limit: int,
        refresh: bool,
    ) -> list[Hit]:
        """FTS5 scores the matches with BM25 alone (it only reads its own index); the boost, the
        filters and the top ``limit`` are applied in Python over the documents' small fields, kept
        in memory, so no matching row of ``search_document`` (with its long text) is read; then
        snippets are made for the hits only."""
        reader = self._reader(refresh)
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        cur = reader.connection.cursor()
        try:
            rows = cur.execute(
                "SELECT rowid, bm25(search_fts, 10.0, 4.0, 1.0) FROM search_fts WHERE search_fts MATCH ?", (match,)
            ).fetchall()
            known = reader.fields
            wanted_category = " ".join(category.split()).casefold() if category else None
            wanted_summarizer = summarizer.strip().casefold() if summarizer else None
            scored = []
            for entry_id, bm25 in rows:
                f = known.get(entry_id)
                if f is None or (
                    wanted_category is not None and wanted_category not in (f.category_key, f.section_key)
                ) or (year is not None and f.year != year) or (
                    wanted_summarizer is not None and f.summarizer_key != wanted_summarizer
                ):
                    continue
                scored.append((bm25 * f.boost, entry_id))  # bm25() is negative: smaller is better
            top = heapq.nsmallest(limit, scored)
            snippets: dict[int, str] = dict(cur.execute(
                f"SELECT rowid, snippet(search_fts, -1, '{_START}', '{_STOP}', '…', 24) FROM search_fts "
                f"WHERE search_fts MATCH ? AND rowid IN ({', '.join('?' * len(top))})",
                (match, *(entry_id for _, entry_id in top)),
            ).fetchall()) if top else {}
        finally:
            cur.close()
        hits = []
        for score, entry_id in top:
            f = known[entry_id]
            plain, marked_html = _snippet(snippets.get(entry_id))
            hits.append(Hit(
                f.title, "/" + f.path, f.issue, f.category, round(-score, 4), plain, marked_html, f.link, f.year,
                f.summarizer,
            ))
        return hits


@dataclass(frozen=True, slots=True)
class _Fields:
    """A document's fields other than its text, as search results and filters need them."""

    title: str
    path: str
    issue: str | None
    category: str | None
    link: str | None
    year: int | None
    summarizer: str | None
    boost: float
    category_key: str | None  # lower-cased as SQL's lower() would, for the filters
    section_key: str | None
    summarizer_key: str | None


class _Reader:
    """A connection to a SQLite store held open for searching, and the documents' fields."""

    def __init__(self, connection: Any) -> None:
        self._proxy = connection  # the engine's connection (its "connect" settings applied), detached
        self.connection = connection.dbapi_connection  # sqlite3.Connection
        self.version: int | None = None
        self.fields: dict[int, _Fields] = {}

    def data_version(self) -> int:
        return self.connection.execute("PRAGMA data_version").fetchone()[0]

    def load(self) -> None:
        rows = self.connection.execute(
            "SELECT entry_id, title, path, issue, category, link, year, summarizer, boost, section FROM search_document"
        ).fetchall()
        self.fields = {
            r[0]: _Fields(*r[1:9], _lower(r[4]), _lower(r[9]), _lower(r[7])) for r in rows
        }


def _lower(value: str | None) -> str | None:
    return value.lower() if value is not None else None
