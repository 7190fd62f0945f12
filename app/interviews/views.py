"""Interview pages: the panel's (owner and reviewers) and the candidate's."""

from __future__ import annotations

import csv
import io
from http import HTTPStatus

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.attempts import playback
from app.auth.access import ANYONE, SIGNED_IN, access
from app.db import get_session, utcnow
from app.errors import DomainError, Invalid
from app.inputs import form_number, whole_number
from app.interviews import (
    audit,
    clock,
    compare,
    feedback,
    invitations,
    live_view,
    permissions,
    regrades,
    reports,
    scorecards,
)
from app.interviews.forms import InterviewForm
from app.kinds import get_kind
from app.models import Decision, InterviewMode, InterviewStage, Recommendation, Role

bp = Blueprint("interviews", __name__)
INTERVIEWER = Role.INTERVIEWER


def _panel(interview_id: int):
    """The interview for a panel member; an action on it first closes it if its clock ran out.

    A page only shows an overdue interview as over (``Interview.answers_in``):
    a GET never writes, and the worker closes it within a minute.
    """
    db = get_session()
    interview = permissions.panel_interview(db, current_user, interview_id)
    if request.method != "GET":
        clock.close_when_due(db, interview)
    return interview


def _remember_invite(interview_id: int, token: str) -> None:
    """Keep the newest invite link in the signed session (only its hash is in the database).

    One link at a time keeps the cookie small however many interviews are made.
    """
    session["invite"] = {"interview": interview_id, "token": token}


def _invite_url(token: str) -> str:
    return url_for("interviews.invitation", token=token, _external=True)


# The panel ---------------------------------------------------------------------------------


@bp.get("/interviews")
@access(INTERVIEWER)
def dashboard():
    db = get_session()
    return render_template("interviews/dashboard.html",
                           board=reports.dashboard(db, current_user),
                           history=reports.scoring_history(db, current_user))


@bp.route("/interviews/new", methods=["GET", "POST"])
@access(INTERVIEWER)
def new():
    db = get_session()
    form = InterviewForm()
    prompts = invitations.interview_prompts(db)
    form.prompts.choices = [SelectChoice(p.slug, r.title) for p, r in prompts]
    form.reviewers.choices = [SelectChoice(u.id, f"{u.display_name} ({u.email})")
                              for u in invitations.interviewers(db) if u.id != current_user.id]
    error = None
    if form.validate_on_submit():
        spec = invitations.NewInterview(
            candidate_name=form.candidate_name.data, candidate_email=form.candidate_email.data,
            prompt_slugs=form.prompts.data, target_level=form.target_level.data,
            mode=InterviewMode(form.mode.data), reviewer_ids=form.reviewers.data or [],
            minutes=form.minutes.data, deadline_at=form.deadline_utc(),
            hints_allowed=form.hints_allowed.data, anonymised=form.anonymised.data,
            title=form.title.data or "")
        try:
            interview, token = invitations.create_interview(
                db, current_user, spec,
                grace_seconds=current_app.config["INTERVIEW_GRACE_SECONDS"])
        except Invalid as problem:
            target = getattr(form, problem.field or "", None)
            if target is not None:
                target.errors = [*target.errors, problem.message]
            else:
                error = problem.message
        else:
            _remember_invite(interview.id, token)
            flash("Interview created. Send the candidate the invite link below.", "success")
            return redirect(url_for("interviews.overview", interview_id=interview.id))
    status = (HTTPStatus.UNPROCESSABLE_ENTITY if (form.errors or error) and request.method == "POST"
              else HTTPStatus.OK)
    return render_template("interviews/new.html", form=form, error=error,
                           prompts=prompts), status


@bp.get("/interviews/<int:interview_id>")
@access(INTERVIEWER)
def overview(interview_id: int):
    return _overview(_panel(interview_id))


def _overview(interview, *, reviewer_error: str | None = None,
              regrade_error: tuple[int, str] | None = None):
    """The overview page; ``reviewer_error`` is shown beside the add-a-reviewer field,
    ``regrade_error`` (request id, message) beside that request's answer, refilled
    with what was typed."""
    db = get_session()
    invite = session.get("invite") or {}
    token = (invite.get("token") if invite.get("interview") == interview.id
             and interview.owner_id == current_user.id else None)
    return render_template(
        "interviews/overview.html", interview=interview, now=utcnow(),
        invite_url=_invite_url(token) if token and interview.candidate_id is None else None,
        see_scores=permissions.may_see_scores(interview, current_user),
        hidden=permissions.candidate_hidden(interview, current_user),
        candidate=permissions.candidate_label(interview, current_user),
        regrades=regrades.regrades(db, interview),
        trail=audit.audit_trail(db, interview),
        others=invitations.panel_choices(db, interview),
        reviewer_error=reviewer_error, regrade_error=regrade_error, typed=_typed(),
        decisions=list(Decision), Stage=InterviewStage)


