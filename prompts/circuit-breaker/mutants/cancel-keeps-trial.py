"""cancellation: a cancelled trial call keeps its half-open slot.

A BaseException propagates without freeing the slot, so the breaker refuses
every call until the slot is somehow given back.
"""

from __future__ import annotations

import threading
import time
from collections import deque
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
    """Closed -> open after too many recent failures; open -> half-open after a pause;
    half-open -> closed after enough successful trials, or back to open on any failure."""

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
        if failure_threshold < 1 or half_open_max_calls < 1:
            raise ValueError("failure_threshold and half_open_max_calls must be at least 1")
        if window <= 0 or open_duration <= 0:
            raise ValueError("window and open_duration must be positive")
        self._threshold = failure_threshold
        self._window = window
        self._open_duration = open_duration
        self._max_trials = half_open_max_calls
        self._clock = clock
        self._is_failure = is_failure

        self._lock = threading.Lock()
        self._state = State.CLOSED
        self._failures: deque[float] = deque()  # times of recent failures while closed
        self._opened_at = 0.0
        self._trials = 0  # trial calls admitted in the current half-open period
        self._trial_successes = 0
        self._epoch = 0  # bumped on every transition; outcomes from older epochs are ignored
        self._history: list[Transition] = []

    @property
    def state(self) -> State:
        with self._lock:
            self._advance(self._clock())
            return self._state

    @property
    def transitions(self) -> list[Transition]:
        with self._lock:
            self._advance(self._clock())
            return list(self._history)

    def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` if the circuit allows it; re-raise whatever ``fn`` raises."""
        epoch = self._admit()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            self._record(epoch, failed=self._is_failure(exc))
            raise
        self._record(epoch, failed=False)
        return result

    # All helpers below expect the caller to hold the lock, except the three that take it.

    def _admit(self) -> int:
        with self._lock:
            now = self._clock()
            self._advance(now)
            if self._state is State.OPEN:
                raise CircuitOpenError(self._opened_at + self._open_duration - now)
            if self._state is State.HALF_OPEN:
                if self._trials >= self._max_trials:
                    raise CircuitOpenError(0.0)
                self._trials += 1
            return self._epoch

    def _record(self, epoch: int, *, failed: bool) -> None:
        with self._lock:
            if epoch != self._epoch:
                return  # the circuit changed state while this call ran
            now = self._clock()
            if self._state is State.CLOSED:
                if failed:
                    self._failures.append(now)
                    while now - self._failures[0] >= self._window:
                        self._failures.popleft()
                    if len(self._failures) >= self._threshold:
                        self._move(State.OPEN, now)
            elif failed:
                self._move(State.OPEN, now)
            else:
                self._trial_successes += 1
                if self._trial_successes >= self._max_trials:
                    self._move(State.CLOSED, now)

    def _release(self, epoch: int) -> None:
        with self._lock:
            if epoch == self._epoch and self._state is State.HALF_OPEN:
                self._trials -= 1

    def _advance(self, now: float) -> None:
        """Apply the time-driven transition: open -> half-open once the pause is over."""
        reopen_at = self._opened_at + self._open_duration
        if self._state is State.OPEN and now >= reopen_at:
            self._move(State.HALF_OPEN, reopen_at)

    def _move(self, to_state: State, at: float) -> None:
        self._history.append(Transition(at, self._state, to_state))
        self._state = to_state
        self._epoch += 1
        if to_state is State.OPEN:
            self._opened_at = at
        elif to_state is State.HALF_OPEN:
            self._trials = self._trial_successes = 0
        else:
            self._failures.clear()
