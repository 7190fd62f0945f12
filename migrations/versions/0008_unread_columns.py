"""drop columns that were written but never read

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:30:00.000000

Nothing read these: an attempt's ``mode`` (``interview_id`` says whether it
belongs to an interview) and ``self_assessed_at``; a hint reveal's
``revealed_at`` (its timer seconds are what pages show); a scorecard's
``added_at`` (the audit trail records who added a reviewer, and when); who
answered a second look and when (``answered_by_id``, ``answered_at``: the
audit trail records that too); a test run's ``finished_at``; and a
competency's ``keywords`` and ``description_html`` (the content files keep
both). The downgrade puts the columns back, filling what the remaining rows
can tell and leaving the rest empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ANSWERED_BY_FK = "fk_regrade_requests_answered_by_id_users"
# Plain ALTER TABLE ... DROP/ADD COLUMN, never a batch rebuild, for tables
# other rows point at: on SQLite a rebuild drops the old table, and with
# foreign keys on that deletes every row that cascades from it (answers,
# scores, a prompt's competencies). SQLite drops a column in place since 3.35.
DROPPED = {
    "attempts": ("mode", "self_assessed_at"),
    "hint_reveals": ("revealed_at",),
    "scorecards": ("added_at",),
    "test_runs": ("finished_at",),
    "competencies": ("keywords", "description_html"),
}


def upgrade() -> None:
    for table, columns in DROPPED.items():
        for name in columns:
            op.drop_column(table, name)
    # A column in a foreign key cannot be dropped in place on SQLite; nothing
    # points at regrade_requests, so rebuilding it (batch) loses nothing.
    with op.batch_alter_table("regrade_requests", schema=None) as batch_op:
        batch_op.drop_constraint(ANSWERED_BY_FK, type_="foreignkey")
        batch_op.drop_column("answered_by_id")
        batch_op.drop_column("answered_at")


def _not_null(table: str, name: str, type_: sa.types.TypeEngine) -> None:
    """Restore NOT NULL once the column is filled, where that needs no table rebuild.

    PostgreSQL alters the column in place; SQLite could only rebuild the
    table (see above), so there the column stays nullable, which the code of
    0007 never relies on: it writes every one of them.
    """
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(table, name, existing_type=type_, nullable=False)


def downgrade() -> None:
    when = app.db.UTCDateTime(timezone=True)
    with op.batch_alter_table("regrade_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answered_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("answered_at", when, nullable=True))
        batch_op.create_foreign_key(ANSWERED_BY_FK, "users", ["answered_by_id"], ["id"])

    op.add_column("competencies", sa.Column("keywords", sa.JSON(), nullable=True))
    op.add_column("competencies", sa.Column("description_html", sa.Text(), nullable=True))
    # The next content sync writes both again from the files.
    competencies = sa.table("competencies", sa.column("keywords", sa.JSON),
                            sa.column("description_html", sa.Text))
    op.execute(competencies.update().values(keywords=[], description_html=""))
    _not_null("competencies", "keywords", sa.JSON())
    _not_null("competencies", "description_html", sa.Text())

    op.add_column("test_runs", sa.Column("finished_at", when, nullable=True))

    attempts = sa.table("attempts", sa.column("id", sa.Integer),
                        sa.column("started_at", when), sa.column("interview_id", sa.Integer),
                        sa.column("mode", sa.String), sa.column("self_assessed_at", when),
                        sa.column("status", sa.String))
    interviews = sa.table("interviews", sa.column("id", sa.Integer),
                          sa.column("created_at", when))

    op.add_column("scorecards", sa.Column("added_at", when, nullable=True))
    scorecards = sa.table("scorecards", sa.column("interview_id", sa.Integer),
                          sa.column("added_at", when))
    op.execute(scorecards.update().values(added_at=sa.select(interviews.c.created_at).where(
        interviews.c.id == scorecards.c.interview_id).scalar_subquery()))
    _not_null("scorecards", "added_at", when)

    op.add_column("hint_reveals", sa.Column("revealed_at", when, nullable=True))
    reveals = sa.table("hint_reveals", sa.column("attempt_id", sa.Integer),
                       sa.column("revealed_at", when))
    # The moment is lost; the attempt's start is the nearest time the rows still hold.
    op.execute(reveals.update().values(revealed_at=sa.select(attempts.c.started_at).where(
        attempts.c.id == reveals.c.attempt_id).scalar_subquery()))
    _not_null("hint_reveals", "revealed_at", when)

    op.add_column("attempts", sa.Column("mode", sa.String(length=20), nullable=True))
    op.add_column("attempts", sa.Column("self_assessed_at", when, nullable=True))
    op.execute(attempts.update().values(mode=sa.case(
        (attempts.c.interview_id.is_(None), "practice"), else_="interview")))
    self_assessments = sa.table("self_assessments", sa.column("attempt_id", sa.Integer),
                                sa.column("updated_at", when))
    op.execute(attempts.update().where(attempts.c.status == "reviewed").values(
        self_assessed_at=sa.select(sa.func.max(self_assessments.c.updated_at)).where(
            self_assessments.c.attempt_id == attempts.c.id).scalar_subquery()))
    _not_null("attempts", "mode", sa.String(length=20))
