"""Every request has an id, sent back and written on its log lines; JSON logs hold no secrets."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from http import HTTPStatus

import pytest

from app.logs import JsonFormatter
from tests.conftest import make_test_app
from tests.factories.users import PASSWORD, make_user


class JsonLines(logging.Handler):
    """Collects what the JSON formatter writes, one line per record."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def entries(self, logger: str | None = None) -> list[dict]:
        entries = [json.loads(line) for line in self.lines]
        return [entry for entry in entries if logger is None or entry["logger"] == logger]


@pytest.fixture
def json_logs(caplog: pytest.LogCaptureFixture) -> Iterator[JsonLines]:
    caplog.set_level(logging.INFO)
    handler = JsonLines()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def test_a_request_logs_one_access_line_with_the_id_it_answers_with(client, json_logs):
    response = client.get("/login")
    assert response.status_code == HTTPStatus.OK
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    [access] = json_logs.entries("archboard.access")
    assert access["request_id"] == request_id
    assert (access["method"], access["path"], access["status"]) == ("GET", "/login", 200)
    assert access["level"] == "INFO"
    assert access["duration_ms"] >= 0
    assert access["time"].endswith("+00:00")


def test_a_safe_incoming_request_id_is_kept(client, json_logs):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.2026_12"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.2026_12"
    assert json_logs.entries("archboard.access")[0]["request_id"] == "lb-7f3a.2026_12"


@pytest.mark.parametrize("hostile", ["two words", "x" * 500, "abc\r\nX-Injected: 1"])
def test_a_hostile_request_id_is_replaced(client, json_logs, hostile):
    # Set in the WSGI environ: werkzeug's client refuses to send a newline in a header,
    # but a server behind a lax proxy may still receive one.
    response = client.get("/healthz", environ_overrides={"HTTP_X_REQUEST_ID": hostile})
    sent_back = response.headers["X-Request-ID"]
    assert sent_back != hostile
    assert len(sent_back) == 32
    assert "X-Injected" not in response.headers
    [access] = json_logs.entries("archboard.access")
    assert access["request_id"] == sent_back
    assert hostile not in "\n".join(json_logs.lines)


def test_an_error_page_carries_the_id_too(client, json_logs):
    response = client.get("/no-such-page")
    assert response.status_code == HTTPStatus.NOT_FOUND
    [access] = json_logs.entries("archboard.access")
    assert access["status"] == 404
    assert access["request_id"] == response.headers["X-Request-ID"]


def test_a_500_logs_the_exception_with_the_id_it_answers_with(database_url, json_logs):
    app = make_test_app(database_url, LOG_FORMAT="json")
    from app.auth.access import ANYONE, access

    @app.get("/boom")
    @access(ANYONE)
    def boom():
        raise RuntimeError("internal detail")

    response = app.test_client().get("/boom")
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    request_id = response.headers["X-Request-ID"]
    [error] = [entry for entry in json_logs.entries() if entry["level"] == "ERROR"]
    assert error["request_id"] == request_id
    assert "RuntimeError: internal detail" in error["exception"]
    [access] = json_logs.entries("archboard.access")
    assert (access["status"], access["request_id"]) == (500, request_id)
    assert b"internal detail" not in response.data


def test_a_password_post_logs_neither_the_password_nor_the_form(client, db, json_logs):
    user = make_user(db)
    client.login(user.email, PASSWORD)
    client.login(user.email, "wrong-" + PASSWORD)
    logged = "\n".join(json_logs.lines)
    assert "archboard.access" in logged  # the requests were logged ...
    assert PASSWORD not in logged  # ... without what they carried
    assert "csrf_token" not in logged
    assert [entry["path"] for entry in json_logs.entries("archboard.access")
            if entry["method"] == "POST"] == ["/login", "/login"]



def test_a_reset_or_invitation_link_is_logged_without_its_token(client, db, json_logs):
    token = "a-reset-token-that-works-once"
    client.get(f"/reset/{token}")
    client.get(f"/join/{token}")
    logged = "\n".join(json_logs.lines)
    assert token not in logged
    assert [entry["path"] for entry in json_logs.entries("archboard.access")
            if entry["method"] == "GET" and entry["path"] != "/"] == [
        "/reset/[token]", "/join/[token]"]
