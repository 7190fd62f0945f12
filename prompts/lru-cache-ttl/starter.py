"""A fixed-capacity LRU cache whose entries also expire after a time-to-live.

This is a first draft: the LRU part mostly works, but expiry is only half
handled. Finish it so it meets every rule in the prompt.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class TTLCache:
    """LRU cache with per-entry expiry; see the prompt for the exact rules."""

    def __init__(
        self, capacity: int, ttl: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = capacity
        self.ttl = ttl
        self.clock = clock
        self.data: OrderedDict[Hashable, tuple[Any, float]] = OrderedDict()

    def get(self, key: Hashable, default: Any = None) -> Any:
        """Return the live value for ``key`` and mark it most recently used, else ``default``."""
        if key not in self.data:
            return default
        value, expires_at = self.data[key]
        if self.clock() > expires_at:
            del self.data[key]
            return default
        self.data.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Any, ttl: float | None = None) -> None:
        """Store ``value`` under ``key`` for ``ttl`` seconds (default: the cache's ttl)."""
        # TODO: what about entries that have already expired?
        if len(self.data) >= self.capacity:
            self.data.popitem(last=False)
        self.data[key] = (value, self.clock() + (ttl or self.ttl))
        self.data.move_to_end(key)

    def delete(self, key: Hashable) -> bool:
        """Remove ``key``; return True only if a live entry was removed."""
        return self.data.pop(key, None) is not None

    def __len__(self) -> int:
        """Number of live entries."""
        return len(self.data)
