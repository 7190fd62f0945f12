"""A prompt's or rubric's revisions, what each was used for, and a diff between any two.

A page of revisions costs the same number of queries however many there are:
the item, a count, the page's rows, one GROUP BY per figure over the page's
ids, the revision numbers for the pickers and the two revisions compared.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only, selectinload

from app.content.diff import Change, RubricSnapshot, rubric_changes
from app.content.source import FileDiff, files_diff, prompt_source, rubric_source
from app.errors import Invalid, NotFound
from app.inputs import whole_number
from app.models import (
    Attempt,
    AttemptStatus,
    InterviewItem,
    Prompt,
    PromptRevision,
    Rubric,
    RubricRevision,
    Scorecard,
)
from app.pagination import Page, paginate

PER_PAGE = 50


class ItemKind(enum.StrEnum):
    PROMPT = "prompt"
    RUBRIC = "rubric"


@dataclass(frozen=True)
class RevisionRow:
    """One revision in the history table, with what was answered and scored on it."""

    number: int
    created_at: datetime
    status: str          # a prompt's status; "" for a rubric, which has none
    title: str
    short_hash: str
    current: bool
    answers: int         # prompt: attempts started; rubric: submitted scorecards
    submitted: int       # prompt: attempts submitted; rubric: practice results scored


@dataclass(frozen=True)
class Comparison:
    """Two revisions laid out as source files, and what changed from one to the other."""

    old: int
    new: int
    files: tuple[FileDiff, ...]
    changes: tuple[Change, ...]  # a rubric's changes in sentences; () for a prompt

    @property
    def identical(self) -> bool:
        return all(diff.status == "unchanged" for diff in self.files)


@dataclass(frozen=True)
class History:
    """An item's page of revisions, every revision number, and the comparison asked for."""

    kind: ItemKind
    slug: str
    title: str
    retired: bool
    current: int | None
    page: Page
    numbers: tuple[int, ...]  # newest first
    comparison: Comparison | None


def _owner(kind: ItemKind):
    if kind is ItemKind.PROMPT:
        return Prompt, PromptRevision, PromptRevision.prompt_id
    return Rubric, RubricRevision, RubricRevision.rubric_id


def revision_number(raw: str | None, name: str) -> int | None:
    """A revision number from the query string: None when absent, Invalid when garbled."""
    if raw is None or raw == "":
        return None
    number = whole_number(raw)
    if number is None or number < 1:
        raise Invalid(f"Choose a revision to compare ({name} must be a revision number).",
                      field=name)
    return number


def history(session: Session, kind: ItemKind, slug: str, *, page: int = 1,
            old: int | None = None, new: int | None = None) -> History:
    """The item's revisions newest first, their use counts, and ``old`` against ``new``
    (by default the previous revision against the newest)."""
    owner_type, revision_type, owner_column = _owner(kind)
    owner = session.scalar(select(owner_type).where(owner_type.slug == slug))
    if owner is None:
        raise NotFound(f"No {kind.value} named {slug}.")
    # The table's columns only: a revision's text and files can be large.
    shown = [revision_type.number, revision_type.created_at, revision_type.title,
             revision_type.content_hash]
    if kind is ItemKind.PROMPT:
        shown.append(PromptRevision.status)
    stmt = select(revision_type).options(load_only(*shown)) \
        .where(owner_column == owner.id).order_by(revision_type.number.desc())
    revisions = paginate(session, stmt, number=page, per_page=PER_PAGE)
    ids = [r.id for r in revisions.items]
    counts = _prompt_counts(session, ids) if kind is ItemKind.PROMPT else \
        _rubric_counts(session, ids)
    current_id = owner.current_revision_id
    rows = [RevisionRow(
        number=r.number, created_at=r.created_at,
        status=r.status if kind is ItemKind.PROMPT else "", title=r.title,
        short_hash=r.content_hash[:10], current=r.id == current_id,
        answers=counts.get(r.id, (0, 0))[0], submitted=counts.get(r.id, (0, 0))[1],
    ) for r in revisions.items]
    every = session.execute(select(revision_type.number, revision_type.id, revision_type.title)
                            .where(owner_column == owner.id)
                            .order_by(revision_type.number.desc())).all()
    numbers = tuple(number for number, _, _ in every)
    current = next(((number, title) for number, rid, title in every if rid == current_id),
                   (None, every[0][2] if every else slug))
    return History(kind=kind, slug=slug, title=current[1], retired=owner.retired_at is not None,
                   current=current[0], page=Page(rows, revisions.number, revisions.per_page,
                                                 revisions.total),
                   numbers=numbers,
                   comparison=_compare(session, kind, owner.id, slug, numbers, old, new))


def _prompt_counts(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    """revision id -> (attempts started on it, how many of them were submitted)."""
    if not ids:
        return {}
    rows = session.execute(
        select(Attempt.prompt_revision_id, func.count(Attempt.id),
               func.count(Attempt.submitted_at))
        .where(Attempt.prompt_revision_id.in_(ids))
        .group_by(Attempt.prompt_revision_id))
    return {rid: (started, submitted) for rid, started, submitted in rows}


def _rubric_counts(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    """revision id -> (submitted scorecards of interviews scored on it, practice results)."""
    if not ids:
        return {}
    cards = dict(session.execute(
        select(InterviewItem.rubric_revision_id, func.count(func.distinct(Scorecard.id)))
        .join(Scorecard, Scorecard.interview_id == InterviewItem.interview_id)
        .where(InterviewItem.rubric_revision_id.in_(ids), Scorecard.submitted_at.is_not(None))
        .group_by(InterviewItem.rubric_revision_id)).all())
    practice = dict(session.execute(
        select(Attempt.rubric_revision_id, func.count(Attempt.id))
        .where(Attempt.rubric_revision_id.in_(ids), Attempt.interview_id.is_(None),
               Attempt.status != AttemptStatus.IN_PROGRESS)
        .group_by(Attempt.rubric_revision_id)).all())
    return {rid: (cards.get(rid, 0), practice.get(rid, 0)) for rid in ids}


def _compare(session: Session, kind: ItemKind, owner_id: int, slug: str,
             numbers: tuple[int, ...], old: int | None, new: int | None) -> Comparison | None:
    if len(numbers) < 2 and old is None and new is None:
        return None
    new = numbers[0] if new is None else new
    if old is None:
        old = next((n for n in numbers if n < new), new)
    for name, number in (("from", old), ("to", new)):
        if number not in numbers:
            raise NotFound(f"This {kind.value} has no revision {number} (asked as {name}).")
    owner_type, revision_type, owner_column = _owner(kind)
    stmt = select(revision_type).where(owner_column == owner_id,
                                       revision_type.number.in_({old, new}))
    if kind is ItemKind.PROMPT:
        stmt = stmt.options(selectinload(PromptRevision.competencies))
        lay_out = prompt_source
    else:
        stmt = stmt.options(selectinload(RubricRevision.criteria))
        lay_out = rubric_source
    found = {r.number: r for r in session.scalars(stmt)}
    before, after = found[old], found[new]
    changes: tuple[Change, ...] = ()
    if kind is ItemKind.RUBRIC:
        changes = tuple(rubric_changes(RubricSnapshot.of(before), RubricSnapshot.of(after)))
    return Comparison(old=old, new=new,
                      files=tuple(files_diff(lay_out(slug, before), lay_out(slug, after))),
                      changes=changes)
