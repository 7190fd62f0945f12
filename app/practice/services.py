"""The candidate's practice journey: library, attempts, autosave, hints, submit, self-assessment.

Every function takes a session and plain values, owns its transaction, and
raises a domain error (``NotFound``, ``Conflict``, ``Invalid`` ...) that the web
layer maps to a status. No answer text is ever overwritten: each save is a new
``AnswerRevision``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, undefer

from app.content.render import render_markdown
from app.db import INT_MAX, transaction, utcnow
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.grading.runs import latest_run
from app.grading.scoring import (
    CriterionLevel,
    Score,
    auto_level_from_counts,
    bar_for,
    normalise,
    score,
)
from app.grading.signals import highlight_html, signals_found, suggested_level
from app.kinds import get_kind, kind_names, kind_order
from app.models import (
    AnswerRevision,
    Attempt,
    AttemptStatus,
    Competency,
    Criterion,
    HintReveal,
    Interview,
    InterviewItem,
    Prompt,
    PromptRevision,
    PromptRevisionCompetency,
    Rubric,
    RubricRevision,
    RunKind,
    RunStatus,
    SelfAssessment,
    TestRun,
    User,
)
from app.pagination import Page, paginate
from app.vocabulary import LEVELS, TIME_BOXES, AutoScorer, PromptStatus

ANSWER_MAX_BYTES = 200_000
NOTE_MAX_CHARS = 2_000
LIBRARY_PER_PAGE = 12
REVISIONS_PER_PAGE = 25


class AnswerTooLarge(Invalid):
    """An answer over the size limit; nothing was saved."""

    status = 413


class StaleRevision(Conflict):
    """A save based on an older revision than the newest one (another tab or device)."""

    def __init__(self, current: AnswerRevision | None, number: int) -> None:
        super().__init__("This answer was changed elsewhere since you loaded it.")
        self.current = current
        self.number = number


class AttemptClosed(Conflict):
    """The attempt was submitted; its answer is frozen."""


class TimeUp(AttemptClosed):
    """An interview's deadline (plus its grace) has passed: the server takes no more saves."""


# The library -------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryFilters:
    competency: str = ""
    kind: str = ""
    level: str = ""
    time_box: str = ""
    query: str = ""
    page: int = 1

    @property
    def active(self) -> bool:
        return any((self.competency, self.kind, self.level, self.time_box, self.query))


@dataclass(frozen=True)
class LibraryEntry:
    slug: str
    revision: PromptRevision
    status: str  # not_started, in_progress, submitted, reviewed


def published():
    """Prompts a candidate may start: on disk, published, with a current revision."""
    return and_(Prompt.retired_at.is_(None), PromptRevision.status == PromptStatus.PUBLISHED)


