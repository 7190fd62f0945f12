"""Planning an interview loop from a job description over the synced library.

The planner itself is pure (``app.content.planner``); this module feeds it the
library as ``flask content sync`` stored it, so every prompt it proposes is one
an interview can use, and shapes its answer for the page. Three queries
whatever the size of the library: responsibilities, competencies, and the
published prompts with their competencies.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.attempts.lifecycle import published
from app.content.model import Severity
from app.content.parse import is_slug
from app.content.planner import (
    CUES_PATH,
    MAX_CHARS,
    Draft,
    Plan,
    PlanPrompt,
    PlanRefused,
    Sentence,
    load_cues,
    plan,
)
from app.errors import Invalid
from app.kinds import kind_names
from app.models import (
    Competency,
    Prompt,
    PromptRevision,
    PromptRevisionCompetency,
    Responsibility,
)
from app.vocabulary import LEVELS, PROMPT_MINUTES

# A cue file with problems still plans; the page names this many of them.
SHOWN_PROBLEMS = 3
TITLE_MAX = 120
DRAFT_COMPETENCIES_MAX = 8


@dataclass(frozen=True)
class PlanResponsibility:
    """A responsibility as the planner reads it."""

    slug: str
    title: str
    competencies: tuple[str, ...]


@dataclass(frozen=True)
class Library:
    responsibilities: tuple[PlanResponsibility, ...]
    competencies: dict[str, str]  # slug -> title, in the library's order
    prompts: tuple[PlanPrompt, ...]


@dataclass(frozen=True)
class Piece:
    """A stretch of a sentence, marked when a cue matched it."""

    text: str
    marked: bool


@dataclass(frozen=True)
class PlanPage:
    """The plan with what the page shows beside it, computed once here, not in the template."""

    plan: Plan
    titles: dict[str, str]  # competency slug -> title
    prompt_titles: dict[str, str]  # prompt slug -> title
    responsibility_titles: dict[str, str]
    # Per competency, the sentences of the responsibilities that evidence it, in text order.
    competency_sentences: dict[str, tuple[Sentence, ...]]


def library(session: Session) -> Library:
    """The current responsibilities, competencies and published prompts, for the planner."""
    responsibilities = session.scalars(
        select(Responsibility).where(Responsibility.retired_at.is_(None))
        .order_by(Responsibility.position, Responsibility.id)).all()
    competencies = dict(session.execute(
        select(Competency.slug, Competency.title).where(Competency.retired_at.is_(None))
        .order_by(Competency.position, Competency.id)).all())
    rows = session.execute(
        select(Prompt.slug, PromptRevision.id, PromptRevision.title, PromptRevision.kind,
               PromptRevision.level, PromptRevision.minutes, Competency.slug)
        .join(PromptRevision, Prompt.current_revision_id == PromptRevision.id)
        .outerjoin(PromptRevisionCompetency,
                   PromptRevisionCompetency.prompt_revision_id == PromptRevision.id)
        .outerjoin(Competency, Competency.id == PromptRevisionCompetency.competency_id)
        .where(published())
        .order_by(Prompt.slug, Competency.position, Competency.id)).all()
    naming: dict[str, list[str]] = defaultdict(list)
    for responsibility in responsibilities:
        for slug in responsibility.prompt_slugs:
            naming[slug].append(responsibility.slug)
    heads: dict[str, tuple[str, str, str, int]] = {}
    skills: dict[str, list[str]] = defaultdict(list)
    for slug, _, title, kind, level, minutes, competency in rows:
        heads.setdefault(slug, (title, kind, level, minutes))
        if competency is not None:
            skills[slug].append(competency)
    prompts = tuple(
        PlanPrompt(slug=slug, title=title, kind=kind, level=level, minutes=minutes,
                   competencies=tuple(skills[slug]), responsibilities=tuple(naming[slug]))
        for slug, (title, kind, level, minutes) in heads.items())
    return Library(
        responsibilities=tuple(PlanResponsibility(r.slug, r.title, tuple(r.competency_slugs))
                               for r in responsibilities),
        competencies=competencies, prompts=prompts)


def plan_posting(session: Session, root: Path, text: str, *, budget: int,
                 level: str | None = None) -> PlanPage:
    """Plan a loop for ``text`` over the synced library, with the cues under ``root``."""
    found = library(session)
    cues, problems = load_cues(root, {r.slug: r for r in found.responsibilities})
    try:
        result = plan(text, budget=budget, responsibilities=found.responsibilities,
                      competencies=found.competencies, cues=cues, prompts=found.prompts,
                      level=level)
    except PlanRefused as refused:
        raise Invalid(str(refused), field="budget") from refused
    notices = list(result.notices)
    if not (root / CUES_PATH).is_file():
        notices.append(f"There is no cue file ({CUES_PATH}), so no responsibility can be "
                       f"recognised.")
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        shown = "; ".join(str(p) for p in errors[:SHOWN_PROBLEMS])
        more = f" and {len(errors) - SHOWN_PROBLEMS} more" if len(errors) > SHOWN_PROBLEMS else ""
        notices.append(f"The cue file has problems, so some phrases were skipped: {shown}{more}.")
    result = dataclasses.replace(result, notices=tuple(notices))
    evidence: dict[str, dict[int, Sentence]] = {}
    by_slug = {r.slug: r for r in result.responsibilities}
    for competency in result.competencies:
        sentences = evidence.setdefault(competency.slug, {})
        for slug in competency.responsibilities:
            for item in by_slug[slug].evidence:
                sentences[item.sentence.number] = item.sentence
    return PlanPage(
        plan=result, titles=found.competencies,
        prompt_titles={p.slug: p.title for p in found.prompts},
        responsibility_titles={r.slug: r.title for r in found.responsibilities},
        competency_sentences={slug: tuple(s for _, s in sorted(found.items()))
                              for slug, found in evidence.items()})


def pieces(text: str, spans: tuple[tuple[int, int], ...]) -> list[Piece]:
    """``text`` cut at the matched ``spans`` (ordered, not overlapping), for marking."""
    out: list[Piece] = []
    at = 0
    for start, end in spans:
        if start > at:
            out.append(Piece(text[at:start], False))
        out.append(Piece(text[start:end], True))
        at = end
    if at < len(text):
        out.append(Piece(text[at:], False))
    return out


def posting_length(text: str) -> int:
    """The posting's length as the planner counts it: one character per line break."""
    return len(text.replace("\r\n", "\n"))


