"""``flask db``: Alembic migrations, run against the app's own engine."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import AppGroup

from app.db import get_database

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

db_cli = AppGroup("db", help="Database migrations (Alembic).")


def alembic_config(app: Flask) -> Config:
    """An Alembic config whose env.py uses this app's engine."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = get_database(app).engine
    return config


def upgrade(app: Flask, revision: str = "head") -> None:
    """Bring the app's database to ``revision`` (default: the newest)."""
    command.upgrade(alembic_config(app), revision)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Upgrade the database to REVISION (default: head)."""
    upgrade(current_app, revision)
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Downgrade the database to REVISION (e.g. -1 or base)."""
    command.downgrade(alembic_config(current_app), revision)


@db_cli.command("current")
def current_command() -> None:
    """Show the revision the database is at."""
    command.current(alembic_config(current_app), verbose=True)


@db_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
@click.option("--autogenerate/--empty", default=True,
              help="Compare the models with the database and write the difference.")
def revision_command(message: str, autogenerate: bool) -> None:
    """Write a new migration in migrations/versions/; review it before committing."""
    command.revision(alembic_config(current_app), message=message, autogenerate=autogenerate)


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
