"""Rubric arithmetic: auto levels, weighted means, the bar (content format, section 3)."""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.grading.scoring import (
    CriterionLevel,
    GateMissed,
    Score,
    auto_level,
    auto_level_from_counts,
    bar_for,
    default_bar,
    gate_for,
    normalise,
    score,
    weighted_mean,
)

DEFAULT_SCALE = (1, 2, 3, 4)


def crit(weight: float, level: int | None, name: str = "c") -> CriterionLevel:
    return CriterionLevel(name=name, weight=weight, level=level)


# --- auto levels -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        # The format document's worked values on the default 1..4 scale.
        (1.0, 4),
        (0.75, 3),
        (0.4, 2),
        (0.3, 1),
        (0.0, 1),
        # Shares of three tests, as a float and as an exact fraction.
        (2 / 3, 3),
        (1 / 3, 2),
        (Fraction(2, 3), 3),
        (Fraction(1, 3), 2),
        (Fraction(0), 1),
        (Fraction(1), 4),
        (1, 4),
        (0, 1),
        # Boundaries either side of each step.
        (0.3333, 1),
        (0.6666, 2),
        (0.9999, 3),
        (0.999999, 3),
    ],
)
def test_auto_level_on_the_default_scale(share, expected):
    assert auto_level(share, 1, 4) == expected


@pytest.mark.parametrize(
    ("share", "lo", "hi", "expected"),
    [
        (0.5, 1, 5, 3),
        (0.49, 1, 5, 2),
        (0.25, 1, 5, 2),
        (0.5, 0, 10, 5),
        (0.99, 1, 2, 1),
        (1.0, 1, 2, 2),
        (0.0, -2, 2, -2),
        (0.5, -2, 2, 0),
        # Float products that land a hair below a whole number still reach it.
        (0.29, 0, 100, 29),  # 0.29 * 100 == 28.999999999999996
        (0.57, 0, 100, 57),  # 0.57 * 100 == 56.99999999999999
        (0.7, 1, 11, 8),
        (0.1 + 0.2, 0, 10, 3),
        (Fraction(29, 100), 0, 100, 29),
    ],
)
def test_auto_level_on_other_scales(share, lo, hi, expected):
    assert auto_level(share, lo, hi) == expected


@pytest.mark.parametrize(
    ("passed", "total", "expected"),
    [
        # The format document's worked values on the default 1..4 scale.
        (4, 4, 4),
        (3, 4, 3),
        (2, 5, 2),
        (3, 10, 1),
        (2, 3, 3),
        (1, 3, 2),
        (0, 3, 1),
        (0, 1, 1),
        (1, 1, 4),
        (99, 100, 3),
        (66, 100, 2),
        (67, 100, 3),
    ],
)
def test_auto_level_from_counts_on_the_default_scale(passed, total, expected):
    assert auto_level_from_counts(passed, total, 1, 4) == expected


@pytest.mark.parametrize(
    ("passed", "total", "lo", "hi", "expected"),
    [
        (29, 100, 0, 100, 29),
        (1, 2, 1, 5, 3),
        (4, 5, 0, 1, 0),
        (5, 5, 0, 1, 1),
        (1, 2, -2, 2, 0),
    ],
)
def test_auto_level_from_counts_on_other_scales(passed, total, lo, hi, expected):
    assert auto_level_from_counts(passed, total, lo, hi) == expected


@pytest.mark.parametrize(
    ("share", "lo", "hi"),
    [
        (-0.01, 1, 4),
        (1.01, 1, 4),
        (-1, 1, 4),
        (2, 1, 4),
        (math.nan, 1, 4),
        (math.inf, 1, 4),
        (-math.inf, 1, 4),
        (Fraction(4, 3), 1, 4),
        (0.5, 4, 4),
        (0.5, 4, 1),
    ],
)
def test_auto_level_refuses_bad_input(share, lo, hi):
    with pytest.raises(ValueError):
        auto_level(share, lo, hi)


@pytest.mark.parametrize("share", ["0.5", None, True])
def test_auto_level_refuses_non_numbers(share):
    with pytest.raises(TypeError):
        auto_level(share, 1, 4)