def list_library(session: Session, user: User, filters: LibraryFilters) -> Page[LibraryEntry]:
    """Published prompts matching ``filters``, with what ``user`` has done with each."""
    latest_status = (
        select(Attempt.status)
        .where(Attempt.prompt_id == Prompt.id, Attempt.user_id == user.id,
               Attempt.interview_id.is_(None))
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        select(Prompt.slug, PromptRevision, latest_status)
        .join(PromptRevision, Prompt.current_revision_id == PromptRevision.id)
        .where(published())
        .order_by(case(kind_order(), value=PromptRevision.kind, else_=len(kind_order())),
                  PromptRevision.title)
    )
    if filters.competency:
        stmt = stmt.where(exists().where(
            PromptRevisionCompetency.prompt_revision_id == PromptRevision.id,
            PromptRevisionCompetency.competency_id == Competency.id,
            Competency.slug == filters.competency,
        ))
    if filters.kind in kind_names():
        stmt = stmt.where(PromptRevision.kind == filters.kind)
    if filters.level in LEVELS:
        stmt = stmt.where(PromptRevision.level == filters.level)
    if filters.time_box in TIME_BOXES:
        _, low, high = TIME_BOXES[filters.time_box]
        stmt = stmt.where(PromptRevision.minutes.between(low, high))
    for word in filters.query.split()[:8]:
        term = word.lower()
        stmt = stmt.where(or_(
            func.lower(PromptRevision.title).contains(term, autoescape=True),
            func.lower(PromptRevision.statement_md).contains(term, autoescape=True),
        ))
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, -(-total // LIBRARY_PER_PAGE))
    number = min(max(1, filters.page), pages)
    rows = session.execute(stmt.limit(LIBRARY_PER_PAGE).offset((number - 1) * LIBRARY_PER_PAGE)
                           .options(selectinload(PromptRevision.competencies))).all()
    entries = [LibraryEntry(slug, revision, status.value if status else "not_started")
               for slug, revision, status in rows]
    return Page(items=entries, number=number, per_page=LIBRARY_PER_PAGE, total=total)


def library_competencies(session: Session) -> list[Competency]:
    return list(session.scalars(select(Competency).where(Competency.retired_at.is_(None))
                                .order_by(Competency.position)))


def get_practice_prompt(session: Session, slug: str) -> tuple[Prompt, PromptRevision]:
    """A published prompt by slug with its current revision; NotFound for drafts and retired."""
    row = session.execute(
        select(Prompt, PromptRevision)
        .join(PromptRevision, Prompt.current_revision_id == PromptRevision.id)
        .where(Prompt.slug == slug, published())
        .options(selectinload(PromptRevision.competencies))
    ).first()
    if row is None:
        raise NotFound("There is no published prompt with that name.")
    return row[0], row[1]


def attempts_for(session: Session, user: User, prompt: Prompt) -> list[Attempt]:
    return list(session.scalars(select(Attempt).where(Attempt.user_id == user.id,
                                                      Attempt.prompt_id == prompt.id,
                                                      Attempt.interview_id.is_(None))
                                .order_by(Attempt.started_at.desc())))


# Attempts ---------------------------------------------------------------------


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


IN_INTERVIEW = ("This prompt, or the rubric it is judged by, is part of your interview. "
                "Practice on it, its hints, its rubric and its reference answer open again "
                "once the interview is submitted.")


def _check_practice_open(session: Session, attempt: Attempt) -> None:
    """Refuse a practice attempt whose prompt or rubric is in its owner's pending interview."""
    if attempt.interview_id is None and practice_locked(
            session, attempt.user_id, attempt.prompt_id, attempt.rubric_revision.rubric_id):
        raise NotAllowed(IN_INTERVIEW)


def open_practice_prompt(session: Session, user: User, slug: str,
                         ) -> tuple[Prompt, PromptRevision]:
    """A published prompt ``user`` may practise now; NotAllowed while their interview holds it."""
    prompt, revision = get_practice_prompt(session, slug)
    rubric_id = session.scalar(select(Rubric.id).where(Rubric.slug == revision.rubric_slug))
    if practice_locked(session, user.id, prompt.id, rubric_id):
        raise NotAllowed(IN_INTERVIEW)
    return prompt, revision


def start_attempt(session: Session, user: User, slug: str, *,
                  target_level: str | None = None) -> Attempt:
    """Start a new practice attempt at the current revision of a published prompt.

    Not while the same prompt is in one of the user's pending interviews: a
    practice attempt would show its hints, rubric and reference answer.
    """
    prompt, revision = open_practice_prompt(session, user, slug)
    rubric_revision_id = session.scalar(select(Rubric.current_revision_id)
                                        .where(Rubric.slug == revision.rubric_slug))
    if rubric_revision_id is None:
        raise NotFound("This prompt's rubric is not loaded.")
    level = target_level if target_level in LEVELS else revision.level
    with transaction(session):
        attempt = Attempt(user_id=user.id, prompt_id=prompt.id, prompt_revision_id=revision.id,
                          rubric_revision_id=rubric_revision_id, target_level=level,
                          timer_started_at=utcnow())
        session.add(attempt)
    return attempt


def get_own_attempt(session: Session, user: User, attempt_id: int) -> Attempt:
    """The user's attempt, with its prompt and rubric revisions; NotFound if it is not theirs."""
    attempt = session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id, Attempt.user_id == user.id)
        .options(selectinload(Attempt.prompt_revision), selectinload(Attempt.prompt),
                 selectinload(Attempt.hint_reveals), selectinload(Attempt.interview),
                 selectinload(Attempt.rubric_revision).selectinload(RubricRevision.criteria))
    )
    if attempt is None:  # someone else's attempt is reported as missing, not forbidden
        raise NotFound("There is no such attempt.")
    # Every page and action of a practice attempt goes through here, so an
    # attempt begun before the interview cannot show its hints during it.
    _check_practice_open(session, attempt)
    return attempt