@bp.post("/interviews/<int:interview_id>/invite")
@access(INTERVIEWER)
def new_invite(interview_id: int):
    interview = _panel(interview_id)
    token = invitations.new_invite_link(get_session(), interview, current_user)
    _remember_invite(interview.id, token)
    flash("A new invite link is ready; the old one no longer works.", "success")
    return redirect(url_for("interviews.overview", interview_id=interview.id, _anchor="invite"))


@bp.post("/interviews/<int:interview_id>/reviewers")
@access(INTERVIEWER)
def add_reviewer(interview_id: int):
    interview = _panel(interview_id)
    try:
        invitations.add_reviewer(get_session(), interview, current_user, _reviewer_choice())
    except Invalid as problem:
        return _overview(interview, reviewer_error=problem.message), problem.status
    flash("Reviewer added to the panel.", "success")
    return redirect(url_for("interviews.overview", interview_id=interview.id, _anchor="panel"))


def _reviewer_choice() -> int | str:
    """The reviewer to add: an email typed (or picked from the suggestions), or an account id."""
    typed = request.form.get("reviewer", "").strip()
    if "@" in typed:
        return typed
    return _form_id("reviewer")


@bp.post("/interviews/<int:interview_id>/reviewers/<int:scorecard_id>/remove")
@access(INTERVIEWER)
def remove_reviewer(interview_id: int, scorecard_id: int):
    interview = _panel(interview_id)
    invitations.remove_reviewer(get_session(), interview, current_user, scorecard_id)
    flash("Reviewer removed from the panel.", "success")
    return redirect(url_for("interviews.overview", interview_id=interview.id, _anchor="panel"))


# Stages after which no answer changes: the live view stops asking.
_LIVE_STAGES = (InterviewStage.INVITED, InterviewStage.JOINED, InterviewStage.IN_PROGRESS)


def _live_stamp(answers) -> str:
    """What the live view has of each answer, comma-separated:
    ``attempt:revision:closed:pending:drawn`` (pending: shown as text, its HTML not rendered
    yet; drawn: a whiteboard drawing is shown)."""
    return ",".join(f"{a.attempt.id}:{a.attempt.revision_number}:{int(not a.attempt.is_open)}"
                    f":{int(a.pending)}:{int(a.drawn)}" for a in answers)


def _live_seen(stamp: str) -> dict[int, tuple[int, int, int, int]]:
    """Parse a stamp from the page; parts that are not plain numbers count as unseen."""
    seen = {}
    for part in stamp.split(","):
        attempt_id, number, closed, pending, drawn, *_ = [*part.split(":"), "", "", "", "", ""]
        attempt, revision = whole_number(attempt_id), whole_number(number)
        if attempt is not None and revision is not None:
            seen[attempt] = (revision, whole_number(closed) or 0, whole_number(pending) or 0,
                             whole_number(drawn) or 0)
    return seen


def _live_context(interview, answers, now):
    stage = interview.stage(now)
    return {"interview": interview, "now": now, "stage": stage, "seen": _live_stamp(answers),
            "polling": stage in _LIVE_STAGES}


@bp.get("/interviews/<int:interview_id>/live")
@access(INTERVIEWER)
def live(interview_id: int):
    db = get_session()
    interview = _panel(interview_id)
    answers = live_view.live_answers(db, interview)
    return render_template("interviews/live.html", answers=answers,
                           notes=live_view.notes_for(db, interview, current_user),
                           candidate=permissions.candidate_label(interview, current_user),
                           **_live_context(interview, answers, utcnow()))


