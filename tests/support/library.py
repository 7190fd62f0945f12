"""Data built once per database, then replayed: the rows a build wrote, inserted again.

Syncing parses, validates and renders every prompt and rubric of a tree, and
for the same files into tables holding no content it always writes the same
rows. So the first sync of a tree into a database records what it wrote, and
later loads of the same files into that database (each test starts empty)
insert the recorded rows again instead. Anything else (content already there,
another tree) runs the real sync. ``build_once`` does the same for a whole
arrangement of data (every table) that many tests start from.

Ids are kept, so PostgreSQL's sequences are moved past them. Times move with
the clock: a replay shifts every stored time by how long ago the recording
was made, so what was "an hour ago" then is an hour ago now.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Table, exists, func, select, text
from sqlalchemy.orm import Session

from app.content.sync import sync_content
from app.db import Base, utcnow

CONTENT_MODULE = "app.models.content"
T = TypeVar("T")


def content_tables() -> list[Table]:
    """The tables of the content models, parents before children."""
    mapped = {mapper.local_table for mapper in Base.registry.mappers
              if mapper.class_.__module__ == CONTENT_MODULE}
    return [table for table in Base.metadata.sorted_tables if table in mapped]


@dataclass
class Recording:
    at: datetime
    rows: dict[str, list[dict]]
    value: Any = None


_recordings: dict[tuple[str, ...], Recording] = {}


def tree_hash(root: Path) -> str:
    """A hash of everything under ``root``: each path (folders too) and each file's bytes."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _has_rows(session: Session, tables: list[Table]) -> bool:
    return any(session.scalar(select(exists().select_from(table))) for table in tables)


def _record(session: Session, tables: list[Table], value: Any = None) -> Recording:
    recording = Recording(utcnow(), {table.name: [dict(row) for row in session.execute(
        select(table)).mappings()] for table in tables}, value)
    session.commit()
    return recording


def sync_once(session: Session, root: Path) -> bool:
    """``sync_content(session, root)``, replayed from a recording when one fits (then True)."""
    tables = content_tables()
    key = ("library", str(session.get_bind().url), tree_hash(root))
    if _has_rows(session, tables):
        sync_content(session, root)
        return False
    recording = _recordings.get(key)
    if recording is None:
        sync_content(session, root)
        _recordings[key] = _record(session, tables)
        return False
    _replay(session, tables, recording)
    return True


def build_once(session: Session, name: str, build: Callable[[], T]) -> T:
    """``build()`` into an empty database, or the rows it wrote there last time.

    Returns what ``build`` returned the first time, so it must hold plain values
    (ids, not ORM objects). Into a database that is not empty it just builds.
    """
    tables = Base.metadata.sorted_tables
    if _has_rows(session, tables):
        return build()
    key = ("build", str(session.get_bind().url), name)
    recording = _recordings.get(key)
    if recording is None:
        value = build()
        _recordings[key] = _record(session, tables, value)
        return value
    _replay(session, tables, recording)
    return recording.value


def _replay(session: Session, tables: list[Table], recording: Recording) -> None:
    shift = utcnow() - recording.at
    inserted: set[str] = set()
    later: list[tuple[Table, dict]] = []  # foreign keys to rows inserted further on
    for table in tables:
        if not recording.rows[table.name]:
            inserted.add(table.name)
            continue
        deferred = [fk.parent.name for fk in table.foreign_keys
                    if fk.use_alter or fk.column.table.name not in inserted]
        rows = []
        for row in recording.rows[table.name]:
            row = {name: value + shift if isinstance(value, datetime) else value
                   for name, value in row.items()}
            if deferred and any(row[name] is not None for name in deferred):
                later.append((table, {name: row[name] for name in
                                      (*deferred, *(c.name for c in table.primary_key))}))
                row.update(dict.fromkeys(deferred))
            rows.append(row)
        session.execute(table.insert(), rows)
        inserted.add(table.name)
    for table, values in later:
        key = {c.name: values[c.name] for c in table.primary_key}
        session.execute(table.update().where(*(table.c[n] == v for n, v in key.items()))
                        .values({n: v for n, v in values.items() if n not in key}))
    if session.get_bind().dialect.name == "postgresql":
        _move_sequences_past(session, [t for t in tables if recording.rows[t.name]])
    session.commit()


def _move_sequences_past(session: Session, tables: list[Table]) -> None:
    for table in tables:
        for column in table.primary_key:
            sequence = session.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                      {"t": table.name, "c": column.name})
            if sequence is None:
                continue
            highest = session.scalar(select(func.max(column)))
            if highest is not None:
                session.execute(text(
                    "SELECT setval(:s, GREATEST(:n, COALESCE("
                    "pg_sequence_last_value(CAST(:s AS regclass)), 0)))"),
                    {"s": sequence, "n": highest})
