"""Readiness: can this process serve people right now? And the page when it cannot.

``/healthz`` (liveness) only says the process answers. ``/readyz`` runs the
checks below: a real write to the database that commits (the heartbeat row,
rewritten with a few pages of random bytes, so a database that is read-only,
full or unreachable fails it as a sign-in would) and a ping of the rate-limit
storage. Errors that mean the database is unavailable become a 503 page
rendered without the database.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

from flask import Flask, current_app, request
from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import InternalError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from app.db import transaction, utcnow
from app.errors import error_response
from app.models import Heartbeat
from app.rate_limits import get_limiter

log = logging.getLogger(__name__)

# Two SQLite pages and more, and too random for PostgreSQL to compress.
PROBE_BYTES = 8192
PROBE_TIMEOUT_MS = 5000
READY_FOR_SECONDS = 1.0
# What the driver raises when the database cannot take the request: read-only,
# disk full, connection lost (OperationalError), or a read-only transaction on
# PostgreSQL (InternalError). Programming errors stay 500s.
UNAVAILABLE = (OperationalError, InternalError)


def check_database(session: Session) -> bool:
    """Write the heartbeat row and commit; False if the database refused."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    statement = insert(Heartbeat).values(id=1, beat_at=utcnow(),
                                         payload=os.urandom(PROBE_BYTES))
    statement = statement.on_conflict_do_update(
        index_elements=[Heartbeat.id],
        set_={"beat_at": statement.excluded.beat_at, "payload": statement.excluded.payload},
    )
    try:
        with transaction(session):
            if session.get_bind().dialect.name == "postgresql":
                # A stuck database should fail the check, not hang it.
                session.execute(text(f"SET LOCAL statement_timeout = {PROBE_TIMEOUT_MS}"))
            session.execute(statement)
    except SQLAlchemyError:
        log.warning("readiness: the database refused the heartbeat write", exc_info=True)
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
    /readyz requests costs at most one database write a second; a failure is
    checked again on every request, so recovery shows at once.
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
