"""`scripts/serve.sh` (what `make run` serves with): the web server and worker stop together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def serve_env(tmp_path: Path) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'archboard.sqlite'}",
           "JOBS_SQLITE_PATH": str(tmp_path / "jobs.sqlite"),
           "SECRET_KEY": "serve-script-test-secret-key-long-enough", "ARCHBOARD_ENV": "testing"}
    subprocess.run([".venv/bin/flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    return env


def _start(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    process = subprocess.Popen(["bash", "scripts/serve.sh", "127.0.0.1", str(port)], cwd=ROOT,
                               env=env, start_new_session=True, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return process, port
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail(f"the server did not answer within 60 s:\n{process.communicate()[0]}")


def _group_members(pgid: int) -> list[str]:
    """Live processes left in the group (a zombie waiting to be reaped is not one)."""
    for _ in range(50):
        found = subprocess.run(["pgrep", "-g", str(pgid), "-a"], capture_output=True, text=True)
        alive = [line for line in found.stdout.splitlines() if "<defunct>" not in line]
        if not alive:
            return []
        time.sleep(0.1)
    return alive


@pytest.mark.parametrize(("sig", "whom"), [
    (signal.SIGINT, "process group"),  # Ctrl-C in the terminal
    (signal.SIGTERM, "process group"),  # a supervisor stopping the service
    (signal.SIGTERM, "shell only"),
])
def test_a_signal_stops_both_processes_cleanly(serve_env, sig, whom):
    process, _port = _start(serve_env)
    if whom == "process group":
        os.killpg(process.pid, sig)
    else:
        os.kill(process.pid, sig)
    output = process.communicate(timeout=30)[0]
    assert process.returncode == 0, output
    assert "Segmentation fault" not in output
    assert _group_members(process.pid) == []


def test_the_worker_stops_when_the_web_server_dies(serve_env):
    process, _port = _start(serve_env)
    web = subprocess.run(["pgrep", "-g", str(process.pid), "-f", "wsgi run"],
                         capture_output=True, text=True).stdout.split()
    assert len(web) == 1
    os.kill(int(web[0]), signal.SIGKILL)
    output = process.communicate(timeout=30)[0]
    assert process.returncode != 0, output
    assert _group_members(process.pid) == []
