"""Hostile candidate code gets a clear verdict and harms nothing.

Every case runs for real under bubblewrap, as the worker would run it.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import tempfile
import textwrap
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from app.grading.runner.sandbox import HOST_UIDS, Limits, RunResult, run_tests, sandbox_problem
from tests.support.tools import missing_tool

FAST = Limits(wall_seconds=8, cpu_seconds=3)


@pytest.fixture(scope="module", autouse=True)
def sandbox_available():
    problem = sandbox_problem()
    if problem:
        missing_tool(problem)


def run(code: str, test_body: str, limits: Limits = FAST) -> RunResult:
    tests = {"tests/test_hidden.py": "import solution\n\n\n" + textwrap.dedent(test_body)}
    return run_tests(textwrap.dedent(code), tests, limits=limits)


def test_a_normal_run_reports_each_test_with_its_failure():
    result = run("def add(a, b):\n    return a + b\n", """
        def test_adds():
            assert solution.add(1, 2) == 3

        def test_wrong():
            print("some output")
            assert solution.add(2, 2) == 5, "two and two"
    """)
    assert result.verdict == "completed" and result.sandboxed
    outcomes = {t.name: t for t in result.tests}
    assert outcomes["test_adds"].outcome == "passed"
    assert outcomes["test_wrong"].outcome == "failed"
    assert "two and two" in outcomes["test_wrong"].message
    assert "some output" in outcomes["test_wrong"].output
    assert (result.passed, result.total) == (1, 2)


def test_code_that_does_not_import_is_reported():
    result = run("def broken(:\n", "def test_x():\n    assert True\n")
    assert result.verdict in ("completed", "crashed")
    assert result.passed == 0
    assert "SyntaxError" in result.log or any("SyntaxError" in t.message for t in result.tests)


def test_an_infinite_loop_times_out():
    started = time.monotonic()
    result = run("def spin():\n    while True:\n        pass\n",
                 "def test_spin():\n    solution.spin()\n")
    assert result.verdict == "timeout"
    assert time.monotonic() - started < FAST.wall_seconds + 5


def test_a_sleeping_process_is_stopped_by_the_wall_clock():
    result = run("import time\n\ndef nap():\n    time.sleep(60)\n",
                 "def test_nap():\n    solution.nap()\n", Limits(wall_seconds=3, cpu_seconds=3))
    assert result.verdict == "timeout"
    assert "wall-clock" in result.detail


def test_a_fork_bomb_is_contained():
    result = run("""
        import os

        def bomb():
            children = 0
            while True:
                if os.fork() == 0:
                    while True:
                        pass
                children += 1
    """, "def test_bomb():\n    solution.bomb()\n")
    assert result.verdict in ("denied", "timeout")
    assert result.passed == 0
    assert_nothing_left_running()
    assert subprocess.run(["true"]).returncode == 0  # the host can still start processes


def _leased_now(uid: int) -> bool:
    """Whether a run (another test worker's, in a parallel run) holds ``uid`` right now."""
    lock = Path(tempfile.gettempdir()) / "archboard-sandbox-uids" / str(uid)
    if not lock.exists():
        return False
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def assert_nothing_left_running() -> None:
    """No process of a sandbox uid survives its run (zombies being reaped aside).

    A uid another run holds at the moment is that run's business: the suite may
    run sandboxes in several workers at once.
    """
    deadline = time.monotonic() + 5
    while True:
        rows = subprocess.run(["ps", "-eo", "uid=,stat="], capture_output=True,
                              text=True).stdout.splitlines()
        alive = [row for row in rows if int(row.split()[0]) in HOST_UIDS
                 and not row.split()[1].startswith("Z") and not _leased_now(int(row.split()[0]))]
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert alive == []


def test_orphans_that_sleep_are_killed_with_the_sandbox():
    result = run("""
        import os
        import time

        def orphan():
            for _ in range(5):
                if os.fork() == 0:
                    os.setsid()
                    time.sleep(600)
                    os._exit(0)
    """, "def test_orphan():\n    solution.orphan()\n")
    assert result.verdict == "completed"
    assert_nothing_left_running()


def test_allocating_10_gb_hits_the_memory_limit():
    result = run("def hog():\n    return bytearray(10 * 1024 ** 3)\n",
                 "def test_hog():\n    assert len(solution.hog()) > 0\n")
    assert result.verdict == "memory_limit"


def test_writing_a_huge_file_hits_the_file_limit():
    result = run("""
        def write():
            with open("/tmp/big", "wb") as handle:
                for _ in range(200):
                    handle.write(b"x" * 1024 * 1024)
    """, "def test_write():\n    solution.write()\n")
    assert result.verdict == "output_limit"


def test_printing_100_mb_hits_the_output_limit():
    result = run("""
        import sys

        def shout():
            chunk = "y" * (1024 * 1024)
            for _ in range(100):
                sys.stdout.write(chunk)
    """, "def test_shout():\n    solution.shout()\n")
    assert result.verdict == "output_limit"
    assert len(result.log) <= 4_000


class Canary(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):  # noqa: N802 - the http.server API
        Canary.hits += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"alive")

    def log_message(self, *args):
        pass


