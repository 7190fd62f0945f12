"""The outbox: every email the app sends, and the password-reset links it hands out."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, enum_by_value, utcnow


class EmailKind(enum.StrEnum):
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a kind of email, not a password
    INVITATION = "invitation"
    FEEDBACK_RELEASED = "feedback_released"
    PANEL_ADDED = "panel_added"
    SCORECARD_DUE = "scorecard_due"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class EmailStatus(enum.StrEnum):
    QUEUED = "queued"    # waiting for a worker
    SENDING = "sending"  # a worker claimed it; back to the sweep if that worker died
    SENT = "sent"
    FAILED = "failed"    # the last try failed; tried again at next_attempt_at, if any


class Email(Base):
    """One email, queued by a service and delivered by the worker."""

    __tablename__ = "emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EmailKind] = mapped_column(enum_by_value(EmailKind, length=30))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[EmailStatus] = mapped_column(enum_by_value(EmailStatus),
                                                default=EmailStatus.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # A reminder's identity ("scorecard_due:<interview>:<reviewer>"): the unique
    # index makes it impossible to queue twice, whoever tries.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # Delivered through SMTP: the links were taken out of the stored body.
    redacted: Mapped[bool] = mapped_column(default=False)


class PasswordReset(Base):
    """A password-reset link. Only a hash of its token is stored; it works once."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
