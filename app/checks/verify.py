"""What Verify checks for each kind, over a prompt's files: the rules the library's own
tests hold every prompt to (tests/content/test_library.py), one result per file.

- coding and SQL: the solution passes every visible and hidden test; the starter
  fails at least one hidden test; each mutant fails at least one hidden test.
  Code runs in the sandbox, exactly as a worker runs a candidate's code.
- code review: the model review earns the rubric's top level; each sample
  review earns level 2 at most (no code runs).
- incident: an answer citing the diagnosis's key evidence and ruling out its
  red herrings earns the top level; one citing the herrings earns the bottom
  (no code runs).
- any other kind: nothing to run.

Pure code: no Flask and no database; ``verify`` takes the parsed prompt and rubric.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass

from app.content.model import Prompt, Rubric
from app.grading.runner.sandbox import Limits, RunResult, run_tests
from app.grading.scoring import auto_level
from app.kinds import get_kind, kind_names
from app.kinds.code_review import DIFF, MODEL_REVIEW, check_review, findings_of, match
from app.kinds.code_review import sample_reviews as review_samples
from app.kinds.incident import DIAGNOSIS, diagnosis_of, evidence_of
from app.kinds.registry import PromptKind
from app.kinds.unified_diff import parse_diff
from app.vocabulary import AutoScorer

# What Verify can check, by the scorer a kind's answers are suggested a level by.
VERIFIED_SCORERS = frozenset({AutoScorer.TESTS, AutoScorer.FINDINGS, AutoScorer.EVIDENCE})
# The most a sample (deliberately weak) review may earn on the rubric's scale.
SAMPLE_REVIEW_MOST = 2
MUTANTS = "mutants/"


def verifiable(kind: PromptKind) -> bool:
    """Whether Verify has something to check for prompts of ``kind``."""
    return bool(kind.auto_scorers & VERIFIED_SCORERS)


def verifiable_kind(name: str) -> bool:
    """``verifiable`` by the kind's name; False for a name no kind has (a broken file)."""
    return name in kind_names() and verifiable(get_kind(name))


@dataclass(frozen=True)
class FileResult:
    """One file's verdict: its path inside the prompt folder, its role, and why."""

    file: str
    role: str  # solution, starter, mutant, model review, sample review, diagnosis
    ok: bool
    why: str

    def as_json(self) -> dict:
        return asdict(self)


Runner = Callable[[str, dict[str, str]], RunResult]


def _outcomes(result: RunResult, hidden: set[str] | None = None) -> Counter:
    counts: Counter = Counter()
    for test in result.tests:
        if hidden is None or test.file in hidden:
            counts[test.outcome] += 1
    return counts


def _failing(result: RunResult, most: int = 3) -> str:
    names = [t.name for t in result.tests if t.outcome in ("failed", "error")]
    shown = ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most
                                       else "")
    return shown


def _top_file(files: dict[str, str], stem: str) -> str | None:
    """The prompt folder's ``<stem>.<ext>`` (solution.py, starter.sql, ...), if any."""
    return next((p for p in sorted(files) if "/" not in p and p.split(".")[0] == stem), None)


def _code_results(prompt: Prompt, kind: PromptKind, run: Runner) -> list[FileResult]:
    files = prompt.files
    public, hidden = prompt.public_tests, prompt.hidden_tests
    judge = kind.judge_files(files)

    def subject(text: str) -> str:
        return kind.subject_code(text, files) if kind.subject_code else text

    results: list[FileResult] = []
    solution = _top_file(files, "solution")
    if solution is not None:
        ran = run(subject(files[solution]), {**public, **hidden, **judge})
        counts = _outcomes(ran)
        ok = bool(ran.tests) and counts["failed"] == counts["error"] == counts["skipped"] == 0
        if not ran.tests:
            why = f"no test ran ({ran.verdict}): {ran.detail}".strip()
        elif ok:
            why = f"passes all {ran.total} visible and hidden tests"
        else:
            why = f"fails {counts['failed'] + counts['error']} of {ran.total} tests: " \
                  f"{_failing(ran)}"
        results.append(FileResult(solution, "solution", ok, why))

    def must_fail(path: str, role: str) -> FileResult:
        ran = run(subject(files[path]), {**hidden, **judge})
        counts = _outcomes(ran)
        caught = counts["failed"] + counts["error"]
        if not ran.tests:
            return FileResult(path, role, False, f"no test ran ({ran.verdict}): {ran.detail}")
        if caught:
            return FileResult(path, role, True, f"fails {caught} of {ran.total} hidden tests "
                                                f"({_failing(ran)}), as it should")
        advice = ("the starter gives the answer away" if role == "starter"
                  else "add a hidden test that catches it")
        return FileResult(path, role, False, f"passes all {ran.total} hidden tests: {advice}")

    starter = _top_file(files, "starter")
    if starter is not None:
        results.append(must_fail(starter, "starter"))
    for path in sorted(p for p in files if p.startswith(MUTANTS)):
        results.append(must_fail(path, "mutant"))
    return results


