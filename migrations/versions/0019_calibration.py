"""calibration: sample answers with reference levels, and interviewers' scores of them

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 21:00:00.000000

A sample is pinned to a prompt revision and to the rubric revision its
reference levels were set against; a score keeps one interviewer's levels for
one sample. Levels are JSON keyed by criterion id. The downgrade drops both
tables.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calibration_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prompt_revision_id", sa.Integer(), nullable=False),
        sa.Column("rubric_revision_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("answer_md", sa.Text(), nullable=False),
        sa.Column("answer_html", sa.Text(), nullable=False),
        sa.Column("references", sa.JSON(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["prompt_revision_id"], ["prompt_revisions.id"],
            name=op.f("fk_calibration_samples_prompt_revision_id_prompt_revisions"),
            ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["rubric_revision_id"], ["rubric_revisions.id"],
            name=op.f("fk_calibration_samples_rubric_revision_id_rubric_revisions"),
            ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"],
            name=op.f("fk_calibration_samples_author_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_samples")),
    )
    op.create_index(op.f("ix_calibration_samples_prompt_revision_id"), "calibration_samples",
                    ["prompt_revision_id"], unique=False)
    op.create_table(
        "calibration_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["calibration_samples.id"],
            name=op.f("fk_calibration_scores_sample_id_calibration_samples"),
            ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_calibration_scores_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_scores")),
    )
    op.create_index(op.f("ix_calibration_scores_sample_id"), "calibration_scores",
                    ["sample_id"], unique=False)
    op.create_index("ix_calibration_scores_user_id_sample_id", "calibration_scores",
                    ["user_id", "sample_id"], unique=False)


def downgrade() -> None:
    op.drop_table("calibration_scores")
    op.drop_table("calibration_samples")
