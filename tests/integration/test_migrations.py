"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.db import Base, get_database
from app.migrations_cli import alembic_config
from tests.conftest import make_test_app


def test_the_migrated_schema_matches_the_models(app, db):
    engine = get_database(app).engine
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_downgrade_to_nothing_and_upgrade_again(database_url, tmp_path, db_backend):
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
        from alembic import command

        config = alembic_config(app)
        command.upgrade(config, "head")
        assert {"users", "user_roles", "user_sessions"} <= set(inspect(engine).get_table_names())
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert "users" in inspect(engine).get_table_names()
    finally:
        if db_backend == "postgresql":
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA migration_check CASCADE")
        engine.dispose()
