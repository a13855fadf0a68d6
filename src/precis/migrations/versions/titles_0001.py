"""titles: each entry's title key, stored and indexed

``entry.title_key`` is ``precis.model.normalize_key(title)``, what a cross-reference finds its entry
by: rendering one issue then reads the entries its references name (``WHERE title_key IN ...``)
instead of every entry's title. Existing rows get their keys here, computed by that same function
a batch at a time; the index (a hash index on PostgreSQL, whose btree entries are limited in size)
is made after them.

A branch of its own from ``0001_core``: it needs the entry table alone.

Revision ID: titles_0001
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

from precis.model import normalize_key

revision = "titles_0001"
down_revision = "0001_core"
branch_labels = ("titles",)
depends_on = None

BATCH = 5000  # entries read and keyed at a time

entry = sa.table("entry", sa.column("id", sa.Integer), sa.column("title", sa.Text), sa.column("title_key", sa.Text))


def upgrade() -> None:
    op.add_column("entry", sa.Column("title_key", sa.Text(), nullable=True))
    conn = op.get_bind()
    read = sa.select(entry.c.id, entry.c.title).order_by(entry.c.id).limit(BATCH)
    write = sa.update(entry).where(entry.c.id == sa.bindparam("entry_id")).values(title_key=sa.bindparam("key"))
    last = 0  # (ids start at 1)
    while rows := conn.execute(read.where(entry.c.id > last)).all():
        keys = [{"entry_id": row.id, "key": normalize_key(row.title)} for row in rows]
        conn.execute(write, keys)
        last = rows[-1].id
    op.create_index("ix_entry_title_key", "entry", ["title_key"], postgresql_using="hash")


def downgrade() -> None:
    op.drop_index("ix_entry_title_key", table_name="entry")
    with op.batch_alter_table("entry") as batch_op:
        batch_op.drop_column("title_key")
