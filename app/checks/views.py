"""The Verify button's endpoints: ask for a check of a prompt's files, and read its results."""

from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user

from app.auth.access import access
from app.checks import services
from app.content.site import content_root
from app.db import get_session
from app.errors import DomainError
from app.models import Role
from app.rate_limits import rate_limit

bp = Blueprint("checks", __name__)
FILE_FIELD = "file:"


def _per_person() -> str:
    return f"checks:{current_user.get_id()}"


@bp.post("/checks")
@access(Role.AUTHOR, Role.ADMIN)
@rate_limit("CHECK_RATE_LIMIT", key_func=_per_person)
def create():
    files = {name.removeprefix(FILE_FIELD): text for name, text in request.form.items()
             if name.startswith(FILE_FIELD)}
    try:
        check = services.create_check(get_session(), current_user, slug=request.form.get(
            "slug", "").strip(), files=files, root=content_root())
    except services.CheckInvalid as invalid:
        return jsonify(error=invalid.message,
                       problems=[str(p) for p in invalid.problems]), invalid.status
    except DomainError as error:
        return jsonify(error=error.message, problems=[]), error.status
    body = services.as_json(check)
    body["url"] = url_for("checks.show", check_id=check.id)
    return jsonify(body), HTTPStatus.ACCEPTED


@bp.get("/checks/<int:check_id>")
@access(Role.AUTHOR, Role.ADMIN)
def show(check_id: int):
    return jsonify(services.as_json(services.get_check(get_session(), current_user, check_id)))
