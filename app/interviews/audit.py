"""The interview's audit trail: every event the panel must be able to reconstruct later."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import AuditEvent, Interview, User


def audit(session: Session, interview: Interview, actor: User | None, action: str,
          **detail: Any) -> None:
    """Record an event in the interview's trail (inside the caller's transaction)."""
    session.add(AuditEvent(interview_id=interview.id, actor_id=actor.id if actor else None,
                           action=action, detail=detail))


def audit_trail(session: Session, interview: Interview) -> list[AuditEvent]:
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.interview_id == interview.id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())))
