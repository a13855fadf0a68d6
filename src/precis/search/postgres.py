"""Search on PostgreSQL: ``websearch_to_tsquery`` over a weighted ``tsvector``, ranked by
``ts_rank_cd`` times the document's boost; the database ranks, filters and makes the snippets in
one statement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, text
from sqlalchemy.orm import Session

from precis.search.changes import Written
from precis.search.documents import documents
from precis.search.hits import START, STOP, Filters, Hit, snippet
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
        columns = "d.entry_id, d.title, d.path, d.issue, d.category, d.link, d.year, d.summarizer"
        with self.store.session() as s:
            rows = s.execute(text(
                "SELECT top.*, ts_headline('english', CASE WHEN top.body = '' THEN top.title ELSE top.body END, "
                "top.q, :options) AS snippet FROM ("
                f"SELECT {columns}, d.body, q, ts_rank_cd(d.tsv, q) * d.boost AS score "
                "FROM search_document d, websearch_to_tsquery('english', :match) AS q "
                f"WHERE d.tsv @@ q{where} ORDER BY score DESC, d.entry_id LIMIT :limit) AS top "
                "ORDER BY top.score DESC, top.entry_id"
            ), params).all()
        hits = []
        for row in rows:
            plain, marked_html = snippet(row.snippet)
            hits.append(Hit(
                row.title, "/" + row.path, row.issue, row.category, round(float(row.score), 4),
                plain, marked_html, row.link, row.year, row.summarizer,
            ))
        return hits
