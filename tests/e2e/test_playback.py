"""Playback in Chromium: a candidate plays back their own answer; a reviewer plays back an
interview's answer from the scorecard."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from app.attempts import lifecycle
from app.models import Role
from tests.e2e.pages import sign_in
from tests.factories.interviews import join_and_start, make_interview
from tests.factories.practice import load_library
from tests.factories.users import PASSWORD, make_user

DRAFTS = ["Version one: a key-value store.",
          "Version two: a key-value store with <b>base62</b> codes.",
          "Version three: a cache at the edge in front of the store."]


def shown_text(page: Page, number: int) -> str:
    """The answer as the player shows version ``number``: its text without what was removed."""
    expect(page.locator("[data-playback]")).to_have_attribute("data-loaded", str(number))
    return page.locator("[data-frame-text]").evaluate(
        "node => { const copy = node.cloneNode(true);"
        " copy.querySelectorAll('del, .visually-hidden').forEach(n => n.remove());"
        " return copy.textContent; }")


def test_a_candidate_scrubs_and_plays_back_their_answer(page: Page, server_url: str, db,
                                                        tmp_path):
    load_library(db, tmp_path)
    user = make_user(db, email="player@example.com")
    sign_in(page, server_url, user.email, PASSWORD)
    page.goto(f"{server_url}/practice/prompts/url-shortener")
    page.get_by_role("button", name="Start").click()

    editor = page.get_by_label("Your answer, in markdown")
    status = page.get_by_role("status").filter(has_text=re.compile("saved|Saving|Unsaved"))
    for number, text in enumerate(DRAFTS, start=1):
        editor.fill(text)
        expect(status).to_contain_text("All changes saved", timeout=10_000)
        if number == 2:
            page.get_by_role("button", name="Show a hint (3 left)").click()
            expect(page.get_by_text("How long must a code be?")).to_be_visible()

    page.get_by_role("link", name=re.compile(r"^History")).click()
    expect(page.get_by_role("table")).to_contain_text("#3")
    page.get_by_role("link", name="Play back every version").click()
    expect(page.get_by_role("heading", name="Playback: Design a URL shortener")).to_be_visible()
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("Hint 1 revealed")

    text = page.locator("[data-frame-text]")
    assert shown_text(page, 3) == DRAFTS[2]

    # The slider by keyboard: Home to the first version, an arrow to the next, End to the last.
    slider = page.get_by_role("slider", name=re.compile("Version"))
    expect(slider).to_be_enabled()  # once playback.js listens to it
    slider.focus()
    slider.press("Home")
    assert shown_text(page, 1) == DRAFTS[0]
    expect(slider).to_have_attribute("aria-valuetext", re.compile(r"^Version 1 of 3, saved "))
    slider.press("ArrowRight")
    assert shown_text(page, 2) == DRAFTS[1]
    # Markup in an answer is shown as the text it is, with the change marked.
    expect(text).to_contain_text("<b>base62</b>")
    expect(text.locator("b")).to_have_count(0)
    expect(text.locator("ins")).to_contain_text("two: a key-value store with <b>base62</b> codes.")

    slider.press("End")
    assert shown_text(page, 3) == DRAFTS[2]

    # Back to the first version, then Space plays it, at the fastest speed, to the newest.
    page.get_by_label("16x").check()
    slider.focus()
    slider.press("Home")
    assert shown_text(page, 1) == DRAFTS[0]
    slider.press("Space")
    assert shown_text(page, 3) == DRAFTS[2]
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()  # at the end


def test_a_reviewer_plays_back_the_answer_from_the_scorecard(page: Page, server_url: str, db,
                                                             tmp_path):
    load_library(db, tmp_path)
    owner = make_user(db, Role.INTERVIEWER, email="owner@example.com")
    interview, _ = make_interview(db, owner)
    join_and_start(db, interview)
    attempt = interview.items[0].attempt
    lifecycle.save_draft(db, attempt, body="First thoughts on storage.", based_on=0)
    lifecycle.save_draft(db, attempt, body="First thoughts on storage, then caching.",
                         based_on=1)
    lifecycle.submit_attempt(db, attempt)

    sign_in(page, server_url, owner.email, PASSWORD)
    page.goto(f"{server_url}/interviews/{interview.id}/scorecard")
    page.get_by_role("link", name=re.compile("Play back the revisions")).click()
    expect(page.get_by_role("heading", name="Playback: Design a URL shortener")).to_be_visible()
    assert shown_text(page, 2) == "First thoughts on storage, then caching."
    page.get_by_role("button", name="Previous change").click()
    assert shown_text(page, 1) == "First thoughts on storage."
    expect(page.get_by_role("region", name="Timeline")).to_contain_text("Submitted")
