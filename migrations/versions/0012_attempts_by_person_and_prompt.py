"""attempts are indexed by person, prompt and start

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 13:30:00.000000

The library shows, for each prompt, the state of the person's newest attempt
at it, and the prompt page lists their attempts at it newest first. With only
an index per column the database read every attempt at a prompt (every
person's) to find one person's; the composite index seeks them. It replaces
the index on ``user_id`` alone, which is its first column.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain index statements, not a batch: on SQLite a batch may copy the table,
    # and copying attempts would cascade to their revisions.
    op.create_index("ix_attempts_user_prompt_started", "attempts",
                    ["user_id", "prompt_id", "started_at"], unique=False)
    op.drop_index("ix_attempts_user_id", table_name="attempts")


def downgrade() -> None:
    op.create_index("ix_attempts_user_id", "attempts", ["user_id"], unique=False)
    op.drop_index("ix_attempts_user_prompt_started", table_name="attempts")
