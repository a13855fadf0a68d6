"""Search on SQLite: FTS5 with BM25, the documents' small fields kept in memory per thread.

FTS5 scores the matches with BM25 alone (it only reads its own index); the boost, the filters and
the top ``limit`` are applied in Python over the documents' small fields, so no matching row of
``search_document`` (with its long text) is read; then snippets are made for the hits only. Of a
query matching more than ``CANDIDATES`` entries (after the filters), the most recently added are
ranked (see ``hits.CANDIDATES``).

Each thread searches on a connection of its own that the store hands out and closes
(``Store.dedicated_connection``). When SQLite's ``data_version`` says another connection has
committed since the last look, the thread reads the index's generation (``index._save``): if the
index was written since, the fields of the documents that write changed are read again (all of them
after a refill, or when more than one write was missed).
"""

from __future__ import annotations

import heapq
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import delete, insert, text
from sqlalchemy.orm import Session

from precis.search.changes import Written
from precis.search.documents import documents
from precis.search.hits import CANDIDATES, START, STOP, Check, Filters, Hit, snippet
from precis.store import Store


def match_expression(words: list[str]) -> str:
    """The FTS5 query for a search's words: each quoted (so none is an operator), any of them."""
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


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


class _Reader:
    """A connection held open for searching, and the documents' fields as of ``version``."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.version: int | None = None
        self.generation: str | None = None
        self.fields: dict[int, _Fields] = {}

    def data_version(self) -> int:
        return int(self.connection.execute("PRAGMA data_version").fetchone()[0])

    def catch_up(self) -> None:
        """Bring the fields up to the index's generation, in one read transaction."""
        self.connection.execute("BEGIN")
        try:
            saved = dict(self.connection.execute(
                "SELECT name, value FROM search_state WHERE name IN ('generation', 'changed')"
            ).fetchall())
            generation = saved.get("generation")
            if generation == self.generation:
                return
            after, _, changed = saved.get("changed", "").partition(":")
            if self.generation is not None and after == self.generation and changed != "*":
                ids = [int(i) for i in changed.split(",") if i]
                for i in ids:
                    self.fields.pop(i, None)
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    self._read(f"WHERE entry_id IN ({', '.join('?' * len(chunk))})", chunk)
            else:
                self.fields = {}
                self._read("", [])
            self.generation = generation
        finally:
            self.connection.execute("COMMIT")

    def _read(self, where: str, params: list[int]) -> None:
        rows = self.connection.execute(
            "SELECT entry_id, title, path, issue, category, link, year, summarizer, boost, section "
            f"FROM search_document {where}", params,
        ).fetchall()
        self.fields.update(
            (entry_id, _Fields(title, path, issue, category, link, year, summarizer, boost,
                               _lower(category), _lower(section)))
            for entry_id, title, path, issue, category, link, year, summarizer, boost, section in rows
        )


class SqliteSearch:
    #: Whether the index is current, ``ready`` tells from memory (a PRAGMA): never asked in a search.
    checks_current = False

    def __init__(self, store: Store) -> None:
        self.store = store
        self._local = threading.local()

    def _reader(self) -> _Reader:
        reader: _Reader | None = getattr(self._local, "reader", None)
        if reader is None:
            # SQLite's driver connection is a sqlite3.Connection (the store's pragmas applied).
            reader = self._local.reader = _Reader(cast(sqlite3.Connection, self.store.dedicated_connection()))
        return reader

    def ready(self) -> bool:
        """Whether this thread's copy of the documents' fields is as new as the store (one PRAGMA):
        when not, the index may need refilling before a search."""
        reader: _Reader | None = getattr(self._local, "reader", None)
        return reader is not None and reader.version == reader.data_version()

    def begin(self, session: Session, *, write: bool) -> None:
        """Nothing to do: a session reads one snapshot, and writers are serialised by the database
        (``Store.session``)."""

    def fill(self, session: Session, rows: list[dict[str, Any]]) -> None:
        session.execute(delete(documents))
        if rows:
            session.execute(insert(documents), rows)
        session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('rebuild')"))

    def write(self, session: Session, written: Written) -> None:
        """The documents, and FTS5's index of their words (an external-content table: a row is
        taken out of it with the words it was indexed with, before the row changes)."""
        replaced = sorted(written.replaced)
        for start in range(0, len(replaced), 500):
            chunk = replaced[start : start + 500]
            session.execute(text(
                "INSERT INTO search_fts(search_fts, rowid, title, authors, body) "
                "SELECT 'delete', entry_id, title, authors, body FROM search_document "
                f"WHERE entry_id IN ({', '.join(str(int(i)) for i in chunk)})"
            ))
        written.apply(session)
        for start in range(0, len(written.rows), 500):
            chunk = [int(r["entry_id"]) for r in written.rows[start : start + 500]]
            session.execute(text(
                "INSERT INTO search_fts(rowid, title, authors, body) SELECT entry_id, title, authors, body "
                f"FROM search_document WHERE entry_id IN ({', '.join(map(str, chunk))})"
            ))

    def search(self, words: list[str], filters: Filters, limit: int, check: Check | None = None) -> list[Hit] | None:
        """The hits (``ready`` said beforehand whether the index is current: ``check`` is never given)."""
        reader = self._reader()
        version = reader.data_version()
        if version != reader.version:
            reader.catch_up()
            reader.version = version
        match = match_expression(words)
        cur = reader.connection.cursor()
        try:
            # Newest first, fetched as many at a time as are still wanted (FTS5 scores a row as it
            # is stepped to, so the rows never fetched are never scored).
            rows = cur.execute(
                "SELECT rowid, bm25(search_fts, 10.0, 4.0, 1.0) FROM search_fts WHERE search_fts MATCH ? "
                "ORDER BY rowid DESC", (match,)
            )
            known = reader.fields
            wanted = _wanted(filters)
            scored: list[tuple[float, int]] = []
            while len(scored) < CANDIDATES and (batch := rows.fetchmany(CANDIDATES - len(scored))):
                # bm25() is negative: smaller is better.
                if wanted is None:
                    scored += [(bm25 * f.boost, i) for i, bm25 in batch if (f := known.get(i)) is not None]
                else:
                    scored += [
                        (bm25 * f.boost, i) for i, bm25 in batch if (f := known.get(i)) is not None and wanted(f)
                    ]
            top = heapq.nsmallest(limit, scored)
            snippets: dict[int, str] = dict(cur.execute(
                f"SELECT rowid, snippet(search_fts, -1, '{START}', '{STOP}', '…', 24) FROM search_fts "
                f"WHERE search_fts MATCH ? AND rowid IN ({', '.join('?' * len(top))})",
                (match, *(entry_id for _, entry_id in top)),
            ).fetchall()) if top else {}
        finally:
            cur.close()
        hits = []
        for score, entry_id in top:
            f = known[entry_id]
            plain, marked_html = snippet(snippets.get(entry_id))
            hits.append(Hit(
                f.title, "/" + f.path, f.issue, f.category, round(-score, 4), plain, marked_html, f.link, f.year,
                f.summarizer,
            ))
        return hits


def _wanted(filters: Filters) -> Callable[[_Fields], bool] | None:
    """Whether a document passes the filters (None: there are none)."""
    category, year, summarizers = filters.category_key, filters.year, filters.summarizers
    if category is None and year is None and summarizers is None:
        return None

    def wanted(f: _Fields) -> bool:
        return (category is None or category in (f.category_key, f.section_key)) and (
            year is None or f.year == year) and (summarizers is None or f.summarizer in summarizers)

    return wanted


def _lower(value: str | None) -> str | None:
    return value.lower() if value is not None else None
