"""The import and export pages, for authors and admins."""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from app.auth.access import access
from app.content.site import content_root, content_writable
from app.db import get_session, utcnow
from app.errors import DomainError
from app.models import Role
from app.transfer import services
from app.transfer.forms import ConfirmForm, UploadForm

bp = Blueprint("transfer", __name__, url_prefix="/authoring")


def _megabytes(count: int) -> str:
    return f"{count / 1_048_576:g} MB"


@bp.url_value_preprocessor
def _larger_uploads(endpoint: str | None, _values: dict | None) -> None:
    # Runs before any before_request (CSRF reads the form there), so the import
    # alone accepts a body up to IMPORT_MAX_BYTES instead of MAX_CONTENT_LENGTH.
    if endpoint == "transfer.import_":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge):
    limit = current_app.config["IMPORT_MAX_BYTES"]
    return _page(UploadForm(formdata=None), too_large=(
        f"The file is larger than {_megabytes(limit)}, the most an import may be. "
        f"Nothing was changed."), status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)


def _page(form: UploadForm, *, status: int = HTTPStatus.OK, **context):
    return render_template(
        "transfer/import.html", form=form, confirm=ConfirmForm(formdata=None),
        writable=content_writable(), limit=_megabytes(current_app.config["IMPORT_MAX_BYTES"]),
        limit_bytes=current_app.config["IMPORT_MAX_BYTES"], **context), status


@bp.get("/export.zip")
@access(Role.AUTHOR, Role.ADMIN)
def export():
    data = services.export_content(content_root())
    name = f"archboard-content-{utcnow():%Y-%m-%d}.zip"
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.route("/import", methods=["GET", "POST"])
@access(Role.AUTHOR, Role.ADMIN)
def import_():
    form = UploadForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _page(form, status=HTTPStatus.OK if request.method == "GET"
                     else HTTPStatus.UNPROCESSABLE_ENTITY)
    check = services.check_upload(
        form.archive.data.read(), owner_id=current_user.id, root=content_root(),
        instance=Path(current_app.instance_path),
        archive_bytes=current_app.config["IMPORT_MAX_BYTES"])
    confirm = ConfirmForm(formdata=None, token=check.token)
    status = HTTPStatus.OK if check.ok else HTTPStatus.UNPROCESSABLE_ENTITY
    return render_template(
        "transfer/import.html", form=UploadForm(formdata=None), confirm=confirm, check=check,
        writable=content_writable(), limit=_megabytes(current_app.config["IMPORT_MAX_BYTES"]),
        limit_bytes=current_app.config["IMPORT_MAX_BYTES"]), status


@bp.post("/import/apply")
@access(Role.AUTHOR, Role.ADMIN)
def apply():
    confirm = ConfirmForm()
    if not confirm.validate_on_submit():
        return _page(UploadForm(formdata=None), failed="The confirmation was not understood. "
                     "Upload the zip again.", status=HTTPStatus.BAD_REQUEST)
    try:
        report = services.apply_upload(
            get_session(), confirm.token.data, owner_id=current_user.id, root=content_root(),
            instance=Path(current_app.instance_path), writable=content_writable())
    except DomainError as error:
        return _page(UploadForm(formdata=None), failed=error.message, status=error.status)
    return _page(UploadForm(formdata=None), report=report)
