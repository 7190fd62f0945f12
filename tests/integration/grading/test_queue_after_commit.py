"""Runs reach the job queue only once the transaction that created them commits.

The queue is the app's real one (Huey on a SQLite file); no worker runs here, so
every message stays where the test can read it.
"""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from sqlalchemy import func, select

from app.attempts import lifecycle
from app.db import transaction, utcnow
from app.grading.runs import recover_stuck_runs, request_run
from app.interviews import clock
from app.jobs import get_jobs
from app.models import Attempt, AttemptStatus, InterviewMode, RunKind, RunStatus, TestRun
from tests.factories.interviews import join_and_start, make_interview, make_panel
from tests.factories.practice import load_library, make_attempt
from tests.factories.users import PASSWORD, make_user

CODE = "def add(a, b):\n    return a + b\n"


class Boom(Exception):
    pass


@pytest.fixture
def queue(app, db, tmp_path):
    """The app's queue, emptied once the library is loaded: messages sent by the test only."""
    load_library(db, tmp_path)
    huey = get_jobs(app).huey
    huey.flush()
    return huey


def queued(huey) -> list[int | None]:
    """The run ids of the wake-ups waiting in the queue, in order (not the emails)."""
    return [task.args[0] if task.args else task.kwargs.get("run_id") for task in huey.pending()
            if task.name == "run_tests"]


def run_count(db) -> int:
    return db.scalar(select(func.count()).select_from(TestRun))


def test_a_committed_run_is_queued_exactly_once(db, queue):
    attempt = make_attempt(db, make_user(db), "sum-two", body=CODE)
    run = request_run(db, attempt, RunKind.PUBLIC)
    assert queued(queue) == [run.id]


def test_a_run_requested_in_a_transaction_that_rolls_back_is_never_queued(db, queue):
    attempt = make_attempt(db, make_user(db), "sum-two", body=CODE)
    with pytest.raises(Boom), transaction(db):
        request_run(db, attempt, RunKind.PUBLIC)
        assert queued(queue) == []  # not before the commit either
        raise Boom
    assert run_count(db) == 0
    assert queued(queue) == []


def test_a_run_requested_inside_a_larger_use_case_waits_for_its_commit(db, queue):
    attempt = make_attempt(db, make_user(db), "sum-two", body=CODE)
    with transaction(db):
        first = request_run(db, attempt, RunKind.PUBLIC)
        with pytest.raises(Boom), transaction(db):  # a step that fails and is given up
            request_run(db, attempt, RunKind.PUBLIC)
            raise Boom
        assert queued(queue) == []
    assert queued(queue) == [first.id]
    assert run_count(db) == 1


def overdue_take_home(db):
    owner, reviewers = make_panel(db)
    created = utcnow() - timedelta(hours=3)
    interview, _ = make_interview(db, owner, reviewers, mode=InterviewMode.TAKE_HOME,
                                  prompts=("url-shortener", "sum-two"),
                                  deadline_at=created + timedelta(hours=1), now=created)
    join_and_start(db, interview, now=created + timedelta(minutes=5))
    coding = next(i.attempt for i in interview.items if i.prompt_revision.kind == "coding")
    lifecycle.save_draft(db, coding, body=CODE, based_on=0, now=created + timedelta(minutes=10))
    return interview, coding


def test_closing_an_overdue_interview_queues_its_hidden_runs_when_it_commits(db, queue):
    interview, coding = overdue_take_home(db)
    ids = clock.close_overdue(db)
    hidden = db.scalars(select(TestRun.id).where(TestRun.kind == RunKind.HIDDEN)).all()
    assert ids == hidden and len(ids) == 1
    assert queued(queue) == ids


def test_a_close_that_rolls_back_submits_nothing_and_queues_nothing(db, queue):
    interview, coding = overdue_take_home(db)
    with pytest.raises(Boom), transaction(db):
        assert clock.close_when_due(db, interview) != []
        raise Boom
    db.expire_all()
    assert db.get(Attempt, coding.id).status is AttemptStatus.IN_PROGRESS
    assert run_count(db) == 0
    assert queued(queue) == []


def test_recovered_runs_go_back_on_the_queue_as_recovery_commits(db, queue):
    attempt = make_attempt(db, make_user(db), "sum-two", body=CODE)
    run = request_run(db, attempt, RunKind.PUBLIC)
    queue.flush()
    with transaction(db):
        run.status, run.started_at, run.tries = RunStatus.RUNNING, attempt.started_at, 1
    assert recover_stuck_runs(db, now=utcnow() + timedelta(hours=1)) == [run.id]
    assert queued(queue) == [run.id]


def test_the_pages_queue_runs_through_the_services(client, db, queue):
    user = make_user(db)
    client.login(user.email, PASSWORD)
    public = make_attempt(db, user, "sum-two", body=CODE)
    response = client.post(f"/practice/attempts/{public.id}/runs")
    assert response.status_code == HTTPStatus.ACCEPTED
    assert queued(queue) == [response.json["id"]]

    queue.flush()
    submitted = make_attempt(db, user, "sum-two", body=CODE)
    assert client.post(f"/practice/attempts/{submitted.id}/submit").status_code == \
        HTTPStatus.FOUND
    hidden = db.scalar(select(TestRun.id).where(TestRun.attempt_id == submitted.id))
    assert queued(queue) == [hidden]
