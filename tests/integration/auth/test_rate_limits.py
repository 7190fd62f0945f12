"""Login attempts are limited per address and per account, in memory or in Redis."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from app.db import get_database
from tests.conftest import make_test_app
from tests.factories.users import PASSWORD, make_user
from tests.support.redis import start_redis
from tests.support.tools import missing_tool
from tests.support.web import WebClient


def test_the_eleventh_login_attempt_in_a_minute_gets_the_429_page(client, db):
    user = make_user(db)
    for _ in range(10):
        assert client.login(user.email, "wrong password").status_code == 422
    response = client.login(user.email, PASSWORD)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert b"Too many attempts" in response.data


def test_attempts_on_one_account_from_many_addresses_are_limited_too(app, db):
    user = make_user(db)
    statuses = []
    for n in range(11):
        client = WebClient(app.test_client())
        client.raw.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        statuses.append(client.login(user.email, "wrong password").status_code)
    assert statuses[:10] == [422] * 10
    assert statuses[10] == HTTPStatus.TOO_MANY_REQUESTS


@pytest.fixture
def redis_url():
    started = start_redis()
    if isinstance(started, str):
        missing_tool(started)
    process, url = started
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_with_redis_two_web_processes_share_one_limit(database_url, db, redis_url):
    user = make_user(db)
    first = make_test_app(database_url, REDIS_URL=redis_url, RATELIMIT_STORAGE_URI=redis_url,
                          LOGIN_RATE_LIMIT="4 per minute")
    second = make_test_app(database_url, REDIS_URL=redis_url, RATELIMIT_STORAGE_URI=redis_url,
                           LOGIN_RATE_LIMIT="4 per minute")
    try:
        clients = [WebClient(first.test_client()), WebClient(second.test_client())]
        statuses = [clients[n % 2].login(user.email, "wrong password").status_code
                    for n in range(5)]
        assert statuses == [422, 422, 422, 422, HTTPStatus.TOO_MANY_REQUESTS]
    finally:
        for app in (first, second):
            get_database(app).engine.dispose()
