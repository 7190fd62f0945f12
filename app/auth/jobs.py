"""The worker's side of password reset: the task that answers a request made on /forgot."""

from __future__ import annotations

from flask import Flask, current_app

from app.auth.resets import TASK, answer_reset_request
from app.db import get_session
from app.jobs import get_jobs


def _answer(job: tuple[str, str]) -> None:
    answer_reset_request(get_session(), job, hours=current_app.config["PASSWORD_RESET_HOURS"])


def init_app(app: Flask) -> None:
    """Give the queue its task that looks the address up and emails the link, if any."""
    get_jobs(app).add_task(TASK, _answer)
