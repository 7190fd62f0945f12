"""Agreement between reviewers: intraclass correlations, weighted kappa, rater tendencies."""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.grading.agreement import (
    Agreement,
    Tendency,
    disagrees,
    icc_absolute,
    icc_average,
    icc_consistency,
    pairwise_kappas,
    panel_agreement,
    quadratic_weighted_kappa,
    rater_tendencies,
)

# --- reference computations, written apart from the module -----------------------------------


@dataclasses.dataclass(frozen=True)
class MeanSquares:
    bms: Fraction
    jms: Fraction
    ems: Fraction


def mean_squares(table: list[list[int]]) -> MeanSquares:
    """Two-way ANOVA by the textbook route: the residual is what targets and raters leave."""
    n, k = len(table), len(table[0])
    cells = [Fraction(x) for row in table for x in row]
    grand = sum(cells) / len(cells)
    total = sum((x - grand) ** 2 for x in cells)
    targets = sum((Fraction(sum(row), k) - grand) ** 2 for row in table) * k
    raters = sum((Fraction(sum(col), n) - grand) ** 2 for col in zip(*table, strict=True)) * n
    residual = total - targets - raters
    return MeanSquares(targets / (n - 1), raters / (k - 1), residual / ((n - 1) * (k - 1)))


def kappa_from_table(a: list[int], b: list[int], lo: int, hi: int) -> Fraction | None:
    """Cohen's (1968) definition cell by cell: 1 - sum(w * observed) / sum(w * expected)."""
    levels = range(lo, hi + 1)
    total = len(a)
    observed = {(i, j): 0 for i in levels for j in levels}
    for x, y in zip(a, b, strict=True):
        observed[x, y] += 1
    rows = {i: sum(observed[i, j] for j in levels) for i in levels}
    cols = {j: sum(observed[i, j] for i in levels) for j in levels}
    weight = {(i, j): Fraction((i - j) ** 2, (hi - lo) ** 2) for i in levels for j in levels}
    seen = sum(weight[c] * Fraction(observed[c], total) for c in observed)
    chance = sum(weight[i, j] * Fraction(rows[i] * cols[j], total**2) for i, j in observed)
    return None if chance == 0 else 1 - seen / chance


def from_contingency(table: list[list[int]], lo: int) -> tuple[list[int], list[int]]:
    """Two raters' score lists from a table of counts: rows the first rater, columns the second."""
    a: list[int] = []
    b: list[int] = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [lo + i] * count
            b += [lo + j] * count
    return a, b


# --- intraclass correlations: Shrout & Fleiss (1979) -----------------------------------------

# Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
# reliability. Psychological Bulletin 86(2), 420-428: Table 2, six targets by four judges.
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]
# The published values: ICC(1,1) = .17, ICC(2,1) = .29, ICC(3,1) = .71,
#                       ICC(1,k) = .44, ICC(2,k) = .62, ICC(3,k) = .91.
#
# Worked by hand in exact fractions (n = 6 targets, k = 4 judges):
#   grand mean 127/24; target means 6, 3, 13/2, 4, 15/2, 19/4; judge means 23/3, 5/2, 13/3, 20/3
#   SS targets  = 4 * sum (target mean - 127/24)^2 = 1349/24   BMS = 1349/120 = 11.2417
#   SS judges   = 6 * sum (judge mean - 127/24)^2  = 2339/24   JMS = 2339/72  = 32.4861
#   SS total    = sum (x - 127/24)^2               = 4055/24
#   SS residual = 4055/24 - 1349/24 - 2339/24      =  367/24   EMS = 367/360  =  1.0194
#   SS within   = 4055/24 - 1349/24                =  451/4    WMS = 451/72   =  6.2639
#   (The paper's analysis of variance is quoted as BMS 11.24, JMS 32.49, EMS 1.02, WMS 6.26.
#   The data, these and the six ICCs are as commonly quoted; the paper was not opened here.)
#   ICC(2,1) = (BMS - EMS) / (BMS + 3 EMS + 4 (JMS - EMS) / 6) =  184/635  = 0.289764
#   ICC(3,1) = (BMS - EMS) / (BMS + 3 EMS)                     =  920/1287 = 0.714841
#   ICC(2,k) = (BMS - EMS) / (BMS + (JMS - EMS) / 6)           =  736/1187 = 0.620051
#   and, not implemented here but matching the paper too: ICC(1,1) = 448/2703 = 0.165742,
#   ICC(1,k) = 1792/4047 = 0.442797, ICC(3,k) = 3680/4047 = 0.909316.
# Cross-checked with pingouin 0.7.0's intraclass_corr (ICC2 0.2897637795, ICC3 0.7148407148,
# ICC2k 0.6200505476), run outside the project.


