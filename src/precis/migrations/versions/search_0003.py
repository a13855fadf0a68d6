"""search: on PostgreSQL, each document's part of the rank for each of its words

A search's words are OR-ed, and for such a query ``ts_rank_cd`` (with its default weights and no
normalization) is a sum over the occurrences of the query's words, each counting its position's
weight (every occurrence is a cover of its own: ``calc_rank_cd`` in PostgreSQL's ``tsrank.c``). So
a document's rank is the sum, over the query's words, of a part that depends on the word and the
document only: ``search_word`` holds that part for every (word, document), and a search reads the
rows of its words from the primary key's index alone (``INCLUDE``), newest first, instead of
reading the candidates' vectors and ranking them (half and half of a search's cost at 100,000
entries).

A part is kept exact, as two small counts: ``whole``, the occurrences of weight A (1.0), and
``tenths``, the others in tenths (D 1, C 2, B 4, of ``0.1::real``, the float the rank adds). The
rank is ``(sum(whole) + sum(tenths) * 0.1::real)::real``, the float ``ts_rank_cd`` returns. A
document two of whose words share a position (the parser puts every word after the 16,383rd at
that position) has them counted once there by ``ts_rank_cd``: its rows hold NULL, and a search
ranks it from its vector.

The boost stays in ``search_vector`` (read for the candidates only): a document's boost changes
when others come to refer to it, and would otherwise be written into each of its words' rows.
Triggers keep the table in step with ``search_vector``, which itself follows ``search_document``;
an update of a document that leaves its title, authors and text as they were (``changes.Written``
sets other documents' boosts and paths so) now sets the boost of its row of ``search_vector``,
its vector and words untouched.

Revision ID: search_0003
Revises: search_0002
"""
from alembic import op

revision = "search_0003"
down_revision = "search_0002"
branch_labels = None
depends_on = None

_COUNT = "cardinality(array_positions(u.weights, '{w}'))"
# An aggregate: a lateral subquery the planner keeps apart (evaluated once a document, not once a word).
_CROWDED = "SELECT count(*) > count(DISTINCT p) AS crowded FROM unnest(v.tsv) AS x, unnest(x.positions) AS p"
#: The rows of ``search_word`` of the vectors of ``{rows}`` (``search_vector``'s columns).
WORDS = (
    "INSERT INTO search_word (word, entry_id, whole, tenths) "
    f"SELECT u.lexeme, v.entry_id, CASE WHEN NOT c.crowded THEN {_COUNT.format(w='A')} END, "
    f"CASE WHEN NOT c.crowded THEN {_COUNT.format(w='D')} + 2 * {_COUNT.format(w='C')} "
    f"+ 4 * {_COUNT.format(w='B')} END "
    f"FROM {{rows}} v CROSS JOIN LATERAL ({_CROWDED}) c CROSS JOIN LATERAL unnest(v.tsv) u "
    "ORDER BY 1, 2"  # in the index's order: each of its pages is written once in a row
)
#: Remove the rows of ``search_word`` of the vectors of ``{rows}``: looked up by word and entry
#: (the primary key) for a few documents; for many (a refill deletes every document), in one pass
#: over the table (an index lookup a word would take minutes at 100,000 entries).
UNWORDS = (
    "IF (SELECT count(*) FROM {rows} v) > 5000 THEN "
    "DELETE FROM search_word w USING {rows} v WHERE w.entry_id = v.entry_id; "
    "ELSE DELETE FROM search_word w USING {rows} v CROSS JOIN LATERAL unnest(v.tsv) u "
    "WHERE w.word = u.lexeme AND w.entry_id = v.entry_id; END IF"
)
# The rows of an update whose vector changed: the old ones and the new ones.
_CHANGED = (
    "(SELECT * FROM {a} a WHERE NOT EXISTS (SELECT FROM {b} b WHERE b.entry_id = a.entry_id AND b.tsv = a.tsv))"
)
#: Triggers of ``search_vector`` keeping ``search_word`` in step, one per kind of statement.
WORD_TRIGGERS = {
    "INSERT": ("NEW TABLE AS new_rows", WORDS.format(rows="new_rows")),
    "UPDATE": (
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        UNWORDS.format(rows=_CHANGED.format(a="old_rows", b="new_rows")) + "; "
        + WORDS.format(rows=_CHANGED.format(a="new_rows", b="old_rows")),
    ),
    "DELETE": ("OLD TABLE AS old_rows", UNWORDS.format(rows="old_rows")),
}
VECTOR = (
    "setweight(to_tsvector('english', n.title), 'A') || "
    "setweight(to_tsvector('english', n.authors), 'B') || "
    "setweight(to_tsvector('english', n.body), 'C')"
)
# An update of ``search_document``: a document whose texts are as they were (the old row of the same
# entry, ``o``, and the new, ``n``) keeps its vector and has its boost set; the others' vectors are
# made again.
_SAME_TEXTS = "o.entry_id = n.entry_id AND (o.title, o.authors, o.body) = (n.title, n.authors, n.body)"
DOCUMENT_UPDATE = (
    "DELETE FROM search_vector v USING old_rows o WHERE v.entry_id = o.entry_id "
    f"AND NOT EXISTS (SELECT FROM new_rows n WHERE {_SAME_TEXTS}); "
    "UPDATE search_vector v SET boost = n.boost FROM new_rows n WHERE v.entry_id = n.entry_id "
    f"AND v.boost <> n.boost AND EXISTS (SELECT FROM old_rows o WHERE {_SAME_TEXTS}); "
    f"INSERT INTO search_vector (entry_id, boost, tsv) SELECT n.entry_id, n.boost, {VECTOR} FROM new_rows n "
    f"WHERE NOT EXISTS (SELECT FROM old_rows o WHERE {_SAME_TEXTS})"
)
# search_0002's, to restore on downgrade.
_OLD_DOCUMENT_UPDATE = (
    "DELETE FROM search_vector v USING old_rows o WHERE v.entry_id = o.entry_id; "
    f"INSERT INTO search_vector (entry_id, boost, tsv) SELECT n.entry_id, n.boost, {VECTOR} FROM new_rows n"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        # Words are only ever compared for equality: in bytes ("C"), the cheapest to sort and index.
        'CREATE TABLE search_word (word text COLLATE "C" NOT NULL, entry_id integer NOT NULL, whole smallint, '
        "tenths smallint, PRIMARY KEY (word, entry_id) INCLUDE (whole, tenths))"
    )
    op.execute(WORDS.format(rows="search_vector"))
    for event, (tables, body) in WORD_TRIGGERS.items():
        name = f"search_word_{event.lower()}"
        op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$")
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON search_vector REFERENCING {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    _replace_document_update(DOCUMENT_UPDATE)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _replace_document_update(_OLD_DOCUMENT_UPDATE)
    for event in WORD_TRIGGERS:
        name = f"search_word_{event.lower()}"
        op.execute(f"DROP TRIGGER {name} ON search_vector")
        op.execute(f"DROP FUNCTION {name}()")
    op.execute("DROP TABLE search_word")


def _replace_document_update(body: str) -> None:
    """The body of ``search_vector_update`` (search_0002's trigger function of ``search_document``)."""
    op.execute(
        f"CREATE OR REPLACE FUNCTION search_vector_update() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {body}; RETURN NULL; END $$"
    )
