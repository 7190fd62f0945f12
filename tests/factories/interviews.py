"""Interviews for tests, made through the same services the pages use."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.attempts import lifecycle
from app.db import utcnow
from app.interviews import clock, invitations, scorecards
from app.models import Interview, InterviewMode, Role, User
from tests.factories.users import make_user


def make_panel(db: Session, reviewers: int = 1) -> tuple[User, list[User]]:
    """An owner and ``reviewers`` other interviewers."""
    owner = make_user(db, Role.INTERVIEWER, name="Olive Owner")
    others = [make_user(db, Role.INTERVIEWER, name=f"Reviewer {n}") for n in range(reviewers)]
    return owner, others


def make_interview(db: Session, owner: User, reviewers: list[User] = (), *,
                   prompts: tuple[str, ...] = ("url-shortener",),
                   mode: InterviewMode = InterviewMode.LIVE, minutes: int | None = None,
                   deadline_at: datetime | None = None, anonymised: bool = False,
                   hints_allowed: bool = False, grace_seconds: int = 60,
                   now: datetime | None = None) -> tuple[Interview, str]:
    now = now or utcnow()
    if mode is InterviewMode.TAKE_HOME and deadline_at is None:
        deadline_at = now + timedelta(days=2)
    spec = invitations.NewInterview(
        candidate_name="Casey Candidate", candidate_email="casey@example.com",
        prompt_slugs=list(prompts), target_level="senior", mode=mode,
        reviewer_ids=[r.id for r in reviewers], minutes=minutes, deadline_at=deadline_at,
        hints_allowed=hints_allowed, anonymised=anonymised)
    return invitations.create_interview(db, owner, spec, grace_seconds=grace_seconds, now=now)


def join_and_start(db: Session, interview: Interview, candidate: User | None = None, *,
                   now: datetime | None = None) -> User:
    candidate = candidate or make_user(db, name="Casey Candidate", email="casey@example.com")
    invitations.join(db, interview, candidate, now=now)
    clock.start(db, interview, candidate, now=now)
    return candidate


def answer_and_submit(db: Session, interview: Interview, body: str) -> None:
    for attempt in clock.attempts(interview):
        lifecycle.save_draft(db, attempt, body=body, based_on=attempt.revision_number,
                             client_id="factory")
        lifecycle.submit_attempt(db, attempt)


def score_all(db: Session, interview: Interview, reviewer: User, level: int, *,
              submit: bool = True, recommendation: str = "yes",
              overrides: dict[str, int] | None = None) -> None:
    """Give every criterion ``level`` (or ``overrides[name]``), with a comment."""
    overrides = overrides or {}
    criteria = {}
    for item in interview.items:
        for criterion in item.rubric_revision.criteria:
            criteria[(item.attempt.id, criterion.id)] = scorecards.CriterionInput(
                level=overrides.get(criterion.name, level), comment=f"Level {level} because.")
    scorecards.save_scorecard(db, interview, reviewer, scorecards.ScorecardInput(
           criteria=criteria, recommendation=recommendation, summary="Solid."), submit=submit)
