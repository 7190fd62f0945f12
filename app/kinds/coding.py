"""Coding: Python written in CodeMirror, run against the prompt's public and hidden tests."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from typing import Any

from app.kinds.registry import AnswerFormat, Editor, FileProblem, PromptKind, register
from app.vocabulary import AutoScorer, MutantKind

MUTANTS = "mutants/"
_MUTANT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\.py")
_KINDS = ", ".join(MutantKind)


def starter(files: Mapping[str, str]) -> str:
    """The editor starts from the prompt's starter.py."""
    return files.get("starter.py", "")


def check_tests(prompt: Any, rubric: Any) -> Iterator[FileProblem]:
    """Hidden tests to score by, public ones to run, and a rubric criterion they feed."""
    if not any(name.startswith("tests/") for name in prompt.files):
        return  # reported as a missing tests/ folder already
    yield from check_test_files(prompt, rubric, "coding")
    for path in sorted(p for p in prompt.files if p.startswith(MUTANTS)):
        yield from check_mutant(path, prompt.files[path])


def check_test_files(prompt: Any, rubric: Any, label: str) -> Iterator[FileProblem]:
    """For a kind whose answers run tests (``label`` names it in messages): hidden tests to
    score by and public ones to run, when it has a tests/ folder, and a rubric criterion
    the hidden tests feed."""
    if any(name.startswith("tests/") for name in prompt.files):
        if not prompt.hidden_tests:
            yield FileProblem(1, f"{label} prompt has no hidden tests: add "
                                 f"tests/test_hidden.py")
        if not prompt.public_tests:
            yield FileProblem(1, f"{label} prompt has no public tests (tests/test_public*.py) "
                                 f"for candidates to run", warning=True)
    if rubric is not None and not any(c.auto == AutoScorer.TESTS for c in rubric.criteria):
        yield FileProblem(prompt.lines.get("rubric", 1),
                          f'rubric "{rubric.slug}" has no auto: tests criterion, so the hidden '
                          f'tests will not feed a score', warning=True)


def check_mutant(path: str, text: str) -> Iterator[FileProblem]:
    """A mutant is Python whose docstring's first line is ``<kind>: <what is wrong>``."""
    if not _MUTANT_NAME.fullmatch(path.removeprefix(MUTANTS)):
        yield FileProblem(1, "a mutant is mutants/<name>.py, the name in lowercase letters, "
                             "digits, hyphens and underscores", path=path)
        return
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as error:
        yield FileProblem(error.lineno or 1, f"mutant is not valid Python: {error.msg}",
                          path=path)
        return
    docstring = ast.get_docstring(tree, clean=True)
    if not docstring:
        yield FileProblem(1, f'mutant has no docstring: start the file with """<kind>: <what '
                             f'is wrong>""", the kind one of {_KINDS}', path=path)
        return
    kind, colon, what = docstring.splitlines()[0].partition(":")
    if not colon or kind.strip() not in set(MutantKind) or not what.strip():
        yield FileProblem(tree.body[0].lineno, f'mutant docstring must start "<kind>: <what is '
                                               f'wrong>", the kind one of {_KINDS}; got '
                                               f'"{docstring.splitlines()[0][:60]}"', path=path)


def mutant_kind(text: str) -> MutantKind:
    """The kind a valid mutant's docstring names."""
    docstring = ast.get_docstring(ast.parse(text)) or ""
    return MutantKind(docstring.partition(":")[0].strip())


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
