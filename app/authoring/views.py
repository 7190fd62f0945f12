"""The content workspace's pages: the list, the editor, checking, saving and new items."""

from __future__ import annotations

from http import HTTPStatus

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from app.auth.access import access
from app.authoring import services
from app.authoring.files import PROMPT, RUBRIC
from app.authoring.forms import NewItemForm
from app.content.site import content_root, content_writable
from app.db import get_session
from app.errors import Conflict, Invalid
from app.inputs import whole_number
from app.kinds import get_kind
from app.models import Role
from app.rate_limits import rate_limit

bp = Blueprint("authoring", __name__, url_prefix="/authoring")
AUTHORS = (Role.AUTHOR, Role.ADMIN)
FILE_FIELD = "file:"


def _per_user() -> str:
    # Counted per person, not per address: authors behind one office proxy type apart.
    return f"user:{current_user.get_id()}"


@bp.get("")
@access(*AUTHORS)
def index():
    kind = request.args.get("kind", "")
    status = request.args.get("status", "")
    query = request.args.get("q", "")[:100]
    library = services.library(get_session(), content_root(), kind=kind, status=status,
                               query=query, page=whole_number(request.args.get("page")) or 1)
    return render_template("authoring/index.html", library=library, kind=kind, status=status,
                           query=query, statuses=services.STATUSES,
                           writable=content_writable(), filtered=bool(kind or status or query))


@bp.get("/prompts/<slug>")
@access(*AUTHORS)
def prompt(slug: str):
    return _editor(services.open_item(get_session(), content_root(), PROMPT, slug))


@bp.get("/rubrics/<slug>")
@access(*AUTHORS)
def rubric(slug: str):
    return _editor(services.open_item(get_session(), content_root(), RUBRIC, slug))


def _editor(editor: services.Editor, *, status: int = HTTPStatus.OK, error: str | None = None,
            read_only: bool = False):
    focus = request.args.get("file", "")
    line = whole_number(request.args.get("line"))
    return render_template(
        "authoring/editor.html", editor=editor, writable=content_writable(), error=error,
        read_only_notice=read_only, focus_file=focus,
        create_rubric=_create_rubric_url(editor.missing_rubric, editor.title),
        focus_line=line), status


def _create_rubric_url(slug: str | None, title: str) -> str | None:
    return url_for("authoring.new", kind="rubric", slug=slug, title=title) if slug else None


def _submitted_files() -> dict[str, str]:
    return {name.removeprefix(FILE_FIELD): value for name, value in request.form.items()
            if name.startswith(FILE_FIELD)}


def _editor_of(files: dict[str, str], problems=()) -> services.Editor:
    return services.unsaved_editor(content_root(), files, list(problems),
                                   title=request.form.get("title", ""))


@bp.post("/check")
@access(*AUTHORS)
@rate_limit("AUTHORING_RATE_LIMIT", key_func=_per_user)
def check():
    body = request.get_json(silent=True)
    raw = body.get("files") if isinstance(body, dict) else None
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                            for k, v in raw.items()):
        raise Invalid('send {"files": {"<path>": "<text>", ...}}')
    files = services.clean_files(raw)
    checked = services.check(content_root(), files)
    return jsonify(
        problems=[_problem_json(p) for p in checked.problems],
        elsewhere=[_problem_json(p) for p in checked.elsewhere],
        ok=checked.ok,
        create_rubric=_create_rubric_url(
            services.missing_rubric(checked.problems, set(files)),
            checked.preview.prompt.title if checked.preview.prompt else ""),
        candidate_html=render_template("authoring/_candidate.html", preview=checked.preview),
        reviewer_html=render_template("authoring/_reviewer.html", preview=checked.preview))


def _problem_json(problem) -> dict:
    return {"path": problem.path, "line": problem.line, "message": problem.message,
            "severity": problem.severity.value, "text": str(problem)}


@bp.post("/save")
@access(*AUTHORS)
@rate_limit("AUTHORING_RATE_LIMIT", key_func=_per_user)
def save():
    files = services.clean_files(_submitted_files())
    try:
        saved = services.save(get_session(), content_root(), files,
                              writable=content_writable())
    except services.ProblemsFound as found:
        return _editor(_editor_of(files, found.problems), status=HTTPStatus.UNPROCESSABLE_ENTITY,
                       error=found.message)
    except services.ContentReadOnly as read_only:
        return _editor(_editor_of(files), status=HTTPStatus.CONFLICT, error=read_only.message,
                       read_only=True)
    editor = _editor_of(files)
    if not saved.written:
        flash("Nothing changed: the files are as they are on disk.", "info")
    else:
        flash("Saved " + ", ".join(saved.written) + ". "
              + ("; ".join(saved.messages) + "." if saved.messages else ""), "success")
    for warning in saved.warnings:
        flash(warning, "warning")
    endpoint = "authoring.prompt" if editor.item.kind == PROMPT else "authoring.rubric"
    return redirect(url_for(endpoint, slug=editor.item.slug))


@bp.post("/download")
@access(*AUTHORS)
@rate_limit("AUTHORING_RATE_LIMIT", key_func=_per_user)
def download():
    files = services.clean_files(_submitted_files())
    try:
        name, data, media = services.download(content_root(), files)
    except services.ProblemsFound as found:
        return _editor(_editor_of(files, found.problems), status=HTTPStatus.UNPROCESSABLE_ENTITY,
                       error=found.message)
    return Response(data, mimetype=media.split(";")[0], headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Content-Type": media})


@bp.route("/new", methods=["GET", "POST"])
@access(*AUTHORS)
def new():
    db = get_session()
    # Links (the planner's "draft a prompt for this gap") prefill the form by query string.
    form = NewItemForm() if request.method == "POST" else NewItemForm(
        formdata=MultiDict(request.args) if request.args else None)
    kinds = services.template_kinds()
    form.kind.choices = [SelectChoice(k, get_kind(k).label) for k in kinds] + [
        SelectChoice("rubric", "Rubric")]
    form.competencies.choices = [SelectChoice(slug, title)
                                 for slug, title in services.competency_choices(db)]
    if request.method == "POST" and form.validate():
        spec = services.NewItem(
            kind=form.kind.data, slug=form.slug.data, title=form.title.data,
            level=form.level.data, minutes=form.minutes.data or 45,
            competencies=tuple(form.competencies.data or ()),
            rubric=form.rubric.data or form.slug.data)
        try:
            return _editor(services.start_new(content_root(), spec))
        except Conflict as taken:
            form.slug.errors = [*form.slug.errors, taken.message]
    status = HTTPStatus.UNPROCESSABLE_ENTITY if request.method == "POST" else HTTPStatus.OK
    return render_template("authoring/new.html", form=form), status
