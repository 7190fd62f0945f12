"""Candidate pages: the library, the workspace, history, results and progress."""

from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.attempts import lifecycle, playback, shown
from app.attempts.lifecycle import AnswerTooLarge, StaleRevision, TimeUp
from app.attempts.policy import attempt_policy
from app.auth.access import access
from app.db import get_session, utcnow
from app.errors import Invalid
from app.grading import runs
from app.inputs import DB_INT_MAX, form_number
from app.kinds import all_kinds, get_kind
from app.models import Role, RunKind
from app.practice import services
from app.practice.services import LibraryFilters
from app.rate_limits import rate_limit
from app.vocabulary import LEVELS, TIME_BOXES

bp = Blueprint("practice", __name__, url_prefix="/practice")
CANDIDATE = Role.CANDIDATE


def _own_attempt(attempt_id: int):
    return lifecycle.get_own_attempt(get_session(), current_user, attempt_id)


def _interview_page(attempt):
    return redirect(url_for("interviews.candidate", interview_id=attempt.interview_id))


def _close_interview_if_overdue(attempt) -> None:
    """For an interview attempt refused a write: submit it if the interview's clock ran out."""
    attempt_policy().close_when_due(get_session(), attempt)


def _draft_json(revision, number: int) -> dict:
    """A revision for the workspace's script; its scene (JSON text, "" for none) if loaded."""
    return {
        "revision": number,
        "body": revision.body if revision else "",
        "scene": (lifecycle.scene_of(get_session(), revision) or "") if revision else "",
        "saved_at": revision.created_at.isoformat() if revision else None,
    }


@bp.get("")
@access(CANDIDATE)
def library():
    args = request.args
    filters = LibraryFilters(
        competency=args.get("competency", ""), kind=args.get("kind", ""),
        level=args.get("level", ""), time_box=args.get("time", ""),
        query=args.get("q", "").strip()[:100], page=args.get("page", 1, type=int),
    )
    session = get_session()
    page = services.list_library(session, current_user, filters)
    return render_template(
        "practice/library.html", page=page, filters=filters,
        competencies=services.library_competencies(session),
        kinds=all_kinds(), levels=LEVELS, time_boxes=TIME_BOXES,
    )


@bp.get("/prompts/<slug>")
@access(CANDIDATE)
def prompt(slug: str):
    session = get_session()
    prompt, revision = services.open_practice_prompt(session, current_user, slug)
    return render_template("practice/prompt.html", prompt=prompt, revision=revision,
                           attempts=services.attempts_for(session, current_user, prompt),
                           levels=LEVELS)


