"""``flask content check`` and ``flask content sync``: the authors' tools."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.content.model import Content
from app.content.site import content_root
from app.content.sync import ContentInvalid, sync_content
from app.content.validate import load_content
from app.db import get_session

content_cli = AppGroup("content", help="Prompts, rubrics and competencies.")


def _print_problems(problems) -> None:
    for problem in problems:
        click.echo(str(problem))


def _summary(content: Content) -> str:
    errors, warnings = len(content.errors), len(content.warnings)
    # Responsibilities are optional: a library without them reads as before.
    extra = (f", {len(content.responsibilities)} responsibilities"
             if content.responsibilities else "")
    return (f"{len(content.prompts)} prompts, {len(content.rubrics)} rubrics, "
            f"{len(content.competencies)} competencies{extra}: "
            f"{errors} error{'s' if errors != 1 else ''}, "
            f"{warnings} warning{'s' if warnings != 1 else ''}")


DIR_ARGUMENT = click.argument(
    "directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)


@content_cli.command("check")
@DIR_ARGUMENT
def check_command(directory: Path | None) -> None:
    """Validate the content under DIRECTORY (a folder holding prompts/ and rubrics/).

    Prints every error and warning as path:line: message, then a summary.
    Exits 0 when the content is valid (warnings allowed) and 1 on any error.
    DIRECTORY defaults to the project's own content.
    """
    content = load_content(directory or content_root())
    _print_problems(sorted(content.problems))
    click.echo(_summary(content))
    sys.exit(0 if content.ok else 1)


@content_cli.command("sync")
@DIR_ARGUMENT
def sync_command(directory: Path | None) -> None:
    """Validate, then load the content under DIRECTORY into the database.

    One transaction: a load with errors changes nothing. Changed prompts and
    rubrics get a new revision, unchanged ones cost no write, and prompts
    removed from disk are retired (hidden from new attempts), never deleted.
    """
    try:
        report = sync_content(get_session(), directory or content_root())
    except ContentInvalid as error:
        _print_problems(error.problems)
        click.echo(f"{error.message}")
        sys.exit(1)
    _print_problems(report.warnings)
    click.echo(f"content synced: {report.summary()}")


def init_app(app: Flask) -> None:
    app.cli.add_command(content_cli)
