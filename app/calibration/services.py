"""Calibration sets: authors attach sample answers with reference levels, interviewers score them.

A sample answers one prompt revision and keeps the rubric revision its
reference levels were set against; when the library moves on, the sample stays
pinned and its pages say it is for an older revision. An interviewer's score
is compared with the references criterion by criterion only once it is in:
no page shows a reference level before its reader has submitted a score.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.attempts.lifecycle import published
from app.attempts.suggestions import rubric_scale
from app.calibration.distance import (
    CriterionDistance,
    Summary,
    compare,
    lean_words,
    mean_absolute,
    summarise,
)
from app.content.render import render_markdown
from app.db import transaction, utcnow
from app.errors import Invalid, NotFound
from app.inputs import whole_number
from app.models import (
    CalibrationSample,
    CalibrationScore,
    Criterion,
    Prompt,
    PromptRevision,
    Rubric,
    RubricRevision,
    User,
)
from app.pagination import Page, paginate

TITLE_MAX_CHARS = 200
ANSWER_MIN_CHARS = 20
ANSWER_MAX_CHARS = 20_000
RATIONALE_MAX_CHARS = 1_000
COMMENT_MAX_CHARS = 1_000
HISTORY_PER_PAGE = 20


class FormInvalid(Invalid):
    """Several fields need fixing: ``errors`` maps each field's name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("Some of what you entered needs fixing: see the messages below.")
        self.errors = errors


# Reading --------------------------------------------------------------------------------------


@dataclass
class Pinned:
    """A prompt revision and the rubric revision (with its criteria) a sample is set against."""

    prompt: PromptRevision
    rubric: RubricRevision
    slug: str
    # The number of the rubric's current revision when it has moved on, else None.
    rubric_now: int | None = None

    @property
    def scale(self) -> dict[int, str]:
        return rubric_scale(self.rubric)

    @property
    def criteria(self) -> list[Criterion]:
        return list(self.rubric.criteria)


@dataclass
class SampleRow:
    sample: CalibrationSample
    slug: str
    outdated: bool  # its rubric revision is no longer the rubric's current one
    scorers: int = 0
    mean_distance: float | None = None
    last: Summary | None = None  # the reader's newest result on it
    last_score_id: int | None = None


@dataclass
class PromptGroup:
    prompt_id: int
    slug: str
    title: str
    samples: list[SampleRow] = field(default_factory=list)


def prompt_choices(session: Session) -> list[tuple[str, str]]:
    """(slug, title) of every published prompt, by title: the prompts a sample may answer."""
    return [(slug, title) for slug, title in session.execute(
        select(Prompt.slug, PromptRevision.title)
        .join(PromptRevision, Prompt.current_revision_id == PromptRevision.id)
        .where(published()).order_by(PromptRevision.title, Prompt.slug))]


def _current_rubric(session: Session, prompt: PromptRevision) -> RubricRevision:
    rubric = session.scalar(
        select(RubricRevision).join(Rubric, Rubric.current_revision_id == RubricRevision.id)
        .where(Rubric.slug == prompt.rubric_slug, Rubric.retired_at.is_(None))
        .options(selectinload(RubricRevision.criteria)))
    if rubric is None:
        raise NotFound("That prompt's rubric is not in the library.")
    return rubric


def pinned_for_prompt(session: Session, slug: str) -> Pinned:
    """The current revisions of a published prompt and its rubric; NotFound otherwise."""
    prompt = session.scalar(
        select(PromptRevision).join(Prompt, Prompt.current_revision_id == PromptRevision.id)
        .where(Prompt.slug == slug, published()))
    if prompt is None:
        raise NotFound("No published prompt has that name.")
    return Pinned(prompt=prompt, rubric=_current_rubric(session, prompt), slug=slug)


def _sample(session: Session, sample_id: int, *, active: bool) -> CalibrationSample:
    sample = session.scalar(
        select(CalibrationSample).where(CalibrationSample.id == sample_id)
        .options(joinedload(CalibrationSample.prompt_revision).joinedload(PromptRevision.prompt),
                 joinedload(CalibrationSample.rubric_revision)
                 .selectinload(RubricRevision.criteria)))
    if sample is None or (active and sample.retired_at is not None):
        raise NotFound("There is no such calibration sample.")
    return sample


