"""Rubric revisions compared: the sentences a reviewer reads when a rubric changed since scoring."""

from __future__ import annotations

import dataclasses
import re
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.content.diff import (
    Change,
    ChangeKind,
    CriterionSnapshot,
    RubricSnapshot,
    format_number,
    normal_text,
    rubric_changes,
)

SCALE = {"1": "Weak", "2": "Mixed", "3": "Solid", "4": "Strong"}


def criterion(name: str = "Data model", **fields) -> CriterionSnapshot:
    values = {
        "weight": 1.0,
        "auto": None,
        "description": f"How well does the candidate handle {name.lower()}?",
        "descriptors": {level: f"{name}: {label.lower()} work." for level, label in SCALE.items()},
        "signals": (),
    }
    values.update(fields)
    return CriterionSnapshot(name=name, **values)


def rubric(*criteria: CriterionSnapshot, **fields) -> RubricSnapshot:
    values = {
        "number": 1,
        "title": "Distributed rate limiter",
        "scale": dict(SCALE),
        "bar": 3.0,
        "intro": "Keep the whole design in mind.",
        "criteria": criteria or (criterion("Requirements"), criterion("Data model")),
    }
    values.update(fields)
    return RubricSnapshot(**values)


def texts(old: RubricSnapshot, new: RubricSnapshot) -> list[str]:
    return [change.text for change in rubric_changes(old, new)]


def revise(snapshot: RubricSnapshot, target: str, /, **fields) -> RubricSnapshot:
    """``snapshot`` with the criterion called ``target`` changed, and the next revision number."""
    criteria = tuple(dataclasses.replace(c, **fields) if c.name == target else c
                     for c in snapshot.criteria)
    return dataclasses.replace(snapshot, number=snapshot.number + 1, criteria=criteria)


# --- nothing changed -------------------------------------------------------------------------


def test_identical_revisions_have_no_changes():
    assert rubric_changes(rubric(), rubric()) == []


def test_the_revision_number_alone_is_no_change():
    assert rubric_changes(rubric(number=1), rubric(number=7)) == []


def test_whitespace_only_differences_are_no_changes():
    old = rubric(
        criterion(
            "Scaling",
            description="Does the design scale\nto ten times the traffic?\n\n- Reads\n- Writes",
            descriptors={"1": "Ignores load.", "2": "Mentions load,\n  vaguely.",
                         "3": "Sizes it.", "4": "Sizes it and plans for growth."},
            signals=("sharding", "read replicas"),
        ),
        title="Rate limiter",
        intro="Keep the whole\ndesign in mind.",
    )
    new = rubric(
        criterion(
            "  scaling ",
            description="Does the design scale to ten   times the traffic?   \n\n\n\n- Reads\n"
                        "- Writes\n\n",
            descriptors={"1": "Ignores load.  ", "2": "Mentions load, vaguely.",
                         "3": "\tSizes it.", "4": "Sizes it and plans\nfor growth."},
            signals=("Read  Replicas", "SHARDING"),
            weight=1,
        ),
        title="  Rate   limiter ",
        intro="Keep the whole design in mind.\n",
        number=2,
    )
    assert rubric_changes(old, new) == []


def test_numbers_equal_in_value_are_no_changes():
    old = rubric(criterion("A", weight=2), bar={"senior": 3})
    new = rubric(criterion("A", weight=2.0), bar={"senior": 3.0})
    assert rubric_changes(old, new) == []


def test_reordered_signals_are_no_change():
    old = rubric(criterion("A", signals=("429", "burst", "Retry-After")))
    new = rubric(criterion("A", signals=("Retry-After", "429", "burst")))
    assert rubric_changes(old, new) == []


# --- whitespace in markdown ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("one two", "one  two"),
        ("one two", "one\ntwo"),
        ("one two  ", "one two"),
        ("one\n\ntwo", "one\n\n\n\ntwo\n"),
        ("- one\n  more\n- two", "- one more\n- two"),
        ("", "  \n\t\n"),
        ("a\r\nb", "a b"),
    ],
)
def test_normal_text_ignores_whitespace_that_means_nothing(a, b):
    assert normal_text(a) == normal_text(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("one two", "one three"),
        ("one two", "one\n\ntwo"),  # a new paragraph
        ("- one\n- two", "- one - two"),  # two list items, not one
        ("# Title\ntext", "# Title text"),
        ("text\n# Title", "text # Title"),
        ("| a |\n| b |", "| a | | b |"),
        ("```\nif x:\n    y\n```", "```\nif x:\ny\n```"),  # indentation inside code
        ("Weak", "weak"),
    ],
)
def test_normal_text_keeps_what_changes_the_meaning(a, b):
    assert normal_text(a) != normal_text(b)


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(2.0, "2"), (2, "2"), (2.5, "2.5"), (0.1, "0.1"), (3.25, "3.25"), (-0.0, "0"), (10.0, "10")],
)
def test_numbers_lose_a_useless_point_zero(value, text):
    assert format_number(value) == text