@bp.get("/interviews/<int:interview_id>/live/updates")
@access(INTERVIEWER)
def live_updates(interview_id: int):
    """The live view's poll: only the answers changed since the page's ``seen``."""
    interview = _panel(interview_id)
    seen = _live_seen(request.args.get("seen", ""))
    answers = live_view.live_answers(
        get_session(), interview, {attempt: revision for attempt, (revision, *_) in seen.items()},
        frozenset(attempt for attempt, (_, _, pending, _) in seen.items() if pending),
        frozenset(attempt for attempt, (*_, drawn) in seen.items() if drawn))
    if any(a.attempt.id not in seen or (a.scene is not None and not seen[a.attempt.id][3])
           for a in answers):
        # The candidate just started, or drew a first drawing: the page has no place
        # for it yet (and a page without drawings loads no whiteboard script).
        return "", HTTPStatus.OK, {"HX-Refresh": "true"}
    now = utcnow()
    context = _live_context(interview, answers, now)
    changed = [(item, answer) for item in interview.items for answer in answers
               if answer.attempt.id == item.attempt_id
               and (answer.html is not None
                    or seen[answer.attempt.id][1] != int(not answer.attempt.is_open))]
    stage_changed = request.args.get("stage") != context["stage"].value
    if not changed and not stage_changed:
        return "", HTTPStatus.NO_CONTENT  # htmx swaps nothing and asks again
    return render_template("interviews/_live_updates.html", changed=changed,
                           stage_changed=stage_changed, **context)


@bp.post("/interviews/<int:interview_id>/notes")
@access(INTERVIEWER)
def add_note(interview_id: int):
    interview = _panel(interview_id)
    note = live_view.add_note(get_session(), interview, current_user,
                              request.form.get("body", ""))
    if request.headers.get("HX-Request"):
        return render_template("interviews/_note.html", note=note)
    return redirect(url_for("interviews.live", interview_id=interview.id, _anchor="notes"))


@bp.get("/interviews/<int:interview_id>/scorecard")
@access(INTERVIEWER)
def scorecard(interview_id: int):
    interview = _panel(interview_id)
    page = scorecards.scorecard_page(get_session(), interview, current_user)
    return render_template("interviews/scorecard.html", page=page, interview=interview,
                           recommendations=list(Recommendation),
                           notes=live_view.notes_for(get_session(), interview, current_user),
                           candidate=permissions.candidate_label(interview, current_user))


@bp.get("/interviews/<int:interview_id>/attempts/<int:attempt_id>/playback")
@access(INTERVIEWER)
def playback_page(interview_id: int, attempt_id: int):
    interview = _panel(interview_id)
    attempt = permissions.panel_attempt(interview, attempt_id)
    item = next(i for i in interview.items if i.attempt_id == attempt.id)
    return render_template(
        "attempts/playback.html", timeline=playback.timeline(get_session(), attempt),
        title=item.prompt_revision.title,
        whiteboard=get_kind(item.prompt_revision.kind).whiteboard,
        candidate=permissions.candidate_label(interview, current_user),
        frame_url=url_for("interviews.playback_frame", interview_id=interview.id,
                          attempt_id=attempt.id, number=0),
        back_url=url_for("interviews.scorecard", interview_id=interview.id),
        back_label="Scorecard")


@bp.get("/interviews/<int:interview_id>/attempts/<int:attempt_id>/playback/<int:number>")
@access(INTERVIEWER)
def playback_frame(interview_id: int, attempt_id: int, number: int):
    attempt = permissions.panel_attempt(_panel(interview_id), attempt_id)
    return jsonify(playback.frame(get_session(), attempt, number))


def _form_level(name: str) -> int | None:
    """A level field: None when left empty, Invalid when it is not a plain number."""
    return form_number(request.form.get(name), "Pick a level from the rubric's scale.")


def _form_id(name: str) -> int:
    """An id the form chose from a list (0, which no row has, when missing)."""
    return form_number(request.form.get(name), "Choose from the list.") or 0


def _criterion_fields(interview):
    """(attempt id, criterion id, form key) for every criterion the interview's forms hold."""
    for item in interview.items:
        if item.attempt is not None:
            for criterion in item.rubric_revision.criteria:
                yield item.attempt.id, criterion.id, f"{item.attempt.id}-{criterion.id}"


def _scorecard_input(interview) -> scorecards.ScorecardInput:
    form = request.form
    criteria = {}
    for attempt_id, criterion_id, key in _criterion_fields(interview):
        if f"level-{key}" not in form and f"comment-{key}" not in form:
            continue
        criteria[(attempt_id, criterion_id)] = scorecards.CriterionInput(
            level=_form_level(f"level-{key}"), comment=form.get(f"comment-{key}", ""),
            evidence=tuple(q for q in form.getlist(f"evidence-{key}") if q.strip()))
    return scorecards.ScorecardInput(criteria=criteria,
                                     recommendation=form.get("recommendation", ""),
                                     summary=form.get("summary", ""))


