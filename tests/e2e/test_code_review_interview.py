"""A code review in an interview, in Chromium: the owner invites a candidate to the
code-review prompt, the candidate comments and submits, and the owner scores it from a
scorecard that shows the review formatted and the level the planted findings suggest."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from app.content.sync import sync_content
from app.models import Role
from tests.e2e.pages import accept_and_start, invite, sign_in
from tests.factories.content import add_review_prompt, write_content
from tests.factories.users import PASSWORD, make_user

HOSTILE = '<img src=x onerror="document.body.dataset.owned=1">'
CRITERIA = ("Planted findings found", "Explaining the race", "Judging impact and the verdict",
            "Comment quality")


def comment_on(page: Page, line: int, text: str) -> None:
    page.get_by_role("button", name=f"Comment on app/catalog/prices.py line {line}",
                     exact=True).click()
    page.get_by_role("textbox", name=f"Comment on app/catalog/prices.py line {line}",
                     exact=True).fill(text)
    page.get_by_role("button", name="Add comment").click()


def criterion(page: Page, name: str):
    return page.locator("fieldset[data-criterion]").filter(has_text=name).first


def test_a_reviewer_scores_a_code_review_from_the_formatted_review(
        browser: Browser, server_url: str, db, tmp_path):
    root = write_content(tmp_path / "content")
    add_review_prompt(root)
    sync_content(db, root)
    make_user(db, Role.INTERVIEWER, name="Olive Owner", email="olive@example.com")
    make_user(db, name="Casey Candidate", email="casey@example.com")
    owner, candidate = (browser.new_context().new_page() for _ in range(2))
    for page in (owner, candidate):
        page.on("dialog", lambda dialog: dialog.accept())

    # The owner invites the candidate to the code-review prompt.
    sign_in(owner, server_url, "olive@example.com", PASSWORD)
    link = invite(owner, server_url, "Review an in-process cache in front of the price service",
                  name="Casey Candidate", email="casey@example.com")

    # The candidate accepts, comments on two lines, requests changes and submits.
    accept_and_start(candidate, server_url, link, "casey@example.com", PASSWORD)
    comment_on(candidate, 24, "The fetch runs outside the lock, so an old price is stored "
                              "after on_price_changed. " + HOSTILE)
    comment_on(candidate, 13, "Unbounded: expired entries never leave the dict.")
    candidate.get_by_label("Request changes").check()
    expect(candidate.locator("[data-save-status]")).to_contain_text("All changes saved",
                                                                     timeout=15_000)
    candidate.get_by_role("button", name="Submit answer").click()
    expect(candidate.get_by_role("heading", name="Your answers are in")).to_be_visible()

    # The owner reads the review formatted on the live view, then on the scorecard with the
    # suggestion and its reasons.
    nav = owner.get_by_role("navigation", name="Interview")
    nav.get_by_role("link", name="Live view").click()
    live = owner.locator("[data-live-answer] .review-answer")
    expect(live.locator(".review-answer-verdict")).to_have_text("Verdict: Request changes")
    expect(live.locator(".review-answer-where")).to_have_text(["app/catalog/prices.py:24",
                                                               "app/catalog/prices.py:13"])
    nav.get_by_role("link", name="Your scorecard").click()
    expect(owner.get_by_role("heading", name=re.compile("Your scorecard"))).to_be_visible()
    review = owner.locator("[data-answer] .review-answer")
    expect(review.locator(".review-answer-verdict")).to_have_text("Verdict: Request changes")
    comments = review.locator(".review-answer-comment")
    expect(comments).to_have_count(2)
    expect(comments.first.locator(".review-answer-where")).to_have_text(
        "app/catalog/prices.py:24")
    expect(comments.first.locator(".review-answer-code")).to_contain_text(
        "value = price_service.fetch(sku, currency)")
    expect(comments.first.locator(".review-answer-body")).to_contain_text(HOSTILE)  # as text
    expect(comments.nth(1).locator(".review-answer-where")).to_have_text(
        "app/catalog/prices.py:13")
    assert owner.evaluate("document.body.dataset.owned") is None
    found = criterion(owner, "Planted findings found")
    # The race (3) and the memory growth (2) of 6: level 1 + floor(5/6 * 3) = 3.
    expect(found).to_contain_text("Suggested: level 3")
    expect(found.get_by_role("list", name="What the suggestion rests on")).to_contain_text(
        'Missed "No test of expiry or of a price change"')

    # Every criterion scored (the suggestion taken as it is), then the scorecard submitted.
    found.get_by_role("button", name="Use it").click()
    expect(found.locator("input[type=radio][value='3']")).to_be_checked()
    found.get_by_label("Comment", exact=True).fill(
        "Race and memory named on their lines; no tests.")
    for name, level in zip(CRITERIA[1:], (3, 3, 2), strict=True):
        box = criterion(owner, name)
        box.locator(f"input[type=radio][value='{level}']").check()
        box.get_by_label("Comment", exact=True).fill(f"Level {level}: read from the comments.")
    owner.get_by_label("Yes", exact=True).check()
    owner.get_by_label("Summary").fill("Found the race and sized its cost.")
    owner.get_by_role("button", name="Submit scorecard").click()
    expect(owner.get_by_role("heading", name=re.compile("^Comparison"))).to_be_visible()
    expect(owner.get_by_text("Race and memory named on their lines; no tests.")).to_be_visible()
    compared = owner.locator("details.comparison-answer")
    compared.locator("summary").click()
    expect(compared.locator(".review-answer-verdict")).to_have_text("Verdict: Request changes")
    expect(compared.locator(".review-answer-where").first).to_have_text(
        "app/catalog/prices.py:24")