# --- rubric-wide changes ---------------------------------------------------------------------


def test_title_change():
    changes = rubric_changes(rubric(title="Rate limiter"), rubric(title="Rate limiting"))
    assert changes == [Change("changed", None, 'Title "Rate limiter" → "Rate limiting".')]


def test_scale_label_added():
    new_scale = {**SCALE, "5": "Exceptional"}
    assert texts(rubric(), rubric(scale=new_scale))[0] == 'Scale level 5 "Exceptional" added.'


def test_scale_label_removed():
    old_scale = {**SCALE, "5": "Exceptional"}
    assert texts(rubric(scale=old_scale), rubric()) == ['Scale level 5 "Exceptional" removed.']


def test_scale_label_relabelled():
    new_scale = {**SCALE, "2": "Fair"}
    changes = rubric_changes(rubric(), rubric(scale=new_scale))
    assert changes == [Change("changed", None, 'Scale level 2 relabelled "Mixed" → "Fair".')]


def test_scale_levels_are_reported_in_numeric_order():
    old_scale = {str(level): f"L{level}" for level in range(1, 5)}
    new_scale = {str(level): f"M{level}" for level in range(1, 12)}
    found = texts(rubric(scale=old_scale), rubric(scale=new_scale))
    levels = [int(text.split()[2]) for text in found]
    assert levels == list(range(1, 12))


def test_bar_number_change():
    assert texts(rubric(bar=3.0), rubric(bar=2.5)) == ["Bar 3 → 2.5."]


def test_bar_per_level_change():
    old = rubric(bar={"mid": 2.5, "senior": 3.0, "staff": 3.5})
    new = rubric(bar={"mid": 2.5, "senior": 3.5, "staff": 3.5})
    assert texts(old, new) == ["Bar for senior 3 → 3.5."]


def test_bar_level_added_or_left_to_the_default():
    old = rubric(bar={"mid": 2.5, "senior": 3.0})
    new = rubric(bar={"senior": 3.0, "staff": 3.5})
    assert texts(old, new) == ["Bar for mid 2.5 → default.", "Bar for staff default → 3.5."]


def test_bar_levels_in_career_order():
    old = rubric(bar={"staff": 3.0, "senior": 3.0, "mid": 3.0})
    new = rubric(bar={"staff": 4.0, "senior": 4.0, "mid": 4.0})
    assert texts(old, new) == ["Bar for mid 3 → 4.", "Bar for senior 3 → 4.",
                               "Bar for staff 3 → 4."]


def test_bar_number_to_mapping():
    new = rubric(bar={"staff": 3.5, "mid": 2.5, "senior": 3.0})
    assert texts(rubric(bar=3), new) == ["Bar 3 → per level (mid 2.5, senior 3, staff 3.5)."]


def test_bar_mapping_to_number():
    old = rubric(bar={"mid": 2.5, "senior": 3})
    assert texts(old, rubric(bar=3.0)) == ["Bar per level (mid 2.5, senior 3) → 3."]


def test_intro_reworded_added_and_removed():
    assert texts(rubric(intro="Be kind."), rubric(intro="Be fair.")) == ["Introduction reworded."]
    assert texts(rubric(intro=""), rubric(intro="Be fair.")) == ["Introduction added."]
    assert texts(rubric(intro="Be fair."), rubric(intro=" \n")) == ["Introduction removed."]


# --- criteria as a whole ---------------------------------------------------------------------


def test_criterion_added():
    old = rubric(criterion("A"), criterion("B"))
    new = rubric(criterion("A"), criterion("B"), criterion("Cost"))
    assert rubric_changes(old, new) == [Change("added", "Cost", 'New criterion "Cost".')]