@bp.post("/interviews/<int:interview_id>/scorecard")
@access(INTERVIEWER)
def save_scorecard(interview_id: int):
    interview = _panel(interview_id)
    submit = request.form.get("action") == "submit"
    wants_json = request.accept_mimetypes.best == "application/json"
    autosave = bool(request.headers.get("HX-Request")) and not submit
    try:
        card = scorecards.save_scorecard(get_session(), interview, current_user,
                                         _scorecard_input(interview), submit=submit)
    except DomainError as problem:
        if autosave:  # the status line says why; htmx shows it (X-Partial)
            return (render_template("interviews/_scorecard_status.html", error=problem.message),
                    problem.status, {"X-Partial": "refusal"})
        if wants_json:
            return jsonify(error=problem.message), problem.status
        flash(problem.message, "error")
        page = scorecards.scorecard_page(get_session(), interview, current_user)
        return render_template("interviews/scorecard.html", page=page, interview=interview,
                               recommendations=list(Recommendation), form=request.form,
                               notes=live_view.notes_for(get_session(), interview, current_user),
                               candidate=permissions.candidate_label(interview, current_user)
                               ), problem.status
    if autosave:
        return render_template("interviews/_scorecard_status.html", card=card)
    if wants_json:
        return jsonify(saved_at=card.updated_at.isoformat(),
                       submitted=card.submitted_at is not None)
    if submit:
        flash("Scorecard submitted. The other reviewers' scores are now open to you.", "success")
        return redirect(url_for("interviews.comparison", interview_id=interview.id))
    flash("Draft saved.", "success")
    return redirect(url_for("interviews.scorecard", interview_id=interview.id))


@bp.get("/interviews/<int:interview_id>/comparison")
@access(INTERVIEWER)
def comparison(interview_id: int):
    return _comparison(_panel(interview_id))


def _comparison(interview, *, decision_error: str | None = None):
    """The comparison page; ``decision_error`` is shown on the decision form, refilled."""
    result = compare.comparison(get_session(), interview, current_user)
    return render_template("interviews/comparison.html", interview=interview, result=result,
                           decisions=list(Decision), decision_error=decision_error,
                           typed=_typed(),
                           candidate=permissions.candidate_label(interview, current_user))


def _typed():
    """What the person sent, for a page shown again after a refusal (None on a GET)."""
    return request.form if request.method == "POST" else None


@bp.post("/interviews/<int:interview_id>/decision")
@access(INTERVIEWER)
def decide(interview_id: int):
    interview = _panel(interview_id)
    try:
        feedback.decide(get_session(), interview, current_user,
                        request.form.get("decision", ""), request.form.get("note", ""))
    except Invalid as problem:
        return _comparison(interview, decision_error=problem.message), problem.status
    flash(f"Decision recorded: {interview.decision.label}.", "success")
    return redirect(url_for("interviews.release_form", interview_id=interview.id))


@bp.get("/interviews/<int:interview_id>/release")
@access(INTERVIEWER)
def release_form(interview_id: int):
    return _release_page(_panel(interview_id))


def _release_page(interview, *, error: str | None = None):
    """The release form; after a refusal, ``error`` above it and what was typed in it."""
    permissions.require_owner(interview, current_user)
    result = None
    if interview.decision is not None and interview.released_at is None:
        # The comparison's medians are the default levels of the form; no answers shown.
        result = compare.comparison(get_session(), interview, current_user, answers=False)
    return render_template("interviews/release.html", interview=interview, result=result,
                           error=error, typed=_typed(),
                           candidate=permissions.candidate_label(interview, current_user))


@bp.post("/interviews/<int:interview_id>/release")
@access(INTERVIEWER)
def release(interview_id: int):
    interview = _panel(interview_id)
    form = request.form
    try:
        choices = {
            (attempt_id, criterion_id): feedback.FeedbackChoice(
                level=_form_level(f"level-{key}"),
                show_level=form.get(f"show-level-{key}") == "on",
                comment=form.get(f"comment-{key}", ""),
                show_comment=form.get(f"show-comment-{key}") == "on")
            for attempt_id, criterion_id, key in _criterion_fields(interview)}
        feedback.release(get_session(), interview, current_user, choices,
                         message=form.get("message", ""),
                         show_decision=form.get("show_decision") == "on")
    except Invalid as problem:
        return _release_page(interview, error=problem.message), problem.status
    flash("Feedback released. The candidate can read it now.", "success")
    return redirect(url_for("interviews.overview", interview_id=interview.id))


