"""The panel's pages show each answer as the HTML stored with its revision, never a new render.

As in ``tests/integration/practice/test_answer_html.py``, the stored HTML is
replaced by a marker no render of the answer could produce before a page is
read.
"""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from sqlalchemy import update

from app.interviews import feedback, scorecards
from app.models import Attempt, Decision
from tests.factories.interviews import score_all
from tests.integration.interviews.test_scoring import login, saved_scores, set_up

STORED = '<p class="stored">From the database: the mapping is a key-value store.</p>'


@pytest.fixture
def panel(db, library):
    panel = set_up(db)
    db.execute(update(Attempt).values(answer_html=STORED))
    db.commit()
    return panel


def test_the_live_view_and_its_polls_show_the_stored_html(client, db, panel):
    login(client, panel.reviewer)
    interview, attempt = panel.interview, panel.interview.items[0].attempt
    assert STORED in client.get(f"/interviews/{interview.id}/live").get_data(as_text=True)
    poll = client.get(f"/interviews/{interview.id}/live/updates?seen={attempt.id}:0:1"
                      f"&stage=scoring")
    assert STORED in poll.get_data(as_text=True)


def test_the_scorecard_and_the_comparison_show_the_stored_html(client, db, panel):
    login(client, panel.reviewer)
    interview = panel.interview
    assert STORED in client.get(f"/interviews/{interview.id}/scorecard").get_data(as_text=True)
    score_all(db, interview, panel.reviewer, 3)
    page = client.get(f"/interviews/{interview.id}/comparison").get_data(as_text=True)
    assert STORED in page


def test_evidence_may_quote_the_answer_as_it_is_shown(db, panel):
    # A quote is text selected on the page: text of the stored HTML.
    quote = "the mapping is a key-value store"
    interview = panel.interview
    item = interview.items[0]
    criteria = {(item.attempt_id, c.id): scorecards.CriterionInput(level=3, evidence=(quote,))
                for c in item.rubric_revision.criteria}
    scorecards.save_scorecard(db, interview, panel.reviewer, scorecards.ScorecardInput(
           criteria=criteria, recommendation="yes", summary="ok"))
    scores = saved_scores(db, interview, panel.reviewer)
    assert {s.evidence[0]["quote"] for s in scores.values()} == {quote}


def test_polls_with_nothing_new_and_the_release_form_do_not_load_the_html(client, db, panel,
                                                                         query_counter):
    interview = panel.interview
    attempt = interview.items[0].attempt
    score_all(db, interview, panel.owner, 3)
    score_all(db, interview, panel.reviewer, 3)
    feedback.decide(db, interview, panel.owner, Decision.ADVANCE.value, "")
    login(client, panel.owner)
    query_counter.clear()
    poll = client.get(f"/interviews/{interview.id}/live/updates"
                      f"?seen={attempt.id}:{attempt.revision_number}:1&stage=scoring")
    assert poll.status_code == HTTPStatus.OK  # the stage changed, but no answer did
    assert STORED not in poll.get_data(as_text=True)
    assert client.get(f"/interviews/{interview.id}/release").status_code == HTTPStatus.OK
    reads = [q for q in query_counter if q.startswith("SELECT answer_revisions.")]
    # Whether it is rendered is read with the attempt (``answer_html IS NOT NULL``),
    # the HTML itself never.
    assert reads and not any(re.search(r"answer_html(?! IS NOT NULL)", q)
                             for q in query_counter)