@pytest.mark.parametrize(
    ("passed", "total", "lo", "hi"),
    [
        (0, 0, 1, 4),
        (0, -1, 1, 4),
        (-1, 3, 1, 4),
        (4, 3, 1, 4),
        (1, 2, 3, 3),
        (1, 2, 4, 1),
    ],
)
def test_auto_level_from_counts_refuses_bad_input(passed, total, lo, hi):
    with pytest.raises(ValueError):
        auto_level_from_counts(passed, total, lo, hi)


scales = st.tuples(st.integers(-5, 5), st.integers(1, 10)).map(lambda t: (t[0], t[0] + t[1]))
shares = st.floats(min_value=0, max_value=1)


@given(scale=scales, a=shares, b=shares)
def test_auto_level_is_monotonic_and_on_the_scale(scale, a, b):
    lo, hi = scale
    a, b = sorted((a, b))
    assert lo <= auto_level(a, lo, hi) <= auto_level(b, lo, hi) <= hi


@given(scale=scales, data=st.data())
def test_auto_level_agrees_with_counts_as_floats_and_fractions(scale, data):
    lo, hi = scale
    total = data.draw(st.integers(1, 1000))
    passed = data.draw(st.integers(0, total))
    expected = auto_level_from_counts(passed, total, lo, hi)
    assert auto_level(Fraction(passed, total), lo, hi) == expected
    assert auto_level(passed / total, lo, hi) == expected


@given(scale=scales, data=st.data())
def test_auto_level_from_counts_is_monotonic_and_on_the_scale(scale, data):
    lo, hi = scale
    total = data.draw(st.integers(1, 500))
    passed = data.draw(st.integers(0, total - 1))
    level = auto_level_from_counts(passed, total, lo, hi)
    assert lo <= level <= auto_level_from_counts(passed + 1, total, lo, hi) <= hi
    assert level < hi  # only a full pass reaches the top of the scale


# --- weighted means --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([crit(1, 3)], 3.0),
        ([crit(2, 4), crit(3, 2)], 2.8),
        ([crit(1, 3), crit(1, 3), crit(1, 4)], 10 / 3),
        ([crit(1, 1), crit(1, 4)], 2.5),
        ([crit(0.5, 4), crit(1.5, 2)], 2.5),
        ([crit(2, 3), crit(3, 4), crit(1, 1)], 19 / 6),
        # Unscored criteria take no part.
        ([crit(2, 4), crit(5, None)], 4.0),
        ([crit(1, None), crit(1, 2), crit(3, None), crit(1, 4)], 3.0),
        # Exact arithmetic: ten weights of 0.1 on level 3 give 3, not 2.9999999999999996.
        ([crit(0.1, 3)] * 10, 3.0),
        ([crit(0.1, 2), crit(0.2, 2), crit(0.3, 4), crit(0.4, 4)], 3.4),
    ],
)
def test_weighted_mean(levels, expected):
    assert weighted_mean(levels) == pytest.approx(expected, abs=1e-12)


def test_weighted_mean_of_equal_levels_is_exactly_that_level():
    assert weighted_mean([crit(0.1, 3)] * 10) == 3.0
    assert weighted_mean([crit(0.7, 2), crit(1e-3, 2), crit(12345.6789, 2)]) == 2.0


@pytest.mark.parametrize("levels", [[], [crit(1, None)], [crit(1, None), crit(2, None)]])
def test_weighted_mean_is_none_when_nothing_is_scored(levels):
    assert weighted_mean(levels) is None