@pytest.mark.parametrize(
    ("icc", "published", "exact"),
    [
        (icc_absolute, 0.29, Fraction(184, 635)),
        (icc_consistency, 0.71, Fraction(920, 1287)),
        (icc_average, 0.62, Fraction(736, 1187)),
    ],
)
def test_icc_reproduces_shrout_and_fleiss(icc, published, exact):
    value = icc(SHROUT_FLEISS)
    assert value == pytest.approx(published, abs=0.005)
    assert value == pytest.approx(float(exact), abs=1e-12)


def test_the_hand_worked_mean_squares():
    ms = mean_squares(SHROUT_FLEISS)
    assert (ms.bms, ms.jms, ms.ems) == (Fraction(1349, 120), Fraction(2339, 72), Fraction(367, 360))
    assert (round(float(ms.bms), 2), round(float(ms.jms), 2), round(float(ms.ems), 2)) == (
        11.24,
        32.49,
        1.02,
    )


def test_icc_takes_floats_and_tuples():
    as_floats = tuple(tuple(float(x) + 0.5 for x in row) for row in SHROUT_FLEISS)
    assert icc_absolute(as_floats) == pytest.approx(184 / 635, abs=1e-12)


@pytest.mark.parametrize("icc", [icc_absolute, icc_consistency, icc_average])
def test_perfect_agreement_is_one(icc):
    assert icc([[1, 1, 1], [3, 3, 3], [4, 4, 4], [2, 2, 2]]) == 1.0


@pytest.mark.parametrize("icc", [icc_absolute, icc_consistency, icc_average])
@pytest.mark.parametrize("ratings", [[[3, 3], [3, 3]], [[2, 2, 2], [2, 2, 2], [2, 2, 2]]])
def test_icc_of_identical_scores_is_undefined(icc, ratings):
    assert icc(ratings) is None


def test_raters_who_differ_only_by_a_constant():
    # Every target the same to both raters, one rater a level higher: BMS = EMS = 0, JMS > 0.
    ratings = [[2, 3], [2, 3], [2, 3]]
    assert icc_absolute(ratings) == 0.0  # 0 / (k JMS / n): the bias is all there is
    assert icc_average(ratings) == 0.0
    assert icc_consistency(ratings) is None  # 0 / 0: consistent, but about nothing


def test_two_raters_scoring_two_targets_in_reverse():
    # BMS = JMS = 0 < EMS: ICC(A,1)'s denominator BMS + (k-1-k/n) EMS + (k/n) JMS is 0 for
    # n = k = 2 while its numerator is -EMS. ICC(C,1) = -EMS / EMS = -1 is still defined.
    ratings = [[1, 3], [3, 1]]
    assert icc_absolute(ratings) is None
    assert icc_consistency(ratings) == -1.0
    # ICC(A,k)'s denominator BMS + (JMS - EMS)/n is -EMS/2: the formula would say 2.
    assert icc_average(ratings) is None


def test_icc_average_is_undefined_when_its_denominator_goes_negative():
    # Three targets, two raters in near-reverse: BMS = 1/6, JMS = 0, EMS = 9/2, so
    # ICC(A,1) = (1/6 - 9/2) / (1/6 + 9/2 - 2 (9/2) / 3) = -13/5, below -1/(k-1) = -1, and
    # ICC(A,k)'s denominator is 1/6 - (9/2) / 3 = -4/3: the formula would say 13/4.
    ratings = [[1, 4], [4, 1], [2, 2]]
    ms = mean_squares(ratings)
    assert (ms.bms, ms.jms, ms.ems) == (Fraction(1, 6), 0, Fraction(9, 2))
    assert icc_absolute(ratings) == pytest.approx(-13 / 5, abs=1e-12)
    assert icc_consistency(ratings) == pytest.approx(-13 / 14, abs=1e-12)
    assert icc_average(ratings) is None


