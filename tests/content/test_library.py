"""The project's own interview library: valid, large enough, covering every competency,
and every coding prompt's solution and starter behave as the format promises."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from app.content.model import Prompt
from app.content.validate import load_content
from app.grading.runner.sandbox import Limits, sandbox_problem
from app.grading.runner.sandbox import run_tests as sandbox_run_tests
from app.grading.scoring import auto_level
from app.kinds import get_kind
from app.kinds.code_review import (
    DIFF,
    MODEL_REVIEW,
    check_review,
    findings_of,
    match,
    sample_reviews,
)
from app.kinds.coding import mutant_kind
from app.kinds.incident import diagnosis_of, evidence_of
from app.kinds.sql import mutant_kind as sql_mutant_kind
from app.kinds.sql import mutants_of as sql_mutants_of
from app.kinds.unified_diff import parse_diff
from tests.support.tools import missing_tool

ROOT = Path(__file__).resolve().parents[2]
CONTENT = load_content(ROOT)
CODING = sorted(slug for slug, p in CONTENT.prompts.items() if p.kind == "coding")
# A worker's limits, with room for a loaded machine running the suite.
LIBRARY_LIMITS = Limits(wall_seconds=120, cpu_seconds=60)


def test_the_library_loads_without_errors_or_warnings():
    assert [str(p) for p in CONTENT.problems] == []


def test_the_library_is_as_large_as_promised():
    kinds = Counter(p.kind for p in CONTENT.prompts.values())
    assert len(CONTENT.competencies) >= 12
    assert kinds["system-design"] >= 16
    assert kinds["coding"] >= 8
    assert {p.level for p in CONTENT.prompts.values()} == {"mid", "senior", "staff"}
    assert all(p.status == "published" for p in CONTENT.prompts.values())


def test_every_competency_is_exercised_by_at_least_two_prompts():
    covered = Counter(slug for p in CONTENT.prompts.values() for slug in set(p.competencies))
    thin = {slug: covered[slug] for slug in CONTENT.competencies if covered[slug] < 2}
    assert thin == {}


def test_every_competency_has_keywords_and_a_description():
    for competency in CONTENT.competencies.values():
        assert len(competency.keywords) >= 5, competency.slug
        assert len(competency.description) >= 80, competency.slug


def test_the_roles_responsibilities_are_written_and_link_every_competency():
    responsibilities = CONTENT.responsibilities
    assert 15 <= len(responsibilities) <= 25
    linked = {slug for r in responsibilities.values() for slug in r.competencies}
    assert sorted(set(CONTENT.competencies) - linked) == [], "competencies no duty calls on"
    for responsibility in responsibilities.values():
        assert len(responsibility.description) >= 200, responsibility.slug
    # The known gaps stay visible until prompts of their kind exist.
    assert {s for s, r in responsibilities.items() if not r.prompts} >= {
        "design-reviews", "mentoring"}
    assert {"cache-race-review", "orders-query-review", "payment-retry-review"} <= set(
        responsibilities["code-reviews"].prompts)


@pytest.mark.parametrize("slug", sorted(CONTENT.prompts))
def test_every_prompt_gives_hints_follow_ups_and_a_reference(slug):
    prompt = CONTENT.prompts[slug]
    assert len(prompt.hints) >= 3
    assert len(prompt.follow_ups) >= 3
    assert len(prompt.reference.split()) >= 150, "the reference should carry a reviewer"
    assert len(prompt.statement.split()) >= 80


@pytest.mark.parametrize("slug", sorted(CONTENT.rubrics))
def test_every_rubric_has_four_weighted_criteria_with_signals(slug):
    rubric = CONTENT.rubrics[slug]
    assert len(rubric.criteria) >= 4
    for criterion in rubric.criteria:
        assert criterion.weight > 0
        assert criterion.signals or criterion.auto == "tests", criterion.name
        assert set(criterion.descriptors) == set(rubric.scale), criterion.name


@pytest.mark.parametrize("slug", sorted(CONTENT.rubrics))
def test_every_rubric_states_its_bar_for_each_target_level(slug):
    # One convention across the library: a map with every level, rising with it,
    # so no rubric's bar for a level silently falls back to the default.
    rubric = CONTENT.rubrics[slug]
    assert isinstance(rubric.bar, dict), "write bar: {mid: ..., senior: ..., staff: ...}"
    assert list(rubric.bar) == ["mid", "senior", "staff"]
    assert rubric.bar["mid"] <= rubric.bar["senior"] <= rubric.bar["staff"]


DESIGN_RUBRICS = sorted({p.rubric for p in CONTENT.prompts.values() if p.kind == "system-design"})


@pytest.mark.parametrize("slug", DESIGN_RUBRICS)
def test_every_system_design_rubric_ends_with_communication_and_driving_the_session(slug):
    last = CONTENT.rubrics[slug].criteria[-1]
    assert last.name == "Communication and driving the session"
    assert (last.weight, last.auto) == (1.0, None)  # evidence by signals, scored by a person
    assert last.signals
    others = [c.name for c in CONTENT.rubrics[slug].criteria[:-1]]
    assert last.name not in others


def run_tests(prompt: Prompt, code: str, test_files: dict[str, str]) -> dict[str, Counter]:
    """Run ``test_files`` against ``code`` exactly as a worker runs a candidate's code
    (judge and subject in their sandboxes); return, per test file, how many tests
    passed, failed, errored and were skipped."""
    problem = sandbox_problem()
    if problem:
        missing_tool(problem)
    result = sandbox_run_tests(code, test_files, limits=LIBRARY_LIMITS)
    assert result.tests, f"{prompt.slug}: {result.verdict}: {result.detail}\n{result.log}"
    results: dict[str, Counter] = {}
    for test in result.tests:
        results.setdefault(test.file, Counter())[test.outcome] += 1
    return results


@pytest.mark.parametrize("slug", CODING)
def test_the_solution_passes_every_test(slug):
    prompt = CONTENT.prompts[slug]
    tests = {**prompt.public_tests, **prompt.hidden_tests}
    results = run_tests(prompt, prompt.files["solution.py"], tests)
    total = sum(results.values(), Counter())
    assert total["failed"] == total["error"] == total["skipped"] == 0, results
    hidden = sum((c for name, c in results.items() if not name.startswith("test_public")),
                 Counter())
    assert hidden["passed"] >= 8, "a coding prompt needs at least 8 hidden tests"
    assert total["passed"] > hidden["passed"], "and some public tests"


@pytest.mark.parametrize("slug", CODING)
def test_the_starter_fails_at_least_one_hidden_test(slug):
    prompt = CONTENT.prompts[slug]
    results = run_tests(prompt, prompt.files["starter.py"], prompt.hidden_tests)
    total = sum(results.values(), Counter())
    assert total["failed"] + total["error"] >= 1, results


MUTANTS = [(slug, path) for slug in CODING for path in sorted(CONTENT.prompts[slug].mutants)]


@pytest.mark.parametrize("slug", CODING)
def test_every_coding_prompt_has_four_mutants_of_three_kinds(slug):
    mutants = CONTENT.prompts[slug].mutants
    kinds = {path: mutant_kind(text) for path, text in mutants.items()}
    assert len(kinds) >= 4, f"{slug} has {len(kinds)} mutants; a coding prompt needs 4"
    assert len(set(kinds.values())) >= 3, f"{slug}'s mutants are of fewer than 3 kinds: {kinds}"


@pytest.mark.parametrize(("slug", "mutant"), MUTANTS, ids=[f"{s}/{m}" for s, m in MUTANTS])
def test_every_mutant_fails_at_least_one_hidden_test(slug, mutant):
    prompt = CONTENT.prompts[slug]
    results = run_tests(prompt, prompt.files[mutant], prompt.hidden_tests)
    total = sum(results.values(), Counter())
    assert total["failed"] + total["error"] >= 1, f"{mutant} passes every hidden test: {results}"


# Code reviews: the planted findings suggest a level; busy reviews must not earn one.

REVIEWS = sorted(slug for slug, p in CONTENT.prompts.items() if p.kind == "code-review")
SAMPLES = [(slug, path) for slug in REVIEWS
           for path in sample_reviews(CONTENT.prompts[slug].files) if path != MODEL_REVIEW]


def suggested_level(slug: str, path: str) -> tuple[int, int, list[str]]:
    """The level a sample review of ``slug`` is suggested, the scale's top, and why."""
    prompt = CONTENT.prompts[slug]
    rubric = CONTENT.rubrics[prompt.rubric]
    review = check_review(prompt.files[path], parse_diff(prompt.files[DIFF]))
    found = match(review, findings_of(prompt.files))
    lo, hi = min(rubric.scale), max(rubric.scale)
    return auto_level(found.share, lo, hi), hi, found.reasons


