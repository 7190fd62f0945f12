"""answer revisions keep their rendered HTML

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 09:00:00.000000

Every revision saved from now on stores the HTML its body renders to; pages
read it instead of rendering on each view. The revisions saved before are
rendered here, with the same (bounded) renderer, so that every row has its
HTML and no page ever renders an answer.
"""

from collections.abc import Sequence
from functools import lru_cache

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 200
answer_revisions = sa.table(
    "answer_revisions",
    sa.column("id", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("html", sa.Text),
)


def upgrade() -> None:
    with op.batch_alter_table("answer_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("html", sa.Text(), nullable=True))
    _render_existing(op.get_bind())
    with op.batch_alter_table("answer_revisions", schema=None) as batch_op:
        batch_op.alter_column("html", existing_type=sa.Text(), nullable=False)


def _render_existing(connection: sa.Connection) -> None:
    from app.content.render import render_markdown

    # Restored revisions repeat an earlier text: render each text once.
    render = lru_cache(maxsize=64)(lambda body: str(render_markdown(body)))
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
            .values(html=sa.bindparam("row_html")),
            [{"row_id": row.id, "row_html": render(row.body)} for row in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("answer_revisions", schema=None) as batch_op:
        batch_op.drop_column("html")
