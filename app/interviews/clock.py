"""An interview's clock: start, the deadline and its grace, and closing when time is up.

Starting creates one ordinary ``Attempt`` per prompt; the attempt lifecycle
takes the interview's rules through its policy (``app.interviews.policy``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.attempts.lifecycle import submit_attempt
from app.db import get_session, transaction, utcnow
from app.errors import Conflict, NotFound
from app.grading.runs import latest_run, request_run
from app.interviews.audit import audit
from app.interviews.permissions import load_interview
from app.jobs import Jobs
from app.models import (
    Attempt,
    AttemptStatus,
    Interview,
    InterviewMode,
    InterviewStage,
    RunKind,
    User,
)


def start(session: Session, interview: Interview, user: User, *,
          now: datetime | None = None) -> Interview:
    """Start the clock: one attempt per prompt, pinned to the interview's revisions."""
    now = now or utcnow()
    if interview.candidate_id != user.id:
        raise NotFound("There is no such interview.")
    if interview.started_at is not None:
        return interview
    if interview.stage(now) is InterviewStage.EXPIRED:
        raise Conflict("The deadline of this interview has passed.")
    with transaction(session):
        interview.started_at = now
        if interview.mode is InterviewMode.LIVE:
            interview.deadline_at = now + timedelta(minutes=interview.minutes)
        for item in interview.items:
            attempt = Attempt(
                user_id=user.id, prompt_id=item.prompt_id,
                prompt_revision_id=item.prompt_revision_id,
                rubric_revision_id=item.rubric_revision_id, mode="interview",
                interview_id=interview.id, target_level=interview.target_level,
                started_at=now, timer_started_at=now)
            session.add(attempt)
            item.attempt = attempt
        audit(session, interview, user, "started")
    return interview


def attempts(interview: Interview) -> list[Attempt]:
    return [item.attempt for item in interview.items if item.attempt is not None]


def close_if_overdue(session: Session, interview: Interview, *,
                     now: datetime | None = None) -> bool:
    """Submit every open attempt once the deadline and its grace have passed.

    Each attempt keeps its newest saved revision: every save the server
    accepted before closing is in the submitted answer.
    """
    now = now or utcnow()
    if not interview.overdue(now) or interview.started_at is None:
        return False
    for attempt in attempts(interview):
        submit_attempt(session, attempt, now=now, by_server=True)
    with transaction(session):
        interview.submitted_at = now
        interview.closed_by = "deadline"
        audit(session, interview, None, "submitted_at_deadline",
              revisions={str(a.id): a.revision_number for a in attempts(interview)})
    return True


def request_hidden_runs(session: Session, interview: Interview) -> list[int]:
    """Request the hidden tests of submitted coding attempts that have none yet; run ids."""
    queued = []
    for attempt in attempts(interview):
        if (attempt.prompt_revision.kind == "coding" and not attempt.is_open
                and attempt.revision_number > 0
                and latest_run(session, attempt, RunKind.HIDDEN) is None):
            queued.append(request_run(session, attempt, RunKind.HIDDEN).id)
    return queued


def close_when_due(session: Session, interview: Interview, *,
                   now: datetime | None = None) -> list[int]:
    """Close the interview if its time is up, in one transaction; the hidden-test runs requested.

    The worker calls this for every overdue interview, and the write paths that
    meet one; either way the answers are submitted and their hidden tests
    requested once, and the runs go to the queue when the transaction commits.
    """
    with transaction(session):
        if not close_if_overdue(session, interview, now=now):
            return []
        return request_hidden_runs(session, interview)


def close_overdue(session: Session, *, now: datetime | None = None) -> list[int]:
    """Close every interview past its deadline and grace; the worker calls this each minute.

    Each interview is closed in a transaction of its own. Returns the ids of the
    hidden-test runs requested for the attempts it closed (queued as each commits).
    """
    now = now or utcnow()
    candidates = session.scalars(
        select(Interview.id).where(Interview.submitted_at.is_(None),
                                   Interview.started_at.is_not(None),
                                   Interview.deadline_at <= now)).all()
    runs = []
    for interview_id in candidates:
        interview = load_interview(session, Interview.id == interview_id)
        if interview is not None:
            runs.extend(close_when_due(session, interview, now=now))
    return runs


def after_attempt_submitted(session: Session, attempt: Attempt, *,
                            now: datetime | None = None) -> None:
    """When the candidate has submitted every prompt, the interview is submitted."""
    interview = attempt.interview
    if interview is None or interview.submitted_at is not None:
        return
    interview = load_interview(session, Interview.id == interview.id)
    assert interview is not None
    if all(a.status is not AttemptStatus.IN_PROGRESS for a in attempts(interview)):
        with transaction(session):
            interview.submitted_at = now or utcnow()
            interview.closed_by = "candidate"
            audit(session, interview, attempt.user, "submitted")


def close_overdue_interviews(jobs: Jobs) -> None:
    """Submit interviews past their deadline (the worker's task, once a minute).

    Their hidden tests are queued as each commits. Only the worker closes an
    interview whose clock ran out unattended: pages show it as over from the
    deadline without writing anything.
    """
    close_overdue(get_session())
