"""Code runs through the real queue and a real `flask worker` process."""

from __future__ import annotations

import time
from datetime import timedelta
from http import HTTPStatus

import pytest
from sqlalchemy import select

from app.db import utcnow
from app.grading.runner.sandbox import sandbox_problem
from app.grading.runs import (
    STUCK_AFTER,
    STUCK_MARGIN,
    recover_stuck_runs,
    request_run,
    run_limits,
)
from app.jobs import get_jobs
from app.models import RunKind, RunStatus, TestRun
from tests.factories.practice import load_library, make_attempt
from tests.factories.users import PASSWORD, make_user
from tests.support.tools import missing_tool
from tests.support.worker import Worker

WRONG = "def add(a, b):\n    return a - b\n"
RIGHT = "def add(a, b):\n    return a + b\n"


def wait_for(db, run_ids: list[int], timeout: float = 90) -> list[TestRun]:
    deadline = time.monotonic() + timeout
    while True:
        db.expire_all()
        runs = db.scalars(select(TestRun).where(TestRun.id.in_(run_ids))
                          .order_by(TestRun.id)).all()
        if all(r.finished for r in runs) or time.monotonic() > deadline:
            return runs
        time.sleep(0.3)


def test_a_public_run_from_the_page_is_executed_by_the_worker(client, db, tmp_path, worker):
    load_library(db, tmp_path)
    user = make_user(db)
    client.login(user.email, PASSWORD)
    attempt = make_attempt(db, user, "sum-two", body=f"```python\n{WRONG}```")
    response = client.post(f"/practice/attempts/{attempt.id}/runs")
    assert response.status_code == HTTPStatus.ACCEPTED
    assert response.json["status"] == "queued"
    (run,) = wait_for(db, [response.json["id"]])
    assert run.status is RunStatus.DONE
    status = client.get(f"/practice/attempts/{attempt.id}/runs/{run.id}").json
    assert status["finished"] and status["verdict"] == "completed"
    assert (status["passed"], status["total"]) == (0, 1)
    (test,) = status["tests"]
    assert test["name"] == "test_small" and test["outcome"] == "failed"
    assert "assert -1 == 3" in test["message"]