def _review_results(prompt: Prompt, rubric: Rubric) -> list[FileResult]:
    lo, hi = min(rubric.scale), max(rubric.scale)
    diff = parse_diff(prompt.files[DIFF])
    findings = findings_of(prompt.files)
    results = []
    for path in review_samples(prompt.files):
        try:
            found = match(check_review(prompt.files[path], diff), findings)
        except ValueError as refused:
            results.append(FileResult(path, "review", False, f"not a valid review: {refused}"))
            continue
        level = auto_level(found.share, lo, hi)
        if path == MODEL_REVIEW:
            ok = level == hi
            why = f"suggested level {level} of {hi}" + ("" if ok else
                                                        f"; the model review should earn {hi}")
            results.append(FileResult(path, "model review", ok, why))
        else:
            ok = level <= SAMPLE_REVIEW_MOST
            why = f"suggested level {level} of {hi}" + (
                "" if ok else f"; a sample review should earn {SAMPLE_REVIEW_MOST} at most")
            results.append(FileResult(path, "sample review", ok, why))
    return results


def _incident_results(prompt: Prompt, rubric: Rubric) -> list[FileResult]:
    lo, hi = min(rubric.scale), max(rubric.scale)
    diagnosis = diagnosis_of(prompt.files)
    every = [item.key for item in evidence_of(prompt.files)]
    kind = get_kind(prompt.kind)
    sound = " ".join([*(f"[evidence: {c.key}]" for c in diagnosis.key),
                      *(f"[ruled out: {c.key}]" for c in diagnosis.herrings)])
    misled = " ".join(f"[evidence: {c.key}]" for c in diagnosis.herrings)
    results = []
    for label, answer, want in (("citing the key evidence", sound, hi),
                                ("following the red herrings", misled, lo)):
        found = kind.answer_score(answer, prompt.files, revealed=every)
        level = auto_level(found.share, lo, hi) if found else lo
        ok = level == want
        results.append(FileResult(DIAGNOSIS, "diagnosis", ok,
                                  f"an answer {label} earns level {level} (expected {want})"))
    return results


def verify(prompt: Prompt, rubric: Rubric | None, *, limits: Limits | None = None,
           unsafe: bool = False) -> tuple[list[FileResult], str]:
    """Check ``prompt``'s files by its kind's rules; the results and a one-line summary.

    Raises ``SandboxUnavailable`` when code must run and the sandbox cannot.
    """
    def run(code: str, tests: dict[str, str]) -> RunResult:
        return run_tests(code, tests, limits=limits, unsafe=unsafe)

    kind = get_kind(prompt.kind)
    if kind.runs_tests:
        results = _code_results(prompt, kind, run)
    elif AutoScorer.FINDINGS in kind.auto_scorers and rubric is not None:
        results = _review_results(prompt, rubric)
    elif AutoScorer.EVIDENCE in kind.auto_scorers and rubric is not None:
        results = _incident_results(prompt, rubric)
    else:
        return [], f"nothing to run for a {kind.label} prompt"
    failed = sum(1 for r in results if not r.ok)
    summary = (f"all {len(results)} checks passed" if not failed
               else f"{failed} of {len(results)} checks failed")
    return results, summary
