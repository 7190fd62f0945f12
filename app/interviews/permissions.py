"""Who sees what of an interview.

``panel_interview`` finds an interview for its owner or a reviewer on its
panel, ``candidate_interview`` for the candidate who joined it; anyone else is
told it does not exist. Templates never decide this.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, joinedload, selectinload

from app.auth.services import normalise_email
from app.errors import NotAllowed, NotFound
from app.models import (
    Attempt,
    Interview,
    InterviewItem,
    PromptRevision,
    RubricRevision,
    Scorecard,
    User,
)

_LONG_PROMPT_TEXT = (PromptRevision.statement_md, PromptRevision.statement_html,
                     PromptRevision.reference_md, PromptRevision.reference_html)


def load_interview(session: Session, *where: Any) -> Interview | None:
    """The interview matching ``where``, with its items, attempts, rubrics and panel loaded.

    Three statements whatever the panel's size: the interview with its owner,
    the items with their prompt, rubric revision and attempt, the scorecards
    with their reviewers. The prompts' statements and reference answers and the
    rubrics' introductions are long texts no panel page shows, so they are left
    in the database (read on first use, should some page need them).
    """
    return session.scalar(
        select(Interview).where(*where)
        .options(joinedload(Interview.owner),
                 selectinload(Interview.items).options(
                     joinedload(InterviewItem.prompt_revision).options(
                         *(defer(column) for column in _LONG_PROMPT_TEXT)),
                     joinedload(InterviewItem.rubric_revision).options(
                         defer(RubricRevision.intro_md), defer(RubricRevision.intro_html)),
                     # The hints revealed join the items' statement: the scores
                     # cap what they gave away, and no page pays a query for them.
                     joinedload(InterviewItem.attempt).joinedload(Attempt.hint_reveals)),
                 selectinload(Interview.scorecards).joinedload(Scorecard.reviewer)))


def panel_interview(session: Session, user: User, interview_id: int) -> Interview:
    """The interview if ``user`` owns it or sits on its panel; NotFound otherwise."""
    interview = load_interview(session, Interview.id == interview_id)
    if interview is None or not on_panel(interview, user):
        raise NotFound("There is no such interview.")
    return interview


def panel_attempt(interview: Interview, attempt_id: int) -> Attempt:
    """An attempt of the interview (already checked with ``panel_interview``); NotFound if
    it belongs to another interview or to none."""
    attempt = next((item.attempt for item in interview.items
                    if item.attempt is not None and item.attempt_id == attempt_id), None)
    if attempt is None:
        raise NotFound("There is no such attempt in this interview.")
    return attempt


def candidate_interview(session: Session, user: User, interview_id: int) -> Interview:
    """The interview if ``user`` is the candidate who joined it; NotFound otherwise."""
    interview = load_interview(session, Interview.id == interview_id,
                               Interview.candidate_id == user.id)
    if interview is None:
        raise NotFound("There is no such interview.")
    return interview


def on_panel(interview: Interview, user: User) -> bool:
    """The owner or a reviewer; never the candidate, even one seated before that was refused."""
    if interview.candidate_id is not None and interview.candidate_id == user.id:
        return False
    return interview.owner_id == user.id or any(
        card.reviewer_id == user.id for card in interview.scorecards)


def require_owner(interview: Interview, user: User) -> None:
    if interview.owner_id != user.id:
        raise NotAllowed("Only the interview's owner can do that.")


def own_scorecard(interview: Interview, user: User) -> Scorecard | None:
    return next((c for c in interview.scorecards if c.reviewer_id == user.id), None)


def may_see_scores(interview: Interview, user: User) -> bool:
    """Blind scoring: others' scores are visible only once one's own scorecard is submitted."""
    card = own_scorecard(interview, user)
    return card is not None and card.submitted_at is not None


def candidate_hidden(interview: Interview, user: User) -> bool:
    """Anonymised review: reviewers other than the owner do not see who it is until decided."""
    return interview.anonymised and interview.decision is None and interview.owner_id != user.id


def candidate_label(interview: Interview, user: User) -> str:
    return (f"Candidate #{interview.id}" if candidate_hidden(interview, user)
            else interview.candidate_name)


def is_candidate(interview: Interview, user: User) -> bool:
    """True for the interview's candidate: the account that joined, or the invited email."""
    return (user.id == interview.candidate_id
            or normalise_email(user.email) == interview.candidate_email)
