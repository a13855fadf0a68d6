"""Search on PostgreSQL: ``websearch_to_tsquery`` over a weighted ``tsvector`` (kept in the narrow
table ``search_vector``, which triggers derive from ``search_document``: see the migration
``search_0002``), ranked by ``ts_rank_cd`` times the document's boost; the database ranks, filters
and makes the snippets in one statement. Of a query matching more than ``CANDIDATES`` entries
(after the filters), the most recently added are ranked (see ``hits.CANDIDATES``).

A snippet is ``ts_headline`` of the document's text, which parses and stems the whole text (about
0.4 microseconds a character: 10 ms for the longest summary); the best hits are often the longest
texts. So a hit's snippet is first made from the start of its text (``SNIPPET_PREFIXES``)
and kept only when it is provably the one the whole text gives (``SNIPPET``), else made from the
whole text as before."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import MetaData, insert, text
from sqlalchemy.orm import Session

from precis.search.changes import Written
from precis.search.documents import documents
from precis.search.hits import CANDIDATES, START, STOP, Filters, Hit, snippet
from precis.store import Store

#: Where a refill stages the documents (``PostgresSearch.fill``): a temporary table, dropped at commit.
_staged = documents.to_metadata(MetaData(), name="search_document_staged")
#: How many characters of a long text a snippet is made from first, then second (see ``SNIPPET``):
#: most first occurrences are in the first, most of the rest in the second.
SNIPPET_PREFIXES = (500, 4000)
# The snippet of a hit, the same as ``ts_headline`` of its whole text (the title when it has no
# text). Why a prefix can give the same: every query here is words OR-ed, so each occurrence of a
# query word is a "cover" of one word; with MaxFragments=1 ``ts_headline`` takes the first of the
# best covers (most query words, then fewest words: all tie), that is the first occurrence, and
# stretches it to at most MaxWords words, stopping at a good end (a word longer than 3 characters,
# or a query word), or, with no occurrence at all, shows the first MinWords words. So the headline
# of a prefix is the whole text's when
# - the prefix's headline marks a word, and after it the prefix still holds a good end (a word of
#   4+ letters between white space): the stretch stopped before the prefix's end, on the same words;
# - or it marks none, the text holds no query word (none in the vector's body positions, weight C),
#   and the prefix goes on after the words shown;
# and the prefix holds no "<" (the parser's one token that spans white space is a tag), so that
# cutting it changes no token before its last white space. Queries with a phrase or AND (``<->``,
# ``&``: a word joined by "_") and texts no longer than the first prefix take the whole text.
# The OFFSET 0 keep the planner from computing each headline once per use.
_PREFIX_SNIPPET = (
    "CASE WHEN octet_length(d.body) > {n} THEN ("
    "SELECT y.h FROM (SELECT x.p, x.h, replace(replace(x.h, :start, ''), :stop, '') AS plain FROM ("
    "SELECT pre.p, ts_headline('english', pre.p, top.q, :options) AS h FROM ("
    "SELECT substr(d.body, 1, {n}) AS p OFFSET 0) AS pre OFFSET 0) AS x OFFSET 0) AS y "
    "CROSS JOIN LATERAL (SELECT strpos(y.p, y.plain) AS at, "
    "substr(y.p, strpos(y.p, y.plain) + length(y.plain)) AS tail OFFSET 0) AS z "
    "WHERE strpos(y.p, '<') = 0 AND z.at > 0 AND CASE WHEN strpos(y.h, :start) > 0 "
    "THEN z.tail ~ '\\s[A-Za-z]{{4,}}\\s' "
    "ELSE z.at = 1 AND z.tail ~ '\\s' AND NOT (SELECT ts_filter(w.tsv, '{{c}}') @@ top.q "
    "FROM search_vector w WHERE w.entry_id = top.entry_id) END) END"
)
_WHOLE_SNIPPET = "ts_headline('english', CASE WHEN d.body = '' THEN d.title ELSE d.body END, top.q, :options)"
SNIPPET = (
    f"CASE WHEN octet_length(d.body) <= {SNIPPET_PREFIXES[0]} OR strpos(top.q::text, '<') > 0 "
    f"OR strpos(top.q::text, '&') > 0 THEN {_WHOLE_SNIPPET} ELSE coalesce("
    + ", ".join(_PREFIX_SNIPPET.format(n=n) for n in SNIPPET_PREFIXES)
    + f", {_WHOLE_SNIPPET}) END"
)


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

    def search(self, words: list[str], filters: Filters, limit: int) -> list[Hit]:
        hits = []
        for row in self.ranked(words, filters, limit):
            plain, marked_html = snippet(row.snippet)
            hits.append(Hit(
                row.title, "/" + row.path, row.issue, row.category, round(float(row.score), 4),
                plain, marked_html, row.link, row.year, row.summarizer,
            ))
        return hits

    def ranked(self, words: list[str], filters: Filters, limit: int) -> list[Any]:
        """The rows of the hits, best first: the documents' fields, the score as the database
        computed it and the snippet with its match markers."""
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
        params["options"] = f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=1"
        params.update(candidates=CANDIDATES, start=START, stop=STOP)
        with self.store.session() as s:
            s.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
            lexemes = or_of_words(s.scalar(text("SELECT websearch_to_tsquery('english', :match)::text"), params))
            if lexemes:
                params.update({f"w{i}": lexeme for i, lexeme in enumerate(lexemes)})
                return list(s.execute(text(_by_words(len(lexemes), conditions)), params).all())
            s.execute(text("SET LOCAL enable_seqscan = off"))
            s.execute(text("SET LOCAL enable_indexscan = off"))
            return list(s.execute(text(_by_vectors(conditions)), params).all())


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
    """The hits with their snippets, of ``top`` (``entry_id``, ``q``, ``score``: the ranked candidates)."""
    return (
        "SELECT d.entry_id, d.title, d.path, d.issue, d.category, d.link, d.year, d.summarizer, "
        f"top.score, {SNIPPET} AS snippet FROM ({top}) AS top "
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
    ``limit`` have their documents read and a snippet made."""
    where = "".join(f" AND {c}" for c in conditions)
    documents_ = " JOIN search_document d ON d.entry_id = s.entry_id" if conditions else ""
    words = " UNION ALL ".join(
        f"(SELECT s.entry_id, s.whole, s.tenths FROM search_word s{documents_} WHERE s.word = :w{i}{where} "
        "ORDER BY s.entry_id DESC LIMIT :candidates)"
        for i in range(count)
    )
    # A crowded document (NULL parts) is ranked from its vector, as ``ts_rank_cd`` ranks it.
    top = (
        "SELECT c.entry_id, q, CASE WHEN c.crowded THEN ts_rank_cd("
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
    and only the top ``limit`` have their documents read and a snippet made."""
    where = "".join(f" AND {c}" for c in conditions)
    documents_ = " JOIN search_document d ON d.entry_id = s.entry_id" if conditions else ""
    top = (
        "SELECT v.entry_id, q, ts_rank_cd(v.tsv, q) * v.boost AS score "
        "FROM websearch_to_tsquery('english', :match) AS q CROSS JOIN LATERAL ("
        f"SELECT s.entry_id FROM search_vector s{documents_} "
        f"WHERE s.tsv @@ q{where} ORDER BY s.entry_id DESC LIMIT :candidates) AS c "
        "JOIN search_vector v ON v.entry_id = c.entry_id "
        "ORDER BY score DESC, v.entry_id LIMIT :limit"
    )
    return _hits(top)