def test_criterion_removed():
    old = rubric(criterion("A"), criterion("Cost"), criterion("B"))
    new = rubric(criterion("A"), criterion("B"))
    assert rubric_changes(old, new) == [Change("removed", "Cost", 'Criterion "Cost" removed.')]


def test_names_match_ignoring_case_and_surrounding_spaces():
    old = rubric(criterion("Data model"))
    new = rubric(dataclasses.replace(criterion("Data model"), name=" data  MODEL ", weight=2))
    assert rubric_changes(old, new) == [
        Change("changed", "data MODEL", 'Criterion "data MODEL" weight 1 → 2.'),
    ]


def test_criterion_renamed_when_its_text_is_identical():
    old = rubric(criterion("A"), criterion("Data model"))
    moved = dataclasses.replace(criterion("Data model"), name="Data modelling")
    new = rubric(criterion("A"), moved)
    assert rubric_changes(old, new) == [
        Change("renamed", "Data modelling", 'Criterion "Data model" renamed "Data modelling".'),
    ]


def test_renamed_criterion_still_reports_its_other_changes():
    old = rubric(criterion("Data model", weight=1, signals=("schema",)))
    moved = dataclasses.replace(criterion("Data model"), name="Storage", weight=2,
                                signals=("schema", "index"))
    assert texts(old, rubric(moved)) == [
        'Criterion "Data model" renamed "Storage".',
        'Criterion "Storage" weight 1 → 2.',
        'Signal added to "Storage": "index".',
    ]


def test_renamed_with_whitespace_only_differences_in_its_text():
    old = rubric(criterion("Data model", description="Schema and\nindexes."))
    moved = dataclasses.replace(criterion("Data model"), name="Storage",
                                description="Schema and indexes.  ")
    assert [c.kind for c in rubric_changes(old, rubric(moved))] == ["renamed"]


def test_a_new_name_with_new_text_is_removed_and_added():
    old = rubric(criterion("A"), criterion("Data model"))
    new = rubric(criterion("A"), criterion("Storage"))  # its descriptors differ
    assert rubric_changes(old, new) == [
        Change("added", "Storage", 'New criterion "Storage".'),
        Change("removed", "Data model", 'Criterion "Data model" removed.'),
    ]


def test_an_ambiguous_rename_is_removed_and_added():
    same = {"description": "Same words.", "descriptors": {"1": "x", "2": "y"}}
    old = rubric(criterion("A", **same), criterion("B", **same))
    new = rubric(criterion("C", **same))
    assert [c.kind for c in rubric_changes(old, new)] == ["added", "removed", "removed"]
    # And the other way round: two new candidates for one old criterion.
    assert [c.kind for c in rubric_changes(new, old)] == ["added", "added", "removed"]


def test_criteria_with_no_text_are_never_taken_for_a_rename():
    empty = {"description": "", "descriptors": {}}
    old = rubric(criterion("A", **empty))
    new = rubric(criterion("B", **empty))
    assert [c.kind for c in rubric_changes(old, new)] == ["added", "removed"]


def test_a_reorder_is_one_sentence():
    old = rubric(criterion("A"), criterion("B"), criterion("C"), criterion("D"))
    new = rubric(criterion("D"), criterion("C"), criterion("B"), criterion("A"))
    assert rubric_changes(old, new) == [
        Change("reordered", None, 'Criteria reordered: "D", "C", "B", "A".'),
    ]


def test_an_insertion_or_a_removal_is_not_a_reorder():
    old = rubric(criterion("A"), criterion("B"), criterion("C"))
    new = rubric(criterion("A"), criterion("New"), criterion("C"))
    assert [c.kind for c in rubric_changes(old, new)] == ["added", "removed"]


def test_a_renamed_criterion_keeps_its_place_in_the_order():
    old = rubric(criterion("A"), criterion("B"), criterion("C"))
    moved = dataclasses.replace(criterion("A"), name="Z")
    assert [c.kind for c in rubric_changes(old, rubric(criterion("B"), moved, criterion("C")))] == [
        "reordered", "renamed",
    ]
    assert [c.kind for c in rubric_changes(old, rubric(moved, criterion("B"), criterion("C")))] == [
        "renamed",
    ]


# --- parts of a criterion --------------------------------------------------------------------


def test_weight_change():
    old = rubric(criterion("Data model", weight=2))
    new = revise(old, "Data model", weight=3.0)
    assert rubric_changes(old, new) == [
        Change("changed", "Data model", 'Criterion "Data model" weight 2 → 3.'),
    ]


