"""What the preview's two tabs show, from stored rows (a GET) or from checked files (a check).

Both sources give the same plain shapes, so one template draws either. Stored
rows carry the HTML the sync rendered; checked files are rendered here, through
``render_markdown`` alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.content import model as doc
from app.content.render import render_markdown
from app.kinds import get_kind, kind_names
from app.models import PromptRevision, RubricRevision


@dataclass(frozen=True)
class CriterionView:
    name: str
    weight: float
    auto: str | None
    description_html: str
    descriptors: list[tuple[int, str, str]]  # level, label, HTML: highest first
    gate: dict[str, int]


@dataclass(frozen=True)
class RubricView:
    slug: str
    title: str
    intro_html: str
    bar: str
    criteria: list[CriterionView]


@dataclass(frozen=True)
class PromptView:
    title: str
    kind: str
    kind_label: str
    level: str
    minutes: int
    status: str
    competencies: list[str]
    statement_html: str
    hints: list[str]
    follow_ups: list[str]
    reference_html: str
    rubric_slug: str


@dataclass(frozen=True)
class Preview:
    """A prompt and its rubric, or a rubric alone; either may be missing."""

    prompt: PromptView | None = None
    rubric: RubricView | None = None
    notes: list[str] = field(default_factory=list)


def _kind_label(kind: str) -> str:
    return get_kind(kind).label if kind in kind_names() else kind


def _bar_text(bar: float | dict[str, float]) -> str:
    if isinstance(bar, dict):
        return ", ".join(f"{level} {value:g}" for level, value in bar.items())
    return f"{bar:g}"


def from_rows(prompt: PromptRevision | None, rubric: RubricRevision | None) -> Preview:
    """The preview of stored revisions: the HTML the sync rendered, nothing rendered now."""
    prompt_view = None
    if prompt is not None:
        prompt_view = PromptView(
            title=prompt.title, kind=prompt.kind, kind_label=_kind_label(prompt.kind),
            level=prompt.level, minutes=prompt.minutes, status=prompt.status,
            competencies=[c.title for c in prompt.competencies],
            statement_html=prompt.statement_html,
            hints=[hint["html"] for hint in prompt.hints],
            follow_ups=[item["html"] for item in prompt.follow_ups],
            reference_html=prompt.reference_html, rubric_slug=prompt.rubric_slug)
    rubric_view = None
    if rubric is not None:
        scale = {int(level): label for level, label in rubric.scale.items()}
        rubric_view = RubricView(
            slug=rubric.rubric.slug, title=rubric.title, intro_html=rubric.intro_html,
            bar=_bar_text(rubric.bar),
            criteria=[CriterionView(
                name=c.name, weight=c.weight, auto=c.auto, description_html=c.description_html,
                descriptors=[(level, scale.get(level, ""),
                              c.descriptors.get(str(level), {}).get("html", ""))
                             for level in sorted(scale, reverse=True)],
                gate=dict(c.gate or {})) for c in rubric.criteria])
    return Preview(prompt_view, rubric_view)


def from_content(content: doc.Content, prompt_slug: str | None,
                 rubric_slug: str | None) -> Preview:
    """The preview of checked files, rendered (and sanitised) now."""
    notes: list[str] = []
    parsed = content.prompts.get(prompt_slug) if prompt_slug else None
    prompt_view = None
    if prompt_slug and parsed is None:
        notes.append("The prompt has errors that stop it loading: fix them to see it.")
    if parsed is not None:
        rubric_slug = parsed.rubric
        competencies = content.competencies
        prompt_view = PromptView(
            title=parsed.title, kind=parsed.kind, kind_label=_kind_label(parsed.kind),
            level=parsed.level, minutes=parsed.minutes, status=parsed.status,
            competencies=[competencies[c].title if c in competencies else c
                          for c in dict.fromkeys(parsed.competencies)],
            statement_html=str(render_markdown(parsed.statement)),
            hints=[str(render_markdown(h)) for h in parsed.hints],
            follow_ups=[str(render_markdown(f)) for f in parsed.follow_ups],
            reference_html=str(render_markdown(parsed.reference)), rubric_slug=parsed.rubric)
    rubric = content.rubrics.get(rubric_slug) if rubric_slug else None
    rubric_view = None
    if rubric_slug and rubric is None:
        notes.append(f'Rubric "{rubric_slug}" does not load: it is missing or has errors.')
    if rubric is not None:
        rubric_view = RubricView(
            slug=rubric.slug, title=rubric.title, intro_html=str(render_markdown(rubric.intro)),
            bar=_bar_text(rubric.bar),
            criteria=[CriterionView(
                name=c.name, weight=c.weight, auto=c.auto,
                description_html=str(render_markdown(c.description)),
                descriptors=[(level, rubric.scale.get(level, ""),
                              str(render_markdown(c.descriptors.get(level, ""))))
                             for level in sorted(rubric.scale, reverse=True)],
                gate=dict(c.gate)) for c in rubric.criteria])
    return Preview(prompt_view, rubric_view, notes)
