"""Search on PostgreSQL: ``websearch_to_tsquery`` over a weighted ``tsvector`` (kept in the narrow
table ``search_vector``, which triggers derive from ``search_document``: see the migration
``search_0002``), ranked by ``ts_rank_cd`` times the document's boost; the database ranks and
filters in one statement, which reads the texts of the top hits alone. Of a query matching more than
``CANDIDATES`` entries (after the filters), the most recently added are ranked (see
``hits.CANDIDATES``). The hits' snippets are made from their texts in Python (``snippets``: the
database's ``ts_headline`` parses each whole text, most of a search's time)."""

from __future__ import annotations

import re
from typing import Any

from psycopg.rows import namedtuple_row
from sqlalchemy import MetaData, insert, text
from sqlalchemy.engine import Compiled
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ClauseElement

from precis.search.changes import Written
from precis.search.documents import documents
from precis.search.hits import CANDIDATES, Check, Filters, Hit, snippet
from precis.search.snippets import Stems, query_lexemes, snippets
from precis.store import Store

#: How many statements made for the driver are kept (``PostgresSearch._compiled``).
KEPT_STATEMENTS = 200
#: Where a refill stages the documents (``PostgresSearch.fill``): a temporary table, dropped at commit.
_staged = documents.to_metadata(MetaData(), name="search_document_staged")