def test_fractional_weight_change():
    old = rubric(criterion("A", weight=1.5))
    assert texts(old, revise(old, "A", weight=0.75)) == ['Criterion "A" weight 1.5 → 0.75.']


@pytest.mark.parametrize(
    ("before", "after", "text"),
    [
        (None, "tests", 'Criterion "A" now suggests a level from hidden tests.'),
        (None, "signals", 'Criterion "A" now suggests a level from signals found.'),
        ("tests", None, 'Criterion "A" no longer suggests a level.'),
        ("signals", "tests",
         'Criterion "A" now suggests a level from hidden tests, not signals found.'),
    ],
)
def test_auto_mode_change(before, after, text):
    old = rubric(criterion("A", auto=before))
    assert texts(old, revise(old, "A", auto=after)) == [text]


def test_description_reworded_added_removed():
    old = rubric(criterion("A", description="Old words."))
    assert texts(old, revise(old, "A", description="New words.")) == [
        'Description of "A" reworded.',
    ]
    assert texts(old, revise(old, "A", description="")) == ['Description of "A" removed.']
    assert texts(revise(old, "A", description=""), old) == ['Description of "A" added.']


def test_descriptor_reworded():
    old = rubric(criterion("Scaling"))
    descriptors = {**old.criteria[0].descriptors, "2": "Something else entirely."}
    new = revise(old, "Scaling", descriptors=descriptors)
    assert rubric_changes(old, new) == [
        Change("changed", "Scaling", 'Descriptor for level 2 of "Scaling" reworded.'),
    ]


def test_descriptors_added_and_removed_follow_the_scale():
    old = rubric(criterion("A"))
    five = {**SCALE, "5": "Exceptional"}
    descriptors = {**old.criteria[0].descriptors, "5": "Teaches the interviewer."}
    new = dataclasses.replace(revise(old, "A", descriptors=descriptors), scale=five)
    assert texts(old, new) == [
        'Scale level 5 "Exceptional" added.',
        'Descriptor for level 5 of "A" added.',
    ]
    assert texts(new, old) == [
        'Scale level 5 "Exceptional" removed.',
        'Descriptor for level 5 of "A" removed.',
    ]


def test_each_reworded_descriptor_is_a_sentence_in_level_order():
    old = rubric(criterion("A"))
    descriptors = {"4": "New four.", "1": "New one.", "2": old.criteria[0].descriptors["2"],
                   "3": "New three."}
    assert texts(old, revise(old, "A", descriptors=descriptors)) == [
        'Descriptor for level 1 of "A" reworded.',
        'Descriptor for level 3 of "A" reworded.',
        'Descriptor for level 4 of "A" reworded.',
    ]


def test_signals_added_and_removed_are_listed():
    old = rubric(criterion("A", signals=("429", "burst", "latency")))
    new = revise(old, "A", signals=("429", "Retry-After", "token bucket"))
    assert texts(old, new) == [
        'Signals added to "A": "Retry-After", "token bucket".',
        'Signals removed from "A": "burst", "latency".',
    ]


def test_one_signal_is_singular():
    old = rubric(criterion("A", signals=("429",)))
    assert texts(old, revise(old, "A", signals=("burst",))) == [
        'Signal added to "A": "burst".',
        'Signal removed from "A": "429".',
    ]


def test_a_change_of_case_in_a_signal_is_no_change():
    old = rubric(criterion("A", signals=("Redis",)))
    assert rubric_changes(old, revise(old, "A", signals=("redis",))) == []


# --- order of the output ---------------------------------------------------------------------


def test_rubric_wide_changes_first_then_criteria_in_the_new_order_then_removals():
    old = rubric(
        criterion("A", weight=1),
        criterion("B"),
        criterion("Gone"),
        criterion("C", signals=("x",)),
        title="Old title",
        scale=dict(SCALE),
        bar=3.0,
        intro="Old intro.",
    )
    new = rubric(
        criterion("C", signals=("x", "y")),
        criterion("New"),
        criterion("A", weight=2),
        criterion("B", auto="signals", signals=()),
        title="New title",
        scale={**SCALE, "4": "Excellent"},
        bar={"senior": 3.5},
        intro="New intro.",
        number=2,
    )
    assert rubric_changes(old, new) == [
        Change("changed", None, 'Title "Old title" → "New title".'),
        Change("changed", None, 'Scale level 4 relabelled "Strong" → "Excellent".'),
        Change("changed", None, "Bar 3 → per level (senior 3.5)."),
        Change("changed", None, "Introduction reworded."),
        Change("reordered", None, 'Criteria reordered: "C", "New", "A", "B".'),
        Change("changed", "C", 'Signal added to "C": "y".'),
        Change("added", "New", 'New criterion "New".'),
        Change("changed", "A", 'Criterion "A" weight 1 → 2.'),
        Change("changed", "B", 'Criterion "B" now suggests a level from signals found.'),
        Change("removed", "Gone", 'Criterion "Gone" removed.'),
    ]


