"""Second looks: a candidate asks about a released criterion, the panel answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.attempts.suggestions import rubric_scale
from app.db import transaction, utcnow
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.interviews.audit import audit
from app.interviews.permissions import require_owner
from app.interviews.scorecards import COMMENT_MAX_CHARS
from app.models import FeedbackItem, Interview, RegradeRequest, RegradeStatus, User


def request_regrade(session: Session, interview: Interview, user: User, *, attempt_id: int,
                    criterion_id: int, reason: str,
                    now: datetime | None = None) -> RegradeRequest:
    if interview.candidate_id != user.id:
        raise NotFound("There is no such interview.")
    if interview.released_at is None:
        raise Conflict("Feedback has not been released yet.")
    shown = session.scalar(select(FeedbackItem).where(
        FeedbackItem.interview_id == interview.id, FeedbackItem.attempt_id == attempt_id,
        FeedbackItem.criterion_id == criterion_id))
    if shown is None or not (shown.show_level or shown.show_comment):
        raise NotFound("There is no such criterion in your feedback.")
    reason = reason.strip()
    if len(reason) < 10:
        raise Invalid("Say in a sentence or two what you would like looked at again.",
                      field="reason")
    if len(reason) > COMMENT_MAX_CHARS:
        raise Invalid(f"Keep the reason under {COMMENT_MAX_CHARS:,} characters.", field="reason")
    if session.scalar(select(RegradeRequest.id).where(
            RegradeRequest.interview_id == interview.id,
            RegradeRequest.attempt_id == attempt_id,
            RegradeRequest.criterion_id == criterion_id)) is not None:
        raise Conflict("You have already asked for a second look at this criterion.")
    with transaction(session):
        request = RegradeRequest(interview_id=interview.id, attempt_id=attempt_id,
                                 criterion_id=criterion_id, reason=reason,
                                 created_at=now or utcnow(), assignee_id=interview.owner_id,
                                 old_level=shown.level)
        session.add(request)
        audit(session, interview, user, "regrade_requested", criterion=shown.criterion.name)
    return request


def regrades(session: Session, interview: Interview) -> list[RegradeRequest]:
    return list(session.scalars(
        select(RegradeRequest).where(RegradeRequest.interview_id == interview.id)
        .options(selectinload(RegradeRequest.criterion), selectinload(RegradeRequest.assignee))
        .order_by(RegradeRequest.created_at)))


def _regrade(session: Session, interview: Interview, request_id: int) -> RegradeRequest:
    request = session.scalar(select(RegradeRequest).where(
        RegradeRequest.id == request_id, RegradeRequest.interview_id == interview.id))
    if request is None:
        raise NotFound("There is no such request.")
    if request.status is not RegradeStatus.OPEN:
        raise Conflict("This request has already been answered.")
    return request


def reassign_regrade(session: Session, interview: Interview, user: User, request_id: int,
                     reviewer_id: int) -> RegradeRequest:
    require_owner(interview, user)
    request = _regrade(session, interview, request_id)
    card = next((c for c in interview.scorecards if c.reviewer_id == reviewer_id), None)
    if card is None:
        raise Invalid("Reassign to a reviewer on the panel.", field="reviewer")
    with transaction(session):
        request.assignee_id = reviewer_id
        audit(session, interview, user, "regrade_reassigned",
              criterion=request.criterion.name, to=card.reviewer.display_name)
    return request


def answer_regrade(session: Session, interview: Interview, user: User, request_id: int, *,
                   response: str, new_level: int | None,
                   now: datetime | None = None) -> RegradeRequest:
    """The assignee (or the owner) answers; a new level replaces the released one."""
    request = _regrade(session, interview, request_id)
    if user.id not in (request.assignee_id, interview.owner_id):
        raise NotAllowed("This request is assigned to someone else.")
    response = response.strip()
    if not response:
        raise Invalid("Write an answer to the candidate.", field="response")
    if len(response) > COMMENT_MAX_CHARS:
        raise Invalid(f"Keep the answer under {COMMENT_MAX_CHARS:,} characters.",
                      field="response")
    item = next(i for i in interview.items if i.attempt_id == request.attempt_id)
    scale = rubric_scale(item.rubric_revision)
    if new_level is not None and new_level not in scale:
        raise Invalid(f"Pick a level from {min(scale)} to {max(scale)}.", field="level")
    shown = session.scalar(select(FeedbackItem).where(
        FeedbackItem.interview_id == interview.id,
        FeedbackItem.attempt_id == request.attempt_id,
        FeedbackItem.criterion_id == request.criterion_id))
    with transaction(session):
        request.response = response
        request.status = RegradeStatus.ANSWERED
        request.answered_by_id = user.id
        request.answered_at = now or utcnow()
        if new_level is not None and shown is not None and new_level != shown.level:
            request.new_level = new_level
            shown.level = new_level
            shown.show_level = True
        audit(session, interview, user, "regrade_answered", criterion=request.criterion.name,
              old=request.old_level, new=request.new_level)
    return request
