"""The interview's emails: the invitation, a seat on a panel, released feedback, and the
scorecard reminder (the worker's minute task).

Each is queued in the transaction of the change it announces (app.mail.outbox),
so a change that rolls back sends nothing. Reviewers of an anonymised interview
read "Interview #<id>", as on their pages.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, cast, literal, select
from sqlalchemy.orm import Session

from app.db import get_session, transaction, utcnow
from app.interviews.permissions import candidate_hidden
from app.jobs import Jobs
from app.mail import messages
from app.mail.links import absolute_url
from app.mail.outbox import queue_email
from app.models import Email, EmailKind, Interview, Scorecard, User

REMINDER_BATCH = 200


def _panel_title(interview: Interview, reviewer: User) -> str:
    return f"Interview #{interview.id}" if candidate_hidden(interview, reviewer) \
        else interview.title


def invitation(session: Session, interview: Interview, token: str) -> None:
    """Email the candidate the invite link (the raw token exists only now)."""
    link = absolute_url(session, "interviews.invitation", token=token)
    queue_email(session, kind=EmailKind.INVITATION, to=interview.candidate_email,
                message=messages.invitation(interview.candidate_name,
                                            interview.owner.display_name,
                                            interview.title_for_candidate, link))


def panel_added(session: Session, interview: Interview, reviewer: User) -> None:
    """Tell a reviewer they now sit on the interview's panel."""
    link = absolute_url(session, "interviews.overview", interview_id=interview.id)
    queue_email(session, kind=EmailKind.PANEL_ADDED, to=reviewer.email,
                message=messages.panel_added(reviewer.display_name,
                                             interview.owner.display_name,
                                             _panel_title(interview, reviewer), link))


def feedback_released(session: Session, interview: Interview) -> None:
    """Tell the candidate their feedback can be read."""
    candidate = interview.candidate
    if candidate is None:  # released feedback needs submitted answers, hence a candidate
        return
    link = absolute_url(session, "interviews.candidate", interview_id=interview.id)
    queue_email(session, kind=EmailKind.FEEDBACK_RELEASED, to=candidate.email,
                message=messages.feedback_released(candidate.display_name,
                                                   interview.title_for_candidate, link))


def reminder_key(interview_id: int, reviewer_id: int) -> str:
    return f"scorecard_due:{interview_id}:{reviewer_id}"


def remind_due_scorecards(session: Session, *, hours: int,
                          now: datetime | None = None) -> int:
    """Queue one "scorecard due" email per reviewer still scoring ``hours`` after submission.

    Once per reviewer per interview, whoever runs it and however often: the
    email's ``dedupe_key`` is unique. Returns how many were queued.
    """
    now = now or utcnow()
    rows = session.execute(
        select(Scorecard, Interview, User)
        .join(Interview, Scorecard.interview_id == Interview.id)
        .join(User, Scorecard.reviewer_id == User.id)
        .where(Interview.submitted_at <= now - timedelta(hours=hours),
               Interview.decision.is_(None), Scorecard.submitted_at.is_(None),
               User.is_active.is_(True),
               # Reminded already: the key reminder_key() gives, built in SQL.
               ~select(Email.id).where(Email.dedupe_key == (
                   literal("scorecard_due:") + cast(Interview.id, String) + ":"
                   + cast(Scorecard.reviewer_id, String))).exists())
        .order_by(Interview.id, Scorecard.id).limit(REMINDER_BATCH)).all()
    queued = 0
    for _card, interview, reviewer in rows:
        link = absolute_url(session, "interviews.scorecard", interview_id=interview.id)
        with transaction(session):
            email = queue_email(
                session, kind=EmailKind.SCORECARD_DUE, to=reviewer.email,
                dedupe_key=reminder_key(interview.id, reviewer.id),
                message=messages.scorecard_due(reviewer.display_name,
                                               _panel_title(interview, reviewer), hours, link))
        queued += email is not None
    return queued


def send_reminders(_jobs: Jobs) -> None:
    """The worker's minute task: remind reviewers whose scorecards are overdue."""
    hours = current_app.config["SCORECARD_DUE_HOURS"]
    if hours > 0:
        remind_due_scorecards(get_session(), hours=hours)