def _revision_query(html: bool):
    """Answer revisions, with their stored HTML loaded too if ``html`` (it is deferred)."""
    query = select(AnswerRevision)
    return query.options(undefer(AnswerRevision.html)) if html else query


def latest_revision(session: Session, attempt: Attempt, *,
                    html: bool = False) -> AnswerRevision | None:
    """The attempt's newest revision; ``html`` loads its stored HTML in the same query."""
    if attempt.revision_number == 0:
        return None
    return session.scalar(_revision_query(html).where(
        AnswerRevision.attempt_id == attempt.id,
        AnswerRevision.number == attempt.revision_number))


def _check_open(attempt: Attempt, now: datetime | None = None) -> None:
    if not attempt.is_open:
        raise AttemptClosed("This attempt was submitted; its answer can no longer change.")
    interview = attempt.interview
    if interview is not None and interview.overdue(now or utcnow()):
        raise TimeUp("The interview's time is up: the server has taken your answer as it was "
                     "at the deadline.")


def save_draft(session: Session, attempt: Attempt, *, body: str, based_on: int,
               client_id: str = "", now: datetime | None = None) -> AnswerRevision:
    """Save ``body`` as the next revision, if it was based on the newest one.

    A save based on an older revision raises StaleRevision with the newest
    text, unless every revision since was saved by the same editor
    (``client_id``): then it was this editor's own save whose reply was lost.
    Saving the text the newest revision already holds writes nothing.
    """
    _check_open(attempt, now)
    if not 0 <= based_on <= INT_MAX:
        raise Invalid("There is no such revision to build on. Reload the page.")
    size = len(body.encode("utf-8"))
    if size > ANSWER_MAX_BYTES:
        raise AnswerTooLarge(f"The answer is {size:,} bytes; the limit is "
                             f"{ANSWER_MAX_BYTES:,}. Nothing was saved; shorten it to save.")
    # Rendered once, here, and stored with the revision: pages only read it
    # (code is shown as text and stores none). Before the transaction, so no
    # lock is held while it renders.
    html = get_kind(attempt.prompt_revision.kind).stored_html(body, render_markdown)
    for _ in range(3):  # a unique-number race with another save: re-check and retry
        try:
            return _save_once(session, attempt, body, html, based_on, client_id, size)
        except IntegrityError:
            session.rollback()
            session.refresh(attempt)
    raise StaleRevision(latest_revision(session, attempt), attempt.revision_number)


def _claim(session: Session, attempt: Attempt) -> int:
    """Take the open attempt for writing, then read its newest revision number.

    Writing first (an update that changes nothing) holds the attempt's row on
    PostgreSQL and the database's one writer lock on SQLite until the caller's
    transaction ends, so saves, restores and submits to one attempt take turns,
    and a save never lands after the answer was submitted. A plain SELECT
    ... FOR UPDATE would not do on SQLite, which reads before it locks.
    """
    claimed = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == AttemptStatus.IN_PROGRESS)
        .values(revision_number=Attempt.revision_number)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:  # submitted meanwhile (another tab, or the interview's deadline)
        raise AttemptClosed("This attempt was submitted; its answer can no longer change.")
    return session.scalar(select(Attempt.revision_number).where(Attempt.id == attempt.id))


def _save_once(session: Session, attempt: Attempt, body: str, html: str, based_on: int,
               client_id: str, size: int) -> AnswerRevision:
    with transaction(session):
        current = _claim(session, attempt)
        newest = None
        if current:
            newest = session.scalar(select(AnswerRevision).where(
                AnswerRevision.attempt_id == attempt.id, AnswerRevision.number == current))
        if based_on != current:
            since = session.scalars(select(AnswerRevision.client_id).where(
                AnswerRevision.attempt_id == attempt.id,
                AnswerRevision.number > based_on)).all()
            own = bool(client_id) and 0 <= based_on < current and all(
                c == client_id for c in since)
            if not own:
                raise StaleRevision(newest, current)
        if newest is not None and newest.body == body:
            return newest
        revision = AnswerRevision(attempt_id=attempt.id, number=current + 1, based_on=based_on,
                                  body=body, html=html, size=size, client_id=client_id[:64])
        session.add(revision)
        attempt.revision_number = current + 1
        session.flush()
    return revision


def list_revisions(session: Session, attempt: Attempt, *, page: int = 1) -> Page[AnswerRevision]:
    stmt = (select(AnswerRevision).where(AnswerRevision.attempt_id == attempt.id)
            .order_by(AnswerRevision.number.desc()))
    return paginate(session, stmt, number=page, per_page=REVISIONS_PER_PAGE)


