"""Test runs: queue one for an attempt, execute it in a worker, recover what a dead worker left.

Nothing here waits on a run in a web request: ``request_run`` records a queued
run and hands its id to the job queue; a worker calls ``execute_run``; pages
poll ``get_run``.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db import transaction, utcnow
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.grading.runner.sandbox import Limits, SandboxUnavailable, run_tests
from app.models import AnswerRevision, Attempt, RunKind, RunStatus, TestRun

RUN_LIMITS = Limits()
# A run still "running" this long after it started belongs to a worker that died.
STUCK_AFTER = timedelta(seconds=RUN_LIMITS.wall_seconds + 60)
MAX_TRIES = 2
PYTHON_FENCE = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)\n?```", re.DOTALL)


def code_from_answer(body: str) -> str:
    """The Python in an answer: its first ```python fence, or the whole text."""
    found = PYTHON_FENCE.search(body)
    return found.group(1) + "\n" if found else body


def request_run(session: Session, attempt: Attempt, kind: RunKind) -> TestRun:
    """Queue a run of the attempt's newest saved code against its public or hidden tests."""
    if attempt.prompt_revision.kind != "coding":
        raise Invalid("Only coding prompts have tests to run.")
    if attempt.revision_number == 0:
        raise Invalid("Save some code before running the tests.")
    if kind is RunKind.PUBLIC and not attempt.is_open:
        raise Conflict("This attempt was submitted; its hidden tests ran instead.")
    with transaction(session):
        run = TestRun(attempt_id=attempt.id, revision_number=attempt.revision_number, kind=kind)
        session.add(run)
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


def execute_run(session: Session, run_id: int, *, unsafe: bool = False,
                limits: Limits = RUN_LIMITS) -> TestRun | None:
    """Claim a queued run, execute it in the sandbox and store the results.

    Returns None when another worker already claimed it (a duplicate delivery).
    """
    with transaction(session):
        claimed = session.execute(
            update(TestRun)
            .where(TestRun.id == run_id, TestRun.status == RunStatus.QUEUED)
            .values(status=RunStatus.RUNNING, started_at=utcnow(), tries=TestRun.tries + 1)
        ).rowcount
    if not claimed:
        return None
    run = session.get(TestRun, run_id)
    session.refresh(run)
    attempt = run.attempt
    body = session.scalar(select(AnswerRevision.body).where(
        AnswerRevision.attempt_id == attempt.id,
        AnswerRevision.number == run.revision_number)) or ""
    prompt = attempt.prompt_revision
    tests = {path: text for path, text in prompt.files.items()
             if path.startswith("tests/") and path.rsplit("/", 1)[-1].startswith("test_")
             and (path.rsplit("/", 1)[-1].startswith("test_public")
                  == (run.kind is RunKind.PUBLIC))}
    try:
        result = run_tests(code_from_answer(body), tests, limits=limits, unsafe=unsafe)
    except SandboxUnavailable as error:
        with transaction(session):
            run.status, run.verdict = RunStatus.FAILED, "refused"
            run.detail = f"The code was not run: {error}"
            run.finished_at = utcnow()
        return run
    with transaction(session):
        run.status = RunStatus.DONE
        run.verdict, run.detail = result.verdict, result.detail
        run.results = [asdict(t) for t in result.tests]
        run.passed = result.passed
        run.total = result.total or _count_tests(tests)
        run.sandboxed = result.sandboxed
        run.finished_at = utcnow()
    return run


def _count_tests(tests: dict[str, str]) -> int:
    """How many tests a run would have had, when it died before pytest reported."""
    return sum(len(re.findall(r"^def test_", text, re.MULTILINE)) for text in tests.values())


def recover_stuck_runs(session: Session, *, now: datetime | None = None) -> list[int]:
    """Requeue runs whose worker died mid-run, or fail them after MAX_TRIES; return their ids."""
    now = now or utcnow()
    stuck = session.scalars(select(TestRun).where(
        TestRun.status == RunStatus.RUNNING, TestRun.started_at < now - STUCK_AFTER)).all()
    requeued = []
    with transaction(session):
        for run in stuck:
            if run.tries >= MAX_TRIES:
                run.status, run.verdict = RunStatus.FAILED, "worker_lost"
                run.detail = (f"The worker running this stopped {run.tries} times before "
                              f"finishing; run the tests again.")
                run.finished_at = now
            else:
                run.status, run.started_at = RunStatus.QUEUED, None
                requeued.append(run.id)
    return requeued
