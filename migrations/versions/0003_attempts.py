"""attempts, answer revisions, hint reveals, self-assessments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 19:10:48.763589
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("prompt_revision_id", sa.Integer(), nullable=False),
        sa.Column("rubric_revision_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("target_level", sa.String(length=10), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "in_progress",
                "submitted",
                "reviewed",
                name="attemptstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("started_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("self_assessed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("timer_seconds", sa.Integer(), nullable=False),
        sa.Column("timer_started_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("self_score", sa.Double(), nullable=True),
        sa.Column("self_score_normalised", sa.Double(), nullable=True),
        sa.Column("met_bar", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["prompt_id"], ["prompts.id"], name=op.f("fk_attempts_prompt_id_prompts")
        ),
        sa.ForeignKeyConstraint(
            ["prompt_revision_id"],
            ["prompt_revisions.id"],
            name=op.f("fk_attempts_prompt_revision_id_prompt_revisions"),
        ),
        sa.ForeignKeyConstraint(
            ["rubric_revision_id"],
            ["rubric_revisions.id"],
            name=op.f("fk_attempts_rubric_revision_id_rubric_revisions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_attempts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempts")),
    )
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attempts_prompt_id"), ["prompt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attempts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "answer_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("based_on", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("restored_from", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_answer_revisions_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_revisions")),
        sa.UniqueConstraint(
            "attempt_id", "number", name=op.f("uq_answer_revisions_attempt_id_number")
        ),
    )
    op.create_table(
        "hint_reveals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("hint_index", sa.Integer(), nullable=False),
        sa.Column("revealed_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("elapsed_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_hint_reveals_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hint_reveals")),
        sa.UniqueConstraint(
            "attempt_id", "hint_index", name=op.f("uq_hint_reveals_attempt_id_hint_index")
        ),
    )
    op.create_table(
        "self_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_self_assessments_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["criteria.id"],
            name=op.f("fk_self_assessments_criterion_id_criteria"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_assessments")),
        sa.UniqueConstraint(
            "attempt_id", "criterion_id", name=op.f("uq_self_assessments_attempt_id_criterion_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("self_assessments")
    op.drop_table("hint_reveals")
    op.drop_table("answer_revisions")
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempts_user_id"))
        batch_op.drop_index(batch_op.f("ix_attempts_prompt_id"))

    op.drop_table("attempts")
