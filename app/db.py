"""Database engine, the session for the current request, and the model base.

Plain SQLAlchemy 2.0: one engine per app, one ``Session`` per application
context (``get_session()``), closed at teardown. Services own transactions
(``transaction()``: one commit per use case, savepoints inside it); views
never commit. Work for after the commit (a job to queue) waits in
``after_commit()`` and is dropped if the transaction rolls back.
"""

from __future__ import annotations

import enum
import logging
import select
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, Enum, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

# Predictable constraint names, so Alembic migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The largest value of an Integer column on PostgreSQL (SQLite's are wider). Every
# id, revision number and level is one, so a larger number matches no row.
INT_MAX = 2**31 - 1


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no time zone, so values are stored naive in UTC and tagged on
    the way out; PostgreSQL stores them as ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use app.db.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_by_value(kind: type[enum.Enum], length: int = 20) -> Enum:
    """A column type storing a Python enum by its value, as a checked string."""
    return Enum(kind, values_callable=lambda members: [m.value for m in members],
                native_enum=False, length=length, validate_strings=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (the only kind models store)."""
    return datetime.now(UTC)


# A pooled connection older than this is replaced at checkout: a firewall or proxy
# that silently drops idle connections leaves no trace on the socket to look for.
POOL_RECYCLE_SECONDS = 30 * 60


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings Archboard relies on for each backend."""
    engine = create_engine(url, pool_recycle=POOL_RECYCLE_SECONDS, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
    else:
        event.listen(engine, "checkout", _refuse_hung_up_connection)
    return engine


def _refuse_hung_up_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Replace a pooled connection the server closed while it sat idle (a restart).

    An idle connection has nothing to read: the server only speaks in answer to a
    statement. If its socket is readable, the server sent its goodbye or closed
    it, so the pool discards it and connects afresh (raising DisconnectionError
    here makes the pool do that; anything else readable costs at most a needless
    reconnect, as the app never LISTENs). This costs one poll() and no round trip, where a
    ping per checkout (``pool_pre_ping``) costs a ``SELECT 1`` on every request.
    A connection that breaks while in use still fails that request, and SQLAlchemy
    then drops every connection the pool held before.
    """
    if dbapi_connection.closed or dbapi_connection.broken:
        raise DisconnectionError("the connection was closed")
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    if poller.poll(0):
        raise DisconnectionError("the server closed the connection while it was idle")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while one writer commits; a committed transaction
    # survives the process being killed. busy_timeout waits for a writer
    # instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    """The engine and session factory of one app."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)


def init_app(app: Flask) -> None:
    app.extensions["archboard.db"] = Database(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def get_database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["archboard.db"]


def get_session() -> Session:
    """The session of the current application context, opened on first use."""
    if "db_session" not in g:
        g.db_session = get_database().sessionmaker()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


# Kept in ``Session.info``: how many transaction() blocks are open, and the callbacks
# waiting for the outermost one to commit.
_DEPTH = "archboard.transaction_depth"
_AFTER_COMMIT = "archboard.after_commit"


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """One transaction per use case: the outermost block commits, or rolls back if it raised.

    A block inside another (a service calling a service) is a savepoint: it
    commits nothing, and if it raises only its own work is undone; the caller
    decides whether to go on. Work queued with ``after_commit`` inside a block
    that raised is dropped with it.
    """
    depth = session.info.get(_DEPTH, 0)
    if depth == 0:
        session.info[_DEPTH] = 1
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            session.info.pop(_AFTER_COMMIT, None)  # also when no statement had begun one
            raise
        finally:
            session.info[_DEPTH] = 0
        return
    _hold_sqlite_transaction(session)
    savepoint = session.begin_nested()
    pending = session.info.setdefault(_AFTER_COMMIT, [])
    queued_before = len(pending)
    session.info[_DEPTH] = depth + 1
    try:
        yield session
        savepoint.commit()
    except BaseException:
        if savepoint.is_active:  # a failed flush has already rolled it back
            savepoint.rollback()
        del pending[queued_before:]
        raise
    finally:
        session.info[_DEPTH] = depth


def _hold_sqlite_transaction(session: Session) -> None:
    """Make sure SQLite has a real transaction open before a savepoint starts.

    The sqlite3 module sends BEGIN only before its first INSERT/UPDATE/DELETE,
    so after reads alone no transaction is open, and a SAVEPOINT would open
    one itself: releasing it would then commit, not the outermost block.
    BEGIN IMMEDIATE takes the writer lock now (waiting up to busy_timeout), as
    the savepoint's writes would; a deferred BEGIN could fail at the first
    write if another connection committed in between.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's outermost transaction commits; never if it rolls back.

    For effects outside the database, such as queueing a job that reads what
    the transaction wrote. Outside any transaction nothing is pending: it runs now.
    """
    if not session.info.get(_DEPTH) and not session.in_transaction():
        _run(callback)
        return
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


# The key under which ``app.jobs`` puts the app's job queue on every session it opens.
JOB_QUEUE = "archboard.job_queue"


def queue_after_commit(session: Session, send: Callable[[Any], None]) -> None:
    """Call ``send(queue)`` with the app's job queue once the transaction commits.

    Never if it rolls back, and never for a session without the app's queue (a
    script's own): each caller's docstring says what makes up for that.
    """
    queue = session.info.get(JOB_QUEUE)
    if queue is not None:
        after_commit(session, lambda: send(queue))


def _run(callback: Callable[[], None]) -> None:
    # The transaction has committed: a failing callback must not turn that into an
    # error for the caller. (A lost wake-up for a run is made good by the worker's
    # once-a-minute sweep.)
    try:
        callback()
    except Exception:
        log.exception("after-commit callback %r failed", callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: nothing is committed yet
        return
    for callback in session.info.pop(_AFTER_COMMIT, []):
        _run(callback)


@event.listens_for(Session, "after_transaction_end")
def _drop_after_rollback(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended: after a commit the callbacks have run, after a
    # rollback (or a close without commit) they must never run.
    if transaction.parent is None:
        session.info.pop(_AFTER_COMMIT, None)