def get_revision(session: Session, attempt: Attempt, number: int, *,
                 html: bool = False) -> AnswerRevision:
    """One revision of the attempt; ``html`` loads its stored HTML in the same query."""
    revision = session.scalar(_revision_query(html).where(
        AnswerRevision.attempt_id == attempt.id, AnswerRevision.number == number))
    if revision is None:
        raise NotFound("There is no such revision.")
    return revision


def restore_revision(session: Session, attempt: Attempt, number: int) -> AnswerRevision:
    """Make an earlier revision's text the newest, as a new revision (history is kept)."""
    _check_open(attempt)
    old = get_revision(session, attempt, number, html=True)
    with transaction(session):
        current = _claim(session, attempt)
        revision = AnswerRevision(attempt_id=attempt.id, number=current + 1, based_on=current,
                                  body=old.body, html=old.html, size=old.size,
                                  client_id="restore", restored_from=old.number)
        session.add(revision)
        attempt.revision_number = current + 1
    return revision


def reveal_hint(session: Session, attempt: Attempt, *, now: datetime | None = None) -> HintReveal:
    """Reveal the next hint and record when (wall clock and timer)."""
    _check_open(attempt)
    if attempt.interview is not None and not attempt.interview.hints_allowed:
        raise NotAllowed("Hints are off in this interview.")
    _check_practice_open(session, attempt)
    hints = attempt.prompt_revision.hints
    shown = len(attempt.hint_reveals)
    if shown >= len(hints):
        raise NotAllowed("Every hint for this prompt is already shown.")
    now = now or utcnow()
    with transaction(session):
        reveal = HintReveal(attempt_id=attempt.id, hint_index=shown,
                            elapsed_seconds=attempt.elapsed_seconds(now))
        attempt.hint_reveals.append(reveal)
    return reveal


def set_timer(session: Session, attempt: Attempt, *, running: bool,
              now: datetime | None = None) -> Attempt:
    """Pause or resume the attempt's timer. Time running out never changes the answer."""
    _check_open(attempt)
    if attempt.interview is not None:
        raise NotAllowed("An interview's clock keeps running; it cannot be paused.")
    now = now or utcnow()
    with transaction(session):
        if running and attempt.timer_started_at is None:
            attempt.timer_started_at = now
        elif not running and attempt.timer_started_at is not None:
            attempt.timer_seconds = attempt.elapsed_seconds(now)
            attempt.timer_started_at = None
    return attempt


def submit_attempt(session: Session, attempt: Attempt, *, body: str | None = None,
                   based_on: int | None = None, client_id: str = "",
                   now: datetime | None = None, by_server: bool = False) -> Attempt:
    """Save the final text (if given), stop the timer and freeze the answer.

    ``by_server`` is the interview clock closing the attempt: no deadline check
    and an empty answer is allowed (the candidate wrote nothing).
    """
    now = now or utcnow()
    if by_server:
        if not attempt.is_open:
            return attempt
    else:
        _check_open(attempt, now)
    if body is not None:
        save_draft(session, attempt, body=body,
                   based_on=attempt.revision_number if based_on is None else based_on,
                   client_id=client_id)
    if attempt.revision_number == 0 and not by_server:
        raise Invalid("Write an answer before submitting.")
    with transaction(session):
        # Write first, then read: the update waits for a save holding the row
        # (PostgreSQL) or for the writer lock (SQLite), so a save in flight is
        # part of the answer, no save lands after it, and the refresh reads the
        # revision number the answer was frozen at. Already submitted (another
        # tab, or the clock): nothing changes.
        session.execute(
            update(Attempt)
            .where(Attempt.id == attempt.id, Attempt.status == AttemptStatus.IN_PROGRESS)
            .values(status=AttemptStatus.SUBMITTED, submitted_at=now, timer_started_at=None,
                    timer_seconds=attempt.elapsed_seconds(now))
            .execution_options(synchronize_session=False))
        session.refresh(attempt)
    return attempt


# After submitting ----------------------------------------------------------------


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    signals_found: list[str]
    suggested_level: int | None  # for auto: signals criteria
    self_level: int | None
    self_note: str