@pytest.mark.parametrize("icc", [icc_absolute, icc_consistency, icc_average])
@pytest.mark.parametrize(
    ("ratings", "message"),
    [
        ([], "at least 2 targets"),
        ([[1, 2, 3]], "at least 2 targets"),
        ([[1], [2], [3]], "at least 2 raters"),
        ([[], []], "at least 2 raters"),
        ([[1, 2], [3]], "every rater must score every target"),
        ([[1, 2], [3, 4, 5]], "every rater must score every target"),
        ([[1, 2], [3, None]], "missing score"),
        ([[1, 2], [math.nan, 4]], "missing score"),
        ([[1, 2], [math.inf, 4]], "finite"),
    ],
)
def test_icc_refuses_a_table_it_cannot_use(icc, ratings, message):
    with pytest.raises(ValueError, match=message):
        icc(ratings)


@pytest.mark.parametrize("bad", ["3", True, object()])
def test_icc_refuses_a_score_that_is_not_a_number(bad):
    with pytest.raises(TypeError, match="must be a number"):
        icc_absolute([[1, 2], [bad, 4]])


def tables(lo: int = 1, hi: int = 4, max_targets: int = 8, max_raters: int = 5):
    shape = st.tuples(st.integers(2, max_targets), st.integers(2, max_raters))
    return shape.flatmap(
        lambda nk: st.lists(
            st.lists(st.integers(lo, hi), min_size=nk[1], max_size=nk[1]),
            min_size=nk[0],
            max_size=nk[0],
        )
    )


def ratio(numerator: Fraction, denominator: Fraction) -> float | None:
    return None if denominator <= 0 else float(numerator / denominator)


@given(tables())
def test_icc_agrees_with_the_formulas_on_independently_computed_mean_squares(table):
    n, k = len(table), len(table[0])
    ms = mean_squares(table)
    b, j, e = ms.bms, ms.jms, ms.ems
    assert icc_absolute(table) == ratio(b - e, b + (k - 1) * e + k * (j - e) / n)
    assert icc_consistency(table) == ratio(b - e, b + (k - 1) * e)
    assert icc_average(table) == ratio(b - e, b + (j - e) / n)


@given(tables(), st.data())
def test_icc_ignores_the_order_of_targets_and_of_raters(table, data):
    rows = data.draw(st.permutations(range(len(table))))
    cols = data.draw(st.permutations(range(len(table[0]))))
    shuffled = [[table[i][j] for j in cols] for i in rows]
    for icc in (icc_absolute, icc_consistency, icc_average):
        assert icc(shuffled) == icc(table)


@given(tables(), st.integers(1, 5), st.integers(-10, 10))
def test_icc_ignores_the_unit_and_origin_of_the_scale(table, scale, shift):
    moved = [[scale * x + shift for x in row] for row in table]
    for icc in (icc_absolute, icc_consistency, icc_average):
        assert icc(moved) == icc(table)


@given(tables(), st.data())
def test_consistency_ignores_one_rater_scoring_everything_higher(table, data):
    rater = data.draw(st.integers(0, len(table[0]) - 1))
    bias = data.draw(st.integers(-3, 3))
    biased = [[x + bias * (j == rater) for j, x in enumerate(row)] for row in table]
    assert icc_consistency(biased) == icc_consistency(table)


@given(tables())
def test_icc_bounds(table):
    k = len(table[0])
    absolute, consistency, average = (
        icc_absolute(table),
        icc_consistency(table),
        icc_average(table),
    )
    if absolute is not None:
        assert absolute <= 1  # no lower bound: two targets in reverse drive it towards -inf
    if consistency is not None:
        assert -1 / (k - 1) - 1e-12 <= consistency <= 1
    if average is not None:
        assert average <= 1


@given(tables())
def test_absolute_agreement_against_consistency(table):
    # Same numerator BMS - EMS, so the same sign; ICC(A,1)'s denominator exceeds ICC(C,1)'s by
    # k (JMS - EMS) / n, so ICC(A,1) is the smaller in size exactly when JMS >= EMS.
    # (Hence "ICC(A,1) <= ICC(C,1)" holds only when JMS >= EMS and ICC(C,1) >= 0.)
    absolute, consistency = icc_absolute(table), icc_consistency(table)
    if absolute is None or consistency is None:
        return
    assert (absolute > 0) == (consistency > 0) and (absolute < 0) == (consistency < 0)
    ms = mean_squares(table)
    if ms.jms >= ms.ems:
        assert abs(absolute) <= abs(consistency) + 1e-12
    else:
        assert abs(absolute) >= abs(consistency) - 1e-12


