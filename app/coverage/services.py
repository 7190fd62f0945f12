"""Coverage of the roles' responsibilities by the library's published prompts.

Everything comes from rows ``flask content sync`` wrote: three queries
whatever the size of the library (responsibilities, competency titles, and
the published prompts they name).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.attempts.lifecycle import published
from app.models import Competency, Prompt, PromptRevision, Responsibility

# A responsibility is covered from this many published prompts on; one is thin.
COVERED_FROM = 2


class CoverageStatus(enum.StrEnum):
    GAP = "gap"
    THIN = "thin"
    COVERED = "covered"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def status_for(prompts: int) -> CoverageStatus:
    """Covered from COVERED_FROM published prompts on, thin with one, a gap with none."""
    if prompts >= COVERED_FROM:
        return CoverageStatus.COVERED
    return CoverageStatus.THIN if prompts else CoverageStatus.GAP


@dataclass(frozen=True)
class CoveringPrompt:
    slug: str
    title: str
    kind: str
    level: str
    minutes: int


@dataclass(frozen=True)
class CoverageRow:
    slug: str
    title: str
    description_html: str
    competencies: tuple[tuple[str, str], ...]  # (slug, title)
    prompts: tuple[CoveringPrompt, ...]
    status: CoverageStatus


@dataclass(frozen=True)
class Coverage:
    """The rows, gaps first then thin then covered (file order within each), and the index."""

    rows: tuple[CoverageRow, ...]
    # Each published prompt some responsibility names, with the titles of those it exercises.
    prompts: tuple[tuple[CoveringPrompt, tuple[str, ...]], ...]

    def count(self, status: CoverageStatus | str) -> int:
        return sum(1 for row in self.rows if row.status == status)


ORDER = {CoverageStatus.GAP: 0, CoverageStatus.THIN: 1, CoverageStatus.COVERED: 2}


def coverage(session: Session) -> Coverage:
    """Each current responsibility with its competencies, published prompts and status."""
    responsibilities = session.scalars(
        select(Responsibility).where(Responsibility.retired_at.is_(None))
        .order_by(Responsibility.position)).all()
    titles = dict(session.execute(select(Competency.slug, Competency.title)
                                  .where(Competency.retired_at.is_(None))).all())
    named = sorted({slug for r in responsibilities for slug in r.prompt_slugs})
    found = {
        prompt.slug: CoveringPrompt(slug=prompt.slug, title=revision.title, kind=revision.kind,
                                    level=revision.level, minutes=revision.minutes)
        for prompt, revision in session.execute(
            select(Prompt, PromptRevision)
            .join(PromptRevision, Prompt.current_revision_id == PromptRevision.id)
            .where(Prompt.slug.in_(named), published()))
    }
    rows = []
    for r in responsibilities:
        prompts = tuple(found[slug] for slug in r.prompt_slugs if slug in found)
        rows.append(CoverageRow(
            slug=r.slug, title=r.title, description_html=r.description_html,
            competencies=tuple((slug, titles.get(slug, slug)) for slug in r.competency_slugs),
            prompts=prompts, status=status_for(len(prompts))))
    rows.sort(key=lambda row: ORDER[row.status])  # stable: file order within a status
    index = tuple(
        (prompt, tuple(r.title for r in responsibilities if slug in r.prompt_slugs))
        for slug, prompt in sorted(found.items(), key=lambda item: item[1].title.lower()))
    return Coverage(rows=tuple(rows), prompts=index)
