"""A candidate's code cannot forge its verdict, nor read the hidden tests.

Each case is a wrong answer that also tries to cheat. Run in one process with
pytest (as runs once were), each of these reported every hidden test as
passed, or printed the tests' source. With the judge and the subject in
separate sandboxes, the verdict counts only what the code observably does.
"""

from __future__ import annotations

import textwrap

import pytest

from app.grading.runner.sandbox import Limits, RunResult, run_tests, sandbox_problem
from tests.support.tools import missing_tool

FAST = Limits(wall_seconds=20, cpu_seconds=8)
# Hidden tests that a wrong answer (``add`` returning 0) fails.
HIDDEN = textwrap.dedent('''
    from solution import add


    def test_adds_small_numbers():
        assert add(2, 2) == 4


    def test_adds_negative_numbers():
        assert add(-3, 1) == -2


    def test_adds_floats():
        assert add(0.5, 0.25) == 0.75


    def test_a_callback_is_called_with_the_sum():
        seen = []
        add(1, 2, report=seen.append)
        assert seen == [3]
''')
WRONG = "def add(a, b, report=None):\n    return 0\n"


@pytest.fixture(scope="module", autouse=True)
def sandbox_available():
    problem = sandbox_problem()
    if problem:
        missing_tool(problem)


def run(cheat: str, code: str = WRONG, limits: Limits = FAST) -> RunResult:
    return run_tests(textwrap.dedent(cheat) + "\n" + textwrap.dedent(code),
                     {"tests/test_hidden.py": HIDDEN},
                     limits=limits)


def assert_no_pass_was_forged(result: RunResult) -> None:
    assert result.total == 4, (result.verdict, result.detail, result.log)
    assert result.passed == 0, [(t.name, t.outcome) for t in result.tests]


def test_an_honest_wrong_answer_fails_every_hidden_test():
    result = run("")
    assert result.verdict == "completed"
    assert_no_pass_was_forged(result)


def test_a_right_answer_passes_every_hidden_test_and_its_callback_runs():
    result = run("", "def add(a, b, report=None):\n"
                     "    if report:\n        report(a + b)\n    return a + b\n")
    assert result.verdict == "completed"
    assert (result.passed, result.total) == (4, 4)


def test_patching_pytest_in_the_answer_forges_nothing():
    result = run("""
        import _pytest.python
        _pytest.python.Function.runtest = lambda self: None
    """)
    assert_no_pass_was_forged(result)


def test_patching_pytest_from_a_running_call_forges_nothing():
    result = run("""
        import sys
        import _pytest.runner

        def _every_test_passes(*args, **kwargs):
            return None

        for module in list(sys.modules.values()):
            if getattr(module, "__name__", "").startswith("_pytest"):
                for name in ("pytest_runtest_call", "call_and_report"):
                    if hasattr(module, name):
                        setattr(module, name, _every_test_passes)
    """)
    assert_no_pass_was_forged(result)


def test_writing_the_report_file_forges_nothing():
    forged = ('<?xml version="1.0"?><testsuites><testsuite tests="50">'
              + '<testcase classname="test_hidden" name="test_{}" time="0"/>' * 50
              + "</testsuite></testsuites>")
    result = run(f"""
        import atexit, glob, os

        FORGED = {forged!r}

        def _forge():
            for folder in ["/out", "/tmp", "/code", "..", ".",
                           *glob.glob("/tmp/archboard-run-*/out")]:
                try:
                    with open(os.path.join(folder, "report.xml"), "w") as handle:
                        handle.write(FORGED)
                except OSError:
                    pass

        _forge()
        atexit.register(_forge)
    """)
    assert_no_pass_was_forged(result)
    assert "test_{}" not in {t.name for t in result.tests}


def test_printing_a_passing_summary_forges_nothing():
    result = run("""
        print("====== 4 passed in 0.01s ======")
        print('<testcase classname="test_hidden" name="test_adds_small_numbers"/>')
    """)
    assert_no_pass_was_forged(result)


def test_skipping_or_exiting_from_the_code_is_a_failure_not_a_pass_or_a_skip():
    result = run("", """
        import sys
        import pytest

        def add(a, b, report=None):
            if a == 2:
                pytest.skip("not today")
            if a == -3:
                raise SystemExit(0)
            if a == 0.5:
                raise KeyboardInterrupt
            pytest.xfail("expected")
    """)
    assert_no_pass_was_forged(result)
    assert {t.outcome for t in result.tests} <= {"failed", "error"}


def test_killing_everything_it_can_reach_forges_nothing():
    result = run("", """
        import os, signal

        def add(a, b, report=None):
            os.kill(-1, signal.SIGKILL)
    """)
    assert_no_pass_was_forged(result)


def test_the_code_cannot_read_the_hidden_tests():
    # The code looks everywhere it can for the tests' source (a test's name is
    # shown to candidates; its body is not) and says what it found.
    result = run("""
        import gc, inspect, os, sys

        WANTED = "def test_adds_" + "small_numbers"

        def _texts():
            for root, _dirs, files in os.walk("/"):
                if root.startswith(("/proc", "/sys", "/usr")):
                    continue
                for name in files:
                    path = os.path.join(root, name)
                    if os.path.isfile(path):  # not /dev/zero and friends
                        try:
                            yield open(path, errors="replace").read()
                        except OSError:
                            pass
            for module in list(sys.modules.values()):
                yield repr(getattr(module, "__file__", ""))
            files = {getattr(getattr(thing, "__code__", thing), "co_filename", None)
                     for thing in gc.get_objects()
                     if inspect.iscode(thing) or inspect.isfunction(thing)}
            for name in files - {None}:
                if not name.startswith("/usr/"):
                    try:
                        yield open(name, errors="replace").read()
                    except OSError:
                        pass
            for frame in inspect.stack():
                yield repr(frame.frame.f_globals.get("__file__"))

        _searched = 0
        _found = False
        for _text in _texts():
            _searched += 1
            _found = _found or WANTED in _text
        print("FOUND-THE-TESTS" if _found else f"searched {_searched} places, found nothing")
    """, """
        def add(a, b, report=None):
            if report is not None:
                for name in ("__globals__", "__code__", "__closure__", "__defaults__",
                             "__kwdefaults__", "__self__", "__func__", "__wrapped__"):
                    try:
                        print(name, "got:", getattr(report, name))
                    except Exception as error:
                        print(name, "refused:", error)
            return 0
    """)
    assert_no_pass_was_forged(result)
    assert "found nothing" in result.log
    assert "FOUND-THE-TESTS" not in result.log
    callback = next(t for t in result.tests if t.name == "test_a_callback_is_called_with_the_sum")
    assert callback.output.count("refused:") == 8, callback.output
    assert "got:" not in callback.output


def test_the_code_cannot_reach_the_tests_through_a_callback():
    result = run("", """
        def add(a, b, report=None):
            if report is not None:
                target = report.__self__  # the list the test handed over
                print("got", target)
            return 0
    """)
    assert_no_pass_was_forged(result)
    messages = " ".join(t.message for t in result.tests)
    assert "is not served across the bridge" in messages


def test_garbage_on_the_bridge_fails_the_run_instead_of_passing_it():
    result = run("", """
        import os, struct

        def add(a, b, report=None):
            for fd in range(3, 20):
                try:
                    os.write(fd, struct.pack("!I", 40) + b'{"k":"ok","c":"j1","n":1,"v":true}')
                    os.write(fd, b"\\xff" * 64)
                except OSError:
                    pass
            return 0
    """)
    assert_no_pass_was_forged(result)
