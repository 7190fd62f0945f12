"""An author in Chromium: a prompt's history, two revisions compared line by line, and a
rubric's insight from the scorecards panels submitted."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.content.sync import sync_content
from app.models import Role
from tests.e2e.pages import sign_in
from tests.e2e.test_accessibility import serious_violations
from tests.factories.content import replace_in
from tests.factories.interviews import make_panel
from tests.factories.users import PASSWORD, make_user
from tests.integration.insight.test_rubric_insight import DATA, gated_library, interview

OLD = "Design a service that turns long URLs into short ones."
NEW = "Design a service that turns long URLs into short codes that last a year."


@pytest.fixture
def library(db, tmp_path):
    """Six scored interviews on the URL shortener, whose statement then changed once."""
    root = gated_library(db, tmp_path / "content")
    owner, (reviewer,) = make_panel(db, reviewers=1)
    for row in DATA:
        interview(db, owner, reviewer, *row)
    replace_in(root / "prompts/url-shortener.md", OLD, NEW + "\n\nSay what a code is made of.")
    sync_content(db, root)
    return root


def test_an_author_compares_revisions_and_reads_a_rubrics_insight(page: Page, server_url: str,
                                                                  db, library, axe_source):
    author = make_user(db, Role.AUTHOR, email="author@example.com")
    sign_in(page, server_url, author.email, PASSWORD)
    problems = {}

    page.goto(f"{server_url}/authoring/prompts/url-shortener/history")
    expect(page.get_by_role("heading", name="History of Design a URL shortener")).to_be_visible()
    table = page.get_by_role("table", name=re.compile("2 revisions of url-shortener"))
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Current")
    expect(rows.nth(1).locator("td").nth(-2)).to_have_text("6")  # six interview attempts

    page.get_by_label("From revision").select_option("2")
    page.get_by_label("To revision").select_option("1")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name="Revision 2 against revision 1")).to_be_visible()
    page.get_by_label("From revision").select_option("1")
    page.get_by_label("To revision").select_option("2")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name="Revision 1 against revision 2")).to_be_visible()
    expect(page).to_have_url(re.compile(r"from=1&to=2"))

    removed = page.locator("tr.diff-removed")
    added = page.locator("tr.diff-added")
    expect(removed).to_have_count(1)
    expect(removed.first).to_contain_text(OLD)
    expect(removed.first.locator(".visually-hidden")).to_have_text("removed")
    expect(added).to_have_count(3)
    expect(added.nth(0)).to_contain_text(NEW)
    expect(added.nth(2)).to_contain_text("Say what a code is made of.")
    expect(added.nth(0).locator(".visually-hidden")).to_have_text("added")
    expect(page.locator("tr.diff-skipped").first).to_contain_text("unchanged lines")
    found = serious_violations(page, axe_source)
    if found:
        problems["prompt history"] = found

    page.goto(f"{server_url}/authoring/rubrics/url-shortener/history")
    expect(page.get_by_text("There is only one revision")).to_be_visible()
    found = serious_violations(page, axe_source)
    if found:
        problems["rubric history"] = found

    page.get_by_role("link", name="Rubric insight").click()
    expect(page.get_by_role("heading", name="Rubric insight: URL shortener")).to_be_visible()
    expect(page.locator("#insight-summary")).to_contain_text(
        "6 interview answers scored, 12 scorecards")
    expect(page.get_by_text("Worth rewording:")).to_be_visible()
    storage = page.get_by_role("region", name="Storage")
    expect(storage.get_by_role("table", name=re.compile("Levels given for Storage")))\
        .to_contain_text("50%")
    expect(storage).to_contain_text("Gate senior 3: missed on 3 scorecards, deciding 1")
    found = serious_violations(page, axe_source)
    if found:
        problems["rubric insight"] = found

    page.get_by_role("link", name="Rubric insight", exact=True).first.click()
    expect(page.get_by_role("heading", name="Rubric insight", exact=True)).to_be_visible()
    expect(page.locator("tbody tr").first).to_contain_text("Worth rewording")
    found = serious_violations(page, axe_source)
    if found:
        problems["overview"] = found
    assert problems == {}
