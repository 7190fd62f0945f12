"""Readiness: can this process serve people right now? And the page when it cannot.

``/healthz`` (liveness) only says the process answers. ``/readyz`` runs the
checks below: that the database would take a write now (it writes nothing: a
GET never writes) and a ping of the rate-limit storage. Errors that mean the
database is unavailable become a 503 page rendered without the database.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable

from flask import Flask, current_app, request
from sqlalchemy import Connection, text
from sqlalchemy.exc import InternalError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from app.errors import error_response
from app.rate_limits import get_limiter

log = logging.getLogger(__name__)

# Room a database needs to be called writable: a few saves' worth.
ROOM_BYTES = 1024 * 1024
PROBE_TIMEOUT_MS = 5000
READY_FOR_SECONDS = 1.0
# What the driver raises when the database cannot take the request: read-only,
# disk full, connection lost (OperationalError), or a read-only transaction on
# PostgreSQL (InternalError). Programming errors stay 500s.
UNAVAILABLE = (OperationalError, InternalError)


def check_database(session: Session) -> bool:
    """True when the database would take a write now; it writes nothing and rolls back."""
    try:
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            return _postgresql_writable(connection)
        return _sqlite_writable(connection)
    except SQLAlchemyError:
        log.warning("readiness: the database refused the check", exc_info=True)
        return False
    finally:
        session.rollback()


def _postgresql_writable(connection: Connection) -> bool:
    # A stuck database should fail the check, not hang it.
    connection.execute(text(f"SET LOCAL statement_timeout = {PROBE_TIMEOUT_MS}"))
    standby, read_only = connection.execute(text(
        "SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'")).one()
    if standby or read_only:
        log.warning("readiness: PostgreSQL is %s", "a standby" if standby else "read-only")
        return False
    return True


def _sqlite_writable(connection: Connection) -> bool:
    # The writer lock, as a save would take it (waiting up to busy_timeout for one
    # in progress). A read-only connection "begins" without taking it, so
    # incremental_vacuum, which needs write access and with auto_vacuum off (as
    # here) changes nothing, is what refuses: "attempt to write a readonly database".
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    connection.exec_driver_sql("PRAGMA incremental_vacuum(0)")
    page_size, pages, free_pages, max_pages = (
        connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()
        for name in ("page_size", "page_count", "freelist_count", "max_page_count"))
    room = (free_pages + max(0, max_pages - pages)) * page_size
    path = connection.exec_driver_sql("PRAGMA database_list").first()[2]
    if path:  # a file, not memory: the disk holding it needs room too
        room = min(room, shutil.disk_usage(os.path.dirname(path)).free)
    if room < ROOM_BYTES:
        log.warning("readiness: the SQLite database has %s bytes of room left", room)
        return False
    return True


def check_rate_limit_storage() -> bool:
    """True when the limiter's storage (memory, or Redis) answers."""
    try:
        return bool(get_limiter().storage.check())
    except Exception:  # a storage that cannot even be asked is not ready either
        log.warning("readiness: the rate-limit storage did not answer", exc_info=True)
        return False


def readiness_problem(session: Session) -> str | None:
    """The first failed check, named without details (they go to the log), or None.

    A success holds for READY_FOR_SECONDS in this process, so a flood of
    /readyz requests costs at most one database check a second (each takes the
    writer lock on SQLite); a failure is checked again on every request, so
    recovery shows at once.
    """
    state = current_app.extensions.setdefault("archboard.readiness", {"ready_at": None})
    ready_at = state["ready_at"]
    if ready_at is not None and time.monotonic() - ready_at < READY_FOR_SECONDS:
        return None
    checks: tuple[tuple[str, Callable[[], bool]], ...] = (
        ("database write failed", lambda: check_database(session)),
        ("rate-limit storage unreachable", check_rate_limit_storage),
    )
    for reason, check in checks:
        if not check():
            state["ready_at"] = None
            return reason
    state["ready_at"] = time.monotonic()
    return None


def init_app(app: Flask) -> None:
    def database_unavailable(_error: Exception):
        log.exception("database unavailable on %s %s", request.method, request.path)
        return error_response(503)

    for kind in UNAVAILABLE:
        app.register_error_handler(kind, database_unavailable)
