"""Distances from the reference, worked by hand."""

from __future__ import annotations

import pytest

from app.calibration.distance import (
    CriterionDistance,
    compare,
    distance_words,
    lean_words,
    mean_absolute,
    summarise,
)

CRITERIA = [("1", "Requirements"), ("2", "Storage"), ("3", "Scaling")]
REFERENCES = {"1": {"level": 3, "rationale": ""}, "2": {"level": 2, "rationale": ""},
              "3": {"level": 4, "rationale": ""}}


@pytest.mark.parametrize(("distance", "words"), [
    (0, "on the reference"),
    (1, "1 level above the reference"),
    (2, "2 levels above the reference"),
    (-1, "1 level below the reference"),
    (-3, "3 levels below the reference"),
])
def test_a_distance_in_words(distance, words):
    assert distance_words(distance) == words


def test_compare_pairs_each_level_with_its_reference_and_signs_the_distance():
    levels = {"1": {"level": 4, "comment": ""}, "2": {"level": 2, "comment": ""},
              "3": {"level": 1, "comment": ""}}
    rows = compare(CRITERIA, levels, REFERENCES)
    assert rows == [CriterionDistance("Requirements", 4, 3), CriterionDistance("Storage", 2, 2),
                    CriterionDistance("Scaling", 1, 4)]
    assert [r.distance for r in rows] == [1, 0, -3]
    # One on the reference; |1| + 0 + |-3| = 4 over 3; (1 + 0 - 3) / 3 = -2/3: stricter.
    summary = summarise(rows)
    assert (summary.criteria, summary.exact) == (3, 1)
    assert summary.mean_absolute == pytest.approx(4 / 3)
    assert summary.mean_signed == pytest.approx(-2 / 3)
    assert summary.lean == "below the reference (stricter)"


def test_a_criterion_without_a_level_or_a_reference_is_left_out():
    rows = compare(CRITERIA, {"1": {"level": 3}, "9": {"level": 1}}, REFERENCES)
    assert rows == [CriterionDistance("Requirements", 3, 3)]


def test_the_lean_follows_the_sign_of_the_mean_signed_distance():
    assert lean_words(0.25) == "above the reference (more generous)"
    assert lean_words(0.0) == "neither way"
    assert lean_words(-0.1) == "below the reference (stricter)"
    assert summarise([]).criteria == 0 and summarise([]).lean == "neither way"


def test_mean_absolute_over_several_scores():
    # Two scores: |4-3| + |1-2| + |4-4| and |3-3| + |4-2| (Scaling left out): 4 over 5.
    scores = [{"1": {"level": 4}, "2": {"level": 1}, "3": {"level": 4}},
              {"1": {"level": 3}, "2": {"level": 4}}]
    assert mean_absolute(scores, REFERENCES) == pytest.approx(0.8)
    assert mean_absolute([], REFERENCES) is None
