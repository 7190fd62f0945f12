"""Login attempts are limited per address and per account, in memory or in Redis.

A browser that signed in to an account before holds a device cookie for it;
its attempts count only against that cookie, so guessing elsewhere never
locks the owner out.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from itsdangerous import URLSafeTimedSerializer

from app.db import get_database
from app.rate_limits import get_limiter
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
                          LOGIN_RATE_LIMIT="4 per minute", LOGIN_DEVICE_RATE_LIMIT="4 per minute")
    second = make_test_app(database_url, REDIS_URL=redis_url, RATELIMIT_STORAGE_URI=redis_url,
                           LOGIN_RATE_LIMIT="4 per minute", LOGIN_DEVICE_RATE_LIMIT="4 per minute")
    try:
        owner = WebClient(first.test_client())
        owner.raw.environ_base["REMOTE_ADDR"] = "10.0.0.9"
        assert owner.login(user.email, PASSWORD).status_code == HTTPStatus.FOUND
        trusted = device_cookie(owner)
        get_limiter(first).reset()  # that sign-in was long ago: its count has expired
        clients = [WebClient(first.test_client()), WebClient(second.test_client())]
        statuses = [clients[n % 2].login(user.email, "wrong password").status_code
                    for n in range(5)]
        assert statuses == [422, 422, 422, 422, HTTPStatus.TOO_MANY_REQUESTS]

        # The owner's browser signed in through the first process before the
        # guessing; its device cookie is honoured by the second as well.
        owner_first, owner_second = WebClient(first.test_client()), WebClient(second.test_client())
        owner_first.raw.set_cookie(DEVICE_COOKIE, trusted, path="/login")
        owner_second.raw.set_cookie(DEVICE_COOKIE, trusted, path="/login")
        # Its own allowance (4 per minute) is shared by both processes too.
        statuses = [(owner_first, owner_second)[n % 2].login(user.email, "wrong").status_code
                    for n in range(3)]
        assert statuses == [422, 422, 422]
        assert owner_second.login(user.email, PASSWORD).status_code == HTTPStatus.FOUND
        assert owner_first.login(user.email, PASSWORD).status_code == \
            HTTPStatus.TOO_MANY_REQUESTS
    finally:
        for app in (first, second):
            get_database(app).engine.dispose()


DEVICE_COOKIE = "archboard_device"


def browser(app, address: str = "127.0.0.1") -> WebClient:
    client = WebClient(app.test_client())
    client.raw.environ_base["REMOTE_ADDR"] = address
    return client


def device_cookie(client: WebClient) -> str | None:
    cookie = client.raw.get_cookie(DEVICE_COOKIE, path="/login")
    return cookie.value if cookie else None


def guess_until_refused(clients: list[WebClient], email: str, most: int = 11) -> list[int]:
    """Wrong passwords, round-robin over ``clients``, until a 429 or ``most`` tries."""
    statuses: list[int] = []
    while len(statuses) < most and HTTPStatus.TOO_MANY_REQUESTS not in statuses:
        client = clients[len(statuses) % len(clients)]
        statuses.append(client.login(email, "wrong password").status_code)
    return statuses


def signed_in_owner(app, user, address: str = "127.0.0.1") -> WebClient:
    owner = browser(app, address)
    assert owner.login(user.email, PASSWORD).status_code == HTTPStatus.FOUND
    assert device_cookie(owner)
    owner.logout()
    return owner


def test_guessing_blocks_the_guesser_but_not_the_owners_browser(app, db):
    user = make_user(db)
    owner = signed_in_owner(app, user)
    # The attacker shares the owner's address (one office, one NAT).
    attacker = browser(app)
    statuses = guess_until_refused([attacker], user.email)
    assert statuses[-1] == HTTPStatus.TOO_MANY_REQUESTS
    assert set(statuses[:-1]) == {HTTPStatus.UNPROCESSABLE_ENTITY}
    assert attacker.login(user.email, PASSWORD).status_code == HTTPStatus.TOO_MANY_REQUESTS

    assert owner.login(user.email, PASSWORD).status_code == HTTPStatus.FOUND
    assert owner.get("/account").status_code == HTTPStatus.OK
    # A browser that never signed in to the account is as untrusted as the attacker.
    assert browser(app, "10.7.0.1").login(user.email, PASSWORD).status_code == \
        HTTPStatus.TOO_MANY_REQUESTS


def test_guessing_from_many_addresses_still_leaves_the_owner_in(app, db):
    user = make_user(db)
    owner = signed_in_owner(app, user, "10.0.0.1")
    attackers = [browser(app, f"10.9.0.{n}") for n in range(1, 12)]
    statuses = guess_until_refused(attackers, user.email)
    assert statuses[-1] == HTTPStatus.TOO_MANY_REQUESTS
    assert owner.login(user.email, PASSWORD).status_code == HTTPStatus.FOUND


def _tampered(value: str) -> str:
    """The cookie with one character of its signature changed.

    Not the last character: in base64 its low bits are padding a decoder ignores,
    so changing it can leave the signature as it was (one time in sixteen).
    """
    kept = value[-2]
    return value[:-2] + ("A" if kept != "A" else "B") + value[-1]


@pytest.mark.parametrize("cookie", ["tampered", "forged", "garbage", "other account"])
def test_a_device_cookie_that_is_not_this_accounts_own_counts_as_untrusted(app, db, cookie):
    user = make_user(db)
    owner = signed_in_owner(app, user)
    other = make_user(db)
    if cookie == "tampered":
        value = _tampered(device_cookie(owner))
    elif cookie == "forged":
        # The right shape and account, signed with a key that is not the app's.
        value = URLSafeTimedSerializer("not the secret key", salt="archboard.device").dumps(
            {"account": user.id, "nonce": "guessed"})
    elif cookie == "garbage":
        value = "not-a-device-cookie"
    else:
        value = device_cookie(signed_in_owner(app, other, "10.3.0.1"))
    attacker = browser(app, "10.5.0.1")
    attacker.raw.set_cookie(DEVICE_COOKIE, value, path="/login")
    statuses = guess_until_refused([attacker], user.email)
    assert statuses[-1] == HTTPStatus.TOO_MANY_REQUESTS
    assert set(statuses[:-1]) == {HTTPStatus.UNPROCESSABLE_ENTITY}
    assert owner.login(user.email, PASSWORD).status_code == HTTPStatus.FOUND


def test_a_trusted_browser_has_a_limit_of_its_own(database_url, db):
    app = make_test_app(database_url, LOGIN_DEVICE_RATE_LIMIT="5 per minute")
    try:
        user = make_user(db)
        owner = signed_in_owner(app, user)
        statuses = guess_until_refused([owner], user.email, most=20)
        assert statuses == [HTTPStatus.UNPROCESSABLE_ENTITY] * 5 + \
            [HTTPStatus.TOO_MANY_REQUESTS]
        # Those attempts did not use up the account's or the address's allowance.
        assert browser(app).login(user.email, PASSWORD).status_code == HTTPStatus.FOUND
    finally:
        get_database(app).engine.dispose()


def set_cookie_header(response, name: str) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    return headers[0]


def test_the_device_cookie_is_http_only_lax_and_names_account_and_nonce(app, db):
    user = make_user(db)
    client = browser(app)
    assert DEVICE_COOKIE not in str(client.login(user.email, "wrong").headers)
    first = client.login(user.email, PASSWORD)
    header = set_cookie_header(first, DEVICE_COOKIE)
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/login" in header
    assert "Secure" not in header
    assert "Max-Age=" in header
    client.logout()
    value = device_cookie(client)
    signer = URLSafeTimedSerializer(app.secret_key, salt="archboard.device")
    payload = signer.loads(value)
    assert payload["account"] == user.id and len(payload["nonce"]) >= 22
    client.login(user.email, PASSWORD)
    assert signer.loads(device_cookie(client))["nonce"] != payload["nonce"]


def test_the_device_cookie_is_secure_when_the_apps_cookies_are(database_url, db):
    app = make_test_app(database_url, SESSION_COOKIE_SECURE=True)
    try:
        user = make_user(db)
        client = WebClient(app.test_client())
        client.raw.environ_base["wsgi.url_scheme"] = "https"
        header = set_cookie_header(client.login(user.email, PASSWORD), DEVICE_COOKIE)
        assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    finally:
        get_database(app).engine.dispose()
