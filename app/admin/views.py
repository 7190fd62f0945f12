"""Administration pages: accounts and their roles, and the outbox of emails."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import services
from app.auth.access import access
from app.db import get_session
from app.errors import Invalid
from app.mail import outbox as mail_outbox
from app.models import EmailStatus, Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@access(Role.ADMIN)
def users():
    search = request.args.get("q", "")
    page = services.list_users(get_session(), search=search,
                               page=request.args.get("page", 1, type=int))
    return render_template("admin/users.html", page=page, search=search, roles=list(Role))


@bp.post("/users/<int:user_id>/roles")
@access(Role.ADMIN)
def set_roles(user_id: int):
    chosen = request.form.getlist("roles")
    known = {role.value for role in Role}
    if not set(chosen) <= known:
        raise Invalid(f"Unknown role; pick from {', '.join(sorted(known))}.")
    user = services.set_roles(get_session(), actor=current_user, user_id=user_id,
                              roles={Role(value) for value in chosen})
    flash(f"Roles of {user.email} saved.", "success")
    return redirect(url_for("admin.users", q=request.args.get("q", ""),
                            page=request.args.get("page", 1, type=int)))


@bp.get("/outbox")
@access(Role.ADMIN)
def outbox():
    chosen = request.args.get("status", "")
    if chosen and chosen not in {status.value for status in EmailStatus}:
        raise Invalid(f"Unknown status; pick from {', '.join(s.value for s in EmailStatus)}.")
    status = EmailStatus(chosen) if chosen else None
    page = mail_outbox.outbox_page(get_session(), status=status,
                                   page=request.args.get("page", 1, type=int))
    return render_template("admin/outbox.html", page=page, status=chosen,
                           statuses=list(EmailStatus))


@bp.get("/outbox/<int:email_id>")
@access(Role.ADMIN)
def outbox_email(email_id: int):
    email = mail_outbox.get_email(get_session(), email_id)
    return render_template("admin/outbox_email.html", email=email)
