"""An incident in Chromium: in practice, ask for evidence (a chart drawn from its numbers),
cite it, write, submit and read the suggested level and its reasons; in an interview, the
candidate asks for evidence and submits, and the reviewer reads what was asked for, in
order, and the suggestion on the scorecard, scores and submits. Axe checks the workspace."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from app.content.sync import sync_content
from app.models import Role
from tests.e2e.pages import accept_and_start, invite, sign_in
from tests.e2e.test_accessibility import serious_violations
from tests.factories.content import INCIDENT_SLUG, add_incident_prompt, write_content
from tests.factories.users import PASSWORD, make_user

ANSWER = """

## Hypotheses

Only orders of 5+ seats are slow, and the trace shows one ticket query per seat in the
section: an N+1 from the ORM upgrade. The bot-risk flag makes no difference
[ruled out: latency-by-flag].
"""


def library(db, tmp_path) -> None:
    root = write_content(tmp_path / "content")
    add_incident_prompt(root)
    sync_content(db, root)


def show(page: Page, title: str) -> None:
    """Ask for an item by its Show button and wait for its body."""
    page.get_by_role("button", name=f"Show {title}", exact=True).click()
    expect(page.get_by_role("button", name=f"Cite {title} in your answer")).to_be_visible()


def test_practice_ask_for_evidence_cite_it_and_read_the_suggestion(
        page: Page, server_url: str, db, tmp_path, axe_source):
    library(db, tmp_path)
    user = make_user(db)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, server_url, user.email, PASSWORD)
    page.goto(f"{server_url}/practice/prompts/{INCIDENT_SLUG}")
    page.get_by_role("button", name="Start").click()

    evidence = page.locator("#evidence-list")
    expect(evidence.locator("li")).to_have_count(8)
    expect(evidence).not_to_contain_text("1,176 more spans")  # nothing shown before asked
    show(page, "Checkout p99 by order size")
    chart = page.get_by_role("img", name=re.compile("Chart: Checkout p99 by order size"))
    expect(chart).to_be_visible()
    expect(chart.locator("polyline")).to_have_count(2)
    show(page, "Database queries per checkout")
    expect(evidence).to_contain_text("range from about 180 to 1,230")

    editor = page.get_by_label("Your answer, in markdown: timeline, hypotheses and actions")
    expect(editor).to_have_value(re.compile("^## Timeline"))
    editor.press("Control+End")
    page.get_by_role("button", name="Cite Database queries per checkout in your answer").click()
    expect(editor).to_have_value(re.compile(r"\[evidence: queries-per-checkout\]$"))
    editor.press("End")
    editor.press_sequentially(" [evidence: latency-by-order-size]", delay=2)
    editor.press_sequentially(ANSWER, delay=1)
    expect(page.locator("[data-save-status]")).to_contain_text("All changes saved",
                                                               timeout=15_000)
    assert serious_violations(page, axe_source) == []
    # Reduced motion: the page drops its colour transitions, so axe measures the dark
    # theme's colours, not a button halfway through its 120 ms fade.
    page.emulate_media(color_scheme="dark", reduced_motion="reduce")
    assert serious_violations(page, axe_source) == []
    page.get_by_role("img", name=re.compile("Chart: Database queries")).screenshot(
        path=str(tmp_path / "incident-chart-dark.png"))
    page.emulate_media(color_scheme="light")
    page.screenshot(path=str(tmp_path / "incident-workspace.png"), full_page=True)
    evidence.screenshot(path=str(tmp_path / "incident-evidence.png"))

    page.reload()  # what was asked for stays shown, and the answer is saved
    expect(evidence).to_contain_text("range from about 180 to 1,230")
    expect(editor).to_have_value(re.compile(r"\[evidence: queries-per-checkout\]"))

    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_role("heading", name=re.compile("your result"))).to_be_visible()
    criterion = page.get_by_role("group", name=re.compile("Key evidence asked for and cited"))
    # Queries per checkout (3) and order size (2) of 11: level 1 + floor(5/11 * 3) = 2.
    expect(criterion).to_contain_text("Suggested: level 2")
    expect(criterion).to_contain_text(
        "Asked for and cited: Database queries per checkout (key, weight 3).")
    expect(criterion).to_contain_text(
        "Never asked for: The slowest kept checkout trace (key, weight 3).")
    asked = page.locator("#asked-evidence li")
    expect(asked).to_have_count(2)
    expect(asked.first).to_contain_text("Checkout p99 by order size")
    criterion.screenshot(path=str(tmp_path / "incident-result.png"))


def test_interview_the_reviewer_reads_the_evidence_asked_for_and_scores(
        browser: Browser, server_url: str, db, tmp_path):
    library(db, tmp_path)
    make_user(db, Role.INTERVIEWER, name="Olive Owner", email="olive@example.com")
    make_user(db, name="Casey Candidate", email="casey@example.com")
    owner, candidate = (browser.new_context().new_page() for _ in range(2))
    for page in (owner, candidate):
        page.on("dialog", lambda dialog: dialog.accept())

    sign_in(owner, server_url, "olive@example.com", PASSWORD)
    link = invite(owner, server_url, "Checkout p99 latency tripled", name="Casey Candidate",
                  email="casey@example.com")

    accept_and_start(candidate, server_url, link, "casey@example.com", PASSWORD)
    show(candidate, "Deploy history for checkout-api")
    show(candidate, "The slowest kept checkout trace")
    editor = candidate.get_by_label(re.compile("Your answer, in markdown"))
    editor.press("Control+End")
    candidate.get_by_role("button", name="Cite The slowest kept checkout trace in your "
                                        "answer").click()
    editor.press_sequentially(" shows one query per seat; rolled back "
                              "[evidence: deploy-history].", delay=1)
    expect(candidate.locator("[data-save-status]")).to_contain_text("All changes saved",
                                                                    timeout=15_000)
    candidate.get_by_role("button", name="Submit answer").click()
    expect(candidate.get_by_role("heading", name="Your answers are in")).to_be_visible()

    owner.get_by_role("navigation", name="Interview").get_by_role(
        "link", name="Your scorecard").click()
    asked = owner.locator(".incident-asked li")
    expect(asked).to_have_count(2)
    expect(asked.nth(0)).to_contain_text("Deploy history for checkout-api")
    expect(asked.nth(1)).to_contain_text("The slowest kept checkout trace")
    evidence = owner.locator("fieldset[data-criterion]").filter(
        has_text="Key evidence asked for and cited").first
    # The trace (3) and the deploys (1) of 11: level 1 + floor(4/11 * 3) = 2.
    expect(evidence).to_contain_text("Suggested: level 2")
    expect(evidence).to_contain_text("Never asked for: Database queries per checkout")
    evidence.get_by_role("button", name="Use it").click()
    expect(evidence.locator("input[type=radio][value='2']")).to_be_checked()
    evidence.get_by_label("Comment").fill("Went to the trace early; never split by size.")
    for box in owner.locator("fieldset[data-criterion]").all()[1:]:
        box.locator("input[type=radio][value='3']").check()
        box.get_by_label("Comment").fill("Solid.")
    owner.get_by_label("Yes", exact=True).check()
    owner.get_by_label("Summary").fill("Mitigated fast; diagnosis from the trace.")
    owner.locator(".scorecard-item").first.screenshot(
        path=str(tmp_path / "incident-scorecard.png"))
    owner.get_by_role("button", name="Submit scorecard").click()
    expect(owner.get_by_role("heading", name=re.compile("^Comparison"))).to_be_visible()
    expect(owner.locator(".incident-asked li").first).to_contain_text(
        "Deploy history for checkout-api")
