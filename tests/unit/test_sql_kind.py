"""The SQL kind: its answers' steps, the content check's lines, the runner's guards against
hostile SQL, and the module that carries an answer into the sandbox as data only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.kinds import get_kind
from app.kinds.sql import judge_files, subject_module
from app.kinds.sql_run import subject_side
from app.kinds.sql_run.subject_side import AnswerError, Refused, split_steps

SCHEMA = """CREATE TABLE t (
    id INTEGER PRIMARY KEY,
    n INTEGER NOT NULL
);
CREATE INDEX t_by_n ON t (n);
"""
SEED = """INSERT INTO t (id, n)
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1000)
SELECT i, i % 10 FROM s;
"""
SOLUTION = """-- plan: nothing to do
-- step: count
SELECT count(*) FROM t WHERE n = :n;
"""
TESTS = {"tests/test_hidden.py": "def test_x(sql):\n    assert sql\n",
         "tests/test_public.py": "def test_y(sql):\n    assert sql\n"}


class Folder:
    """A parsed SQL prompt folder, as the content check reads it."""

    slug = "tiny"
    path = "prompts/tiny/prompt.md"
    is_folder = True

    def __init__(self, **changed: str) -> None:
        self.files = {"schema.sql": SCHEMA, "seed.sql": SEED, "starter.sql": "-- step: count\n",
                      "solution.sql": SOLUTION, **TESTS, **changed}
        self.lines = {"kind": 3, "rubric": 7}

    @property
    def hidden_tests(self) -> dict[str, str]:
        return {p: t for p, t in self.files.items() if p == "tests/test_hidden.py"}

    @property
    def public_tests(self) -> dict[str, str]:
        return {p: t for p, t in self.files.items() if p.startswith("tests/test_public")}


def problems(**changed: str) -> list[tuple[str | None, int, str]]:
    return [(p.path, p.line, p.message) for p in get_kind("sql").check(Folder(**changed))]


# -- steps -------------------------------------------------------------------------


def test_an_answer_splits_into_named_steps_with_each_statements_line():
    steps = split_steps("-- the plan\n\n-- step: expand\nALTER TABLE t ADD COLUMN x;\n"
                        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  SELECT 1;\nEND;\n"
                        "-- step: contract\n-- a comment\nDROP TRIGGER tr;\n")
    assert [(name, line) for name, line, _ in steps] == [("expand", 3), ("contract", 8)]
    assert [line for line, _ in steps[0][2]] == [4, 5]
    assert steps[0][2][1][1].endswith("END;")  # a trigger's body is one statement
    assert steps[1][2] == [(10, "DROP TRIGGER tr;")]


def test_an_answer_posted_by_a_form_with_crlf_line_ends_splits_the_same():
    text = "-- step: indexes\nCREATE INDEX i ON t (n);\n-- step: report\nSELECT 1;\n"
    assert split_steps(text.replace("\n", "\r\n")) == split_steps(text)


@pytest.mark.parametrize(("text", "message"), [
    ("SELECT 1;\n-- step: a\nSELECT 2;\n", "line 1: a statement before the first"),
    ("-- step: a\nSELECT 1;\n-- step: a\nSELECT 2;\n", "line 3: the step 'a' is named twice"),
    ("-- step: Big Step\nSELECT 1;\n", "line 1: a step's name is lowercase"),
])
def test_a_malformed_answer_is_refused_at_its_line(text, message):
    with pytest.raises(AnswerError, match=message):
        split_steps(text)


# -- the content check ---------------------------------------------------------------


def test_a_well_formed_folder_has_no_problems():
    assert problems() == []


def test_a_schema_statement_that_fails_is_reported_at_its_line():
    broken = SCHEMA.replace("CREATE INDEX t_by_n ON t (n);", "CREATE INDEX t_by_n ON t (m);")
    assert problems(**{"schema.sql": broken}) == [
        ("schema.sql", 5, "statement fails: no such column: m")]


def test_a_seed_statement_that_fails_is_reported_at_its_line_without_running_it():
    broken = "-- the rows\n\n" + SEED.replace("INSERT INTO t", "INSERT INTO missing")
    assert problems(**{"seed.sql": broken}) == [
        ("seed.sql", 3, "statement fails: no such table: missing")]


def test_a_solution_statement_that_fails_is_reported_at_its_line():
    broken = SOLUTION + "\n-- step: more\nSELECT missing FROM t;\n"
    assert problems(**{"solution.sql": broken}) == [
        ("solution.sql", 6, "statement fails: no such column: missing")]


def test_a_solution_without_steps_is_an_error():
    assert problems(**{"solution.sql": "SELECT 1;\n"}) == [
        ("solution.sql", 1, "a statement before the first '-- step: <name>' line")]


@pytest.mark.parametrize(("path", "text", "message"), [
    ("mutants/no-kind.sql", "-- step: count\nSELECT 1;\n", 'first line must be "-- <kind>'),
    ("mutants/bad-kind.sql", "-- sloppy: wrong\n-- step: count\nSELECT 1;\n",
     'got "-- sloppy: wrong"'),
    ("mutants/Bad Name.sql", "-- contract: x\n-- step: a\nSELECT 1;\n", "a mutant is mutants/"),
])
def test_a_mutant_needs_a_known_kind_on_its_first_line(path, text, message):
    found = problems(**{path: text})
    assert len(found) == 1 and found[0][:2] == (path, 1) and message in found[0][2], found


def test_a_mutant_that_fails_when_run_is_not_a_content_error():
    # Dropping a column a trigger uses fails: a mutant may make exactly that mistake.
    assert problems(**{"mutants/wrong.sql": "-- state: drops a missing table\n"
                                            "-- step: count\nDROP TABLE nothing;\n"}) == []


def test_missing_files_and_hidden_tests_are_reported():
    folder = Folder()
    del folder.files["seed.sql"], folder.files["tests/test_hidden.py"]
    found = [(p.line, p.message) for p in get_kind("sql").check(folder)]
    assert (1, "sql prompt has no seed.sql") in found
    assert (1, "SQL prompt has no hidden tests: add tests/test_hidden.py") in found


# -- what reaches the sandbox ------------------------------------------------------------


HOSTILE = '"""\'\'\'\nimport os\nos._exit(0)\n\\x00 """ + __import__("os").getcwd()'


