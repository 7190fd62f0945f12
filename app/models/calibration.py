"""Calibration: sample answers with reference levels, and the levels interviewers gave them.

A sample is pinned to the prompt revision it answers and to the rubric
revision its reference levels were set against, so a rubric that moves on
leaves the sample (and every score given to it) meaning what it meant.
Levels are kept per criterion id of that pinned rubric revision.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow
from app.models.content import PromptRevision, RubricRevision
from app.models.users import User


class CalibrationSample(Base):
    __tablename__ = "calibration_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_revision_id: Mapped[int] = mapped_column(
        ForeignKey("prompt_revisions.id", ondelete="CASCADE"), index=True)
    rubric_revision_id: Mapped[int] = mapped_column(
        ForeignKey("rubric_revisions.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    answer_md: Mapped[str] = mapped_column(Text)
    # Rendered once, when the answer is written: pages show it as stored.
    answer_html: Mapped[str] = mapped_column(Text)
    # {"<criterion id>": {"level": 3, "rationale": "..."}} for every criterion of the rubric.
    references: Mapped[dict[str, dict[str, object]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Retired samples leave the interviewers' list; their scores stay in the history.
    retired_at: Mapped[datetime | None]

    prompt_revision: Mapped[PromptRevision] = relationship()
    rubric_revision: Mapped[RubricRevision] = relationship()
    author: Mapped[User | None] = relationship()


class CalibrationScore(Base):
    __tablename__ = "calibration_scores"
    __table_args__ = (Index("ix_calibration_scores_user_id_sample_id", "user_id", "sample_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_samples.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # {"<criterion id>": {"level": 2, "comment": "..."}} for every criterion of the sample.
    levels: Mapped[dict[str, dict[str, object]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    sample: Mapped[CalibrationSample] = relationship()
