"""What both journeys read off a submitted rubric: its scale, and the levels ``auto`` suggests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.grading.runs import latest_run
from app.grading.scoring import auto_level_from_counts
from app.grading.signals import suggested_level
from app.models import Attempt, RubricRevision, RunKind, RunStatus, TestRun


def rubric_scale(rubric: RubricRevision) -> dict[int, str]:
    """The rubric's levels and their labels, lowest first."""
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
                  if attempt.prompt_revision.kind == "coding" else None)
    tests_level = None
    if hidden_run is not None and hidden_run.status is RunStatus.DONE and hidden_run.total:
        tests_level = auto_level_from_counts(hidden_run.passed, hidden_run.total, lo, hi)
    levels: dict[int, int | None] = {}
    for criterion in rubric.criteria:
        if criterion.auto == "signals":
            levels[criterion.id] = suggested_level(body, criterion.signals, lo, hi)
        elif criterion.auto == "tests":
            levels[criterion.id] = tests_level
    return AutoSuggestions(levels=levels, hidden_run=hidden_run)