def test_the_library_has_three_code_review_prompts():
    assert len(REVIEWS) >= 3, REVIEWS


@pytest.mark.parametrize("slug", REVIEWS)
def test_every_code_review_prompt_has_a_model_review_and_five_mutants(slug):
    prompt = CONTENT.prompts[slug]
    rubric = CONTENT.rubrics[prompt.rubric]
    assert [c.auto for c in rubric.criteria].count("findings") == 1
    mutants = [p for p in sample_reviews(prompt.files) if p != MODEL_REVIEW]
    assert MODEL_REVIEW in prompt.files and len(mutants) >= 5, mutants
    assert len(findings_of(prompt.files)) >= 3


@pytest.mark.parametrize("slug", REVIEWS)
def test_the_model_review_earns_the_top_level(slug):
    level, top, reasons = suggested_level(slug, MODEL_REVIEW)
    assert level == top, reasons


@pytest.mark.parametrize(("slug", "mutant"), SAMPLES, ids=[f"{s}/{m}" for s, m in SAMPLES])
def test_every_mutant_review_scores_at_most_level_2(slug, mutant):
    level, _, reasons = suggested_level(slug, mutant)
    assert level <= 2, reasons


# SQL prompts: the reference answer passes, the starter and every mutant fail a hidden test.

SQL = sorted(slug for slug, p in CONTENT.prompts.items() if p.kind == "sql")
SQL_MUTANTS = [(slug, path) for slug in SQL
               for path in sorted(sql_mutants_of(CONTENT.prompts[slug].files))]


