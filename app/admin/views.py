"""Administration pages: accounts and their roles."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import services
from app.auth.access import access
from app.db import get_session
from app.errors import Invalid
from app.models import Role

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
