"""search: on PostgreSQL, the documents' words in a narrow table of their own

A search finds its candidates through the GIN index, reads their entry ids from the table's rows,
and ranks them with ``ts_rank_cd`` times the boost. With the ``tsvector`` a column of the wide
``search_document`` rows (title, authors, body ...), finding the candidates of a common word read
most of that table (about 13,000 pages at 100,000 entries). ``search_vector`` holds the entry id,
the boost and the ``tsvector`` only, the vector stored out of line (``toast_tuple_target``,
``STORAGE EXTERNAL``: moved out of the row, not compressed), so that the rows the candidates are
read from are small and only the ranked candidates' vectors are fetched.

It follows ``search_document`` by itself, as the generated column it replaces did: triggers
derive its rows from the documents inserted, updated and deleted, with the same weighted vector.
Nothing changes on SQLite (FTS5 keeps its own index).

Revision ID: search_0002
Revises: search_0001
"""
from alembic import op

revision = "search_0002"
down_revision = "search_0001"
branch_labels = None
depends_on = None

VECTOR = (
    "setweight(to_tsvector('english', {p}title), 'A') || "
    "setweight(to_tsvector('english', {p}authors), 'B') || "
    "setweight(to_tsvector('english', {p}body), 'C')"
)
# One trigger per kind of statement, each reading the statement's rows at once (a transition table).
TRIGGERS = {
    "INSERT": (
        "NEW TABLE AS new_rows",
        "INSERT INTO search_vector (entry_id, boost, tsv) "
        f"SELECT n.entry_id, n.boost, {VECTOR.format(p='n.')} FROM new_rows n",
    ),
    "UPDATE": (
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "DELETE FROM search_vector v USING old_rows o WHERE v.entry_id = o.entry_id; "
        "INSERT INTO search_vector (entry_id, boost, tsv) "
        f"SELECT n.entry_id, n.boost, {VECTOR.format(p='n.')} FROM new_rows n",
    ),
    "DELETE": (
        "OLD TABLE AS old_rows",
        "DELETE FROM search_vector v USING old_rows o WHERE v.entry_id = o.entry_id",
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE TABLE search_vector (entry_id integer PRIMARY KEY, boost double precision NOT NULL, "
        "tsv tsvector NOT NULL) WITH (toast_tuple_target = 128)"
    )
    op.execute("ALTER TABLE search_vector ALTER COLUMN tsv SET STORAGE EXTERNAL")
    op.execute("INSERT INTO search_vector (entry_id, boost, tsv) SELECT entry_id, boost, tsv FROM search_document")
    op.execute("CREATE INDEX search_vector_tsv ON search_vector USING gin (tsv)")
    op.execute("ALTER TABLE search_document DROP COLUMN tsv")  # and its index
    for event, (tables, body) in TRIGGERS.items():
        name = f"search_vector_{event.lower()}"
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body}; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON search_document REFERENCING {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for event in TRIGGERS:
        name = f"search_vector_{event.lower()}"
        op.execute(f"DROP TRIGGER {name} ON search_document")
        op.execute(f"DROP FUNCTION {name}()")
    op.execute(
        "ALTER TABLE search_document ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
        f"{VECTOR.format(p='')}) STORED"
    )
    op.execute("CREATE INDEX search_document_tsv ON search_document USING gin (tsv)")
    op.execute("DROP TABLE search_vector")