def run_sql(prompt: Prompt, answer: str, test_files: dict[str, str]) -> dict[str, Counter]:
    """Run ``test_files`` against an SQL ``answer`` exactly as a worker runs one."""
    kind = get_kind("sql")
    return run_tests(prompt, kind.subject_code(answer, prompt.files),
                     {**test_files, **kind.judge_files(prompt.files)})


def test_there_are_two_sql_prompts_with_a_tests_criterion():
    assert len(SQL) >= 2
    for slug in SQL:
        rubric = CONTENT.rubrics[CONTENT.prompts[slug].rubric]
        assert [c.auto for c in rubric.criteria].count("tests") == 1, slug


@pytest.mark.parametrize("slug", SQL)
def test_the_sql_solution_passes_every_test(slug):
    prompt = CONTENT.prompts[slug]
    results = run_sql(prompt, prompt.files["solution.sql"],
                      {**prompt.public_tests, **prompt.hidden_tests})
    total = sum(results.values(), Counter())
    assert total["failed"] == total["error"] == total["skipped"] == 0, results
    hidden = results["test_hidden"]["passed"]
    assert hidden >= 8 and total["passed"] > hidden, results


@pytest.mark.parametrize("slug", SQL)
def test_the_sql_starter_fails_at_least_one_hidden_test(slug):
    prompt = CONTENT.prompts[slug]
    total = sum(run_sql(prompt, prompt.files["starter.sql"], prompt.hidden_tests).values(),
                Counter())
    assert total["failed"] + total["error"] >= 1, total


@pytest.mark.parametrize("slug", SQL)
def test_every_sql_prompt_has_four_mutants_of_three_kinds(slug):
    mutants = sql_mutants_of(CONTENT.prompts[slug].files)
    kinds = {path: sql_mutant_kind(text) for path, text in mutants.items()}
    assert len(kinds) >= 4 and len(set(kinds.values())) >= 3, kinds


@pytest.mark.parametrize(("slug", "mutant"), SQL_MUTANTS, ids=[f"{s}/{m}" for s, m in SQL_MUTANTS])
def test_every_sql_mutant_fails_at_least_one_hidden_test(slug, mutant):
    prompt = CONTENT.prompts[slug]
    results = run_sql(prompt, prompt.files[mutant], prompt.hidden_tests)
    total = sum(results.values(), Counter())
    assert total["failed"] + total["error"] >= 1, f"{mutant} passes every hidden test: {results}"


# Incidents: the diagnosis names real evidence, and the scorer separates a sound
# investigation from one that follows the red herrings.

INCIDENTS = sorted(slug for slug, p in CONTENT.prompts.items() if p.kind == "incident")


def test_the_library_has_the_two_incident_prompts():
    assert INCIDENTS == ["checkout-latency-incident", "reservation-retry-storm"]


@pytest.mark.parametrize("slug", INCIDENTS)
def test_every_diagnosis_key_is_an_evidence_file_and_every_rubric_scores_evidence(slug):
    prompt = CONTENT.prompts[slug]
    items = evidence_of(prompt.files)
    assert 5 <= len(items) <= 8
    diagnosis = diagnosis_of(prompt.files)
    named = [clue.key for clue in (*diagnosis.key, *diagnosis.herrings)]
    assert {f"evidence/{key}.md" for key in named} <= set(prompt.files)
    assert diagnosis.herrings, "an incident without a red herring tests nothing"
    assert [c.auto for c in CONTENT.rubrics[prompt.rubric].criteria].count("evidence") == 1
    # Every type of item a reviewer expects in an incident is there.
    assert {"metrics", "deploys"} <= {item.type for item in items}


@pytest.mark.parametrize("slug", INCIDENTS)
def test_citing_the_key_evidence_earns_the_top_level_and_the_herrings_the_bottom(slug):
    prompt = CONTENT.prompts[slug]
    rubric = CONTENT.rubrics[prompt.rubric]
    lo, hi = min(rubric.scale), max(rubric.scale)
    diagnosis = diagnosis_of(prompt.files)
    every = [item.key for item in evidence_of(prompt.files)]
    sound = " ".join([*(f"[evidence: {c.key}]" for c in diagnosis.key),
                      *(f"[ruled out: {c.key}]" for c in diagnosis.herrings)])
    found = get_kind("incident").answer_score(sound, prompt.files, revealed=every)
    assert auto_level(found.share, lo, hi) == hi, found.reasons
    misled = " ".join(f"[evidence: {c.key}]" for c in diagnosis.herrings)
    found = get_kind("incident").answer_score(misled, prompt.files, revealed=every)
    assert auto_level(found.share, lo, hi) == lo, found.reasons
