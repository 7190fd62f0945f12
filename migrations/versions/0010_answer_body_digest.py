"""answer revisions keep a digest of their text

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-11 09:00:00.000000

An autosave compares the new text with the newest revision's. It now compares
their SHA-256 digests (and sizes) instead of reading back a body of up to
200 KB on every save. The revisions saved before get theirs here, so that
every row has one.
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 200
answer_revisions = sa.table(
    "answer_revisions",
    sa.column("id", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("body_digest", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("answer_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_digest", sa.String(length=64), nullable=True))
    _digest_existing(op.get_bind())
    with op.batch_alter_table("answer_revisions", schema=None) as batch_op:
        batch_op.alter_column("body_digest", existing_type=sa.String(length=64), nullable=False)


def _digest_existing(connection: sa.Connection) -> None:
    # The same digest as app.models.attempts.answer_digest, written out here so
    # that this migration keeps meaning what it meant if that function changes.
    last = 0
    while True:  # in batches, by id, so memory stays flat however many rows there are
        rows = connection.execute(
            sa.select(answer_revisions.c.id, answer_revisions.c.body)
            .where(answer_revisions.c.id > last)
            .order_by(answer_revisions.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            answer_revisions.update()
            .where(answer_revisions.c.id == sa.bindparam("row_id"))
            .values(body_digest=sa.bindparam("row_digest")),
            [{"row_id": row.id,
              "row_digest": hashlib.sha256(row.body.encode("utf-8")).hexdigest()}
             for row in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("answer_revisions", schema=None) as batch_op:
        batch_op.drop_column("body_digest")
