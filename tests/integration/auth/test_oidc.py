"""Single sign-on against a real OpenID Connect provider running on a loopback port.

Each sign-in goes the whole way: Archboard's redirect to the provider, the
provider's form answered as a person would (a POST naming who they are, or
Deny), the provider's redirect back with its code and state, and Archboard's
token exchange and ID-token checks.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from sqlalchemy import func, select

from app.admin.services import set_roles
from app.models import Role, User, UserIdentity, UserSession
from tests.factories.users import PASSWORD, make_admin, make_user
from tests.support.oidc import run_provider
from tests.support.tools import free_port

ALLOWED = ("example.com",)


@pytest.fixture
def sso(app, db, oidc_provider, monkeypatch):
    """Archboard pointed at the provider: any domain, first sign-ins create accounts."""
    for name, value in oidc_provider.settings().items():
        monkeypatch.setitem(app.config, name, value)
    monkeypatch.setitem(app.config, "OIDC_BUTTON_LABEL", "Sign in with Acme SSO")
    monkeypatch.setitem(app.config, "OIDC_ALLOWED_DOMAINS", ())
    monkeypatch.setitem(app.config, "OIDC_AUTO_CREATE", True)
    return oidc_provider


def go_to_provider(client, next_path: str | None = None) -> str:
    """Press the button: the authorize URL Archboard sends the browser to."""
    response = client.get("/login/oidc", query_string={"next": next_path} if next_path else {})
    assert response.status_code == HTTPStatus.FOUND, response.get_data(as_text=True)
    return response.headers["Location"]


def answer_provider(authorize_url: str, sub: str | None = None) -> str:
    """Fill the provider's form (``sub``, or Deny when None): the URL it sends back to."""
    form = {"sub": sub} if sub is not None else {"action": "deny"}
    response = requests.post(authorize_url, data=form, allow_redirects=False, timeout=10)
    assert response.status_code == HTTPStatus.FOUND, response.text
    return response.headers["Location"]


def come_back(client, callback_url: str):
    parts = urlsplit(callback_url)
    assert parts.path == "/login/oidc/callback"
    return client.get(parts.path, query_string=parts.query)


def sign_in(client, sub: str | None, next_path: str | None = None):
    return come_back(client, answer_provider(go_to_provider(client, next_path), sub))


def refused(client, response, message: str) -> None:
    """Back on the login page with ``message``, and signed out."""
    assert response.status_code == HTTPStatus.FOUND
    assert response.headers["Location"] == "/login"
    assert message in client.get("/login").get_data(as_text=True)
    assert client.get("/account").status_code == HTTPStatus.FOUND


def identity_of(db, provider, sub: str) -> UserIdentity | None:
    db.expire_all()
    return db.scalar(select(UserIdentity).where(UserIdentity.issuer == provider.issuer,
                                                UserIdentity.subject == sub))


def count_users(db) -> int:
    return db.scalar(select(func.count()).select_from(User))


def test_a_first_sign_in_creates_a_candidate_account_with_no_other_role(client, db, sso):
    sub = sso.new_user(email="Nia.Okafor@Example.com", email_verified=True, name="Nia Okafor")
    response = sign_in(client, sub)
    assert response.status_code == HTTPStatus.FOUND
    assert response.headers["Location"] == "/"
    user = identity_of(db, sso, sub).user
    assert (user.email, user.display_name) == ("nia.okafor@example.com", "Nia Okafor")
    assert user.roles == {Role.CANDIDATE}
    assert not user.has_password
    # Signed in like a password sign-in: a server-side session row and the device cookie.
    assert db.scalar(select(func.count()).select_from(UserSession)
                     .where(UserSession.user_id == user.id)) == 1
    assert client.raw.get_cookie("archboard_device", path="/login") is not None
    account = client.get("/account").get_data(as_text=True)
    assert "Single sign-on as nia.okafor@example.com" in account
    assert sso.issuer in account
    # No password to change, and none that signs in.
    assert "Change password" not in account
    client.logout()
    assert client.login("nia.okafor@example.com", "!sso").status_code == \
        HTTPStatus.UNPROCESSABLE_ENTITY