def check_posting(text: str) -> str:
    """The posting with one kind of line break; Invalid when empty or longer than MAX_CHARS."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise Invalid("Paste a job description.", field="description")
    if len(text) > MAX_CHARS:
        raise Invalid(f"The job description is {len(text):,} characters long; the planner "
                      f"reads at most {MAX_CHARS:,}. Shorten it to the part about the role.",
                      field="description")
    return text


# The drafted prompt file ---------------------------------------------------------------

DRAFT_BODY = """
Write here the problem statement candidates see: the situation, what to design, and
the numbers they need.

## Hints
- A first, gentle nudge.

## Follow-ups
- A question for the interviewer to ask once the main design is done.

## Reference
Notes on a strong answer, for reviewers.
"""


def draft_file(session: Session, *, kind: str, slug: str, title: str, level: str,
               minutes: int | None, competencies: list[str], rubric: str) -> tuple[str, str]:
    """The file name and text of a drafted prompt (front matter and headings); Invalid
    names the first field that is not valid front matter."""
    if kind not in kind_names():
        raise Invalid(f"Kind must be one of {', '.join(kind_names())}.", field="kind")
    if not is_slug(slug) or len(slug) > 80:
        raise Invalid("The slug must be lower-case words joined by hyphens.", field="slug")
    title = " ".join(title.split())
    if not title or len(title) > TITLE_MAX:
        raise Invalid(f"The title must be 1 to {TITLE_MAX} characters.", field="title")
    if level not in LEVELS:
        raise Invalid(f"Level must be one of {', '.join(LEVELS)}.", field="level")
    low, high = PROMPT_MINUTES
    if minutes is None or not low <= minutes <= high:
        raise Invalid(f"Minutes must be a whole number from {low} to {high}.", field="minutes")
    chosen = list(dict.fromkeys(competencies))
    if not chosen or len(chosen) > DRAFT_COMPETENCIES_MAX:
        raise Invalid(f"Name 1 to {DRAFT_COMPETENCIES_MAX} competencies.", field="competencies")
    known = set(session.scalars(select(Competency.slug).where(
        Competency.retired_at.is_(None), Competency.slug.in_(chosen))))
    unknown = [c for c in chosen if c not in known]
    if unknown:
        raise Invalid(f"{unknown[0]!r} is not a competency of the library.",
                      field="competencies")
    if not is_slug(rubric) or len(rubric) > 80:
        raise Invalid("The rubric must be a slug: lower-case words joined by hyphens.",
                      field="rubric")
    draft = Draft(slug=slug, responsibilities=(), front_matter={
        "title": title, "kind": kind, "level": level, "minutes": minutes,
        "competencies": tuple(chosen), "rubric": rubric, "status": "draft"})
    return f"{slug}.md", draft.text + DRAFT_BODY