class PostgresSearch:
    #: Whether the index is current is asked in each search's transaction: one query more there,
    #: rather than a transaction of its own before it.
    checks_current = True

    def __init__(self, store: Store) -> None:
        self.store = store
        self.stems = Stems()
        self._statements: dict[ClauseElement | str, Compiled] = {}

    def ready(self) -> bool:
        """Whether the index is known to be current without asking the database: never here (the
        question is one query, asked in each search's transaction: ``checks_current``)."""
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
        """Every document anew, written as its changes to the table: the rows staged first, then
        the documents gone deleted, the changed updated and the new inserted. ``search_vector``
        and ``search_word`` follow by themselves (their triggers), and a document whose title,
        authors and text are as they were keeps its vector and its words' rows: writing all of
        them again (8.4 million rows at 100,000 entries) took minutes."""
        session.execute(text(f"CREATE TEMP TABLE {_staged.name} (LIKE search_document) ON COMMIT DROP"))
        if rows:
            session.execute(insert(_staged), rows)
        staged, names = _staged.name, [c.name for c in documents.c]
        session.execute(text(f"ANALYZE {staged}"))  # a temporary table has no statistics otherwise
        new, old = (", ".join(f"{t}.{n}" for n in names) for t in ("n", "d"))
        session.execute(text(
            f"DELETE FROM search_document d WHERE NOT EXISTS (SELECT FROM {staged} n WHERE n.entry_id = d.entry_id)"
        ))
        session.execute(text(
            f"UPDATE search_document d SET ({', '.join(names)}) = ({new}) FROM {staged} n "
            f"WHERE n.entry_id = d.entry_id AND ({old}) IS DISTINCT FROM ({new})"
        ))
        session.execute(text(
            f"INSERT INTO search_document ({', '.join(names)}) SELECT {new} FROM {staged} n "
            "WHERE NOT EXISTS (SELECT FROM search_document d WHERE d.entry_id = n.entry_id)"
        ))

    def write(self, session: Session, written: Written) -> None:
        written.apply(session)

    def search(self, words: list[str], filters: Filters, limit: int, check: Check | None = None) -> list[Hit] | None:
        hits = []
        with self.store.session() as s:
            found = self.ranked(s, words, filters, limit, check)
            if found is None:
                return None
            rows, lexemes = found
            marked = snippets(s, [row.text for row in rows], lexemes, self.stems)
        for row, text_ in zip(rows, marked, strict=True):
            plain, marked_html = snippet(text_)
            hits.append(Hit(
                row.title, "/" + row.path, row.issue, row.category, round(float(row.score), 4),
                plain, marked_html, row.link, row.year, row.summarizer,
            ))
        return hits

    def ranked(
        self, session: Session, words: list[str], filters: Filters, limit: int, check: Check | None = None
    ) -> tuple[list[Any], frozenset[str]] | None:
        """The rows of the hits, best first: the documents' fields, the score as the database
        computed it and the text the snippet is made from; and the query's lexemes (but those it
        negates). None when ``check`` says the index is behind the store."""
        conditions: list[str] = []
        params: dict[str, Any] = {"limit": limit, "match": " or ".join(words), "candidates": CANDIDATES}
        if filters.category_key:
            conditions.append("(lower(d.category) = :category OR lower(d.section) = :category)")
            params["category"] = filters.category_key
        if filters.year is not None:
            conditions.append("d.year = :year")
            params["year"] = filters.year
        if filters.summarizers is not None:
            conditions.append("d.summarizer = ANY(:summarizers)")
            params["summarizers"] = list(filters.summarizers)
        # The check, the query as PostgreSQL reads it and its lexemes, in one round trip with the
        # transaction's start (psycopg's pipeline), and the ranking statement too when the query's
        # lexemes can be foreseen (``foreseen``); no parallel workers for this transaction
        # (starting them costs more than these small statements).
        driver = session.connection().connection.driver_connection
        assert driver is not None  # a connection checked out of the pool
        foreseen = self.foreseen(words)
        ranking = driver.cursor(row_factory=namedtuple_row)
        with driver.pipeline():
            asked = driver.execute(*self._compiled(session, check.statement)) if check is not None else None
            query_cursor = driver.execute(*self._compiled(session, _QUERY, {"match": params["match"]}))
            if foreseen:
                statement = _by_words(len(foreseen), conditions)
                ranking.execute(*self._compiled(session, statement, _words(params, foreseen)))
        if check is not None and asked is not None and not check.holds(asked.fetchone()):
            return None
        query, tree, _ = query_cursor.fetchone()
        lexemes = or_of_words(query)
        if foreseen and lexemes == foreseen:
            return ranking.fetchall(), frozenset(lexemes)
        if foreseen is None:  # next time, these words are known
            self.stems.learn(session, [" ".join(words)])
        if lexemes:
            return self._rows(session, _by_words(len(lexemes), conditions), _words(params, lexemes)), frozenset(lexemes)
        session.execute(text("SET LOCAL enable_seqscan = off"))
        session.execute(text("SET LOCAL enable_indexscan = off"))
        return self._rows(session, _by_vectors(conditions), params), query_lexemes(tree)

    def _rows(self, session: Session, sql: str, params: dict[str, Any]) -> list[Any]:
        """The rows of a statement, run by the driver as the foreseen one is (columns by name)."""
        driver = session.connection().connection.driver_connection
        assert driver is not None  # a connection checked out of the pool
        cursor = driver.cursor(row_factory=namedtuple_row)
        rows: list[Any] = cursor.execute(*self._compiled(session, sql, params)).fetchall()
        return rows

    def foreseen(self, words: list[str]) -> list[str] | None:
        """The lexemes ``websearch_to_tsquery`` will make of the words OR-ed, as ``or_of_words``
        gives them, when every word is known (``snippets.Stems``: PostgreSQL's own stems); None
        when some word is not. A guess: the ranking statement made from it is used only when
        PostgreSQL's own reading of the query gives the same lexemes."""
        lexemes: list[str] = []
        for word in words:
            stem = self.stems.get(word) if _PLAIN_WORD.fullmatch(word) else None
            if stem is None:
                return None
            if stem and stem not in lexemes:
                lexemes.append(stem)
        return lexemes or None

    def _compiled(
        self, session: Session, statement: ClauseElement | str, params: dict[str, Any] | None = None
    ) -> tuple[str, Any]:
        """A statement (or a text statement's SQL) as the driver takes it: its SQL, made once, and
        its parameters."""
        compiled = self._statements.get(statement)
        if compiled is None:
            clause = text(statement) if isinstance(statement, str) else statement
            compiled = clause.compile(dialect=session.get_bind().dialect)
            # Kept while few and short: a query's words can be many, each count a statement of its own.
            if len(self._statements) < KEPT_STATEMENTS and len(str(compiled)) < 20_000:
                self._statements[statement] = compiled
        return str(compiled), compiled.construct_params(params)


#: A word whose lexeme ``foreseen`` may foresee: letters and digits, as the parser makes one token of.
_PLAIN_WORD = re.compile(r"[a-z0-9]+")


def _words(params: dict[str, Any], lexemes: list[str]) -> dict[str, Any]:
    """``params`` with the lexemes bound as ``w0``, ``w1`` …"""
    return {**params, **{f"w{i}": lexeme for i, lexeme in enumerate(lexemes)}}


#: The query as PostgreSQL reads it (its text, and that of its indexable part, without negations).
_QUERY = text(
    "SELECT q::text, querytree(q)::text, set_config('max_parallel_workers_per_gather', '0', true) "
    "FROM websearch_to_tsquery('english', :match) AS q"
)