def test_a_socket_to_the_hosts_own_port_is_refused_and_the_server_keeps_serving():
    server = HTTPServer(("127.0.0.1", 0), Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        result = run(f"""
            import socket

            def call_home():
                with socket.create_connection(("127.0.0.1", {port}), timeout=2) as conn:
                    conn.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
                    return conn.recv(100)
        """, "def test_call_home():\n    assert solution.call_home()\n")
        assert result.verdict == "denied"
        assert Canary.hits == 0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert response.read() == b"alive"
    finally:
        server.shutdown()
        server.server_close()


def test_reading_etc_shadow_is_denied():
    result = run("def peek():\n    return open('/etc/shadow').read()\n",
                 "def test_peek():\n    assert solution.peek()\n")
    assert result.verdict == "denied"


def test_the_apps_database_and_files_are_not_visible():
    project = Path(__file__).resolve().parents[2]
    database = project / "instance" / "archboard.sqlite"
    result = run(f"""
        import os

        def peek():
            return open({str(database)!r}, "rb").read(16), os.listdir({str(project)!r})
    """, "def test_peek():\n    assert solution.peek()\n")
    (test,) = result.tests
    assert test.outcome == "failed"
    assert f"No such file or directory: {str(database)!r}" in test.message
    # The verdict names the refusal, unless the project itself lives under /tmp,
    # which inside the sandbox is the code's own private folder.
    if not str(project).startswith("/tmp/"):  # noqa: S108 - the sandbox's own /tmp
        assert result.verdict == "denied"


def test_the_environment_is_cleared(monkeypatch):
    monkeypatch.setenv("ARCHBOARD_CANARY_SECRET", "do-not-leak-this")
    result = run("import os\n\ndef env():\n    return dict(os.environ)\n",
                 "def test_env():\n    print(solution.env())\n    assert False\n")
    output = result.tests[0].output
    assert "do-not-leak-this" not in output and "ARCHBOARD_CANARY_SECRET" not in output
    assert "'PATH': '/usr/bin'" in output


def test_killing_the_parent_is_impossible():
    result = run(f"""
        import os
        import signal

        def kill_parent():
            os.kill({os.getpid()}, signal.SIGKILL)
    """, "def test_kill():\n    solution.kill_parent()\n")
    assert result.verdict == "denied"  # the host's processes are not in its PID namespace


def test_crashing_the_interpreter_with_ctypes_is_reported():
    result = run("import ctypes\n\ndef crash():\n    ctypes.string_at(0)\n",
                 "def test_crash():\n    solution.crash()\n")
    assert result.verdict == "crashed"
    assert "SIGSEGV" in result.detail


def test_a_fork_bomb_does_not_starve_a_run_going_on_at_the_same_time():
    results: dict[str, RunResult] = {}

    def bomb():
        # This bomb keeps every process it got and keeps asking for more.
        results["bomb"] = run("""
            import os
            import time

            def bomb():
                while True:
                    try:
                        if os.fork() == 0:
                            while True:
                                time.sleep(1)
                    except OSError:
                        time.sleep(0.05)
        """, "def test_bomb():\n    solution.bomb()\n")

    thread = threading.Thread(target=bomb)
    thread.start()
    time.sleep(1.0)  # let the bomb use up its process limit
    results["honest"] = run("def add(a, b):\n    return a + b\n",
                            "def test_add():\n    assert solution.add(2, 2) == 4\n")
    thread.join(timeout=30)
    assert results["honest"].verdict == "completed" and results["honest"].passed == 1
    assert results["bomb"].passed == 0


def test_code_cannot_write_outside_tmp():
    result = run("def scribble():\n    open('/code/solution.py', 'w').write('x')\n",
                 "def test_scribble():\n    solution.scribble()\n")
    assert result.passed == 0
    assert "Read-only file system" in result.tests[0].message or result.verdict == "denied"


def test_a_run_never_starts_on_a_uid_with_processes_left():
    # A worker killed before it cleared its uid leaves that uid's processes
    # behind, with its lock released; the next lease kills them before any run.
    from app.grading.runner.sandbox import _as_user, _lease_uid, _processes_of

    if os.geteuid() != 0:  # as a user, runs keep that user's uid: nothing to lease
        missing_tool("root, to run sandboxes as uids of their own")
    with _lease_uid() as uid:
        pass
    left = subprocess.Popen(["/bin/sleep", "60"], env={}, **_as_user(uid))
    try:
        assert _processes_of(uid) == [left.pid]
        with _lease_uid() as leased:
            assert _processes_of(leased) == []
        # Our lease, or another test worker's that took this uid first, killed it.
        assert left.wait(timeout=10) == -9
    finally:
        if left.poll() is None:
            left.kill()
            left.wait()
