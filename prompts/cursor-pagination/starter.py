"""Cursor pagination for GET /v1/invoices.

This is the version in production today: the cursor is a base64-encoded offset.
Partners report duplicates and gaps while invoices are being created, and some
of them edit the offset to skip ahead.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass


class InvalidCursor(ValueError):
    """The cursor was not issued by this service, or has been altered."""


@dataclass(frozen=True)
class Record:
    id: str
    created_at: int  # Unix time in milliseconds


@dataclass(frozen=True)
class Page:
    items: list[Record]
    next_cursor: str | None


class Paginator:
    """Pages through records sorted ascending by (created_at, id)."""

    def __init__(self, secret: bytes, max_page_size: int = 100, default_page_size: int = 20):
        self._secret = secret
        self._max = max_page_size
        self._default = default_page_size

    def page(
        self, records: Sequence[Record], cursor: str | None = None, limit: int | None = None
    ) -> Page:
        """Return the records after ``cursor`` (from the start if None), at most ``limit``."""
        size = min(limit or self._default, self._max)
        offset = int(base64.urlsafe_b64decode(cursor)) if cursor else 0
        items = list(records[offset : offset + size])
        next_offset = offset + len(items)
        next_cursor = base64.urlsafe_b64encode(str(next_offset).encode()).decode()
        return Page(items=items, next_cursor=next_cursor if items else None)
