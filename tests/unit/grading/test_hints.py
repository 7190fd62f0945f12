"""The hint rule: a revealed hint that gives a criterion away caps what that criterion counts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.grading.hints import (
    RevealedHint,
    cap_levels,
    capping_hints,
    counted,
    hint_cap,
    revealed_hints,
)
from app.grading.scoring import CriterionLevel, score

SCALE = (1, 2, 3, 4)
HINTS = [{"md": "Where does the counter live?", "html": "<p>...</p>"},
         {"md": "Per key, per window.", "html": "<p>...</p>", "criterion": "Algorithm"},
         {"md": "What if Redis is down?", "html": "<p>...</p>", "criterion": "Failure modes"}]


def levels(**given: int | None) -> list[CriterionLevel]:
    weights = {"Scope": 2, "Algorithm": 3, "Failure modes": 2}
    return [CriterionLevel(name, weights[name], level) for name, level in given.items()]


def test_the_cap_is_the_scales_second_highest_level():
    assert hint_cap(SCALE) == 3
    assert hint_cap([0, 1, 2, 3, 4, 5]) == 4
    assert hint_cap([5, 1]) == 1
    with pytest.raises(ValueError, match="at least two levels"):
        hint_cap([3])


def test_revealed_hints_say_what_each_gives_away_and_when():
    found = revealed_hints(HINTS, [(1, 600), (0, 120)])
    assert found == [RevealedHint(1, None, 120), RevealedHint(2, "Algorithm", 600)]
    # A reveal of a hint the revision does not have (data written elsewhere) is skipped.
    assert revealed_hints(HINTS, [(7, 5)]) == []


def test_a_revealed_hint_caps_the_criterion_it_gives_away_and_keeps_the_given_level():
    revealed = revealed_hints(HINTS, [(0, 60), (1, 300)])
    capped = cap_levels(levels(Scope=4, Algorithm=4, **{"Failure modes": 4}), revealed, SCALE)
    assert [c.counted.level for c in capped] == [4, 3, 4]
    algorithm = capped[1]
    assert (algorithm.given, algorithm.hint, algorithm.capped) == (4, 2, True)
    # The plain nudge (hint 1) changes nothing.
    assert (capped[0].given, capped[0].hint, capped[0].capped) == (4, None, False)


def test_a_level_at_or_under_the_cap_is_unchanged_and_not_marked():
    revealed = revealed_hints(HINTS, [(1, 0), (2, 0)])
    capped = cap_levels(levels(Scope=2, Algorithm=3, **{"Failure modes": None}), revealed, SCALE)
    assert [(c.counted.level, c.hint) for c in capped] == [(2, None), (3, None), (None, None)]


def test_unrevealed_hints_change_nothing():
    given_levels = levels(Scope=4, Algorithm=4, **{"Failure modes": 4})
    assert counted(cap_levels(given_levels, revealed_hints(HINTS, []), SCALE)) == given_levels


def test_the_cap_can_move_an_answer_below_the_bar():
    given_levels = levels(Scope=3, Algorithm=4, **{"Failure modes": 3})
    assert score(given_levels, 3.4).meets_bar is True  # (6 + 12 + 6) / 7 = 3.43
    capped = counted(cap_levels(given_levels, revealed_hints(HINTS, [(1, 0)]), SCALE))
    assert score(capped, 3.4).meets_bar is False  # (6 + 9 + 6) / 7 = 3.0


def test_the_first_revealed_hint_that_gives_a_criterion_away_is_the_one_named():
    revealed = [RevealedHint(3, "Algorithm", 0), RevealedHint(2, "algorithm", 0)]
    assert capping_hints(revealed) == {"algorithm": 2}


@given(st.lists(st.integers(1, 4) | st.none(), min_size=3, max_size=3),
       st.sets(st.integers(0, 2)))
def test_a_counted_level_is_never_above_the_given_one_nor_the_cap_when_given_away(given_levels,
                                                                                  shown):
    names = ["Scope", "Algorithm", "Failure modes"]
    criteria = [CriterionLevel(n, 1, lvl) for n, lvl in zip(names, given_levels, strict=True)]
    revealed = revealed_hints(HINTS, [(i, 0) for i in shown])
    given_away = {h.criterion for h in revealed if h.criterion}
    for c in cap_levels(criteria, revealed, SCALE):
        assert c.given == next(x.level for x in criteria if x.name == c.counted.name)
        if c.given is None:
            assert c.counted.level is None
            continue
        assert c.counted.level <= c.given
        if c.counted.name in given_away:
            assert c.counted.level == min(c.given, 3)
        else:
            assert c.counted.level == c.given
