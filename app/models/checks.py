"""Verify runs: an author's edited prompt files, checked in the sandbox by a worker."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, enum_by_value, utcnow


class CheckStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # could not run (no sandbox, invalid by the time it ran): no verdict


class ContentCheck(Base):
    __tablename__ = "content_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    prompt_slug: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[CheckStatus] = mapped_column(enum_by_value(CheckStatus),
                                                default=CheckStatus.QUEUED, index=True)
    # The edited files as posted, by path relative to the content root.
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # [{"file", "role", "ok", "why"}, ...] once it ran.
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    detail: Mapped[str] = mapped_column(Text, default="")  # why it failed, or a summary
    finished_at: Mapped[datetime | None]

    @property
    def finished(self) -> bool:
        return self.status in (CheckStatus.DONE, CheckStatus.FAILED)
