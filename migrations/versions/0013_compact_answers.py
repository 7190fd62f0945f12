"""answer revisions are stored as snapshots and deltas; only the newest keeps its HTML

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 13:00:00.000000

Every autosave stored the whole text and its rendered HTML, so an attempt's
storage grew with the square of its answer's length. A revision now stores
``data``: its text zlib-compressed (a snapshot, ``chain`` 0) or a delta
against the revision before it (app.models.answer_store). The rendered HTML
moves to ``attempts.answer_html``, for the newest revision only: pages show
older revisions as text.

The downgrade writes every revision's text back and renders the HTML of the
older revisions again (the newest one's is kept), as 0007 did.
"""

from collections.abc import Iterator, Sequence
from functools import lru_cache

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 200
answer_revisions = sa.table(
    "answer_revisions",
    sa.column("id", sa.Integer),
    sa.column("attempt_id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("html", sa.Text),
    sa.column("data", sa.LargeBinary),
    sa.column("chain", sa.Integer),
)
attempts = sa.table(
    "attempts",
    sa.column("id", sa.Integer),
    sa.column("revision_number", sa.Integer),
    sa.column("answer_html", sa.Text),
)


def _in_order(connection: sa.Connection, *columns: sa.ColumnElement) -> Iterator[sa.Row]:
    """Every revision, by attempt and number, read in batches so memory stays flat."""
    revisions = answer_revisions.c
    last = (0, 0)
    while True:
        rows = connection.execute(
            sa.select(revisions.id, revisions.attempt_id, revisions.number, *columns)
            .where(sa.or_(revisions.attempt_id > last[0],
                          sa.and_(revisions.attempt_id == last[0], revisions.number > last[1])))
            .order_by(revisions.attempt_id, revisions.number)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield from rows
        last = (rows[-1].attempt_id, rows[-1].number)


def _write(connection: sa.Connection, updates: list[dict], **values: str) -> None:
    connection.execute(
        answer_revisions.update()
        .where(answer_revisions.c.id == sa.bindparam("row_id"))
        .values({name: sa.bindparam(param) for name, param in values.items()}),
        updates)
    updates.clear()


def upgrade() -> None:
    from app.models import answer_store

    with op.batch_alter_table("answer_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("chain", sa.Integer(), nullable=True))
    # In place, never a batch rebuild: on SQLite rebuilding ``attempts`` drops
    # it, which deletes every row that cascades from it (see 0008).
    op.add_column("attempts", sa.Column("answer_html", sa.Text(), nullable=True))
    connection = op.get_bind()
    # The newest revision's HTML moves to its attempt.
    connection.execute(attempts.update().values(answer_html=(
        sa.select(answer_revisions.c.html)
        .where(answer_revisions.c.attempt_id == attempts.c.id,
               answer_revisions.c.number == attempts.c.revision_number)
        .scalar_subquery())))
    # Each text encoded as a save would have, against the one before it.
    updates: list[dict] = []
    attempt, previous, chain = None, None, 0
    for row in _in_order(connection, answer_revisions.c.body):
        if row.attempt_id != attempt:
            attempt, previous, chain = row.attempt_id, None, 0
        data, chain = answer_store.encode(previous, chain, row.body)
        previous = row.body
        updates.append({"row_id": row.id, "row_data": data, "row_chain": chain})
        if len(updates) >= BATCH:
            _write(connection, updates, data="row_data", chain="row_chain")
    if updates:
        _write(connection, updates, data="row_data", chain="row_chain")
    with op.batch_alter_table("answer_revisions", schema=None) as batch_op:
        batch_op.alter_column("data", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column("chain", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("html")
        batch_op.drop_column("body")


def downgrade() -> None:
    from app.content.render import render_markdown
    from app.models import answer_store

    render = lru_cache(maxsize=64)(lambda body: str(render_markdown(body)))
    with op.batch_alter_table("answer_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("html", sa.Text(), nullable=True))
    connection = op.get_bind()
    newest = dict(connection.execute(sa.select(attempts.c.id, attempts.c.revision_number)).all())
    updates: list[dict] = []
    attempt, previous = None, None
    for row in _in_order(connection, answer_revisions.c.chain, answer_revisions.c.data):
        if row.attempt_id != attempt:
            attempt, previous = row.attempt_id, None
        previous = answer_store.apply(None if row.chain == 0 else previous, row.data)
        # The newest revision's HTML is copied from its attempt below.
        html = "" if newest.get(row.attempt_id) == row.number else render(previous)
        updates.append({"row_id": row.id, "row_body": previous, "row_html": html})
        if len(updates) >= BATCH:
            _write(connection, updates, body="row_body", html="row_html")
    if updates:
        _write(connection, updates, body="row_body", html="row_html")
    revisions = answer_revisions.c
    connection.execute(answer_revisions.update()
                       .where(revisions.number == sa.select(attempts.c.revision_number)
                              .where(attempts.c.id == revisions.attempt_id).scalar_subquery())
                       .values(html=sa.func.coalesce(
                           sa.select(attempts.c.answer_html)
                           .where(attempts.c.id == revisions.attempt_id).scalar_subquery(), "")))
    with op.batch_alter_table("answer_revisions", schema=None) as batch_op:
        batch_op.alter_column("body", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("html", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("chain")
        batch_op.drop_column("data")
    op.drop_column("attempts", "answer_html")
