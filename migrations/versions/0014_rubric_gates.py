"""a rubric criterion may gate the bar: the level it must reach, per target level

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:10:00.000000

``criteria.gate`` holds ``{"senior": 3, "staff": 3}``: for each target level
named, the level this criterion must reach for an answer to meet the bar,
whatever its weighted mean. Revisions stored before it have no gates (NULL),
which is what their rubric files said. The downgrade drops the column; the
gates it held live on in the rubric files.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column is added in place on both databases: no table rebuild,
    # so nothing that cascades from criteria is touched (see 0008).
    op.add_column("criteria", sa.Column("gate", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("criteria", "gate")