def test_an_answer_reaches_the_subject_as_a_string_literal_only():
    module = subject_module(HOSTILE, Folder().files)
    tree = ast.parse(module)
    assigned = {node.targets[0].id: node.value for node in tree.body
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)}
    assert isinstance(assigned["ANSWER"], ast.Constant)
    assert assigned["ANSWER"].value == HOSTILE
    # Nothing but the runner's own code and the three literals: no statement came from it.
    runner = ast.parse(Path(subject_side.__file__).read_text())
    assert len(tree.body) == len(runner.body) + 3


def test_the_judge_gets_the_fixture_and_the_tests_but_never_the_solution_or_mutants():
    files = {**Folder().files, "mutants/x.sql": "-- contract: x\n"}
    sent = get_kind("sql").test_files(files, public=False)
    assert set(sent) == {"tests/test_hidden.py", "tests/conftest.py"}
    assert sent["tests/conftest.py"] == judge_files(files)["tests/conftest.py"]
    assert SOLUTION not in sent["tests/conftest.py"]


# -- the runner's guards (the subject's side, run here on the test's own SQL) -------------


@pytest.fixture
def database(monkeypatch):
    monkeypatch.setattr(subject_side, "SCHEMA", SCHEMA)
    monkeypatch.setattr(subject_side, "SEED", SEED)
    monkeypatch.setattr(subject_side, "ANSWER", SOLUTION)
    monkeypatch.setattr(subject_side, "_template", None)
    return subject_side.fresh()


@pytest.mark.parametrize(("statement", "refusal"), [
    ("ATTACH DATABASE '/tmp/other.db' AS other", "ATTACH, DETACH and VACUUM INTO"),
    ("VACUUM INTO '/tmp/copy.db'", "ATTACH, DETACH and VACUUM INTO"),
    ("SELECT load_extension('/tmp/evil.so')", r"load_extension\(\) is not allowed"),
    ("PRAGMA writable_schema = ON", "PRAGMA writable_schema is not allowed"),
    ("PRAGMA journal_mode = WAL", "PRAGMA journal_mode is not allowed"),
    ("PRAGMA hard_heap_limit = 0", "PRAGMA hard_heap_limit is not allowed"),
    ("CREATE VIRTUAL TABLE v USING fts5(x)", "virtual tables are not allowed"),
])
def test_hostile_statements_are_refused(database, statement, refusal):
    with pytest.raises(Refused, match=refusal):
        database.query(statement)


def test_a_runaway_recursive_query_is_stopped_by_its_budget(database, monkeypatch):
    monkeypatch.setattr(subject_side, "STATEMENT_TICKS", 500)
    with pytest.raises(Refused, match="stopped after 500,000 virtual-machine instructions"):
        database.query("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s) "
                       "SELECT count(*) FROM s")


def test_a_query_may_not_hand_back_more_rows_than_the_cap(database):
    with pytest.raises(Refused, match="more than 5000 rows"):
        database.query("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s "
                       "WHERE i < 6000) SELECT i FROM s")


def test_read_only_pragmas_work_and_each_copy_starts_from_the_seed(database):
    assert [row[1] for row in database.query("PRAGMA table_info(t)")] == ["id", "n"]
    database.execute("DELETE FROM t")
    assert subject_side.fresh().query("SELECT count(*) FROM t") == [(1000,)]


def test_a_step_runs_with_its_parameters_and_reports_its_work(database):
    done = database.run_step("count", {"n": 3})
    assert done[0]["rows"] == [(100,)] and done[0]["line"] == 3 and done[0]["work"] >= 0
    plan = database.plan(database.step_query("count"), {"n": 3})
    assert any("USING COVERING INDEX t_by_n" in line for line in plan), plan


def test_a_failing_answer_statement_names_its_step_and_line(monkeypatch, database):
    monkeypatch.setattr(subject_side, "ANSWER", "-- step: bad\n\nSELECT missing FROM t;\n")
    with pytest.raises(AnswerError, match="step bad, line 3: no such column: missing"):
        subject_side.fresh().run_step("bad")

