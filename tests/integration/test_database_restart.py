"""A PostgreSQL restart cuts every pooled connection; the next request must not notice.

The tests run their own cluster (the shared one stays up for the other tests),
sign in, make one request so that a connection waits in the pool, restart the
server and ask again.
"""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus

import pytest

from app.db import get_database
from app.migrations_cli import upgrade
from tests.conftest import make_test_app
from tests.factories.users import PASSWORD, make_user
from tests.support.postgres import PostgresServer, start_postgres
from tests.support.tools import missing_tool
from tests.support.web import WebClient


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[PostgresServer]:
    server = start_postgres()
    if isinstance(server, str):
        missing_tool(server)
    yield server
    server.stop()


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_signed_in_page_after_the_database_restarted_still_answers(own_postgres, mode):
    app = make_test_app(own_postgres.url)
    engine = get_database(app).engine
    try:
        with app.app_context():
            upgrade(app)
        with get_database(app).sessionmaker() as session:
            person = make_user(session, email=f"restart-{mode}@example.com")
        client = WebClient(app.test_client())
        assert client.login(person.email, PASSWORD).status_code == HTTPStatus.FOUND
        assert client.get("/account").status_code == HTTPStatus.OK
        assert engine.pool.checkedin() >= 1  # the next request reuses a pooled connection

        # The test clusters commit asynchronously (synchronous_commit=off), so a crash
        # could lose the sign-in itself; a checkpoint first makes it durable.
        with engine.connect() as connection:
            connection.exec_driver_sql("CHECKPOINT")
        own_postgres.restart(mode)

        response = client.get("/account")
        assert response.status_code == HTTPStatus.OK
        assert person.email in response.get_data(as_text=True)
        assert client.get("/practice/progress").status_code == HTTPStatus.OK
    finally:
        engine.dispose()
