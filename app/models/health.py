"""The heartbeat row that the readiness check rewrites."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class Heartbeat(Base):
    """One row, rewritten by every ``/readyz`` to prove the database takes writes."""

    __tablename__ = "heartbeat"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    beat_at: Mapped[datetime]
    # Random bytes a few pages long: the write needs room to grow, as saves do.
    payload: Mapped[bytes] = mapped_column(LargeBinary)