def test_within_a_criterion_the_order_is_fixed():
    old = rubric(criterion("A", signals=("a",)))
    new = revise(old, "A", name="Z", weight=2, auto="tests", description="Other words.",
                 descriptors={"1": "x", "2": "y", "3": "z", "4": "w"}, signals=("b",))
    # Name and text both changed: not a rename, so removed and added.
    assert [c.kind for c in rubric_changes(old, new)] == ["added", "removed"]
    same_text = revise(old, "A", name="Z", weight=2, auto="tests", signals=("b",))
    assert texts(old, same_text) == [
        'Criterion "A" renamed "Z".',
        'Criterion "Z" weight 1 → 2.',
        'Criterion "Z" now suggests a level from hidden tests.',
        'Signal added to "Z": "b".',
        'Signal removed from "Z": "a".',
    ]
    kept_name = revise(old, "A", weight=2, auto="tests", description="Other words.",
                       descriptors={**old.criteria[0].descriptors, "1": "x", "3": "z"},
                       signals=("b",))
    assert texts(old, kept_name) == [
        'Criterion "A" weight 1 → 2.',
        'Criterion "A" now suggests a level from hidden tests.',
        'Description of "A" reworded.',
        'Descriptor for level 1 of "A" reworded.',
        'Descriptor for level 3 of "A" reworded.',
        'Signal added to "A": "b".',
        'Signal removed from "A": "a".',
    ]


def test_kinds_are_strings_from_a_closed_set():
    assert {kind.value for kind in ChangeKind} == {
        "added", "removed", "renamed", "reordered", "changed",
    }
    change = rubric_changes(rubric(criterion("A")), rubric(criterion("B")))[0]
    assert change.kind == "added"
    assert isinstance(change.kind, str)


# --- snapshots of database rows --------------------------------------------------------------


def test_snapshot_of_a_revision_row():
    revision = SimpleNamespace(
        id=41,
        number=3,
        title="Distributed rate limiter",
        scale={"1": "Weak", "2": "Mixed", "3": "Solid", "4": "Strong"},
        bar={"mid": 2.5, "senior": 3, "staff": 3.5},
        intro_md="Keep the whole design in mind.",
        intro_html="<p>Keep the whole design in mind.</p>",
        criteria=[
            SimpleNamespace(
                position=0,
                name="Requirements and scope",
                weight=2,
                signals=["429", "burst"],
                auto=None,
                description_md="Who is limited?",
                description_html="<p>Who is limited?</p>",
                descriptors={str(level): {"md": f"Level {level}.", "html": f"<p>Level {level}.</p>"}
                             for level in range(1, 5)},
            ),
            SimpleNamespace(
                position=1,
                name="Correctness under tests",
                weight=3.0,
                signals=[],
                auto="tests",
                description_md="",
                description_html="",
                descriptors={str(level): {"md": f"{level}.", "html": f"<p>{level}.</p>"}
                             for level in range(1, 5)},
            ),
        ],
    )
    snapshot = RubricSnapshot.of(revision)
    assert snapshot == RubricSnapshot(
        number=3,
        title="Distributed rate limiter",
        scale={"1": "Weak", "2": "Mixed", "3": "Solid", "4": "Strong"},
        bar={"mid": 2.5, "senior": 3.0, "staff": 3.5},
        intro="Keep the whole design in mind.",
        criteria=(
            CriterionSnapshot(
                name="Requirements and scope",
                weight=2.0,
                auto=None,
                description="Who is limited?",
                descriptors={"1": "Level 1.", "2": "Level 2.", "3": "Level 3.", "4": "Level 4."},
                signals=("429", "burst"),
            ),
            CriterionSnapshot(
                name="Correctness under tests",
                weight=3.0,
                auto="tests",
                description="",
                descriptors={"1": "1.", "2": "2.", "3": "3.", "4": "4."},
                signals=(),
            ),
        ),
    )
    assert rubric_changes(snapshot, snapshot) == []