def test_a_second_sign_in_finds_the_same_person_by_subject_though_the_email_changed(
        client, db, sso):
    sub = sso.new_user(email="old.name@example.com", email_verified=True)
    sign_in(client, sub)
    first = identity_of(db, sso, sub)
    client.logout()
    sso.set_user(sub, email="new.name@example.com", email_verified=True)
    response = sign_in(client, sub)
    assert response.headers["Location"] == "/"
    again = identity_of(db, sso, sub)
    assert (again.id, again.user_id) == (first.id, first.user_id)
    assert again.email == "new.name@example.com"
    assert count_users(db) == 1
    assert "Single sign-on as new.name@example.com" in client.get("/account").get_data(
        as_text=True)


def test_a_verified_email_of_an_allowed_domain_joins_the_password_account(
        client, db, sso, monkeypatch, app):
    monkeypatch.setitem(app.config, "OIDC_ALLOWED_DOMAINS", ALLOWED)
    person = make_user(db, Role.INTERVIEWER, email="dana@example.com")
    sub = sso.new_user(email="Dana@example.com", email_verified=True)
    assert sign_in(client, sub).headers["Location"] == "/"
    assert identity_of(db, sso, sub).user_id == person.id
    assert count_users(db) == 1
    account = client.get("/account").get_data(as_text=True)
    assert "<li>Password</li>" in account
    assert "Single sign-on as dana@example.com" in account
    # Both ways in keep working.
    client.logout()
    assert client.login("dana@example.com", PASSWORD).status_code == HTTPStatus.FOUND


@pytest.mark.parametrize(("claims", "domains", "message"), [
    ({}, ALLOWED, "cannot vouch for it here"),  # no email_verified claim at all
    ({"email_verified": True}, (), "cannot vouch for it here"),  # no domain is listed
    ({"email_verified": False}, ALLOWED, "has not verified your email address"),
], ids=["verification-not-said", "domain-not-listed", "unverified"])
def test_an_email_alone_never_joins_a_password_account(client, db, sso, monkeypatch, app,
                                                        caplog, claims, domains, message):
    monkeypatch.setitem(app.config, "OIDC_ALLOWED_DOMAINS", domains)
    make_user(db, email="owner@example.com")
    sub = sso.new_user(email="owner@example.com", **claims)
    with caplog.at_level(logging.WARNING, logger="app.auth.views"):
        response = sign_in(client, sub)
    refused(client, response, message)
    assert identity_of(db, sso, sub) is None
    assert count_users(db) == 1
    assert db.scalar(select(UserSession)) is None
    assert any("single sign-on refused" in record.getMessage() for record in caplog.records)


def test_a_domain_not_allowed_is_refused_and_no_account_is_made(client, db, sso, monkeypatch,
                                                                  app, caplog):
    monkeypatch.setitem(app.config, "OIDC_ALLOWED_DOMAINS", ("acme.test",))
    sub = sso.new_user(email="visitor@elsewhere.test", email_verified=True)
    with caplog.at_level(logging.WARNING, logger="app.auth.views"):
        response = sign_in(client, sub)
    refused(client, response, "not open to your email address&#39;s domain")
    assert count_users(db) == 0
    assert any("'elsewhere.test' not allowed" in record.getMessage()
               for record in caplog.records)
    # The listed domain gets in.
    member = sso.new_user(email="staff@acme.test", email_verified=True)
    assert sign_in(client, member).headers["Location"] == "/"


