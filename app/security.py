"""Response headers every page carries, and safe redirect targets.

The whole policy is the dict below, applied in one ``after_request`` hook.
Scripts load only from this origin (no inline script, no eval); styles allow
inline attributes because mermaid writes style attributes into its SVGs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

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


def is_safe_redirect(target: str | None) -> bool:
    """True for a path on this site; false for other hosts, schemes and tricks like //x."""
    if not target:
        return False
    if any(ch in target for ch in ("\\", "\r", "\n", "\t")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/")


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
        if request.endpoint != "static" and current_user and current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response