def get_sample(session: Session, sample_id: int, *, active: bool = True,
               ) -> tuple[CalibrationSample, Pinned]:
    """A sample with the revisions it is pinned to; NotFound if missing (or retired, ``active``)."""
    sample = _sample(session, sample_id, active=active)
    current = session.scalar(select(Rubric.current_revision_id)
                             .where(Rubric.id == sample.rubric_revision.rubric_id))
    now = None
    if current is not None and current != sample.rubric_revision_id:
        now = session.scalar(select(RubricRevision.number).where(RubricRevision.id == current))
    return sample, Pinned(prompt=sample.prompt_revision, rubric=sample.rubric_revision,
                          slug=sample.prompt_revision.prompt.slug, rubric_now=now)


def _sample_rows(session: Session, *, active: bool) -> list[tuple[CalibrationSample, str, bool]]:
    """Samples with their prompt's slug and whether their rubric moved on, in one query."""
    query = (select(CalibrationSample, Prompt.slug, Rubric.current_revision_id)
             .join(PromptRevision, CalibrationSample.prompt_revision_id == PromptRevision.id)
             .join(Prompt, PromptRevision.prompt_id == Prompt.id)
             .join(RubricRevision, CalibrationSample.rubric_revision_id == RubricRevision.id)
             .join(Rubric, RubricRevision.rubric_id == Rubric.id)
             .options(joinedload(CalibrationSample.prompt_revision),
                      joinedload(CalibrationSample.rubric_revision))
             .order_by(PromptRevision.title, Prompt.slug, CalibrationSample.created_at,
                       CalibrationSample.id))
    if active:
        query = query.where(CalibrationSample.retired_at.is_(None))
    return [(sample, slug, current != sample.rubric_revision_id)
            for sample, slug, current in session.execute(query)]


def _grouped(rows: list[SampleRow]) -> list[PromptGroup]:
    groups: dict[int, PromptGroup] = {}
    for row in rows:
        revision = row.sample.prompt_revision
        group = groups.setdefault(revision.prompt_id, PromptGroup(
            prompt_id=revision.prompt_id, slug=row.slug, title=revision.title))
        group.samples.append(row)
    return list(groups.values())


def _latest(scores: list[CalibrationScore]) -> dict[tuple[int, int], CalibrationScore]:
    """(sample id, user id) -> the newest of ``scores`` (ordered oldest first)."""
    return {(s.sample_id, s.user_id): s for s in scores}


def authors_list(session: Session) -> list[PromptGroup]:
    """Every sample by prompt, with how many interviewers scored it and their mean distance.

    The mean is over each interviewer's newest score, criterion by criterion.
    """
    rows = [SampleRow(sample, slug, outdated) for sample, slug, outdated
            in _sample_rows(session, active=False)]
    scores = session.scalars(
        select(CalibrationScore).where(CalibrationScore.sample_id.in_([r.sample.id for r in rows]))
        .order_by(CalibrationScore.created_at, CalibrationScore.id)).all() if rows else []
    newest: dict[int, list[CalibrationScore]] = defaultdict(list)
    for score in _latest(list(scores)).values():
        newest[score.sample_id].append(score)
    for row in rows:
        mine = newest.get(row.sample.id, [])
        row.scorers = len(mine)
        row.mean_distance = mean_absolute((s.levels for s in mine), row.sample.references)
    return _grouped(rows)


def interviewers_list(session: Session, user: User) -> list[PromptGroup]:
    """The samples in use, by prompt, each with ``user``'s newest result on it."""
    rows = [SampleRow(sample, slug, outdated) for sample, slug, outdated
            in _sample_rows(session, active=True)]
    scores = session.scalars(
        select(CalibrationScore).where(
            CalibrationScore.user_id == user.id,
            CalibrationScore.sample_id.in_([r.sample.id for r in rows]))
        .order_by(CalibrationScore.created_at, CalibrationScore.id)).all() if rows else []
    newest = _latest(list(scores))
    for row in rows:
        score = newest.get((row.sample.id, user.id))
        if score is not None:
            keys = [(k, k) for k in row.sample.references]
            row.last = summarise(compare(keys, score.levels, row.sample.references))
            row.last_score_id = score.id
    return _grouped(rows)


def prompts_due(session: Session, user: User, prompt_ids: list[int]) -> set[int]:
    """Of ``prompt_ids``, those with samples in use of which ``user`` has scored none."""
    if not prompt_ids:
        return set()
    scored = func.count(CalibrationScore.id)
    return set(session.scalars(
        select(PromptRevision.prompt_id)
        .join(CalibrationSample, CalibrationSample.prompt_revision_id == PromptRevision.id)
        .outerjoin(CalibrationScore, and_(CalibrationScore.sample_id == CalibrationSample.id,
                                          CalibrationScore.user_id == user.id))
        .where(PromptRevision.prompt_id.in_(prompt_ids), CalibrationSample.retired_at.is_(None))
        .group_by(PromptRevision.prompt_id).having(scored == 0)))


