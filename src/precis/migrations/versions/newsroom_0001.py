"""newsroom: people, credentials, comments, activity; an entry's status, assignee and version

Entries already in the store take the status their sheet row gives them (``record.imported_status``,
as it was when this migration was written): published unless the Email column says "Pending"
(approved) or "Do not send" (draft).

Revision ID: newsroom_0001
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "newsroom_0001"
down_revision = "0001_core"
branch_labels = ("newsroom",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_index("ix_credential_person_id", "credential", ["person_id"])
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("address", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_attempt_email", "login_attempt", ["email"])
    op.create_index("ix_login_attempt_address", "login_attempt", ["address"])
    op.create_index("ix_login_attempt_at", "login_attempt", ["at"])
    op.create_table(
        "app_secret",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["entry_id"], ["entry.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["parent_id"], ["comment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_comment_entry_id", "comment", ["entry_id"])
    op.create_table(
        "mention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mention_comment_id", "mention", ["comment_id"])
    op.create_index("ix_mention_person_id", "mention", ["person_id"])
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_activity_at", "activity", ["at"])
    op.create_index("ix_activity_person_id", "activity", ["person_id"])
    op.create_index("ix_activity_entry_id", "activity", ["entry_id"])

    with op.batch_alter_table("entry") as batch:
        batch.add_column(sa.Column("status", sa.String(length=20), nullable=False, server_default="published"))
        batch.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.create_index("ix_entry_status", ["status"])
        batch.create_index("ix_entry_assignee_id", ["assignee_id"])
        batch.create_foreign_key("fk_entry_assignee_id_person", "person", ["assignee_id"], ["id"])
    op.execute(
        "UPDATE entry SET status = CASE email_status WHEN 'Pending' THEN 'approved' "
        "WHEN 'Do not send' THEN 'draft' ELSE 'published' END WHERE issue_id IS NULL"
    )
    with op.batch_alter_table("opinion") as batch:
        batch.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_opinion_person_id_person", "person", ["person_id"], ["id"])
    with op.batch_alter_table("revision") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch.create_index("ix_revision_person_id", ["person_id"])


def downgrade() -> None:
    with op.batch_alter_table("revision") as batch:
        batch.drop_index("ix_revision_person_id")
        batch.drop_column("person_id")
        batch.drop_column("version")
    with op.batch_alter_table("opinion") as batch:
        batch.drop_constraint("fk_opinion_person_id_person", type_="foreignkey")
        batch.drop_column("person_id")
    with op.batch_alter_table("entry") as batch:
        batch.drop_constraint("fk_entry_assignee_id_person", type_="foreignkey")
        batch.drop_index("ix_entry_assignee_id")
        batch.drop_index("ix_entry_status")
        batch.drop_column("version")
        batch.drop_column("assignee_id")
        batch.drop_column("status")
    for table in ("activity", "mention", "comment", "app_secret", "login_attempt", "credential", "person"):
        op.drop_table(table)
