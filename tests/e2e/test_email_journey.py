"""Emails in a real browser: the worker sends through a real SMTP server started here, and
the links taken from the received messages work (and a reset link only once)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages import sign_in, sign_out
from tests.e2e.test_accessibility import serious_violations
from tests.factories.practice import load_library
from tests.factories.users import PASSWORD, make_user
from tests.support.worker import Worker

NEW_PASSWORD = "a passphrase from the email"


@pytest.fixture
def mail_worker(app, server_url, db, smtp_server, monkeypatch) -> Iterator[Worker]:
    """A real `flask worker` sending through the test's SMTP server, with links to the
    live server."""
    monkeypatch.setitem(app.config, "BASE_URL", server_url)
    worker = Worker(app, SMTP_URL=smtp_server.url)
    worker.start()
    yield worker
    worker.kill()


def link_in(body: str, path: str) -> str:
    match = re.search(rf"http://127\.0\.0\.1:\d+{path}\S+", body)
    assert match, f"no {path} link in:\n{body}"
    return match.group(0)


def test_a_reset_link_from_the_email_sets_a_new_password_once(
        page: Page, server_url: str, db, smtp_server, mail_worker, axe_source):
    make_user(db, name="Robin Reader", email="robin@example.com")
    page.goto(f"{server_url}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_title("Reset your password · Archboard")
    assert serious_violations(page, axe_source) == []
    page.get_by_label("Email").fill("robin@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status").filter(has_text="If an account exists")).to_be_visible()
    assert serious_violations(page, axe_source) == []

    [received] = smtp_server.wait_for(1, timeout=60)
    assert received.recipients == ["robin@example.com"]
    assert received.subject == "Reset your Archboard password"
    link = link_in(received.body, "/reset/")
    assert link.startswith(server_url)

    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert serious_violations(page, axe_source) == []
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the password and sign in").click()
    expect(page.get_by_text("Your password is changed and you are signed in.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    sign_out(page)
    sign_in(page, server_url, "robin@example.com", NEW_PASSWORD)
    sign_out(page)

    page.goto(link)
    expect(page.get_by_role("heading",
                            name="This link has been used or has expired")).to_be_visible()
    assert serious_violations(page, axe_source) == []
    page.get_by_role("link", name="Ask for a new link").click()
    expect(page).to_have_url(f"{server_url}/forgot")


def test_the_invitation_email_brings_the_candidate_to_the_interview(
        browser: Browser, server_url: str, db, tmp_path, smtp_server, mail_worker):
    from app.models import Role

    load_library(db, tmp_path)
    make_user(db, Role.INTERVIEWER, name="Olive Owner", email="olive@example.com")
    make_user(db, name="Casey Candidate", email="casey@example.com")
    owner, candidate = (browser.new_context().new_page() for _ in range(2))

    sign_in(owner, server_url, "olive@example.com", PASSWORD)
    owner.goto(f"{server_url}/interviews/new")
    owner.get_by_label("Candidate's name", exact=True).fill("Casey Candidate")
    owner.get_by_label("Candidate's email", exact=True).fill("casey@example.com")
    owner.get_by_label(re.compile("Design a URL shortener")).check()
    owner.get_by_role("button", name="Create interview").click()
    expect(owner.get_by_text("Interview created.")).to_be_visible()
    shown = owner.get_by_role("textbox", name="Invite link").input_value()

    [received] = smtp_server.wait_for(1, timeout=60)
    assert received.recipients == ["casey@example.com"]
    assert received.subject.startswith("Interview invitation: ")
    assert "Olive Owner has invited you" in received.body
    link = link_in(received.body, "/join/")
    assert link == shown  # the one link the owner also sees

    candidate.goto(link)
    expect(candidate.get_by_role("heading",
                                 name="You are invited to an interview")).to_be_visible()
    candidate.locator("#main").get_by_role("link", name="Sign in").click()
    candidate.get_by_label("Email").fill("casey@example.com")
    candidate.get_by_label("Password", exact=True).fill(PASSWORD)
    candidate.get_by_role("button", name="Sign in").click()
    candidate.get_by_role("button", name="Accept the invitation").click()
    expect(candidate.get_by_role("button", name="Start")).to_be_visible()
