"""Published prompts and attempts for practice tests, through the real services."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from app.attempts import lifecycle
from app.models import Attempt, User
from app.practice import services
from tests.factories.content import (
    DESIGN_PROMPT,
    DESIGN_RUBRIC,
    RESPONSIBILITIES,
    add_incident_prompt,
    add_review_prompt,
    write_content,
)
from tests.support.library import sync_once


def load_library(db: Session, root: Path, *, extra_design_prompts: int = 0,
                 own_rubric: bool = False, responsibilities: bool = False,
                 code_review: bool = False, incident: bool = False) -> Path:
    """Write the small valid content tree (plus copies of its design prompt) and sync it.

    The copies share the URL shortener's rubric, or with ``own_rubric`` one of
    their own (``services``), so that an interview on them closes no other prompt.
    ``code_review`` adds the library's code-review prompt, ``incident`` its checkout
    incident.
    """
    write_content(root)
    if responsibilities:
        (root / "prompts" / "responsibilities.md").write_text(RESPONSIBILITIES)
    rubric = "url-shortener"
    if own_rubric and extra_design_prompts:
        rubric = "services"
        (root / "rubrics" / "services.md").write_text(DESIGN_RUBRIC)
    for n in range(extra_design_prompts):
        text = DESIGN_PROMPT.replace("title: Design a URL shortener",
                                     f"title: Design service number {n:02d}")
        (root / "prompts" / f"service-{n:02d}.md").write_text(
            text.replace("competencies: [api-design, scalability]",
                         f"competencies: [api-design, scalability]\nrubric: {rubric}"))
    if code_review:
        add_review_prompt(root)
    if incident:
        add_incident_prompt(root)
    sync_once(db, root)  # the real sync the first time, its rows replayed after
    return root


def make_attempt(db: Session, user: User, slug: str = "url-shortener", *, body: str | None = None,
                 submitted: bool = False) -> Attempt:
    """An attempt by ``user``, optionally with a saved answer and submitted."""
    attempt = services.start_attempt(db, user, slug)
    if body is not None:
        lifecycle.save_draft(db, attempt, body=body, based_on=0, client_id="factory")
    if submitted:
        lifecycle.submit_attempt(db, attempt)
    return attempt
