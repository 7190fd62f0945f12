"""``flask backup`` and ``flask restore``: the whole site (database and content) in one file.

The archive is a single ``.tar.gz`` so that it can be copied, checksummed and kept
off the machine as one thing; a folder would invite half-copied backups. It holds
``manifest.json``, the database (``database.sqlite`` made with SQLite's online
backup API, or ``database.pgdump`` from ``pg_dump --format=custom``) and
``content/prompts`` and ``content/rubrics``.
"""

from __future__ import annotations

import glob
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, literal, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from app.content.site import content_root
from app.db import get_database
from app.migrations_cli import alembic_config
from app.models import Prompt, User

FORMAT = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
CONTENT_FOLDERS = ("prompts", "rubrics")
# Rows in these tables mean the target is in use: a restore never writes over them.
GUARDED_TABLES = (User.__table__, Prompt.__table__)


class BackupError(click.ClickException):
    """A backup or restore that cannot go ahead; Click prints it and exits 1."""


def _engine_name(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in DB_MEMBER:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {backend!r}")
    return backend


def _head_revision(app: Flask) -> str:
    return ScriptDirectory.from_config(alembic_config(app)).get_current_head()


def _database_revision(app: Flask) -> str | None:
    with get_database(app).engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore`` from PATH, else the newest under /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0)
    if not candidates:
        raise BackupError(f"{name} not found on PATH or in /usr/lib/postgresql/*/bin")
    return candidates[-1]


def _pg_connection(url: URL) -> tuple[list[str], dict[str, str]]:
    """libpq arguments and environment for ``url``; the password goes in the environment,
    where other users of the machine cannot read it from the process list."""
    args = ["--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    try:
        # A fixed tool path and arguments from the app's own DATABASE_URL; no shell.
        result = subprocess.run(cmd, env=env, capture_output=True,  # noqa: S603
                                text=True, check=False)
    except OSError as error:
        raise BackupError(f"{what} could not run: {error}") from error
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{what} failed (exit {result.returncode}): {detail}")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _sqlite_copy(source_path: Path, target_path: Path) -> None:
    try:
        source = sqlite3.connect(source_path)
        try:
            target = sqlite3.connect(target_path)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as error:
        raise BackupError(f"copying {source_path} to {target_path} failed: {error}") from error


def _dump_database(url: URL, engine: str, dest: Path) -> None:
    if engine == "sqlite":
        # The online backup API copies a consistent snapshot while the app keeps running.
        _sqlite_copy(_sqlite_path(url), dest)
    else:
        args, env = _pg_connection(url)
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl",
              "--file", str(dest), *args], env, "pg_dump")


