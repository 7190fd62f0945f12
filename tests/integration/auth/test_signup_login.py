"""Sign-up and login through the real pages."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from app.models import Role, User
from tests.factories.users import PASSWORD, make_user


def signup(client, **overrides):
    data = {"display_name": "Dana Doe", "email": "Dana@Example.com",
            "password": "a long passphrase", "confirm": "a long passphrase"}
    data.update(overrides)
    return client.post("/signup", data)


def test_signup_creates_a_candidate_signs_in_and_hashes_the_password(client, db):
    response = signup(client)
    assert response.status_code == HTTPStatus.FOUND
    user = db.scalar(select(User).where(User.email == "dana@example.com"))
    assert user.roles == {Role.CANDIDATE}
    assert user.password_hash.startswith("scrypt:")
    assert check_password_hash(user.password_hash, "a long passphrase")
    home = client.get("/")
    assert b"Welcome back, Dana Doe" in home.data


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


def test_signup_with_a_taken_email_says_so(client, db):
    make_user(db, email="dana@example.com")
    response = signup(client)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert b"already exists" in response.data


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
