"""hint_revealed_at: the clock time of each hint reveal, for the playback timeline

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 17:45:00.000000

Playback places hint reveals among an answer's saves, which carry clock
times; a reveal's timer seconds alone cannot be placed there (the timer may
have been paused). The column is nullable: a reveal made before this
migration has no clock time and is shown by its timer seconds. The
downgrade drops the column.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("hint_reveals",
                  sa.Column("revealed_at", app.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hint_reveals") as batch:
        batch.drop_column("revealed_at")
