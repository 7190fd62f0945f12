"""Every rubric keeps the knock-outs its text promises: each gate, and the named cases
from the rubrics' own words, decide the bar in the arithmetic the scorer uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.model import Rubric
from app.content.validate import load_content
from app.grading.scoring import CriterionLevel, GateMissed, Score, score
from app.vocabulary import LEVELS

ROOT = Path(__file__).resolve().parents[2]
CONTENT = load_content(ROOT)
GATES = [(slug, criterion.name, target)
         for slug, rubric in sorted(CONTENT.rubrics.items())
         for criterion in rubric.criteria
         for target in criterion.gate]


def judge(rubric: Rubric, target: str, levels: dict[str, int]) -> Score:
    """Score ``rubric`` at ``target`` with the scale's top level except for ``levels``."""
    top = max(rubric.scale)
    assert set(levels) <= {c.name for c in rubric.criteria}, "unknown criterion"
    return score([CriterionLevel(c.name, c.weight, levels.get(c.name, top),
                                 c.gate.get(target)) for c in rubric.criteria],
                 rubric.bar_for(target))


def criterion_named(rubric: Rubric, start: str) -> str:
    """The one criterion whose name starts with ``start`` (names may gain words)."""
    found = [c.name for c in rubric.criteria if c.name.lower().startswith(start.lower())]
    assert len(found) == 1, (rubric.slug, start, found)
    return found[0]


def test_the_library_has_gates_to_test():
    assert len({slug for slug, _, _ in GATES}) >= 5


@pytest.mark.parametrize(("slug", "name", "target"), GATES)
def test_one_level_below_a_gate_misses_the_bar_with_the_rest_at_the_top(slug, name, target):
    rubric = CONTENT.rubrics[slug]
    required = next(c for c in rubric.criteria if c.name == name).gate[target]
    below = judge(rubric, target, {name: required - 1})
    assert below.meets_bar is False
    assert below.gates_missed == (GateMissed(name, required, required - 1),)
    assert f"{name} is at level {required - 1}; the bar needs at least {required}." \
        in below.reasons
    at_gate = judge(rubric, target, {name: required})
    assert at_gate.meets_bar is True, at_gate


@pytest.mark.parametrize("target", LEVELS)
def test_feature_flags_without_local_evaluation_misses_the_bar(target):
    rubric = CONTENT.rubrics["feature-flags"]
    name = criterion_named(rubric, "Distribution and caching")
    result = judge(rubric, target, {name: 1})
    if target == CONTENT.prompts["feature-flags"].level:
        assert result.mean >= rubric.bar_for(target)  # the mean alone would have passed it
    assert result.meets_bar is False
    assert [g.criterion for g in result.gates_missed] == [name]


@pytest.mark.parametrize("target", LEVELS)
def test_feature_flags_without_deterministic_bucketing_misses_the_bar(target):
    rubric = CONTENT.rubrics["feature-flags"]
    name = criterion_named(rubric, "Evaluation semantics")
    result = judge(rubric, target, {name: 2})  # "random per request"
    assert result.meets_bar is False
    assert [g.criterion for g in result.gates_missed] == [name]


@pytest.mark.parametrize("target", LEVELS)
def test_chat_ordered_by_timestamps_misses_the_bar(target):
    rubric = CONTENT.rubrics["chat-service"]
    name = criterion_named(rubric, "Ordering")
    assert "timestamps" in next(c for c in rubric.criteria if c.name == name).descriptors[2]
    result = judge(rubric, target, {name: 2})
    if target == CONTENT.prompts["chat-service"].level:
        assert result.mean >= rubric.bar_for(target)
    assert result.meets_bar is False
    assert [g.criterion for g in result.gates_missed] == [name]


@pytest.mark.parametrize("target", LEVELS)
def test_multi_tenant_with_no_answer_on_the_leak_or_residency_misses_the_bar(target):
    rubric = CONTENT.rubrics["multi-tenant-database"]
    name = criterion_named(rubric, "Isolation")
    assert "residency" in next(c for c in rubric.criteria if c.name == name).descriptors[1]
    result = judge(rubric, target, {name: 1})
    if target == CONTENT.prompts["multi-tenant-database"].level:
        assert result.mean >= rubric.bar_for(target)
    assert result.meets_bar is False
    assert [g.criterion for g in result.gates_missed] == [name]


@pytest.mark.parametrize("target", LEVELS)
def test_multi_tenant_with_no_plan_to_get_there_misses_the_bar(target):
    rubric = CONTENT.rubrics["multi-tenant-database"]
    name = criterion_named(rubric, "Migration plan")
    result = judge(rubric, target, {name: 1})  # "a big-bang migration or no plan at all"
    assert result.meets_bar is False
    assert [g.criterion for g in result.gates_missed] == [name]


@pytest.mark.parametrize("target", LEVELS)
def test_a_ledger_that_edits_records_misses_the_bar(target):
    rubric = CONTENT.rubrics["payments-ledger"]
    name = criterion_named(rubric, "Ledger data model")
    assert judge(rubric, target, {name: 2}).meets_bar is False


@pytest.mark.parametrize("target", ["senior", "staff"])
def test_per_request_token_introspection_is_below_the_senior_bar(target):
    rubric = CONTENT.rubrics["public-api-platform"]
    name = criterion_named(rubric, "Authentication")
    assert "auth server on every request" in next(
        c for c in rubric.criteria if c.name == name).descriptors[2]
    assert judge(rubric, target, {name: 2}).meets_bar is False


@pytest.mark.parametrize("target", LEVELS)
def test_an_lru_cache_that_scans_on_every_get_misses_the_bar(target):
    rubric = CONTENT.rubrics["lru-cache-ttl"]
    name = criterion_named(rubric, "Data structures")
    assert "every `get`" in next(c for c in rubric.criteria if c.name == name).descriptors[1]
    assert judge(rubric, target, {name: 1}).meets_bar is False
