"""The candidate's practice journey: the library, starting an attempt, the result, progress.

Writing the answer (autosave, history, hints, the timer, submit) is the
attempt lifecycle in ``app.attempts``, shared with interviews. Every function
takes a session and plain values, owns its transaction, and raises a domain
error (``NotFound``, ``Conflict``, ``Invalid`` ...) that the web layer maps to
a status.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import Session, load_only, selectinload

from app.attempts.lifecycle import latest_revision, newest_scene, published
from app.attempts.policy import attempt_policy
from app.attempts.suggestions import auto_suggestions, hints_revealed, rubric_scale
from app.db import transaction, utcnow
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.grading.hints import RevealedHint, cap_levels, counted, hint_cap, score_after_hints
from app.grading.scoring import (
    CriterionLevel,
    Score,
    bar_for,
    gate_for,
    normalise,
    score,
)
from app.grading.signals import signals_found
from app.kinds import get_kind, kind_names, kind_order
from app.models import (
    Attempt,
    AttemptStatus,
    Competency,
    Criterion,
    HintReveal,
    Prompt,
    PromptRevision,
    PromptRevisionCompetency,
    Rubric,
    SelfAssessment,
    TestRun,
    User,
)
from app.pagination import Page
from app.vocabulary import LEVELS, TIME_BOXES

NOTE_MAX_CHARS = 2_000
LIBRARY_PER_PAGE = 12


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
    # A card shows the title, kind, level and length: not the statement, the
    # reference answer or the files, which are most of a revision's bytes.
    rows = session.execute(stmt.limit(LIBRARY_PER_PAGE).offset((number - 1) * LIBRARY_PER_PAGE)
                           .options(load_only(PromptRevision.title, PromptRevision.kind,
                                              PromptRevision.level, PromptRevision.minutes),
                                    selectinload(PromptRevision.competencies))).all()
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


# Starting an attempt ------------------------------------------------------------


def open_practice_prompt(session: Session, user: User, slug: str,
                         ) -> tuple[Prompt, PromptRevision]:
    """A published prompt ``user`` may practise now; NotAllowed while their interview holds it."""
    prompt, revision = get_practice_prompt(session, slug)
    rubric_id = session.scalar(select(Rubric.id).where(Rubric.slug == revision.rubric_slug))
    attempt_policy().check_practice(session, user.id, prompt.id, rubric_id)
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


# After submitting ----------------------------------------------------------------


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    signals_found: list[str]
    suggested_level: int | None  # auto: tests from the hidden run; auto: findings, the review
    self_level: int | None
    self_note: str
    gate: int | None = None  # the level the bar needs at the attempt's target level
    # The level the score counts, and the revealed hint that lowered it from self_level.
    counted_level: int | None = None
    capped_by: int | None = None
    reasons: tuple[str, ...] = ()  # what an auto: findings suggestion rests on


@dataclass(frozen=True)
class AttemptResult:
    attempt: Attempt
    answer_html: str  # the HTML stored at submit, signals marked
    criteria: list[CriterionResult]
    scale: dict[int, str]
    bar: float
    score: Score
    hints_used: int
    hidden_run: TestRun | None = None
    hints: list[RevealedHint] = field(default_factory=list)  # the revealed ones, in order
    hint_cap: int | None = None  # the most a criterion a revealed hint gives away counts
    scene: str | None = None  # the submitted whiteboard's JSON (kinds with one), None: no drawing


def attempt_result(session: Session, attempt: Attempt) -> AttemptResult:
    """Everything the result page shows: rubric, signals found, self-assessment and score.

    The answer's marked HTML and the signals found were stored at submit; this
    only reads them.
    """
    if attempt.is_open:
        raise Conflict("Submit the attempt to see the rubric and the reference.")
    attempt_policy().check_access(session, attempt)
    rubric = attempt.rubric_revision
    answer_html, found = _stored_result(session, attempt)
    scale = rubric_scale(rubric)
    assessed = {a.criterion_id: a for a in attempt.self_assessments}
    kind = get_kind(attempt.prompt_revision.kind)
    # A review's findings are read from its text; other kinds need none of it here.
    answer = latest_revision(session, attempt) if kind.scores_answers else None
    auto = auto_suggestions(session, attempt, answer.body if answer else "", found=found)
    results = []
    for criterion in rubric.criteria:
        mine = assessed.get(criterion.id)
        results.append(CriterionResult(
            criterion=criterion, signals_found=list(found.get(criterion.id, [])),
            suggested_level=auto.levels.get(criterion.id),
            reasons=auto.reasons.get(criterion.id, ()),
            self_level=mine.level if mine else None, self_note=mine.note if mine else "",
            gate=gate_for(criterion.gate, attempt.target_level)))
    bar = bar_for(rubric.bar, attempt.target_level, list(scale))
    hints = hints_revealed(attempt, attempt.prompt_revision.hints)
    capped = cap_levels([CriterionLevel(r.criterion.name, r.criterion.weight, r.self_level,
                                        r.gate) for r in results], hints, list(scale))
    # The drawing is read only for kinds that have a whiteboard.
    drawing = newest_scene(session, attempt) if kind.whiteboard else None
    results = [replace(r, counted_level=c.counted.level, capped_by=c.hint)
               for r, c in zip(results, capped, strict=True)]
    return AttemptResult(
        attempt=attempt, answer_html=answer_html,
        criteria=results, scale=scale, bar=bar, score=score(counted(capped), bar),
        hints_used=len(attempt.hint_reveals), hidden_run=auto.hidden_run,
        hints=hints, hint_cap=hint_cap(scale), scene=drawing,
    )


def _stored_result(session: Session, attempt: Attempt) -> tuple[str, dict[int, list[str]]]:
    """The answer's marked HTML and the signals found per criterion id, as stored at submit.

    A submitted attempt without them was written by something other than
    ``submit_attempt`` (rows inserted in bulk): it is shown with its stored HTML
    unmarked and its signals searched for in its text, never marked on a view.
    """
    html, signals = session.execute(
        select(Attempt.result_html, Attempt.result_signals).where(Attempt.id == attempt.id)).one()
    if html is not None and signals is not None:
        return html, {int(criterion_id): found for criterion_id, found in signals.items()}
    kind = get_kind(attempt.prompt_revision.kind)
    answer = latest_revision(session, attempt, html=kind.renders_html)
    body = answer.body if answer else ""
    return kind.answer_html(answer), {c.id: signals_found(body, c.signals)
                                      for c in attempt.rubric_revision.criteria}


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
        result = score_after_hints(
            [CriterionLevel(c.name, c.weight, given.get(c.id),
                            gate_for(c.gate, attempt.target_level))
             for c in rubric.criteria],
            hints_revealed(attempt, attempt.prompt_revision.hints), list(scale), bar)
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
