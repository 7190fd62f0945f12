"""The worker's side of email: the task that sends one, and the minute sweep that retries."""

from __future__ import annotations

from flask import Flask, current_app

from app.db import get_session
from app.jobs import Jobs, get_jobs
from app.mail.links import NO_BASE_URL
from app.mail.outbox import TASK, Sender, deliver, due_emails
from app.mail.settings import parse_smtp_url
from app.mail.transport import build_message, send
from app.models import Email


def smtp_sender() -> Sender | None:
    """Send through SMTP_URL; None without it (development: the log and the outbox)."""
    config = current_app.config
    if not config.get("SMTP_URL"):
        return None
    server = parse_smtp_url(config["SMTP_URL"])
    sender = config["MAIL_FROM"]

    def send_one(email: Email) -> None:
        send(server, build_message(sender, email.recipient, email.subject, email.body))

    return send_one


def _send(email_id: int) -> None:
    deliver(get_session(), email_id, send=smtp_sender(),
            max_attempts=current_app.config["MAIL_MAX_ATTEMPTS"])


def _retry_due(_jobs: Jobs) -> None:
    session, max_attempts = get_session(), current_app.config["MAIL_MAX_ATTEMPTS"]
    send_one = smtp_sender()
    for email_id in due_emails(session, max_attempts=max_attempts):
        deliver(session, email_id, send=send_one, max_attempts=max_attempts)


def link_problem() -> str | None:
    """Why this worker cannot build the links of the emails it writes itself, if it cannot."""
    config = current_app.config
    if config["SCORECARD_DUE_HOURS"] > 0 and not config.get("BASE_URL"):
        return NO_BASE_URL + " (or set SCORECARD_DUE_HOURS=0 to send no reminders)"
    return None


def init_app(app: Flask) -> None:
    """Give the queue its task that sends an email and the minute sweep that retries."""
    jobs = get_jobs(app)
    jobs.add_task(TASK, _send)
    jobs.every_minute("retry_emails", _retry_due)
    jobs.check_at_start(link_problem)
