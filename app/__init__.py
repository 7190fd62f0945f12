"""Archboard: practise and run system-design and backend-engineering interviews."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import check_settings, load_settings

__version__ = "0.1.0"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build an app: defaults and environment first, then ``config`` on top."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        VERSION=__version__,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        RATELIMIT_HEADERS_ENABLED=True,
    )
    app.config.from_mapping(load_settings(os.environ, app.instance_path))
    if config:
        app.config.from_mapping(config)
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    app.config["TESTING"] = app.config["ARCHBOARD_ENV"] == "testing" or app.config.get("TESTING")
    check_settings(app.config)
    os.makedirs(app.instance_path, exist_ok=True)

    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import db, errors, health, inputs, jobs, logs, security
    from app.auth import oidc
    from app.auth.services import load_signed_in_user
    from app.extensions import csrf, login_manager

    # First, so its after_request hook runs last and logs the final status.
    logs.init_app(app)
    db.init_app(app)
    inputs.init_app(app)
    jobs.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    oidc.init_app(app)

    @login_manager.user_loader
    def load_user(token: str):
        return load_signed_in_user(db.get_session(), token)

    errors.init_app(app)
    health.init_app(app)
    security.init_app(app)

    # HTML that render_markdown produced and the database stored (statements,
    # hints, descriptors, summaries ...). Only such columns may pass through this
    # filter. There is no filter that renders markdown: no page renders it on a view.
    app.jinja_env.filters["rendered"] = Markup
    app.jinja_env.globals["app_version"] = __version__
    from app.models import Role

    app.jinja_env.globals["Role"] = Role
    # Templates ask a prompt's kind for its label and its page pieces
    # (templates/kinds/<name>/) rather than naming a kind.
    from app.kinds import all_kinds, get_kind
    from app.kinds.scene import scene_summary
    from app.vocabulary import AuditAction, AutoScorer, RunVerdict

    app.jinja_env.globals["prompt_kind"] = get_kind
    # The content editor offers Verify for the kinds it can check (app.checks).
    from app.checks.verify import verifiable_kind

    app.jinja_env.globals["verifiable_kind"] = verifiable_kind
    app.jinja_env.globals["prompt_kinds"] = all_kinds
    app.jinja_env.globals["scene_summary"] = scene_summary
    app.jinja_env.globals.update(AuditAction=AuditAction, AutoScorer=AutoScorer,
                                 RunVerdict=RunVerdict)


def _register_blueprints(app: Flask) -> None:
    from app import rate_limits
    from app.admin.views import bp as admin_bp
    from app.auth import access
    from app.auth import jobs as auth_jobs
    from app.auth.views import bp as auth_bp
    from app.authoring.views import bp as authoring_bp
    from app.calibration.views import bp as calibration_bp
    from app.checks import jobs as check_jobs
    from app.checks.views import bp as checks_bp
    from app.coverage.views import bp as coverage_bp
    from app.insight.views import bp as insight_bp
    from app.interviews import policy as interview_policy
    from app.interviews.views import bp as interviews_bp
    from app.mail import jobs as mail_jobs
    from app.pages.views import bp as pages_bp
    from app.planning.views import bp as planning_bp
    from app.practice.views import bp as practice_bp
    from app.transfer.views import bp as transfer_bp

    for blueprint in (pages_bp, auth_bp, admin_bp, practice_bp, interviews_bp, coverage_bp,
                      insight_bp, planning_bp, calibration_bp, authoring_bp, transfer_bp,
                      checks_bp):
        app.register_blueprint(blueprint)
    # Interviews give attempts their rules and the worker its task (app.attempts
    # and app.jobs import no feature).
    interview_policy.init_app(app)
    check_jobs.init_app(app)
    mail_jobs.init_app(app)
    auth_jobs.init_app(app)
    # Both wrap the registered views, so they run once every route exists.
    rate_limits.init_app(app)
    access.init_app(app)


def _register_cli(app: Flask) -> None:
    from app import backup, migrations_cli
    from app.admin import cli as users_cli
    from app.content import cli as content_cli

    migrations_cli.init_app(app)
    users_cli.init_app(app)
    content_cli.init_app(app)
    backup.init_app(app)
