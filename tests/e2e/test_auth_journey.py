"""Sign up, sign out, sign back in and out, in a real browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.pages import sign_in, sign_out

SIGNED_UP = "If that email was new, your account is ready: sign in with the password you chose."


def test_sign_up_then_log_out_then_log_in_and_out(page: Page, server_url: str):
    page.goto(server_url)
    page.get_by_role("link", name="Sign up").first.click()
    expect(page).to_have_title("Sign up · Archboard")

    # A mistake first: the form says what is wrong and keeps what was typed.
    page.get_by_label("Your name").fill("Robin Reviewer")
    page.get_by_label("Email").fill("robin@example.com")
    page.get_by_label("Password", exact=True).fill("too short")
    page.get_by_label("Repeat password").fill("too short")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("Use 10 to 128 characters.")
    expect(page.get_by_label("Email")).to_have_value("robin@example.com")
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Repeat password").fill("a long enough passphrase")
    page.get_by_role("button", name="Create account").click()
    # Signing up never signs in (nor says whether the email was new): sign in next.
    expect(page).to_have_title("Sign in · Archboard")
    expect(page.get_by_text(SIGNED_UP)).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("robin@example.com")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome back, Robin Reviewer")).to_be_visible()

    sign_out(page)
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()

    # A private page sends you to sign in, then back where you were going.
    page.goto(f"{server_url}/account")
    expect(page).to_have_url(f"{server_url}/login?next=/account")
    page.get_by_label("Email").fill("robin@example.com")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_text("This device")).to_be_visible()

    sign_out(page)
    page.goto(f"{server_url}/account")
    expect(page).to_have_url(f"{server_url}/login?next=/account")


def test_wrong_password_is_explained_and_focus_moves_to_the_summary(page: Page, server_url: str,
                                                                    db):
    from tests.factories.users import make_user

    user = make_user(db)
    page.goto(f"{server_url}/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.keyboard.press("Enter")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("do not match an account")
    expect(summary).to_be_focused()


def test_admin_grants_a_role_from_the_browser(page: Page, server_url: str, db):
    from app.models import Role
    from tests.factories.users import PASSWORD, make_admin, make_user

    admin = make_admin(db)
    person = make_user(db, Role.CANDIDATE, email="pat@example.com")
    sign_in(page, server_url, admin.email, PASSWORD)
    page.get_by_role("link", name="Admin").click()
    roles = page.get_by_role("group", name=f"Roles of {person.email}")
    roles.get_by_label("Interviewer").check()
    page.get_by_role("button", name=f"Save roles of {person.email}").click()
    expect(page.get_by_text(f"Roles of {person.email} saved.")).to_be_visible()
    expect(page.get_by_role("group", name=f"Roles of {person.email}")
           .get_by_label("Interviewer")).to_be_checked()