def test_snapshot_of_a_revision_with_a_plain_bar():
    revision = SimpleNamespace(number=1, title="T", scale={1: "Weak", 2: "Strong"}, bar=2,
                               intro_md=None, criteria=[])
    snapshot = RubricSnapshot.of(revision)
    assert snapshot.bar == 2.0
    assert isinstance(snapshot.bar, float)
    assert snapshot.scale == {"1": "Weak", "2": "Strong"}
    assert snapshot.intro == ""
    assert snapshot.criteria == ()


# --- properties ------------------------------------------------------------------------------

_words = st.text(alphabet="abc XY\n", max_size=20)
_levels = st.sampled_from(["1", "2", "3", "4", "5"])
_numbers = st.floats(min_value=0, max_value=10, allow_nan=False) | st.integers(0, 10)

_criteria = st.builds(
    CriterionSnapshot,
    name=st.sampled_from(["A", "a", "B", " b ", "Data model", "C"]),
    weight=st.floats(allow_nan=True, allow_infinity=True) | st.integers(1, 5),
    auto=st.sampled_from([None, "tests", "signals"]),
    description=_words,
    descriptors=st.dictionaries(_levels, _words, max_size=5),
    signals=st.lists(st.sampled_from(["x", "X", "y", "z z", " "]), max_size=4).map(tuple),
)
_rubrics = st.builds(
    RubricSnapshot,
    number=st.integers(1, 100),
    title=_words,
    scale=st.dictionaries(_levels, st.sampled_from(["Weak", "Mixed", "Strong", "weak"])),
    bar=_numbers | st.dictionaries(st.sampled_from(["mid", "senior", "staff", "lead"]), _numbers),
    intro=_words,
    criteria=st.lists(_criteria, max_size=5).map(tuple),
)


@given(_rubrics)
def test_a_revision_compared_with_itself_has_no_changes(snapshot):
    assert rubric_changes(snapshot, snapshot) == []


@given(_rubrics)
def test_rewrapping_every_text_is_no_change(snapshot):
    def rewrap(text: str) -> str:
        # Single line breaks become spaces and spaces get doubled; paragraph breaks stay.
        return "\n\n".join(p.replace("\n", " ").replace(" ", "  ") + "  "
                           for p in re.split(r"\n[^\S\n]*\n", text))

    rewrapped = dataclasses.replace(
        snapshot,
        intro=rewrap(snapshot.intro),
        criteria=tuple(
            dataclasses.replace(c, description=rewrap(c.description),
                                descriptors={k: rewrap(v) for k, v in c.descriptors.items()})
            for c in snapshot.criteria
        ),
    )
    assert rubric_changes(snapshot, rewrapped) == []


@given(_rubrics, _rubrics)
def test_changes_are_sentences_of_known_kinds_and_as_many_both_ways(old, new):
    forward, backward = rubric_changes(old, new), rubric_changes(new, old)
    assert len(forward) == len(backward)
    for change in forward + backward:
        assert change.kind in set(ChangeKind)
        assert change.text.endswith(".")
        assert "\n" not in change.text
        if change.kind == "reordered":
            assert change.criterion is None
        elif change.kind != "changed":
            assert change.criterion


def test_gates_added_changed_and_removed_per_target_level():
    old = rubric(criterion("Ordering", gate={"senior": 3, "staff": 3}), criterion("Storage"))
    new = revise(old, "Ordering", gate={"mid": 2, "staff": 4})
    assert texts(old, new) == [
        'Criterion "Ordering" now gates the bar for mid: level 2 or above.',
        'Criterion "Ordering" no longer gates the bar for senior (was level 3).',
        'Criterion "Ordering" gate for staff: level 3 → 4.',
    ]
    assert texts(old, old) == []


def test_a_stored_revision_without_gates_reads_as_none():
    stored = SimpleNamespace(
        number=1, title="T", scale=SCALE, bar=3.0, intro_md="",
        criteria=[SimpleNamespace(name="Ordering", weight=1.0, auto=None, description_md="",
                                  descriptors={}, signals=[], gate=None)])
    assert RubricSnapshot.of(stored).criteria[0].gate == {}
