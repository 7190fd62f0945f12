"""The pure parts of ``app/inputs.py``: what text can be stored, numbers, the id pattern."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from app.db import INT_MAX
from app.inputs import digits_up_to, unstorable, whole_number

STORABLE = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))


@given(STORABLE)
def test_text_without_nul_or_surrogates_can_be_stored(text):
    assert unstorable(text) is None


@given(STORABLE, STORABLE, st.sampled_from(["\x00", "\ud800", "\udfff", "\udbff"]))
def test_nul_or_a_lone_surrogate_is_found_at_its_line_and_column(before, after, bad):
    problem = unstorable(before + bad + after)
    line = before.count("\n") + 1
    column = len(before) - before.rfind("\n")
    assert problem is not None
    assert problem.endswith(f"at line {line}, column {column}")
    assert ("NUL" in problem) == (bad == "\x00")


def test_a_valid_surrogate_pair_is_one_character_and_can_be_stored():
    assert unstorable("\U0001f600 and \ufeff and \ufffd") is None


def test_whole_numbers_are_ascii_digits_within_the_id_range():
    assert whole_number("0") == 0
    assert whole_number("007") == 7
    assert whole_number(str(INT_MAX)) == INT_MAX
    for raw in ("", " 1", "1 ", "-1", "+1", "1_000", "1.0", "1e3", "\u00b2", "\u0663",
                str(INT_MAX + 1), "9" * 400, None):
        assert whole_number(raw) is None, raw


@given(st.integers(min_value=0, max_value=10**12))
def test_the_id_pattern_matches_exactly_the_numbers_up_to_the_limit(number):
    pattern = re.compile(digits_up_to(INT_MAX))
    assert (pattern.fullmatch(str(number)) is not None) == (number <= INT_MAX)
    assert pattern.fullmatch("000" + str(number)) is not None or number > INT_MAX


@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=0, max_value=10**8))
def test_the_pattern_is_right_for_any_limit(limit, number):
    pattern = re.compile(digits_up_to(limit))
    assert (pattern.fullmatch(str(number)) is not None) == (number <= limit)
    for edge in (limit - 1, limit, limit + 1):
        if edge >= 0:
            assert (pattern.fullmatch(str(edge)) is not None) == (edge <= limit)