def make_backup(app: Flask, dest: Path) -> dict:
    """Write the database, the content folder and a manifest to the new archive ``dest``."""
    if dest.exists():
        raise BackupError(f"{dest} already exists; a backup never overwrites a file")
    if not dest.parent.is_dir():
        raise BackupError(f"{dest.parent} is not a folder")
    url = make_url(app.config["DATABASE_URL"])
    engine = _engine_name(url)
    root = content_root()
    if engine == "sqlite" and not _sqlite_path(url).is_file():
        # Connecting would create it, and the backup would be of nothing.
        raise BackupError(f"the database file {_sqlite_path(url)} does not exist")
    try:
        revision = _database_revision(app)
    except SQLAlchemyError as error:
        raise BackupError(f"cannot read the database: {error.orig or error}") from error
    if revision is None:
        raise BackupError("the database has no schema yet (run `flask db upgrade`); "
                          "there is nothing to back up")
    with tempfile.TemporaryDirectory(prefix="archboard-backup-") as work:
        db_file = Path(work) / DB_MEMBER[engine]
        _dump_database(url, engine, db_file)
        manifest = {
            "format": FORMAT,
            "version": app.config.get("VERSION", "unknown"),
            "alembic_revision": revision,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": engine,
            "database": {"name": db_file.name, "sha256": _sha256(db_file)},
        }
        # Written beside ``dest`` and linked into place: a failure leaves no partial archive,
        # and the link fails rather than replace a file that appeared meanwhile. mkstemp
        # makes it readable by its owner only: it holds every password hash.
        fd, partial = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
        os.close(fd)
        try:
            with tarfile.open(partial, "w:gz") as archive:
                data = json.dumps(manifest, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
                archive.add(db_file, arcname=db_file.name)
                for folder in CONTENT_FOLDERS:
                    if (root / folder).is_dir():
                        archive.add(root / folder, arcname=f"content/{folder}")
            with open(partial, "rb") as written:
                os.fsync(written.fileno())  # on disk before it is called a backup
            os.link(partial, dest)
        except FileExistsError as error:
            raise BackupError(f"{dest} already exists; a backup never overwrites a file") \
                from error
        except OSError as error:
            raise BackupError(f"could not write {dest}: {error}") from error
        finally:
            os.unlink(partial)
    return manifest


@contextmanager
def _unpacked(src: Path) -> Iterator[tuple[dict, Path]]:
    """The archive's manifest and a temporary folder it was safely extracted into."""
    with tempfile.TemporaryDirectory(prefix="archboard-restore-") as work:
        try:
            with tarfile.open(src, "r:gz") as archive:
                # The "data" filter refuses absolute paths, links out of the folder and devices.
                archive.extractall(work, filter="data")
        except (tarfile.TarError, EOFError, OSError, ValueError) as error:
            raise BackupError(f"{src} is not a readable backup archive ({error})") from error
        folder = Path(work)
        try:
            manifest = json.loads((folder / MANIFEST).read_text())
            db_name, db_sha = manifest["database"]["name"], manifest["database"]["sha256"]
            engine, revision = manifest["engine"], manifest["alembic_revision"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise BackupError(f"{src} has no valid {MANIFEST}; it is not a backup") from error
        if manifest.get("format") != FORMAT or engine not in DB_MEMBER \
                or db_name != DB_MEMBER[engine]:
            raise BackupError(f"{src} is a backup format this version cannot read")
        db_file = folder / db_name
        if not db_file.is_file() or _sha256(db_file) != db_sha:
            raise BackupError(f"{src} is damaged: its database does not match the manifest")
        if not isinstance(revision, str):
            raise BackupError(f"{src} records no schema revision")
        yield manifest, folder


def _guarded_rows(app: Flask) -> list[str]:
    """The guarded tables that hold any row in the app's database."""
    engine = get_database(app).engine
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        return [table.name for table in GUARDED_TABLES if table.name in present
                and conn.execute(select(literal(1)).select_from(table).limit(1)).first()
                is not None]


def _has_content(folder: Path) -> bool:
    return any(any((folder / name).iterdir()) for name in CONTENT_FOLDERS
               if (folder / name).is_dir())


def restore_backup(app: Flask, src: Path, content_dir: Path | None) -> dict:
    """Load the archive ``src`` into the app's empty database and put its content back."""
    if not src.is_file():
        raise BackupError(f"{src} is not a file")
    url = make_url(app.config["DATABASE_URL"])
    engine = _engine_name(url)
    target_content = content_dir.resolve() if content_dir else content_root()
    with _unpacked(src) as (manifest, folder):
        # Every check comes before the first write, so a refused restore changes nothing.
        if manifest["engine"] != engine:
            raise BackupError(f"the archive holds a {manifest['engine']} database; "
                              f"DATABASE_URL is {engine}")
        head, revision = _head_revision(app), manifest["alembic_revision"]
        if revision != head:
            raise BackupError(
                f"the archive's schema is at revision {revision} but this code is at {head}: "
                f"restore with the version of Archboard that made it, then `flask db upgrade`, "
                f"or check out the code matching {revision}")
        try:
            busy = _guarded_rows(app)
        except SQLAlchemyError as error:
            raise BackupError(f"cannot read the target database: {error.orig or error}") \
                from error
        if busy:
            raise BackupError(f"the target database already has rows in {', '.join(busy)}; "
                              "restore only into an empty database")
        if _has_content(target_content):
            raise BackupError(f"{target_content} already holds prompts or rubrics; "
                              "empty it or name another folder with --content-dir")
        get_database(app).engine.dispose()  # no pooled connection sees the swap
        db_file = folder / manifest["database"]["name"]
        if engine == "sqlite":
            _sqlite_copy(db_file, _sqlite_path(url))
        else:
            args, env = _pg_connection(url)
            # --clean drops the empty tables a `flask db upgrade` may have made; the check
            # above made sure they hold no users or prompts.
            _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-acl",
                  "--single-transaction", "--exit-on-error", *args, str(db_file)],
                 env, "pg_restore")
        for name in CONTENT_FOLDERS:
            if (folder / "content" / name).is_dir():
                shutil.copytree(folder / "content" / name, target_content / name,
                                dirs_exist_ok=True)
    return manifest


@click.command("backup")
@with_appcontext
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(dest: Path) -> None:
    """Write a backup of the site to the new file DEST (a .tar.gz).

    It holds manifest.json (format, app version, Alembic revision, time, engine,
    checksum), the database (SQLite: an online copy made with the backup API;
    PostgreSQL: pg_dump --format=custom of DATABASE_URL) and the content folder's
    prompts/ and rubrics/. The app may keep running. DEST must not exist. Exits 1
    with a message on any failure, leaving no partial file.
    """
    manifest = make_backup(current_app, dest)
    click.echo(f"backed up the {manifest['engine']} database at revision "
               f"{manifest['alembic_revision']} and the content to {dest}")


@click.command("restore")
@with_appcontext
@click.argument("src", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--content-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Put prompts/ and rubrics/ here instead of the configured content folder.")
def restore_command(src: Path, content_dir: Path | None) -> None:
    """Restore the backup SRC into the empty database at DATABASE_URL.

    Refuses, changing nothing, if the database has any user or prompt, if the
    content folder (or --content-dir) already holds prompts/ or rubrics/ files,
    if the archive is damaged, or if its Alembic revision is not this code's head.
    SQLite is written with the backup API, PostgreSQL with pg_restore; then
    prompts/ and rubrics/ are copied into the content folder. Stop the app first.
    """
    manifest = restore_backup(current_app, src, content_dir)
    click.echo(f"restored the {manifest['engine']} database at revision "
               f"{manifest['alembic_revision']} (backed up {manifest['created_at']}) "
               f"and the content")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
