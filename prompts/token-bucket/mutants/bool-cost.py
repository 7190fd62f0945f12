"""types: the cost check accepts any int, and a bool is an int.

So allow(key, True) spends one token instead of raising TypeError.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# Float arithmetic can leave a bucket a hair short after waiting exactly
# retry_after(); treat amounts this close as equal.
_EPSILON = 1e-9


def _is_number(value: object) -> bool:
    # bool is a subclass of int, but True is a flag, not one token or one second.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated_at: float


class RateLimiter:
    """Token buckets, one per key, that start full and refill continuously.

    Each key may spend up to ``capacity`` tokens in a burst; tokens come back at
    ``refill_rate`` per second, never beyond ``capacity``. A rejected request
    spends nothing. All methods are safe to call from several threads.
    """

    def __init__(
        self,
        capacity: float,
        refill_rate: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for name, value in (("capacity", capacity), ("refill_rate", refill_rate)):
            if not _is_number(value):
                raise TypeError(f"{name} must be an int or a float, got {value!r}")
        if not capacity > 0:  # NaN included
            raise ValueError(f"capacity must be positive, got {capacity!r}")
        if not refill_rate > 0:
            raise ValueError(f"refill_rate must be positive, got {refill_rate!r}")
        self._capacity = float(capacity)
        self._refill_rate = float(refill_rate)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        # One lock for all keys: the critical section is a few float operations,
        # far shorter than anything a caller does around it.
        self._lock = threading.Lock()

    def allow(self, key: str, cost: float = 1) -> bool:
        """Spend ``cost`` tokens from ``key``'s bucket if it holds that many."""
        self._check_cost(cost)
        with self._lock:
            now = self._now()
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self._capacity, now)
            else:
                bucket.tokens = self._tokens_at(bucket, now)
                bucket.updated_at = max(bucket.updated_at, now)
            if bucket.tokens + _EPSILON < cost:
                return False
            bucket.tokens = max(0.0, bucket.tokens - cost)
            return True

    def retry_after(self, key: str, cost: float = 1) -> float:
        """Seconds until ``allow(key, cost)`` would succeed if nothing else spends; 0.0 if now.

        Does not spend tokens or otherwise change the limiter's state.
        """
        self._check_cost(cost)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return 0.0
            missing = cost - self._tokens_at(bucket, self._now())
            return 0.0 if missing <= _EPSILON else missing / self._refill_rate

    def _now(self) -> float:
        now = self._clock()
        if not _is_number(now) or math.isnan(now):
            raise TypeError(f"the clock must read an int or a float, got {now!r}")
        return now

    def _tokens_at(self, bucket: _Bucket, now: float) -> float:
        # A clock that reads earlier than before grants nothing (and takes nothing).
        elapsed = max(0.0, now - bucket.updated_at)
        return min(self._capacity, bucket.tokens + elapsed * self._refill_rate)

    def _check_cost(self, cost: float) -> None:
        if not isinstance(cost, (int, float)):
            raise TypeError(f"cost must be an int or a float, got {cost!r}")
        if not 0 < cost <= self._capacity:
            raise ValueError(f"cost must be in (0, {self._capacity}], got {cost!r}")