# Writing samples ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleInput:
    title: str
    answer: str
    levels: dict[int, str]  # criterion id -> the level as the form sent it
    rationales: dict[int, str]


def _checked_references(pinned: Pinned, data: SampleInput) -> dict[str, dict[str, object]]:
    errors: dict[str, str] = {}
    title = data.title.strip()
    if not title:
        errors["title"] = "Give the sample a title."
    elif len(title) > TITLE_MAX_CHARS:
        errors["title"] = f"Keep the title to {TITLE_MAX_CHARS} characters."
    answer = data.answer.strip()
    if len(answer) < ANSWER_MIN_CHARS:
        errors["answer"] = f"Paste the sample answer (at least {ANSWER_MIN_CHARS} characters)."
    elif len(data.answer) > ANSWER_MAX_CHARS:
        errors["answer"] = (f"The answer is {len(data.answer):,} characters; keep it to "
                            f"{ANSWER_MAX_CHARS:,}.")
    references = _criterion_levels(pinned, data.levels, data.rationales, errors,
                                   note="rationale", note_max=RATIONALE_MAX_CHARS,
                                   choose="Choose a reference level for")
    if errors:
        raise FormInvalid(errors)
    return references


def _criterion_levels(pinned: Pinned, levels: dict[int, str], notes: dict[int, str],
                      errors: dict[str, str], *, note: str, note_max: int, choose: str,
                      ) -> dict[str, dict[str, object]]:
    """A level and a note per criterion of the pinned rubric, keyed by criterion id as JSON
    keys are; each problem goes into ``errors`` under its form field."""
    checked, scale = {}, pinned.scale
    for criterion in pinned.criteria:
        level = whole_number(levels.get(criterion.id) or "")
        text = notes.get(criterion.id, "").strip()
        if level not in scale:
            errors[f"level-{criterion.id}"] = f"{choose} “{criterion.name}”."
        if len(text) > note_max:
            errors[f"{note}-{criterion.id}"] = f"Keep the {note} to {note_max:,} characters."
        checked[str(criterion.id)] = {"level": level, note: text}
    return checked


def create_sample(session: Session, author: User, slug: str, data: SampleInput,
                  ) -> CalibrationSample:
    """A new sample answer for a published prompt, pinned to its current revisions."""
    with transaction(session):
        pinned = pinned_for_prompt(session, slug)
        references = _checked_references(pinned, data)
        now = utcnow()
        sample = CalibrationSample(
            prompt_revision_id=pinned.prompt.id, rubric_revision_id=pinned.rubric.id,
            author_id=author.id, title=data.title.strip(), answer_md=data.answer,
            answer_html=str(render_markdown(data.answer)), references=references,
            created_at=now, updated_at=now)
        session.add(sample)
    return sample


def update_sample(session: Session, sample_id: int, data: SampleInput) -> CalibrationSample:
    """Change a sample's title, answer, reference levels or rationales (its pins stay)."""
    with transaction(session):
        sample, pinned = get_sample(session, sample_id, active=False)
        references = _checked_references(pinned, data)
        sample.title = data.title.strip()
        if data.answer != sample.answer_md:
            sample.answer_md = data.answer
            sample.answer_html = str(render_markdown(data.answer))
        sample.references = references
        sample.updated_at = utcnow()
    return sample


def retire_sample(session: Session, sample_id: int) -> CalibrationSample:
    """Take a sample out of use; its scores stay in their readers' history. Idempotent."""
    with transaction(session):
        sample = _sample(session, sample_id, active=False)
        if sample.retired_at is None:
            sample.retired_at = utcnow()
    return sample


# Scoring ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreInput:
    levels: dict[int, str]  # criterion id -> the level as the form sent it
    comments: dict[int, str]


def submit_score(session: Session, sample_id: int, user: User, data: ScoreInput,
                 ) -> CalibrationScore:
    """Record ``user``'s levels for a sample in use; every criterion needs one."""
    with transaction(session):
        sample, pinned = get_sample(session, sample_id)
        errors: dict[str, str] = {}
        levels = _criterion_levels(pinned, data.levels, data.comments, errors,
                                   note="comment", note_max=COMMENT_MAX_CHARS,
                                   choose="Choose a level for")
        if errors:
            raise FormInvalid(errors)
        score = CalibrationScore(sample_id=sample.id, user_id=user.id, levels=levels,
                                 created_at=utcnow())
        session.add(score)
    return score


