"""Calibration in Chromium: an author attaches a sample with reference levels, an interviewer
scores it, sees how far they sit from the reference, then finds it in their history."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from app.models import Role
from tests.e2e.pages import sign_in, sign_out
from tests.e2e.test_accessibility import serious_violations
from tests.factories.practice import load_library
from tests.factories.users import PASSWORD, make_user

ANSWER = ("## Requirements\nAbout 1,200 redirects per second at peak.\n\n"
          "## Storage\nA relational table, because we know it.")


def level(page: Page, criterion: str, number: int):
    group = page.get_by_role("radiogroup", name=f"Level for {criterion}")
    return group.get_by_role("radio", name=re.compile(rf"^{number} ·"))


def test_author_sets_a_reference_and_an_interviewer_calibrates_against_it(
        page: Page, server_url: str, db, tmp_path, axe_source):
    load_library(db, tmp_path)
    author = make_user(db, Role.AUTHOR, email="author@example.com")
    interviewer = make_user(db, Role.INTERVIEWER, email="interviewer@example.com")

    # The author picks a prompt, pastes an answer and sets a level per criterion.
    sign_in(page, server_url, author.email, PASSWORD)
    page.get_by_role("link", name="Calibration").click()
    page.get_by_role("link", name="Manage the samples").click()
    expect(page.get_by_text("No samples yet.")).to_be_visible()
    assert serious_violations(page, axe_source) == []
    page.get_by_role("link", name="Add a sample").click()
    page.get_by_label("Published prompt").select_option(label="Design a URL shortener")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Title").fill("Scoped, weak storage")
    page.get_by_label("The sample answer").fill(ANSWER)
    # The keyboard moves through a radio group: focus the top level, then arrow down to 3.
    level(page, "Requirements", 4).focus()
    page.keyboard.press("ArrowDown")
    expect(level(page, "Requirements", 3)).to_be_checked()
    page.get_by_label("Why this level").first.fill("Numbers, but no redirect status.")
    page.get_by_role("button", name="Save the sample").click()
    # Storage was left without a level: the form says so and keeps what was typed.
    expect(page.get_by_role("alert")).to_contain_text("Choose a reference level for “Storage”.")
    expect(page.get_by_label("Title")).to_have_value("Scoped, weak storage")
    assert serious_violations(page, axe_source) == []
    level(page, "Storage", 2).check()
    page.get_by_label("Why this level").nth(1).fill("A store without a reason for it.")
    page.get_by_role("button", name="Save the sample").click()
    expect(page.get_by_text("Sample “Scoped, weak storage” saved")).to_be_visible()
    row = page.locator("tr", has_text="Scoped, weak storage")
    expect(row).to_contain_text("None yet")
    sign_out(page)

    # The interviewer scores it without seeing the reference.
    sign_in(page, server_url, interviewer.email, PASSWORD)
    page.get_by_role("link", name="Calibration").click()
    expect(page.locator("tr", has_text="Scoped, weak storage")).to_contain_text("Not scored yet")
    assert serious_violations(page, axe_source) == []
    page.get_by_role("link", name=re.compile("Score it")).click()
    expect(page.get_by_role("heading", name="Score: Scoped, weak storage")).to_be_visible()
    expect(page.get_by_text("A relational table, because we know it.")).to_be_visible()
    expect(page.get_by_text("Numbers, but no redirect status.")).to_have_count(0)
    assert serious_violations(page, axe_source) == []
    level(page, "Requirements", 4).check()
    level(page, "Storage", 2).check()
    page.get_by_label("Comment").first.fill("Names the peak rate.")
    page.get_by_role("button", name="Submit and compare").click()

    # The result: per criterion, the levels, the signed distance and the author's reason.
    expect(page.get_by_role("heading", name="How you compare: Scoped, weak storage")
           ).to_be_visible()
    requirements = page.locator("tr", has_text="Requirements")
    expect(requirements).to_contain_text("1 level above the reference")
    expect(requirements).to_contain_text("Numbers, but no redirect status.")
    storage = page.locator("tr", has_text="Storage")
    expect(storage).to_contain_text("on the reference")
    expect(storage).to_contain_text("A store without a reason for it.")
    expect(page.locator("#summary-exact")).to_have_text("1 of 2 criteria")
    expect(page.locator("#summary-mean")).to_have_text("0.50 levels")
    expect(page.locator("#summary-lean")).to_have_text("above the reference (more generous)")
    assert serious_violations(page, axe_source) == []

    # ... and the history keeps it.
    page.get_by_role("link", name="Your history").click()
    expect(page.locator("#history-table")).to_contain_text("Scoped, weak storage")
    expect(page.locator("tr", has_text="Requirements").first).to_contain_text("+1.00")
    assert serious_violations(page, axe_source) == []
