"""An SQL answer runs in the subject's sandbox, under its guards, and cannot forge the verdict.

Every case runs for real under bubblewrap, as the worker runs an SQL prompt's tests.
"""

from __future__ import annotations

import textwrap

import pytest

from app.grading.runner.sandbox import Limits, RunResult, run_tests, sandbox_problem
from app.kinds import get_kind
from tests.support.tools import missing_tool

LIMITS = Limits(wall_seconds=60, cpu_seconds=20)
FILES = {
    "schema.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);\n",
    "seed.sql": "INSERT INTO t (id, n) WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL "
                "SELECT i + 1 FROM s WHERE i < 1000) SELECT i, i % 10 FROM s;\n",
}


@pytest.fixture(scope="module", autouse=True)
def sandbox_available():
    problem = sandbox_problem()
    if problem:
        missing_tool(problem)


def run(answer: str, test_body: str) -> RunResult:
    kind = get_kind("sql")
    files = {**FILES, "tests/test_hidden.py": "import pytest\n\n\n" + textwrap.dedent(test_body)}
    return run_tests(kind.subject_code(answer, files), kind.test_files(files, public=False),
                     limits=LIMITS)


def outcomes(result: RunResult) -> dict[str, str]:
    assert result.tests, f"{result.verdict}: {result.detail}\n{result.log}"
    return {t.name: t.outcome for t in result.tests}


def test_the_answer_runs_in_the_subject_and_the_rows_reach_the_judge():
    result = run("-- step: count\nSELECT count(*) FROM t WHERE n = :n;\n", """
        def test_counts(sql):
            db = sql.fresh()
            assert db.query(db.step_query("count"), {"n": 3}) == [(100,)]
            assert sql.expected("SELECT count(*) FROM t") == [(1000,)]
    """)
    assert result.sandboxed and outcomes(result) == {"test_counts": "passed"}


def test_hostile_statements_are_refused_inside_the_sandbox():
    answer = """-- step: attach
ATTACH DATABASE '/tmp/x.db' AS x;
-- step: vacuum
VACUUM INTO '/tmp/copy.db';
-- step: extension
SELECT load_extension('/usr/lib/x86_64-linux-gnu/libsqlite3.so.0');
-- step: pragma
PRAGMA writable_schema = ON;
-- step: runaway
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s) SELECT count(*) FROM s;
"""
    result = run(answer, """
        @pytest.mark.parametrize(("step", "refusal"), [
            ("attach", "ATTACH, DETACH and VACUUM INTO are not allowed"),
            ("vacuum", "ATTACH, DETACH and VACUUM INTO are not allowed"),
            ("extension", "load_extension.. is not allowed"),
            ("pragma", "PRAGMA writable_schema is not allowed"),
            ("runaway", "stopped after 50,000,000 virtual-machine instructions"),
        ])
        def test_refused(sql, step, refusal):
            with pytest.raises(Exception, match=refusal):
                sql.fresh().run_step(step)
    """)
    assert set(outcomes(result).values()) == {"passed"}, result.tests


def test_an_answer_that_tries_to_break_out_of_its_literal_is_only_bad_sql():
    # Were the answer pasted into the module as code, this would end the subject with a
    # clean exit before any test asked it anything; as data it is a statement that fails.
    answer = '-- step: count\n""" + __import__("os")._exit(0) + """\nSELECT 1;\n'
    result = run(answer, """
        def test_counts(sql):
            assert sql.fresh().run_step("count")[0]["rows"] == [(1,)]

        def test_the_answer_is_there_as_text(sql):
            assert sql.step_names() == ["count"]
    """)
    assert outcomes(result) == {"test_counts": "failed", "test_the_answer_is_there_as_text":
                                "passed"}


def test_a_wrong_answer_cannot_make_the_judge_pass_it():
    # The plan the judge reads is SQLite's, in the subject; an answer without the index
    # cannot print its way to a SEARCH line, and the judge's checks run in its own process.
    answer = "-- step: indexes\nSELECT 'SEARCH t USING INDEX t_by_n (n=?)';\n" \
             "-- step: count\nSELECT count(*) FROM t WHERE n = :n;\n"
    result = run(answer, """
        def test_uses_an_index(sql):
            db = sql.fresh()
            db.run_step("indexes")
            sql.assert_uses_index(db, db.plan(db.step_query("count"), {"n": 1}), "t")
    """)
    assert outcomes(result) == {"test_uses_an_index": "failed"}