@dataclass(frozen=True)
class AttemptResult:
    attempt: Attempt
    answer: AnswerRevision | None
    answer_html: str  # the stored HTML, signals highlighted
    criteria: list[CriterionResult]
    scale: dict[int, str]
    bar: float
    score: Score
    hints_used: int
    hidden_run: TestRun | None = None


def rubric_scale(rubric: RubricRevision) -> dict[int, str]:
    return {int(level): label for level, label in sorted(rubric.scale.items(),
                                                          key=lambda kv: int(kv[0]))}


@dataclass(frozen=True)
class AutoSuggestions:
    """What ``auto`` criteria suggest for an answer: signals found and hidden-test results."""

    levels: dict[int, int | None]  # criterion id -> suggested level (auto criteria only)
    hidden_run: TestRun | None


def auto_suggestions(session: Session, attempt: Attempt, body: str) -> AutoSuggestions:
    """Suggested levels for the attempt's ``auto`` criteria, from ``body`` and its hidden run."""
    rubric = attempt.rubric_revision
    scale = rubric_scale(rubric)
    lo, hi = min(scale), max(scale)
    hidden_run = (latest_run(session, attempt, RunKind.HIDDEN)
                  if get_kind(attempt.prompt_revision.kind).runs_tests else None)
    tests_level = None
    if hidden_run is not None and hidden_run.status is RunStatus.DONE and hidden_run.total:
        tests_level = auto_level_from_counts(hidden_run.passed, hidden_run.total, lo, hi)
    levels: dict[int, int | None] = {}
    for criterion in rubric.criteria:
        if criterion.auto == AutoScorer.SIGNALS:
            levels[criterion.id] = suggested_level(body, criterion.signals, lo, hi)
        elif criterion.auto == AutoScorer.TESTS:
            levels[criterion.id] = tests_level
    return AutoSuggestions(levels=levels, hidden_run=hidden_run)


def attempt_result(session: Session, attempt: Attempt) -> AttemptResult:
    """Everything the result page shows: rubric, signals found, self-assessment and score."""
    if attempt.is_open:
        raise Conflict("Submit the attempt to see the rubric and the reference.")
    _check_practice_open(session, attempt)
    kind = get_kind(attempt.prompt_revision.kind)
    answer = latest_revision(session, attempt, html=kind.renders_html)
    body = answer.body if answer else ""
    rubric = attempt.rubric_revision
    scale = rubric_scale(rubric)
    assessed = {a.criterion_id: a for a in attempt.self_assessments}
    auto = auto_suggestions(session, attempt, body)
    hidden_run = auto.hidden_run
    results = []
    all_signals: list[str] = []
    for criterion in rubric.criteria:
        all_signals.extend(criterion.signals)
        suggested = auto.levels.get(criterion.id)
        mine = assessed.get(criterion.id)
        results.append(CriterionResult(
            criterion=criterion, signals_found=signals_found(body, criterion.signals),
            suggested_level=suggested, self_level=mine.level if mine else None,
            self_note=mine.note if mine else ""))
    bar = bar_for(rubric.bar, attempt.target_level, list(scale))
    levels = [CriterionLevel(r.criterion.name, r.criterion.weight, r.self_level)
              for r in results]
    return AttemptResult(
        attempt=attempt, answer=answer,
        answer_html=highlight_html(kind.answer_html(answer), list(dict.fromkeys(all_signals))),
        criteria=results, scale=scale, bar=bar, score=score(levels, bar),
        hints_used=len(attempt.hint_reveals), hidden_run=hidden_run,
    )


def self_assess(session: Session, attempt: Attempt,
                levels: dict[int, tuple[int, str]]) -> Score:
    """Record the candidate's level (and note) per criterion and the resulting score.

    ``levels`` maps criterion ids of the attempt's rubric revision to (level, note).
    """
    if attempt.is_open:
        raise Conflict("Submit the attempt before assessing it.")
    if attempt.interview_id is not None:
        raise NotAllowed("An interview is scored by its reviewers, not self-assessed.")
    rubric = attempt.rubric_revision
    scale = rubric_scale(rubric)
    criteria = {c.id: c for c in rubric.criteria}
    for criterion_id, (level, note) in levels.items():
        if criterion_id not in criteria:
            raise Invalid("That criterion is not part of this attempt's rubric.")
        if level not in scale:
            raise Invalid(f"Pick a level from {min(scale)} to {max(scale)}.")
        if len(note) > NOTE_MAX_CHARS:
            raise Invalid(f"Keep each note under {NOTE_MAX_CHARS:,} characters.")
    with transaction(session):
        existing = {a.criterion_id: a for a in attempt.self_assessments}
        for criterion_id, (level, note) in levels.items():
            row = existing.get(criterion_id)
            if row is None:
                attempt.self_assessments.append(SelfAssessment(
                    criterion_id=criterion_id, level=level, note=note.strip()))
            else:
                row.level, row.note = level, note.strip()
        session.flush()
        given = {a.criterion_id: a.level for a in attempt.self_assessments}
        bar = bar_for(rubric.bar, attempt.target_level, list(scale))
        result = score([CriterionLevel(c.name, c.weight, given.get(c.id))
                        for c in rubric.criteria], bar)
        attempt.self_score = result.mean
        attempt.self_score_normalised = (normalise(result.mean, min(scale), max(scale))
                                         if result.mean is not None else None)
        attempt.met_bar = result.meets_bar
        if result.complete:
            attempt.status = AttemptStatus.REVIEWED
    return result


