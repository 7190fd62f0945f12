"""Rubric arithmetic: auto levels, weighted means and the bar (content format, section 3).

Everything here is pure: levels and weights in, numbers out. A criterion's level
is what a reviewer picks (or what ``auto`` suggests); an answer's score is the
weight-weighted mean of its criteria's levels, and it meets the bar when that
mean is at or above the rubric's ``bar`` AND every gated criterion reaches its
gate (the level a criterion must reach at the targeted level, whatever the mean).

For ``auto`` criteria, with share ``s`` (0 to 1) on a scale from ``lo`` to ``hi``,
the level is ``lo + floor(s * (hi - lo))``, and ``hi`` when ``s`` is 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from numbers import Real

# Floats such as 2/3 or 0.29 are not exact, so ``share * span`` can land a hair
# below a whole number (0.29 * 100 == 28.999999999999996). A product this close
# to the whole number above it counts as reaching it.
_FLOOR_TOLERANCE = 1e-9
# A mean this close below the bar meets it: float sums of weights and levels
# can give 2.9999999999 where the exact arithmetic gives 3.
BAR_TOLERANCE = 1e-9


def _check_scale(lo: int, hi: int) -> None:
    if lo >= hi:
        raise ValueError(f"scale must run from a lower to a higher level, got {lo}..{hi}")


def auto_level(share: float | Fraction, lo: int, hi: int) -> int:
    """Level ``lo + floor(share * (hi - lo))`` for a share in [0, 1]; ``hi`` when share is 1."""
    _check_scale(lo, hi)
    if isinstance(share, bool) or not isinstance(share, Real):
        raise TypeError(f"share must be a real number, got {share!r}")
    if not 0 <= share <= 1:  # also refuses NaN
        raise ValueError(f"share must be within [0, 1], got {share!r}")
    if share == 1:
        return hi
    span = hi - lo
    if isinstance(share, int | Fraction):
        return lo + math.floor(Fraction(share) * span)
    product = float(share) * span
    return lo + min(span, math.floor(product + _FLOOR_TOLERANCE))


def auto_level_from_counts(passed: int, total: int, lo: int, hi: int) -> int:
    """Level for ``passed`` of ``total`` (tests or signals), in exact integer arithmetic."""
    _check_scale(lo, hi)
    if total <= 0:
        raise ValueError(f"total must be positive, got {total}")
    if not 0 <= passed <= total:
        raise ValueError(f"passed must be within 0..{total}, got {passed}")
    if passed == total:
        return hi
    return lo + (passed * (hi - lo)) // total


@dataclass(frozen=True)
class CriterionLevel:
    """One criterion of a rubric as scored for one answer; ``level`` None means not scored yet.

    ``gate`` is the level it must reach for the answer to meet the bar at the
    targeted level (None: no gate).
    """

    name: str
    weight: float
    level: int | None
    gate: int | None = None


@dataclass(frozen=True)
class GateMissed:
    """A gated criterion scored below its gate."""

    criterion: str
    required: int
    given: int

    def __str__(self) -> str:
        return f"{self.criterion} is at level {self.given}; the bar needs at least {self.required}"


@dataclass(frozen=True)
class Score:
    """An answer's score against a rubric.

    ``mean`` is None when nothing is scored; ``meets_bar`` is None until the
    score is complete (every criterion has a level). ``gates_missed`` lists
    the scored criteria below their gate, complete or not: one is enough to
    miss the bar.
    """

    mean: float | None
    bar: float
    meets_bar: bool | None
    scored_weight: float
    total_weight: float
    complete: bool
    gates_missed: tuple[GateMissed, ...] = ()

    @property
    def below_bar_by(self) -> float | None:
        """How far a complete mean falls short of the bar; None when it reaches it."""
        if not self.complete or self.mean is None or self.mean >= self.bar - BAR_TOLERANCE:
            return None
        return self.bar - self.mean

    @property
    def reasons(self) -> list[str]:
        """Why a complete score misses the bar, in words: the mean, then each gate missed."""
        if self.meets_bar is not False:
            return []
        found = []
        if self.below_bar_by is not None:
            found.append(f"The weighted mean {self.mean:.2f} is {self.below_bar_by:.2f} short of "
                         f"the bar of {self.bar:.2f}.")
        found.extend(f"{gate}." for gate in self.gates_missed)
        return found


def _check_weight(criterion: CriterionLevel) -> None:
    weight = criterion.weight
    if isinstance(weight, bool) or not isinstance(weight, Real):
        raise TypeError(f"criterion {criterion.name!r}: weight must be a number, got {weight!r}")
    if not (math.isfinite(weight) and weight > 0):
        raise ValueError(
            f"criterion {criterion.name!r}: weight must be a positive number, got {weight!r}"
        )


def weighted_mean(levels: Sequence[CriterionLevel]) -> float | None:
    """Weight-weighted mean of the scored levels; None when none is scored."""
    for criterion in levels:
        _check_weight(criterion)
    scored = [c for c in levels if c.level is not None]
    if not scored:
        return None
    # Exact arithmetic, rounded once: the result is never outside the levels' range.
    total = sum(Fraction(c.weight) for c in scored)
    weighted = sum(Fraction(c.weight) * c.level for c in scored)
    return float(weighted / total)


def score(levels: Sequence[CriterionLevel], bar: float) -> Score:
    """Score of an answer: its weighted mean, its gates missed, and whether it meets the bar."""
    if not levels:
        raise ValueError("a rubric has at least one criterion")
    if isinstance(bar, bool) or not isinstance(bar, Real) or not math.isfinite(bar):
        raise ValueError(f"bar must be a finite number, got {bar!r}")
    mean = weighted_mean(levels)  # also checks every weight
    for criterion in levels:
        gate = criterion.gate
        if gate is not None and (isinstance(gate, bool) or not isinstance(gate, int)):
            raise TypeError(f"criterion {criterion.name!r}: gate must be a whole level, "
                            f"got {gate!r}")
    missed = tuple(GateMissed(c.name, c.gate, c.level) for c in levels
                   if c.gate is not None and c.level is not None and c.level < c.gate)
    complete = all(c.level is not None for c in levels)
    meets_bar = None
    if complete and mean is not None:
        meets_bar = mean >= bar - BAR_TOLERANCE and not missed
    return Score(
        mean=mean,
        bar=float(bar),
        meets_bar=meets_bar,
        scored_weight=float(sum(Fraction(c.weight) for c in levels if c.level is not None)),
        total_weight=float(sum(Fraction(c.weight) for c in levels)),
        complete=complete,
        gates_missed=missed,
    )


def default_bar(scale_levels: Sequence[int]) -> float:
    """The format's default bar: the scale's second-highest level."""
    ordered = sorted(set(scale_levels))
    if len(ordered) < 2:
        raise ValueError(f"a scale has at least two levels, got {list(scale_levels)}")
    return float(ordered[-2])


def bar_for(bar: float | Mapping[str, float], level: str, scale_levels: Sequence[int]) -> float:
    """Bar for a target ``level``: a number as is, else the mapping's entry or the default bar."""
    if isinstance(bar, Mapping):
        if level in bar:
            return float(bar[level])
        return default_bar(scale_levels)
    return float(bar)


def gate_for(gate: Mapping[str, int] | None, level: str) -> int | None:
    """The level a criterion must reach at target ``level``; None when it has no gate there."""
    if not gate:
        return None
    return gate.get(level)


def normalise(mean: float, lo: int, hi: int) -> float:
    """Position of ``mean`` on the scale ``lo``..``hi`` as 0..1, to compare across scales."""
    _check_scale(lo, hi)
    if not lo <= mean <= hi:  # also refuses NaN
        raise ValueError(f"mean must be within the scale {lo}..{hi}, got {mean!r}")
    return (mean - lo) / (hi - lo)
