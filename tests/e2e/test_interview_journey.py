"""An interview in Chromium, three people at once: owner, second reviewer, candidate."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Browser, Page, expect

from app.attempts.lifecycle import latest_revision
from app.db import utcnow
from app.models import Attempt, AttemptStatus, InterviewMode, Role
from tests.e2e.pages import sign_in
from tests.factories.interviews import join_and_start, make_interview, make_panel
from tests.factories.practice import load_library
from tests.factories.users import PASSWORD, make_user

FIRST_DRAFT = """## Requirements
Around 12k redirects per second at peak; reads far above writes.
"""
MORE = """
## Storage
A key-value store keyed by a base62 code, with an index on the owner.
"""


def select_text(page: Page, container: str, text: str) -> None:
    """Select ``text`` inside ``container`` as a person dragging the mouse would."""
    page.evaluate("""([container, text]) => {
        const root = document.querySelector(container);
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.nodeValue.indexOf(text);
            if (at >= 0) {
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + text.length);
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                return;
            }
        }
        throw new Error("text not found: " + text);
    }""", [container, text])


def score(page: Page, criterion: str, level: int, comment: str) -> None:
    box = page.locator("fieldset[data-criterion]").filter(has_text=criterion).first
    box.locator(f"input[type=radio][value='{level}']").check()
    box.get_by_label("Comment").fill(comment)


def test_an_interview_from_invitation_to_released_feedback(browser: Browser, server_url: str,
                                                           db, tmp_path):
    load_library(db, tmp_path)
    make_user(db, Role.INTERVIEWER, name="Olive Owner", email="olive@example.com")
    make_user(db, Role.INTERVIEWER, name="Rafa Reviewer", email="rafa@example.com")
    owner, reviewer, candidate = (browser.new_context().new_page() for _ in range(3))
    for page in (owner, reviewer, candidate):
        page.on("dialog", lambda dialog: dialog.accept())

    # The owner creates the interview with a second reviewer.
    sign_in(owner, server_url, "olive@example.com", PASSWORD)
    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Interviews").click()
    owner.get_by_role("link", name="New interview").click()
    owner.get_by_label("Candidate's name", exact=True).fill("Casey Candidate")
    owner.get_by_label("Candidate's email", exact=True).fill("casey@example.com")
    owner.get_by_label(re.compile("Design a URL shortener")).check()
    owner.get_by_label(re.compile("Rafa Reviewer")).check()
    owner.get_by_role("button", name="Create interview").click()
    expect(owner.get_by_text("Interview created.")).to_be_visible()
    invite = owner.get_by_role("textbox", name="Invite link").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/join/[A-Za-z0-9_-]{43,}", invite)

    # The candidate follows the link, creates an account and starts.
    candidate.goto(invite)
    expect(candidate.get_by_role("heading", name="You are invited to an interview")).to_be_visible()
    candidate.get_by_role("link", name="Create an account").click()
    candidate.get_by_label("Your name").fill("Casey")
    candidate.get_by_label("Email").fill("casey@example.com")
    candidate.get_by_label("Password", exact=True).fill("a long enough passphrase")
    candidate.get_by_label("Repeat password").fill("a long enough passphrase")
    candidate.get_by_role("button", name="Create account").click()
    # Sign-up hands over to the login page, which returns to the invitation.
    expect(candidate).to_have_title("Sign in · Archboard")
    candidate.get_by_label("Password", exact=True).fill("a long enough passphrase")
    candidate.get_by_role("button", name="Sign in").click()
    candidate.get_by_role("button", name="Accept the invitation").click()
    candidate.get_by_role("button", name="Start").click()
    editor = candidate.get_by_label("Your answer, in markdown")
    expect(candidate.get_by_role("heading", name="Hints")).to_have_count(0)  # hints are off
    candidate.get_by_role("button", name="Clear").click()
    editor.fill(FIRST_DRAFT)
    expect(candidate.locator("[data-save-status]")).to_contain_text("All changes saved",
                                                                     timeout=10_000)

    # The owner watches the answer grow without reloading the page.
    owner.get_by_role("link", name="Live view").click()
    live = owner.locator("[data-live-answer]")
    expect(live).to_contain_text("12k redirects per second")
    owner.evaluate("window.stillTheSamePage = true")
    editor.press("End")
    editor.press_sequentially(MORE, delay=5)
    expect(live).to_contain_text("A key-value store keyed by a base62 code", timeout=10_000)
    assert owner.evaluate("window.stillTheSamePage") is True
    owner.get_by_label("New note").fill("Jumped straight to storage; ask about expiry.")
    owner.get_by_role("button", name="Add note").click()
    expect(owner.locator("#note-list")).to_contain_text("ask about expiry")
    expect(owner.locator("details.follow-ups")).to_contain_text("Follow-up questions")

    expect(candidate.locator("[data-save-status]")).to_contain_text("All changes saved",
                                                                     timeout=10_000)
    candidate.get_by_role("button", name="Submit answer").click()
    expect(candidate.get_by_role("heading", name="Your answers are in")).to_be_visible()

    # The second reviewer starts a draft first: it autosaves and stays theirs.
    sign_in(reviewer, server_url, "rafa@example.com", PASSWORD)
    reviewer.goto(f"{server_url}/interviews")
    to_score = reviewer.locator("section").filter(
        has=reviewer.get_by_role("heading", name=re.compile("^To score")))
    to_score.get_by_role("link", name="Score").click()
    expect(reviewer.get_by_role("heading", name=re.compile("Your scorecard"))).to_be_visible()
    score(reviewer, "Requirements", 2, "Named a number but did not derive it.")
    expect(reviewer.locator("[data-scorecard-status]")).to_contain_text("Draft saved",
                                                                        timeout=10_000)

    # The owner scores blind, quoting the answer as evidence.
    owner.get_by_role("link", name="Your scorecard").click()
    expect(owner.get_by_text("Named a number but did not derive it.")).to_have_count(0)
    score(owner, "Requirements", 4, "Numbers first, and the right ones.")
    score(owner, "Storage", 4, "Clear choice of store and key.")
    select_text(owner, "[data-answer]", "A key-value store keyed by a base62 code")
    storage = owner.locator("fieldset[data-criterion]").filter(has_text="Storage").first
    storage.get_by_role("button", name="Quote the selected text").click()
    expect(storage.locator("blockquote")).to_have_text("A key-value store keyed by a base62 code")
    storage.get_by_role("button", name="Show in answer").click()
    assert owner.evaluate("CSS.highlights.get('evidence').values().next().value.toString()") \
        == "A key-value store keyed by a base62 code"
    owner.get_by_label("Yes", exact=True).check()
    owner.get_by_label("Summary").fill("Scoped the load before designing.")
    expect(owner.locator("[data-scorecard-status]")).to_contain_text("Draft saved",
                                                                     timeout=10_000)
    owner.get_by_role("button", name="Submit scorecard").click()
    # Submitted, the owner sees the comparison, but not the reviewer's unsubmitted draft.
    expect(owner.get_by_text("Waiting for 1 of 2 scorecards")).to_be_visible()
    expect(owner.get_by_text("Numbers first, and the right ones.")).to_be_visible()
    expect(owner.get_by_text("Named a number but did not derive it.")).to_have_count(0)

    # The second reviewer still sees none of the owner's scores before submitting.
    reviewer.reload()
    expect(reviewer.get_by_text("Numbers first, and the right ones.")).to_have_count(0)
    reviewer.get_by_role("link", name="Comparison").click()
    expect(reviewer.get_by_text("Submit your own scorecard first")).to_be_visible()
    reviewer.go_back()
    expect(reviewer.locator("fieldset[data-criterion]").filter(has_text="Requirements")
           .first.get_by_label("Comment")).to_have_value("Named a number but did not derive it.")
    score(reviewer, "Storage", 3, "Reasonable store; no reason given.")
    reviewer.get_by_label("No decision", exact=True).check()
    reviewer.get_by_label("Summary").fill("Fine, not yet convincing.")
    reviewer.get_by_role("button", name="Submit scorecard").click()

    # Side by side: the two-level gap on Requirements is highlighted.
    expect(reviewer.get_by_role("heading", name=re.compile("^Comparison"))).to_be_visible()
    flagged = reviewer.locator("tr.disagree")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("Requirements")
    expect(flagged).to_contain_text("disagreement")
    expect(reviewer.get_by_text("Numbers first, and the right ones.")).to_be_visible()
    expect(reviewer.locator("[data-agreement]")).to_be_visible()
    # The owner's quote leads to its place in the answer.
    reviewer.get_by_role("button", name="Show in answer").click()
    expect(reviewer.locator("details.comparison-answer")).to_have_attribute("open", "")
    assert reviewer.evaluate("CSS.highlights.get('evidence').values().next().value.toString()") \
        == "A key-value store keyed by a base62 code"

    # The owner records the decision and releases chosen feedback.
    owner.get_by_role("link", name="Comparison").click()
    expect(owner.locator("tr.disagree")).to_have_count(1)
    owner.get_by_label("Advance", exact=True).check()
    owner.get_by_label("Why (for the panel)").fill("Strong scoping outweighs the gaps.")
    owner.get_by_role("button", name="Record the decision").click()
    expect(owner.get_by_text("Decision recorded: Advance.")).to_be_visible()
    owner.locator("fieldset.release-criterion").filter(has_text="Storage").get_by_label(
        "Comment for the candidate").fill("Your storage choice was clear and well argued.")
    owner.get_by_label(re.compile("Tell the candidate the decision")).check()
    owner.get_by_role("button", name="Release feedback").click()
    expect(owner.get_by_text("Feedback released.")).to_be_visible()

    # The candidate reads it.
    candidate.goto(f"{server_url}/")
    mine = candidate.get_by_role("region", name="Your interviews")
    expect(mine).to_contain_text("Feedback ready")
    mine.get_by_role("link").first.click()
    feedback = candidate.get_by_role("region", name="Feedback from the panel")
    expect(feedback).to_contain_text("Your storage choice was clear and well argued.")
    expect(feedback).to_contain_text("Outcome: Advance")
    expect(feedback).to_contain_text("Level 3")  # the panel's median on Requirements, 2 and 4
    expect(feedback).not_to_contain_text("Numbers first")  # reviewers' notes stay internal


def test_a_take_home_is_submitted_at_the_deadline_with_what_was_typed(
        page: Page, server_url: str, db, tmp_path):
    """The candidate types right up to the deadline; the server submits all of it."""
    load_library(db, tmp_path)
    owner, reviewers = make_panel(db)
    created = utcnow() - timedelta(hours=1)
    interview, _ = make_interview(db, owner, reviewers, mode=InterviewMode.TAKE_HOME,
                                  deadline_at=utcnow() + timedelta(seconds=12),
                                  grace_seconds=3, now=created)
    candidate = join_and_start(db, interview)
    attempt_id = interview.items[0].attempt_id
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, server_url, candidate.email, PASSWORD)
    page.goto(f"{server_url}/practice/attempts/{attempt_id}")
    editor = page.get_by_label("Your answer, in markdown")
    page.get_by_role("button", name="Clear").click()
    expect(page.locator("[data-deadline-clock]")).not_to_have_text("--:--")
    # Keep typing until the clock stops the editor: the last words never wait for autosave.
    typed = ""
    while editor.get_attribute("readonly") is None:
        word = f"word{len(typed.split())} "
        editor.press_sequentially(word)
        typed += word
    final = editor.input_value()  # what the editor held when the clock stopped it
    expect(page.get_by_text("Time is up.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your answers are in")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("The server submitted your saved answers at the deadline.")
           ).to_be_visible()
    db.expire_all()
    attempt = db.get(Attempt, attempt_id)
    assert attempt.status is AttemptStatus.SUBMITTED
    saved = latest_revision(db, attempt).body
    assert saved == final
    assert saved.strip() == typed.strip()[:len(saved.strip())]
    assert len(saved.split()) >= len(typed.split()) - 1  # at most the word cut by the clock
