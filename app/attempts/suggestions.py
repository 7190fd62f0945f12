"""What both journeys read off a submitted rubric: its scale, and the levels ``auto`` suggests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.grading.runs import latest_run
from app.grading.scoring import auto_level_from_counts
from app.grading.signals import level_from_found, suggested_level
from app.kinds import get_kind
from app.models import Attempt, RubricRevision, RunKind, RunStatus, TestRun
from app.vocabulary import AutoScorer


def rubric_scale(rubric: RubricRevision) -> dict[int, str]:
    """The rubric's levels and their labels, lowest first."""
    return {int(level): label for level, label in sorted(rubric.scale.items(),
                                                          key=lambda kv: int(kv[0]))}


@dataclass(frozen=True)
class AutoSuggestions:
    """What ``auto`` criteria suggest for an answer: signals found and hidden-test results."""

    levels: dict[int, int | None]  # criterion id -> suggested level (auto criteria only)
    hidden_run: TestRun | None


def auto_suggestions(session: Session, attempt: Attempt, body: str, *,
                     found: Mapping[int, Sequence[str]] | None = None) -> AutoSuggestions:
    """Suggested levels for the attempt's ``auto`` criteria, from ``body`` and its hidden run.

    ``found`` (criterion id -> signals found, as stored at submit) spares
    searching ``body`` for the signals again.
    """
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
            levels[criterion.id] = (
                suggested_level(body, criterion.signals, lo, hi) if found is None
                else level_from_found(found.get(criterion.id, ()), criterion.signals, lo, hi))
        elif criterion.auto == AutoScorer.TESTS:
            levels[criterion.id] = tests_level
    return AutoSuggestions(levels=levels, hidden_run=hidden_run)
