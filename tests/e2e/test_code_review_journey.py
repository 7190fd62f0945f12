"""A code review in Chromium: comment on lines by keyboard, pick a verdict, autosave, reload,
submit, and the suggested level from the planted findings on the result page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from app.content.sync import sync_content
from tests.e2e.pages import sign_in
from tests.factories.content import REVIEW_SLUG, add_review_prompt, write_content
from tests.factories.users import PASSWORD, make_user

HOSTILE = '<img src=x onerror="document.body.dataset.owned=1">'


def comment_on(page: Page, line: int, text: str) -> None:
    """Reach the line's button by keyboard, open the comment box, write and add."""
    button = page.get_by_role("button", name=f"Comment on app/catalog/prices.py line {line}",
                              exact=True)
    expect(button).to_be_enabled()  # the page's scripts are ready for it
    button.focus()
    page.keyboard.press("Enter")
    box = page.get_by_role("textbox", name=f"Comment on app/catalog/prices.py line {line}",
                           exact=True)
    expect(box).to_be_focused()
    page.keyboard.insert_text(text)
    page.get_by_role("button", name="Add comment").click()
    expect(button).to_be_focused()  # back where the reader was


def test_comment_choose_a_verdict_reload_submit(page: Page, server_url: str, db, tmp_path):
    root = write_content(tmp_path / "content")
    add_review_prompt(root)
    sync_content(db, root)
    user = make_user(db)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, server_url, user.email, PASSWORD)
    page.goto(f"{server_url}/practice/prompts/{REVIEW_SLUG}")
    page.get_by_role("button", name="Start").click()

    expect(page.locator("#answer")).to_be_hidden()  # the review's controls stand in for it
    expect(page.locator(".diff-code").filter(has_text="_prices[key] = (value")).to_be_visible()
    # The code has the room: the line number and sign columns keep their narrow widths.
    number = page.locator(".diff-number").first.bounding_box()
    code = page.locator(".diff-code").first.bounding_box()
    assert number and code and code["width"] > 4 * number["width"]
    comment_on(page, 24, "The fetch is outside the lock: an old price is stored after "
                         "on_price_changed. " + HOSTILE)
    comment_on(page, 13, "Unbounded: expired entries never leave.")
    page.get_by_label("Request changes").check()
    status = page.locator("[data-save-status]")
    expect(status).to_contain_text("All changes saved", timeout=15_000)

    page.reload()
    comments = page.locator("[data-review-comments] li")
    expect(comments).to_have_count(2)
    expect(comments.first).to_contain_text("app/catalog/prices.py line 24: The fetch")
    expect(comments.first).to_contain_text(HOSTILE)  # shown as text
    expect(page.get_by_label("Request changes")).to_be_checked()
    assert page.evaluate("document.body.dataset.owned") is None

    comments.nth(1).get_by_role("button", name=re.compile("Remove the comment")).click()
    expect(comments).to_have_count(1)
    comment_on(page, 12, "Unbounded: expired entries never leave.")
    expect(status).to_contain_text("All changes saved", timeout=15_000)

    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_role("heading", name=re.compile("your result"))).to_be_visible()
    findings = page.get_by_role("group", name=re.compile("Planted findings found"))
    # The race (3) and the memory growth (2) of 6: level 1 + floor(5/6 * 3) = 3.
    expect(findings).to_contain_text("Suggested: level 3")
    expect(findings).to_contain_text('Missed "No test of expiry or of a price change"')


def test_line_buttons_wait_for_the_script_that_serves_them(page: Page, server_url: str, db,
                                                           tmp_path):
    """A press before review.js has attached its handlers would be lost, so the line buttons
    are rendered disabled and enabled only once the page's scripts have run: at the end of
    review.js they are still disabled, and then they work."""
    root = write_content(tmp_path / "content")
    add_review_prompt(root)
    sync_content(db, root)
    user = make_user(db)
    sign_in(page, server_url, user.email, PASSWORD)

    def review_js_that_reports(route):
        # The real script, with one line after it: the state its own last statement left.
        body = route.fetch().text() + (
            "\nwindow.lineDisabledAfterReviewJs ="
            " document.querySelector('[data-review-line]').disabled;")
        route.fulfill(body=body, content_type="text/javascript")

    page.route(re.compile(r"/static/js/review\.js"), review_js_that_reports)
    page.goto(f"{server_url}/practice/prompts/{REVIEW_SLUG}")
    page.get_by_role("button", name="Start").click()
    line = page.get_by_role("button", name="Comment on app/catalog/prices.py line 24",
                            exact=True)
    expect(line).to_be_enabled()
    assert page.evaluate("window.lineDisabledAfterReviewJs") is True
    line.click()
    expect(page.get_by_role("textbox", name="Comment on app/catalog/prices.py line 24",
                            exact=True)).to_be_focused()
