"""Interviews from invitation to submission: create, invite, join, start, the clock, live view.

Who may see what is decided here, not in templates: ``panel_interview`` finds
an interview for its owner or a reviewer on its panel, ``candidate_interview``
for the candidate who joined it; anyone else is told it does not exist.
Every function owns its transaction and writes an ``AuditEvent`` for what the
panel must be able to reconstruct later.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session, selectinload

from app.auth.services import hash_token, normalise_email
from app.db import transaction, utcnow
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.kinds import get_kind, kind_order
from app.models import (
    AnswerRevision,
    Attempt,
    AttemptStatus,
    AuditEvent,
    Interview,
    InterviewItem,
    InterviewMode,
    InterviewNote,
    InterviewStage,
    Prompt,
    PromptRevision,
    Role,
    Rubric,
    RunKind,
    Scorecard,
    User,
    UserRole,
)
from app.practice.services import latest_revision, published, submit_attempt
from app.vocabulary import LEVELS, LIVE_MINUTES, AuditAction

# 32 bytes from the OS's CSPRNG: 256 bits, far beyond guessing.
INVITE_TOKEN_BYTES = 32
NOTE_MAX_CHARS = 2_000
MAX_PROMPTS = 5
MAX_REVIEWERS = 8


def audit(session: Session, interview: Interview, actor: User | None, action: AuditAction,
          **detail: Any) -> None:
    """Record an event in the interview's trail (inside the caller's transaction)."""
    session.add(AuditEvent(interview_id=interview.id, actor_id=actor.id if actor else None,
                           action=action, detail=detail))


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


def interviewers(session: Session) -> list[User]:
    """Active accounts holding the interviewer role: who can sit on a panel."""
    return list(session.scalars(
        select(User).join(UserRole)
        .where(UserRole.role == Role.INTERVIEWER, User.is_active.is_(True))
        .order_by(User.display_name, User.id)))


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
    return token


_IS_CANDIDATE = ("{name} is the candidate of this interview (the account that accepted the "
                 "invitation, or the email it was sent to). A candidate cannot sit on their "
                 "own panel: choose another reviewer.")


def is_candidate(interview: Interview, user: User) -> bool:
    """True for the interview's candidate: the account that joined, or the invited email."""
    return (user.id == interview.candidate_id
            or normalise_email(user.email) == interview.candidate_email)


def _hold(session: Session, interview: Interview) -> int | None:
    """Take the interview's row for this transaction; return its candidate as stored now.

    Joining and adding a reviewer both hold the row first, so neither can slip
    past the other's check: the candidate never ends up on their own panel.
    """
    session.execute(update(Interview).where(Interview.id == interview.id)
                    .values(candidate_id=Interview.candidate_id)
                    .execution_options(synchronize_session=False))
    return session.scalar(select(Interview.candidate_id).where(Interview.id == interview.id))


def add_reviewer(session: Session, interview: Interview, actor: User, reviewer_id: int) -> None:
    """Seat another interviewer on the panel; never the interview's candidate."""
    require_owner(interview, actor)
    if interview.decision is not None:
        raise Conflict("The decision is recorded; the panel is closed.")
    if any(card.reviewer_id == reviewer_id for card in interview.scorecards):
        raise Invalid("That person is already on the panel.", field="reviewer")
    if len(interview.scorecards) >= MAX_REVIEWERS:
        raise Invalid(f"A panel has at most {MAX_REVIEWERS} reviewers.", field="reviewer")
    reviewer = next((u for u in interviewers(session) if u.id == reviewer_id), None)
    if reviewer is None:
        raise Invalid("Reviewers must hold the interviewer role.", field="reviewer")
    if is_candidate(interview, reviewer):
        raise Invalid(_IS_CANDIDATE.format(name=reviewer.display_name), field="reviewer")
    with transaction(session):
        if _hold(session, interview) == reviewer.id:  # joined meanwhile
            raise Invalid(_IS_CANDIDATE.format(name=reviewer.display_name), field="reviewer")
        interview.scorecards.append(Scorecard(reviewer_id=reviewer.id))
        audit(session, interview, actor, AuditAction.REVIEWER_ADDED,
              reviewer=reviewer.display_name)


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


# Who sees what ---------------------------------------------------------------------------


def _load(session: Session, *where: Any) -> Interview | None:
    return session.scalar(
        select(Interview).where(*where)
        .options(selectinload(Interview.items).selectinload(InterviewItem.prompt_revision),
                 selectinload(Interview.items).selectinload(InterviewItem.attempt),
                 selectinload(Interview.scorecards).selectinload(Scorecard.reviewer),
                 selectinload(Interview.owner)))


def panel_interview(session: Session, user: User, interview_id: int) -> Interview:
    """The interview if ``user`` owns it or sits on its panel; NotFound otherwise."""
    interview = _load(session, Interview.id == interview_id)
    if interview is None or not on_panel(interview, user):
        raise NotFound("There is no such interview.")
    return interview


def candidate_interview(session: Session, user: User, interview_id: int) -> Interview:
    """The interview if ``user`` is the candidate who joined it; NotFound otherwise."""
    interview = _load(session, Interview.id == interview_id, Interview.candidate_id == user.id)
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


# The candidate's side -------------------------------------------------------------------------


