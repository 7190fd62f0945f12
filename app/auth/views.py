"""Sign-up, login, logout and the account page."""

from __future__ import annotations

import logging
from datetime import timedelta
from http import HTTPStatus

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from app.auth import devices, oidc, resets, services, sso
from app.auth.access import ANYONE, SIGNED_IN, access
from app.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SignUpForm,
)
from app.config import oidc_enabled
from app.db import get_session
from app.errors import Invalid
from app.rate_limits import rate_limit
from app.security import safe_redirect_target

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

SIGNED_UP = ("If that email was new, your account is ready: "
             "sign in with the password you chose.")
# The email a sign-up hands to the login form, kept in the session rather than
# the URL so it stays out of access logs and browser history.
PREFILL_EMAIL = "prefill_email"
# Where a single sign-on goes once it is back: kept in the session across the
# trip to the provider, checked when stored and again when used.
SSO_NEXT = "sso_next"


def _login_email_key() -> str:
    return "login-email:" + services.normalise_email(request.form.get("email", ""))


def _sign_in(user, *, remember: bool) -> None:
    """Start a fresh server-side sign-in; the old session (and its CSRF token) is dropped."""
    days = current_app.config["SESSION_DAYS"]
    session.clear()
    services.start_session(get_session(), user, days=days,
                           user_agent=request.headers.get("User-Agent", ""))
    login_user(user, remember=remember, duration=timedelta(days=days))


def _sso_label() -> str | None:
    """The single sign-on button's text, or None when single sign-on is off."""
    config = current_app.config
    return config["OIDC_BUTTON_LABEL"] if oidc_enabled(config) else None


def _after_login_target(candidate: str | None) -> str:
    return safe_redirect_target(candidate) or url_for("pages.home")


@bp.route("/signup", methods=["GET", "POST"])
@access(ANYONE)
@rate_limit("SIGNUP_RATE_LIMIT", methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = SignUpForm(next=safe_redirect_target(request.args.get("next")))
    if form.validate_on_submit():
        try:
            services.register(get_session(), email=form.email.data,
                              display_name=form.display_name.data, password=form.password.data)
        except Invalid as error:
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            # The same answer whether the email was new or not, and no sign-in:
            # the page must not tell anyone which emails have an account.
            session[PREFILL_EMAIL] = form.email.data.strip()
            flash(SIGNED_UP, "info")
            return redirect(url_for("auth.login",
                                    next=safe_redirect_target(form.next.data) or None))
    status = HTTPStatus.UNPROCESSABLE_ENTITY if form.errors else HTTPStatus.OK
    return render_template("auth/signup.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@access(ANYONE)
# A browser trusted for the account (see app/auth/devices.py) is counted only
# against its own device cookie; everyone else per address and per account.
@rate_limit("LOGIN_RATE_LIMIT", methods=["POST"], exempt_when=devices.is_trusted)
@rate_limit("LOGIN_RATE_LIMIT", methods=["POST"], key_func=_login_email_key,
            exempt_when=devices.is_trusted)
@rate_limit("LOGIN_DEVICE_RATE_LIMIT", methods=["POST"], key_func=devices.device_key,
            exempt_when=devices.is_untrusted)
def login():
    if current_user.is_authenticated:
        return redirect(_after_login_target(request.args.get("next")))
    form = LoginForm(next=safe_redirect_target(request.args.get("next")),
                     email=session.pop(PREFILL_EMAIL, None))
    error = None
    if form.validate_on_submit():
        user = services.authenticate(get_session(), form.email.data, form.password.data)
        if user is not None:
            _sign_in(user, remember=form.remember.data)
            response = redirect(_after_login_target(form.next.data))
            devices.remember_device(response, user.id)
            return response
        error = "That email and password do not match an account."
    status = HTTPStatus.UNPROCESSABLE_ENTITY if (error or form.errors) else HTTPStatus.OK
    return render_template("auth/login.html", form=form, error=error,
                           sso_label=_sso_label()), status


def _require_sso() -> None:
    if not oidc_enabled(current_app.config):
        abort(HTTPStatus.NOT_FOUND)


def _sso_refused(message: str, reason: str):
    log.warning("single sign-on refused: %s", reason)
    flash(message, "error")
    return redirect(url_for("auth.login"))


@bp.get("/login/oidc")
@access(ANYONE)
def oidc_start():
    _require_sso()
    if current_user.is_authenticated:
        return redirect(_after_login_target(request.args.get("next")))
    session[SSO_NEXT] = safe_redirect_target(request.args.get("next"))
    try:
        return oidc.start(url_for("auth.oidc_callback", _external=True))
    except oidc.ProviderError as error:
        return _sso_refused(error.message, error.reason)


@bp.get("/login/oidc/callback")
@access(ANYONE)
# Counted like password attempts: each one costs calls to the provider.
@rate_limit("LOGIN_RATE_LIMIT")
def oidc_callback():
    _require_sso()
    target = safe_redirect_target(session.pop(SSO_NEXT, None))
    if current_user.is_authenticated:
        return redirect(_after_login_target(target))
    config = current_app.config
    try:
        issuer, claims = oidc.finish()
        user = sso.sign_in_with_provider(
            get_session(), issuer=issuer, claims=claims,
            allowed_domains=config["OIDC_ALLOWED_DOMAINS"],
            auto_create=config["OIDC_AUTO_CREATE"],
        )
    except (oidc.ProviderError, sso.SignInRefused) as error:
        return _sso_refused(error.message, error.reason)
    # The same sign-in as a password's: a server-side session and a device cookie.
    _sign_in(user, remember=False)
    log.info("single sign-on: account %s signed in", user.id)
    response = redirect(_after_login_target(target))
    devices.remember_device(response, user.id)
    return response


@bp.post("/logout")
@access(ANYONE)
def logout():
    if current_user.is_authenticated:
        services.end_session(get_session(), current_user.session_token)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("pages.home"))


def _account_page(password_form: ChangePasswordForm, status: int = HTTPStatus.OK):
    sessions = services.live_sessions(get_session(), current_user)
    current_hash = services.hash_token(current_user.session_token)
    return render_template(
        "auth/account.html", password_form=password_form, sessions=sessions,
        current_hash=current_hash, identities=sso.identities(get_session(), current_user),
    ), status


@bp.get("/account")
@access(SIGNED_IN)
def account():
    return _account_page(ChangePasswordForm())


@bp.post("/account/password")
@access(SIGNED_IN)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                get_session(), current_user, current=form.current_password.data,
                new=form.password.data, days=current_app.config["SESSION_DAYS"],
                user_agent=request.headers.get("User-Agent", ""),
            )
        except Invalid as error:
            getattr(form, error.field or "password").errors.append(error.message)
        else:
            # The old sign-in ended with the password; carry on with the new one.
            login_user(current_user._get_current_object(),
                       duration=timedelta(days=current_app.config["SESSION_DAYS"]))
            flash("Password changed. Every other sign-in has ended.", "success")
            return redirect(url_for("auth.account"))
    return _account_page(form, HTTPStatus.UNPROCESSABLE_ENTITY)