def test_a_tampered_or_foreign_state_is_refused(client, db, sso, app):
    sub = sso.new_user(email="eve@example.com", email_verified=True)
    callback = answer_provider(go_to_provider(client), sub)
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    query["state"] = [query["state"][0] + "x"]
    tampered = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    refused(client, come_back(client, tampered), "was not started from this browser")
    # A browser that never started the sign-in cannot finish someone else's.
    other = app.test_client()
    callback = answer_provider(go_to_provider(client), sub)
    response = other.get(urlsplit(callback).path, query_string=urlsplit(callback).query)
    assert response.headers["Location"] == "/login"
    assert count_users(db) == 0
    assert db.scalar(select(UserSession)) is None


def test_cancelling_at_the_provider_returns_to_the_login_page(client, db, sso, caplog):
    with caplog.at_level(logging.WARNING, logger="app.auth.views"):
        response = sign_in(client, None)
    refused(client, response, "Sign-in was cancelled at your identity provider.")
    assert any("access_denied" in record.getMessage() for record in caplog.records)
    assert count_users(db) == 0


def test_roles_granted_in_archboard_survive_later_sign_ins(client, db, sso):
    admin = make_admin(db)
    sub = sso.new_user(email="ravi@example.com", email_verified=True,
                       roles=["admin"], groups=["archboard-admins"])
    sign_in(client, sub)
    user = identity_of(db, sso, sub).user
    # Whatever the provider claims, the sign-in granted nothing beyond the default.
    assert user.roles == {Role.CANDIDATE}
    set_roles(db, actor=admin, user_id=user.id, roles={Role.CANDIDATE, Role.INTERVIEWER})
    client.logout()
    sign_in(client, sub)
    client.logout()
    sign_in(client, sub)
    db.expire_all()
    assert db.get(User, user.id).roles == {Role.CANDIDATE, Role.INTERVIEWER}


def test_a_switched_off_account_is_refused(client, db, sso):
    sub = sso.new_user(email="gone@example.com", email_verified=True)
    sign_in(client, sub)
    client.logout()
    identity = identity_of(db, sso, sub)
    last_used = identity.last_used_at
    identity.user.is_active = False
    db.commit()
    refused(client, sign_in(client, sub), "This account is switched off.")
    assert identity_of(db, sso, sub).last_used_at == last_used


def test_with_auto_create_off_a_stranger_is_refused(client, db, sso, monkeypatch, app):
    monkeypatch.setitem(app.config, "OIDC_AUTO_CREATE", False)
    sub = sso.new_user(email="stranger@example.com", email_verified=True)
    refused(client, sign_in(client, sub), "There is no Archboard account for you yet.")
    assert count_users(db) == 0


def test_the_next_page_is_kept_and_an_outside_one_dropped(client, db, sso):
    sub = sso.new_user(email="kim@example.com", email_verified=True)
    assert sign_in(client, sub, "/account").headers["Location"] == "/account"
    client.logout()
    assert sign_in(client, sub, "https://evil.example/steal").headers["Location"] == "/"


def test_a_provider_that_cannot_be_reached_gives_a_clear_message(client, db, sso, monkeypatch,
                                                                  app, caplog):
    monkeypatch.setitem(app.config, "OIDC_ISSUER", f"http://127.0.0.1:{free_port()}")
    with caplog.at_level(logging.WARNING, logger="app.auth.views"):
        response = client.get("/login/oidc")
    refused(client, response, "Your identity provider could not be reached")
    assert any("discovery failed" in record.getMessage() for record in caplog.records)


def test_a_provider_that_stops_between_its_page_and_the_token_gives_a_clear_message(
        client, db, sso, monkeypatch, app, caplog):
    with run_provider() as short_lived:
        for name, value in short_lived.settings().items():
            monkeypatch.setitem(app.config, name, value)
        sub = short_lived.new_user(email="late@example.com", email_verified=True)
        callback = answer_provider(go_to_provider(client), sub)
    # The provider is gone now: the code it gave cannot be exchanged.
    with caplog.at_level(logging.WARNING, logger="app.auth.views"):
        response = come_back(client, callback)
    refused(client, response, "Your identity provider could not be reached")
    assert any("token exchange failed" in record.getMessage() for record in caplog.records)
    assert count_users(db) == 0


