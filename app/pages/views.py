"""The home page, help pages, the shared markdown preview and the health checks."""

from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_login import current_user

from app.auth.access import ANYONE, access
from app.content.render import render_markdown
from app.db import get_session, utcnow
from app.errors import Invalid
from app.health import readiness_problem
from app.rate_limits import rate_limit

bp = Blueprint("pages", __name__)

PREVIEW_MAX_CHARS = 200_000
MARKDOWN_EXAMPLE = """\
## Requirements
- 10k writes per second at peak, reads 20x writes
- [x] p99 read latency under 50 ms

| Component | Why |
| --- | --- |
| PostgreSQL | source of truth, strong consistency |
| Redis | hot keys, rate limits |

```mermaid
flowchart LR
  client[Client] --> lb[Load balancer] --> api[API]
  api --> db[(PostgreSQL)]
  api --> cache[(Redis)]
```
"""


@bp.get("/")
@access(ANYONE)
def home():
    interviews = []
    if current_user.is_authenticated:
        from app.interviews.services import candidate_interviews

        interviews = candidate_interviews(get_session(), current_user)
    return render_template("pages/home.html", interviews=interviews, now=utcnow())


@bp.get("/help/markdown")
@access(ANYONE)
def markdown_help():
    return render_template("pages/markdown_help.html", example=MARKDOWN_EXAMPLE,
                           rendered=render_markdown(MARKDOWN_EXAMPLE))


@bp.post("/markdown/preview")
@access(ANYONE)
@rate_limit("PREVIEW_RATE_LIMIT")
def markdown_preview():
    source = request.form.get("markdown", "")
    if len(source) > PREVIEW_MAX_CHARS:
        raise Invalid(f"Preview is limited to {PREVIEW_MAX_CHARS:,} characters.")
    return render_template("pages/_preview.html", rendered=render_markdown(source))


@bp.get("/healthz")
@access(ANYONE)
def health():
    """Liveness: the process answers. No database, so a struggling database never
    gets a live process restarted; /readyz is the check that uses it."""
    response = jsonify(status="ok", version=current_app.config["VERSION"])
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/readyz")
@access(ANYONE)
def ready():
    """Readiness: 200 when a real database write commits and the limiter answers, else 503."""
    problem = readiness_problem(get_session())
    if problem is None:
        response = jsonify(status="ready")
    else:
        response = jsonify(status="unavailable", reason=problem)
        response.status_code = HTTPStatus.SERVICE_UNAVAILABLE
    response.headers["Cache-Control"] = "no-store"
    return response