@bp.post("/account/sign-in-methods/<int:identity_id>/remove")
@access(SIGNED_IN)
def remove_identity(identity_id: int):
    try:
        removed = sso.unlink(get_session(), current_user, identity_id)
    except sso.LastWayIn as error:
        flash(error.message, "error")
    else:
        log.info("single sign-on: account %s removed its link to %s", current_user.id,
                 removed.issuer)
        flash("Single sign-on " + (f"as {removed.email} " if removed.email else "")
              + "removed: it no longer signs you in here.", "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/sessions/end-others")
@access(SIGNED_IN)
def end_other_sessions():
    ended = services.end_other_sessions(get_session(), current_user,
                                        keep_token=current_user.session_token)
    flash(f"Ended {ended} other sign-in{'s' if ended != 1 else ''}.", "success")
    return redirect(url_for("auth.account"))


# The one answer to every well-formed request, whether or not the address has an account.
RESET_SENT = ("If an account exists for that address, we have sent a link to reset its "
              "password. It works once, for a limited time; check your spam folder too.")


def _forgot_email_key() -> str:
    return "forgot-email:" + services.normalise_email(request.form.get("email", ""))


@bp.route("/forgot", methods=["GET", "POST"])
@access(ANYONE)
@rate_limit("FORGOT_PASSWORD_RATE_LIMIT", methods=["POST"])
@rate_limit("FORGOT_PASSWORD_RATE_LIMIT", methods=["POST"], key_func=_forgot_email_key)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        resets.ask_for_reset(get_session(), form.email.data)
        return render_template("auth/forgot.html", form=form, sent=RESET_SENT)
    status = HTTPStatus.UNPROCESSABLE_ENTITY if form.errors else HTTPStatus.OK
    return render_template("auth/forgot.html", form=form, sent=None), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
@access(ANYONE)
def reset_password(token: str):
    try:
        resets.usable_reset(get_session(), token)
    except resets.ResetLinkSpent:
        return render_template("auth/reset_spent.html"), HTTPStatus.GONE
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = resets.reset_password(
                get_session(), token, form.password.data,
                days=current_app.config["SESSION_DAYS"],
                user_agent=request.headers.get("User-Agent", ""))
        except resets.ResetLinkSpent:
            return render_template("auth/reset_spent.html"), HTTPStatus.GONE
        except Invalid as error:
            form.password.errors.append(error.message)
        else:
            # The service ended every sign-in and started this one; carry on with it.
            logout_user()
            session.clear()
            login_user(user, duration=timedelta(days=current_app.config["SESSION_DAYS"]))
            flash("Your password is changed and you are signed in. Every other sign-in "
                  "has ended.", "success")
            response = redirect(url_for("pages.home"))
            devices.remember_device(response, user.id)
            return response
    status = HTTPStatus.UNPROCESSABLE_ENTITY if form.errors else HTTPStatus.OK
    return render_template("auth/reset.html", form=form, token=token), status
