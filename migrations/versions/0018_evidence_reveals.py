"""evidence_reveals: the incident evidence a candidate asked for, in order

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 17:50:00.000000

One row per evidence item an attempt asked for: the item's key in the prompt
revision's evidence/ folder, when (wall clock and timer). An item is asked
for once per attempt. The downgrade drops the table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_reveals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("evidence_key", sa.String(length=80), nullable=False),
        sa.Column("revealed_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("elapsed_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_evidence_reveals_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_reveals")),
        sa.UniqueConstraint(
            "attempt_id", "evidence_key",
            name=op.f("uq_evidence_reveals_attempt_id_evidence_key"),
        ),
    )


def downgrade() -> None:
    op.drop_table("evidence_reveals")
