"""The interview clock: the server submits at the deadline (plus grace), losing nothing saved."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from http import HTTPStatus

import pytest
from sqlalchemy import select

from app.attempts import lifecycle
from app.attempts.lifecycle import AttemptClosed, TimeUp
from app.db import get_database, utcnow
from app.interviews import clock
from app.jobs import get_jobs
from app.models import (
    AnswerRevision,
    Attempt,
    AttemptStatus,
    AuditEvent,
    Interview,
    InterviewMode,
    InterviewStage,
    RunKind,
    TestRun,
)
from tests.factories.interviews import join_and_start, make_interview, make_panel
from tests.factories.users import PASSWORD

GRACE = 30


def take_home(db, *, prompts=("url-shortener",), deadline_in=timedelta(hours=4)):
    owner, reviewers = make_panel(db, reviewers=1)
    created = utcnow() - timedelta(hours=3)
    interview, _ = make_interview(db, owner, reviewers, mode=InterviewMode.TAKE_HOME,
                                  prompts=prompts, deadline_at=created + deadline_in,
                                  grace_seconds=GRACE, now=created)
    candidate = join_and_start(db, interview, now=created + timedelta(minutes=5))
    return interview, candidate


def save(client, attempt_id: int, body: str, based_on: int):
    return client.raw.post(f"/practice/attempts/{attempt_id}/draft",
                           json={"body": body, "based_on": based_on, "client_id": "tab"},
                           headers={"X-CSRFToken": client.csrf_token()})


def test_a_take_home_past_its_deadline_is_submitted_with_everything_saved_before(db, library):
    interview, _ = take_home(db)
    attempt = interview.items[0].attempt
    deadline = interview.deadline_at
    lifecycle.save_draft(db, attempt, body="first thoughts", based_on=0,
                         now=deadline - timedelta(minutes=30))
    lifecycle.save_draft(db, attempt, body="first thoughts, then the whole design", based_on=1,
                         now=deadline - timedelta(seconds=1))
    # A save typed before the deadline may arrive during the grace period.
    lifecycle.save_draft(db, attempt, body="first thoughts, then the whole design.", based_on=2,
                         now=deadline + timedelta(seconds=GRACE - 1))
    assert clock.close_overdue(db, now=deadline + timedelta(seconds=GRACE - 1)) == []
    assert attempt.is_open

    clock.close_overdue(db, now=deadline + timedelta(seconds=GRACE))
    db.expire_all()
    attempt = db.get(Attempt, attempt.id)
    interview = db.get(Interview, interview.id)
    assert attempt.status is AttemptStatus.SUBMITTED
    assert attempt.revision_number == 3
    assert lifecycle.latest_revision(db, attempt).body == "first thoughts, then the whole design."
    assert interview.closed_by == "deadline"
    assert interview.stage() is InterviewStage.SCORING
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "submitted_at_deadline"))
    assert event.actor_id is None and event.detail["revisions"] == {str(attempt.id): 3}


def test_after_the_grace_period_saves_are_refused_and_nothing_changes(db, library):
    interview, _ = take_home(db)
    attempt = interview.items[0].attempt
    lifecycle.save_draft(db, attempt, body="before", based_on=0,
                         now=interview.deadline_at - timedelta(minutes=1))
    with pytest.raises(TimeUp):
        lifecycle.save_draft(db, attempt, body="after", based_on=1,
                             now=interview.closes_at + timedelta(seconds=1))
    assert [r.body for r in db.scalars(select(AnswerRevision))] == ["before"]


def test_the_candidate_gets_a_clear_answer_when_saving_too_late(client, db, library):
    interview, candidate = take_home(db)
    attempt = interview.items[0].attempt
    lifecycle.save_draft(db, attempt, body="in time", based_on=0)
    with db.begin():
        interview.deadline_at = utcnow() - timedelta(seconds=GRACE + 5)
    client.login(candidate.email, PASSWORD)
    late = save(client, attempt.id, "too late", 1)
    assert late.status_code == HTTPStatus.CONFLICT
    assert late.json["error"] == "time_up"
    assert late.json["url"] == f"/my/interviews/{interview.id}"
    db.expire_all()
    assert db.get(Attempt, attempt.id).status is AttemptStatus.SUBMITTED
    assert lifecycle.latest_revision(db, db.get(Attempt, attempt.id)).body == "in time"
    # Opening the workspace now leads to the interview page, which says what happened.
    assert client.get(f"/practice/attempts/{attempt.id}").headers["Location"] == \
        f"/my/interviews/{interview.id}"
    page = client.get(f"/my/interviews/{interview.id}").get_data(as_text=True)
    assert "The server submitted your saved answers at the deadline." in page


def test_the_worker_task_closes_overdue_interviews_and_queues_hidden_tests(app, db, library):
    interview, _ = take_home(db, prompts=("url-shortener", "sum-two"))
    coding = next(i.attempt for i in interview.items if i.prompt_revision.kind == "coding")
    design = next(i.attempt for i in interview.items if i.prompt_revision.kind != "coding")
    lifecycle.save_draft(db, coding, body="def add(a, b):\n    return a + b\n", based_on=0)
    with db.begin():
        interview.deadline_at = utcnow() - timedelta(seconds=GRACE + 1)
    queued = []
    jobs = get_jobs(app)
    original = jobs.enqueue_run
    jobs.enqueue_run = queued.append
    try:
        with app.app_context():
            clock.close_overdue_interviews(jobs)
    finally:
        jobs.enqueue_run = original
    db.expire_all()
    assert db.get(Attempt, coding.id).status is AttemptStatus.SUBMITTED
    # An answer never written is submitted empty: the panel sees that nothing came.
    assert db.get(Attempt, design.id).status is AttemptStatus.SUBMITTED
    assert db.get(Attempt, design.id).revision_number == 0
    runs = db.scalars(select(TestRun)).all()
    assert [(r.attempt_id, r.kind) for r in runs] == [(coding.id, RunKind.HIDDEN)]
    assert queued == [runs[0].id]


def test_a_live_interview_runs_for_its_time_box_from_the_start(db, library):
    owner, reviewers = make_panel(db)
    interview, _ = make_interview(db, owner, reviewers, minutes=40)
    assert interview.deadline_at is None
    started = utcnow()
    join_and_start(db, interview, now=started)
    assert interview.deadline_at == started + timedelta(minutes=40)
    assert interview.stage(started + timedelta(minutes=39)) is InterviewStage.IN_PROGRESS


def test_a_take_home_never_started_expires(client, db, library):
    owner, reviewers = make_panel(db)
    created = utcnow() - timedelta(days=1)
    interview, token = make_interview(db, owner, reviewers, mode=InterviewMode.TAKE_HOME,
                                      deadline_at=created + timedelta(hours=2), now=created)
    assert interview.stage() is InterviewStage.EXPIRED
    page = client.get(f"/join/{token}").get_data(as_text=True)
    assert "The deadline has passed." in page


def test_the_deadline_must_be_sensible(client, db, library):
    owner, _ = make_panel(db)
    client.login(owner.email, PASSWORD)
    form = {"candidate_name": "Casey", "candidate_email": "casey@example.com",
            "prompts": "url-shortener", "target_level": "senior", "mode": "take_home",
            "tz_offset": "0"}
    missing = client.post("/interviews/new", form)
    assert missing.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Set the take-home deadline." in missing.get_data(as_text=True)
    past = client.post("/interviews/new", {**form, "deadline": "2020-01-01T10:00"})
    assert "at least 15 minutes from now" in past.get_data(as_text=True)
    later = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    # The browser's zone: UTC-5 sends 300; the deadline is stored in UTC.
    assert client.post("/interviews/new", {**form, "deadline": later, "tz_offset": "300"}
                       ).status_code == HTTPStatus.FOUND
    stored = db.scalar(select(Interview.deadline_at))
    expected = (utcnow() + timedelta(days=2, hours=5)).replace(second=0, microsecond=0)
    assert abs((stored - expected).total_seconds()) <= 60


def test_saves_racing_the_deadline_all_land_in_the_submitted_answer(app, db, library):
    """Saves keep arriving during the grace period while the server closes the interview.

    Every save the server accepted is in the submitted answer, and nothing is
    written after it: the close waits for a save holding the attempt's row.
    """
    interview, _ = take_home(db)
    attempt_id = interview.items[0].attempt_id
    closes = interview.closes_at
    within_grace = interview.deadline_at + timedelta(seconds=1)
    accepted: list[tuple[int, str]] = []
    refused = threading.Event()

    def keep_saving() -> None:
        session = get_database(app).sessionmaker()
        try:
            attempt = session.get(Attempt, attempt_id)
            for n in range(1, 400):
                body = f"line {n}\n" * n
                try:
                    revision = lifecycle.save_draft(session, attempt, body=body,
                                                    based_on=attempt.revision_number,
                                                    client_id="racer", now=within_grace)
                except AttemptClosed:
                    refused.set()
                    return
                accepted.append((revision.number, body))
        finally:
            session.close()

    saver = threading.Thread(target=keep_saving)
    saver.start()
    while len(accepted) < 5 and saver.is_alive():
        time.sleep(0.01)
    closer = get_database(app).sessionmaker()
    try:
        clock.close_overdue(closer, now=closes + timedelta(seconds=1))
    finally:
        closer.close()
    saver.join(timeout=60)
    assert refused.is_set(), "the saver should have been refused once the interview closed"
    db.expire_all()
    attempt = db.get(Attempt, attempt_id)
    assert attempt.status is AttemptStatus.SUBMITTED
    number, body = accepted[-1]
    assert attempt.revision_number == number
    assert lifecycle.latest_revision(db, attempt).body == body
    stored = {r.number: r.body for r in db.scalars(
        select(AnswerRevision).where(AnswerRevision.attempt_id == attempt_id))}
    assert stored == dict(accepted)
    # The trail names the revision the server submitted, not one read before the last save.
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "submitted_at_deadline"))
    assert event.detail["revisions"] == {str(attempt_id): number}


def test_the_workspace_of_a_two_prompt_interview_links_the_other_prompt(client, db, library):
    interview, candidate = take_home(db, prompts=("url-shortener", "sum-two"))
    first, second = (item.attempt_id for item in interview.items)
    client.login(candidate.email, PASSWORD)
    page = client.get(f"/practice/attempts/{first}").get_data(as_text=True)
    assert f'href="/practice/attempts/{second}"' in page
    assert '<strong aria-current="page">Design a URL shortener</strong>' in page
