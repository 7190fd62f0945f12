"""The panel's live view of an interview: the newest answers as they are saved, and notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.attempts import shown
from app.attempts.lifecycle import latest_revision, scene_of
from app.db import transaction, utcnow
from app.errors import Invalid
from app.kinds import get_kind
from app.models import (
    AnswerRevision,
    Attempt,
    Interview,
    InterviewNote,
    PromptRevision,
    User,
)

NOTE_MAX_CHARS = 2_000


@dataclass(frozen=True)
class LiveAnswer:
    attempt: Attempt
    revision: AnswerRevision | None
    html: str | None  # None when unchanged since the revision the page has
    # Shown as text because a worker has not rendered its HTML yet: the page
    # asks again until it has.
    pending: bool = False
    # The newest revision's whiteboard scene (JSON), read only when it changed.
    scene: str | None = None
    # Whether the page shows a drawing for it (the scene, or the page's, unchanged).
    drawn: bool = False


def answer_html(prompt_revision: PromptRevision, revision: AnswerRevision | None) -> str:
    """An answer as the panel reads it: as its prompt's kind shows it (app.attempts.shown).

    Load the revision with ``latest_revision(..., html=shows_html(kind))``.
    """
    return shown.answer_html(prompt_revision, revision)


def shows_html(kind: str) -> bool:
    """Whether answers to prompts of ``kind`` are shown as their stored HTML (not as code)."""
    return get_kind(kind).renders_html


def shows_scene(kind: str) -> bool:
    """Whether answers to prompts of ``kind`` may carry a whiteboard scene to show."""
    return get_kind(kind).whiteboard


def live_answers(session: Session, interview: Interview, seen: dict[int, int] | None = None,
                 pending: frozenset[int] = frozenset(),
                 drawn: frozenset[int] = frozenset()) -> list[LiveAnswer]:
    """The newest saved revision of each attempt; HTML and scene only for those changed since
    ``seen``.

    ``pending``: the attempts the page shows without their HTML; each counts
    as changed once its HTML is there. ``drawn``: the attempts the page shows
    a drawing for (kept as they are while unchanged).
    """
    seen = seen or {}
    out = []
    for item in interview.items:
        attempt = item.attempt
        if attempt is None:
            continue
        kind = item.prompt_revision.kind
        html = shows_html(kind)
        changed = (seen.get(attempt.id) != attempt.revision_number
                   or (attempt.id in pending and attempt.answer_rendered))
        scene = changed and shows_scene(kind)
        revision = latest_revision(session, attempt, html=changed and html, text=changed,
                                   scene=scene)
        drawing = scene_of(session, revision) if scene else None
        if changed:
            waiting = html and revision is not None and revision.html is None
        else:
            waiting = html and attempt.revision_number > 0 and not attempt.answer_rendered
        shown_html = answer_html(item.prompt_revision, revision) if changed else None
        out.append(LiveAnswer(attempt, revision, shown_html,
                              pending=waiting, scene=drawing,
                              drawn=drawing is not None if changed else attempt.id in drawn))
    return out


def add_note(session: Session, interview: Interview, user: User, body: str, *,
             now: datetime | None = None) -> InterviewNote:
    now = now or utcnow()
    body = body.strip()
    if not body:
        raise Invalid("Write the note first.", field="body")
    if len(body) > NOTE_MAX_CHARS:
        raise Invalid(f"Keep a note under {NOTE_MAX_CHARS:,} characters.", field="body")
    elapsed = (int((now - interview.started_at).total_seconds())
               if interview.started_at else None)
    with transaction(session):
        note = InterviewNote(interview_id=interview.id, author_id=user.id, body=body,
                             created_at=now, elapsed_seconds=elapsed)
        session.add(note)
    return note


def notes_for(session: Session, interview: Interview, user: User) -> list[InterviewNote]:
    """The user's own notes: notes are private to their author, like a draft scorecard."""
    return list(session.scalars(
        select(InterviewNote).where(InterviewNote.interview_id == interview.id,
                                    InterviewNote.author_id == user.id)
        .order_by(InterviewNote.created_at, InterviewNote.id)))
