"""Setting an interview up: create it with its panel, invite, seat reviewers, join.

Every function owns its transaction and writes an ``AuditEvent``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select, update
from sqlalchemy.orm import Session, selectinload

from app.attempts.lifecycle import published
from app.auth.services import hash_token, normalise_email
from app.db import transaction, utcnow
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.interviews import notices
from app.interviews.audit import audit
from app.interviews.permissions import is_candidate, load_interview, on_panel, require_owner
from app.kinds import kind_order
from app.models import (
    Interview,
    InterviewItem,
    InterviewMode,
    InterviewStage,
    Prompt,
    PromptRevision,
    Role,
    Rubric,
    Scorecard,
    User,
    UserRole,
)
from app.vocabulary import LEVELS, LIVE_MINUTES, AuditAction

# 32 bytes from the OS's CSPRNG: 256 bits, far beyond guessing.
INVITE_TOKEN_BYTES = 32
MAX_PROMPTS = 5
MAX_REVIEWERS = 8


def new_invite_token() -> str:
    return secrets.token_urlsafe(INVITE_TOKEN_BYTES)


# Creating ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewInterview:
    candidate_name: str
    candidate_email: str
    prompt_slugs: list[str]
    target_level: str
    mode: InterviewMode
    reviewer_ids: list[int]
    minutes: int | None = None          # live: the time box; None = the prompts' own
    deadline_at: datetime | None = None  # take-home
    hints_allowed: bool = False
    anonymised: bool = False
    title: str = ""


def _interviewers(*columns: Any) -> Select:
    """``columns`` of the active accounts holding the interviewer role, by name."""
    return (select(*columns).join(UserRole)
            .where(UserRole.role == Role.INTERVIEWER, User.is_active.is_(True))
            .order_by(User.display_name, User.id))


def interviewers(session: Session) -> list[User]:
    """Active accounts holding the interviewer role: who can sit on a panel."""
    return list(session.scalars(_interviewers(User)))


PANEL_CHOICES = 50


def find_interviewer(session: Session, *, user_id: int | None = None,
                     email: str | None = None) -> User | None:
    """The active interviewer with that id or that email (any case), or None."""
    where = (User.id == user_id if user_id is not None
             else func.lower(User.email) == normalise_email(email or ""))
    return session.scalar(_interviewers(User).where(where))


def panel_choices(session: Session, interview: Interview, *,
                  limit: int = PANEL_CHOICES) -> list[tuple[str, str]]:
    """(email, name) of up to ``limit`` interviewers who could join the panel, by name.

    The page offers these as suggestions; anyone else is added by typing their
    email, so the page costs the same however many interviewers there are.
    """
    seated = [card.reviewer_id for card in interview.scorecards]
    if interview.candidate_id is not None:
        seated.append(interview.candidate_id)
    rows = session.execute(
        _interviewers(User.email, User.display_name)
        .where(User.id.not_in(seated),
               func.lower(User.email) != normalise_email(interview.candidate_email))
        .limit(limit)).all()
    return [(email, name) for email, name in rows]


def interview_prompts(session: Session) -> list[tuple[Prompt, PromptRevision]]:
    """Published prompts an interview may use, system design first, by title."""
    rows = session.execute(
        select(Prompt, PromptRevision)
        .join(PromptRevision, Prompt.current_revision_id == PromptRevision.id)
        .where(published())
        .order_by(case(kind_order(), value=PromptRevision.kind, else_=len(kind_order())),
                  PromptRevision.title)).all()
    return [(prompt, revision) for prompt, revision in rows]


def create_interview(session: Session, owner: User, spec: NewInterview, *,
                     grace_seconds: int = 60, now: datetime | None = None,
                     ) -> tuple[Interview, str]:
    """Create an interview and its panel; returns it with the invite token (shown once)."""
    now = now or utcnow()
    name = spec.candidate_name.strip()
    if not name:
        raise Invalid("Enter the candidate's name.", field="candidate_name")
    email = normalise_email(spec.candidate_email)
    if "@" not in email:
        raise Invalid("Enter the candidate's email address.", field="candidate_email")
    if normalise_email(owner.email) == email:
        raise Invalid("That is your own email: the owner sits on the panel and cannot be the "
                      "candidate. Enter the candidate's email.", field="candidate_email")
    slugs = list(dict.fromkeys(spec.prompt_slugs))
    if not slugs:
        raise Invalid("Choose at least one prompt.", field="prompts")
    if len(slugs) > MAX_PROMPTS:
        raise Invalid(f"Choose at most {MAX_PROMPTS} prompts.", field="prompts")
    if spec.target_level not in LEVELS:
        raise Invalid("Choose a target level.", field="target_level")
    available = {p.slug: (p, r) for p, r in interview_prompts(session)}
    chosen = []
    for slug in slugs:
        if slug not in available:
            raise Invalid(f"There is no published prompt {slug!r}.", field="prompts")
        chosen.append(available[slug])
    rubric_ids = dict(session.execute(
        select(Rubric.slug, Rubric.current_revision_id)
        .where(Rubric.slug.in_({r.rubric_slug for _, r in chosen}))).all())
    for _, revision in chosen:
        if rubric_ids.get(revision.rubric_slug) is None:
            raise Invalid(f"The rubric of {revision.title!r} is not loaded.", field="prompts")

    if spec.mode is InterviewMode.LIVE:
        minutes = spec.minutes or sum(r.minutes for _, r in chosen)
        low, high = LIVE_MINUTES
        if not low <= minutes <= high:
            raise Invalid(f"A live time box is {low} to {high} minutes.", field="minutes")
        deadline = None
    else:
        if spec.deadline_at is None:
            raise Invalid("Set the take-home deadline.", field="deadline")
        if spec.deadline_at <= now + timedelta(minutes=15):
            raise Invalid("Set the deadline at least 15 minutes from now.", field="deadline")
        if spec.deadline_at > now + timedelta(days=30):
            raise Invalid("Set the deadline within 30 days.", field="deadline")
        minutes = sum(r.minutes for _, r in chosen)
        deadline = spec.deadline_at

    panel_ids = [owner.id, *dict.fromkeys(i for i in spec.reviewer_ids if i != owner.id)]
    if len(panel_ids) > MAX_REVIEWERS:
        raise Invalid(f"A panel has at most {MAX_REVIEWERS} reviewers.", field="reviewers")
    allowed = {u.id: u for u in interviewers(session)}
    if any(i not in allowed for i in panel_ids[1:]):
        raise Invalid("Reviewers must hold the interviewer role.", field="reviewers")
    for reviewer_id in panel_ids[1:]:
        if normalise_email(allowed[reviewer_id].email) == email:
            raise Invalid(_IS_CANDIDATE.format(name=allowed[reviewer_id].display_name),
                          field="reviewers")

    title = spec.title.strip()[:200] or f"{name}: {chosen[0][1].title}"
    token = new_invite_token()
    with transaction(session):
        interview = Interview(
            owner_id=owner.id, title=title, candidate_name=name[:80], candidate_email=email,
            target_level=spec.target_level, mode=spec.mode, minutes=minutes,
            deadline_at=deadline, grace_seconds=grace_seconds,
            hints_allowed=spec.hints_allowed, anonymised=spec.anonymised,
            invite_token_hash=hash_token(token), created_at=now)
        for position, (prompt, revision) in enumerate(chosen):
            interview.items.append(InterviewItem(
                position=position, prompt_id=prompt.id, prompt_revision_id=revision.id,
                rubric_revision_id=rubric_ids[revision.rubric_slug]))
        for reviewer_id in panel_ids:
            interview.scorecards.append(Scorecard(reviewer_id=reviewer_id))
        session.add(interview)
        session.flush()
        audit(session, interview, owner, AuditAction.CREATED, mode=spec.mode.value,
              prompts=slugs, reviewers=len(panel_ids))
        notices.invitation(session, interview, token)
        for reviewer_id in panel_ids[1:]:
            notices.panel_added(session, interview, allowed[reviewer_id])
    return interview, token


def new_invite_link(session: Session, interview: Interview, actor: User) -> str:
    """Replace the invite token; the old link stops working."""
    require_owner(interview, actor)
    if interview.candidate_id is not None:
        raise Conflict("The candidate has already joined; the link is no longer needed.")
    token = new_invite_token()
    with transaction(session):
        interview.invite_token_hash = hash_token(token)
        audit(session, interview, actor, AuditAction.INVITE_REPLACED)
        notices.invitation(session, interview, token)
    return token


_IS_CANDIDATE = ("{name} is the candidate of this interview (the account that accepted the "
                 "invitation, or the email it was sent to). A candidate cannot sit on their "
                 "own panel: choose another reviewer.")


def _hold(session: Session, interview: Interview) -> int | None:
    """Take the interview's row for this transaction; return its candidate as stored now.

    Joining and adding a reviewer both hold the row first, so neither can slip
    past the other's check: the candidate never ends up on their own panel.
    """
    session.execute(update(Interview).where(Interview.id == interview.id)
                    .values(candidate_id=Interview.candidate_id)
                    .execution_options(synchronize_session=False))
    return session.scalar(select(Interview.candidate_id).where(Interview.id == interview.id))


def add_reviewer(session: Session, interview: Interview, actor: User,
                 reviewer: int | str) -> None:
    """Seat another interviewer (an account id, or its email) on the panel; never the candidate."""
    require_owner(interview, actor)
    if interview.decision is not None:
        raise Conflict("The decision is recorded; the panel is closed.")
    found = None if isinstance(reviewer, int) else find_interviewer(session, email=reviewer)
    reviewer_id = reviewer if isinstance(reviewer, int) else found.id if found else None
    if any(card.reviewer_id == reviewer_id for card in interview.scorecards):
        raise Invalid("That person is already on the panel.", field="reviewer")
    if len(interview.scorecards) >= MAX_REVIEWERS:
        raise Invalid(f"A panel has at most {MAX_REVIEWERS} reviewers.", field="reviewer")
    if isinstance(reviewer, int):
        found = find_interviewer(session, user_id=reviewer)
    if found is None:
        raise Invalid("Reviewers must hold the interviewer role.", field="reviewer")
    reviewer = found
    if is_candidate(interview, reviewer):
        raise Invalid(_IS_CANDIDATE.format(name=reviewer.display_name), field="reviewer")
    with transaction(session):
        if _hold(session, interview) == reviewer.id:  # joined meanwhile
            raise Invalid(_IS_CANDIDATE.format(name=reviewer.display_name), field="reviewer")
        interview.scorecards.append(Scorecard(reviewer_id=reviewer.id))
        audit(session, interview, actor, AuditAction.REVIEWER_ADDED, reviewer=reviewer.display_name)
        notices.panel_added(session, interview, reviewer)


def remove_reviewer(session: Session, interview: Interview, actor: User,
                    scorecard_id: int) -> None:
    """Take a reviewer who has not submitted off the panel (their draft goes with them)."""
    require_owner(interview, actor)
    card = next((c for c in interview.scorecards if c.id == scorecard_id), None)
    if card is None:
        raise NotFound("That reviewer is not on the panel.")
    if card.reviewer_id == interview.owner_id:
        raise NotAllowed("The owner stays on the panel.")
    if card.submitted_at is not None:
        raise Conflict("That reviewer has submitted a scorecard; it stays on the record.")
    if interview.decision is not None:
        raise Conflict("The decision is recorded; the panel is closed.")
    with transaction(session):
        audit(session, interview, actor, AuditAction.REVIEWER_REMOVED,
              reviewer=card.reviewer.display_name)
        interview.scorecards.remove(card)


# The candidate's side -------------------------------------------------------------------------


def find_by_token(session: Session, token: str) -> Interview:
    interview = load_interview(session, Interview.invite_token_hash == hash_token(token))
    if interview is None:
        raise NotFound("This invitation link is not valid. It may have been replaced by a "
                       "newer one; ask your interviewer for the current link.")
    return interview


def join(session: Session, interview: Interview, user: User, *,
         now: datetime | None = None) -> Interview:
    """Tie the invitation to ``user``'s account (once; the same account may come back)."""
    now = now or utcnow()
    if interview.candidate_id == user.id:
        return interview
    if interview.candidate_id is not None:
        raise NotAllowed("This invitation was already accepted by another account.")
    if on_panel(interview, user):
        raise NotAllowed("You are on this interview's panel, so you cannot take it.")
    if interview.stage(now) is InterviewStage.EXPIRED:
        raise Conflict("The deadline of this interview has passed.")
    with transaction(session):
        # Claim the invitation only if nobody has, holding the row, then look
        # at the panel as stored: a reviewer added meanwhile is seen here.
        claimed = session.execute(
            update(Interview)
            .where(Interview.id == interview.id, Interview.candidate_id.is_(None))
            .values(candidate_id=user.id, joined_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if not claimed:
            raise NotAllowed("This invitation was already accepted by another account.")
        if session.scalar(select(Scorecard.id).where(
                Scorecard.interview_id == interview.id, Scorecard.reviewer_id == user.id,
        ).limit(1)) is not None or interview.owner_id == user.id:
            raise NotAllowed("You are on this interview's panel, so you cannot take it.")
        interview.candidate_id = user.id
        interview.joined_at = now
        if not user.has_role(Role.CANDIDATE):  # the workspace is the candidates' one
            user.role_grants.append(UserRole(role=Role.CANDIDATE))
        audit(session, interview, user, AuditAction.JOINED, email_matches=(
            normalise_email(user.email) == interview.candidate_email))
    return interview


def candidate_interviews(session: Session, user: User) -> list[Interview]:
    return list(session.scalars(
        select(Interview).where(Interview.candidate_id == user.id)
        .options(selectinload(Interview.scorecards), selectinload(Interview.owner))
        .order_by(Interview.created_at.desc())))
