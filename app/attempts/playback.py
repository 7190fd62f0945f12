"""Playback of an answer: the timeline of its revisions and hint reveals, and one frame at a time.

The timeline is small whatever the answer's size (numbers, times and sizes,
read in one query); a frame is one revision's text and whiteboard scene, read
on demand with the lifecycle's loader in one query. Both journeys' pages use it: the
candidate's own attempt and a panel's view of an interview attempt, each
after its own access rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.attempts.lifecycle import get_revision, scene_of
from app.kinds import get_kind
from app.kinds.scene import scene_summary
from app.models import AnswerRevision, Attempt, HintReveal


@dataclass(frozen=True)
class Point:
    """One revision on the timeline, without its text."""

    number: int
    saved_at: datetime
    seconds_in: int  # since the attempt started, by the clock
    size: int
    restored_from: int | None

    def as_json(self) -> dict[str, Any]:
        """The point as the page's script reads it."""
        return {"number": self.number, "saved_at": self.saved_at.isoformat(),
                "seconds_in": self.seconds_in, "size": self.size,
                "restored_from": self.restored_from}


@dataclass(frozen=True)
class Reveal:
    """A hint reveal: its clock time when it was recorded (None before 0017), its timer seconds."""

    hint_number: int  # from 1
    revealed_at: datetime | None
    seconds_in: int | None
    timer_seconds: int
    # The newest revision saved before the reveal (0: none yet), where the slider shows it.
    after_revision: int | None

    def as_json(self) -> dict[str, Any]:
        """The reveal as the page's script reads it."""
        return {"hint": self.hint_number,
                "revealed_at": self.revealed_at.isoformat() if self.revealed_at else None,
                "seconds_in": self.seconds_in, "timer_seconds": self.timer_seconds,
                "after_revision": self.after_revision}


@dataclass(frozen=True)
class Asked:
    """An incident evidence item the candidate asked for, and when."""

    key: str
    title: str
    type: str
    revealed_at: datetime
    seconds_in: int
    # The newest revision saved before it was asked for (0: none yet).
    after_revision: int

    def as_json(self) -> dict[str, Any]:
        """The request as the page's script reads it."""
        return {"key": self.key, "title": self.title, "type": self.type,
                "revealed_at": self.revealed_at.isoformat(), "seconds_in": self.seconds_in,
                "after_revision": self.after_revision}


@dataclass(frozen=True)
class Timeline:
    """Everything the playback page shows before any frame is fetched."""

    attempt: Attempt
    points: list[Point]
    reveals: list[Reveal]
    submitted_seconds_in: int | None
    # Evidence asked for, in order (incident prompts; empty for other kinds).
    asked: list[Asked]

    @property
    def events(self) -> list[Point | Reveal | Asked]:
        """Hint reveals, evidence asked for and restores in the order they happened.

        A reveal recorded without its clock time is placed by its timer seconds,
        the nearest measure it has.
        """
        started = self.attempt.started_at

        def when(event: Point | Reveal | Asked) -> datetime:
            if isinstance(event, Point):
                return event.saved_at
            if isinstance(event, Asked):
                return event.revealed_at
            return event.revealed_at or started + timedelta(seconds=event.timer_seconds)

        restores = [p for p in self.points if p.restored_from is not None]
        return sorted([*self.reveals, *self.asked, *restores], key=when)

    def as_json(self) -> dict[str, Any]:
        """The timeline as the page embeds it for its script."""
        attempt = self.attempt
        return {"started_at": attempt.started_at.isoformat(),
                "submitted_at": (attempt.submitted_at.isoformat()
                                 if attempt.submitted_at else None),
                "submitted_seconds_in": self.submitted_seconds_in,
                "revisions": [p.as_json() for p in self.points],
                "reveals": [r.as_json() for r in self.reveals],
                "asked": [a.as_json() for a in self.asked]}


def _seconds_in(attempt: Attempt, when: datetime) -> int:
    return max(0, int((when - attempt.started_at).total_seconds()))


def timeline(session: Session, attempt: Attempt) -> Timeline:
    """The attempt's revisions (no text), hint reveals and evidence asked for, in order.

    The hint reveals are the attempt's loaded list (both journeys' loaders read
    it with the attempt), so only the revisions' numbers, times and sizes are
    read, in one query; an incident's evidence requests take one more.
    """
    rows = session.execute(
        select(AnswerRevision.number, AnswerRevision.created_at, AnswerRevision.size,
               AnswerRevision.restored_from)
        .where(AnswerRevision.attempt_id == attempt.id)
        .order_by(AnswerRevision.number)).all()
    points = [Point(number, saved_at, _seconds_in(attempt, saved_at), size, restored_from)
              for number, saved_at, size, restored_from in rows]
    reveals = [_reveal(attempt, reveal, points)
               for reveal in sorted(attempt.hint_reveals, key=lambda r: r.hint_index)]
    submitted = (_seconds_in(attempt, attempt.submitted_at)
                 if attempt.submitted_at is not None else None)
    return Timeline(attempt, points, reveals, submitted, _asked(attempt, points))


def _asked(attempt: Attempt, points: list[Point]) -> list[Asked]:
    kind = get_kind(attempt.prompt_revision.kind)
    if kind.score_with_reveals is None:
        return []  # no evidence to ask for: nothing read
    items = {item.key: item for item in kind.page_view(attempt.prompt_revision.files)}
    asked = []
    for reveal in attempt.evidence_reveals:
        item = items.get(reveal.evidence_key)
        before = [p.number for p in points if p.saved_at <= reveal.revealed_at]
        asked.append(Asked(reveal.evidence_key, item.title if item else reveal.evidence_key,
                           str(item.type) if item else "", reveal.revealed_at,
                           _seconds_in(attempt, reveal.revealed_at),
                           before[-1] if before else 0))
    return asked


def _reveal(attempt: Attempt, reveal: HintReveal, points: list[Point]) -> Reveal:
    if reveal.revealed_at is None:
        # Recorded before reveals kept their clock time: the timer seconds are all there is.
        return Reveal(reveal.hint_index + 1, None, None, reveal.elapsed_seconds, None)
    before = [p.number for p in points if p.saved_at <= reveal.revealed_at]
    return Reveal(reveal.hint_index + 1, reveal.revealed_at,
                  _seconds_in(attempt, reveal.revealed_at), reveal.elapsed_seconds,
                  before[-1] if before else 0)


def frame(session: Session, attempt: Attempt, number: int) -> dict[str, Any]:
    """Revision ``number`` as one playback frame, its text and scene read in one query;
    NotFound if none.

    The text is sent as text: pages put it in the document as text, never as HTML.
    ``scene`` is the revision's whiteboard scene as checked JSON text (None: no
    drawing), which the page hands to a read-only whiteboard, and ``drawing`` its
    summary in words' parts (counts by type, labels) for readers without the canvas.
    """
    revision = get_revision(session, attempt, number, scene=True)
    scene = scene_of(session, revision)
    return {"number": revision.number, "saved_at": revision.created_at.isoformat(),
            "seconds_in": _seconds_in(attempt, revision.created_at),
            "body": revision.body, "size": revision.size,
            "restored_from": revision.restored_from,
            "scene": scene, "drawing": _drawing(scene) if scene else None}


def _drawing(scene: str) -> dict[str, Any]:
    # Counts as [type, count] pairs: a JSON reply's keys are sorted, the types' order is not.
    summary = scene_summary(scene)
    return {**summary, "by_type": list(summary["by_type"].items())}
