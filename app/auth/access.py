"""Who may call each route: one decorator, declared on every view.

    @access(ANYONE)               anyone, signed in or not
    @access(SIGNED_IN)            any signed-in person
    @access(Role.ADMIN)           signed in and holding one of the named roles

A route without a declaration is refused (403) at request time, and a test
walks ``app.url_map`` to fail the build before that can happen.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

import click
from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from app.models import Role

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


class Audience(enum.Enum):
    ANYONE = "anyone"
    SIGNED_IN = "signed in"


ANYONE = Audience.ANYONE
SIGNED_IN = Audience.SIGNED_IN


@dataclass(frozen=True)
class AccessRule:
    """The declaration a route carries: who may call it."""

    audience: Audience
    roles: frozenset[Role] = frozenset()

    def describe(self) -> str:
        if self.roles:
            return "roles: " + ", ".join(sorted(r.value for r in self.roles))
        return self.audience.value


def access(*who: Audience | Role) -> Callable[[F], F]:
    """Declare and enforce who may call a view."""
    if not who:
        raise TypeError("access() needs ANYONE, SIGNED_IN or one or more roles")
    roles = frozenset(w for w in who if isinstance(w, Role))
    audiences = {w for w in who if isinstance(w, Audience)}
    if audiences and roles or len(audiences) > 1:
        raise TypeError("access() takes one audience or a list of roles, not a mix")
    rule = AccessRule(audience=SIGNED_IN, roles=roles) if roles else AccessRule(audiences.pop())

    def decorator(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            enforce(rule)
            return view(*args, **kwargs)

        guarded.access_rule = rule  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorator


def enforce(rule: AccessRule) -> None:
    """Abort the request unless the current person satisfies ``rule``."""
    if rule.audience is ANYONE:
        return
    if not current_user.is_authenticated:
        if request.method == "GET" and not request.headers.get("HX-Request"):
            abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
        abort(401)
    if rule.roles and not current_user.has_role(*rule.roles):
        abort(403)


def rule_for(app: Flask, endpoint: str) -> AccessRule | None:
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def init_app(app: Flask) -> None:
    # Flask's own static route serves public files; declare it like any other.
    if "static" in app.view_functions:
        app.view_functions["static"] = access(ANYONE)(app.view_functions["static"])

    @app.cli.command("access")
    def access_command() -> None:
        """List every route with who may call it."""
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            declared = rule_for(app, rule.endpoint)
            methods = ",".join(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))
            who = declared.describe() if declared else "UNDECLARED"
            click.echo(f"{rule.rule:<40} {methods:<10} {who}")

    @app.before_request
    def refuse_undeclared_routes() -> None:
        if request.endpoint and rule_for(current_app, request.endpoint) is None:
            log.error("route %s has no access declaration; refusing", request.endpoint)
            abort(403)
