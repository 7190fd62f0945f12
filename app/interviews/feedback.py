"""The decision, and the feedback released to the candidate: exactly what the owner chose.

Scorecards never reach the candidate; each ``FeedbackItem`` is written at release.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.attempts.suggestions import rubric_scale
from app.content.render import render_markdown
from app.db import transaction, utcnow
from app.errors import Conflict, Invalid
from app.interviews import notices
from app.interviews.audit import audit
from app.interviews.permissions import require_owner
from app.interviews.scorecards import COMMENT_MAX_CHARS, SUMMARY_MAX_CHARS, load_rubrics
from app.models import (
    Criterion,
    Decision,
    FeedbackItem,
    Interview,
    InterviewItem,
    RegradeRequest,
    User,
)
from app.vocabulary import AuditAction

# Decision and release ---------------------------------------------------------------------------


def decide(session: Session, interview: Interview, user: User, decision: str, note: str, *,
           now: datetime | None = None) -> Interview:
    require_owner(interview, user)
    if interview.released_at is not None:
        raise Conflict("Feedback is released; the decision stands.")
    if interview.submitted_at is None:
        raise Conflict("The candidate has not submitted yet.")
    pending = [c.reviewer.display_name for c in interview.scorecards if c.submitted_at is None]
    if pending:
        raise Conflict("Waiting for scorecards from " + ", ".join(pending) + ". Remove a "
                       "reviewer from the panel if they will not score.")
    try:
        chosen = Decision(decision)
    except ValueError:
        raise Invalid("Choose advance or do not advance.", field="decision") from None
    note = note.strip()
    if len(note) > SUMMARY_MAX_CHARS:
        raise Invalid(f"Keep the note under {SUMMARY_MAX_CHARS:,} characters.", field="note")
    with transaction(session):
        action = (AuditAction.DECISION_CHANGED if interview.decision is not None
                  else AuditAction.DECIDED)
        audit(session, interview, user, action, decision=chosen.value,
              old=interview.decision.value if interview.decision else None)
        interview.decision = chosen
        interview.decision_note = note
        interview.decided_at = now or utcnow()
    return interview


@dataclass(frozen=True)
class FeedbackChoice:
    level: int | None
    show_level: bool
    comment: str
    show_comment: bool


def release(session: Session, interview: Interview, user: User,
            choices: dict[tuple[int, int], FeedbackChoice], *, message: str = "",
            show_decision: bool = False, now: datetime | None = None) -> Interview:
    """Publish to the candidate exactly what ``choices`` says, and nothing else."""
    require_owner(interview, user)
    if interview.decision is None:
        raise Conflict("Record the decision before releasing feedback.")
    if interview.released_at is not None:
        raise Conflict("Feedback is already released.")
    load_rubrics(session, interview)
    valid = {}
    for item in interview.items:
        if item.attempt is not None:
            scale = rubric_scale(item.rubric_revision)
            for criterion in item.rubric_revision.criteria:
                valid[(item.attempt.id, criterion.id)] = (criterion, scale)
    for key, choice in choices.items():
        if key not in valid:
            raise Invalid("That criterion is not part of this interview.")
        criterion, scale = valid[key]
        if choice.level is not None and choice.level not in scale:
            raise Invalid(f"{criterion.name}: pick a level from {min(scale)} to {max(scale)}.")
        if choice.show_level and choice.level is None:
            raise Invalid(f"{criterion.name}: choose the level to show, or do not show it.")
        if len(choice.comment) > COMMENT_MAX_CHARS:
            raise Invalid(f"{criterion.name}: keep the comment under "
                          f"{COMMENT_MAX_CHARS:,} characters.")
    if len(message) > SUMMARY_MAX_CHARS:
        raise Invalid(f"Keep the message under {SUMMARY_MAX_CHARS:,} characters.")
    with transaction(session):
        for (attempt_id, criterion_id), choice in choices.items():
            session.add(FeedbackItem(
                interview_id=interview.id, attempt_id=attempt_id, criterion_id=criterion_id,
                level=choice.level, show_level=choice.show_level,
                comment=choice.comment.strip(),
                comment_html=str(render_markdown(choice.comment.strip())),
                show_comment=choice.show_comment and bool(choice.comment.strip())))
        interview.release_message = message.strip()
        interview.release_message_html = str(render_markdown(message.strip()))
        interview.release_decision = show_decision
        interview.released_at = now or utcnow()
        audit(session, interview, user, AuditAction.RELEASED,
              levels_shown=sum(1 for c in choices.values() if c.show_level),
              comments_shown=sum(1 for c in choices.values()
                                 if c.show_comment and c.comment.strip()),
              decision_shown=show_decision)
        notices.feedback_released(session, interview)
    return interview


# What the candidate reads ---------------------------------------------------------------------


@dataclass
class FeedbackRow:
    criterion: Criterion
    item: FeedbackItem
    label: str  # the scale's word for the level
    regrade: RegradeRequest | None


@dataclass
class FeedbackSection:
    item: InterviewItem
    rows: list[FeedbackRow]


def candidate_feedback(session: Session, interview: Interview) -> list[FeedbackSection] | None:
    """The released feedback, as the candidate sees it; None before release."""
    if interview.released_at is None:
        return None
    load_rubrics(session, interview)
    chosen = {(f.attempt_id, f.criterion_id): f for f in session.scalars(
        select(FeedbackItem).where(FeedbackItem.interview_id == interview.id))}
    regrades = {(r.attempt_id, r.criterion_id): r for r in session.scalars(
        select(RegradeRequest).where(RegradeRequest.interview_id == interview.id))}
    sections = []
    for item in interview.items:
        if item.attempt is None:
            continue
        scale = rubric_scale(item.rubric_revision)
        rows = []
        for criterion in item.rubric_revision.criteria:
            key = (item.attempt.id, criterion.id)
            shown = chosen.get(key)
            if shown is None or not (shown.show_level or shown.show_comment):
                continue
            rows.append(FeedbackRow(criterion, shown,
                                    scale.get(shown.level, "") if shown.level else "",
                                    regrades.get(key)))
        sections.append(FeedbackSection(item, rows))
    return sections