@bp.post("/prompts/<slug>/attempts")
@access(CANDIDATE)
def start(slug: str):
    attempt = services.start_attempt(get_session(), current_user, slug,
                                     target_level=request.form.get("level"))
    return redirect(url_for("practice.workspace", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@access(CANDIDATE)
def workspace(attempt_id: int):
    session = get_session()
    attempt = _own_attempt(attempt_id)
    # An interview past its deadline is over whether or not the worker has closed it
    # yet: its page says so, and this GET writes nothing.
    if attempt.interview is not None and (not attempt.is_open
                                          or attempt.interview.overdue(utcnow())):
        return _interview_page(attempt)
    if not attempt.is_open:
        return redirect(url_for("practice.result", attempt_id=attempt.id))
    # The preview starts from the draft's stored HTML (an answer that has HTML has a preview).
    kind = get_kind(attempt.prompt_revision.kind)
    draft = lifecycle.latest_revision(session, attempt, html=kind.renders_html,
                                      scene=kind.whiteboard)
    return render_template("practice/workspace.html", attempt=attempt, draft=draft,
                           scene=lifecycle.scene_of(session, draft) if kind.whiteboard else None,
                           interview=attempt.interview, now=utcnow(),
                           revision=attempt.prompt_revision,
                           elapsed=attempt.elapsed_seconds(utcnow()),
                           max_bytes=lifecycle.ANSWER_MAX_BYTES)


@bp.get("/attempts/<int:attempt_id>/draft")
@access(CANDIDATE)
def draft(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    kind = get_kind(attempt.prompt_revision.kind)
    return jsonify(_draft_json(lifecycle.latest_revision(get_session(), attempt,
                                                         scene=kind.whiteboard),
                               attempt.revision_number))


@bp.post("/attempts/<int:attempt_id>/draft")
@access(CANDIDATE)
def save_draft(attempt_id: int):
    # Not _own_attempt: saving reads none of the prompt, rubric or hints it loads.
    attempt = lifecycle.get_attempt_to_save(get_session(), current_user, attempt_id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        data = {}
    body, based_on, client_id = data.get("body"), data.get("based_on"), data.get("client_id", "")
    scene = data.get("scene")  # absent: the newest revision's scene is kept
    # bool is an int to Python, but `true` is no revision number.
    if (not isinstance(body, str) or not isinstance(client_id, str)
            or not isinstance(based_on, int) or isinstance(based_on, bool)
            or not 0 <= based_on <= DB_INT_MAX or not isinstance(scene, str | None)):
        raise Invalid("Send JSON with body (text), based_on (a revision number) and "
                      "optionally client_id (text) and scene (the whiteboard as JSON text).")
    try:
        revision = lifecycle.save_draft(get_session(), attempt, body=body, based_on=based_on,
                                        client_id=client_id[:64], scene=scene)
    except StaleRevision as conflict:
        return jsonify(error="conflict", message=conflict.message,
                       current=_draft_json(conflict.current, conflict.number)), HTTPStatus.CONFLICT
    except AnswerTooLarge as error:
        return (jsonify(error="too_large", message=error.message),
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    except TimeUp as error:
        _close_interview_if_overdue(attempt)
        return (jsonify(error="time_up", message=error.message,
                        url=url_for("interviews.candidate", interview_id=attempt.interview_id)),
                HTTPStatus.CONFLICT)
    return jsonify(revision=revision.number, saved_at=revision.created_at.isoformat(),
                   size=revision.size)


@bp.post("/attempts/<int:attempt_id>/hints")
@access(CANDIDATE)
def reveal_hint(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    reveal = lifecycle.reveal_hint(get_session(), attempt)
    if not request.headers.get("HX-Request"):  # a plain form post, without scripts
        return redirect(url_for("practice.workspace", attempt_id=attempt.id,
                                _anchor=f"hint-{reveal.hint_index + 1}"))
    return render_template("practice/_hint.html", attempt=attempt, reveal=reveal)


@bp.post("/attempts/<int:attempt_id>/evidence/<key>")
@access(CANDIDATE)
def reveal_evidence(attempt_id: int, key: str):
    attempt = _own_attempt(attempt_id)
    reveal = lifecycle.reveal_evidence(get_session(), attempt, key[:80])
    if not request.headers.get("HX-Request"):  # a plain form post, without scripts
        return redirect(url_for("practice.workspace", attempt_id=attempt.id,
                                _anchor=f"evidence-{reveal.evidence_key}"))
    kind = get_kind(attempt.prompt_revision.kind)
    return render_template("kinds/incident/_evidence.html", attempt=attempt,
                           items=kind.page_view(attempt.prompt_revision.files),
                           focus_key=reveal.evidence_key)


@bp.post("/attempts/<int:attempt_id>/timer")
@access(CANDIDATE)
def timer(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    running = request.form.get("running") == "true"
    lifecycle.set_timer(get_session(), attempt, running=running)
    return jsonify(running=attempt.timer_started_at is not None,
                   elapsed=attempt.elapsed_seconds(utcnow()))


@bp.get("/attempts/<int:attempt_id>/revisions")
@access(CANDIDATE)
def revisions(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    page = lifecycle.list_revisions(get_session(), attempt,
                                    page=request.args.get("page", 1, type=int))
    return render_template("practice/revisions.html", attempt=attempt, page=page)


@bp.get("/attempts/<int:attempt_id>/revisions/<int:number>")
@access(CANDIDATE)
def revision(attempt_id: int, number: int):
    attempt = _own_attempt(attempt_id)
    kind = get_kind(attempt.prompt_revision.kind)
    session = get_session()
    answer = lifecycle.get_revision(session, attempt, number, html=kind.renders_html,
                                    scene=kind.whiteboard)
    return render_template("practice/revision.html", attempt=attempt, answer=answer,
                           answer_html=shown.answer_html(attempt.prompt_revision, answer),
                           scene=lifecycle.scene_of(session, answer) if kind.whiteboard else None)


@bp.get("/attempts/<int:attempt_id>/playback")
@access(CANDIDATE)
def playback_page(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    return render_template(
        "attempts/playback.html", timeline=playback.timeline(get_session(), attempt),
        title=attempt.prompt_revision.title,
        whiteboard=get_kind(attempt.prompt_revision.kind).whiteboard,
        frame_url=url_for("practice.playback_frame", attempt_id=attempt.id, number=0),
        back_url=url_for("practice.revisions", attempt_id=attempt.id), back_label="History")


@bp.get("/attempts/<int:attempt_id>/playback/<int:number>")
@access(CANDIDATE)
def playback_frame(attempt_id: int, number: int):
    # Not _own_attempt: a frame reads none of the prompt, rubric or hints it loads, and
    # a playing page asks for one frame after another.
    attempt = lifecycle.get_attempt_to_save(get_session(), current_user, attempt_id)
    return jsonify(playback.frame(get_session(), attempt, number))


@bp.post("/attempts/<int:attempt_id>/revisions/<int:number>/restore")
@access(CANDIDATE)
def restore(attempt_id: int, number: int):
    attempt = _own_attempt(attempt_id)
    lifecycle.restore_revision(get_session(), attempt, number)
    return redirect(url_for("practice.workspace", attempt_id=attempt.id))


@bp.post("/attempts/<int:attempt_id>/submit")
@access(CANDIDATE)
def submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    body = request.form.get("body")
    # The whiteboard's scene as the form carries it; absent (no whiteboard, no script): kept.
    scene = request.form.get("scene")
    based_on = form_number(request.form.get("based_on"),
                           "The form's revision number is garbled. Reload the page and submit.")
    try:
        lifecycle.submit_attempt(get_session(), attempt, body=body, based_on=based_on,
                                 client_id=request.form.get("client_id", "")[:64],
                                 scene=scene if body is not None else None)
    except StaleRevision:
        raise Invalid("Your answer changed in another tab. Reload to see the newest text, "
                      "then submit.") from None
    except TimeUp:
        _close_interview_if_overdue(attempt)
        return _interview_page(attempt)
    if attempt.interview is not None:
        return _interview_page(attempt)
    return redirect(url_for("practice.result", attempt_id=attempt.id))


def run_json(run) -> dict:
    """A run for the page; hidden tests show only their names and outcomes."""
    hidden = run.kind is RunKind.HIDDEN
    tests = [{"name": t["name"], "outcome": t["outcome"], "seconds": t["seconds"],
              **({} if hidden else {"message": t["message"], "output": t["output"]})}
             for t in run.results]
    return {"id": run.id, "kind": run.kind.value, "status": run.status.value,
            "finished": run.finished, "verdict": run.verdict, "detail": run.detail,
            "passed": run.passed, "total": run.total, "revision": run.revision_number,
            "sandboxed": run.sandboxed, "tests": tests}


@bp.post("/attempts/<int:attempt_id>/runs")
@access(CANDIDATE)
@rate_limit("RUN_RATE_LIMIT")
def request_run(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    run = runs.request_run(get_session(), attempt, RunKind.PUBLIC)
    if request.headers.get("HX-Request"):  # the workspace's run panel
        return render_template("practice/_run.html", run=run), HTTPStatus.ACCEPTED
    return jsonify(run_json(run)), HTTPStatus.ACCEPTED


@bp.get("/attempts/<int:attempt_id>/runs/<int:run_id>")
@access(CANDIDATE)
def run_status(attempt_id: int, run_id: int):
    attempt = _own_attempt(attempt_id)
    run = runs.get_run(get_session(), attempt, run_id)
    if not request.headers.get("HX-Request"):
        return jsonify(run_json(run))
    if run.kind is RunKind.HIDDEN:
        # The result page: its score depends on the run, so it reloads once it is done.
        if run.finished:
            return "", HTTPStatus.OK, {"HX-Refresh": "true"}
        return "", HTTPStatus.NO_CONTENT
    return render_template("practice/_run.html", run=run)


@bp.get("/attempts/<int:attempt_id>/result")
@access(CANDIDATE)
def result(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.interview is not None:  # feedback is what the panel releases, never the reference
        return _interview_page(attempt)
    if attempt.is_open:
        return redirect(url_for("practice.workspace", attempt_id=attempt.id))
    return render_template("practice/result.html",
                           result=services.attempt_result(get_session(), attempt))


@bp.post("/attempts/<int:attempt_id>/self-assessment")
@access(CANDIDATE)
def self_assess(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    levels = {}
    for criterion in attempt.rubric_revision.criteria:
        level = form_number(request.form.get(f"level-{criterion.id}"),
                            f"{criterion.name}: pick a level from the scale.")
        if level is not None:
            levels[criterion.id] = (level, request.form.get(f"note-{criterion.id}", ""))
    services.self_assess(get_session(), attempt, levels)
    return redirect(url_for("practice.result", attempt_id=attempt.id, _anchor="score"))


@bp.get("/progress")
@access(CANDIDATE)
def progress():
    return render_template("practice/progress.html",
                           progress=services.progress(get_session(), current_user))
