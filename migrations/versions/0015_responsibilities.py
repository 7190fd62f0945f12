"""responsibilities: the duties of the roles we hire for, and what exercises them

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 15:40:00.000000

One row per ``## slug: Title`` section of ``prompts/responsibilities.md``,
written by ``flask content sync`` as competencies are, so the coverage page
reads the database and never the files. Competencies and prompts are kept as
lists of slugs, matched to the library's rows when the page is shown. The
downgrade drops the table; the file still holds everything it did.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "responsibilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description_md", sa.Text(), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("competency_slugs", sa.JSON(), nullable=False),
        sa.Column("prompt_slugs", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responsibilities")),
        sa.UniqueConstraint("slug", name=op.f("uq_responsibilities_slug")),
    )


def downgrade() -> None:
    op.drop_table("responsibilities")
