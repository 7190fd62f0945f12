"""Calibration pages: authors keep the sample answers, interviewers score them and compare."""

from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.access import access
from app.calibration import services
from app.db import get_session
from app.models import Role

bp = Blueprint("calibration", __name__, url_prefix="/calibration")

AUTHORS = (Role.AUTHOR, Role.ADMIN)
SCORERS = (Role.INTERVIEWER, Role.AUTHOR, Role.ADMIN)


def _per_criterion(prefix: str) -> dict[int, str]:
    """Form fields named ``<prefix>-<criterion id>``, by criterion id (others are ignored)."""
    found = {}
    for name, value in request.form.items():
        head, _, tail = name.partition("-")
        if head == prefix and tail.isascii() and tail.isdigit() and len(tail) < 10:
            found[int(tail)] = value
    return found


def _sample_input() -> services.SampleInput:
    return services.SampleInput(title=request.form.get("title", ""),
                                answer=request.form.get("answer", ""),
                                levels=_per_criterion("level"),
                                rationales=_per_criterion("rationale"))


# Interviewers -------------------------------------------------------------------------------


@bp.get("")
@access(*SCORERS)
def index():
    groups = services.interviewers_list(get_session(), current_user)
    return render_template("calibration/index.html", groups=groups)


@bp.get("/history")
@access(*SCORERS)
def history():
    return render_template("calibration/history.html", history=services.history(
        get_session(), current_user, page=request.args.get("page", 1, type=int)))


@bp.get("/samples/<int:sample_id>/score")
@access(*SCORERS)
def score(sample_id: int):
    sample, pinned = services.get_sample(get_session(), sample_id)
    return render_template("calibration/score.html", sample=sample, pinned=pinned,
                           form=None, errors={})


@bp.post("/samples/<int:sample_id>/score")
@access(*SCORERS)
def submit_score(sample_id: int):
    data = services.ScoreInput(levels=_per_criterion("level"),
                               comments=_per_criterion("comment"))
    try:
        scored = services.submit_score(get_session(), sample_id, current_user, data)
    except services.FormInvalid as problem:
        sample, pinned = services.get_sample(get_session(), sample_id)
        return render_template("calibration/score.html", sample=sample, pinned=pinned,
                               form=request.form, errors=problem.errors,
                               problem=problem.message), HTTPStatus.UNPROCESSABLE_ENTITY
    return redirect(url_for("calibration.result", score_id=scored.id))


@bp.get("/scores/<int:score_id>")
@access(*SCORERS)
def result(score_id: int):
    return render_template("calibration/result.html",
                           result=services.result(get_session(), current_user, score_id))


# Authors ------------------------------------------------------------------------------------


@bp.get("/samples")
@access(*AUTHORS)
def samples():
    return render_template("calibration/samples.html",
                           groups=services.authors_list(get_session()))


@bp.get("/samples/new")
@access(*AUTHORS)
def new_sample():
    session = get_session()
    slug = request.args.get("prompt", "")
    pinned = services.pinned_for_prompt(session, slug) if slug else None
    return render_template("calibration/sample_form.html", pinned=pinned, sample=None,
                           choices=services.prompt_choices(session), form=None, errors={})


@bp.post("/samples/new")
@access(*AUTHORS)
def create_sample():
    session = get_session()
    slug = request.form.get("prompt", "")
    try:
        sample = services.create_sample(session, current_user, slug, _sample_input())
    except services.FormInvalid as problem:
        return render_template(
            "calibration/sample_form.html", pinned=services.pinned_for_prompt(session, slug),
            sample=None, choices=services.prompt_choices(session), form=request.form,
            errors=problem.errors, problem=problem.message), HTTPStatus.UNPROCESSABLE_ENTITY
    flash(f"Sample “{sample.title}” saved: interviewers can score it now.", "success")
    return redirect(url_for("calibration.samples", _anchor=f"sample-{sample.id}"))


@bp.get("/samples/<int:sample_id>/edit")
@access(*AUTHORS)
def edit_sample(sample_id: int):
    sample, pinned = services.get_sample(get_session(), sample_id, active=False)
    return render_template("calibration/sample_form.html", pinned=pinned, sample=sample,
                           choices=[], form=None, errors={})


@bp.post("/samples/<int:sample_id>/edit")
@access(*AUTHORS)
def update_sample(sample_id: int):
    session = get_session()
    try:
        sample = services.update_sample(session, sample_id, _sample_input())
    except services.FormInvalid as problem:
        sample, pinned = services.get_sample(session, sample_id, active=False)
        return render_template(
            "calibration/sample_form.html", pinned=pinned, sample=sample, choices=[],
            form=request.form, errors=problem.errors, problem=problem.message,
        ), HTTPStatus.UNPROCESSABLE_ENTITY
    flash(f"Sample “{sample.title}” updated.", "success")
    return redirect(url_for("calibration.samples", _anchor=f"sample-{sample.id}"))


@bp.post("/samples/<int:sample_id>/retire")
@access(*AUTHORS)
def retire_sample(sample_id: int):
    sample = services.retire_sample(get_session(), sample_id)
    flash(f"Sample “{sample.title}” retired: interviewers no longer see it.", "success")
    return redirect(url_for("calibration.samples"))
