"""Request ids and the log format: text on a laptop, one JSON object per line in production.

Every request gets an id (the caller's ``X-Request-ID`` when it is a short safe
token, else a random one), kept in ``g.request_id``, sent back on every
response and written on every log line the request produces. At the end of
each request the app logs one access line (method, path, status, duration),
from Flask, so it reads the same under ``flask run`` and gunicorn. Only the
path is logged: query strings, headers and bodies may hold secrets. A path
that carries a token (an invitation or a password-reset link) is logged with
``[token]`` in its place.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request, request_started

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept only when it cannot break a log line or a header.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Fields the access line carries besides the message (passed as ``extra``).
ACCESS_FIELDS = ("method", "path", "status", "duration_ms")

access_log = logging.getLogger("archboard.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message and the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for field in ACCESS_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # json.dumps escapes newlines, so a message can never forge a second line.
        return json.dumps(entry, default=str)


def make_formatter(log_format: str) -> logging.Formatter:
    """The formatter for a LOG_FORMAT value (``text`` or ``json``)."""
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def accepted_request_id(value: str | None) -> str:
    """The caller's id when it is a short safe token, else a new random one."""
    if value and SAFE_REQUEST_ID.fullmatch(value):
        return value
    return secrets.token_hex(16)


def current_request_id() -> str | None:
    """The id of the request being served, or None outside a request."""
    if not has_request_context():
        return None
    return g.get("request_id")


def _start_request(_app: Flask, **_extra: object) -> None:
    # The request_started signal comes before every before_request hook, so
    # the id exists even when one of those (rate limits, access) refuses.
    g.request_id = accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id") or accepted_request_id(None)
    response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    path = logged_path()
    access_log.info("%s %s %s", request.method, path, response.status_code,
                    extra={"request_id": request_id, "method": request.method,
                           "path": path, "status": response.status_code,
                           "duration_ms": duration_ms})
    return response


def logged_path() -> str:
    """The request's path as the access line shows it: a link's token is a credential."""
    token = (request.view_args or {}).get("token")
    if isinstance(token, str) and token:
        return request.path.replace(token, "[token]")
    return request.path


def configure_logging(log_format: str) -> None:
    """Give the root logger a handler in ``log_format`` unless something configured it."""
    # JSON goes to stdout, where a platform collects it; a server that set up
    # logging itself (gunicorn's logconfig_dict, pytest) keeps its handlers.
    handler = logging.StreamHandler(sys.stdout if log_format == "json" else sys.stderr)
    handler.setFormatter(make_formatter(log_format))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    # Alembic announces each of its plugins at INFO whenever it loads: seven
    # lines of noise before every `flask` command's own output.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def init_app(app: Flask) -> None:
    request_started.connect(_start_request, app)
    app.after_request(_finish_request)
    configure_logging(app.config["LOG_FORMAT"])
