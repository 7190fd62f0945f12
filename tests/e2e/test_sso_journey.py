"""Single sign-on in Chromium: Archboard's button, the provider's own page, and back."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.models import UserIdentity
from tests.e2e.test_accessibility import serious_violations
from tests.factories.users import make_user

LABEL = "Sign in with Acme SSO"


@pytest.fixture
def sso(app, oidc_provider, monkeypatch, page: Page):
    for name, value in oidc_provider.settings(OIDC_BUTTON_LABEL=LABEL).items():
        monkeypatch.setitem(app.config, name, value)
    monkeypatch.setitem(app.config, "OIDC_ALLOWED_DOMAINS", ())
    monkeypatch.setitem(app.config, "OIDC_AUTO_CREATE", True)
    # The provider's page styles itself from a CDN: the test stays off the internet.
    page.route(re.compile(r"^https://cdn\.jsdelivr\.net/"), lambda route: route.abort())
    return oidc_provider


def test_sign_in_through_the_provider_page_lands_signed_in_with_the_method_listed(
        page: Page, server_url: str, sso, axe_source):
    sub = sso.new_user(email="lee.park@example.com", email_verified=True, name="Lee Park")
    page.goto(f"{server_url}/login?next=/account")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert serious_violations(page, axe_source) == [], scheme

    # Changing one's mind at the provider comes back to the login page, with words.
    page.get_by_role("link", name=LABEL).click()
    expect(page).to_have_url(re.compile(re.escape(sso.issuer) + r"/oauth2/authorize\?"))
    page.get_by_role("button", name="Deny").click()
    expect(page).to_have_url(f"{server_url}/login")
    expect(page.get_by_text("Sign-in was cancelled at your identity provider.")).to_be_visible()

    page.goto(f"{server_url}/login?next=/account")
    page.get_by_role("link", name=LABEL).click()
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(f"{server_url}/account")
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_text("Lee Park · lee.park@example.com")).to_be_visible()
    methods = page.get_by_role("region", name="Sign-in methods")
    expect(methods).to_contain_text("Single sign-on as lee.park@example.com")
    expect(methods).not_to_contain_text("Password")
    # The one way into this account is kept: no Remove button, and the reason instead.
    expect(methods).to_contain_text("Your only way in")
    expect(methods.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert serious_violations(page, axe_source) == []


def test_a_link_beside_a_password_is_removed_from_the_account_page(
        page: Page, server_url: str, sso, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_ALLOWED_DOMAINS", ("example.com",))
    person = make_user(db, email="dana@example.com", name="Dana Dev")
    sub = sso.new_user(email="dana@example.com", email_verified=True)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{server_url}/login?next=/account")
    page.get_by_role("link", name=LABEL).click()
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    methods = page.get_by_role("region", name="Sign-in methods")
    expect(methods).to_contain_text("Single sign-on as dana@example.com")

    methods.get_by_role("button", name="Remove single sign-on as dana@example.com").click()
    expect(page.get_by_text("Single sign-on as dana@example.com removed")).to_be_visible()
    expect(methods).not_to_contain_text("Single sign-on as")
    expect(methods).to_contain_text("Password")
    db.expire_all()
    assert db.scalars(select(UserIdentity).where(UserIdentity.user_id == person.id)).all() == []
