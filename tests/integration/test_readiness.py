"""Liveness, readiness, and friendly pages when the database stops taking writes.

``/healthz`` says the process is up and never touches the database; ``/readyz``
proves the database would take a write, without writing. When it does not (read-only, full,
unreachable), people get a friendly 503 page rendered without the database.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from http import HTTPStatus
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event

from app.db import get_database
from app.migrations_cli import upgrade
from tests.conftest import make_test_app
from tests.factories.users import PASSWORD, make_user
from tests.integration.test_get_never_writes import writes
from tests.support.web import WebClient

PG_PROBE = "SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'"

TROUBLE = "Archboard is having trouble"
WORK_KEPT = "Your work in the browser is kept"


def assert_friendly_unavailable_page(response) -> None:
    """A 503 page that says what happened, shown as signed out, with no internals."""
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    page = response.get_data(as_text=True)
    assert TROUBLE in page and WORK_KEPT in page
    assert ">Sign in</a>" in page and "Sign out" not in page
    for internal in ("Traceback", "sqlite3", "psycopg", "OperationalError", "INSERT", "UPDATE"):
        assert internal not in page


def assert_not_ready(client: WebClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json["status"] == "unavailable"
    assert response.json["reason"] == "database write failed"
    assert response.headers["Cache-Control"] == "no-store"
    # Liveness is about the process only.
    assert client.get("/healthz").status_code == HTTPStatus.OK


def test_ready_when_the_database_takes_writes(client):
    response = client.get("/readyz")
    assert response.status_code == HTTPStatus.OK
    assert response.json == {"status": "ready"}
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/readyz").status_code == HTTPStatus.OK


def test_a_flood_of_readiness_checks_asks_the_database_about_once_a_second(app, client,
                                                                          query_counter):
    app.extensions.pop("archboard.readiness", None)  # forget an earlier test's success
    started = time.monotonic()
    assert {client.get("/readyz").status_code for _ in range(60)} == {HTTPStatus.OK}
    seconds = time.monotonic() - started
    probes = [s for s in query_counter if s in ("BEGIN IMMEDIATE", PG_PROBE)]
    assert 1 <= len(probes) <= int(seconds) + 1, (len(probes), seconds)
    assert [s for s in query_counter if writes(s)] == []  # a GET never writes


def test_health_and_readiness_are_not_rate_limited(client):
    statuses = {client.get(path).status_code for path in ("/healthz", "/readyz") * 60}
    assert statuses == {HTTPStatus.OK}


@pytest.fixture
def read_only_app(database_url: str, db_backend: str) -> Iterator[Flask]:
    """A second app on the test database that can read but not write."""
    if db_backend == "sqlite":
        path = database_url.removeprefix("sqlite:///")
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    else:
        url = database_url + "?options=-c%20default_transaction_read_only%3Don"
    app = make_test_app(url)
    yield app
    get_database(app).engine.dispose()


def signed_in_cookie(client: WebClient, email: str) -> str:
    assert client.login(email, PASSWORD).status_code == HTTPStatus.FOUND
    return client.raw.get_cookie("session").value


def test_a_read_only_database_gets_friendly_pages_and_is_not_ready(client, db, read_only_app):
    user = make_user(db)
    cookie = signed_in_cookie(client, user.email)

    visitor = WebClient(read_only_app.test_client())
    assert visitor.get("/login").status_code == HTTPStatus.OK  # reading still works
    assert_friendly_unavailable_page(visitor.login(user.email, PASSWORD))
    assert_not_ready(visitor)

    # A signed-in person whose action needs a write gets the same page.
    member = WebClient(read_only_app.test_client())
    member.raw.set_cookie("session", cookie)
    assert member.get("/account").status_code == HTTPStatus.OK
    assert_friendly_unavailable_page(member.post("/account/sessions/end-others"))


def fresh_sqlite(tmp_path: Path) -> tuple[str, int, str]:
    """A migrated SQLite file of its own holding one account: (url, account id, email)."""
    url = f"sqlite:///{tmp_path / 'archboard.sqlite'}"
    app = make_test_app(url)
    with app.app_context():
        upgrade(app)
    session = get_database(app).sessionmaker()
    user = make_user(session)
    session.close()
    get_database(app).engine.dispose()
    return url, user.id, user.email


def test_a_database_that_cannot_be_opened_for_writing_still_gets_the_page(tmp_path):
    # Like a read-only file in a read-only folder: SQLite cannot even switch
    # the connection to WAL, so every query fails, loading the person too.
    url, _, email = fresh_sqlite(tmp_path)
    app = make_test_app(url)
    cookie = signed_in_cookie(WebClient(app.test_client()), email)
    get_database(app).engine.dispose()
    with closing(sqlite3.connect(tmp_path / "archboard.sqlite")) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")

    broken = make_test_app(f"sqlite:///file:{tmp_path / 'archboard.sqlite'}?mode=ro&uri=true")
    try:
        member = WebClient(broken.test_client())
        member.raw.set_cookie("session", cookie)
        assert_friendly_unavailable_page(member.get("/account"))
        assert_friendly_unavailable_page(member.get("/"))
        assert_not_ready(member)  # /healthz stays 200 with the cookie too
    finally:
        get_database(broken).engine.dispose()


def test_a_full_disk_fails_readiness_and_sign_ins_get_the_friendly_page(tmp_path):
    url, _, email = fresh_sqlite(tmp_path)
    full = make_test_app(url, LOGIN_RATE_LIMIT="1000 per minute",
                         LOGIN_DEVICE_RATE_LIMIT="1000 per minute")
    engine = get_database(full).engine
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM")  # no free pages left to reuse
    engine.dispose()

    @event.listens_for(engine, "connect")
    def disk_is_full(dbapi_connection, _record):
        # The file may not grow by a single page: SQLite answers "database or
        # disk is full" to any write that needs one, as on a full disk.
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    try:
        client = WebClient(full.test_client())
        assert_not_ready(client)
        # Sign-ins still fit in the pages already there, until they do not.
        statuses = []
        while len(statuses) < 300 and HTTPStatus.SERVICE_UNAVAILABLE not in statuses:
            response = client.login(email, PASSWORD)
            statuses.append(response.status_code)
            client.logout()
        assert statuses[-1] == HTTPStatus.SERVICE_UNAVAILABLE, statuses
        assert set(statuses[:-1]) <= {HTTPStatus.FOUND}
        assert_friendly_unavailable_page(response)
        assert_not_ready(client)
    finally:
        engine.dispose()


def test_health_says_alive_even_when_the_database_is_unreachable(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'db.sqlite'}")
    try:
        client = WebClient(app.test_client())
        assert client.get("/healthz").status_code == HTTPStatus.OK
        assert_not_ready(client)
    finally:
        get_database(app).engine.dispose()
