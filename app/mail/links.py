"""Absolute links for emails: BASE_URL, else the host of the request that queued the email."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request
from sqlalchemy.orm import Session

from app.db import JOB_QUEUE


class NoBaseUrl(RuntimeError):
    """An email needs a link and there is neither BASE_URL nor a request to take a host from."""


NO_BASE_URL = ("BASE_URL is not set, and emails sent outside a request (the scorecard "
               "reminders) need absolute links: set BASE_URL to the address people open, "
               "e.g. https://archboard.example.com")


def _app(session: Session) -> Flask:
    # The app's sessions carry its queue, and the queue its app: services need no
    # application context of their own to build a link.
    queue = session.info.get(JOB_QUEUE)
    return queue.app if queue is not None else current_app._get_current_object()


def base_url(app: Flask) -> str:
    """Where links in emails point: BASE_URL, or this request's scheme and host."""
    configured = app.config.get("BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    raise NoBaseUrl(NO_BASE_URL)


def link_base(session: Session) -> str:
    """The session's app's base URL, now: for a job that writes an email outside this request."""
    return base_url(_app(session))


def absolute_url(session: Session, endpoint: str, *, base: str | None = None,
                 **values: object) -> str:
    """The absolute URL of ``endpoint`` with ``values``, under ``base`` (from ``link_base``
    in the request that queued the job) or else the session's app's base URL."""
    app = _app(session)
    parts = urlsplit(base or base_url(app))
    adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                               url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)
