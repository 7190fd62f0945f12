"""An in-memory idempotency layer in front of a payment-creating handler.

First draft: replays and mismatches work for one caller at a time. It has
not been thought through for concurrent callers, mutation or expiry yet.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Response:
    """What the handler returns and what a replay gets back."""

    status: int
    body: dict[str, Any]


class IdempotencyKeyMismatch(Exception):
    """The key was already used with a different request body (the API answers 422)."""


class IdempotencyLayer:
    """Runs ``handler`` at most once per key while the key's stored response is live."""

    def __init__(
        self,
        handler: Callable[[dict[str, Any]], Response],
        ttl: float = 24 * 60 * 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.handler = handler
        self.ttl = ttl
        self.clock = clock
        self.responses: dict[str, tuple[dict[str, Any], Response, float]] = {}

    def handle(self, key: str, body: dict[str, Any]) -> Response:
        """Return the response for this request, running the handler only if needed."""
        if key in self.responses:
            stored_body, response, stored_at = self.responses[key]
            if self.clock() - stored_at < self.ttl:
                if stored_body != body:
                    raise IdempotencyKeyMismatch(key)
                return response
        response = self.handler(body)
        self.responses[key] = (body, response, self.clock())
        return response

    def __len__(self) -> int:
        """Keys currently remembered: running, or finished and not yet expired."""
        return len(self.responses)
