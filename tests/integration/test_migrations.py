"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from contextlib import contextmanager

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from app.attempts import lifecycle
from app.content.render import render_markdown
from app.db import Base, get_database
from app.migrations_cli import alembic_config
from app.models import AnswerRevision
from tests.conftest import make_test_app
from tests.factories.practice import load_library, make_attempt
from tests.factories.users import make_user


def test_the_migrated_schema_matches_the_models(app, db):
    engine = get_database(app).engine
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


@contextmanager
def fresh_database(database_url, tmp_path, db_backend):
    """An app on an empty database of its own, dropped afterwards."""
    if db_backend == "sqlite":
        database_url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    else:
        # PostgreSQL: a separate schema keeps the shared test database intact.
        database_url += "?options=-csearch_path%3Dmigration_check"
    app = make_test_app(database_url)
    engine = get_database(app).engine
    if db_backend == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS migration_check CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA migration_check")
    try:
        yield app
    finally:
        if db_backend == "postgresql":
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA migration_check CASCADE")
        engine.dispose()


def test_downgrade_to_nothing_and_upgrade_again(database_url, tmp_path, db_backend):
    with fresh_database(database_url, tmp_path, db_backend) as app:
        engine = get_database(app).engine
        config = alembic_config(app)
        command.upgrade(config, "head")
        assert {"users", "user_roles", "user_sessions"} <= set(inspect(engine).get_table_names())
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert "users" in inspect(engine).get_table_names()


ANSWERS = ["## Storage\n\nA **key-value** store.", "[ref][1] and `code`\n\n[1]: https://e.com",
           "## Storage\n\nA **key-value** store."]


def test_the_upgrade_to_stored_html_renders_the_answers_saved_before_it(
        database_url, tmp_path, db_backend):
    with fresh_database(database_url, tmp_path, db_backend) as app:
        engine = get_database(app).engine
        config = alembic_config(app)
        command.upgrade(config, "head")
        with get_database(app).sessionmaker() as db:
            load_library(db, tmp_path / "content")
            attempt = make_attempt(db, make_user(db), body=ANSWERS[0])
            for number, body in enumerate(ANSWERS[1:], start=1):
                lifecycle.save_draft(db, attempt, body=body, based_on=number)
        before = ScriptDirectory.from_config(config).get_revision("0007").down_revision
        command.downgrade(config, before)
        columns = {c["name"] for c in inspect(engine).get_columns("answer_revisions")}
        assert "html" not in columns and "body" in columns
        command.upgrade(config, "head")
        with get_database(app).sessionmaker() as db:
            stored = db.execute(select(AnswerRevision.body, AnswerRevision.html)
                                .order_by(AnswerRevision.number)).all()
        assert [body for body, _ in stored] == ANSWERS
        assert [html for _, html in stored] == [str(render_markdown(b)) for b in ANSWERS]
