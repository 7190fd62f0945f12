"""A code-review prompt practised through the pages: the workspace shows the change and never
the planted findings, a review is saved as JSON and refused (422, nothing saved) when it is
not one, and the result page suggests a level from the findings hit, with its reasons."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest
from sqlalchemy import select

from app.content.sync import sync_content
from app.models import AnswerRevision, Attempt
from tests.factories.content import REVIEW_SLUG, add_review_prompt, write_content
from tests.factories.interviews import (
    answer_and_submit,
    join_and_start,
    make_interview,
    make_panel,
    score_all,
)
from tests.factories.users import PASSWORD
from tests.integration.practice.test_attempts import save, start

SLUG = REVIEW_SLUG
PRICES = "app/catalog/prices.py"


@pytest.fixture
def review_prompt(db, tmp_path):
    """The library's cache-race review, in the test library, synced; its folder."""
    root = write_content(tmp_path / "content")
    folder = add_review_prompt(root)
    sync_content(db, root)
    return folder


def review(verdict: str, *comments: tuple[str, int, str]) -> str:
    return json.dumps({"verdict": verdict, "comments": [
        {"file": file, "line": line, "body": body} for file, line, body in comments]})


def test_the_workspace_shows_the_change_by_new_line_and_never_the_findings(
        client, db, review_prompt, candidate):
    attempt_id = start(client, SLUG)
    page = client.get(f"/practice/attempts/{attempt_id}").get_data(as_text=True)
    assert 'data-editor="review"' in page and "js/review.js" in page
    assert 'aria-label="Comment on app/catalog/prices.py line 26"' in page
    assert 'aria-label="Comment on tests/catalog/test_prices.py line 15"' in page
    # The diff's text is escaped like any text: the type hints' brackets stay text.
    assert "<code>_prices: dict[tuple[str, str], tuple[Decimal, float]] = {}</code>" in page
    assert 'value="request-changes"' in page
    assert ">\n</textarea>" in page  # the review starts empty
    for hidden in ("Check-then-set race", "a version or generation per SKU",
                   "Looks fine (line"):  # findings.md and a sample review
        assert hidden not in page


def test_a_review_is_saved_submitted_and_suggested_a_level_with_its_reasons(
        client, db, review_prompt, candidate):
    attempt_id = start(client, SLUG)
    body = review("comment",
                  (PRICES, 24, "<b>Race</b>: the fetch is outside the lock."),
                  (PRICES, 33, "Scans the whole dict under the lock."))
    assert save(client, attempt_id, body, 0).status_code == HTTPStatus.OK
    response = client.post(f"/practice/attempts/{attempt_id}/submit",
                           {"body": body, "based_on": "1", "client_id": "tab-a"})
    assert response.status_code == HTTPStatus.FOUND
    page = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    # The race alone is 3 of 6 severity points: level 1 + floor(1/2 * 3) = 2.
    assert "Suggested: level 2</span> from the planted findings" in page
    assert ("Found &#34;Check-then-set race lets an old price outlive a price change&#34; "
            "(blocker, app/catalog/prices.py lines 20-26): comment 1") in page
    assert "Missed &#34;The cache grows without bound&#34; (major" in page
    assert "No planted finding at comment 2 (app/catalog/prices.py line 33)." in page
    assert "The verdict is comment, but the change has a blocker" in page
    assert "<b>Race</b>" not in page  # the comment is text on the page, never markup


def test_the_model_review_is_suggested_the_top_level(client, db, review_prompt, candidate):
    attempt_id = start(client, SLUG)
    body = (review_prompt / "model-review.json").read_text()
    client.post(f"/practice/attempts/{attempt_id}/submit",
                {"body": body, "based_on": "0", "client_id": "tab-a"})
    page = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Suggested: level 4</span> from the planted findings" in page
    assert "Missed" not in page and "The verdict is" not in page


@pytest.mark.parametrize(("body", "words"), [
    ("# my review\n\nLooks good.", "the review is not valid JSON"),
    (review("ship-it"), "the verdict must be one of approve, request-changes, comment"),
    (review("comment", (PRICES, 99, "Here?")),
     "comment 1: line 99 of app/catalog/prices.py is not shown in the change"),
    (review("comment", ("app/other.py", 1, "Here?")), '"app/other.py" is not a file'),
], ids=["not-json", "unknown-verdict", "line-not-shown", "file-not-in-change"])
def test_a_malformed_review_is_refused_with_422_and_nothing_is_saved(
        client, db, review_prompt, candidate, body, words):
    attempt_id = start(client, SLUG)
    response = save(client, attempt_id, body, 0)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert words in response.get_json()["detail"]
    assert response.get_json()["detail"].startswith("Not saved: ")
    assert db.scalars(select(AnswerRevision).where(
        AnswerRevision.attempt_id == attempt_id)).all() == []


