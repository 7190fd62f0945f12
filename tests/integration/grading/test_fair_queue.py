"""One candidate's runs must not starve another's: a real worker against a flood of slow runs."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from app.grading.runner.sandbox import sandbox_problem
from app.grading.runs import request_run
from app.jobs import get_jobs
from app.models import RunKind, RunStatus, TestRun
from tests.factories.practice import load_library, make_attempt
from tests.factories.users import make_user
from tests.integration.grading.test_worker import RIGHT, wait_for
from tests.support.tools import missing_tool
from tests.support.worker import Worker

# Each of these runs holds a worker thread for the sleep plus the sandbox's start-up.
SLEEPY = "import time\n\ntime.sleep(2)\n\n\ndef add(a, b):\n    return a + b\n"
FLOOD = 20  # the most runs RUN_RATE_LIMIT lets one person queue in a minute
THREADS = 2  # tests.support.worker starts `flask worker --threads 2`


def test_a_flood_of_slow_runs_from_one_candidate_does_not_starve_another(app, db, tmp_path):
    problem = sandbox_problem()
    if problem:
        missing_tool(problem)
    load_library(db, tmp_path)
    flooder, other = make_user(db), make_user(db)
    jobs = get_jobs(app)
    # The flooder may fill every thread: the hardest case for the other candidate, who
    # must still wait no longer than for one of the flooder's runs to end.
    worker = Worker(app, RUNS_PER_USER=str(THREADS))
    worker.start()
    try:
        attempt = make_attempt(db, flooder, "sum-two", body=SLEEPY)
        flood = []
        for _ in range(FLOOD):
            run = request_run(db, attempt, RunKind.PUBLIC)
            jobs.enqueue_run(run.id)
            flood.append(run.id)
        deadline = time.monotonic() + 60
        while db.scalar(select(func.count()).select_from(TestRun).where(
                TestRun.status == RunStatus.RUNNING)) < THREADS:
            assert time.monotonic() < deadline, "the worker never got busy"
            time.sleep(0.1)
            db.expire_all()

        run = request_run(db, make_attempt(db, other, "sum-two", body=RIGHT), RunKind.PUBLIC)
        jobs.enqueue_run(run.id)
        (waiting,) = wait_for(db, [run.id], timeout=120)
        assert waiting.status is RunStatus.DONE and waiting.passed == 1
        waited = (waiting.started_at - waiting.queued_at).total_seconds()
        print(f"\nthe other candidate's run waited {waited:.1f} s behind {FLOOD} slow runs")
        assert waited < 10, f"waited {waited:.1f} s for a worker behind another's runs"

        # None of the flooder's runs is lost, and each ran exactly once.
        runs = wait_for(db, flood, timeout=180)
        assert [r.status for r in runs] == [RunStatus.DONE] * FLOOD
        assert [(r.passed, r.tries) for r in runs] == [(1, 1)] * FLOOD
    finally:
        worker.kill()


def test_queued_runs_whose_wake_ups_were_lost_are_run_when_a_worker_starts(app, db, tmp_path):
    problem = sandbox_problem()
    if problem:
        missing_tool(problem)
    load_library(db, tmp_path)
    one, two = make_user(db), make_user(db)
    # Queued with no message: as if a stopped worker had taken their wake-ups with it.
    ids = [request_run(db, make_attempt(db, person, "sum-two", body=RIGHT), RunKind.PUBLIC).id
           for person in (one, one, two)]
    get_jobs(app).huey.flush()  # and no message left over from another test either
    worker = Worker(app)
    worker.start()  # a starting worker checks the database, not only its queue
    try:
        runs = wait_for(db, ids, timeout=60)
    finally:
        worker.kill()
    assert [(r.status, r.passed, r.tries) for r in runs] == [(RunStatus.DONE, 1, 1)] * 3