@given(tables())
def test_icc_average_is_the_spearman_brown_step_up_of_icc_absolute(table):
    k = len(table[0])
    single, average = icc_absolute(table), icc_average(table)
    if single is None:
        assert average is None
        return
    step = 1 + (k - 1) * single
    if step > 1e-9:
        assert average == pytest.approx(k * single / step, rel=1e-9, abs=1e-12)
    elif step < -1e-9:
        assert average is None


# --- quadratic weighted kappa ----------------------------------------------------------------

# R package Metrics (Hamner), ScoreQuadraticWeightedKappa help page, example and printed output:
#   rater.a <- c(1, 4, 5, 5, 2, 1); rater.b <- c(2, 2, 4, 5, 3, 3)
#   ScoreQuadraticWeightedKappa(rater.a, rater.b, 1, 5)   # [1] 0.56
# As a table (rows rater a = 1..5, columns rater b = 1..5):
METRICS_TABLE = [
    [0, 1, 1, 0, 0],
    [0, 0, 1, 0, 0],
    [0, 0, 0, 0, 0],
    [0, 1, 0, 0, 0],
    [0, 0, 0, 1, 1],
]
# By hand: observed mean (a-b)^2 = (1+4+1+0+1+4)/6 = 11/6; mean a = 3, var a = 3;
# mean b = 19/6, var b = 41/36; expected = 3 + 41/36 + (1/6)^2 = 25/6;
# kappa = 1 - (11/6) / (25/6) = 14/25 = 0.56. scikit-learn 1.9.1's cohen_kappa_score(a, b,
# weights="quadratic") gives 0.56 too (run outside the project).

# Maple help, EssayTools[QuadraticWeightedKappa], Examples (Min and Max from the data, 1..10):
#   QuadraticWeightedKappa([9,7,8,7,6,8,3,5,10], [8,8,6,6,7,6,1,4,8]) = 0.758620689655172
#   QuadraticWeightedKappa([9,7,8,7,6,8,3,5,10], [3,5,6,6,7,6,1,4,8]) = 0.438095238095238
# Exactly 22/29 and 46/105 by the cell-by-cell definition in Fractions (kappa_from_table).
# scikit-learn gives the same only with labels=range(1, 11); without it, it numbers only the
# levels that occur (level 2 never does) and says 0.7632 and 0.4043.
MAPLE_A = [9, 7, 8, 7, 6, 8, 3, 5, 10]

# R package irr, data set `anxiety` (20 subjects, 3 raters, levels 1..6), raters 2 and 3.
# kappa2(anxiety[, 2:3], "squared") = 0.2520325, as recorded from R in statsmodels'
# test_inter_rater.py. irr weights the levels that occur (1, 2, 3, 4, 6; nobody gave 5) as if
# evenly spaced, which is our statistic after recoding 6 as 5: 31/123 = 0.25203252.
# On the real scale 1..6 it is 91/396 = 0.22979798 (scikit-learn with labels=[1..6] agrees:
# 0.22979797979797978).
ANXIETY_2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4]
ANXIETY_3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2]

# SAS/STAT PROC FREQ documentation, "Agreement Study": two dermatologists rate 88 patients as
# terrible, poor, marginal or clear (1..4). The documentation prints simple kappa and the
# Cicchetti-Allison (linear) weighted kappa, not this one: 1371/2075 = 0.66072289 comes from
# kappa_from_table in Fractions and from scikit-learn's cohen_kappa_score(weights="quadratic"),
# 0.6607228915662651, run outside the project.
SKIN_CONDITION = [
    [10, 4, 1, 0],
    [5, 10, 12, 2],
    [2, 4, 12, 5],
    [0, 2, 6, 13],
]


