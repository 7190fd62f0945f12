"""Test runs: queue one for an attempt, execute it in a worker, recover what a dead worker left.

Nothing here waits on a run in a web request: ``request_run`` records a queued
run and, once its transaction commits, sends the job queue a wake-up
(``queue_run``); a worker calls ``execute_run``, which claims whichever queued
run is fairest to run next; pages poll ``get_run``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, distinct, func, select, update
from sqlalchemy.orm import Session, aliased

from app.db import queue_after_commit, transaction, utcnow
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.grading.runner.sandbox import Limits, SandboxUnavailable, run_tests
from app.kinds import get_kind
from app.models import Attempt, RunKind, RunStatus, TestRun, User
from app.models.attempts import stored_text
from app.vocabulary import RunVerdict

RUN_LIMITS = Limits()
# A run still "running" this long after its wall-clock limit belongs to a worker that died.
STUCK_MARGIN = timedelta(seconds=60)
STUCK_AFTER = timedelta(seconds=RUN_LIMITS.wall_seconds) + STUCK_MARGIN


def run_limits(config: Mapping[str, Any]) -> Limits:
    """The limits of one run: the defaults, with the time limits the settings give."""
    return replace(RUN_LIMITS, cpu_seconds=config["RUN_CPU_SECONDS"],
                   wall_seconds=config["RUN_WALL_SECONDS"])
MAX_TRIES = 2
PYTHON_FENCE = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)\n?```", re.DOTALL)


def code_from_answer(body: str) -> str:
    """The Python in an answer: its first ```python fence, or the whole text."""
    found = PYTHON_FENCE.search(body)
    return found.group(1) + "\n" if found else body


def queue_run(session: Session, run_id: int) -> None:
    """Wake a worker for the run once the transaction commits; never if it rolls back.

    A session without the app's queue (a script's own) leaves the run to the
    worker's once-a-minute sweep, which wakes a thread for every waiting run.
    """
    queue_after_commit(session, lambda queue: queue.enqueue_run(run_id))


def request_run(session: Session, attempt: Attempt, kind: RunKind) -> TestRun:
    """Queue a run of the attempt's newest saved code against its public or hidden tests."""
    if not get_kind(attempt.prompt_revision.kind).runs_tests:
        raise Invalid("This prompt has no tests to run.")
    if attempt.revision_number == 0:
        raise Invalid("Save some code before running the tests.")
    if kind is RunKind.PUBLIC and not attempt.is_open:
        raise Conflict("This attempt was submitted; its hidden tests ran instead.")
    with transaction(session):
        run = TestRun(attempt_id=attempt.id, revision_number=attempt.revision_number, kind=kind)
        session.add(run)
        session.flush()
        queue_run(session, run.id)
    return run


def get_run(session: Session, attempt: Attempt, run_id: int) -> TestRun:
    """A run of the attempt, as its author may see it.

    The hidden tests of an interview are the panel's evidence: their results
    reach the candidate with the released feedback, not before.
    """
    run = session.scalar(select(TestRun).where(TestRun.id == run_id,
                                               TestRun.attempt_id == attempt.id))
    if run is None:
        raise NotFound("There is no such run.")
    interview = attempt.interview
    if run.kind is RunKind.HIDDEN and interview is not None and interview.released_at is None:
        raise NotAllowed("The hidden tests' results reach you with the panel's feedback.")
    return run


def latest_run(session: Session, attempt: Attempt, kind: RunKind) -> TestRun | None:
    return session.scalar(select(TestRun).where(TestRun.attempt_id == attempt.id,
                                                TestRun.kind == kind)
                          .order_by(TestRun.id.desc()).limit(1))


def _claimable_runs(per_user: int) -> Select[tuple[int, int]]:
    """Queued runs whose owner runs fewer than ``per_user`` now, with the order of turns.

    Turns go round the people waiting: fewest runs running first, then the person
    whose last run started longest ago (never first), then the oldest queued run.
    """
    waiting = (select(Attempt.user_id).join(TestRun, TestRun.attempt_id == Attempt.id)
               .where(TestRun.status == RunStatus.QUEUED))
    load = (select(Attempt.user_id,
                   func.count(TestRun.id).filter(TestRun.status == RunStatus.RUNNING)
                   .label("running"),
                   func.max(TestRun.started_at).label("last_started"))
            .join(TestRun, TestRun.attempt_id == Attempt.id)
            .where(Attempt.user_id.in_(waiting))
            .group_by(Attempt.user_id).subquery())
    return (select(TestRun.id, Attempt.user_id)
            .join(Attempt, TestRun.attempt_id == Attempt.id)
            .join(load, load.c.user_id == Attempt.user_id)
            .where(TestRun.status == RunStatus.QUEUED, load.c.running < per_user)
            .order_by(load.c.running, load.c.last_started.asc().nulls_first(),
                      TestRun.queued_at, TestRun.id))


def claim_next_run(session: Session, *, per_user: int = 1) -> int | None:
    """Mark the fairest claimable queued run as running and return its id (None: none is)."""
    while True:
        with transaction(session):
            chosen = session.execute(_claimable_runs(per_user).limit(1)).first()
            if chosen is None:
                return None
            run_id, user_id = chosen
            # Claims of one person's runs take turns: this row lock on PostgreSQL, the
            # single writer on SQLite. So the count below sees every earlier claim, and two
            # claimers cannot both take the last place under the cap, nor the same run.
            session.execute(select(User.id).where(User.id == user_id)
                            .with_for_update(key_share=True))
            other = aliased(TestRun)
            running = (select(func.count()).select_from(other)
                       .join(Attempt, other.attempt_id == Attempt.id)
                       .where(Attempt.user_id == user_id, other.status == RunStatus.RUNNING)
                       .scalar_subquery())
            claimed = session.execute(
                update(TestRun)
                .where(TestRun.id == run_id, TestRun.status == RunStatus.QUEUED,
                       running < per_user)
                .values(status=RunStatus.RUNNING, started_at=utcnow(), tries=TestRun.tries + 1)
            ).rowcount
        if claimed:
            return run_id
        # Another worker took this run, or this person's last place: choose again.


def claimable_people(session: Session, *, per_user: int = 1) -> int:
    """How many people have a queued run that a worker may claim now."""
    chosen = _claimable_runs(per_user).order_by(None).subquery()
    return session.scalar(select(func.count(distinct(chosen.c.user_id)))) or 0


def execute_run(session: Session, *, per_user: int = 1, unsafe: bool = False,
                limits: Limits = RUN_LIMITS) -> TestRun | None:
    """Claim the fairest queued run, execute it in the sandbox and store the results.

    The queue's message only wakes a worker: the database decides which run is
    next (``claim_next_run``). Returns None when no run may be claimed now.
    """
    run_id = claim_next_run(session, per_user=per_user)
    if run_id is None:
        return None
    run = session.get(TestRun, run_id)
    session.refresh(run)
    attempt = run.attempt
    body = stored_text(session, attempt.id, run.revision_number) if run.revision_number else ""
    prompt = attempt.prompt_revision
    kind = get_kind(prompt.kind)
    tests = kind.test_files(prompt.files, public=run.kind is RunKind.PUBLIC)
    code = (kind.subject_code(body, prompt.files) if kind.subject_code is not None
            else code_from_answer(body))
    try:
        result = run_tests(code, tests, limits=limits, unsafe=unsafe)
    except SandboxUnavailable as error:
        with transaction(session):
            run.status, run.verdict = RunStatus.FAILED, RunVerdict.REFUSED
            run.detail = f"The code was not run: {error}"
        return run
    with transaction(session):
        run.status = RunStatus.DONE
        run.verdict, run.detail = result.verdict, result.detail
        run.results = [asdict(t) for t in result.tests]
        run.passed = result.passed
        run.total = result.total or _count_tests(tests)
        run.sandboxed = result.sandboxed
    return run


def _count_tests(tests: dict[str, str]) -> int:
    """How many tests a run would have had, when it died before pytest reported."""
    return sum(len(re.findall(r"^def test_", text, re.MULTILINE)) for text in tests.values())


def recover_stuck_runs(session: Session, *, now: datetime | None = None,
                       limits: Limits = RUN_LIMITS,
                       margin: timedelta = STUCK_MARGIN) -> list[int]:
    """Requeue runs whose worker died mid-run, or fail them after MAX_TRIES; return their ids.

    A run is stuck once it has been running ``margin`` longer than its wall-clock limit.
    """
    now = now or utcnow()
    stuck_after = timedelta(seconds=limits.wall_seconds) + margin
    stuck = session.scalars(select(TestRun).where(
        TestRun.status == RunStatus.RUNNING, TestRun.started_at < now - stuck_after)).all()
    requeued = []
    with transaction(session):
        for run in stuck:
            if run.tries >= MAX_TRIES:
                run.status, run.verdict = RunStatus.FAILED, RunVerdict.WORKER_LOST
                run.detail = (f"The worker running this stopped {run.tries} times before "
                              f"finishing; run the tests again.")
            else:
                run.status, run.started_at = RunStatus.QUEUED, None
                requeued.append(run.id)
                queue_run(session, run.id)
    return requeued