#: A query ``websearch_to_tsquery`` made an OR of single words of: 'a' | 'b' (no phrase ``<->``, no
#: ``&``, ``!``, weights or prefixes).
_OR_OF_WORDS = re.compile(r"'[^'\\\s]+'(?: \| '[^'\\\s]+')*")


def or_of_words(query: str | None) -> list[str]:
    """The words of a query (its text, as ``tsquery`` writes it) that ORs single words, each once;
    none for any other (or an empty) query."""
    if not query or not _OR_OF_WORDS.fullmatch(query):
        return []
    return list(dict.fromkeys(word.strip("'") for word in query.split(" | ")))


def _hits(top: str) -> str:
    """The hits with the text of their snippets, of ``top`` (``entry_id``, ``score``: the ranked
    candidates)."""
    return (
        "SELECT d.entry_id, d.title, d.path, d.issue, d.category, d.link, d.year, d.summarizer, "
        f"top.score, CASE WHEN d.body = '' THEN d.title ELSE d.body END AS text FROM ({top}) AS top "
        "JOIN search_document d ON d.entry_id = top.entry_id "
        "ORDER BY top.score DESC, top.entry_id"
    )


def _by_words(count: int, conditions: list[str]) -> str:
    """The statement of a query that ORs ``count`` single words (bound as ``w0``, ``w1`` ...):
    ranked from their rows of ``search_word`` (see the migration ``search_0003``).

    The candidates (the newest ``CANDIDATES`` documents holding any of the words, after the
    filters) are the newest of the newest ``CANDIDATES`` of each word, read from the end of the
    primary key's index; each candidate's rows are all among them (a candidate is among the newest
    of each of its words), so that its rank, the sum of their parts, is whole. Only the top
    ``limit`` have their documents read."""
    where = "".join(f" AND {c}" for c in conditions)
    documents_ = " JOIN search_document d ON d.entry_id = s.entry_id" if conditions else ""
    words = " UNION ALL ".join(
        f"(SELECT s.entry_id, s.whole, s.tenths FROM search_word s{documents_} WHERE s.word = :w{i}{where} "
        "ORDER BY s.entry_id DESC LIMIT :candidates)"
        for i in range(count)
    )
    # A crowded document (NULL parts) is ranked from its vector, as ``ts_rank_cd`` ranks it.
    top = (
        "SELECT c.entry_id, CASE WHEN c.crowded THEN ts_rank_cd("
        "(SELECT x.tsv FROM search_vector x WHERE x.entry_id = c.entry_id), q) "
        "ELSE (c.whole + c.tenths * 0.1::real::float8)::real END * v.boost AS score "
        "FROM websearch_to_tsquery('english', :match) AS q CROSS JOIN ("
        "SELECT w.entry_id, sum(w.whole) AS whole, sum(w.tenths) AS tenths, count(w.whole) < count(*) AS crowded "
        f"FROM ({words}) AS w GROUP BY w.entry_id ORDER BY w.entry_id DESC LIMIT :candidates) AS c "
        "JOIN search_vector v ON v.entry_id = c.entry_id "
        "ORDER BY score DESC, c.entry_id LIMIT :limit"
    )
    return _hits(top)


def _by_vectors(conditions: list[str]) -> str:
    """The statement of any other query (a phrase, or words joined by ``&``): its candidates found
    through the GIN index of ``search_vector`` and ranked with ``ts_rank_cd`` of their vectors.

    The candidates are found through a bitmap scan (the planner would rather walk the table in key
    order, or read all of it, testing each row's vector when a word is common: ``enable_seqscan``
    and ``enable_indexscan`` are set off for it), only their ids read and ordered (the
    documents' rows only when a filter needs them); only they are ranked, reading their vectors;
    and only the top ``limit`` have their documents read."""
    where = "".join(f" AND {c}" for c in conditions)
    documents_ = " JOIN search_document d ON d.entry_id = s.entry_id" if conditions else ""
    top = (
        "SELECT v.entry_id, ts_rank_cd(v.tsv, q) * v.boost AS score "
        "FROM websearch_to_tsquery('english', :match) AS q CROSS JOIN LATERAL ("
        f"SELECT s.entry_id FROM search_vector s{documents_} "
        f"WHERE s.tsv @@ q{where} ORDER BY s.entry_id DESC LIMIT :candidates) AS c "
        "JOIN search_vector v ON v.entry_id = c.entry_id "
        "ORDER BY score DESC, v.entry_id LIMIT :limit"
    )
    return _hits(top)
