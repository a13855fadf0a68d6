"""podcast: recorded episodes

Revision ID: podcast_0001
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "podcast_0001"
down_revision = "0001_core"
branch_labels = ("podcast",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "podcast_episode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("engine", sa.String(length=20), nullable=False),
        sa.Column("voice", sa.String(length=200), nullable=False),
        sa.Column("loudness", sa.Float(), nullable=True),
        sa.Column("chapters", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["issue_id"], ["issue.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issue_id"),
    )


def downgrade() -> None:
    op.drop_table("podcast_episode")
