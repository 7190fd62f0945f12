"""content: competencies, prompts, rubrics and their revisions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:56:14.325494
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "competencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competencies")),
        sa.UniqueConstraint("slug", name=op.f("uq_competencies_slug")),
    )
    op.create_table(
        "prompts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("current_revision_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompts")),
        sa.UniqueConstraint("slug", name=op.f("uq_prompts_slug")),
    )
    op.create_table(
        "rubrics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("current_revision_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubrics")),
        sa.UniqueConstraint("slug", name=op.f("uq_rubrics_slug")),
    )
    op.create_table(
        "prompt_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("rubric_slug", sa.String(length=80), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("statement_md", sa.Text(), nullable=False),
        sa.Column("statement_html", sa.Text(), nullable=False),
        sa.Column("hints", sa.JSON(), nullable=False),
        sa.Column("follow_ups", sa.JSON(), nullable=False),
        sa.Column("reference_md", sa.Text(), nullable=False),
        sa.Column("reference_html", sa.Text(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_prompt_revisions_prompt_id_prompts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_revisions")),
        sa.UniqueConstraint(
            "prompt_id", "content_hash", name=op.f("uq_prompt_revisions_prompt_id_content_hash")
        ),
        sa.UniqueConstraint(
            "prompt_id", "number", name=op.f("uq_prompt_revisions_prompt_id_number")
        ),
    )
    with op.batch_alter_table("prompt_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prompt_revisions_prompt_id"), ["prompt_id"], unique=False
        )

    op.create_table(
        "rubric_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rubric_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("scale", sa.JSON(), nullable=False),
        sa.Column("bar", sa.JSON(), nullable=False),
        sa.Column("intro_md", sa.Text(), nullable=False),
        sa.Column("intro_html", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rubric_id"],
            ["rubrics.id"],
            name=op.f("fk_rubric_revisions_rubric_id_rubrics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubric_revisions")),
        sa.UniqueConstraint(
            "rubric_id", "content_hash", name=op.f("uq_rubric_revisions_rubric_id_content_hash")
        ),
        sa.UniqueConstraint(
            "rubric_id", "number", name=op.f("uq_rubric_revisions_rubric_id_number")
        ),
    )
    with op.batch_alter_table("rubric_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rubric_revisions_rubric_id"), ["rubric_id"], unique=False
        )

    op.create_table(
        "criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rubric_revision_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("auto", sa.String(length=10), nullable=True),
        sa.Column("description_md", sa.Text(), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("descriptors", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rubric_revision_id"],
            ["rubric_revisions.id"],
            name=op.f("fk_criteria_rubric_revision_id_rubric_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criteria")),
        sa.UniqueConstraint(
            "rubric_revision_id", "position", name=op.f("uq_criteria_rubric_revision_id_position")
        ),
    )
    with op.batch_alter_table("criteria", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_criteria_rubric_revision_id"), ["rubric_revision_id"], unique=False
        )

    op.create_table(
        "prompt_revision_competencies",
        sa.Column("prompt_revision_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competency_id"],
            ["competencies.id"],
            name=op.f("fk_prompt_revision_competencies_competency_id_competencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prompt_revision_id"],
            ["prompt_revisions.id"],
            name=op.f("fk_prompt_revision_competencies_prompt_revision_id_prompt_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "prompt_revision_id", "competency_id", name=op.f("pk_prompt_revision_competencies")
        ),
    )
    with op.batch_alter_table("prompt_revision_competencies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prompt_revision_competencies_competency_id"),
            ["competency_id"],
            unique=False,
        )
    # The current-revision links point at tables created above, so they are
    # added once both exist (batch mode lets SQLite add a constraint).
    for table, revisions in (("prompts", "prompt_revisions"), ("rubrics", "rubric_revisions")):
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_current_revision_id_{revisions}"),
                revisions,
                ["current_revision_id"],
                ["id"],
                ondelete="SET NULL",
            )


def downgrade() -> None:
    for table, revisions in (("prompts", "prompt_revisions"), ("rubrics", "rubric_revisions")):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(
                op.f(f"fk_{table}_current_revision_id_{revisions}"), type_="foreignkey"
            )
    with op.batch_alter_table("prompt_revision_competencies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prompt_revision_competencies_competency_id"))

    op.drop_table("prompt_revision_competencies")
    with op.batch_alter_table("criteria", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_criteria_rubric_revision_id"))

    op.drop_table("criteria")
    with op.batch_alter_table("rubric_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rubric_revisions_rubric_id"))

    op.drop_table("rubric_revisions")
    with op.batch_alter_table("prompt_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prompt_revisions_prompt_id"))

    op.drop_table("prompt_revisions")
    op.drop_table("rubrics")
    op.drop_table("prompts")
    op.drop_table("competencies")
