"""Interviews: a candidate invited to answer prompts, a panel scoring them, a decision, feedback.

An interview pins the prompt and rubric revisions it was created with. When
the candidate starts, each prompt becomes an ``Attempt`` (the same workspace
as practice). Every reviewer on the panel has one ``Scorecard`` holding a
``CriterionScore`` per criterion of each attempt. What the candidate is shown
is what the owner releases (``FeedbackItem``), never the scorecards
themselves. Every score change, decision and release leaves an ``AuditEvent``.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.db import Base, enum_by_value, utcnow
from app.models.attempts import Attempt
from app.models.content import Criterion, Prompt, PromptRevision, RubricRevision
from app.models.users import User


class InterviewMode(enum.StrEnum):
    LIVE = "live"
    TAKE_HOME = "take_home"

    @property
    def label(self) -> str:
        return "Live" if self is InterviewMode.LIVE else "Take-home"


class InterviewStage(enum.StrEnum):
    """Where an interview is; derived from its timestamps, never stored."""

    INVITED = "invited"          # the link is out; nobody has joined
    JOINED = "joined"            # the candidate has an account on it, not started
    IN_PROGRESS = "in_progress"  # the clock is running
    EXPIRED = "expired"          # the deadline passed before the candidate started
    SCORING = "scoring"          # answers are in; scorecards are being written
    DEBRIEF = "debrief"          # every scorecard is submitted; waiting for the decision
    DECIDED = "decided"          # decision recorded; feedback not released yet
    RELEASED = "released"        # the candidate can read the feedback

    @property
    def label(self) -> str:
        return {"in_progress": "In progress", "debrief": "Awaiting debrief"}.get(
            self.value, self.value.capitalize())


class Recommendation(enum.StrEnum):
    STRONG_NO = "strong_no"
    NO = "no"
    NO_DECISION = "no_decision"
    YES = "yes"
    STRONG_YES = "strong_yes"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def rank(self) -> int:
        """-2 (strong no) to 2 (strong yes), for ordering and comparing."""
        return list(Recommendation).index(self) - 2


class Decision(enum.StrEnum):
    ADVANCE = "advance"
    DECLINE = "decline"

    @property
    def label(self) -> str:
        return "Advance" if self is Decision.ADVANCE else "Do not advance"


class RegradeStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"


class Interview(Base):
    __tablename__ = "interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    candidate_name: Mapped[str] = mapped_column(String(80))
    candidate_email: Mapped[str] = mapped_column(String(254))
    # The account that joined through the invite link (None until then).
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    target_level: Mapped[str] = mapped_column(String(10))
    mode: Mapped[InterviewMode] = mapped_column(enum_by_value(InterviewMode))
    # Live: the time box, counted from the start. Take-home: a fixed deadline.
    minutes: Mapped[int] = mapped_column(Integer)
    deadline_at: Mapped[datetime | None]
    # Saves typed before the deadline may arrive this much later.
    grace_seconds: Mapped[int] = mapped_column(Integer, default=60)
    hints_allowed: Mapped[bool] = mapped_column(default=False)
    # Reviewers other than the owner see neither name nor email until the decision.
    anonymised: Mapped[bool] = mapped_column(default=False)
    # Only a hash of the invite token is kept; a new link replaces the old one.
    invite_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    joined_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    closed_by: Mapped[str] = mapped_column(String(20), default="")  # "candidate" or "deadline"
    decision: Mapped[Decision | None] = mapped_column(enum_by_value(Decision))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    release_message: Mapped[str] = mapped_column(Text, default="")
    # The message rendered by render_markdown when it was released: the candidate's
    # page shows this and never renders markdown on a view (so for the HTML below).
    release_message_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    release_decision: Mapped[bool] = mapped_column(default=False)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    candidate: Mapped[User | None] = relationship(foreign_keys=[candidate_id])
    items: Mapped[list[InterviewItem]] = relationship(
        back_populates="interview", order_by="InterviewItem.position",
        cascade="all, delete-orphan", passive_deletes=True,
    )
    scorecards: Mapped[list[Scorecard]] = relationship(
        back_populates="interview", order_by="Scorecard.id",
        cascade="all, delete-orphan", passive_deletes=True,
    )
    # Also gives every Attempt its ``interview`` (None for practice). The
    # database deletes an interview's attempts with it (ON DELETE CASCADE).
    attempts: Mapped[list[Attempt]] = relationship(
        backref=backref("interview"), order_by="Attempt.id", passive_deletes=True,
    )

    @property
    def title_for_candidate(self) -> str:
        """The title the candidate reads: a neutral one until they press Start.

        The panel's title names the first prompt by default, and which prompts
        an interview holds is for the candidate to learn only when the clock runs.
        """
        if self.started_at is None:
            return f"Interview with {self.owner.display_name}"
        return self.title

    @property
    def closes_at(self) -> datetime | None:
        """When the server stops taking saves and submits what it has."""
        if self.deadline_at is None:
            return None
        return self.deadline_at + timedelta(seconds=self.grace_seconds)

    def overdue(self, now: datetime) -> bool:
        closes = self.closes_at
        return closes is not None and now >= closes and self.submitted_at is None

    def answers_in(self, now: datetime | None = None) -> bool:
        """Submitted, or started and past the deadline's grace: the answers are what was saved.

        The worker closes an overdue interview within a minute; pages derive it
        from the clock meanwhile, since a page view never writes.
        """
        return self.submitted_at is not None or (
            self.started_at is not None and self.overdue(now or utcnow()))

    def stage(self, now: datetime | None = None) -> InterviewStage:
        now = now or utcnow()
        if self.released_at is not None:
            return InterviewStage.RELEASED
        if self.decision is not None:
            return InterviewStage.DECIDED
        if self.answers_in(now):
            if self.scorecards and all(card.submitted_at for card in self.scorecards):
                return InterviewStage.DEBRIEF
            return InterviewStage.SCORING
        if self.started_at is not None:
            return InterviewStage.IN_PROGRESS
        if self.deadline_at is not None and now >= self.deadline_at:
            return InterviewStage.EXPIRED
        return InterviewStage.JOINED if self.candidate_id else InterviewStage.INVITED


class InterviewItem(Base):
    """One prompt of an interview, pinned to the revisions it was set with."""

    __tablename__ = "interview_items"
    __table_args__ = (UniqueConstraint("interview_id", "position"),
                      UniqueConstraint("interview_id", "prompt_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    position: Mapped[int]
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id"))
    prompt_revision_id: Mapped[int] = mapped_column(ForeignKey("prompt_revisions.id"))
    rubric_revision_id: Mapped[int] = mapped_column(ForeignKey("rubric_revisions.id"))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="SET NULL"))

    interview: Mapped[Interview] = relationship(back_populates="items")
    prompt: Mapped[Prompt] = relationship()
    prompt_revision: Mapped[PromptRevision] = relationship()
    rubric_revision: Mapped[RubricRevision] = relationship()
    attempt: Mapped[Attempt | None] = relationship()


class Scorecard(Base):
    """One reviewer's seat on the panel: their scores, recommendation and summary."""

    __tablename__ = "scorecards"
    __table_args__ = (UniqueConstraint("interview_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    recommendation: Mapped[Recommendation | None] = mapped_column(enum_by_value(Recommendation))
    summary: Mapped[str] = mapped_column(Text, default="")
    # Rendered when saved; the server default fills rows added before the column.
    summary_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]

    interview: Mapped[Interview] = relationship(back_populates="scorecards")
    reviewer: Mapped[User] = relationship()
    scores: Mapped[list[CriterionScore]] = relationship(
        back_populates="scorecard", cascade="all, delete-orphan", passive_deletes=True,
    )


class CriterionScore(Base):
    """A reviewer's level for one criterion of one attempt, with a comment and quoted evidence."""

    __tablename__ = "criterion_scores"
    __table_args__ = (UniqueConstraint("scorecard_id", "attempt_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    level: Mapped[int | None]
    # What ``auto`` suggested when the level was given (None for manual criteria).
    suggested_level: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    # [{"quote": "..."}]: text from the answer, found in it when it was saved.
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    scorecard: Mapped[Scorecard] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class InterviewNote(Base):
    """A reviewer's private, timestamped note taken during the interview."""

    __tablename__ = "interview_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"),
                                              index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Seconds since the candidate started, when the note was taken then.
    elapsed_seconds: Mapped[int | None]


class FeedbackItem(Base):
    """What the owner chose to show the candidate for one criterion."""

    __tablename__ = "feedback_items"
    __table_args__ = (UniqueConstraint("interview_id", "attempt_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    level: Mapped[int | None]
    show_level: Mapped[bool] = mapped_column(default=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    # Rendered when released; the server default fills rows added before the column.
    comment_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    show_comment: Mapped[bool] = mapped_column(default=True)

    criterion: Mapped[Criterion] = relationship()


class RegradeRequest(Base):
    """The candidate asking for a second look at one released criterion."""

    __tablename__ = "regrade_requests"
    __table_args__ = (UniqueConstraint("interview_id", "attempt_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"),
                                              index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[RegradeStatus] = mapped_column(enum_by_value(RegradeStatus),
                                                  default=RegradeStatus.OPEN)
    # Who should answer: the owner, or a reviewer the owner reassigned it to.
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    response: Mapped[str] = mapped_column(Text, default="")
    old_level: Mapped[int | None]
    new_level: Mapped[int | None]

    criterion: Mapped[Criterion] = relationship()
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])


class AuditEvent(Base):
    """Something that happened to an interview: who, what, when. Never updated or deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"),
                                              index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the server
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
