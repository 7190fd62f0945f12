"""Sign-up and login through the real pages."""

from __future__ import annotations

import re
import time
from http import HTTPStatus

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from app.auth import services
from app.models import Role, User, UserSession
from tests.factories.users import PASSWORD, make_user
from tests.support.web import WebClient

SIGNUP_MESSAGE = ("If that email was new, your account is ready: "
                  "sign in with the password you chose.")


def signup(client, **overrides):
    data = {"display_name": "Dana Doe", "email": "Dana@Example.com",
            "password": "a long passphrase", "confirm": "a long passphrase"}
    data.update(overrides)
    return client.post("/signup", data)


def test_signup_creates_a_candidate_hashes_the_password_and_sends_you_to_sign_in(client, db):
    response = signup(client)
    assert response.status_code == HTTPStatus.FOUND
    assert response.headers["Location"] == "/login"
    user = db.scalar(select(User).where(User.email == "dana@example.com"))
    assert user.roles == {Role.CANDIDATE}
    assert user.password_hash.startswith("scrypt:")
    assert check_password_hash(user.password_hash, "a long passphrase")
    # Signing up never signs you in: the login page comes next, email filled in.
    assert db.scalar(select(UserSession)) is None
    login_page = client.get("/login").get_data(as_text=True)
    assert SIGNUP_MESSAGE in login_page
    assert 'value="Dana@Example.com"' in login_page
    assert client.get("/account").status_code == HTTPStatus.FOUND
    assert client.login("dana@example.com", "a long passphrase").status_code == HTTPStatus.FOUND
    assert b"Welcome back, Dana Doe" in client.get("/").data


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"display_name": ""}, "display_name", "Enter your name."),
        ({"email": "not-an-email"}, "email", "Enter an email address like name@example.com."),
        ({"password": "short", "confirm": "short"}, "password", "Use 10 to 128 characters."),
        ({"confirm": "something else"}, "confirm", "The two passwords differ."),
    ],
)
def test_signup_shows_each_problem_beside_its_field_and_keeps_input(client, db, overrides, field,
                                                                     message):
    response = signup(client, **overrides)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    body = response.get_data(as_text=True)
    assert f'id="{field}-error"' in body
    assert message in body
    if field != "email":
        assert 'value="Dana@Example.com"' in body
    assert db.scalar(select(User)) is None


def session_keys(app, client: WebClient) -> set[str]:
    """The names of what the signed session cookie holds (not their values)."""
    cookie = client.raw.get_cookie("session")
    return set(app.session_interface.get_signing_serializer(app).loads(cookie.value))


def cookie_shapes(response) -> list[str]:
    """Each Set-Cookie header with its value blanked: names and attributes only."""
    return sorted(re.sub(r"=[^;]*", "=", header, count=1)
                  for header in response.headers.getlist("Set-Cookie"))


def test_signup_answers_the_same_whether_or_not_the_email_has_an_account(app, db):
    existing = make_user(db, email="dana@example.com", name="Dana Original")
    password_hash = existing.password_hash
    answers = {}
    for case, email in (("new", "Newcomer@Example.com"), ("taken", "Dana@Example.com")):
        client = WebClient(app.test_client())
        response = signup(client, email=email, next="/join/abc")
        login_page = client.get(response.headers["Location"])
        answers[case] = {
            "status": response.status_code,
            "location": response.headers["Location"],
            "cookies": cookie_shapes(response),
            "session keys": session_keys(app, client),
            "page status": login_page.status_code,
            # The page differs only by the email typed in and its CSRF token.
            "page": re.sub(r'content="[^"]+"|value="[^"]*"', "",
                           login_page.get_data(as_text=True)),
            "prefilled": f'value="{email}"' in login_page.get_data(as_text=True),
            "signed in": client.get("/account").status_code == HTTPStatus.OK,
        }
    assert answers["new"] == answers["taken"]
    assert answers["new"]["location"] == "/login?next=/join/abc"
    assert answers["new"]["prefilled"] and not answers["new"]["signed in"]
    assert SIGNUP_MESSAGE in answers["new"]["page"]

    # The existing account is exactly as it was, and only its own password opens it.
    db.expire_all()
    account = db.scalar(select(User).where(User.email == "dana@example.com"))
    assert (account.display_name, account.password_hash) == ("Dana Original", password_hash)
    assert db.scalar(select(UserSession).where(UserSession.user_id == account.id)) is None
    client = WebClient(app.test_client())
    assert client.login("dana@example.com", "a long passphrase").status_code == 422
    assert client.login("dana@example.com", PASSWORD).status_code == HTTPStatus.FOUND


def fastest_seconds(first, second, times: int = 5) -> tuple[float, float]:
    """The quickest of several runs of each action, taken in turns.

    Other load on the machine only ever adds time, and taking the two in turns
    lets a busy moment slow both rather than only the one measured then.
    """
    durations: tuple[list[float], list[float]] = ([], [])
    for _ in range(times):
        for action, taken in zip((first, second), durations, strict=True):
            started = time.perf_counter()
            action()
            taken.append(time.perf_counter() - started)
    return min(durations[0]), min(durations[1])


@pytest.fixture
def real_password_cost(monkeypatch):
    """Werkzeug's default scrypt cost, as in production, so hashing dominates the time."""
    monkeypatch.setattr(services, "PASSWORD_METHOD", "scrypt")


def test_signup_with_a_taken_email_takes_as_long_as_with_a_new_one(app, db,
                                                                     real_password_cost):
    make_user(db, email="taken@example.com")
    emails = (f"new{n}@example.com" for n in range(10))

    def sign_up_from_a_new_browser(email: str) -> None:
        assert signup(WebClient(app.test_client()), email=email).status_code == 302

    new, taken = fastest_seconds(lambda: sign_up_from_a_new_browser(next(emails)),
                                 lambda: sign_up_from_a_new_browser("taken@example.com"))
    # Without the hash a taken email answers about ten times faster.
    assert taken > new / 3, (taken, new)


def test_login_with_an_unknown_email_takes_as_long_as_with_a_wrong_password(client, db,
                                                                            real_password_cost):
    user = make_user(db)  # hashed at the real cost
    known, unknown = fastest_seconds(lambda: client.login(user.email, "wrong password"),
                                     lambda: client.login("nobody@example.com", "wrong password"),
                                     times=4)
    # Without the decoy hash an unknown email answers about ten times faster.
    assert known / 3 < unknown < known * 3, (unknown, known)


def test_login_with_wrong_password_is_refused_without_saying_which_part(client, db):
    user = make_user(db)
    response = client.login(user.email, "wrong password")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert b"do not match an account" in response.data
    unknown = client.login("nobody@example.com", "wrong password")
    assert b"do not match an account" in unknown.data


def test_login_is_case_insensitive_on_email(client, db):
    user = make_user(db, email="mixed@example.com")
    assert client.login("MIXED@example.com", PASSWORD).status_code == HTTPStatus.FOUND
    assert client.get("/account").status_code == HTTPStatus.OK
    assert user.email == "mixed@example.com"


def test_login_returns_to_a_safe_next_page_only(client, db):
    user = make_user(db)
    response = client.login(user.email, PASSWORD, next="/account")
    assert response.headers["Location"] == "/account"
    client.logout()
    response = client.login(user.email, PASSWORD, next="https://evil.example/")
    assert response.headers["Location"] == "/"


def test_inactive_accounts_cannot_sign_in(client, db):
    user = make_user(db)
    user.is_active = False
    db.commit()
    assert client.login(user.email, PASSWORD).status_code == HTTPStatus.UNPROCESSABLE_ENTITY