@pytest.mark.parametrize("weight", [0, -1, -0.5, 0.0, math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("level", [3, None])
def test_weighted_mean_refuses_a_weight_that_is_not_positive(weight, level):
    # Even on a criterion not scored yet: the rubric itself is wrong.
    with pytest.raises(ValueError, match="weight"):
        weighted_mean([crit(1, 3), crit(weight, level, name="bad")])


@pytest.mark.parametrize("weight", ["2", None, True])
def test_weighted_mean_refuses_a_weight_that_is_not_a_number(weight):
    with pytest.raises(TypeError, match="weight"):
        weighted_mean([crit(weight, 3)])


criteria = st.lists(
    st.builds(
        CriterionLevel,
        name=st.just("c"),
        weight=st.one_of(
            st.integers(1, 10),
            st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False),
        ),
        level=st.one_of(st.none(), st.integers(-3, 10)),
    ),
    max_size=12,
)


@given(criteria)
def test_weighted_mean_lies_between_the_lowest_and_highest_scored_level(levels):
    scored = [c.level for c in levels if c.level is not None]
    mean = weighted_mean(levels)
    if not scored:
        assert mean is None
    else:
        assert min(scored) <= mean <= max(scored)


@given(criteria)
def test_weighted_mean_ignores_order(levels):
    assert weighted_mean(levels) == weighted_mean(list(reversed(levels)))


# --- scores and the bar ----------------------------------------------------------------------


def test_complete_score_at_the_bar_meets_it():
    result = score([crit(2, 3, "scope"), crit(3, 3, "tests")], bar=3.0)
    assert result == Score(
        mean=3.0, bar=3.0, meets_bar=True, scored_weight=5.0, total_weight=5.0, complete=True
    )


def test_complete_score_below_the_bar_does_not_meet_it():
    result = score([crit(2, 4), crit(3, 2)], bar=3.0)
    assert result.mean == pytest.approx(2.8)
    assert result.complete is True
    assert result.meets_bar is False


@pytest.mark.parametrize(
    ("levels", "bar", "meets"),
    [
        ([crit(1, 4)], 3.0, True),
        ([crit(1, 3), crit(1, 2)], 2.5, True),
        ([crit(1, 3), crit(1, 2)], 2.6, False),
        ([crit(1, 1)], 1.0, True),
        ([crit(1, 4)], 4.0, True),
        ([crit(1, 3), crit(1, 3), crit(1, 4)], 10 / 3, True),
        ([crit(1, 3), crit(1, 3), crit(1, 4)], 3.34, False),
    ],
)
def test_meets_bar_when_complete(levels, bar, meets):
    assert score(levels, bar).meets_bar is meets


@pytest.mark.parametrize(
    ("bar", "meets"),
    [
        (3.0, True),
        (0.1 * 3 * 10, True),  # 3.0000000000000004: a float-sum artefact, still met
        (3.0 + 5e-10, True),  # within the 1e-9 tolerance
        (3.0 + 2e-9, False),  # beyond it
        (3.001, False),
        (2.9999999999, True),
    ],
)
def test_bar_comparison_tolerates_float_noise(bar, meets):
    assert score([crit(1, 3)], bar).meets_bar is meets


def test_incomplete_score_has_a_mean_but_no_verdict():
    result = score([crit(2, 4, "scope"), crit(3, None, "tests"), crit(1, 2, "ops")], bar=3.0)
    assert result.complete is False
    assert result.meets_bar is None
    assert result.mean == pytest.approx(10 / 3)
    assert (result.scored_weight, result.total_weight) == (3.0, 6.0)


def test_incomplete_score_below_the_bar_has_no_verdict_either():
    assert score([crit(1, 1), crit(1, None)], bar=3.0).meets_bar is None


def test_nothing_scored_yet():
    result = score([crit(2, None), crit(1, None)], bar=3.0)
    assert result == Score(
        mean=None, bar=3.0, meets_bar=None, scored_weight=0.0, total_weight=3.0, complete=False
    )


def test_weights_are_summed_exactly():
    result = score([crit(0.1, 3)] * 10, bar=3.0)
    assert (result.scored_weight, result.total_weight) == (1.0, 1.0)
    assert result.mean == 3.0
    assert result.meets_bar is True


def test_score_takes_any_sequence():
    assert score((crit(1, 4), crit(1, 2)), 3).meets_bar is True


def test_score_refuses_a_rubric_without_criteria():
    with pytest.raises(ValueError, match="criterion"):
        score([], bar=3.0)


@pytest.mark.parametrize("bar", [math.nan, math.inf, "3", None])
def test_score_refuses_a_bar_that_is_not_a_finite_number(bar):
    with pytest.raises(ValueError, match="bar"):
        score([crit(1, 3)], bar)


def test_score_refuses_a_bad_weight():
    with pytest.raises(ValueError, match="weight"):
        score([crit(1, 3), crit(0, None)], bar=3.0)


def test_results_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        crit(1, 3).level = 4  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        score([crit(1, 3)], 3.0).meets_bar = False  # type: ignore[misc]


@given(criteria.filter(bool), st.floats(min_value=-3, max_value=10))
def test_score_is_consistent_with_weighted_mean(levels, bar):
    result = score(levels, bar)
    assert result.mean == weighted_mean(levels)
    assert result.complete == all(c.level is not None for c in levels)
    assert result.scored_weight <= result.total_weight
    if result.complete:
        assert result.meets_bar == (result.mean >= bar - 1e-9)
        assert result.scored_weight == result.total_weight
    else:
        assert result.meets_bar is None


# --- which bar -------------------------------------------------------------------------------

LEVEL_BARS = {"mid": 2.5, "senior": 3.0, "staff": 3.5}


@pytest.mark.parametrize(
    ("bar", "level", "scale", "expected"),
    [
        # A number is the bar whatever the level.
        (3.0, "senior", DEFAULT_SCALE, 3.0),
        (2.5, "staff", DEFAULT_SCALE, 2.5),
        (3, "mid", DEFAULT_SCALE, 3.0),
        (4.5, "mid", (1, 2, 3, 4, 5), 4.5),
        # A mapping gives the targeted level's bar.
        (LEVEL_BARS, "mid", DEFAULT_SCALE, 2.5),
        (LEVEL_BARS, "senior", DEFAULT_SCALE, 3.0),
        (LEVEL_BARS, "staff", DEFAULT_SCALE, 3.5),
        # A level the mapping leaves out uses the default: the second-highest scale level.
        ({"mid": 2.5, "senior": 3.0}, "staff", DEFAULT_SCALE, 3.0),
        ({"mid": 2.5}, "staff", (1, 2, 3, 4, 5), 4.0),
        ({"mid": 2.5}, "senior", (4, 2, 1, 3), 3.0),
        ({}, "mid", (0, 1), 0.0),
        ({"senior": 3}, "senior", DEFAULT_SCALE, 3.0),
    ],
)
def test_bar_for(bar, level, scale, expected):
    result = bar_for(bar, level, scale)
    assert result == expected
    assert isinstance(result, float)


@pytest.mark.parametrize(
    ("scale", "expected"),
    [((1, 2, 3, 4), 3.0), ((1, 2, 3, 4, 5), 4.0), ((0, 1), 0.0), ((3, 1, 2), 2.0)],
)
def test_default_bar_is_the_second_highest_level(scale, expected):
    assert default_bar(scale) == expected


@pytest.mark.parametrize("scale", [(), (3,), (3, 3)])
def test_default_bar_needs_two_levels(scale):
    with pytest.raises(ValueError, match="two levels"):
        bar_for({}, "mid", scale)


# --- comparing across scales -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("mean", "lo", "hi", "expected"),
    [
        (1, 1, 4, 0.0),
        (4, 1, 4, 1.0),
        (3, 1, 4, 2 / 3),
        (2.5, 1, 4, 0.5),
        (3, 1, 5, 0.5),
        (2.5, 0, 10, 0.25),
        (0, -2, 2, 0.5),
    ],
)
def test_normalise(mean, lo, hi, expected):
    assert normalise(mean, lo, hi) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("mean", "lo", "hi"),
    [(0.99, 1, 4), (4.01, 1, 4), (math.nan, 1, 4), (3, 4, 4), (3, 4, 1)],
)
def test_normalise_refuses_bad_input(mean, lo, hi):
    with pytest.raises(ValueError):
        normalise(mean, lo, hi)


