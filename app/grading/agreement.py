"""Agreement between reviewers who score the same criteria.

Everything here is pure: scores in, numbers out. A panel is a table ``x[i][j]``,
the score rater ``j`` gave target ``i`` (a criterion of one answer), with ``n``
targets and ``k`` raters and no gaps.

Intraclass correlations (Shrout & Fleiss 1979; McGraw & Wong 1996)
    The two-way analysis of variance splits the spread of the table around its
    grand mean ``g`` into targets, raters and what is left:

    - ``BMS = k * sum_i (row mean_i - g)^2 / (n - 1)`` between targets,
    - ``JMS = n * sum_j (column mean_j - g)^2 / (k - 1)`` between raters (judges),
    - ``EMS = sum_ij (x_ij - row mean_i - column mean_j + g)^2 / ((n - 1)(k - 1))``.

    ICC(2,1) = ICC(A,1), absolute agreement of one rater, counts a rater's bias
    (a higher or lower mean than the others) as disagreement::

        (BMS - EMS) / (BMS + (k - 1) EMS + k (JMS - EMS) / n)

    ICC(3,1) = ICC(C,1), consistency of one rater, ignores bias::

        (BMS - EMS) / (BMS + (k - 1) EMS)

    ICC(2,k) = ICC(A,k), absolute agreement of the mean of the k raters::

        (BMS - EMS) / (BMS + (JMS - EMS) / n)

    which is the Spearman-Brown step-up ``k r / (1 + (k - 1) r)`` of r = ICC(A,1).

    The first two denominators are never negative (ICC(A,1)'s is
    ``BMS + (k - 1 - k/n) EMS + (k/n) JMS``, mean squares with factors that are
    not negative for ``n, k >= 2``), so they are undefined only at 0:
    when every score is the same, or for two raters and two targets scored in
    reverse of each other (``[[a, b], [b, a]]``), where BMS = JMS = 0 < EMS and
    the numerator is negative. ICC(A,k)'s denominator goes negative when the
    raters disagree so much that ICC(A,1) < -1 / (k - 1); the formula then
    gives a number above 1, which measures nothing, so it counts as undefined
    too. Undefined is None. The arithmetic is exact (fractions), so "every score
    the same" is an exact 0, not a float that happens to be tiny.

Quadratic weighted kappa (Cohen 1968)
    For two raters' scores ``a`` and ``b`` of the same ``N`` items on the integer
    scale ``lo..hi``, with disagreement weights ``(i - j)^2 / (hi - lo)^2``,
    kappa is ``1 - observed / expected`` weighted disagreement, where the
    expected table pairs every score of one rater with every score of the other
    (the product of the margins). Because the weights are squared distances,
    the two sums come down to means and variances (divided by N):

        observed = mean of (a - b)^2 = var(a) + var(b) - 2 cov(a, b) + (mean a - mean b)^2
        expected = var(a) + var(b) + (mean a - mean b)^2
        kappa    = 2 cov(a, b) / (var(a) + var(b) + (mean a - mean b)^2)

    so kappa lies in [-1, 1], and ``(hi - lo)^2`` cancels: the scale only says
    which scores are allowed. Levels are the scores themselves, so an unused
    level still counts in the distances (some tools, R's ``irr::kappa2`` and
    scikit-learn without ``labels``, number only the levels that occur). The
    expected disagreement is 0 only when both raters gave every item one and the
    same level; kappa is then undefined (None).

    For two raters, kappa and ICC(A,1) of the same ``N x 2`` table are tied
    exactly (the ``1/N`` term that Fleiss & Cohen 1973 noted). There
    ``2 (N - 1) BMS / N = var(a) + var(b) + 2 cov``, ``2 (N - 1) EMS / N =
    var(a) + var(b) - 2 cov`` and ``JMS = N (mean a - mean b)^2 / 2``, so
    ICC(A,1) = ``2 cov / (expected - observed / N)`` against kappa's
    ``2 cov / expected``; that is ``ICC(A,1) = N kappa / (N - 1 + kappa)``.

Reading ICC(A,1) (Koo & Li 2016)
    Below 0.5 poor, 0.5 to below 0.75 moderate, 0.75 to below 0.9 good, 0.9 and
    above excellent; compared exactly, so 0.75 itself is good.

Rater tendencies
    On an item scored by ``m >= 2`` raters, a rater's difference is their score
    less the mean of the other ``m - 1`` scores; above and below count the
    items where it is positive or negative. On each item the differences of all
    its raters add up to 0.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from numbers import Real

# Koo & Li (2016): the lowest ICC of each reading, from the top.
_READINGS = (
    (Fraction(9, 10), "excellent"),
    (Fraction(3, 4), "good"),
    (Fraction(1, 2), "moderate"),
)
POOR = "poor"
IDENTICAL_SCORES = "identical scores"
CONTRADICTORY_SCORES = "contradictory scores"
NOT_ENOUGH_SCORES = "not enough scores"


def _exact(value: object, where: str) -> Fraction:
    """A score as an exact fraction; None and NaN are missing scores."""
    if value is None:
        raise ValueError(f"missing score {where}: every rater must score every target")
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"score {where} must be a number, got {value!r}")
    if isinstance(value, int | Fraction):
        return Fraction(value)
    number = float(value)
    if math.isnan(number):
        raise ValueError(f"missing score {where} (NaN): every rater must score every target")
    if math.isinf(number):
        raise ValueError(f"score {where} must be finite, got {value!r}")
    return Fraction(number)


def _table(ratings: Sequence[Sequence[float]]) -> list[list[Fraction]]:
    """The ratings as exact fractions, refusing ragged rows and missing scores."""
    rows = list(ratings)
    if not rows:
        return []
    width = len(rows[0])
    table = []
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(
                f"target {i} has {len(row)} scores and target 0 has {width}: "
                "every rater must score every target"
            )
        table.append([_exact(x, f"of target {i} by rater {j}") for j, x in enumerate(row)])
    return table


@dataclass(frozen=True)
class _MeanSquares:
    """Two-way analysis of variance of an ``n x k`` table, one score a cell."""

    n: int
    k: int
    between_targets: Fraction  # BMS
    between_raters: Fraction  # JMS
    residual: Fraction  # EMS


def _mean_squares(ratings: Sequence[Sequence[float]]) -> _MeanSquares:
    table = _table(ratings)
    n = len(table)
    k = len(table[0]) if table else 0
    if n < 2:
        raise ValueError(f"an ICC needs at least 2 targets, got {n}")
    if k < 2:
        raise ValueError(f"an ICC needs at least 2 raters, got {k}")
    grand = sum(map(sum, table)) / (n * k)
    row_means = [sum(row) / k for row in table]
    column_means = [sum(row[j] for row in table) / n for j in range(k)]
    ss_targets = k * sum((m - grand) ** 2 for m in row_means)
    ss_raters = n * sum((m - grand) ** 2 for m in column_means)
    ss_residual = sum(
        (table[i][j] - row_means[i] - column_means[j] + grand) ** 2
        for i in range(n)
        for j in range(k)
    )
    return _MeanSquares(
        n=n,
        k=k,
        between_targets=ss_targets / (n - 1),
        between_raters=ss_raters / (k - 1),
        residual=ss_residual / ((n - 1) * (k - 1)),
    )


def _ratio(numerator: Fraction, denominator: Fraction) -> Fraction | None:
    return None if denominator <= 0 else numerator / denominator


def _absolute(ms: _MeanSquares) -> Fraction | None:
    b, j, e, n, k = ms.between_targets, ms.between_raters, ms.residual, ms.n, ms.k
    return _ratio(b - e, b + (k - 1) * e + k * (j - e) / n)


def _as_float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def icc_absolute(ratings: Sequence[Sequence[float]]) -> float | None:
    """ICC(2,1) of Shrout & Fleiss (1979) = ICC(A,1) of McGraw & Wong (1996).

    Two-way random effects, absolute agreement, single rater. ``ratings[i][j]``
    is rater j's score of target i. Needs at least 2 targets and 2 raters, every
    row the same length and no missing value (ValueError otherwise). None when
    undefined: the denominator is 0 (every score identical, or two raters who
    score two targets in reverse of each other).
    """
    return _as_float(_absolute(_mean_squares(ratings)))


def icc_consistency(ratings: Sequence[Sequence[float]]) -> float | None:
    """ICC(3,1) = ICC(C,1): two-way mixed effects, consistency, single rater.

    A rater who scores every target one level higher than another does not
    lower it. Same input rules as ``icc_absolute``; None when the denominator is
    0 (the targets have the same mean and the raters differ only by a constant).
    """
    ms = _mean_squares(ratings)
    b, e = ms.between_targets, ms.residual
    return _as_float(_ratio(b - e, b + (ms.k - 1) * e))


def icc_average(ratings: Sequence[Sequence[float]]) -> float | None:
    """ICC(2,k) = ICC(A,k): absolute agreement of the mean of the k raters.

    Same input rules as ``icc_absolute``. None when the denominator is 0 or
    negative: the latter happens only when ICC(A,1) < -1/(k - 1), where the
    formula would give a value above 1.
    """
    ms = _mean_squares(ratings)
    b, j, e = ms.between_targets, ms.between_raters, ms.residual
    return _as_float(_ratio(b - e, b + (j - e) / ms.n))


def _check_scale(lo: int, hi: int) -> None:
    for end in (lo, hi):
        if isinstance(end, bool) or not isinstance(end, int):
            raise TypeError(f"a scale runs between whole levels, got {lo!r}..{hi!r}")
    if lo >= hi:
        raise ValueError(f"scale must run from a lower to a higher level, got {lo}..{hi}")


def _check_level(score: object, who: str, index: int, lo: int, hi: int) -> int:
    if isinstance(score, bool) or not isinstance(score, int):
        raise TypeError(f"{who}'s score {index} must be a whole level, got {score!r}")
    if not lo <= score <= hi:
        raise ValueError(f"{who}'s score {index} is {score}, off the scale {lo}..{hi}")
    return score


def quadratic_weighted_kappa(a: Sequence[int], b: Sequence[int], lo: int, hi: int) -> float | None:
    """Cohen's (1968) weighted kappa with quadratic disagreement weights.

    Weights are ``(i - j)^2 / (hi - lo)^2`` for two raters' scores of the same
    items on the integer scale ``lo..hi``. ValueError for lists of different
    lengths, an empty list, a score off the scale, or ``lo >= hi``; TypeError for
    a score that is not a whole number. None when undefined: the expected
    disagreement is 0 (both raters gave every item one and the same level).
    """
    _check_scale(lo, hi)
    if len(a) != len(b):
        raise ValueError(f"the raters scored different numbers of items: {len(a)} and {len(b)}")
    if not a:
        raise ValueError("kappa needs at least one item scored by both raters")
    xs = [_check_level(x, "the first rater", i, lo, hi) for i, x in enumerate(a)]
    ys = [_check_level(y, "the second rater", i, lo, hi) for i, y in enumerate(b)]
    count = len(xs)
    mean_x = Fraction(sum(xs), count)
    mean_y = Fraction(sum(ys), count)
    var_x = sum((x - mean_x) ** 2 for x in xs) / count
    var_y = sum((y - mean_y) ** 2 for y in ys) / count
    cov = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / count
    expected = var_x + var_y + (mean_x - mean_y) ** 2
    if expected == 0:
        return None
    return float(2 * cov / expected)


def pairwise_kappas(ratings: Sequence[Sequence[int]], raters: int,
                    scale: Sequence[int]) -> list[tuple[int, int, float | None]]:
    """Quadratic weighted kappa of each pair of raters ``(i, j)``, ``i < j``, in order.

    ``ratings`` holds one row per item that every rater scored, one column per
    rater; the kappa is over the whole ``scale``. None for every pair when no
    item was scored by all (and, as in ``quadratic_weighted_kappa``, when undefined).
    """
    lo_hi = (min(scale), max(scale)) if ratings else None
    pairs = []
    for i in range(raters):
        for j in range(i + 1, raters):
            kappa = (quadratic_weighted_kappa([row[i] for row in ratings],
                                              [row[j] for row in ratings], *lo_hi)
                     if lo_hi else None)
            pairs.append((i, j, kappa))
    return pairs


@dataclass(frozen=True)
class Agreement:
    """Agreement of a panel: ICC(A,1), its reading, and the panel's size.

    ``statistic`` is None when there are fewer than 2 raters or 2 items, or when
    the ICC is undefined; ``label`` then says which.
    """

    statistic: float | None
    label: str
    raters: int
    items: int


def _reading(icc: Fraction) -> str:
    for lowest, label in _READINGS:
        if icc >= lowest:
            return label
    return POOR


def panel_agreement(ratings: Sequence[Sequence[int]]) -> Agreement:
    """Agreement of a panel, ``ratings[item][rater]``: ICC(A,1) read as Koo & Li (2016).

    Below 0.5 'poor', 0.5 to below 0.75 'moderate', 0.75 to below 0.9 'good',
    0.9 and above 'excellent'. With fewer than 2 raters or 2 items the statistic
    is None and the label 'not enough scores'. When the ICC is undefined, the
    label is 'identical scores' if every score is the same, and otherwise
    'contradictory scores': the only other way (two raters, two items, each
    scoring them in reverse of the other) is agreement as bad as it gets, with
    no number to show for it. Ragged rows and missing scores raise ValueError.
    """
    table = _table(ratings)
    items = len(table)
    raters = len(table[0]) if table else 0
    if items < 2 or raters < 2:
        return Agreement(statistic=None, label=NOT_ENOUGH_SCORES, raters=raters, items=items)
    icc = _absolute(_mean_squares(table))
    if icc is not None:
        label = _reading(icc)
    elif len({x for row in table for x in row}) == 1:
        label = IDENTICAL_SCORES
    else:
        label = CONTRADICTORY_SCORES
    return Agreement(statistic=_as_float(icc), label=label, raters=raters, items=items)


@dataclass(frozen=True)
class Tendency:
    """How one rater sits against the rest of their panels, over the items they shared.

    ``items`` counts the items where the rater and at least one other rater
    scored; ``above`` and ``below`` those where the rater's score was above or
    below the mean of the others' scores; ``mean_difference`` is the mean of
    (rater's score - mean of the others), None when ``items`` is 0.
    """

    rater: Hashable
    items: int
    above: int
    below: int
    mean_difference: float | None


def _score(value: object, rater: Hashable, item: Hashable) -> Fraction | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"rater {rater!r}'s score of {item!r} must be a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"rater {rater!r}'s score of {item!r} must be finite, got {value!r}")
    return Fraction(value)


def rater_tendencies(
    panels: Iterable[Mapping[Hashable, Mapping[Hashable, int]]],
) -> dict[Hashable, Tendency]:
    """How often each rater sits above or below the rest of the panel, across panels.

    Each panel maps rater -> item -> score; item keys are local to their panel
    (two panels' ``"scope"`` are two items). A score of None counts as not
    scored. Items scored by only one rater are skipped. Every rater who appears
    in a panel is in the result, in order of first appearance; one who never
    shared an item has ``items`` 0 and ``mean_difference`` None, so a caller can
    tell "no shared items" from "not on any panel".
    """
    counts: dict[Hashable, list[int]] = {}  # rater -> [items, above, below]
    # rater -> others on the item (n - 1) -> sum of (n * score - total), that is of
    # (n - 1) * difference: exact in whole numbers for whole-number scores, and
    # divided out once at the end instead of a Fraction per score (the dashboard's cost).
    totals: dict[Hashable, dict[int, Real]] = {}
    for panel in panels:
        by_item: dict[Hashable, dict[Hashable, Real]] = {}
        for rater, scores in panel.items():
            counts.setdefault(rater, [0, 0, 0])
            totals.setdefault(rater, {})
            for item, value in scores.items():
                score = _whole_or_exact(value, rater, item)
                if score is not None:
                    by_item.setdefault(item, {})[rater] = score
        for scores in by_item.values():
            if len(scores) < 2:
                continue
            n = len(scores)
            total = sum(scores.values())
            for rater, score in scores.items():
                scaled = n * score - total  # (n - 1) times the difference: same sign
                tally = counts[rater]
                tally[0] += 1
                tally[1] += int(scaled > 0)
                tally[2] += int(scaled < 0)
                sums = totals[rater]
                sums[n - 1] = sums.get(n - 1, 0) + scaled
    return {
        rater: Tendency(
            rater=rater,
            items=items,
            above=above,
            below=below,
            mean_difference=(float(sum(Fraction(v) / d for d, v in totals[rater].items())
                                   / items) if items else None),
        )
        for rater, (items, above, below) in counts.items()
    }


def _whole_or_exact(value: object, rater: Hashable, item: Hashable) -> Real | None:
    """A score checked as ``_score`` does: whole numbers as they are, others as a Fraction."""
    if type(value) is int:
        return value
    return _score(value, rater, item)


def disagrees(scores: Mapping[Hashable, int | None], threshold: int = 2) -> bool:
    """True when one item's highest and lowest scores are ``threshold`` or more levels apart.

    ``scores`` maps rater -> score of the item; None counts as not scored, and
    fewer than two scores never disagree. ``threshold`` is a whole number of
    levels, at least 1 (2 by default: two reviewers a level apart still agree).
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise TypeError(f"threshold must be a whole number of levels, got {threshold!r}")
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1 level, got {threshold}")
    given = [_score(value, rater, "the item") for rater, value in scores.items()]
    levels = [x for x in given if x is not None]
    if len(levels) < 2:
        return False
    return max(levels) - min(levels) >= threshold
