"""results and reviewers' texts are stored as pages show them

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:00:00.000000

A submitted attempt keeps its answer's HTML with the rubric's signals marked
(``attempts.result_html``) and the signals found per criterion
(``attempts.result_signals``), written when it is submitted; the result page
used to mark them on every view. The release message, the feedback comments
and the scorecards' summaries keep their rendered markdown next to their text
(``*_html``), written when they are saved; pages rendered them on every view.
The rows written before are filled here, with the same functions the services
use, so that no page ever renders or marks anything.
"""

from collections.abc import Sequence
from functools import lru_cache

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 200
attempts = sa.table(
    "attempts",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("prompt_revision_id", sa.Integer),
    sa.column("rubric_revision_id", sa.Integer),
    sa.column("revision_number", sa.Integer),
    sa.column("result_html", sa.Text),
    sa.column("result_signals", sa.JSON),
)
answer_revisions = sa.table(
    "answer_revisions",
    sa.column("attempt_id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("html", sa.Text),
)
prompt_revisions = sa.table("prompt_revisions", sa.column("id", sa.Integer),
                            sa.column("kind", sa.String))
criteria = sa.table("criteria", sa.column("id", sa.Integer),
                    sa.column("rubric_revision_id", sa.Integer),
                    sa.column("position", sa.Integer), sa.column("signals", sa.JSON))
# (table, markdown column, its rendered column)
RENDERED = (("interviews", "release_message", "release_message_html"),
            ("scorecards", "summary", "summary_html"),
            ("feedback_items", "comment", "comment_html"))


def upgrade() -> None:
    # Columns are added and dropped in place, never by copying a table: on
    # SQLite a copy drops the old table, and its rows' children (an interview's
    # attempts and their revisions) would go with it (ON DELETE CASCADE).
    op.add_column("attempts", sa.Column("result_html", sa.Text(), nullable=True))
    op.add_column("attempts", sa.Column("result_signals", sa.JSON(), nullable=True))
    for name, _, html in RENDERED:
        op.add_column(name, sa.Column(html, sa.Text(), nullable=False, server_default=""))
    connection = op.get_bind()
    _mark_submitted(connection)
    for name, markdown, html in RENDERED:
        _render_existing(connection, name, markdown, html)


def _mark_submitted(connection: sa.Connection) -> None:
    """Every attempt past in-progress gets its result, as ``submit_attempt`` stores it."""
    from types import SimpleNamespace

    from app.grading.signals import mark_answer
    from app.kinds import get_kind

    @lru_cache(maxsize=256)
    def signals_of(rubric_revision_id: int) -> tuple[tuple[int, tuple[str, ...]], ...]:
        rows = connection.execute(
            sa.select(criteria.c.id, criteria.c.signals)
            .where(criteria.c.rubric_revision_id == rubric_revision_id)
            .order_by(criteria.c.position)).all()
        return tuple((row.id, tuple(row.signals or ())) for row in rows)

    answer = sa.outerjoin(attempts, answer_revisions, sa.and_(
        answer_revisions.c.attempt_id == attempts.c.id,
        answer_revisions.c.number == attempts.c.revision_number))
    last = 0
    while True:  # in batches, by id, so memory stays flat however many rows there are
        rows = connection.execute(
            sa.select(attempts.c.id, attempts.c.rubric_revision_id, prompt_revisions.c.kind,
                      answer_revisions.c.number, answer_revisions.c.body,
                      answer_revisions.c.html)
            .select_from(answer.join(prompt_revisions,
                                     prompt_revisions.c.id == attempts.c.prompt_revision_id))
            .where(attempts.c.id > last, attempts.c.status != "in_progress")
            .order_by(attempts.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        values = []
        for row in rows:
            saved = (SimpleNamespace(body=row.body, html=row.html or "")
                     if row.number is not None else None)
            html, found = mark_answer(get_kind(row.kind).answer_html(saved),
                                      saved.body if saved else "",
                                      signals_of(row.rubric_revision_id))
            values.append({"row_id": row.id, "row_html": html, "row_signals": found})
        connection.execute(
            attempts.update()
            .where(attempts.c.id == sa.bindparam("row_id"))
            .values(result_html=sa.bindparam("row_html"),
                    result_signals=sa.bindparam("row_signals", type_=sa.JSON)),
            values,
        )
        last = rows[-1].id


def _render_existing(connection: sa.Connection, name: str, markdown: str, html: str) -> None:
    from app.content.render import render_markdown

    rows_of = sa.table(name, sa.column("id", sa.Integer), sa.column(markdown, sa.Text),
                       sa.column(html, sa.Text))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(rows_of.c.id, rows_of.c[markdown])
            .where(rows_of.c.id > last)
            .order_by(rows_of.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            rows_of.update()
            .where(rows_of.c.id == sa.bindparam("row_id"))
            .values({html: sa.bindparam("row_html")}),
            [{"row_id": row.id, "row_html": str(render_markdown(row[1] or ""))}
             for row in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    for name, _, html in RENDERED:
        op.drop_column(name, html)
    op.drop_column("attempts", "result_signals")
    op.drop_column("attempts", "result_html")
