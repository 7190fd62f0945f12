"""state: a failed run frees the key but never wakes the duplicates waiting on it.

The key is free again, yet a duplicate already waiting stays blocked.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Response:
    """What the handler returns and what a replay gets back."""

    status: int
    body: dict[str, Any]


class IdempotencyKeyMismatch(Exception):
    """The key was already used with a different request body (the API answers 422)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"idempotency key {key!r} was already used with a different request")
        self.key = key


def _fingerprint(body: Mapping[str, Any]) -> str:
    """A digest of the body that ignores key order and whitespace."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class _Entry:
    fingerprint: str
    finished: threading.Event = field(default_factory=threading.Event)
    response: Response | None = None  # None while the handler is running
    expires_at: float = float("inf")


class IdempotencyLayer:
    """Runs ``handler`` at most once per key while the key's stored response is live.

    Thread-safe. One lock guards the table, but the handler runs outside it, so
    different keys never wait for each other; duplicates of a running request
    wait on that request's event instead of running the handler again.
    """

    def __init__(
        self,
        handler: Callable[[dict[str, Any]], Response],
        ttl: float = 24 * 60 * 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl <= 0:
            raise ValueError(f"ttl must be positive, got {ttl!r}")
        self._handler = handler
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        # Keys with a stored response, oldest first: with a fixed ttl this is
        # also expiry order, so purging only ever looks at the front.
        self._completed: OrderedDict[str, None] = OrderedDict()

    def handle(self, key: str, body: dict[str, Any]) -> Response:
        """Return the response for this request, running the handler only if needed.

        Raises IdempotencyKeyMismatch if ``key`` is live with a different body,
        and ValueError if ``key`` is empty.
        """
        if not isinstance(key, str) or not key:
            raise ValueError("idempotency key must be a non-empty string")
        fingerprint = _fingerprint(body)
        while True:
            with self._lock:
                now = self._clock()
                self._purge_expired(now)
                entry = self._entries.get(key)
                if entry is not None and entry.expires_at <= now:
                    self._forget(key)  # only reachable if the clock ever ran backwards
                    entry = None
                if entry is None:
                    entry = self._entries[key] = _Entry(fingerprint)
                    break  # this caller runs the handler
                if entry.fingerprint != fingerprint:
                    raise IdempotencyKeyMismatch(key)
                if entry.response is not None:
                    return copy.deepcopy(entry.response)
            # Same request already running: wait for it, then look again (it
            # may have failed, leaving the key free for this caller to run).
            entry.finished.wait()
        return self._run(key, entry, body)

    def __len__(self) -> int:
        """Keys currently remembered: running, or finished and not yet expired."""
        with self._lock:
            self._purge_expired(self._clock())
            return len(self._entries)

    def _run(self, key: str, entry: _Entry, body: dict[str, Any]) -> Response:
        try:
            response = self._handler(body)
        except BaseException:
            # Nothing is stored for a request that did not complete, so a retry
            # (or a caller already waiting) runs the handler again.
            with self._lock:
                self._forget(key)
            raise
        with self._lock:
            entry.response = copy.deepcopy(response)
            entry.expires_at = self._clock() + self._ttl
            self._completed[key] = None
        entry.finished.set()
        return response

    def _purge_expired(self, now: float) -> None:
        while self._completed:
            key = next(iter(self._completed))
            if self._entries[key].expires_at > now:
                break
            self._forget(key)

    def _forget(self, key: str) -> None:
        del self._entries[key]
        self._completed.pop(key, None)
