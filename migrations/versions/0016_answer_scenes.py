"""answer scenes: the whiteboard drawing saved with an answer, stored once per attempt and digest

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 17:50:00.000000

``answer_scenes`` holds each distinct scene of an attempt (zlib-compressed
canonical JSON, unique by its SHA-256 within the attempt) and each revision
points at the scene it had through ``answer_revisions.scene_id`` (NULL: no
drawing, as for every revision saved before this). The downgrade drops the
drawings: text answers are untouched either way.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answer_scenes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempts.id"],
                                name=op.f("fk_answer_scenes_attempt_id_attempts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_scenes")),
        sa.UniqueConstraint("attempt_id", "digest",
                            name=op.f("uq_answer_scenes_attempt_id_digest")),
    )
    # A batch rebuild of answer_revisions is safe: no table references it.
    with op.batch_alter_table("answer_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scene_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_answer_revisions_scene_id_answer_scenes"),
                                    "answer_scenes", ["scene_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("answer_revisions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_answer_revisions_scene_id_answer_scenes"),
                                 type_="foreignkey")
        batch_op.drop_column("scene_id")
    op.drop_table("answer_scenes")