@pytest.mark.parametrize(
    ("a", "b", "lo", "hi", "exact"),
    [
        (*from_contingency(METRICS_TABLE, 1), 1, 5, Fraction(14, 25)),
        ([1, 4, 5, 5, 2, 1], [2, 2, 4, 5, 3, 3], 1, 5, Fraction(14, 25)),
        (MAPLE_A, [8, 8, 6, 6, 7, 6, 1, 4, 8], 1, 10, Fraction(22, 29)),
        (MAPLE_A, [3, 5, 6, 6, 7, 6, 1, 4, 8], 1, 10, Fraction(46, 105)),
        (ANXIETY_2, ANXIETY_3, 1, 6, Fraction(91, 396)),
        (*from_contingency(SKIN_CONDITION, 1), 1, 4, Fraction(1371, 2075)),
    ],
)
def test_kappa_reproduces_worked_examples(a, b, lo, hi, exact):
    assert kappa_from_table(a, b, lo, hi) == exact
    assert quadratic_weighted_kappa(a, b, lo, hi) == pytest.approx(float(exact), abs=1e-12)


def test_kappa_reproduces_the_printed_values():
    assert quadratic_weighted_kappa([1, 4, 5, 5, 2, 1], [2, 2, 4, 5, 3, 3], 1, 5) == (
        pytest.approx(0.56, abs=1e-12)
    )
    assert quadratic_weighted_kappa(MAPLE_A, [8, 8, 6, 6, 7, 6, 1, 4, 8], 1, 10) == (
        pytest.approx(0.758620689655172, abs=1e-14)
    )
    assert quadratic_weighted_kappa(MAPLE_A, [3, 5, 6, 6, 7, 6, 1, 4, 8], 1, 10) == (
        pytest.approx(0.438095238095238, abs=1e-14)
    )


def test_kappa_counts_distance_in_scores_not_in_levels_used():
    # irr's 0.2520325 is our kappa once the unused level 5 is squeezed out (6 recoded to 5).
    squeeze = [[5 if x == 6 else x for x in raters] for raters in (ANXIETY_2, ANXIETY_3)]
    assert quadratic_weighted_kappa(*squeeze, 1, 5) == pytest.approx(0.2520325, abs=5e-8)
    assert quadratic_weighted_kappa(ANXIETY_2, ANXIETY_3, 1, 6) == pytest.approx(91 / 396)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([1, 2, 3, 4], [1, 2, 3, 4], 1.0),
        ([2, 2, 3], [2, 2, 3], 1.0),
        ([1, 2, 3], [3, 2, 1], -1.0),
        # Each rater gave one level to everything, different levels: no agreement beyond chance.
        ([2, 2, 2], [3, 3, 3], 0.0),
        # One rater constant: no covariance, so kappa is 0 however close the scores.
        ([2, 2, 2], [1, 2, 3], 0.0),
    ],
)
def test_kappa_special_cases(a, b, expected):
    assert quadratic_weighted_kappa(a, b, 1, 4) == expected


@pytest.mark.parametrize(("a", "b"), [([3], [3]), ([2, 2, 2], [2, 2, 2]), ([4] * 5, [4] * 5)])
def test_kappa_is_undefined_when_both_raters_give_one_same_level_to_everything(a, b):
    assert quadratic_weighted_kappa(a, b, 1, 4) is None


@pytest.mark.parametrize(
    ("a", "b", "lo", "hi", "message"),
    [
        ([1, 2], [1, 2, 3], 1, 4, "different numbers of items"),
        ([], [], 1, 4, "at least one item"),
        ([1, 5], [1, 2], 1, 4, r"first rater's score 1 is 5, off the scale 1\.\.4"),
        ([1, 2], [0, 2], 1, 4, r"second rater's score 0 is 0, off the scale 1\.\.4"),
        ([1, 2], [1, 2], 4, 4, "lower to a higher level"),
        ([1, 2], [1, 2], 4, 1, "lower to a higher level"),
    ],
)
def test_kappa_refuses_bad_input(a, b, lo, hi, message):
    with pytest.raises(ValueError, match=message):
        quadratic_weighted_kappa(a, b, lo, hi)


@pytest.mark.parametrize(
    ("a", "lo", "hi"),
    [([1, 2.5], 1, 4), ([1, True], 1, 4), ([1, None], 1, 4), ([1, 2], 1.0, 4)],
)
def test_kappa_refuses_scores_and_scales_that_are_not_whole_levels(a, lo, hi):
    with pytest.raises(TypeError, match="whole level"):
        quadratic_weighted_kappa(a, [1, 2], lo, hi)


