"""The worker's side of Verify: the queue task that runs a check."""

from __future__ import annotations

from flask import Flask, current_app

from app.checks.services import TASK, execute_check
from app.content.site import content_root
from app.db import get_session
from app.grading.runs import run_limits
from app.jobs import get_jobs


def _run_check(check_id: int) -> None:
    config = current_app.config
    execute_check(get_session(), check_id, root=content_root(), limits=run_limits(config),
                  unsafe=config["UNSAFE_LOCAL_RUNNER"])


def init_app(app: Flask) -> None:
    """Give the queue its task that runs an author's Verify check."""
    get_jobs(app).add_task(TASK, _run_check)
