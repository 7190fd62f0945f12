"""The home page, help pages, the shared markdown preview and the health checks."""

from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_login import current_user

from app.attempts.lifecycle import ANSWER_MAX_BYTES
from app.auth.access import ANYONE, access
from app.content.render import render_markdown
from app.db import get_session, utcnow
from app.errors import Invalid
from app.health import readiness_problem
from app.interviews.invitations import candidate_interviews
from app.rate_limits import rate_limit

bp = Blueprint("pages", __name__)

# Anyone may preview, up to the size of an answer. Rendering costs about its
# size, so a preview counts against PREVIEW_RATE_LIMIT one, plus one for
# every PREVIEW_COST_BYTES: small previews as you type count one each, while
# an address can have only a few answer-sized ones rendered a minute.
PREVIEW_MAX_BYTES = ANSWER_MAX_BYTES
PREVIEW_COST_BYTES = 10_000
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


# The help page's example, rendered once per process (here, at import) rather than
# on each view: no GET renders markdown.
MARKDOWN_EXAMPLE_HTML = render_markdown(MARKDOWN_EXAMPLE)


@bp.get("/")
@access(ANYONE)
def home():
    interviews = []
    if current_user.is_authenticated:
        interviews = candidate_interviews(get_session(), current_user)
    return render_template("pages/home.html", interviews=interviews, now=utcnow())


@bp.get("/help/markdown")
@access(ANYONE)
def markdown_help():
    return render_template("pages/markdown_help.html", example=MARKDOWN_EXAMPLE,
                           rendered=MARKDOWN_EXAMPLE_HTML)


class PreviewTooLarge(Invalid):
    """Markdown over the preview's size limit; nothing was rendered."""

    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


def _preview_bytes() -> int:
    return len(request.form.get("markdown", "").encode("utf-8"))


def _preview_cost() -> int:
    """What a preview counts against PREVIEW_RATE_LIMIT: one, plus one per PREVIEW_COST_BYTES."""
    return 1 + _preview_bytes() // PREVIEW_COST_BYTES


@bp.post("/markdown/preview")
@access(ANYONE)
@rate_limit("PREVIEW_RATE_LIMIT", cost=_preview_cost)
def markdown_preview():
    size = _preview_bytes()
    if size > PREVIEW_MAX_BYTES:
        raise PreviewTooLarge(f"This is {size:,} bytes; a preview, like an answer, is limited "
                              f"to {PREVIEW_MAX_BYTES:,}.")
    return render_template("pages/_preview.html",
                           rendered=render_markdown(request.form.get("markdown", "")))


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
    """Readiness: 200 when the database would take a write and the limiter answers, else 503."""
    problem = readiness_problem(get_session())
    if problem is None:
        response = jsonify(status="ready")
    else:
        response = jsonify(status="unavailable", reason=problem)
        response.status_code = HTTPStatus.SERVICE_UNAVAILABLE
    response.headers["Cache-Control"] = "no-store"
    return response