@given(scale=scales, data=st.data())
def test_normalised_scores_are_comparable_across_scales(scale, data):
    lo, hi = scale
    share = data.draw(shares)
    levels = data.draw(st.lists(st.integers(lo, hi), min_size=1, max_size=8))
    mean = weighted_mean([crit(1, level) for level in levels])
    assert 0 <= normalise(mean, lo, hi) <= 1
    assert normalise(lo, lo, hi) == 0 and normalise(hi, lo, hi) == 1
    assert normalise(auto_level(share, lo, hi), lo, hi) <= share + 1e-9


# --- gates ------------------------------------------------------------------------------------


def gated(weight: float, level: int | None, gate: int | None, name: str) -> CriterionLevel:
    return CriterionLevel(name=name, weight=weight, level=level, gate=gate)


def test_a_missed_gate_misses_the_bar_however_high_the_mean():
    result = score([gated(3, 1, 3, "Distribution"), gated(3, 4, None, "Evaluation"),
                    gated(10, 4, None, "Everything else")], 3.0)
    assert result.mean == pytest.approx((3 + 12 + 40) / 16)
    assert result.mean >= 3.0
    assert result.meets_bar is False
    assert result.gates_missed == (GateMissed("Distribution", required=3, given=1),)
    assert result.below_bar_by is None
    assert result.reasons == ["Distribution is at level 1; the bar needs at least 3."]


