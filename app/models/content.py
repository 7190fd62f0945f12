"""Interview content in the database: competencies, prompts and rubrics, with revisions.

A prompt or rubric is identified by its slug and versioned by a hash of its
files. Each change on disk becomes a new revision; the old ones stay, so
answers and scores written against them keep pointing at what they used.
Markdown is rendered to safe HTML once, when a revision is created.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow


class Competency(Base):
    __tablename__ = "competencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None]


class Responsibility(Base):
    """A duty of the roles we interview for, with the slugs that exercise it.

    Competencies and prompts are named by slug, as the file names them: the
    coverage page matches them to the library's current rows, so a prompt that
    is retired or not published simply stops counting.
    """

    __tablename__ = "responsibilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description_md: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    competency_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    prompt_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None]


class Prompt(Base):
    __tablename__ = "prompts"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("prompt_revisions.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the prompt disappears from disk: hidden from new attempts, never deleted.
    retired_at: Mapped[datetime | None]

    current_revision: Mapped[PromptRevision | None] = relationship(
        foreign_keys=[current_revision_id], post_update=True
    )


class PromptRevision(Base):
    __tablename__ = "prompt_revisions"
    __table_args__ = (
        UniqueConstraint("prompt_id", "number"),
        UniqueConstraint("prompt_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id", ondelete="CASCADE"),
                                           index=True)
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(10))
    minutes: Mapped[int]
    status: Mapped[str] = mapped_column(String(10))
    rubric_slug: Mapped[str] = mapped_column(String(80))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)

    statement_md: Mapped[str] = mapped_column(Text)
    statement_html: Mapped[str] = mapped_column(Text)
    # Lists of {"md": ..., "html": ...}, in the order the author wrote them.
    hints: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    follow_ups: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    reference_md: Mapped[str] = mapped_column(Text, default="")
    reference_html: Mapped[str] = mapped_column(Text, default="")
    # Coding prompts: starter.py, solution.py and tests/*, by path in the folder.
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    prompt: Mapped[Prompt] = relationship(foreign_keys=[prompt_id])
    competencies: Mapped[list[Competency]] = relationship(
        secondary="prompt_revision_competencies", order_by="Competency.position"
    )


class PromptRevisionCompetency(Base):
    """Which competencies a prompt revision exercises (for filtering the library)."""

    __tablename__ = "prompt_revision_competencies"

    prompt_revision_id: Mapped[int] = mapped_column(
        ForeignKey("prompt_revisions.id", ondelete="CASCADE"), primary_key=True
    )
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Rubric(Base):
    __tablename__ = "rubrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("rubric_revisions.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]

    current_revision: Mapped[RubricRevision | None] = relationship(
        foreign_keys=[current_revision_id], post_update=True
    )


class RubricRevision(Base):
    __tablename__ = "rubric_revisions"
    __table_args__ = (
        UniqueConstraint("rubric_id", "number"),
        UniqueConstraint("rubric_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id", ondelete="CASCADE"),
                                           index=True)
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    title: Mapped[str] = mapped_column(String(200))
    # {"1": "Weak", ...}: JSON object keys are strings.
    scale: Mapped[dict[str, str]] = mapped_column(JSON)
    # A number, or {"mid": 2.5, "senior": 3.0, ...}.
    bar: Mapped[Any] = mapped_column(JSON)
    intro_md: Mapped[str] = mapped_column(Text, default="")
    intro_html: Mapped[str] = mapped_column(Text, default="")

    rubric: Mapped[Rubric] = relationship(foreign_keys=[rubric_id])
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="rubric_revision", order_by="Criterion.position",
        cascade="all, delete-orphan",
    )


class Criterion(Base):
    __tablename__ = "criteria"
    __table_args__ = (UniqueConstraint("rubric_revision_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_revision_id: Mapped[int] = mapped_column(
        ForeignKey("rubric_revisions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[float] = mapped_column(Float)
    signals: Mapped[list[str]] = mapped_column(JSON, default=list)
    auto: Mapped[str | None] = mapped_column(String(10))
    description_md: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    # {"1": {"md": ..., "html": ...}, ...} for every level of the scale.
    descriptors: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON)
    # {"senior": 3, "staff": 3}: per target level, the level this criterion must
    # reach for an answer to meet the bar; None (or a level left out): no gate.
    gate: Mapped[dict[str, int] | None] = mapped_column(JSON)

    rubric_revision: Mapped[RubricRevision] = relationship(back_populates="criteria")
