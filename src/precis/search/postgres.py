"""Search on PostgreSQL: ``websearch_to_tsquery`` over a weighted ``tsvector`` (kept in the narrow
table ``search_vector``, which triggers derive from ``search_document``: see the migration
``search_0002``), ranked by ``ts_rank_cd`` times the document's boost; the database ranks, filters
and makes the snippets in one statement. Of a query matching more than ``CANDIDATES`` entries
(after the filters), the most recently added are ranked (see ``hits.CANDIDATES``)."""

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
        """Every document anew; ``search_vector`` follows the rows by itself (its triggers)."""
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
        documents_ = " JOIN search_document d ON d.entry_id = s.entry_id" if conditions else ""
        params["options"] = f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=1"
        params["candidates"] = CANDIDATES
        # The candidates are found through the GIN index of the narrow ``search_vector`` (a bitmap
        # scan: the planner would rather walk the table in key order, or read all of it, testing each
        # row's vector when a word is common), only their ids read and ordered (the documents' rows
        # only when a filter needs them); only they are ranked, reading their vectors; and only the
        # top ``limit`` have their documents read and a snippet made.
        with self.store.session() as s:
            s.execute(text("SET LOCAL enable_seqscan = off"))
            s.execute(text("SET LOCAL enable_indexscan = off"))
            s.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
            rows = s.execute(text(
                "SELECT d.entry_id, d.title, d.path, d.issue, d.category, d.link, d.year, d.summarizer, "
                "top.score, ts_headline('english', CASE WHEN d.body = '' THEN d.title ELSE d.body END, "
                "top.q, :options) AS snippet FROM ("
                "SELECT v.entry_id, q, ts_rank_cd(v.tsv, q) * v.boost AS score "
                "FROM websearch_to_tsquery('english', :match) AS q CROSS JOIN LATERAL ("
                f"SELECT s.entry_id FROM search_vector s{documents_} "
                f"WHERE s.tsv @@ q{where} ORDER BY s.entry_id DESC LIMIT :candidates) AS c "
                "JOIN search_vector v ON v.entry_id = c.entry_id "
                "ORDER BY score DESC, v.entry_id LIMIT :limit) AS top "
                "JOIN search_document d ON d.entry_id = top.entry_id "
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
