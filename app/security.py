"""Response headers every page carries, and safe redirect targets.

The whole policy is the dict below, applied in one ``after_request`` hook.
Scripts load only from this origin (no inline script, no eval); styles allow
inline attributes because mermaid writes style attributes into its SVGs.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, request
from flask_login import current_user

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

HEADERS = {
    "Content-Security-Policy": "; ".join(f"{k} {v}" for k, v in CSP.items()),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


REDIRECT_MAX_LENGTH = 2000
# Printable ASCII but the space and the backslash: browsers strip or rewrite
# control characters and whitespace, and treat a backslash like "/".
_REDIRECT_CHARS = re.compile(r"[!-\[\]-~]+")


def is_safe_redirect(target: str | None) -> bool:
    """True only for a path on this site, like ``/practice?kind=coding``.

    False for other hosts and schemes and the tricks that reach them: ``//x``,
    ``////x``, backslashes, control characters, and percent-encoded slashes,
    backslashes or controls in the path (``/%2F%2Fx``, ``/%5Cx``), which some
    servers and browsers decode before following.
    """
    if not target or len(target) > REDIRECT_MAX_LENGTH:
        return False
    if not _REDIRECT_CHARS.fullmatch(target):
        return False
    parts = urlsplit(target)
    if not _is_single_slash_path(target) or parts.scheme or parts.netloc:
        return False
    # Decode the path as often as it decodes (double encoding included); every
    # form must still be a plain path of this site.
    path = parts.path
    for _ in range(5):
        decoded = unquote(path)
        if decoded == path:
            return True
        if not _REDIRECT_CHARS.fullmatch(decoded) or not _is_single_slash_path(decoded):
            return False
        path = decoded
    return False


def _is_single_slash_path(path: str) -> bool:
    return path.startswith("/") and not path.startswith("//")


def safe_redirect_target(target: str | None) -> str:
    """``target`` if it is a safe path on this site, else the empty string."""
    return target if target and is_safe_redirect(target) else ""


# Responses that never depend on who asks; the health checks in particular must
# not load the person (a database query) just to set a header.
NO_PERSON_ENDPOINTS = frozenset({"static", "pages.health", "pages.ready"})


def init_app(app: Flask) -> None:
    secure = app.config["SESSION_COOKIE_SECURE"]

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        # Pages for a signed-in person hold private answers and scores: keep
        # them out of shared caches and the back-forward cache of other users.
        if request.endpoint not in NO_PERSON_ENDPOINTS and current_user \
                and current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response
