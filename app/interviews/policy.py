"""The interview's rules on attempts, registered with the attempt lifecycle at set-up.

An interview's attempts follow its clock (no saves past the deadline and its
grace, a timer that never pauses), its hint setting, and are closed with the
interview; the candidate's practice closes on its prompts and rubrics while
it is pending. ``app.attempts`` asks for all of this through
``attempt_policy()``; ``init_app`` registers this policy there, so the lifecycle
never imports interviews.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.attempts import policy as attempts_policy
from app.attempts.lifecycle import TimeUp
from app.db import utcnow
from app.errors import NotAllowed
from app.interviews import clock, notices
from app.jobs import get_jobs
from app.models import Attempt, Interview, InterviewItem, RubricRevision

IN_INTERVIEW = ("This prompt, or the rubric it is judged by, is part of your interview. "
                "Practice on it, its hints, its rubric and its reference answer open again "
                "once the interview is submitted.")


def practice_locked(session: Session, user_id: int, prompt_id: int, rubric_id: int | None, *,
                    now: datetime | None = None) -> bool:
    """True while the prompt, or the rubric it is judged by, is in the user's pending interview.

    From the moment the candidate's account is tied to an interview until its
    answers are in, practice on its prompts would show their hints, rubrics and
    reference answers; so would practice on another prompt scored with one of
    its rubrics. An interview whose deadline passed before it started will not
    happen, so it closes nothing.
    """
    now = now or utcnow()
    same = InterviewItem.prompt_id == prompt_id
    if rubric_id is not None:
        same = or_(same, RubricRevision.rubric_id == rubric_id)
    return session.scalar(
        select(InterviewItem.id)
        .join(Interview, InterviewItem.interview_id == Interview.id)
        .join(RubricRevision, InterviewItem.rubric_revision_id == RubricRevision.id)
        .where(same, Interview.candidate_id == user_id, Interview.submitted_at.is_(None),
               or_(Interview.started_at.is_not(None), Interview.deadline_at.is_(None),
                   Interview.deadline_at > now))
        .limit(1)) is not None


class InterviewPolicy:
    """No rule on practice attempts but the lock; the interview's rules on its own attempts."""

    def check_open(self, attempt: Attempt, now: datetime) -> None:
        interview = attempt.interview
        if interview is not None and interview.overdue(now):
            raise TimeUp("The interview's time is up: the server has taken your answer as it "
                         "was at the deadline.")

    def check_hints(self, attempt: Attempt) -> None:
        if attempt.interview is not None and not attempt.interview.hints_allowed:
            raise NotAllowed("Hints are off in this interview.")

    def check_timer(self, attempt: Attempt) -> None:
        if attempt.interview is not None:
            raise NotAllowed("An interview's clock keeps running; it cannot be paused.")

    def check_access(self, session: Session, attempt: Attempt) -> None:
        if attempt.interview_id is None:
            self.check_practice(session, attempt.user_id, attempt.prompt_id,
                                attempt.rubric_revision.rubric_id)

    def check_practice(self, session: Session, user_id: int, prompt_id: int,
                       rubric_id: int | None) -> None:
        if practice_locked(session, user_id, prompt_id, rubric_id):
            raise NotAllowed(IN_INTERVIEW)

    def close_when_due(self, session: Session, attempt: Attempt) -> list[int]:
        if attempt.interview is None:
            return []
        return clock.close_when_due(session, attempt.interview)

    def after_submit(self, session: Session, attempt: Attempt, *, now: datetime) -> None:
        clock.after_attempt_submitted(session, attempt, now=now)


def init_app(app: Flask) -> None:
    """Give attempts the interview's rules, and the worker its minute task that closes
    interviews past their deadline."""
    attempts_policy.register(InterviewPolicy())
    get_jobs(app).every_minute("close_overdue_interviews", clock.close_overdue_interviews)
    get_jobs(app).every_minute("scorecard_reminders", notices.send_reminders)
