"""CSRF on every change, security headers on every page, and the error pages."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest

from app.models import Role
from tests.conftest import make_test_app
from tests.factories.users import PASSWORD, make_user
from tests.integration.routes import urls
from tests.support.web import WebClient

# Headers, CSRF, error pages and previews: the same whichever database is behind them.
pytestmark = pytest.mark.db_once

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def assert_security_headers(response):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_every_get_route_sends_security_headers_and_no_inline_script(app, client, db, who):
    if who == "admin":
        admin = make_user(db, *Role)
        client.login(admin.email, PASSWORD)
    checked = 0
    for endpoint, url in urls(app, "GET"):
        response = client.get(url)
        assert response.status_code < 500, (endpoint, response.status_code)
        assert_security_headers(response)
        if response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            assert not INLINE_SCRIPT.search(body), f"{endpoint} has an inline script"
            assert not INLINE_HANDLER.search(body), f"{endpoint} has an inline event handler"
        response.close()  # static files stream from an open file
        checked += 1
    assert checked == len(urls(app, "GET"))


def test_error_pages_send_security_headers_too(client):
    assert_security_headers(client.get("/no/such/page"))


def test_every_post_route_without_csrf_token_is_400(app, client, db):
    admin = make_user(db, *Role)
    client.login(admin.email, PASSWORD)
    posts = urls(app, "POST")
    assert {endpoint for endpoint, _ in posts} >= {"auth.logout", "auth.login", "auth.signup"}
    for endpoint, url in posts:
        response = client.post(url, {"anything": "x"}, csrf=False)
        assert response.status_code == HTTPStatus.BAD_REQUEST, endpoint
        assert b"form expired" in response.data, endpoint


def test_csrf_token_in_a_header_is_accepted_for_fetch_and_htmx(client):
    token = client.csrf_token()
    response = client.raw.post("/markdown/preview", data={"markdown": "**hi**"},
                               headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == HTTPStatus.OK
    assert b"<strong>hi</strong>" in response.data


def test_a_wrong_csrf_token_is_400(client):
    response = client.post("/markdown/preview", {"markdown": "x", "csrf_token": "forged"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_logout_is_not_a_get(client):
    assert client.get("/logout").status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_404_page_is_the_custom_one(client):
    response = client.get("/no/such/page")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert b"Page not found" in response.data
    assert b"Archboard" in response.data


def test_404_answers_json_to_json_clients(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json["status"] == 404


def test_413_page_for_an_oversized_body(client):
    token = client.csrf_token()
    response = client.raw.post("/markdown/preview",
                               data={"markdown": "x" * 1_100_000, "csrf_token": token})
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert b"Too large" in response.data


def test_500_page_hides_the_error_and_logs_it(database_url, caplog):
    app = make_test_app(database_url)
    from app.auth.access import ANYONE, access

    @app.get("/boom")
    @access(ANYONE)
    def boom():
        raise RuntimeError("internal detail")

    response = app.test_client().get("/boom")
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert b"Something went wrong" in response.data
    assert b"internal detail" not in response.data
    assert "internal detail" in caplog.text


def test_preview_over_the_answer_size_limit_is_a_clear_413(client):
    response = client.post("/markdown/preview", {"markdown": "y" * 200_001})
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert b"limited to 200,000" in response.data


def test_signed_out_the_help_page_renders_its_example_and_previews(client):
    page = client.get("/help/markdown")
    assert page.status_code == HTTPStatus.OK
    assert b'<div class="mermaid">' in page.data
    response = client.post("/markdown/preview", {"markdown": "| a | b |\n|---|---|\n| 1 | 2 |"})
    assert response.status_code == HTTPStatus.OK
    assert b"<td>1</td>" in response.data


def test_previews_count_against_the_rate_limit_by_their_size(database_url, db):
    app = make_test_app(database_url, PREVIEW_RATE_LIMIT="30 per minute")
    large = WebClient(app.test_client())  # 100 KB counts 1 + 10
    statuses = [large.post("/markdown/preview", {"markdown": "x" * 100_000}).status_code
                for _ in range(3)]
    assert statuses == [HTTPStatus.OK, HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS]
    small = WebClient(app.test_client())  # another address, typing: each counts 1
    small.raw.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    statuses = [small.post("/markdown/preview", {"markdown": "*typing*"}).status_code
                for _ in range(31)]
    assert statuses == [HTTPStatus.OK] * 30 + [HTTPStatus.TOO_MANY_REQUESTS]


def test_preview_renders_hostile_markdown_inert(client):
    response = client.post("/markdown/preview",
                           {"markdown": "<script>alert(1)</script>[x](javascript:alert(2))"})
    assert response.status_code == HTTPStatus.OK
    assert b"<script" not in response.data
    assert b"javascript:" not in response.data


def test_health_check_reports_the_process_alive(client):
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK
    assert response.json["status"] == "ok"


def test_private_pages_are_not_cached(client, db):
    user = make_user(db)
    client.login(user.email, PASSWORD)
    assert client.get("/account").headers["Cache-Control"] == "no-store"
