"""A fixed-capacity LRU cache whose entries also expire after a time-to-live."""

from __future__ import annotations

import heapq
import itertools
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class _Entry:
    value: Any
    expires_at: float
    version: int  # tells a live entry apart from stale rows left in the expiry heap


def _checked_ttl(ttl: float) -> float:
    # bool is an int subclass: without this check True would be a one-second TTL.
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise TypeError(f"ttl must be an int or a float, got {ttl!r}")
    if not ttl > 0:  # also refuses NaN, for which every comparison is false
        raise ValueError(f"ttl must be positive, got {ttl!r}")
    return ttl


class TTLCache:
    """LRU cache with per-entry expiry.

    An entry written at time ``t`` with time-to-live ``ttl`` is live while
    ``clock() < t + ttl``. Expired entries are never returned, never counted by
    ``len()`` and never cost a live entry its place: they are dropped before
    anything is evicted.

    ``get`` and ``delete`` are O(1); ``put`` is O(log n) amortised, where n is
    the capacity (the expiry heap is rebuilt when stale rows outnumber live ones).
    """

    def __init__(
        self, capacity: int, ttl: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(f"capacity must be an int, got {capacity!r}")
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity!r}")
        self._capacity = capacity
        self._ttl = _checked_ttl(ttl)
        self._clock = clock
        # Least recently used first; move_to_end() marks a use.
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        # Min-heap of (expires_at, version, key); rows whose version no longer
        # matches the entry are stale and skipped.
        self._expiries: list[tuple[float, int, Hashable]] = []
        self._versions = itertools.count()

    def get(self, key: Hashable, default: Any = None) -> Any:
        """Return the live value for ``key`` and mark it most recently used, else ``default``."""
        entry = self._entries.get(key)
        if entry is None:
            return default
        if entry.expires_at <= self._clock():
            del self._entries[key]
            return default
        self._entries.move_to_end(key)
        return entry.value

    def put(self, key: Hashable, value: Any, ttl: float | None = None) -> None:
        """Store ``value`` under ``key`` for ``ttl`` seconds (default: the cache's ttl).

        Overwriting a key resets its expiry and recency and never evicts another
        key. Inserting a new key into a full cache first drops expired entries,
        then, if still full, evicts the least recently used live entry.
        """
        ttl = self._ttl if ttl is None else _checked_ttl(ttl)
        now = self._clock()
        if key in self._entries:
            self._entries.move_to_end(key)
        else:
            if len(self._entries) >= self._capacity:
                self._drop_expired(now)
            if len(self._entries) >= self._capacity:
                self._entries.popitem(last=False)
        version = next(self._versions)
        self._entries[key] = _Entry(value, now + ttl, version)
        heapq.heappush(self._expiries, (now + ttl, version, key))
        self._compact_expiries()

    def delete(self, key: Hashable) -> bool:
        """Remove ``key``; return True only if a live entry was removed."""
        entry = self._entries.pop(key, None)
        return entry is not None and entry.expires_at > self._clock()

    def __len__(self) -> int:
        """Number of live entries."""
        self._drop_expired(self._clock())
        return len(self._entries)

    def _drop_expired(self, now: float) -> None:
        while self._expiries and self._expiries[0][0] <= now:
            _, version, key = heapq.heappop(self._expiries)
            entry = self._entries.get(key)
            if entry is not None and entry.version == version:
                del self._entries[key]

    def _compact_expiries(self) -> None:
        # Overwrites, deletes and evictions leave stale heap rows behind; rebuild
        # once they dominate so memory stays proportional to the capacity.
        if len(self._expiries) > 2 * len(self._entries) + 32:
            self._expiries = [(e.expires_at, e.version, k) for k, e in self._entries.items()]
            heapq.heapify(self._expiries)
