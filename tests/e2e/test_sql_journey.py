"""An SQL prompt in Chromium: the starter in an SQL editor, public runs, submit, the hidden
tests' suggested level and why; and in an interview, the panel scores it from the run."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from app.content.sync import sync_content
from app.models import Role
from tests.e2e.pages import sign_in
from tests.e2e.test_accessibility import serious_violations
from tests.factories.content import SQL_SLUG, add_sql_prompt, write_content
from tests.factories.users import PASSWORD, make_user

# Right rows and both indexes, but the range still on date(placed_on): the plan searches
# orders by status alone, so a week reads every paid order and one of the ten hidden tests
# (the work of a week next to one pass over the lines) fails.
HALF_DONE = """-- Plan: index orders by status and day, and the lines by order (covering).

-- step: indexes
CREATE INDEX orders_by_status_and_day ON orders (status, placed_on);
CREATE INDEX order_items_by_order ON order_items (order_id, quantity, unit_price_cents);

-- step: report
SELECT c.id AS customer_id, c.name, COUNT(DISTINCT o.id) AS orders,
       SUM(i.quantity * i.unit_price_cents) AS revenue_cents
FROM orders o
JOIN customers c ON c.id = o.customer_id
JOIN order_items i ON i.order_id = o.id
WHERE o.status = 'paid'
  AND date(o.placed_on) >= date(:start) AND date(o.placed_on) < date(:end)