# Progress -------------------------------------------------------------------------


@dataclass(frozen=True)
class CompetencyProgress:
    competency: Competency
    attempts: int
    mean_score: float | None  # 0..1 of the scale, over self-assessed attempts


@dataclass(frozen=True)
class AttemptSummary:
    attempt: Attempt
    title: str
    minutes: int  # the time box
    elapsed_minutes: int
    hints_used: int
    hints_available: int


@dataclass(frozen=True)
class Progress:
    attempts: list[AttemptSummary]  # newest first
    competencies: list[CompetencyProgress]
    not_practised: list[Competency]
    total_attempts: int
    submitted: int
    hints_used: int
    minutes_spent: int


def progress(session: Session, user: User, *, now: datetime | None = None,
             recent: int = 50) -> Progress:
    """The candidate's attempts over time, score by competency, time and hints used."""
    now = now or utcnow()
    hint_counts = (select(HintReveal.attempt_id, func.count().label("n"))
                   .group_by(HintReveal.attempt_id).subquery())
    rows = session.execute(
        select(Attempt, PromptRevision.title, PromptRevision.minutes, PromptRevision.hints,
               func.coalesce(hint_counts.c.n, 0))
        .join(PromptRevision, Attempt.prompt_revision_id == PromptRevision.id)
        .outerjoin(hint_counts, hint_counts.c.attempt_id == Attempt.id)
        .where(Attempt.user_id == user.id, Attempt.interview_id.is_(None))
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
        .limit(recent)
    ).all()
    summaries = [AttemptSummary(attempt=a, title=title, minutes=minutes,
                                elapsed_minutes=round(a.elapsed_seconds(now) / 60),
                                hints_used=used, hints_available=len(hints or []))
                 for a, title, minutes, hints, used in rows]

    per_competency = session.execute(
        select(PromptRevisionCompetency.competency_id, func.count(Attempt.id),
               func.avg(Attempt.self_score_normalised))
        .join(Attempt, Attempt.prompt_revision_id == PromptRevisionCompetency.prompt_revision_id)
        .where(Attempt.user_id == user.id, Attempt.status != AttemptStatus.IN_PROGRESS,
               Attempt.interview_id.is_(None))
        .group_by(PromptRevisionCompetency.competency_id)
    ).all()
    stats = {cid: (count, mean) for cid, count, mean in per_competency}
    competencies = library_competencies(session)
    by_competency = [CompetencyProgress(c, stats.get(c.id, (0, None))[0],
                                        stats.get(c.id, (0, None))[1]) for c in competencies]
    totals = session.execute(
        select(func.count(Attempt.id),
               func.count(Attempt.submitted_at),
               func.coalesce(func.sum(Attempt.timer_seconds), 0))
        .where(Attempt.user_id == user.id, Attempt.interview_id.is_(None))).one()
    hints_total = session.scalar(select(func.count(HintReveal.id)).join(Attempt)
                                 .where(Attempt.user_id == user.id,
                                        Attempt.interview_id.is_(None))) or 0
    running = sum(s.attempt.elapsed_seconds(now) - s.attempt.timer_seconds for s in summaries)
    return Progress(
        attempts=summaries,
        competencies=[c for c in by_competency if c.attempts],
        not_practised=[c.competency for c in by_competency if not c.attempts],
        total_attempts=totals[0], submitted=totals[1],
        hints_used=hints_total, minutes_spent=round((totals[2] + running) / 60),
    )
