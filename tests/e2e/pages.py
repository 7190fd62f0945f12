"""Helpers that act in the browser as a person would."""

from __future__ import annotations

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
