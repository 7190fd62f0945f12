"""Which queued run a worker claims next, on the database alone (no worker, no sandbox)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from app.db import get_database
from app.grading.runs import claim_next_run, claimable_people, request_run
from app.models import RunKind, RunStatus, TestRun, User
from tests.factories.practice import load_library, make_attempt
from tests.factories.users import make_user
from tests.integration.grading.test_worker import RIGHT


def queue_runs(db, user: User, count: int) -> list[int]:
    attempt = make_attempt(db, user, "sum-two", body=RIGHT)
    return [request_run(db, attempt, RunKind.PUBLIC).id for _ in range(count)]


def finish(db, run_id: int) -> None:
    run = db.get(TestRun, run_id)
    run.status = RunStatus.DONE
    db.commit()


def test_turns_go_round_the_people_waiting_not_first_come_first_served(db, tmp_path):
    load_library(db, tmp_path)
    a, b, c = make_user(db), make_user(db), make_user(db)
    a1, a2, a3 = queue_runs(db, a, 3)
    (b1,) = queue_runs(db, b, 1)
    c1, c2 = queue_runs(db, c, 2)
    claimed = []
    # One worker thread: each run ends before the next claim.
    while (run_id := claim_next_run(db, per_user=1)) is not None:
        claimed.append(run_id)
        finish(db, run_id)
    # First come, first served would be a1 a2 a3 b1 c1 c2.
    assert claimed == [a1, b1, c1, a2, c2, a3]
    runs = db.scalars(select(TestRun).order_by(TestRun.id)).all()
    assert [(r.status, r.tries) for r in runs] == [(RunStatus.DONE, 1)] * 6
    assert all(r.started_at is not None for r in runs)


def test_the_cap_holds_back_a_person_already_running_and_fewest_running_goes_first(db,
                                                                                    tmp_path):
    load_library(db, tmp_path)
    a, b, c = make_user(db), make_user(db), make_user(db)
    (a0,) = queue_runs(db, a, 1)
    assert claim_next_run(db, per_user=1) == a0  # A is already running one
    a1, a2, a3 = queue_runs(db, a, 3)
    (b1,) = queue_runs(db, b, 1)
    c1, c2 = queue_runs(db, c, 2)
    assert claimable_people(db, per_user=1) == 2  # B and C; A is at the cap

    # With one run each at once, A's older runs wait while B and C get theirs.
    assert [claim_next_run(db, per_user=1) for _ in range(3)] == [b1, c1, None]
    assert claimable_people(db, per_user=1) == 0

    # With two at once, whoever runs fewest goes first (C, once c1 has ended), then
    # the person whose last run started longest ago (A, before C's c2 would).
    finish(db, c1)
    assert [claim_next_run(db, per_user=2) for _ in range(3)] == [c2, a1, None]
    running = db.scalars(select(TestRun.id).where(TestRun.status == RunStatus.RUNNING)
                         .order_by(TestRun.id)).all()
    assert running == [a0, a1, b1, c2]
    assert db.scalars(select(TestRun.id).where(TestRun.status == RunStatus.QUEUED)
                      .order_by(TestRun.id)).all() == [a2, a3]


def claim_at_once(app, claimers: int, per_user: int) -> list[int | None]:
    """``claimers`` threads, each with its own connection, claiming at the same moment."""
    start = threading.Barrier(claimers)

    def claim() -> int | None:
        with get_database(app).sessionmaker() as session:
            start.wait(timeout=30)
            return claim_next_run(session, per_user=per_user)

    with ThreadPoolExecutor(claimers) as pool:
        futures = [pool.submit(claim) for _ in range(claimers)]
        return [future.result(timeout=60) for future in futures]


def test_claimers_racing_for_one_persons_runs_never_pass_the_cap(app, db, tmp_path):
    load_library(db, tmp_path)
    user = make_user(db)
    queue_runs(db, user, 5)
    got: list[int] = []
    for per_user in (1, 2):  # the second round finds one run already running
        got += [run_id for run_id in claim_at_once(app, 6, per_user) if run_id is not None]
        db.expire_all()
        running = db.scalars(select(TestRun).where(TestRun.status == RunStatus.RUNNING)).all()
        assert len(got) == len(set(got)) == len(running) == per_user
        assert sorted(got) == sorted(r.id for r in running)
        assert all(r.tries == 1 for r in running)


def test_claimers_racing_for_the_same_runs_never_both_get_one(app, db, tmp_path):
    load_library(db, tmp_path)
    runs = [run_id for _ in range(5) for run_id in queue_runs(db, make_user(db), 1)]
    got = claim_at_once(app, 8, per_user=1)
    claimed = [run_id for run_id in got if run_id is not None]
    assert sorted(claimed) == runs  # every run went to exactly one claimer
    assert got.count(None) == 3
    db.expire_all()
    assert [r.tries for r in db.scalars(select(TestRun).order_by(TestRun.id))] == [1] * 5
