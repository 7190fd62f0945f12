"""A candidate's attempts at prompts: every saved revision of the answer, hints, self-assessment.

An attempt pins the prompt revision and the rubric revision it started with,
so later content changes never alter what it was written or scored against.
Each autosave is an ``AnswerRevision``; nothing is ever overwritten.
"""

from __future__ import annotations

import enum
import hashlib
import zlib
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import (
    Mapped,
    Session,
    WriteOnlyMapped,
    column_property,
    mapped_column,
    object_session,
    relationship,
)

from app.db import Base, enum_by_value, utcnow
from app.models import answer_store
from app.models.content import Criterion, Prompt, PromptRevision, RubricRevision
from app.models.users import User

NOT_LOADED = object()  # a revision whose scene was not read yet


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"  # practice: self-assessed; interviews: feedback released

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()



class Attempt(Base):
    __tablename__ = "attempts"
    # A person's attempts at one prompt, newest last: the library's status per
    # prompt and the prompt page's list seek it instead of reading every
    # attempt at the prompt. Its first column serves lookups by person alone.
    __table_args__ = (Index("ix_attempts_user_prompt_started", "user_id", "prompt_id",
                            "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id"), index=True)
    prompt_revision_id: Mapped[int] = mapped_column(ForeignKey("prompt_revisions.id"))
    rubric_revision_id: Mapped[int] = mapped_column(ForeignKey("rubric_revisions.id"))
    # Set for an attempt made in an interview: its clock, hints and feedback follow the interview.
    interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    target_level: Mapped[str] = mapped_column(String(10))
    status: Mapped[AttemptStatus] = mapped_column(enum_by_value(AttemptStatus),
                                                  default=AttemptStatus.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    # The number of the newest AnswerRevision (0 before the first save).
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    # The timer: seconds counted while running, plus the running period since
    # ``timer_started_at`` (None while paused). Kept on the server so a reload
    # or a second device sees the same clock.
    timer_seconds: Mapped[int] = mapped_column(Integer, default=0)
    timer_started_at: Mapped[datetime | None]
    # The weighted self-assessed score and whether it met the bar, for progress.
    self_score: Mapped[float | None]
    self_score_normalised: Mapped[float | None]
    met_bar: Mapped[bool | None]
    # The submitted answer as its result page shows it: its HTML with the
    # rubric's signals marked, and the signals found per criterion id
    # ({"12": ["cache", ...]}). Written once, when the attempt is submitted (the
    # answer and the rubric revision never change after that), so no page
    # marks signals on a view. None while open. Deferred: only that page
    # reads them, and the HTML is longer than the answer.
    result_html: Mapped[str | None] = mapped_column(Text, deferred=True)
    result_signals: Mapped[dict[str, list[str]] | None] = mapped_column(JSON, deferred=True)
    # The newest revision's text rendered by render_markdown (empty for code):
    # pages show this and never render an answer on a GET. Kept for the newest
    # revision only, here: a save clears it in the update that advances
    # ``revision_number`` and a worker renders the new text after the save
    # commits (``render_pending``); until then, and for older revisions, pages
    # show the text. Deferred: it can be several times the answer's size.
    answer_html: Mapped[str | None] = mapped_column(Text, deferred=True)
    # Whether the newest revision's HTML is there, without reading it: the
    # live view asks again for an answer it showed before its HTML arrived.
    answer_rendered: Mapped[bool] = column_property(answer_html.column.is_not(None))

    user: Mapped[User] = relationship()
    prompt: Mapped[Prompt] = relationship()
    prompt_revision: Mapped[PromptRevision] = relationship()
    rubric_revision: Mapped[RubricRevision] = relationship()
    # ``interview`` (None for practice) is the other side of ``Interview.attempts``,
    # declared there: attempts come first and this module imports no interview model.
    revisions: WriteOnlyMapped[AnswerRevision] = relationship(
        back_populates="attempt", order_by="AnswerRevision.number",
        cascade="all, delete-orphan", passive_deletes=True,
    )
    hint_reveals: Mapped[list[HintReveal]] = relationship(
        back_populates="attempt", order_by="HintReveal.hint_index",
        cascade="all, delete-orphan", passive_deletes=True,
    )
    # The incident evidence the candidate asked for, in the order asked.
    evidence_reveals: Mapped[list[EvidenceReveal]] = relationship(
        back_populates="attempt", order_by="EvidenceReveal.id",
        cascade="all, delete-orphan", passive_deletes=True,
    )
    self_assessments: Mapped[list[SelfAssessment]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", passive_deletes=True,
    )

    def elapsed_seconds(self, now: datetime) -> int:
        """Seconds the timer has counted, including the current running period."""
        running = int((now - self.timer_started_at).total_seconds()) if self.timer_started_at else 0
        return self.timer_seconds + max(0, running)

    @property
    def is_open(self) -> bool:
        return self.status is AttemptStatus.IN_PROGRESS


def answer_digest(body: str) -> str:
    """The SHA-256 of an answer's UTF-8 text, in hex: what a save compares instead of the text."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class AnswerRevision(Base):
    """One saved state of an answer. ``based_on`` is the revision the editor started from.

    The text is stored compactly (``app.models.answer_store``): ``data`` is a
    compressed snapshot (``chain`` 0) or a delta against the revision before
    it. Read it as ``body``: the loaders in ``app.attempts.lifecycle`` fill it
    in the query that loads the revision; otherwise the first read of ``body``
    runs one query. ``html`` is the stored HTML when the revision was loaded
    as its attempt's newest with it, else None.
    """

    __tablename__ = "answer_revisions"
    __table_args__ = (UniqueConstraint("attempt_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    number: Mapped[int]
    based_on: Mapped[int]
    # Deferred: lists and saves read sizes and digests, not texts.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # Deltas since the last snapshot (0: this one is a snapshot).
    chain: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int]  # bytes of UTF-8
    # answer_digest(body): a save tells unchanged text from new by this and the
    # size, without reading any text back.
    body_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The editor (one page load) that saved it: saves from the same editor
    # never conflict with each other, even if a response was lost.
    client_id: Mapped[str] = mapped_column(String(64), default="")
    restored_from: Mapped[int | None]
    # The whiteboard scene the answer had at this revision (None: no drawing).
    # Scenes are stored once per attempt by their digest, so revisions that only
    # change the text point at the same row.
    scene_id: Mapped[int | None] = mapped_column(ForeignKey("answer_scenes.id"))

    attempt: Mapped[Attempt] = relationship(back_populates="revisions")

    # Not columns: filled by whoever read them (revisions never change).
    _text = None
    html = None  # str when loaded with it
    # The scene's canonical JSON once read (``app.attempts.lifecycle.scene_of``);
    # NOT_LOADED until then, since None means "no scene".
    _scene: str | None | object = NOT_LOADED

    @property
    def body(self) -> str:
        """The revision's text (read with one query unless its loader read it already)."""
        if self._text is None:
            session = object_session(self)
            if session is None:
                raise RuntimeError("load the revision's text with its loader before detaching it")
            self._text = stored_text(session, self.attempt_id, self.number)
        return self._text

    @body.setter
    def body(self, text: str) -> None:
        self._text = text


def text_window(attempt_id: Any, number: Any) -> tuple[ColumnElement[bool], ...]:
    """Where the rows revision ``number``'s text is stored in are: its snapshot, the deltas since.

    Values or bound parameters; the rows come in order by number.
    """
    return (AnswerRevision.attempt_id == attempt_id,
            AnswerRevision.number > number - answer_store.SNAPSHOT_EVERY,
            AnswerRevision.number <= number)


def stored_text(session: Session, attempt_id: int, number: int) -> str:
    """The text of revision ``number`` of the attempt, read with one query."""
    return answer_store.decode(session.execute(
        select(AnswerRevision.chain, AnswerRevision.data)
        .where(*text_window(attempt_id, number)).order_by(AnswerRevision.number)).all())


class AnswerScene(Base):
    """A whiteboard scene saved with an answer: its canonical JSON (``check_scene``), compressed.

    Content-addressed within the attempt: ``digest`` is the SHA-256 of the
    JSON, unique per attempt, so a scene that does not change between saves
    (or comes back on a restore) is stored once however many revisions point
    at it.
    """

    __tablename__ = "answer_scenes"
    __table_args__ = (UniqueConstraint("attempt_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]  # bytes of the JSON's UTF-8
    # Deferred: saves compare digests; only pages that draw the scene read it.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    @classmethod
    def of(cls, attempt_id: int, scene_json: str) -> AnswerScene:
        """A row holding ``scene_json`` (a checked scene) for the attempt."""
        raw = scene_json.encode("utf-8")
        return cls(attempt_id=attempt_id, digest=scene_digest(scene_json), size=len(raw),
                   data=zlib.compress(raw, 6))

    @staticmethod
    def decode(data: bytes) -> str:
        """The scene's JSON from its stored bytes."""
        return zlib.decompress(data).decode("utf-8")


def scene_digest(scene_json: str) -> str:
    """The SHA-256 of a scene's canonical JSON, in hex: how a save finds a scene already stored."""
    return hashlib.sha256(scene_json.encode("utf-8")).hexdigest()


class HintReveal(Base):
    __tablename__ = "hint_reveals"
    __table_args__ = (UniqueConstraint("attempt_id", "hint_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    hint_index: Mapped[int]
    # Timer seconds at the reveal: how far into the time box the hint was needed.
    elapsed_seconds: Mapped[int] = mapped_column(Integer, default=0)
    # The clock time of the reveal, which places it among the saves on the
    # playback timeline. None for hints revealed before migration 0017: those
    # are placed by their timer seconds alone.
    revealed_at: Mapped[datetime | None]

    attempt: Mapped[Attempt] = relationship(back_populates="hint_reveals")


class EvidenceReveal(Base):
    """An incident evidence item the candidate asked for: which, and when (the order of
    the rows is the order asked, which reviewers read)."""

    __tablename__ = "evidence_reveals"
    __table_args__ = (UniqueConstraint("attempt_id", "evidence_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    # The item's file name without .md in the prompt revision's evidence/ folder.
    evidence_key: Mapped[str] = mapped_column(String(80))
    revealed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Timer seconds at the reveal: how far into the time box it was asked for.
    elapsed_seconds: Mapped[int] = mapped_column(Integer, default=0)

    attempt: Mapped[Attempt] = relationship(back_populates="evidence_reveals")


class SelfAssessment(Base):
    """The level a candidate gave themselves on one criterion, with a note."""

    __tablename__ = "self_assessments"
    __table_args__ = (UniqueConstraint("attempt_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    level: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="self_assessments")
    criterion: Mapped[Criterion] = relationship()
