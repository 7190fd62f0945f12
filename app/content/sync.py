"""Loading validated content into the database, one revision per change.

``sync_content`` validates first and writes nothing if anything is wrong; a
valid load happens in one transaction. A prompt or rubric whose files hash to
its current revision costs no write at all; a changed one gets a new revision
(or, when its files return to an earlier state, that earlier revision again);
one that disappeared from disk is retired, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.content import model as doc
from app.content.render import render_markdown
from app.content.validate import load_content
from app.db import transaction, utcnow
from app.errors import Invalid
from app.models.content import (
    Competency,
    Criterion,
    Prompt,
    PromptRevision,
    Responsibility,
    Rubric,
    RubricRevision,
)


class ContentInvalid(Invalid):
    """The content has errors; nothing was loaded."""

    def __init__(self, problems: list[doc.Problem]) -> None:
        super().__init__(f"content has {len(problems)} error(s); nothing was loaded")
        self.problems = problems


@dataclass
class SyncReport:
    """What a sync changed, by kind: slugs created, revised, unchanged and retired."""

    created: dict[str, list[str]] = field(default_factory=lambda: {"prompt": [], "rubric": []})
    revised: dict[str, list[str]] = field(default_factory=lambda: {"prompt": [], "rubric": []})
    unchanged: dict[str, list[str]] = field(default_factory=lambda: {"prompt": [], "rubric": []})
    retired: dict[str, list[str]] = field(default_factory=lambda: {"prompt": [], "rubric": []})
    competencies: int = 0
    responsibilities: int = 0
    warnings: list[doc.Problem] = field(default_factory=list)

    def summary(self) -> str:
        parts = []
        for kind in ("prompt", "rubric"):
            parts.append(
                f"{kind}s: {len(self.created[kind])} new, {len(self.revised[kind])} revised, "
                f"{len(self.unchanged[kind])} unchanged, {len(self.retired[kind])} retired"
            )
        summary = "; ".join(parts) + f"; {self.competencies} competencies"
        if self.responsibilities:
            summary += f"; {self.responsibilities} responsibilities"
        return summary


def sync_content(session: Session, root: str | Path) -> SyncReport:
    """Validate the content under ``root`` and load it; raise ContentInvalid on any error."""
    content = load_content(root)
    if not content.ok:
        raise ContentInvalid(content.errors)
    report = SyncReport(warnings=content.warnings)
    with transaction(session):
        competencies = _sync_competencies(session, content)
        report.competencies = len(content.competencies)
        _sync_rubrics(session, content, report)
        _sync_prompts(session, content, competencies, report)
        _sync_responsibilities(session, content)
        report.responsibilities = len(content.responsibilities)
    return report


def _sync_competencies(session: Session, content: doc.Content) -> dict[str, Competency]:
    existing = {c.slug: c for c in session.scalars(select(Competency))}
    for position, parsed in enumerate(content.competencies.values()):
        row = existing.get(parsed.slug)
        values = {"title": parsed.title, "position": position, "retired_at": None}
        if row is None:
            row = Competency(slug=parsed.slug, **values)
            session.add(row)
            existing[parsed.slug] = row
            continue
        for name, value in values.items():
            if getattr(row, name) != value:  # unchanged rows cost no write
                setattr(row, name, value)
    for slug, row in existing.items():
        if slug not in content.competencies and row.retired_at is None:
            row.retired_at = utcnow()
    session.flush()
    return existing


def _sync_responsibilities(session: Session, content: doc.Content) -> None:
    """One row per responsibility on disk; one gone from disk is retired, never deleted."""
    existing = {r.slug: r for r in session.scalars(select(Responsibility))}
    for position, parsed in enumerate(content.responsibilities.values()):
        row = existing.get(parsed.slug)
        if row is not None and row.description_md == parsed.description:
            html = row.description_html  # unchanged text is not rendered again
        else:
            html = str(render_markdown(parsed.description))
        values = {"title": parsed.title, "description_md": parsed.description,
                  "description_html": html, "competency_slugs": list(parsed.competencies),
                  "prompt_slugs": list(parsed.prompts), "position": position,
                  "retired_at": None}
        if row is None:
            session.add(Responsibility(slug=parsed.slug, **values))
            continue
        for name, value in values.items():
            if getattr(row, name) != value:  # unchanged rows cost no write
                setattr(row, name, value)
    for slug, row in existing.items():
        if slug not in content.responsibilities and row.retired_at is None:
            row.retired_at = utcnow()
    session.flush()


def _next_number(session: Session, revision_type, owner_column, owner_id: int) -> int:
    current = session.scalar(select(func.max(revision_type.number)).where(
        owner_column == owner_id))
    return (current or 0) + 1


def _sync_versioned(session: Session, report: SyncReport, *, kind: str, owner_type,
                    revision_type, owner_column, parsed_items: dict, new_revision) -> None:
    """Bring one kind of versioned content (prompts or rubrics) in line with disk.

    Unchanged items cost no write; a changed one points at the revision with
    its hash (an earlier one if the files went back, else a new one); an item
    gone from disk is retired.
    """
    rows = {r.slug: r for r in session.scalars(select(owner_type))}
    current = _current_hashes(session, revision_type, owner_type)
    for slug, parsed in parsed_items.items():
        row = rows.get(slug)
        if row is not None and current.get(row.id) == parsed.content_hash and not row.retired_at:
            report.unchanged[kind].append(slug)
            continue
        if row is None:
            row = owner_type(slug=slug)
            session.add(row)
            session.flush()
            report.created[kind].append(slug)
        else:
            report.revised[kind].append(slug)
        revision = session.scalar(select(revision_type).where(
            owner_column == row.id, revision_type.content_hash == parsed.content_hash))
        if revision is None:
            revision = new_revision(row, parsed)
        row.current_revision = revision
        row.retired_at = None
    for slug, row in rows.items():
        if slug not in parsed_items and row.retired_at is None:
            row.retired_at = utcnow()
            report.retired[kind].append(slug)


def _sync_rubrics(session: Session, content: doc.Content, report: SyncReport) -> None:
    _sync_versioned(session, report, kind="rubric", owner_type=Rubric,
                    revision_type=RubricRevision, owner_column=RubricRevision.rubric_id,
                    parsed_items=content.rubrics,
                    new_revision=lambda row, parsed: _new_rubric_revision(session, row, parsed))


def _new_rubric_revision(session: Session, row: Rubric, parsed: doc.Rubric) -> RubricRevision:
    revision = RubricRevision(
        rubric_id=row.id,
        number=_next_number(session, RubricRevision, RubricRevision.rubric_id, row.id),
        content_hash=parsed.content_hash,
        title=parsed.title,
        scale={str(level): label for level, label in parsed.scale.items()},
        bar=parsed.bar,
        intro_md=parsed.intro,
        intro_html=str(render_markdown(parsed.intro)),
        criteria=[
            Criterion(
                position=position, name=c.name, weight=c.weight, signals=list(c.signals),
                auto=c.auto, description_md=c.description,
                description_html=str(render_markdown(c.description)),
                descriptors={str(level): {"md": text, "html": str(render_markdown(text))}
                             for level, text in c.descriptors.items()},
                gate=dict(c.gate) or None,
            )
            for position, c in enumerate(parsed.criteria)
        ],
    )
    session.add(revision)
    session.flush()
    return revision


def _sync_prompts(session: Session, content: doc.Content, competencies: dict[str, Competency],
                  report: SyncReport) -> None:
    _sync_versioned(session, report, kind="prompt", owner_type=Prompt,
                    revision_type=PromptRevision, owner_column=PromptRevision.prompt_id,
                    parsed_items=content.prompts,
                    new_revision=lambda row, parsed: _new_prompt_revision(session, row, parsed,
                                                                          competencies))


def _new_prompt_revision(session: Session, row: Prompt, parsed: doc.Prompt,
                         competencies: dict[str, Competency]) -> PromptRevision:
    def rendered(items: tuple[str, ...]) -> list[dict[str, str]]:
        return [{"md": text, "html": str(render_markdown(text))} for text in items]

    revision = PromptRevision(
        prompt_id=row.id,
        number=_next_number(session, PromptRevision, PromptRevision.prompt_id, row.id),
        content_hash=parsed.content_hash,
        title=parsed.title, kind=parsed.kind, level=parsed.level, minutes=parsed.minutes,
        status=parsed.status, rubric_slug=parsed.rubric, tags=list(parsed.tags),
        statement_md=parsed.statement, statement_html=str(render_markdown(parsed.statement)),
        hints=_hints(parsed, rendered(parsed.hints)), follow_ups=rendered(parsed.follow_ups),
        reference_md=parsed.reference, reference_html=str(render_markdown(parsed.reference)),
        files=dict(parsed.files),
        competencies=[competencies[slug] for slug in dict.fromkeys(parsed.competencies)],
    )
    session.add(revision)
    session.flush()
    return revision


def _hints(parsed: doc.Prompt, rendered: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rendered hints, each with the criterion it gives away when it names one."""
    for hint, criterion in zip(rendered, parsed.hint_criteria, strict=False):
        if criterion is not None:
            hint["criterion"] = criterion
    return rendered


def _current_hashes(session: Session, revision_type, owner_type) -> dict[int, str]:
    """owner id -> content hash of its current revision, in one query."""
    rows = session.execute(
        select(owner_type.id, revision_type.content_hash)
        .join(revision_type, owner_type.current_revision_id == revision_type.id)
    )
    return {owner_id: content_hash for owner_id, content_hash in rows}
