"""contract: next_cursor is set whenever the page is full, even when nothing follows.

A client reading an exactly full last page makes one more call for nothing.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


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


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(segment: str) -> bytes:
    if not _SEGMENT.fullmatch(segment):
        raise InvalidCursor("cursor is not base64url")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except binascii.Error as exc:
        raise InvalidCursor("cursor is not base64url") from exc


def _sort_key(record: Record) -> tuple[int, str]:
    return (record.created_at, record.id)


class Paginator:
    """Pages through records sorted ascending by (created_at, id)."""

    def __init__(self, secret: bytes, max_page_size: int = 100, default_page_size: int = 20):
        if not secret:
            raise ValueError("secret must not be empty")
        if not 1 <= default_page_size <= max_page_size:
            raise ValueError("need 1 <= default_page_size <= max_page_size")
        self._secret = secret
        self._max = max_page_size
        self._default = default_page_size

    def _sign(self, payload: str) -> bytes:
        return hmac.new(self._secret, payload.encode("ascii"), hashlib.sha256).digest()

    def _encode(self, record: Record) -> str:
        """Cursor pointing just after ``record``: <payload>.<signature>, both base64url."""
        body = json.dumps({"created_at": record.created_at, "id": record.id})
        payload = _b64encode(body.encode("utf-8"))
        return f"{payload}.{_b64encode(self._sign(payload))}"

    def _decode(self, cursor: str) -> tuple[int, str]:
        """Verify the signature before parsing anything; raise InvalidCursor on any problem."""
        payload, sep, signature = cursor.partition(".")
        if not sep or not _SEGMENT.fullmatch(payload):
            raise InvalidCursor("cursor must be <payload>.<signature>")
        if not hmac.compare_digest(_b64decode(signature), self._sign(payload)):
            raise InvalidCursor("cursor signature does not match")
        try:
            data = json.loads(_b64decode(payload))
        except ValueError as exc:  # invalid UTF-8 or invalid JSON
            raise InvalidCursor("cursor payload is not JSON") from exc
        if not isinstance(data, dict):
            raise InvalidCursor("cursor payload is not an object")
        created_at, record_id = data.get("created_at"), data.get("id")
        if type(created_at) is not int or not isinstance(record_id, str):
            raise InvalidCursor("cursor payload has the wrong shape")
        return created_at, record_id

    def page(
        self, records: Sequence[Record], cursor: str | None = None, limit: int | None = None
    ) -> Page:
        """Return the records after ``cursor`` (from the start if None), at most ``limit``."""
        size = self._default if limit is None else limit
        if size < 1:
            raise ValueError("limit must be at least 1")
        size = min(size, self._max)
        start = 0
        if cursor is not None:
            start = bisect.bisect_right(records, self._decode(cursor), key=_sort_key)
        items = list(records[start : start + size])
        next_cursor = None
        if items and len(items) == size:
            next_cursor = self._encode(items[-1])
        return Page(items=items, next_cursor=next_cursor)
