"""The hint rule: a revealed hint that gives a criterion away caps that criterion's level.

A prompt's hint may name the rubric criterion it gives away (``[gives away:
<criterion>]`` in the prompt's ``## Hints``). When such a hint was revealed
before the answer was submitted, the criterion counts at most the scale's
second-highest level in the weighted score: the candidate was told that part of
the answer, so it cannot show the strongest level on its own. The level the
reviewer (or the candidate) picked is kept and shown beside the capped one.
Hints that name no criterion change nothing.

Everything here is pure: the levels go through ``cap_levels`` before they reach
``scoring.score``, which knows nothing of hints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from app.grading.scoring import CriterionLevel, Score, score


@dataclass(frozen=True)
class RevealedHint:
    """A hint the candidate revealed: its number (1-based), the criterion it gives away
    (None for a plain nudge) and how far into the time box it was revealed."""

    number: int
    criterion: str | None
    elapsed_seconds: int


@dataclass(frozen=True)
class CappedLevel:
    """One criterion as the score counts it, beside the level that was given.

    ``counted.level`` goes into the score; ``given`` is what was picked; ``hint``
    is the number of the revealed hint that lowered it (None when nothing did).
    """

    counted: CriterionLevel
    given: int | None
    hint: int | None

    @property
    def capped(self) -> bool:
        return self.hint is not None


def hint_cap(scale_levels: Iterable[int]) -> int:
    """The most a criterion given away by a revealed hint counts: the scale's second-highest."""
    ordered = sorted(set(scale_levels))
    if len(ordered) < 2:
        raise ValueError(f"a scale has at least two levels, got {ordered}")
    return ordered[-2]


def revealed_hints(hints: Sequence[Mapping[str, object]], revealed: Iterable[tuple[int, int]],
                   ) -> list[RevealedHint]:
    """The revealed hints, in order, from a prompt revision's stored hints and the
    (hint index, elapsed seconds) of each reveal; a reveal of no such hint is skipped."""
    found = []
    for index, elapsed in sorted(revealed):
        if 0 <= index < len(hints):
            criterion = hints[index].get("criterion")
            found.append(RevealedHint(index + 1, criterion if isinstance(criterion, str)
                                      and criterion else None, elapsed))
    return found


def capping_hints(revealed: Iterable[RevealedHint]) -> dict[str, int]:
    """Criterion name (lower case) -> the first revealed hint that gives it away."""
    caps: dict[str, int] = {}
    for hint in sorted(revealed, key=lambda h: h.number):
        if hint.criterion is not None:
            caps.setdefault(hint.criterion.casefold(), hint.number)
    return caps


def cap_levels(levels: Sequence[CriterionLevel], revealed: Iterable[RevealedHint],
               scale_levels: Iterable[int]) -> list[CappedLevel]:
    """Each criterion's level as the score counts it once the revealed hints are applied."""
    cap = hint_cap(scale_levels)
    caps = capping_hints(revealed)
    out = []
    for criterion in levels:
        hint = caps.get(criterion.name.casefold())
        if hint is not None and criterion.level is not None and criterion.level > cap:
            out.append(CappedLevel(replace(criterion, level=cap), criterion.level, hint))
        else:
            out.append(CappedLevel(criterion, criterion.level, None))
    return out


def counted(capped: Sequence[CappedLevel]) -> list[CriterionLevel]:
    """The levels to score: what ``cap_levels`` counts for each criterion."""
    return [c.counted for c in capped]


def score_after_hints(levels: Sequence[CriterionLevel], revealed: Iterable[RevealedHint],
                      scale_levels: Iterable[int], bar: float) -> Score:
    """The weighted score once the revealed hints cap what they gave away; the gates
    (``scoring.score``) then apply to the levels counted."""
    return score(counted(cap_levels(levels, revealed, scale_levels)), bar)
