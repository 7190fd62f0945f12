"""Rubric insight from the database: the inputs ``app.grading.insight`` reads, gathered in
a fixed number of queries, for one rubric revision or every rubric's current one.

An answer is one interview's attempt at a prompt scored on the revision; its
levels are those of the panel's submitted scorecards only (a draft scorecard is
not a score yet). Criteria come from the revision's rows; hints from the
prompt revision the candidate answered, with the reveals of that attempt.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.errors import NotFound
from app.grading.hints import revealed_hints
from app.grading.insight import (
    NOT_ENOUGH,
    RubricInsight,
    RubricShape,
    ScoredAnswer,
    rubric_insight,
    stored_rubric_shape,
)
from app.models import (
    Attempt,
    Criterion,
    CriterionScore,
    HintReveal,
    Interview,
    InterviewItem,
    PromptRevision,
    Rubric,
    RubricRevision,
    Scorecard,
    User,
)


def shape_of(revision: RubricRevision) -> RubricShape:
    """A rubric revision row as the insight module reads it."""
    return stored_rubric_shape(revision.number, revision.scale, revision.bar,
                               [(c.name, c.weight, c.gate) for c in revision.criteria])


def scored_answers(session: Session, revisions: Iterable[RubricRevision]
                   ) -> tuple[dict[int, list[ScoredAnswer]], dict[int, str]]:
    """Per revision id, the interview answers scored on it; and the reviewers' names by id.

    Five queries whatever the number of interviews: the items, the levels of
    submitted scorecards, the hints revealed, the prompt revisions' hints and
    the reviewers' names.
    """
    numbers = {r.id: r.number for r in revisions}
    if not numbers:
        return {}, {}
    items = session.execute(
        select(InterviewItem.rubric_revision_id, InterviewItem.attempt_id,
               InterviewItem.prompt_revision_id, Attempt.target_level, Interview.decision)
        .join(Interview, Interview.id == InterviewItem.interview_id)
        .join(Attempt, Attempt.id == InterviewItem.attempt_id)
        .where(InterviewItem.rubric_revision_id.in_(list(numbers)))
        .order_by(InterviewItem.interview_id, InterviewItem.position)).all()
    attempt_ids = select(InterviewItem.attempt_id).where(
        InterviewItem.rubric_revision_id.in_(list(numbers))).scalar_subquery()
    levels: dict[int, dict[int, dict[str, int | None]]] = defaultdict(dict)
    reviewers: set[int] = set()
    for attempt_id, reviewer_id, name, level in session.execute(
            select(CriterionScore.attempt_id, Scorecard.reviewer_id, Criterion.name,
                   CriterionScore.level)
            .join(Scorecard, Scorecard.id == CriterionScore.scorecard_id)
            .join(Criterion, Criterion.id == CriterionScore.criterion_id)
            .where(Scorecard.submitted_at.is_not(None),
                   Criterion.rubric_revision_id.in_(list(numbers)),
                   CriterionScore.attempt_id.in_(attempt_ids))
            .order_by(Scorecard.id, Criterion.position)):
        levels[attempt_id].setdefault(reviewer_id, {})[name] = level
        reviewers.add(reviewer_id)
    reveals: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for attempt_id, index, elapsed in session.execute(
            select(HintReveal.attempt_id, HintReveal.hint_index, HintReveal.elapsed_seconds)
            .where(HintReveal.attempt_id.in_(attempt_ids))):
        reveals[attempt_id].append((index, elapsed))
    hints = dict(session.execute(
        select(PromptRevision.id, PromptRevision.hints).where(PromptRevision.id.in_(
            select(InterviewItem.prompt_revision_id).where(
                InterviewItem.rubric_revision_id.in_(list(numbers))).scalar_subquery()))).all())
    names = dict(session.execute(select(User.id, User.display_name)
                                 .where(User.id.in_(reviewers))).all()) if reviewers else {}
    answers: dict[int, list[ScoredAnswer]] = {rid: [] for rid in numbers}
    for revision_id, attempt_id, prompt_revision_id, target, decision in items:
        if not levels.get(attempt_id):
            continue  # nobody has submitted a scorecard for it yet
        answers[revision_id].append(ScoredAnswer(
            revision=numbers[revision_id], target_level=target,
            levels=levels[attempt_id],
            decision=decision.value if decision is not None else None,
            hints=tuple(revealed_hints(hints.get(prompt_revision_id) or [],
                                       reveals.get(attempt_id, ())))))
    return answers, names


@dataclass(frozen=True)
class RevisionChoice:
    number: int
    current: bool


@dataclass(frozen=True)
class RubricPage:
    """One rubric revision's insight, the revisions to choose from and the reviewers' names."""

    slug: str
    title: str
    revision: RubricRevision
    choices: tuple[RevisionChoice, ...]
    insight: RubricInsight
    reviewers: dict[int, str]

    @property
    def scale(self) -> dict[int, str]:
        return {int(level): label for level, label in self.revision.scale.items()}

    @property
    def gates(self) -> dict[str, dict[str, int]]:
        """Criterion name (lower case) -> its gate per target level ({} when it has none)."""
        return {c.name.casefold(): dict(c.gate or {}) for c in self.revision.criteria}

    def flags_for(self, name: str | None) -> list:
        """The flags about one criterion (None: about the rubric as a whole)."""
        return [f for f in self.insight.flags if f.criterion == name]


def rubric_page(session: Session, slug: str, number: int | None = None) -> RubricPage:
    """The insight of the rubric's revision ``number`` (by default its current one)."""
    rubric = session.scalar(select(Rubric).where(Rubric.slug == slug))
    if rubric is None:
        raise NotFound(f"No rubric named {slug}.")
    every = session.execute(select(RubricRevision.number, RubricRevision.id)
                            .where(RubricRevision.rubric_id == rubric.id)
                            .order_by(RubricRevision.number.desc())).all()
    if number is None:
        number = next((n for n, rid in every if rid == rubric.current_revision_id),
                      every[0][0] if every else None)
    if number is None or number not in {n for n, _ in every}:
        raise NotFound(f"The rubric {slug} has no revision {number}.")
    revision = session.scalar(select(RubricRevision).options(
        selectinload(RubricRevision.criteria)).where(RubricRevision.rubric_id == rubric.id,
                                                     RubricRevision.number == number))
    answers, names = scored_answers(session, [revision])
    return RubricPage(
        slug=slug, title=revision.title, revision=revision,
        choices=tuple(RevisionChoice(n, rid == rubric.current_revision_id) for n, rid in every),
        insight=rubric_insight([shape_of(revision)], answers[revision.id]), reviewers=names)


@dataclass(frozen=True)
class OverviewRow:
    slug: str
    title: str
    revision: int
    retired: bool
    insight: RubricInsight

    @property
    def concerns(self) -> tuple:
        """The flags about the rubric's criteria, as opposed to "not enough scorecards"."""
        return tuple(f for f in self.insight.flags if f.kind != NOT_ENOUGH)


def overview(session: Session) -> list[OverviewRow]:
    """Every rubric's current revision with its insight: flagged ones first, then by slug."""
    rubrics = session.scalars(select(Rubric).options(
        selectinload(Rubric.current_revision).selectinload(RubricRevision.criteria))
        .where(Rubric.current_revision_id.is_not(None)).order_by(Rubric.slug)).all()
    revisions = [r.current_revision for r in rubrics]
    answers, _ = scored_answers(session, revisions)
    rows = [OverviewRow(slug=r.slug, title=r.current_revision.title,
                        revision=r.current_revision.number, retired=r.retired_at is not None,
                        insight=rubric_insight([shape_of(r.current_revision)],
                                               answers[r.current_revision_id]))
            for r in rubrics]
    return sorted(rows, key=lambda row: (not row.concerns, row.retired, row.slug))
