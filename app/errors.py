"""Domain errors raised by services, and the pages every error gets.

Services raise the domain errors below; one handler per type maps each to an
HTTP status, so views never translate errors by hand.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """Base of the errors services raise; ``status`` is what the web layer answers."""

    status = HTTPStatus.BAD_REQUEST

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status = HTTPStatus.NOT_FOUND


class NotAllowed(DomainError):
    status = HTTPStatus.FORBIDDEN


class Conflict(DomainError):
    status = HTTPStatus.CONFLICT


class Invalid(DomainError):
    status = HTTPStatus.UNPROCESSABLE_ENTITY


# What each error page says, in words a person can act on.
MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Bad request", "The request could not be understood. If you submitted a form, "
          "reload the page and try again."),
    401: ("Sign in needed", "Sign in to continue."),
    403: ("Not allowed", "Your account does not have access to this page. "
          "Ask an administrator if you think it should."),
    404: ("Page not found", "There is nothing at this address. Check the link, "
          "or start again from the home page."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    409: ("Conflict", "Someone else changed this at the same time. Reload to see the latest."),
    413: ("Too large", "What you sent is larger than this server accepts. "
          "Nothing was saved; shorten it and try again."),
    422: ("Check your input", "Some of what you entered needs fixing."),
    429: ("Too many attempts", "You have tried this too often in a short time. "
          "Wait a minute and try again."),
    500: ("Something went wrong", "An unexpected error stopped this page. It has been "
          "logged; try again in a moment."),
    503: ("Archboard is having trouble", "Your work in the browser is kept: an answer you "
          "were writing stays in this browser and is saved when Archboard is back. "
          "Try again in a minute."),
}


def _wants_json() -> bool:
    if request.headers.get("HX-Request"):
        return False
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" or request.is_json


def error_response(status: int, detail: str | None = None) -> tuple[Response | str, int]:
    """Render the error page (or JSON body) for ``status``."""
    title, message = MESSAGES.get(status, (HTTPStatus(status).phrase, ""))
    if _wants_json():
        return jsonify(error=title, detail=detail or message, status=status), status
    if status >= 500:
        _show_signed_out()
    return render_template("errors/error.html", status=status, title=title,
                           message=message, detail=detail), status


def _show_signed_out() -> None:
    """Render this page as signed out: loading the person needs the database, which
    may be what failed (Flask-Login keeps the request's user in ``g._login_user``)."""
    g._login_user = current_app.login_manager.anonymous_user()


def init_app(app: Flask) -> None:
    def handle_http(error: HTTPException):
        status = error.code or 500
        detail = None
        if status == 400 and error.description and "CSRF" in error.description:
            detail = "The form expired or was sent from another page. Reload and try again."
        return error_response(status, detail)

    def handle_domain(error: DomainError):
        return error_response(int(error.status), error.message)

    def handle_unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)

    app.register_error_handler(HTTPException, handle_http)
    for error_type in (NotFound, NotAllowed, Conflict, Invalid, DomainError):
        app.register_error_handler(error_type, handle_domain)
    app.register_error_handler(Exception, handle_unexpected)
