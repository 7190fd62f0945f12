"""Reviewers see a candidate's whiteboard read-only: live view (and its poll), scorecard,
comparison; pages without a drawing load no whiteboard script."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest

from app.attempts import lifecycle
from tests.factories.interviews import join_and_start, make_interview, make_panel, score_all
from tests.factories.practice import load_library
from tests.factories.users import PASSWORD
from tests.integration.interviews.test_live_updates import poll, poller, stamp
from tests.integration.practice.test_whiteboard import scene

PANEL_SCRIPT = "js/whiteboard-panel.js"


@pytest.fixture
def started(app, db, tmp_path):
    """An interview of one design prompt, started and answered with text only."""
    load_library(db, tmp_path)
    owner, reviewers = make_panel(db, reviewers=1)
    interview, _ = make_interview(db, owner, reviewers)
    join_and_start(db, interview)
    save(db, interview.items[0].attempt, "Words first.")
    return owner, reviewers[0], interview


def save(db, attempt, body, board=None):
    """Save, and render the answer as the worker would (so the page shows it as HTML)."""
    lifecycle.save_draft(db, attempt, body=body, based_on=attempt.revision_number,
                         client_id="test", scene=board)
    lifecycle.render_pending(db, attempt.id)


def test_the_live_view_picks_up_a_first_drawing_then_its_changes(client, db, started):
    owner, _, interview = started
    item = interview.items[0]
    client.login(owner.email, PASSWORD)
    page = client.get(f"/interviews/{interview.id}/live").get_data(as_text=True)
    assert PANEL_SCRIPT not in page and "data-whiteboard-view" not in page
    seen = stamp(interview)
    # A first drawing: the page has no whiteboard script yet, so it reloads.
    save(db, item.attempt, "Words first.", scene("Load balancer"))
    response = poll(client, interview, seen)
    assert response.headers.get("HX-Refresh") == "true"
    page = client.get(f"/interviews/{interview.id}/live").get_data(as_text=True)
    assert PANEL_SCRIPT in page and "data-whiteboard-view" in page
    assert "<li>Load balancer</li>" in page  # the summary, as text
    seen = stamp(interview, drawn=(item,))
    assert poller(page)["seen"] == [seen]
    assert poll(client, interview, seen).status_code == HTTPStatus.NO_CONTENT
    # A change to the drawing alone is a new revision: swapped in by id.
    save(db, item.attempt, "Words first.", scene("Load balancer", "Cache"))
    body = poll(client, interview, seen).get_data(as_text=True)
    assert f'id="live-scene-{item.id}" hx-swap-oob="innerHTML"' in body
    assert "<li>Cache</li>" in body and 'type="application/json"' in body
    assert poller(body)["seen"] == [stamp(interview, drawn=(item,))]
    # Cleared: the drawing's place is emptied.
    seen = stamp(interview, drawn=(item,))
    save(db, item.attempt, "Words first.", "")
    body = poll(client, interview, seen).get_data(as_text=True)
    assert f'<div id="live-scene-{item.id}" hx-swap-oob="innerHTML"></div>' in body


def test_the_scorecard_and_comparison_show_the_drawing_read_only(client, db, started):
    owner, reviewer, interview = started
    attempt = interview.items[0].attempt
    client.login(reviewer.email, PASSWORD)
    page = client.get(f"/interviews/{interview.id}/scorecard").get_data(as_text=True)
    assert PANEL_SCRIPT not in page and "data-whiteboard-view" not in page
    save(db, attempt, "Words first.", scene('<img src=x onerror="alert(1)">', boxes=2))
    lifecycle.submit_attempt(db, attempt)
    page = client.get(f"/interviews/{interview.id}/scorecard").get_data(as_text=True)
    assert PANEL_SCRIPT in page and "data-whiteboard-view" in page
    assert "The drawing has 3 elements: 2 rectangles, 1 text." in page
    # The label is text in the summary and data in the JSON, never an element.
    assert "<img src=x" not in page
    assert "<li>&lt;img src=x onerror=&#34;alert(1)&#34;&gt;</li>" in page
    data = page.split('<script type="application/json" id="whiteboard-data-item-')[1]
    drawn = json.loads(json.loads(data.split(">", 1)[1].split("</script>")[0]))
    assert drawn["elements"][2]["text"] == '<img src=x onerror="alert(1)">'
    score_all(db, interview, reviewer, 3)
    page = client.get(f"/interviews/{interview.id}/comparison").get_data(as_text=True)
    assert PANEL_SCRIPT in page and "whiteboard-data-compare-" in page


def test_a_practice_result_shows_the_submitted_drawing(client, db, library, tmp_path):
    from tests.factories.users import make_user
    from tests.integration.practice.test_attempts import start
    from tests.integration.practice.test_whiteboard import save as post_save
    user = make_user(db)
    client.login(user.email, PASSWORD)
    plain = start(client)
    post_save(client, plain, "text only", 0)
    client.post(f"/practice/attempts/{plain}/submit", {"body": "text only", "based_on": "1"})
    page = client.get(f"/practice/attempts/{plain}/result").get_data(as_text=True)
    assert PANEL_SCRIPT not in page
    drawn = start(client)
    post_save(client, drawn, "with a drawing", 0, scene=scene("Queue"))
    client.post(f"/practice/attempts/{drawn}/submit", {"body": "with a drawing", "based_on": "1"})
    page = client.get(f"/practice/attempts/{drawn}/result").get_data(as_text=True)
    assert PANEL_SCRIPT in page and "Your whiteboard" in page and "<li>Queue</li>" in page
