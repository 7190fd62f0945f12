"""An interview past its deadline looks over on every page before anything closes it.

Pages derive it from the clock (a GET never writes); the worker closes it, and
so does an action of the panel or a refused save of the candidate.
"""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest

from app.attempts import lifecycle
from app.db import utcnow
from app.models import Attempt, AttemptStatus, Interview, InterviewMode, InterviewStage
from tests.factories.interviews import join_and_start, make_interview, make_panel
from tests.factories.practice import load_library
from tests.factories.users import PASSWORD


@pytest.fixture
def overdue(db, tmp_path):
    """A take-home started three hours ago, due an hour ago, with one save, never closed."""
    load_library(db, tmp_path)
    owner, reviewers = make_panel(db)
    created = utcnow() - timedelta(hours=3)
    interview, _ = make_interview(db, owner, reviewers, mode=InterviewMode.TAKE_HOME,
                                  deadline_at=created + timedelta(hours=2), now=created)
    candidate = join_and_start(db, interview, now=created + timedelta(minutes=5))
    attempt = interview.items[0].attempt
    lifecycle.save_draft(db, attempt, body="Saved in time.", based_on=0,
                        now=created + timedelta(minutes=30))
    return interview, attempt, candidate, owner


def still_open(db, interview, attempt) -> bool:
    db.expire_all()
    return (db.get(Interview, interview.id).submitted_at is None
            and db.get(Attempt, attempt.id).status is AttemptStatus.IN_PROGRESS)


def test_the_stage_is_derived_from_the_clock(overdue):
    interview, *_ = overdue
    assert interview.submitted_at is None
    assert interview.answers_in()
    assert interview.stage() is InterviewStage.SCORING
    assert interview.stage(interview.closes_at - timedelta(seconds=1)) is \
        InterviewStage.IN_PROGRESS


def test_the_candidate_sees_the_answers_taken_at_the_deadline(client, db, overdue):
    interview, attempt, candidate, _ = overdue
    client.login(candidate.email, PASSWORD)
    page = client.get(f"/my/interviews/{interview.id}").get_data(as_text=True)
    assert "Your answers are in" in page
    assert "The server submitted your saved answers at the deadline." in page
    workspace = client.get(f"/practice/attempts/{attempt.id}")
    assert workspace.status_code == HTTPStatus.FOUND
    assert workspace.headers["Location"] == f"/my/interviews/{interview.id}"
    assert still_open(db, interview, attempt)


def test_the_panel_sees_it_in_scoring(client, db, overdue):
    interview, attempt, _, owner = overdue
    client.login(owner.email, PASSWORD)
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "status-stage-scoring" in page
    assert "by the server, at the deadline" in page
    scorecard = client.get(f"/interviews/{interview.id}/scorecard").get_data(as_text=True)
    assert "The candidate has not submitted yet" not in scorecard
    assert still_open(db, interview, attempt)


def test_an_action_of_the_panel_closes_it_first(client, db, overdue):
    interview, attempt, _, owner = overdue
    client.login(owner.email, PASSWORD)
    response = client.post(f"/interviews/{interview.id}/notes", {"body": "Read it later."})
    assert response.status_code == HTTPStatus.FOUND
    assert not still_open(db, interview, attempt)
    assert db.get(Interview, interview.id).closed_by == "deadline"
    assert lifecycle.latest_revision(db, db.get(Attempt, attempt.id)).body == "Saved in time."