@dataclass(frozen=True)
class ResultRow:
    criterion: Criterion
    distance: CriterionDistance
    comment: str
    rationale: str


@dataclass
class Result:
    score: CalibrationScore
    sample: CalibrationSample
    pinned: Pinned
    rows: list[ResultRow]
    summary: Summary


def result(session: Session, user: User, score_id: int) -> Result:
    """One of ``user``'s own scores beside the references; NotFound for anyone else's."""
    score = session.scalar(select(CalibrationScore).where(
        CalibrationScore.id == score_id, CalibrationScore.user_id == user.id))
    if score is None:
        raise NotFound("There is no such calibration result.")
    sample, pinned = get_sample(session, score.sample_id, active=False)
    names = [(str(c.id), c.name) for c in pinned.criteria]
    distances = {d.name: d for d in compare(names, score.levels, sample.references)}
    rows = [ResultRow(criterion=c, distance=distances[c.name],
                      comment=str(score.levels[str(c.id)].get("comment") or ""),
                      rationale=str(sample.references[str(c.id)].get("rationale") or ""))
            for c in pinned.criteria if c.name in distances]
    return Result(score=score, sample=sample, pinned=pinned, rows=rows,
                  summary=summarise([r.distance for r in rows]))


# History ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    score_id: int
    created_at: datetime
    sample_title: str
    prompt_title: str
    summary: Summary


@dataclass(frozen=True)
class Lean:
    criterion: str
    scored: int
    exact: int
    mean_signed: float

    @property
    def words(self) -> str:
        return lean_words(self.mean_signed)


@dataclass
class History:
    page: Page  # of HistoryRow, newest first
    leans: list[Lean]
    overall: Summary
    scores: int


def history(session: Session, user: User, *, page: int = 1) -> History:
    """``user``'s own calibration scores, newest first, by page; their lean per criterion name.

    The lean and the overall summary are over every score; the table shows one page.
    """
    every_score = session.execute(
        select(CalibrationScore.id, CalibrationScore.levels, CalibrationSample.references,
               CalibrationSample.rubric_revision_id)
        .join(CalibrationSample, CalibrationScore.sample_id == CalibrationSample.id)
        .where(CalibrationScore.user_id == user.id)).all()
    revisions = {row.rubric_revision_id for row in every_score}
    names: dict[int, str] = {
        id_: name for id_, name in session.execute(select(Criterion.id, Criterion.name).where(
            Criterion.rubric_revision_id.in_(revisions)))} if revisions else {}
    summaries: dict[int, Summary] = {}
    every: list[CriterionDistance] = []
    by_name: dict[str, list[CriterionDistance]] = defaultdict(list)
    for score_id, levels, references, _ in every_score:
        keys = [(k, names.get(int(k), k)) for k in references]
        distances = compare(keys, levels, references)
        summaries[score_id] = summarise(distances)
        every.extend(distances)
        for d in distances:
            by_name[d.name].append(d)
    leans = [Lean(criterion=name, scored=len(ds), exact=sum(1 for d in ds if d.distance == 0),
                  mean_signed=sum(d.distance for d in ds) / len(ds))
             for name, ds in sorted(by_name.items(), key=lambda kv: kv[0].casefold())]
    if not every_score:
        return History(page=Page(items=[], number=1, per_page=HISTORY_PER_PAGE, total=0),
                       leans=[], overall=summarise([]), scores=0)
    shown = paginate(session, select(CalibrationScore).where(CalibrationScore.user_id == user.id)
                     .options(joinedload(CalibrationScore.sample)
                              .joinedload(CalibrationSample.prompt_revision))
                     .order_by(CalibrationScore.created_at.desc(), CalibrationScore.id.desc()),
                     number=page, per_page=HISTORY_PER_PAGE)
    rows = [HistoryRow(score_id=s.id, created_at=s.created_at, sample_title=s.sample.title,
                       prompt_title=s.sample.prompt_revision.title, summary=summaries[s.id])
            for s in shown.items]
    return History(page=Page(items=rows, number=shown.number, per_page=shown.per_page,
                             total=shown.total),
                   leans=leans, overall=summarise(every), scores=len(every_score))
