"""Helpers that act in the browser as a person would."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def sign_in(page: Page, server_url: str, email: str, password: str) -> None:
    page.goto(f"{server_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def invite(owner: Page, server_url: str, prompt_title: str, *, name: str, email: str) -> str:
    """As a signed-in interviewer, create an interview of the one prompt whose title matches
    ``prompt_title`` (a regular expression) for the candidate; return the invite link."""
    owner.goto(f"{server_url}/interviews/new")
    owner.get_by_label("Candidate's name", exact=True).fill(name)
    owner.get_by_label("Candidate's email", exact=True).fill(email)
    owner.get_by_label(re.compile(prompt_title)).check()
    owner.get_by_role("button", name="Create interview").click()
    expect(owner.get_by_text("Interview created.")).to_be_visible()
    return owner.get_by_role("textbox", name="Invite link").input_value()


def accept_and_start(candidate: Page, server_url: str, invite_link: str, email: str,
                     password: str) -> None:
    """Sign in as the invited candidate, accept the invitation and start the interview."""
    sign_in(candidate, server_url, email, password)
    candidate.goto(invite_link)
    candidate.get_by_role("button", name="Accept the invitation").click()
    candidate.get_by_role("button", name="Start").click()