def find_by_token(session: Session, token: str) -> Interview:
    interview = _load(session, Interview.invite_token_hash == hash_token(token))
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
                rubric_revision_id=item.rubric_revision_id,
                interview_id=interview.id, target_level=interview.target_level,
                started_at=now, timer_started_at=now)
            session.add(attempt)
            item.attempt = attempt
        audit(session, interview, user, AuditAction.STARTED)
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
        audit(session, interview, None, AuditAction.SUBMITTED_AT_DEADLINE,
              revisions={str(a.id): a.revision_number for a in attempts(interview)})
    return True


def request_hidden_runs(session: Session, interview: Interview) -> list[int]:
    """Queue the hidden tests of submitted attempts with tests that have none yet; run ids."""
    from app.grading.runs import latest_run, request_run

    queued = []
    for attempt in attempts(interview):
        if (get_kind(attempt.prompt_revision.kind).runs_tests and not attempt.is_open
                and attempt.revision_number > 0
                and latest_run(session, attempt, RunKind.HIDDEN) is None):
            queued.append(request_run(session, attempt, RunKind.HIDDEN).id)
    return queued


def close_when_due(session: Session, interview: Interview, *,
                   now: datetime | None = None) -> list[int]:
    """Close the interview if its time is up; the ids of the hidden-test runs to queue.

    Pages call this before showing an interview, the worker for every overdue
    one; either way the answers are submitted and their hidden tests requested
    once.
    """
    if not close_if_overdue(session, interview, now=now):
        return []
    return request_hidden_runs(session, interview)


def close_overdue(session: Session, *, now: datetime | None = None) -> list[int]:
    """Close every interview past its deadline and grace; the worker calls this each minute.

    Returns the ids of the hidden-test runs to queue for the attempts it closed.
    """
    now = now or utcnow()
    candidates = session.scalars(
        select(Interview.id).where(Interview.submitted_at.is_(None),
                                   Interview.started_at.is_not(None),
                                   Interview.deadline_at <= now)).all()
    runs = []
    for interview_id in candidates:
        interview = _load(session, Interview.id == interview_id)
        if interview is not None:
            runs.extend(close_when_due(session, interview, now=now))
    return runs


def after_attempt_submitted(session: Session, attempt: Attempt, *,
                            now: datetime | None = None) -> None:
    """When the candidate has submitted every prompt, the interview is submitted."""
    interview = attempt.interview
    if interview is None or interview.submitted_at is not None:
        return
    interview = _load(session, Interview.id == interview.id)
    assert interview is not None
    if all(a.status is not AttemptStatus.IN_PROGRESS for a in attempts(interview)):
        with transaction(session):
            interview.submitted_at = now or utcnow()
            interview.closed_by = "candidate"
            audit(session, interview, attempt.user, AuditAction.SUBMITTED)


def candidate_interviews(session: Session, user: User) -> list[Interview]:
    return list(session.scalars(
        select(Interview).where(Interview.candidate_id == user.id)
        .options(selectinload(Interview.scorecards), selectinload(Interview.owner))
        .order_by(Interview.created_at.desc())))


# The live view ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveAnswer:
    attempt: Attempt
    revision: AnswerRevision | None
    html: str | None  # None when unchanged since the revision the page has


def answer_html(kind: str, revision: AnswerRevision | None) -> str:
    """An answer as the panel reads it: as its prompt's kind shows it (app.kinds).

    Load the revision with ``latest_revision(..., html=shows_html(kind))``.
    """
    return get_kind(kind).answer_html(revision)


def shows_html(kind: str) -> bool:
    """Whether answers to prompts of ``kind`` are shown as their stored HTML (not as code)."""
    return get_kind(kind).renders_html


def live_answers(session: Session, interview: Interview,
                 seen: dict[int, int] | None = None) -> list[LiveAnswer]:
    """The newest saved revision of each attempt; HTML only for those changed since ``seen``."""
    seen = seen or {}
    out = []
    for item in interview.items:
        attempt = item.attempt
        if attempt is None:
            continue
        changed = seen.get(attempt.id) != attempt.revision_number
        kind = item.prompt_revision.kind
        revision = latest_revision(session, attempt, html=changed and shows_html(kind))
        out.append(LiveAnswer(attempt, revision, answer_html(kind, revision) if changed else None))
    return out


def add_note(session: Session, interview: Interview, user: User, body: str, *,
             now: datetime | None = None) -> InterviewNote:
    now = now or utcnow()
    body = body.strip()
    if not body:
        raise Invalid("Write the note first.", field="body")
    if len(body) > NOTE_MAX_CHARS:
        raise Invalid(f"Keep a note under {NOTE_MAX_CHARS:,} characters.", field="body")
    elapsed = (int((now - interview.started_at).total_seconds())
               if interview.started_at else None)
    with transaction(session):
        note = InterviewNote(interview_id=interview.id, author_id=user.id, body=body,
                             created_at=now, elapsed_seconds=elapsed)
        session.add(note)
    return note


def notes_for(session: Session, interview: Interview, user: User) -> list[InterviewNote]:
    """The user's own notes: notes are private to their author, like a draft scorecard."""
    return list(session.scalars(
        select(InterviewNote).where(InterviewNote.interview_id == interview.id,
                                    InterviewNote.author_id == user.id)
        .order_by(InterviewNote.created_at, InterviewNote.id)))


def audit_trail(session: Session, interview: Interview) -> list[AuditEvent]:
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.interview_id == interview.id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())))