GROUP BY c.id
ORDER BY revenue_cents DESC, c.id;
"""
FULL = HALF_DONE.replace(
    "  AND date(o.placed_on) >= date(:start) AND date(o.placed_on) < date(:end)",
    "  AND o.placed_on >= :start AND o.placed_on < :end")

def replace_sql(page: Page, text: str) -> None:
    page.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def load(db, tmp_path) -> None:
    root = write_content(tmp_path / "content")
    add_sql_prompt(root)
    sync_content(db, root)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_sql_workspace_has_no_serious_accessibility_violations(page: Page, server_url: str,
                                                                   db, tmp_path, axe_source,
                                                                   scheme):
    page.emulate_media(color_scheme=scheme)
    load(db, tmp_path)
    user = make_user(db)
    sign_in(page, server_url, user.email, PASSWORD)
    page.goto(f"{server_url}/practice/prompts/{SQL_SLUG}")
    page.get_by_role("button", name="Start").click()
    expect(page.locator(".cm-content")).to_contain_text("-- step: report")
    assert serious_violations(page, axe_source) == []


def test_practice_run_submit_and_the_suggested_level(page: Page, server_url: str, db, tmp_path,
                                                     worker):
    load(db, tmp_path)
    user = make_user(db)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, server_url, user.email, PASSWORD)
    page.goto(f"{server_url}/practice/prompts/{SQL_SLUG}")
    page.get_by_role("button", name="Start").click()

    code = page.locator(".cm-content")
    expect(code).to_contain_text("date(o.placed_on) >= date(:start)")  # the starter
    expect(page.locator("#answer")).to_be_hidden()
    expect(page.locator("#answer")).to_have_attribute("data-language", "sql")
    # Highlighted as SQL: a keyword of SQL's own (not Python's) gets a token class.
    keyword = page.locator(".cm-line span").filter(has_text=re.compile(r"^JOIN$")).first
    expect(keyword).to_have_attribute("class", re.compile(r"\S"))
    expect(page.locator("details.sql-schema")).to_contain_text("CREATE TABLE order_items")

    panel = page.locator("[data-run-panel]")
    replace_sql(page, HALF_DONE)
    page.get_by_role("button", name="Run the public tests").click()
    expect(panel).to_contain_text("3 of 3 passed", timeout=90_000)
    expect(panel.locator(".test-passed").first).to_contain_text("test_")

    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_role("heading", name=re.compile("your result"))).to_be_visible()
    hidden = page.locator("section", has=page.get_by_role("heading", name="Hidden tests",
                                                          exact=True))
    expect(hidden).to_contain_text("9 of 10 hidden tests passed", timeout=90_000)
    # The reason: the hidden test that failed.
    expect(hidden.locator(".test-failed")).to_have_count(1)
    expect(hidden.locator(".test-failed")).to_contain_text(
        "test_a_week_reads_a_small_fraction_of_one_pass_over_the_items")
    tests_criterion = page.get_by_role("group", name=re.compile("Hidden tests"))
    expect(tests_criterion).to_contain_text("Suggested: level 3")  # 1 + floor(0.9 * 3)


def test_interview_invite_answer_and_score(browser: Browser, server_url: str, db, tmp_path,
                                           worker):
    load(db, tmp_path)
    make_user(db, Role.INTERVIEWER, name="Olive Owner", email="olive@example.com")
    owner, candidate = (browser.new_context().new_page() for _ in range(2))
    for page in (owner, candidate):
        page.on("dialog", lambda dialog: dialog.accept())

    sign_in(owner, server_url, "olive@example.com", PASSWORD)
    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Interviews").click()
    owner.get_by_role("link", name="New interview").click()
    owner.get_by_label("Candidate's name", exact=True).fill("Casey Candidate")
    owner.get_by_label("Candidate's email", exact=True).fill("casey@example.com")
    owner.get_by_label(re.compile("Make the revenue report fast")).check()
    owner.get_by_role("button", name="Create interview").click()
    expect(owner.get_by_text("Interview created.")).to_be_visible()
    invite = owner.get_by_role("textbox", name="Invite link").input_value()

    candidate.goto(invite)
    candidate.get_by_role("link", name="Create an account").click()
    candidate.get_by_label("Your name").fill("Casey")
    candidate.get_by_label("Email").fill("casey@example.com")
    candidate.get_by_label("Password", exact=True).fill("a long enough passphrase")
    candidate.get_by_label("Repeat password").fill("a long enough passphrase")
    candidate.get_by_role("button", name="Create account").click()
    expect(candidate).to_have_title("Sign in · Archboard")
    candidate.get_by_label("Password", exact=True).fill("a long enough passphrase")
    candidate.get_by_role("button", name="Sign in").click()
    candidate.get_by_role("button", name="Accept the invitation").click()
    candidate.get_by_role("button", name="Start").click()
    expect(candidate.locator(".cm-content")).to_contain_text("-- step: report")
    replace_sql(candidate, FULL)
    expect(candidate.locator("[data-save-status]")).to_contain_text("All changes saved",
                                                                     timeout=15_000)
    candidate.get_by_role("button", name="Submit answer").click()
    expect(candidate.get_by_role("heading", name="Your answers are in")).to_be_visible()

    # The panel reads the hidden run on the scorecard and confirms the suggestion.
    owner.get_by_role("navigation", name="Interview").get_by_role("link", name="Your scorecard") \
        .click()
    run = owner.locator(".run-panel").filter(has_text="Hidden tests")
    for _ in range(30):  # the worker runs the hidden tests; the page says to reload
        if run.filter(has_text="10 of 10").count():
            break
        owner.wait_for_timeout(2_000)
        owner.reload()
    expect(run).to_contain_text("10 of 10")
    expect(run.locator(".test-passed")).to_have_count(10)
    tests = owner.locator("fieldset[data-criterion]").filter(has_text="Hidden tests").first
    expect(tests).to_contain_text("Suggested: level 4")
    tests.locator("input[type=radio][value='4']").check()
    tests.get_by_label("Comment").fill("Every hidden test passes.")
    for criterion, level in (("Reading the plan", 3), ("Index design", 4),
                             ("Operating the change", 2)):
        box = owner.locator("fieldset[data-criterion]").filter(has_text=criterion).first
        box.locator(f"input[type=radio][value='{level}']").check()
        box.get_by_label("Comment").fill(f"Level {level}: from the plan comments.")
    owner.get_by_label("Yes", exact=True).check()
    owner.get_by_role("textbox", name="Summary", exact=True).fill(
        "Found both causes; the rollout plan was thin.")
    owner.get_by_role("button", name="Submit scorecard").click()
    expect(owner.get_by_role("heading", name=re.compile("^Comparison"))).to_be_visible()
    expect(owner.get_by_text("Found both causes; the rollout plan was thin.")).to_be_visible()
