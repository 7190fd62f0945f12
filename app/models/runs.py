"""Test runs of candidates' code: queued by the web process, executed by a worker."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, enum_by_value, utcnow
from app.models.attempts import Attempt


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # could not run (no sandbox, worker died twice): no verdict on the code


class RunKind(enum.StrEnum):
    PUBLIC = "public"
    HIDDEN = "hidden"



class TestRun(Base):
    __tablename__ = "test_runs"
    __test__ = False  # not a pytest test class, despite the name

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"),
                                            index=True)
    # The answer revision the code came from: results stay tied to what ran.
    revision_number: Mapped[int]
    kind: Mapped[RunKind] = mapped_column(enum_by_value(RunKind))
    status: Mapped[RunStatus] = mapped_column(enum_by_value(RunStatus), default=RunStatus.QUEUED,
                                              index=True)
    # A RunVerdict (app.vocabulary) once it ran; empty while queued or running.
    verdict: Mapped[str] = mapped_column(String(20), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    # [{"name", "file", "outcome", "seconds", "message", "output"}, ...]
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    sandboxed: Mapped[bool] = mapped_column(default=True)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]

    attempt: Mapped[Attempt] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)
