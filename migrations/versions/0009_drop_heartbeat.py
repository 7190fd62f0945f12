"""drop the heartbeat table: readiness no longer writes

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-10 09:00:00.000000

/readyz checks that the database would take a write without writing (a GET
never writes), so the row it used to rewrite is gone. The downgrade brings the
empty table back.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("heartbeat")


def downgrade() -> None:
    op.create_table(
        "heartbeat",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("beat_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_heartbeat")),
    )
