"""What both journeys read off a submitted rubric: its scale, the level hidden tests suggest,
and the signals found in the answer.

Signals are evidence for a reviewer to read, never a level: a criterion stored
with ``auto: signals`` (rubric revisions written before the rule) is shown with
the signals it found and no suggested level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.grading.runs import latest_run
from app.grading.scoring import auto_level_from_counts
from app.grading.signals import signals_found
from app.kinds import get_kind
from app.models import Attempt, RubricRevision, RunKind, RunStatus, TestRun
from app.vocabulary import AutoScorer


def rubric_scale(rubric: RubricRevision) -> dict[int, str]:
    """The rubric's levels and their labels, lowest first."""
    return {int(level): label for level, label in sorted(rubric.scale.items(),
                                                          key=lambda kv: int(kv[0]))}


@dataclass(frozen=True)
class AutoSuggestions:
    """What an answer offers a reviewer: levels from hidden tests, and signals found."""

    levels: dict[int, int | None]  # criterion id -> level from hidden tests (auto: tests only)
    hidden_run: TestRun | None
    # criterion id -> the criterion's signals found in the answer (criteria with signals)
    found: dict[int, list[str]]


def auto_suggestions(session: Session, attempt: Attempt, body: str, *,
                     found: Mapping[int, Sequence[str]] | None = None) -> AutoSuggestions:
    """Levels for the attempt's ``auto: tests`` criteria from its hidden run, and the
    signals of every criterion found in ``body``.

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
    evidence: dict[int, list[str]] = {}
    for criterion in rubric.criteria:
        if criterion.signals:
            evidence[criterion.id] = (signals_found(body, criterion.signals) if found is None
                                      else list(found.get(criterion.id, ())))
        # Only hidden tests suggest a level; signals (even on a revision stored with
        # auto: signals) stay evidence for the reviewer.
        if criterion.auto == AutoScorer.TESTS:
            levels[criterion.id] = tests_level
    return AutoSuggestions(levels=levels, hidden_run=hidden_run, found=evidence)