def test_submitting_runs_the_hidden_tests_and_suggests_the_tests_level(client, db, tmp_path,
                                                                        worker):
    load_library(db, tmp_path)
    user = make_user(db)
    client.login(user.email, PASSWORD)
    attempt = make_attempt(db, user, "sum-two", body=RIGHT)
    client.post(f"/practice/attempts/{attempt.id}/submit")
    run = db.scalar(select(TestRun).where(TestRun.attempt_id == attempt.id))
    assert run.kind is RunKind.HIDDEN
    (run,) = wait_for(db, [run.id])
    assert (run.passed, run.total) == (1, 1)
    page = client.get(f"/practice/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "1 of 1</strong> hidden tests passed" in page
    assert "Suggested: level 4</span> from the share of hidden tests passed" in page
    status = client.get(f"/practice/attempts/{attempt.id}/runs/{run.id}").json
    assert "message" not in status["tests"][0]  # hidden tests show names and outcomes only


def test_twenty_runs_queued_at_once_all_finish(app, db, tmp_path, worker):
    load_library(db, tmp_path)
    user = make_user(db)
    ids = []
    for n in range(20):
        attempt = make_attempt(db, user, "sum-two", body=RIGHT if n % 2 else WRONG)
        run = request_run(db, attempt, RunKind.PUBLIC)
        get_jobs(app).enqueue_run(run.id)
        ids.append(run.id)
    runs = wait_for(db, ids, timeout=180)
    assert [r.status for r in runs] == [RunStatus.DONE] * 20
    assert [r.passed for r in runs] == [n % 2 for n in range(20)]


def test_a_worker_killed_mid_run_leaves_nothing_stuck(app, db, tmp_path, worker):
    load_library(db, tmp_path)
    user = make_user(db)
    slow = "import time\n\ndef add(a, b):\n    time.sleep(6)\n    return a + b\n"
    attempt = make_attempt(db, user, "sum-two", body=slow)
    run = request_run(db, attempt, RunKind.PUBLIC)
    get_jobs(app).enqueue_run(run.id)
    deadline = time.monotonic() + 60
    while db.get(TestRun, run.id).status is not RunStatus.RUNNING:
        assert time.monotonic() < deadline, "the worker never started the run"
        time.sleep(0.2)
        db.expire_all()
    worker.kill()
    run = db.get(TestRun, run.id)
    assert run.status is RunStatus.RUNNING  # the dead worker's claim is still there

    # Later, recovery finds it and puts it back on the queue.
    assert recover_stuck_runs(db, now=run.started_at + STUCK_AFTER + timedelta(seconds=1)) \
        == [run.id]
    get_jobs(app).enqueue_run(run.id)
    worker.start()
    (finished,) = wait_for(db, [run.id])
    assert finished.status is RunStatus.DONE and finished.passed == 1
    assert finished.tries == 2


def test_a_run_lost_twice_is_failed_with_a_reason(app, db, tmp_path):
    load_library(db, tmp_path)
    user = make_user(db)
    attempt = make_attempt(db, user, "sum-two", body=RIGHT)
    run = request_run(db, attempt, RunKind.PUBLIC)
    run.status, run.tries, run.started_at = RunStatus.RUNNING, 2, attempt.started_at
    db.commit()
    assert recover_stuck_runs(db, now=attempt.started_at + STUCK_AFTER * 2) == []
    db.expire_all()
    run = db.get(TestRun, run.id)
    assert run.status is RunStatus.FAILED and run.verdict == "worker_lost"
    assert "stopped 2 times" in run.detail


def test_a_shorter_wall_clock_limit_finds_a_stuck_run_sooner(db, tmp_path):
    load_library(db, tmp_path)
    attempt = make_attempt(db, make_user(db), "sum-two", body=RIGHT)
    run = request_run(db, attempt, RunKind.PUBLIC)
    run.status, run.tries, run.started_at = RunStatus.RUNNING, 1, attempt.started_at
    db.commit()
    later = attempt.started_at + timedelta(seconds=8) + STUCK_MARGIN + timedelta(seconds=1)
    assert recover_stuck_runs(db, now=later) == []  # the default limit: it may still be going
    short = run_limits({"RUN_CPU_SECONDS": 3, "RUN_WALL_SECONDS": 8})
    assert recover_stuck_runs(db, now=later, limits=short) == [run.id]


def test_a_shorter_margin_finds_a_stuck_run_sooner(db, tmp_path):
    load_library(db, tmp_path)
    attempt = make_attempt(db, make_user(db), "sum-two", body=RIGHT)
    run = request_run(db, attempt, RunKind.PUBLIC)
    run.status, run.tries, run.started_at = RunStatus.RUNNING, 1, attempt.started_at
    db.commit()
    later = attempt.started_at + STUCK_AFTER - timedelta(seconds=30)
    assert recover_stuck_runs(db, now=later) == []
    assert recover_stuck_runs(db, now=later, margin=timedelta(seconds=29)) == [run.id]


# A worker that started before the run got stuck finds it at its next sweep, not at its start.
@pytest.mark.worker_settings(RUN_WALL_SECONDS="5", RUN_STUCK_MARGIN_SECONDS="0",
                             WORKER_SWEEP_SECONDS="1")
def test_a_running_worker_requeues_a_stuck_run_at_its_next_sweep(app, db, tmp_path, worker):
    load_library(db, tmp_path)
    attempt = make_attempt(db, make_user(db), "sum-two", body=RIGHT)
    warm_up = request_run(db, attempt, RunKind.PUBLIC)
    get_jobs(app).enqueue_run(warm_up.id)
    assert wait_for(db, [warm_up.id])[0].status is RunStatus.DONE  # the worker is up
    run = request_run(db, attempt, RunKind.PUBLIC)
    # Left running by a worker that stopped: no message for it is on the queue.
    run.status, run.tries, run.started_at = RunStatus.RUNNING, 1, utcnow()
    db.commit()
    (finished,) = wait_for(db, [run.id], timeout=60)
    assert finished.status is RunStatus.DONE and finished.passed == 1
    assert finished.tries == 2


HOSTILE = {
    "infinite loop": "def add(a, b):\n    while True:\n        pass\n",
    "fork bomb": ("import os\n\ndef add(a, b):\n    while True:\n        try:\n"
                  "            os.fork()\n        except OSError:\n            pass\n"),
    "10 GB": "def add(a, b):\n    return len(bytearray(10 * 1024 ** 3))\n",
    "100 MB of output": "def add(a, b):\n    print('z' * 100_000_000)\n",
}


# The sandbox tests' short limits: the loops stop after seconds, not a worker's 10 s and 20 s.
@pytest.mark.worker_settings(RUN_CPU_SECONDS="3", RUN_WALL_SECONDS="8")
def test_the_app_keeps_serving_while_hostile_code_runs(client, db, tmp_path, worker, app):
    load_library(db, tmp_path)
    ids = []
    for code in HOSTILE.values():
        # One person each, so the hostile runs still share the worker two at a time.
        attempt = make_attempt(db, make_user(db), "sum-two", body=code)
        run = request_run(db, attempt, RunKind.PUBLIC)
        get_jobs(app).enqueue_run(run.id)
        ids.append(run.id)
    healthy = 0
    deadline = time.monotonic() + 120
    while not all(r.finished for r in wait_for(db, ids, timeout=0)):
        assert time.monotonic() < deadline
        started = time.monotonic()
        assert client.get("/healthz").status_code == HTTPStatus.OK
        assert time.monotonic() - started < 2, "the app slowed to a crawl"
        healthy += 1
        time.sleep(0.2)
    runs = wait_for(db, ids)
    verdicts = dict(zip(HOSTILE, (r.verdict for r in runs), strict=True))
    assert verdicts == {"infinite loop": "timeout", "fork bomb": "timeout",
                        "10 GB": "memory_limit", "100 MB of output": "output_limit"}
    assert runs[0].detail in {"stopped after 3 s of CPU time",  # the worker's own limits
                              "stopped after 8 s of wall-clock time"}
    assert all(r.passed == 0 for r in runs)
    assert healthy > 0
    assert client.get("/healthz").status_code == HTTPStatus.OK


def test_with_redis_the_queue_lives_in_redis(database_url, db, tmp_path):
    from huey import RedisHuey

    from tests.conftest import make_test_app
    from tests.support.redis import start_redis

    problem = sandbox_problem() or None
    started = start_redis()
    if problem or isinstance(started, str):
        missing_tool(problem or started)
    process, url = started
    app = make_test_app(database_url, REDIS_URL=url)
    worker = Worker(app)
    try:
        assert isinstance(get_jobs(app).huey, RedisHuey)
        load_library(db, tmp_path)
        user = make_user(db)
        attempt = make_attempt(db, user, "sum-two", body=RIGHT)
        run = request_run(db, attempt, RunKind.PUBLIC)
        get_jobs(app).enqueue_run(run.id)
        assert len(get_jobs(app).huey) == 1  # waiting in Redis, not in a SQLite file
        worker.start()
        (finished,) = wait_for(db, [run.id])
        assert finished.status is RunStatus.DONE and finished.passed == 1
    finally:
        worker.kill()
        process.terminate()
        process.wait(timeout=10)
        from app.db import get_database

        get_database(app).engine.dispose()


def test_run_requests_are_rate_limited(app, client, db, tmp_path):
    load_library(db, tmp_path)
    user = make_user(db)
    client.login(user.email, PASSWORD)
    attempt = make_attempt(db, user, "sum-two", body=RIGHT)
    app.config["RUN_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [client.post(f"/practice/attempts/{attempt.id}/runs").status_code
                    for _ in range(4)]
    finally:
        app.config["RUN_RATE_LIMIT"] = "20 per minute"
    assert statuses == [202, 202, 202, HTTPStatus.TOO_MANY_REQUESTS]
    assert len(db.scalars(select(TestRun)).all()) == 3
