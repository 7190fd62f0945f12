"""Rate limits: declared on views, enforced by a limiter each app owns.

Views say ``@rate_limit("LOGIN_RATE_LIMIT", methods=["POST"])``, naming a
setting; ``init_app`` builds the app's Flask-Limiter (memory, or Redis when
REDIS_URL is set) and applies the declared limits. One limiter per app keeps
two apps in one process (tests, workers) from sharing counters by accident.
A request counts one against its limit, or what ``cost`` says for requests
whose work varies with their size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_limiter import Limiter

F = TypeVar("F", bound=Callable[..., Any])


def client_address() -> str:
    """The caller's address (after ProxyFix, when proxies are trusted)."""
    return request.remote_addr or "unknown"


@dataclass(frozen=True)
class RateLimit:
    setting: str  # a config key holding e.g. "10 per minute"
    methods: tuple[str, ...] | None = None
    key_func: Callable[[], str] | None = None
    scope: str | None = None
    exempt_when: Callable[[], bool] | None = None
    cost: Callable[[], int] | None = None  # what one request counts; one if None


def rate_limit(setting: str, *, methods: list[str] | None = None,
               key_func: Callable[[], str] | None = None,
               exempt_when: Callable[[], bool] | None = None,
               cost: Callable[[], int] | None = None) -> Callable[[F], F]:
    """Declare a limit on a view; the limit's value is read from config ``setting``.

    ``key_func`` names the counter (default: the client's address);
    ``exempt_when`` returns True for requests the limit does not count;
    ``cost`` says what one request counts (one if None).
    """
    def decorator(view: F) -> F:
        limits = [*getattr(view, "rate_limits", ()),
                  RateLimit(setting, tuple(methods) if methods else None, key_func,
                            exempt_when=exempt_when, cost=cost)]
        view.rate_limits = limits  # type: ignore[attr-defined]
        return view

    return decorator


def init_app(app: Flask) -> None:
    """Create the app's limiter and apply every declared limit. Call after blueprints."""
    limiter = Limiter(key_func=client_address, app=app)
    app.extensions["archboard.limiter"] = limiter
    limited = frozenset(endpoint for endpoint, view in app.view_functions.items()
                        if getattr(view, "rate_limits", ()))

    @limiter.request_filter
    def unlimited_endpoint() -> bool:
        # No limit is declared anywhere else (no defaults, none per blueprint),
        # so a request to any other endpoint skips the limiter's lookups.
        return request.endpoint not in limited

    for endpoint, view in list(app.view_functions.items()):
        for declared in getattr(view, "rate_limits", ()):
            view = limiter.limit(
                _limit_value(declared.setting),
                methods=list(declared.methods) if declared.methods else None,
                key_func=declared.key_func,
                exempt_when=declared.exempt_when,
                cost=declared.cost or 1,
            )(view)
        app.view_functions[endpoint] = view


def _limit_value(setting: str) -> Callable[[], str]:
    return lambda: current_app.config[setting]


def get_limiter(app: Flask | None = None) -> Limiter:
    return (app or current_app).extensions["archboard.limiter"]
