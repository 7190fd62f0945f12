"""A coding prompt in Chromium: the starter in a code editor, public runs, submit, hidden share."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.pages import sign_in
from tests.factories.practice import load_library
from tests.factories.users import PASSWORD, make_user


def replace_code(page: Page, code: str) -> None:
    editor = page.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)


def test_run_fix_run_submit(page: Page, server_url: str, db, tmp_path, worker):
    load_library(db, tmp_path)
    user = make_user(db)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, server_url, user.email, PASSWORD)
    page.goto(f"{server_url}/practice/prompts/sum-two")
    page.get_by_role("button", name="Start").click()

    code = page.locator(".cm-content")
    expect(code).to_contain_text("raise NotImplementedError")  # the starter
    expect(page.locator("#answer")).to_be_hidden()  # the editor stands in for the textarea
    expect(page.locator(".cm-editor .tok-keyword, .cm-editor span[class*='ͼ']").first) \
        .to_be_visible()  # highlighted as Python

    panel = page.locator("[data-run-panel]")
    page.get_by_role("button", name="Run the public tests").click()
    expect(panel).to_contain_text("0 of 1 passed", timeout=60_000)
    expect(panel).to_contain_text("test_small")  # shows the panel's text if the run died
    expect(panel.locator(".test-failed")).to_contain_text("test_small")
    expect(panel.locator(".run-failure")).to_contain_text("NotImplementedError")

    replace_code(page, "def add(a, b):\n    return a + b\n")
    page.get_by_role("button", name="Run the public tests").click()
    expect(panel).to_contain_text("1 of 1 passed", timeout=60_000)
    expect(panel.locator(".test-passed")).to_contain_text("test_small")

    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_role("heading", name=re.compile("your result"))).to_be_visible()
    hidden = page.locator("section", has=page.get_by_role("heading", name="Hidden tests",
                                                          exact=True))
    expect(hidden).to_contain_text("1 of 1 hidden tests passed", timeout=60_000)
    tests_criterion = page.get_by_role("group", name=re.compile("Correctness under tests"))
    expect(tests_criterion).to_contain_text("Suggested: level 4")