def test_an_empty_review_saves_and_suggests_no_level(client, db, review_prompt, candidate):
    attempt_id = start(client, SLUG)
    assert save(client, attempt_id, review("approve"), 0).status_code == HTTPStatus.OK
    assert save(client, attempt_id, "", 1).status_code == HTTPStatus.OK  # Clear
    client.post(f"/practice/attempts/{attempt_id}/submit",
                {"body": "", "based_on": "2", "client_id": "tab-a"})
    page = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Planted findings found" in page and "Suggested: level" not in page


def test_the_scorecard_suggests_the_level_with_its_reasons_for_the_reviewer(
        client, db, review_prompt):
    owner, (reviewer,) = make_panel(db, reviewers=1)
    interview, _ = make_interview(db, owner, [reviewer], prompts=(SLUG,))
    join_and_start(db, interview)
    answer_and_submit(db, interview, (review_prompt / "mutants" / "race-only.json").read_text())
    client.login(reviewer.email, PASSWORD)
    page = client.get(f"/interviews/{interview.id}/scorecard").get_data(as_text=True)
    assert "Suggested: level 2</span>\n            from the planted findings" in page
    assert "Found &#34;Check-then-set race lets an old price outlive a price change&#34;" in page
    assert "Missed &#34;No test of expiry or of a price change&#34; (minor" in page
    assert page.count("(suggested)") == 1  # on the findings criterion only


def test_submitting_a_malformed_review_is_refused_and_the_attempt_stays_open(
        client, db, review_prompt, candidate):
    attempt_id = start(client, SLUG)
    response = client.post(f"/practice/attempts/{attempt_id}/submit",
                           {"body": review("", (PRICES, 24, "Race.")), "based_on": "0",
                            "client_id": "tab-a"})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "the verdict must be one of" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Attempt, attempt_id).is_open


# A review is shown formatted wherever an answer is shown: the verdict, then each comment
# with its file:line and the line of the change it is on, all of it escaped.

HOSTILE = '<img src=x onerror="alert(1)"> & fetched outside'
# A quote inside text needs no escaping; the result page's stored HTML writes it as is.
HOSTILE_SHOWN = ("&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; fetched outside",
                 '&lt;img src=x onerror="alert(1)"&gt; &amp; fetched outside')


def shown_review() -> str:
    return review("request-changes", (PRICES, 22, HOSTILE),
                  ("tests/catalog/test_prices.py", 15, "Add a second case."))


def assert_formatted(page: str) -> None:
    assert "Verdict: <strong>" in page and "Request changes" in page
    assert "<code>app/catalog/prices.py:22</code>" in page
    assert "<code>+     if cached is not None and cached[1] &gt; time.monotonic():</code>" in page
    assert "<code>tests/catalog/test_prices.py:15</code>" in page
    assert any(shown in page for shown in HOSTILE_SHOWN)
    assert "<img src=x" not in page
    assert "&#34;verdict&#34;" not in page and '"verdict"' not in page  # not the JSON


def test_the_revision_and_result_pages_show_the_review_formatted_and_escaped(
        client, db, review_prompt, candidate):
    attempt_id = start(client, SLUG)
    body = shown_review()
    assert save(client, attempt_id, body, 0).status_code == HTTPStatus.OK
    assert_formatted(client.get(f"/practice/attempts/{attempt_id}/revisions/1")
                     .get_data(as_text=True))
    client.post(f"/practice/attempts/{attempt_id}/submit",
                {"body": body, "based_on": "1", "client_id": "tab-a"})
    assert_formatted(client.get(f"/practice/attempts/{attempt_id}/result")
                     .get_data(as_text=True))


def test_the_live_view_scorecard_and_comparison_show_the_review_formatted_and_escaped(
        client, db, review_prompt):
    owner, (reviewer,) = make_panel(db, reviewers=1)
    interview, _ = make_interview(db, owner, [reviewer], prompts=(SLUG,))
    join_and_start(db, interview)
    answer_and_submit(db, interview, shown_review())
    attempt = interview.items[0].attempt
    client.login(reviewer.email, PASSWORD)
    assert_formatted(client.get(f"/interviews/{interview.id}/live").get_data(as_text=True))
    poll = client.get(f"/interviews/{interview.id}/live/updates?seen={attempt.id}:0:1"
                      f"&stage=scoring")
    assert_formatted(poll.get_data(as_text=True))
    assert_formatted(client.get(f"/interviews/{interview.id}/scorecard").get_data(as_text=True))
    score_all(db, interview, reviewer, 3)
    assert_formatted(client.get(f"/interviews/{interview.id}/comparison")
                     .get_data(as_text=True))