def score_pairs(lo: int = 1, hi: int = 5):
    return st.integers(1, 30).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(lo, hi), min_size=n, max_size=n),
            st.lists(st.integers(lo, hi), min_size=n, max_size=n),
        )
    )


@given(score_pairs())
def test_kappa_is_the_cell_by_cell_definition(pair):
    a, b = pair
    expected = kappa_from_table(a, b, 1, 5)
    kappa = quadratic_weighted_kappa(a, b, 1, 5)
    if expected is None:
        assert kappa is None
    else:
        assert kappa == pytest.approx(float(expected), abs=1e-12)


@given(score_pairs())
def test_kappa_is_symmetric_and_within_minus_one_and_one(pair):
    a, b = pair
    kappa = quadratic_weighted_kappa(a, b, 1, 5)
    assert kappa == quadratic_weighted_kappa(b, a, 1, 5)
    if kappa is not None:
        assert -1 <= kappa <= 1


@given(score_pairs(), st.integers(0, 3), st.integers(0, 3))
def test_kappa_does_not_depend_on_unused_ends_of_the_scale(pair, below, above):
    a, b = pair
    assert quadratic_weighted_kappa(a, b, 1 - below, 5 + above) == quadratic_weighted_kappa(
        a, b, 1, 5
    )


@given(score_pairs(), st.permutations(range(30)))
def test_kappa_ignores_the_order_of_items(pair, order):
    a, b = pair
    keep = [i for i in order if i < len(a)]
    assert quadratic_weighted_kappa([a[i] for i in keep], [b[i] for i in keep], 1, 5) == (
        quadratic_weighted_kappa(a, b, 1, 5)
    )


@given(score_pairs())
def test_kappa_and_icc_absolute_of_two_raters_are_tied_exactly(pair):
    # Fleiss & Cohen (1973): quadratic weighted kappa equals the absolute-agreement ICC but
    # for a term in 1/n. For these definitions the tie is exact (derived in the module
    # docstring, and checked here): ICC(A,1) = n kappa / (n - 1 + kappa).
    a, b = pair
    n = len(a)
    kappa = quadratic_weighted_kappa(a, b, 1, 5)
    icc = icc_absolute([[x, y] for x, y in zip(a, b, strict=True)]) if n >= 2 else None
    if n < 2:
        return
    if kappa is None:
        assert icc is None  # every score the same
    elif n - 1 + kappa == 0:
        assert icc is None  # n = 2 and kappa = -1: two items scored in reverse
    else:
        assert icc == pytest.approx(n * kappa / (n - 1 + kappa), abs=1e-9)


def test_kappa_and_icc_tie_on_a_published_example():
    # The Metrics example: kappa = 14/25, n = 6, so ICC(A,1) = 6 (14/25) / (5 + 14/25) = 84/139.
    # By the mean squares: BMS = 233/60, JMS = 1/12, EMS = 13/12, and
    # (BMS - EMS) / (BMS + EMS + 2 (JMS - EMS) / 6) = 84/139 too.
    pairs = [[1, 2], [4, 2], [5, 4], [5, 5], [2, 3], [1, 3]]
    ms = mean_squares(pairs)
    assert (ms.bms, ms.jms, ms.ems) == (Fraction(233, 60), Fraction(1, 12), Fraction(13, 12))
    assert icc_absolute(pairs) == pytest.approx(84 / 139, abs=1e-12)


# --- panel agreement -------------------------------------------------------------------------


def test_pairwise_kappas_take_each_pair_of_columns_once():
    table = [[1, 2, 4], [2, 2, 3], [3, 4, 4], [4, 4, 1]]
    pairs = pairwise_kappas(table, 3, [1, 2, 3, 4])
    assert [(i, j) for i, j, _ in pairs] == [(0, 1), (0, 2), (1, 2)]
    for i, j, kappa in pairs:
        assert kappa == quadratic_weighted_kappa([r[i] for r in table], [r[j] for r in table],
                                                 1, 4)


def test_pairwise_kappas_without_an_item_every_rater_scored():
    assert pairwise_kappas([], 3, []) == [(0, 1, None), (0, 2, None), (1, 2, None)]
    assert pairwise_kappas([], 1, [1, 2]) == []


