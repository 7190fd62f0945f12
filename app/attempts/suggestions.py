"""What both journeys read off a submitted rubric: its scale, the level hidden tests (or a
review's planted findings) suggest, and the signals found in the answer.

Signals are evidence for a reviewer to read, never a level: a criterion stored
with ``auto: signals`` (rubric revisions written before the rule) is shown with
the signals it found and no suggested level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.grading.hints import RevealedHint, revealed_hints
from app.grading.runs import latest_run
from app.grading.scoring import auto_level, auto_level_from_counts
from app.grading.signals import signals_found
from app.kinds import get_kind
from app.models import Attempt, RubricRevision, RunKind, RunStatus, TestRun
from app.vocabulary import AutoScorer

# Scorers that read the answer itself (and, for evidence, what the candidate asked for).
_FROM_ANSWER = frozenset({AutoScorer.FINDINGS, AutoScorer.EVIDENCE})


def rubric_scale(rubric: RubricRevision) -> dict[int, str]:
    """The rubric's levels and their labels, lowest first."""
    return {int(level): label for level, label in sorted(rubric.scale.items(),
                                                          key=lambda kv: int(kv[0]))}


def hints_revealed(attempt: Attempt | None,
                   hints: Sequence[Mapping[str, object]]) -> list[RevealedHint]:
    """The hints revealed on ``attempt`` (none without one), in order, with what each gives
    away; ``hints`` are its prompt revision's, passed in by a caller that has them loaded."""
    if attempt is None:
        return []
    return revealed_hints(hints, [(r.hint_index, r.elapsed_seconds)
                                  for r in attempt.hint_reveals])


@dataclass(frozen=True)
class AutoSuggestions:
    """What an answer offers a reviewer: levels from hidden tests or planted findings, and
    signals found."""

    # criterion id -> level from hidden tests (auto: tests) or a review's findings (auto:
    # findings)
    levels: dict[int, int | None]
    hidden_run: TestRun | None
    # criterion id -> the criterion's signals found in the answer (criteria with signals)
    found: dict[int, list[str]]
    # criterion id -> what an auto: findings or evidence level rests on (findings hit and
    # missed, noise, the verdict; evidence asked for and cited), for the reviewer who
    # confirms it
    reasons: dict[int, tuple[str, ...]] = field(default_factory=dict)


def auto_suggestions(session: Session, attempt: Attempt, body: str, *,
                     found: Mapping[int, Sequence[str]] | None = None) -> AutoSuggestions:
    """Levels for the attempt's ``auto: tests`` criteria from its hidden run and for its
    ``auto: findings`` (``evidence``) criteria from the review (incident answer) in
    ``body``, and the signals of every
    criterion found in ``body``.

    ``found`` (criterion id -> signals found, as stored at submit) spares
    searching ``body`` for the signals again.
    """
    rubric = attempt.rubric_revision
    scale = rubric_scale(rubric)
    lo, hi = min(scale), max(scale)
    kind = get_kind(attempt.prompt_revision.kind)
    hidden_run = latest_run(session, attempt, RunKind.HIDDEN) if kind.runs_tests else None
    tests_level = None
    if hidden_run is not None and hidden_run.status is RunStatus.DONE and hidden_run.total:
        tests_level = auto_level_from_counts(hidden_run.passed, hidden_run.total, lo, hi)
    # Only an evidence scorer reads what was asked for: other kinds load no reveals.
    revealed = ([r.evidence_key for r in attempt.evidence_reveals]
                if AutoScorer.EVIDENCE in kind.auto_scorers else [])
    answer = (kind.answer_score(body, attempt.prompt_revision.files, revealed=revealed)
              if kind.scores_answers and any(c.auto in _FROM_ANSWER for c in rubric.criteria)
              else None)
    levels: dict[int, int | None] = {}
    evidence: dict[int, list[str]] = {}
    reasons: dict[int, tuple[str, ...]] = {}
    for criterion in rubric.criteria:
        if criterion.signals:
            evidence[criterion.id] = (signals_found(body, criterion.signals) if found is None
                                      else list(found.get(criterion.id, ())))
        # Only hidden tests and a review's planted findings suggest a level; signals (even
        # on a revision stored with auto: signals) stay evidence for the reviewer.
        if criterion.auto == AutoScorer.TESTS:
            levels[criterion.id] = tests_level
        elif criterion.auto in _FROM_ANSWER:
            levels[criterion.id] = (auto_level(answer.share, lo, hi) if answer is not None
                                    else None)
            reasons[criterion.id] = answer.reasons if answer is not None else ()
    return AutoSuggestions(levels=levels, hidden_run=hidden_run, found=evidence,
                           reasons=reasons)
