"""Circuit breaker for calls to the payment provider.

This first version counts consecutive failures. It has no time window, lets any
number of calls through after the pause, and records no history.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class Transition(NamedTuple):
    at: float
    from_state: State
    to_state: State


class CircuitOpenError(Exception):
    """Raised instead of calling the dependency while the circuit refuses calls."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"circuit open; retry after {retry_after:.3f}s")
        self.retry_after = retry_after


class CircuitBreaker:
    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        window: float = 60.0,
        open_duration: float = 30.0,
        half_open_max_calls: int = 1,
        clock: Callable[[], float] = time.monotonic,
        is_failure: Callable[[Exception], bool] = lambda exc: True,
    ) -> None:
        self._threshold = failure_threshold
        self._window = window
        self._open_duration = open_duration
        self._max_trials = half_open_max_calls
        self._clock = clock
        self._is_failure = is_failure
        self._state = State.CLOSED
        self._failures = 0
        self._opened_at = 0.0

    @property
    def state(self) -> State:
        return self._state

    @property
    def transitions(self) -> list[Transition]:
        return []  # TODO

    def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` if the circuit allows it; re-raise whatever ``fn`` raises."""
        if self._state is State.OPEN:
            remaining = self._opened_at + self._open_duration - self._clock()
            if remaining > 0:
                raise CircuitOpenError(remaining)
            self._state = State.HALF_OPEN
        try:
            result = fn(*args, **kwargs)
        except Exception:
            self._failures += 1
            if self._failures >= self._threshold:
                self._state = State.OPEN
                self._opened_at = self._clock()
            raise
        self._failures = 0
        self._state = State.CLOSED
        return result