def test_panel_agreement_of_shrout_and_fleiss():
    result = panel_agreement(SHROUT_FLEISS)
    assert result == Agreement(statistic=184 / 635, label="poor", raters=4, items=6)


@pytest.mark.parametrize(
    ("ratings", "exact", "label"),
    [
        # Each boundary reached exactly (checked by hand with the mean squares; e.g. the first:
        # BMS = 1/2, JMS = EMS = 1/6, so (1/2 - 1/6) / (1/2 + 1/6) = 1/2) and a table just below.
        ([[1, 1], [1, 2], [1, 2], [1, 4], [4, 4]], Fraction(21, 43), "poor"),
        ([[1, 1], [1, 2], [2, 2]], Fraction(1, 2), "moderate"),
        ([[1, 1, 1], [1, 2, 3], [3, 3, 4]], Fraction(23, 31), "moderate"),
        ([[1, 1], [2, 2], [2, 3]], Fraction(3, 4), "good"),  # BMS 7/6, JMS = EMS = 1/6
        ([[1, 1], [1, 1], [1, 1], [3, 4], [4, 3]], Fraction(35, 39), "good"),
        ([[1, 1], [2, 2], [3, 4]], Fraction(9, 10), "excellent"),  # BMS 19/6, JMS = EMS = 1/6
        ([[1, 1], [2, 2], [4, 4]], Fraction(1), "excellent"),
        ([[1, 4], [4, 1], [2, 2]], Fraction(-13, 5), "poor"),
    ],
)
def test_panel_agreement_reads_the_icc_as_koo_and_li(ratings, exact, label):
    result = panel_agreement(ratings)
    assert result.statistic == pytest.approx(float(exact), abs=1e-12)
    assert result.label == label
    assert (result.items, result.raters) == (len(ratings), len(ratings[0]))


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ([[3, 3], [3, 3]], Agreement(None, "identical scores", raters=2, items=2)),
        ([[1, 1, 1]] * 4, Agreement(None, "identical scores", raters=3, items=4)),
        ([[1, 3], [3, 1]], Agreement(None, "contradictory scores", raters=2, items=2)),
        ([[2, 4], [4, 2]], Agreement(None, "contradictory scores", raters=2, items=2)),
        ([[1, 2, 3]], Agreement(None, "not enough scores", raters=3, items=1)),
        ([[1], [4]], Agreement(None, "not enough scores", raters=1, items=2)),
        ([], Agreement(None, "not enough scores", raters=0, items=0)),
    ],
)
def test_panel_agreement_without_a_statistic(ratings, expected):
    assert panel_agreement(ratings) == expected


@pytest.mark.parametrize(
    ("ratings", "message"),
    [([[1, 2], [3]], "every rater must score every target"), ([[1, 2], [None, 3]], "missing")],
)
def test_panel_agreement_refuses_gaps(ratings, message):
    with pytest.raises(ValueError, match=message):
        panel_agreement(ratings)


@given(tables())
def test_panel_agreement_is_icc_absolute(table):
    result = panel_agreement(table)
    assert result.statistic == icc_absolute(table)
    assert (result.items, result.raters) == (len(table), len(table[0]))


# --- rater tendencies ------------------------------------------------------------------------

# Worked by hand. Panel 1: "scope" 3, 2, 1 -> ana +1.5 (vs 1.5), ben 0 (vs 2), cy -1.5 (vs 2.5);
# "tests" 2, 2, 3 -> ana -0.5, ben -0.5 (vs 2.5 each), cy +1 (vs 2); "ops" only ana: skipped.
# Panel 2 (its "scope" is another item): ana 4 vs 2 -> +2, dee 2 vs 4 -> -2; eve scored nothing.
PANELS = [
    {
        "ana": {"scope": 3, "tests": 2, "ops": 4},
        "ben": {"scope": 2, "tests": 2},
        "cy": {"scope": 1, "tests": 3},
    },
    {"ana": {"scope": 4}, "dee": {"scope": 2}, "eve": {}},
]


