"""Fixtures shared by every test.

Tests that touch the database run once per backend: SQLite, then a throwaway
PostgreSQL started for the run (``--db`` picks one); those marked ``db_once``,
whose behaviour does not depend on the database (headers, CSRF, error pages,
redirects), run on the first backend only. Each test starts from an empty,
fully migrated database.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import settings
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import create_app
from app.db import Base, get_database
from app.jobs import get_jobs
from app.migrations_cli import upgrade
from app.rate_limits import get_limiter
from tests.support.postgres import start_postgres
from tests.support.tools import missing_tool
from tests.support.web import WebClient

# Property tests check results, not speed: a loaded machine (the suite runs two
# workers a core) must not fail an example for taking longer than 200 ms.
settings.register_profile("archboard", deadline=None)
settings.load_profile("archboard")

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Hash test passwords with a low scrypt cost; production keeps Werkzeug's default."""
    from app.auth import services

    default = services.PASSWORD_METHOD
    services.PASSWORD_METHOD = "scrypt:128:1:1"  # about 0.5 ms, against 20+ ms for 1024:8:1
    yield
    services.PASSWORD_METHOD = default


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", choices=[*BACKENDS, "all"], default="all",
                     help="database backend(s) to run database tests on (default: all)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--db")
        backends = BACKENDS if chosen == "all" else (chosen,)
        if metafunc.definition.get_closest_marker("db_once"):
            backends = backends[:1]  # SQLite, unless --db postgresql
        metafunc.parametrize("db_backend", backends, scope="session")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    server = start_postgres()
    if isinstance(server, str):
        missing_tool(server)
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def database_url(db_backend: str, tmp_path_factory: pytest.TempPathFactory,
                 request: pytest.FixtureRequest) -> str:
    if db_backend == "postgresql":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'archboard.sqlite'}"


def make_test_app(database_url: str, **overrides) -> Flask:
    """An app configured for tests, on ``database_url``."""
    config = {
        "ARCHBOARD_ENV": "testing",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-anything",
        "DATABASE_URL": database_url,
        "SERVER_NAME": None,
        # Services called outside a request build the links of their emails from it.
        "BASE_URL": "http://archboard.test",
        "JOBS_SQLITE_PATH": str(Path(tempfile.mkdtemp(prefix="archboard-jobs-")) / "jobs.sqlite"),
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_test_app(database_url)
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    with app.app_context():
        engine = get_database(app).engine
        # Start from nothing: a PostgreSQL cluster may be shared by the run.
        with engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(app)
    yield app
    get_database(app).engine.dispose()


def _empty_all_tables(app: Flask) -> None:
    with get_database(app).engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A database session for arranging and checking data; every table is emptied afterwards.

    No app context is pushed around the test: Flask would reuse it for the test
    client's requests, sharing ``g`` (and its cached CSRF token) between them.
    """
    get_limiter(app).reset()
    get_jobs(app).huey.flush()  # no job queued by an earlier test reaches this one
    session = get_database(app).sessionmaker()
    yield session
    session.close()
    _empty_all_tables(app)
    get_limiter(app).reset()


@pytest.fixture
def client(app: Flask, db) -> WebClient:
    return WebClient(app.test_client())


@pytest.fixture
def content_tree(app: Flask, db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small library of the test's own, synced and writable, that the app reads and writes
    (``CONTENT_DIR`` points at it), so no test ever writes the project's content."""
    from app.content.sync import sync_content
    from tests.factories.content import write_content

    root = write_content(tmp_path / "content")
    monkeypatch.setitem(app.config, "CONTENT_DIR", str(root))
    monkeypatch.setitem(app.config, "CONTENT_READ_ONLY", False)
    sync_content(db, root)
    return root


@pytest.fixture
def project_content(app: Flask, db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's own prompts and rubrics, synced, that the app reads
    (``CONTENT_DIR``): the real library, which tests may change without touching it."""
    import shutil

    from tests.support.library import sync_once

    root = tmp_path / "library"
    for folder in ("prompts", "rubrics"):
        shutil.copytree(Path(app.root_path).parent / folder, root / folder)
    sync_once(db, root)
    monkeypatch.setitem(app.config, "CONTENT_DIR", str(root))
    return root


@pytest.fixture
def query_counter(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the engine runs while the test body executes."""
    statements: list[str] = []
    engine = get_database(app).engine

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def worker(app: Flask, db, request: pytest.FixtureRequest):
    """A real `flask worker` process on the test database and queue, killed afterwards.

    ``@pytest.mark.worker_settings(NAME="value")`` gives it settings of its own.
    """
    from app.grading.runner.sandbox import sandbox_problem
    from tests.support.worker import Worker

    problem = sandbox_problem()
    if problem:
        missing_tool(problem)
    marker = request.node.get_closest_marker("worker_settings")
    running = Worker(app, **(marker.kwargs if marker else {}))
    running.start()
    yield running
    running.kill()


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free loopback port; ``.messages`` holds what it received."""
    from tests.support.smtp import SmtpServer

    server = SmtpServer()
    server.start()
    yield server
    server.stop()
@pytest.fixture(scope="session")
def oidc_provider():
    """A real OpenID Connect provider on a free loopback port, for the whole run."""
    from tests.support.oidc import run_provider

    with run_provider() as provider:
        yield provider