@bp.post("/interviews/<int:interview_id>/regrades/<int:request_id>/answer")
@access(INTERVIEWER)
def answer_regrade(interview_id: int, request_id: int):
    interview = _panel(interview_id)
    try:
        regrades.answer_regrade(get_session(), interview, current_user, request_id,
                                response=request.form.get("response", ""),
                                new_level=_form_level("level"))
    except Invalid as problem:
        return (_overview(interview, regrade_error=(request_id, problem.message)),
                problem.status)
    flash("Answer sent to the candidate.", "success")
    return redirect(url_for("interviews.overview", interview_id=interview.id,
                            _anchor="regrades"))


@bp.post("/interviews/<int:interview_id>/regrades/<int:request_id>/reassign")
@access(INTERVIEWER)
def reassign_regrade(interview_id: int, request_id: int):
    interview = _panel(interview_id)
    regrades.reassign_regrade(get_session(), interview, current_user, request_id,
                              _form_id("reviewer"))
    flash("Request reassigned.", "success")
    return redirect(url_for("interviews.overview", interview_id=interview.id,
                            _anchor="regrades"))


@bp.get("/interviews/<int:interview_id>/export.<any(csv, json):kind>")
@access(INTERVIEWER)
def export(interview_id: int, kind: str):
    interview = _panel(interview_id)
    data = reports.export(get_session(), interview, current_user)
    filename = f"interview-{interview.id}-scorecards.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if kind == "json":
        return Response(reports.to_json(data), mimetype="application/json", headers=headers)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reports.CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(reports.csv_rows(data))
    return Response(out.getvalue(), mimetype="text/csv", headers=headers)


# The candidate ---------------------------------------------------------------------------------


@bp.get("/join/<token>")
@access(ANYONE)
def invitation(token: str):
    db = get_session()
    interview = invitations.find_by_token(db, token)
    if current_user.is_authenticated and interview.candidate_id == current_user.id:
        return redirect(url_for("interviews.candidate", interview_id=interview.id))
    return render_template("interviews/invitation.html", interview=interview, token=token,
                           now=utcnow(), Stage=InterviewStage,
                           claimed=interview.candidate_id is not None)


@bp.post("/join/<token>")
@access(SIGNED_IN)
def accept(token: str):
    db = get_session()
    interview = invitations.find_by_token(db, token)
    invitations.join(db, interview, current_user)
    return redirect(url_for("interviews.candidate", interview_id=interview.id))


@bp.get("/my/interviews/<int:interview_id>")
@access(SIGNED_IN)
def candidate(interview_id: int):
    db = get_session()
    interview = permissions.candidate_interview(db, current_user, interview_id)
    return _candidate_page(interview)


def _candidate_page(interview, *, regrade_error: str | None = None):
    """The candidate's page; ``regrade_error`` is shown on the second-look form they sent,
    refilled with what they typed."""
    db = get_session()
    return render_template("interviews/candidate.html", interview=interview, now=utcnow(),
                           feedback=feedback.candidate_feedback(db, interview),
                           regrade_error=regrade_error, typed=_typed(),
                           Stage=InterviewStage)


@bp.post("/my/interviews/<int:interview_id>/start")
@access(SIGNED_IN)
def start(interview_id: int):
    db = get_session()
    interview = permissions.candidate_interview(db, current_user, interview_id)
    clock.start(db, interview, current_user)
    first = interview.items[0].attempt
    return redirect(url_for("practice.workspace", attempt_id=first.id))


@bp.post("/my/interviews/<int:interview_id>/regrades")
@access(SIGNED_IN)
def request_regrade(interview_id: int):
    db = get_session()
    interview = permissions.candidate_interview(db, current_user, interview_id)
    try:
        regrades.request_regrade(db, interview, current_user,
                                 attempt_id=_form_id("attempt"),
                                 criterion_id=_form_id("criterion"),
                                 reason=request.form.get("reason", ""))
    except Invalid as problem:
        return _candidate_page(interview, regrade_error=problem.message), problem.status
    flash("Your request is with the interview team. Their answer will appear here.", "success")
    return redirect(url_for("interviews.candidate", interview_id=interview.id,
                            _anchor="feedback"))