def test_rater_tendencies_worked_example():
    result = rater_tendencies(PANELS)
    assert list(result) == ["ana", "ben", "cy", "dee", "eve"]
    assert result == {
        "ana": Tendency("ana", items=3, above=2, below=1, mean_difference=1.0),  # (1.5-0.5+2)/3
        "ben": Tendency("ben", items=2, above=0, below=1, mean_difference=-0.25),  # (0-0.5)/2
        "cy": Tendency("cy", items=2, above=1, below=1, mean_difference=-0.25),  # (-1.5+1)/2
        "dee": Tendency("dee", items=1, above=0, below=1, mean_difference=-2.0),
        "eve": Tendency("eve", items=0, above=0, below=0, mean_difference=None),
    }


def test_rater_tendencies_take_any_iterable_once_and_skip_unscored():
    panels = (p for p in [{"a": {"x": 1, "y": None}, "b": {"x": 1, "y": 4}}])
    result = rater_tendencies(panels)
    assert result["a"] == Tendency("a", items=1, above=0, below=0, mean_difference=0.0)
    assert result["b"] == Tendency("b", items=1, above=0, below=0, mean_difference=0.0)


def test_rater_alone_on_every_item_has_no_tendency():
    result = rater_tendencies([{"a": {"x": 3}, "b": {"y": 1}}, {"a": {"x": 4}}])
    assert result == {
        "a": Tendency("a", items=0, above=0, below=0, mean_difference=None),
        "b": Tendency("b", items=0, above=0, below=0, mean_difference=None),
    }


def test_rater_tendencies_of_nothing():
    assert rater_tendencies([]) == {}


def test_rater_tendencies_refuse_scores_that_are_not_numbers():
    with pytest.raises(TypeError, match="'b'.*'x'.*must be a number"):
        rater_tendencies([{"a": {"x": 1}, "b": {"x": "3"}}])
    with pytest.raises(ValueError, match="finite"):
        rater_tendencies([{"a": {"x": 1}, "b": {"x": math.nan}}])


panels_strategy = st.lists(
    st.dictionaries(
        st.sampled_from("abcde"),
        st.dictionaries(st.sampled_from("wxyz"), st.one_of(st.none(), st.integers(1, 4))),
        max_size=5,
    ),
    max_size=5,
)


@given(panels_strategy)
def test_rater_tendencies_balance_out(panels):
    # On every item the differences of its raters sum to 0, so the totals do too.
    result = rater_tendencies(panels)
    total = sum(t.items * t.mean_difference for t in result.values() if t.items)
    assert total == pytest.approx(0, abs=1e-9)
    for rater, tendency in result.items():
        assert tendency.rater == rater
        assert tendency.above + tendency.below <= tendency.items
        assert (tendency.mean_difference is None) == (tendency.items == 0)
    assert set(result) == {rater for panel in panels for rater in panel}


# --- disagreement on one item ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "threshold", "expected"),
    [
        ({"a": 1, "b": 3}, 2, True),
        ({"a": 2, "b": 3}, 2, False),
        ({"a": 2, "b": 3, "c": 4}, 2, True),
        ({"a": 1, "b": 4}, 2, True),
        ({"a": 1, "b": 4}, 3, True),
        ({"a": 1, "b": 4}, 4, False),
        ({"a": 2, "b": 3}, 1, True),
        ({"a": 3, "b": 3}, 1, False),
        ({"a": 3}, 1, False),
        ({}, 2, False),
        ({"a": 1, "b": None, "c": 2}, 2, False),
        ({"a": 1, "b": None, "c": 4}, 2, True),
    ],
)
def test_disagrees(scores, threshold, expected):
    assert disagrees(scores, threshold) is expected


def test_disagrees_by_two_levels_by_default():
    assert disagrees({"a": 1, "b": 3}) is True
    assert disagrees({"a": 1, "b": 2}) is False


@pytest.mark.parametrize("threshold", [0, -1])
def test_disagrees_refuses_a_threshold_below_one_level(threshold):
    with pytest.raises(ValueError, match="at least 1"):
        disagrees({"a": 1, "b": 3}, threshold)


@pytest.mark.parametrize("threshold", [1.5, True, "2"])
def test_disagrees_refuses_a_threshold_that_is_not_whole(threshold):
    with pytest.raises(TypeError, match="whole number"):
        disagrees({"a": 1, "b": 3}, threshold)


def test_results_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        panel_agreement(SHROUT_FLEISS).label = "good"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rater_tendencies(PANELS)["ana"].above = 0  # type: ignore[misc]
