"""Coding: Python written in CodeMirror, run against the prompt's public and hidden tests."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from app.kinds.registry import AnswerFormat, Editor, FileProblem, PromptKind, register
from app.vocabulary import AutoScorer


def starter(files: Mapping[str, str]) -> str:
    """The editor starts from the prompt's starter.py."""
    return files.get("starter.py", "")


def check_tests(prompt: Any, rubric: Any) -> Iterator[FileProblem]:
    """Hidden tests to score by, public ones to run, and a rubric criterion they feed."""
    if not any(name.startswith("tests/") for name in prompt.files):
        return  # reported as a missing tests/ folder already
    if not prompt.hidden_tests:
        yield FileProblem(1, "coding prompt has no hidden tests: add tests/test_hidden.py")
    if not prompt.public_tests:
        yield FileProblem(1, "coding prompt has no public tests (tests/test_public*.py) for "
                             "candidates to run", warning=True)
    if rubric is not None and not any(c.auto == AutoScorer.TESTS for c in rubric.criteria):
        yield FileProblem(prompt.lines.get("rubric", 1),
                          f'rubric "{rubric.slug}" has no auto: tests criterion, so the hidden '
                          f'tests will not feed a score', warning=True)


CODING = register(PromptKind(
    name="coding",
    label="Coding",
    editor=Editor.CODE,
    answer_format=AnswerFormat.CODE,
    auto_scorers=frozenset({AutoScorer.TESTS}),
    folder=True,
    required_files=("starter.py", "solution.py", "tests/"),
    check_files=check_tests,
    starter=starter,
))
