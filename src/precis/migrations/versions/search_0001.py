"""search index tables

The archive's server-side search: one row per public entry (``search_document``), filled lazily
by ``precis.search`` when the store has changed since the last fill (``search_state``), and a
full-text index over it in the database's own engine: an FTS5 table on SQLite, a weighted
``tsvector`` column with a GIN index on PostgreSQL.

Revision ID: search_0001
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "search_0001"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_document",
        sa.Column("entry_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("authors", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category", sa.String(200), nullable=True),
        sa.Column("section", sa.String(200), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("summarizer", sa.String(200), nullable=True),
        sa.Column("issue", sa.String(50), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("boost", sa.Float(), nullable=False),
    )
    op.create_table(
        "search_state",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "title, authors, body, content='search_document', content_rowid='entry_id', "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
    elif dialect == "postgresql":
        op.execute(
            "ALTER TABLE search_document ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('english', title), 'A') || "
            "setweight(to_tsvector('english', authors), 'B') || "
            "setweight(to_tsvector('english', body), 'C')) STORED"
        )
        op.execute("CREATE INDEX search_document_tsv ON search_document USING gin (tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_state")
    op.drop_table("search_document")