@pytest.mark.db_once
def test_the_login_page_shows_the_button_only_when_single_sign_on_is_set_up(
        client, db, app, oidc_provider, monkeypatch):
    assert "/login/oidc" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/oidc").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == HTTPStatus.NOT_FOUND
    for name, value in oidc_provider.settings(OIDC_BUTTON_LABEL="Sign in with Acme SSO").items():
        monkeypatch.setitem(app.config, name, value)
    page = client.get("/login?next=/account").get_data(as_text=True)
    assert 'href="/login/oidc?next=/account">Sign in with Acme SSO</a>' in page


def remove(client, identity: UserIdentity):
    return client.post(f"/account/sign-in-methods/{identity.id}/remove")


def test_a_person_removes_their_link_and_the_provider_no_longer_signs_them_in_here(
        client, db, sso, monkeypatch, app):
    monkeypatch.setitem(app.config, "OIDC_ALLOWED_DOMAINS", ALLOWED)
    monkeypatch.setitem(app.config, "OIDC_AUTO_CREATE", False)
    person = make_user(db, email="dana@example.com")
    sub = sso.new_user(email="dana@example.com", email_verified=True)
    sign_in(client, sub)
    identity = identity_of(db, sso, sub)
    assert 'Remove<span class="visually-hidden"> single sign-on as dana@example.com' in \
        client.get("/account").get_data(as_text=True)

    response = remove(client, identity)
    assert (response.status_code, response.headers["Location"]) == (HTTPStatus.FOUND,
                                                                    "/account")
    account = client.get("/account").get_data(as_text=True)
    assert "Single sign-on as dana@example.com removed" in account
    assert "<li>Password</li>" in account and "· " + sso.issuer not in account
    assert identity_of(db, sso, sub) is None
    assert db.get(User, person.id).has_password  # the password still signs in
    # The provider's sign-in joins the account again only by the rules of a first one.
    client.logout()
    monkeypatch.setitem(app.config, "OIDC_ALLOWED_DOMAINS", ())
    refused(client, sign_in(client, sub), "cannot vouch for it here")


def test_the_only_way_into_an_account_is_not_removed(client, db, sso):
    sub = sso.new_user(email="solo@example.com", email_verified=True)
    sign_in(client, sub)
    identity = identity_of(db, sso, sub)
    account = client.get("/account").get_data(as_text=True)
    assert "Your only way in" in account and "/remove" not in account

    response = remove(client, identity)
    assert response.headers["Location"] == "/account"
    assert "This is the only way into your account, so it stays." in client.get(
        "/account").get_data(as_text=True)
    assert identity_of(db, sso, sub) is not None


def test_with_two_links_and_no_password_one_goes_and_the_last_stays(client, db, sso):
    sub = sso.new_user(email="twice@example.com", email_verified=True)
    sign_in(client, sub)
    first = identity_of(db, sso, sub)
    second = UserIdentity(user_id=first.user_id, issuer="https://other.example", subject="x-1",
                          email="twice@example.com")
    db.add(second)
    db.commit()
    second_id = second.id
    assert remove(client, second).status_code == HTTPStatus.FOUND
    db.expire_all()
    assert db.get(UserIdentity, second_id) is None
    remove(client, first)
    assert identity_of(db, sso, sub) is not None


def test_another_persons_link_is_not_found_and_stays(client, db, sso):
    sub = sso.new_user(email="owner@example.com", email_verified=True)
    sign_in(client, sub)
    theirs = identity_of(db, sso, sub)
    client.logout()
    other = make_user(db, email="nosy@example.com")
    client.login(other.email, PASSWORD)
    assert remove(client, theirs).status_code == HTTPStatus.NOT_FOUND
    assert remove(client, UserIdentity(id=10**9)).status_code == HTTPStatus.NOT_FOUND
    assert identity_of(db, sso, sub) is not None