def test_a_gate_reached_exactly_leaves_the_mean_to_decide():
    result = score([gated(1, 3, 3, "Gate"), gated(1, 4, None, "Other")], 3.0)
    assert result.meets_bar is True
    assert result.gates_missed == ()
    assert result.reasons == []


def test_a_low_mean_and_a_missed_gate_are_both_reasons():
    result = score([gated(1, 2, 3, "Ordering"), gated(1, 2, None, "Storage")], 3.0)
    assert result.meets_bar is False
    assert result.below_bar_by == pytest.approx(1.0)
    assert result.reasons == [
        "The weighted mean 2.00 is 1.00 short of the bar of 3.00.",
        "Ordering is at level 2; the bar needs at least 3.",
    ]


def test_a_gate_missed_shows_before_the_score_is_complete():
    result = score([gated(1, 1, 2, "Isolation"), gated(1, None, None, "Plan")], 2.5)
    assert result.complete is False
    assert result.meets_bar is None
    assert result.gates_missed == (GateMissed("Isolation", 2, 1),)
    assert result.reasons == []  # the verdict waits for every level


def test_an_unscored_gated_criterion_misses_nothing_yet():
    result = score([gated(1, None, 3, "Gate"), gated(1, 4, None, "Other")], 3.0)
    assert result.gates_missed == ()
    assert result.meets_bar is None


def test_the_mean_alone_still_decides_without_gates():
    assert score([crit(1, 3), crit(1, 2)], 2.5).meets_bar is True
    low = score([crit(1, 2), crit(1, 2)], 2.5)
    assert low.meets_bar is False
    assert low.reasons == ["The weighted mean 2.00 is 0.50 short of the bar of 2.50."]


@pytest.mark.parametrize("bad", [True, 2.5, "3"])
def test_a_gate_must_be_a_whole_level(bad):
    with pytest.raises(TypeError):
        score([gated(1, 3, bad, "Gate")], 3.0)


def test_gate_for_picks_the_target_level():
    assert gate_for({"senior": 3, "staff": 4}, "staff") == 4
    assert gate_for({"senior": 3}, "mid") is None
    assert gate_for(None, "senior") is None
    assert gate_for({}, "senior") is None


@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 4), st.one_of(st.none(),
                                                                          st.integers(2, 4))),
                min_size=1, max_size=6),
       st.sampled_from([2.0, 2.5, 3.0, 3.5]))
def test_meeting_the_bar_is_the_mean_and_every_gate(rows, bar):
    levels = [gated(w, level, gate, f"c{i}") for i, (w, level, gate) in enumerate(rows)]
    result = score(levels, bar)
    mean_ok = result.mean >= bar - 1e-9
    gates_ok = all(gate is None or level >= gate for _, level, gate in rows)
    assert result.meets_bar is (mean_ok and gates_ok)
    assert bool(result.reasons) is not result.meets_bar
