"""The authors' history, diff and rubric insight pages."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from app.auth.access import access
from app.db import get_session
from app.grading import insight as rules
from app.insight import history, rubrics
from app.insight.history import ItemKind, revision_number
from app.models import Role

bp = Blueprint("insight", __name__)


@bp.app_template_filter("figure")
def figure(value) -> str:
    """A count, a mean (a Fraction) or a statistic (a float) to two decimals at most;
    a dash when there is none."""
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def _history(kind: ItemKind, slug: str):
    args = request.args
    found = history.history(get_session(), kind, slug, page=args.get("page", 1, type=int),
                            old=revision_number(args.get("from"), "from"),
                            new=revision_number(args.get("to"), "to"))
    return render_template("insight/history.html", history=found)


@bp.get("/authoring/prompts/<slug>/history")
@access(Role.AUTHOR, Role.ADMIN)
def prompt_history(slug: str):
    return _history(ItemKind.PROMPT, slug)


@bp.get("/authoring/rubrics/<slug>/history")
@access(Role.AUTHOR, Role.ADMIN)
def rubric_history(slug: str):
    return _history(ItemKind.RUBRIC, slug)


@bp.get("/authoring/rubrics/<slug>/insight")
@access(Role.AUTHOR, Role.ADMIN)
def rubric(slug: str):
    page = rubrics.rubric_page(get_session(), slug,
                               revision_number(request.args.get("revision"), "revision"))
    return render_template("insight/rubric.html", page=page, rules=rules)


@bp.get("/authoring/insight")
@access(Role.AUTHOR, Role.ADMIN)
def index():
    return render_template("insight/index.html", rows=rubrics.overview(get_session()),
                           rules=rules)
