"""SQL: queries, indexes or a schema change, run against a seeded SQLite database in the sandbox.

A prompt is a folder: ``schema.sql`` and ``seed.sql`` build the database,
``starter.sql`` is the editor's first text, ``solution.sql`` the reference
answer, ``tests/`` the public and hidden tests and ``mutants/*.sql`` wrong
answers the hidden tests must fail. An answer is a script in named steps
(``-- step: <name>`` lines) that the tests run one by one.

A run is a coding run (docs/sandbox.md): the subject imports a module that
holds the answer as a string and runs it with ``sqlite3`` under guards
(``sql_run/subject_side.py``); the judge's tests reach that database over the
bridge through the ``sql`` fixture (``sql_run/judge_side.py``). The answer is
only ever executed in the subject's process.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from app.kinds.coding import check_test_files
from app.kinds.registry import AnswerFormat, Editor, FileProblem, PromptKind, register
from app.kinds.sql_run.subject_side import AnswerError, split_statements, split_steps
from app.vocabulary import AutoScorer, MutantKind

SCHEMA, SEED, STARTER, SOLUTION = "schema.sql", "seed.sql", "starter.sql", "solution.sql"
MUTANTS = "mutants/"
_MUTANT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\.sql")
_MUTANT_LINE = re.compile(r"--\s*([a-z-]+)\s*:\s*(\S.*)")
_KINDS = ", ".join(MutantKind)
_RUN_FILES = Path(__file__).parent / "sql_run"


def starter(files: Mapping[str, str]) -> str:
    """The editor starts from the prompt's starter.sql."""
    return files.get(STARTER, "")


def subject_module(body: str, files: Mapping[str, str]) -> str:
    """The module the subject imports as ``solution``: the runner, then the schema, the
    seed and the answer as string literals (``repr`` of a str is always a literal, so no
    answer can become code)."""
    source = (_RUN_FILES / "subject_side.py").read_text()
    return (f"{source}\n\nSCHEMA = {files.get(SCHEMA, '')!r}\nSEED = {files.get(SEED, '')!r}\n"
            f"ANSWER = {body!r}\n")


def judge_files(files: Mapping[str, str]) -> dict[str, str]:
    """The judge's ``conftest.py``: the ``sql`` fixture, with the schema and the seed."""
    source = (_RUN_FILES / "judge_side.py").read_text()
    return {"tests/conftest.py": f"{source}\n\nSCHEMA = {files.get(SCHEMA, '')!r}\n"
                                 f"SEED = {files.get(SEED, '')!r}\n"}


def view(files: Mapping[str, str]) -> dict[str, str]:
    """What the workspace shows beside the statement: the schema the answer runs against."""
    return {"schema": files.get(SCHEMA, "")}


class _AnyParameter(dict):
    """Named parameters for compiling an author's script: every name is bound, to NULL."""

    def __missing__(self, key: str) -> None:
        return None


def _run_script(connection: sqlite3.Connection, path: str, text: str,
                statements: list[tuple[int, str]], *, explain: bool = False
                ) -> Iterator[FileProblem]:
    """Each statement that fails on ``connection``, at its line; ``explain`` compiles only."""
    for line, statement in statements:
        try:
            connection.execute(("EXPLAIN " if explain else "") + statement, _AnyParameter())
        except (sqlite3.Error, sqlite3.Warning) as error:
            yield FileProblem(line, f"statement fails: {error}", path=path)


def _schema_database(files: Mapping[str, str]) -> tuple[sqlite3.Connection, list[FileProblem]]:
    """An empty database with the prompt's schema, and the schema's and seed's problems.

    The seed is compiled (EXPLAIN), not run: it may build hundreds of thousands of rows,
    which the tests do in the sandbox.
    """
    connection = sqlite3.connect(":memory:", isolation_level=None)
    problems = list(_run_script(connection, SCHEMA, files.get(SCHEMA, ""),
                                split_statements(files.get(SCHEMA, ""))))
    problems += _run_script(connection, SEED, files.get(SEED, ""),
                            split_statements(files.get(SEED, "")), explain=True)
    return connection, problems


def check_answer_file(files: Mapping[str, str], path: str) -> Iterator[FileProblem]:
    """An author's answer (starter, solution or mutant): named steps whose statements run on
    the empty schema, in order (DDL of one step makes the next one's statements valid)."""
    text = files[path]
    problems = list(_check_steps(path, text))
    yield from problems
    if problems:
        return
    steps = split_steps(text)
    connection, _ = _schema_database(files)
    with connection:
        for _, _, statements in steps:
            yield from _run_script(connection, path, text, statements)
    connection.close()


def _check_steps(path: str, text: str) -> Iterator[FileProblem]:
    """The script splits into named steps (a starter may have none yet)."""
    try:
        steps = split_steps(text)
    except AnswerError as error:
        where = re.match(r"line (\d+): (.*)", str(error))
        yield FileProblem(int(where.group(1)) if where else 1,
                          where.group(2) if where else str(error), path=path)
        return
    if not steps and path != STARTER:
        yield FileProblem(1, "no '-- step: <name>' line: an answer is a script in named steps",
                          path=path)


def check_mutant(path: str, text: str) -> Iterator[FileProblem]:
    """A mutant is mutants/<name>.sql whose first line is ``-- <kind>: <what is wrong>``."""
    if not _MUTANT_NAME.fullmatch(path.removeprefix(MUTANTS)):
        yield FileProblem(1, "a mutant is mutants/<name>.sql, the name in lowercase letters, "
                             "digits, hyphens and underscores", path=path)
        return
    first = text.splitlines()[0].strip() if text.strip() else ""
    found = _MUTANT_LINE.fullmatch(first)
    if found is None or found.group(1) not in set(MutantKind):
        yield FileProblem(1, f'a mutant\'s first line must be "-- <kind>: <what is wrong>", '
                             f'the kind one of {_KINDS}; got "{first[:60]}"', path=path)


def mutant_kind(text: str) -> MutantKind:
    """The kind a valid mutant's first line names."""
    found = _MUTANT_LINE.fullmatch(text.splitlines()[0].strip())
    return MutantKind(found.group(1)) if found else MutantKind.CONTRACT


def mutants_of(files: Mapping[str, str]) -> dict[str, str]:
    """The prompt's mutants, by path."""
    return {path: text for path, text in files.items()
            if path.startswith(MUTANTS) and path.endswith(".sql")}


def check_files(prompt: Any, rubric: Any) -> Iterator[FileProblem]:
    """The schema and seed run, every answer file's steps run on them, tests and mutants."""
    files = prompt.files
    if SCHEMA in files and SEED in files:
        connection, problems = _schema_database(files)
        connection.close()
        yield from problems
        if not problems:
            for path in (STARTER, SOLUTION):
                if path in files:
                    yield from check_answer_file(files, path)
    yield from check_test_files(prompt, rubric, "SQL")
    # A mutant's steps are only parsed: some fail when run, which is their mistake.
    for path in sorted(p for p in files if p.startswith(MUTANTS)):
        yield from check_mutant(path, files[path])
        yield from _check_steps(path, files[path])


SQL = register(PromptKind(
    name="sql",
    label="SQL",
    editor=Editor.CODE,
    answer_format=AnswerFormat.CODE,
    auto_scorers=frozenset({AutoScorer.TESTS}),
    folder=True,
    required_files=(SCHEMA, SEED, STARTER, SOLUTION, "tests/"),
    check_files=check_files,
    starter=starter,
    view=view,
    subject_code=subject_module,
    judge_files=judge_files,
))
