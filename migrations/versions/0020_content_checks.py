"""content_checks: the Verify button's runs of an author's edited prompt files

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 21:00:00.000000

One row per Verify: who asked and when, the prompt's slug and kind, the
status (queued, running, done, failed), the edited files and the results as
JSON, and when it finished. The downgrade drops the table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "content_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("prompt_slug", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum("queued", "running", "done", "failed", name="checkstatus",
                    native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("finished_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_content_checks_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_checks")),
    )
    with op.batch_alter_table("content_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_checks_user_id"), ["user_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_content_checks_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("content_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_checks_status"))
        batch_op.drop_index(batch_op.f("ix_content_checks_user_id"))
    op.drop_table("content_checks")
