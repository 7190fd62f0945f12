"""The project's own interview library: valid, large enough, covering every competency,
and every coding prompt's solution and starter behave as the format promises."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

import pytest

from app.content.model import Prompt
from app.content.validate import load_content

ROOT = Path(__file__).resolve().parents[2]
CONTENT = load_content(ROOT)
CODING = sorted(slug for slug, p in CONTENT.prompts.items() if p.kind == "coding")
RUN_TIMEOUT = 120  # seconds for one pytest run of one prompt's tests


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


def run_tests(prompt: Prompt, code: str, test_files: dict[str, str]) -> dict[str, Counter]:
    """Run pytest on ``code`` (as the module ``solution``) in a fresh folder and subprocess;
    return, per test file, how many tests passed, failed and errored."""
    with tempfile.TemporaryDirectory(prefix=f"archboard-{prompt.slug}-") as tmp:
        folder = Path(tmp)
        (folder / "solution.py").write_text(code)
        (folder / "pytest.ini").write_text("[pytest]\n")
        for name, text in test_files.items():
            (folder / Path(name).name).write_text(text)
        report = folder / "report.xml"
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", tmp,
             f"--junitxml={report}", *sorted(Path(n).name for n in test_files)],
            cwd=tmp, capture_output=True, text=True, timeout=RUN_TIMEOUT,
            env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
        )
        assert report.exists(), completed.stdout + completed.stderr
        results: dict[str, Counter] = {}
        # The report was just written by the pytest run above, not by an outsider.
        for case in ElementTree.parse(report).iter("testcase"):  # noqa: S314
            outcome = "passed"
            if case.find("failure") is not None:
                outcome = "failed"
            elif case.find("error") is not None:
                outcome = "error"
            elif case.find("skipped") is not None:
                outcome = "skipped"
            results.setdefault(case.get("classname", ""), Counter())[outcome] += 1
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
