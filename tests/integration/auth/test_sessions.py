"""Sign-ins live on the server: logout and password changes end them for real."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

from sqlalchemy import select

from app.models import UserSession
from tests.factories.users import PASSWORD, make_user
from tests.support.web import WebClient


def session_cookie(client: WebClient) -> str:
    cookie = client.raw.get_cookie("session")
    return cookie.value if cookie else ""


def test_login_starts_a_new_session_and_a_new_csrf_token(client, db):
    user = make_user(db)
    token_before = client.csrf_token()
    cookie_before = session_cookie(client)
    client.login(user.email, PASSWORD)
    assert session_cookie(client) != cookie_before
    assert client.csrf_token() != token_before
    rows = db.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert len(rows) == 1 and rows[0].ended_at is None


def test_logout_ends_the_session_on_the_server_so_a_copied_cookie_is_dead(app, client, db):
    user = make_user(db)
    client.login(user.email, PASSWORD)
    stolen = session_cookie(client)
    client.logout()
    assert client.get("/account").status_code == HTTPStatus.FOUND

    thief = WebClient(app.test_client())
    thief.raw.set_cookie("session", stolen)
    response = thief.get("/account")
    assert response.status_code == HTTPStatus.FOUND
    assert "/login" in response.headers["Location"]
    row = db.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row.ended_at is not None


def test_password_change_ends_every_other_session_and_keeps_this_one(app, client, db):
    user = make_user(db)
    other_device = WebClient(app.test_client())
    other_device.login(user.email, PASSWORD)
    client.login(user.email, PASSWORD)

    response = client.post("/account/password", {"current_password": PASSWORD,
                                                 "password": "a brand new passphrase",
                                                 "confirm": "a brand new passphrase"})
    assert response.status_code == HTTPStatus.FOUND
    assert client.get("/account").status_code == HTTPStatus.OK
    assert other_device.get("/account").status_code == HTTPStatus.FOUND
    client.logout()
    assert client.login(user.email, PASSWORD).status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert client.login(user.email, "a brand new passphrase").status_code == HTTPStatus.FOUND


def test_password_change_with_wrong_current_password_changes_nothing(client, db):
    user = make_user(db)
    client.login(user.email, PASSWORD)
    response = client.post("/account/password", {"current_password": "not it at all",
                                                 "password": "a brand new passphrase",
                                                 "confirm": "a brand new passphrase"})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert b"not your current password" in response.data
    client.logout()
    assert client.login(user.email, PASSWORD).status_code == HTTPStatus.FOUND


def test_sign_out_everywhere_else(app, client, db):
    user = make_user(db)
    other_device = WebClient(app.test_client())
    other_device.login(user.email, PASSWORD)
    client.login(user.email, PASSWORD)
    page = client.get("/account").get_data(as_text=True)
    assert page.count("This device") == 1
    response = client.post("/account/sessions/end-others")
    assert response.status_code == HTTPStatus.FOUND
    assert other_device.get("/account").status_code == HTTPStatus.FOUND
    assert client.get("/account").status_code == HTTPStatus.OK


def test_an_expired_session_no_longer_signs_in(client, db):
    user = make_user(db)
    client.login(user.email, PASSWORD)
    row = db.scalar(select(UserSession).where(UserSession.user_id == user.id))
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.commit()
    assert client.get("/account").status_code == HTTPStatus.FOUND


def test_remember_me_survives_losing_the_session_cookie_until_logout(client, db):
    user = make_user(db)
    client.login(user.email, PASSWORD, remember="y")
    assert client.raw.get_cookie("remember_token") is not None
    client.raw.delete_cookie("session")
    assert client.get("/account").status_code == HTTPStatus.OK
    client.logout()
    client.raw.delete_cookie("session")
    assert client.get("/account").status_code == HTTPStatus.FOUND
