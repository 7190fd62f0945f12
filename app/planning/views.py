"""The planner page: paste a job description, see the loop it calls for, make the interview."""

from __future__ import annotations

from http import HTTPStatus

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from app.auth.access import access
from app.content.planner import MAX_CHARS
from app.content.site import content_root
from app.db import get_session
from app.errors import Invalid
from app.inputs import whole_number
from app.interviews import invitations
from app.models import InterviewMode, Role
from app.planning import services
from app.planning.forms import PlanForm, PlanInterviewForm

bp = Blueprint("planning", __name__)
PLANNERS = (Role.INTERVIEWER, Role.AUTHOR, Role.ADMIN)


def _plan(form: PlanForm) -> services.PlanPage | None:
    """The plan for a valid planner form, or None with the reasons on the form's fields."""
    if not form.validate():
        form.plain_budget_error()
        return None
    try:
        text = services.check_posting(form.description.data or "")
        return services.plan_posting(get_session(), content_root(), text,
                                     budget=form.budget.data, level=form.level.data or None)
    except Invalid as problem:
        field = getattr(form, problem.field or "description")
        field.errors = [*field.errors, problem.message]
        return None


def _page(form: PlanForm, page: services.PlanPage | None,
          interview_form: PlanInterviewForm | None = None, error: str | None = None,
          status: int = HTTPStatus.OK):
    if page is not None and interview_form is None:
        interview_form = PlanInterviewForm(formdata=None, target_level=page.plan.level)
    return render_template(
        "planning/index.html", form=form, page=page, interview_form=interview_form,
        error=error, max_chars=MAX_CHARS, pieces=services.pieces,
        can_interview=current_user.has_role(Role.INTERVIEWER),
        can_author=current_user.has_role(Role.AUTHOR, Role.ADMIN)), status


@bp.route("/planner", methods=["GET", "POST"])
@access(*PLANNERS)
def index():
    form = PlanForm()
    if request.method == "GET":
        return _page(form, None)
    page = _plan(form)
    status = HTTPStatus.OK if page is not None else HTTPStatus.UNPROCESSABLE_ENTITY
    return _page(form, page, status=status)


@bp.post("/planner/interview")
@access(Role.INTERVIEWER)
def create_interview():
    """The plan's loop as an interview, in one step; on a problem the plan stays on the page."""
    form = PlanForm()
    interview_form = PlanInterviewForm()
    page = _plan(form)
    if page is None:
        return _page(form, None, status=HTTPStatus.UNPROCESSABLE_ENTITY)
    error = None
    if interview_form.validate():
        spec = invitations.NewInterview(
            candidate_name=interview_form.candidate_name.data,
            candidate_email=interview_form.candidate_email.data,
            prompt_slugs=interview_form.prompts.data or [],
            target_level=interview_form.target_level.data or "",
            mode=InterviewMode(interview_form.mode.data), reviewer_ids=[],
            deadline_at=interview_form.deadline_utc())
        try:
            interview, token = invitations.create_interview(
                get_session(), current_user, spec,
                grace_seconds=current_app.config["INTERVIEW_GRACE_SECONDS"])
        except Invalid as problem:
            # The prompts and level are hidden fields: their problems go above the form.
            target = getattr(interview_form, problem.field or "", None)
            if target is not None and problem.field not in ("prompts", "target_level"):
                target.errors = [*target.errors, problem.message]
            else:
                error = problem.message
        else:
            # The overview shows the newest invite link kept here, as after the
            # interviews page's own form (only the token's hash is stored).
            session["invite"] = {"interview": interview.id, "token": token}
            flash("Interview created from the plan. Send the candidate the invite link below.",
                  "success")
            return redirect(url_for("interviews.overview", interview_id=interview.id))
    return _page(form, page, interview_form, error, HTTPStatus.UNPROCESSABLE_ENTITY)


@bp.post("/planner/draft")
@access(*PLANNERS)
def draft():
    """The drafted prompt file for a gap, as a download: front matter and headings."""
    # A form post, not a link: the page is the answer to a POST, and the front matter
    # travels as the gap's hidden fields.
    args = request.form
    try:
        name, text = services.draft_file(
            get_session(), kind=args.get("kind", ""), slug=args.get("slug", ""),
            title=args.get("title", ""), level=args.get("level", ""),
            minutes=whole_number(args.get("minutes")),
            competencies=args.getlist("competencies"), rubric=args.get("rubric", ""))
    except Invalid as problem:
        return Response(f"{problem.message}\n", status=HTTPStatus.UNPROCESSABLE_ENTITY,
                        mimetype="text/plain")
    return Response(text, mimetype="text/markdown",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
