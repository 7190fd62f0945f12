"""Device cookies: guessing passwords never locks the owner out of their account.

After a successful sign-in the browser gets a long-lived cookie, signed with
the app's SECRET_KEY, naming the account and a random nonce. At login:

- an attempt on an account that presents that account's valid device cookie
  is counted only against that cookie's nonce (``LOGIN_DEVICE_RATE_LIMIT``);
- every other attempt is untrusted and counted per account and per address
  (``LOGIN_RATE_LIMIT``) as before.

So when someone guesses an account's password until its untrusted allowance
is spent, they get 429 while the owner's browser still signs in. A forged,
tampered, expired or other account's cookie is simply untrusted. The counters
live in the limiter's storage (Redis when REDIS_URL is set), so every web
process shares them; the cookie itself needs no server-side state.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Response, current_app, g, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.auth import services
from app.db import get_session

COOKIE_NAME = "archboard_device"
SALT = "archboard.device"
MAX_AGE_SECONDS = 365 * 24 * 60 * 60


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def remember_device(response: Response, account_id: int) -> None:
    """Give this browser a fresh device cookie for ``account_id`` (after a sign-in)."""
    value = _serializer().dumps({"account": account_id, "nonce": secrets.token_urlsafe(16)})
    response.set_cookie(
        COOKIE_NAME, value, max_age=MAX_AGE_SECONDS,
        # Only the login form needs it; no other request carries it.
        path=url_for("auth.login"),
        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax",
    )


def _presented_cookie() -> dict[str, Any] | None:
    value = request.cookies.get(COOKIE_NAME)
    if not value:
        return None
    try:
        payload = _serializer().loads(value, max_age=MAX_AGE_SECONDS)
    except BadSignature:  # also covers expired and malformed values
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("account"), int) \
            or not isinstance(payload.get("nonce"), str):
        return None
    return payload


def trusted_nonce() -> str | None:
    """The nonce of this request's device cookie if it belongs to the account signing in."""
    if "device_nonce" not in g:
        g.device_nonce = None
        payload = _presented_cookie()
        if payload is not None:
            # Only a validly signed cookie costs a lookup; untrusted clients cost none.
            user = services.find_user(get_session(), request.form.get("email", ""))
            if user is not None and user.id == payload["account"]:
                g.device_nonce = payload["nonce"]
    return g.device_nonce


def is_trusted() -> bool:
    """True when this login attempt comes from a browser trusted for its account."""
    return trusted_nonce() is not None


def is_untrusted() -> bool:
    return trusted_nonce() is None


def device_key() -> str:
    """The rate-limit counter of a trusted browser: its cookie's nonce."""
    return "login-device:" + (trusted_nonce() or "none")
