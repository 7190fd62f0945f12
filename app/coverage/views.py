"""The coverage page, for the people who run interviews and write the library."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.auth.access import access
from app.coverage import services
from app.db import get_session
from app.models import Role

bp = Blueprint("coverage", __name__)


@bp.get("/coverage")
@access(Role.INTERVIEWER, Role.AUTHOR, Role.ADMIN)
def page():
    return render_template("coverage/page.html", coverage=services.coverage(get_session()))
