"""Search on PostgreSQL: ``websearch_to_tsquery`` over a weighted ``tsvector``, ranked by
``ts_rank_cd`` times the document's boost; the database ranks, filters and makes the snippets in
one statement. Of a query matching more than ``CANDIDATES`` entries (after the filters), the most
recently added are ranked (see ``hits.CANDIDATES``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, text
from sqlalchemy.orm import Session

from precis.search.changes import Written
from precis.search.documents import documents
from precis.search.hits import CANDIDATES, START, STOP, Filters, Hit, snippet
from precis.store import Store


class PostgresSearch:
    def __init__(self, store: Store) -> None:
        self.store = store

    def ready(self) -> bool:
        """Whether the index is known to be current without asking the database: never here (the
        question is one query, asked before each search)."""
        return False

    def begin(self, session: Session, *, write: bool) -> None:
        """Read one snapshot throughout (the revisions and the entries of the same moment); a
        writer first takes the index's lock, so that two servers writing at once take turns (the
        second would insert the same rows again) and the second's snapshot, taken after the lock
        (PostgreSQL takes it at the first query, not at ``LOCK``), sees what the first wrote.
        Searches read on meanwhile."""
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        if write:
            session.execute(text("LOCK TABLE search_document IN EXCLUSIVE MODE"))

    def fill(self, session: Session, rows: list[dict[str, Any]]) -> None:
        """Every document anew; the generated ``tsvector`` column follows the rows by itself."""
        session.execute(delete(documents))
        if rows:
            session.execute(insert(documents), rows)

    def write(self, session: Session, written: Written) -> None:
        written.apply(session)

    def search(self, words: list[str], filters: Filters, limit: int) -> list[Hit]:
        conditions: list[str] = []
        params: dict[str, Any] = {"limit": limit, "match": " or ".join(words)}
        if filters.category_key:
            conditions.append("(lower(d.category) = :category OR lower(d.section) = :category)")
            params["category"] = filters.category_key
        if filters.year is not None:
            conditions.append("d.year = :year")
            params["year"] = filters.year
        if filters.summarizers is not None:
            conditions.append("d.summarizer = ANY(:summarizers)")
            params["summarizers"] = list(filters.summarizers)
        where = "".join(f" AND {c}" for c in conditions)
        params["options"] = f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=1"
        params["candidates"] = CANDIDATES
        columns = "entry_id, title, path, issue, category, link, year, summarizer"
        # The candidates are found through the GIN index (a bitmap scan: the planner would rather walk
        # the table in key order, or read all of it, testing each row's tsvector when a word is
        # common, 0.7 to 1.2 s at 100,000 entries), only their ids read and ordered; only they are
        # ranked.
        with self.store.session() as s:
            s.execute(text("SET LOCAL enable_seqscan = off"))
            s.execute(text("SET LOCAL enable_indexscan = off"))
            rows = s.execute(text(
                f"SELECT {columns}, score, ts_headline('english', CASE WHEN body = '' THEN title ELSE body END, "
                "q, :options) AS snippet FROM ("
                f"SELECT {', '.join('d.' + c for c in columns.split(', '))}, d.body, c.q, "
                "ts_rank_cd(d.tsv, c.q) * d.boost AS score FROM ("
                "SELECT d.entry_id, q FROM search_document d, websearch_to_tsquery('english', :match) AS q "
                f"WHERE d.tsv @@ q{where} ORDER BY d.entry_id DESC LIMIT :candidates) AS c "
                "JOIN search_document d ON d.entry_id = c.entry_id "
                "ORDER BY score DESC, d.entry_id LIMIT :limit) AS top "
                "ORDER BY score DESC, entry_id"
            ), params).all()
        hits = []
        for row in rows:
            plain, marked_html = snippet(row.snippet)
            hits.append(Hit(
                row.title, "/" + row.path, row.issue, row.category, round(float(row.score), 4),
                plain, marked_html, row.link, row.year, row.summarizer,
            ))
        return hits
