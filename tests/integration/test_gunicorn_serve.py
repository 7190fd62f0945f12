"""`make serve` migrates, then gunicorn with gunicorn.conf.py serves and logs JSON lines."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest

from tests.support.tools import free_port

ROOT = Path(__file__).resolve().parents[2]


def _get(url: str, request_id: str) -> int:
    request = urllib.request.Request(url, headers={"X-Request-ID": request_id})
    with urllib.request.urlopen(request, timeout=2) as response:
        assert response.headers["X-Request-ID"] == request_id
        return response.status


def test_serve_production_migrates_then_serves_healthz_and_logs_it_as_json(tmp_path):
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'archboard.sqlite'}",
           "JOBS_SQLITE_PATH": str(tmp_path / "jobs.sqlite"),
           "SECRET_KEY": "gunicorn-config-test-secret-key-long-enough",
           "ARCHBOARD_ENV": "testing", "LOG_FORMAT": "json",
           "PORT": str(port), "WEB_CONCURRENCY": "1"}
    process = subprocess.Popen(["bash", "scripts/serve-production.sh"],
                               cwd=ROOT, env=env, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert _get(f"http://127.0.0.1:{port}/healthz", "probe") == 200
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("gunicorn did not answer /healthz")
                time.sleep(0.2)
        assert _get(f"http://127.0.0.1:{port}/healthz", "gunicorn-test.1") == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)

    with closing(sqlite3.connect(tmp_path / "archboard.sqlite")) as database:  # upgraded first
        assert database.execute("SELECT version_num FROM alembic_version").fetchone()
    # Every stdout line is one JSON object, but the upgrade command's own answer.
    lines = [line for line in stdout.splitlines() if not line.startswith("database at ")]
    assert len(lines) == len(stdout.splitlines()) - 1
    entries = [json.loads(line) for line in lines]
    [access] = [entry for entry in entries if entry.get("request_id") == "gunicorn-test.1"]
    assert access["logger"] == "archboard.access"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/healthz", 200)
    # gunicorn's own lines (start, shutdown) are JSON too, and nothing is written twice.
    assert any(entry["logger"] == "gunicorn.error" for entry in entries)
    assert stderr.strip() == ""
