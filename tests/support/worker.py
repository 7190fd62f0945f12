"""A real `flask worker` process for tests, sharing the test app's database and queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    def __init__(self, app: Flask, **settings: str) -> None:
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                    "DATABASE_URL": app.config["DATABASE_URL"],
                    "SECRET_KEY": app.config["SECRET_KEY"], "ARCHBOARD_ENV": "testing",
                    "JOBS_SQLITE_PATH": app.config["JOBS_SQLITE_PATH"], "PYTHONPATH": str(ROOT)}
        if app.config.get("REDIS_URL"):
            self.env["REDIS_URL"] = app.config["REDIS_URL"]
        # The worker writes scorecard reminders, whose links need an address.
        self.env["BASE_URL"] = app.config.get("BASE_URL") or "http://localhost"
        self.env.update(settings)  # extra settings for this worker only, e.g. RUNS_PER_USER
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--threads", "2"],
            cwd=ROOT, env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def run_renders(app: Flask) -> int:
    """Render the saved answers waiting in ``app``'s queue, in this process, as a worker would.

    Other jobs go back on the queue untouched. The number of render jobs run.
    """
    return run_queued(app, "render_answer")


def run_queued(app: Flask, name: str) -> int:
    """Run the jobs named ``name`` waiting in ``app``'s queue, in this process, as a worker would.

    Other jobs go back on the queue untouched. The number of jobs run.
    """
    from app.jobs import get_jobs

    huey = get_jobs(app).huey
    others, ran = [], 0
    while (task := huey.dequeue()) is not None:
        if task.name == name:
            huey.execute(task)
            ran += 1
        else:
            others.append(task)
    for task in others:
        huey.enqueue(task)
    return ran
