"""A token-bucket rate limiter keyed by client id.

First draft: it grants bursts and refills, but several rules from the prompt
are not handled yet, and nothing here has been thought through for threads.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    """Token buckets, one per key, that start full and refill continuously."""

    def __init__(
        self,
        capacity: float,
        refill_rate: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.refill_rate = refill_rate
        self.clock = clock
        self.buckets: dict[str, list[float]] = {}  # key -> [tokens, last_refill]

    def allow(self, key: str, cost: float = 1) -> bool:
        """Spend ``cost`` tokens from ``key``'s bucket if it holds that many."""
        now = self.clock()
        tokens, last_refill = self.buckets.get(key, [self.capacity, now])
        tokens += (now - last_refill) * self.refill_rate
        tokens -= cost
        self.buckets[key] = [tokens, now]
        return tokens >= 0

    def retry_after(self, key: str, cost: float = 1) -> float:
        """Seconds until ``allow(key, cost)`` would succeed if nothing else spends; 0.0 if now."""
        raise NotImplementedError
