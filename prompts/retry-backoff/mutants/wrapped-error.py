"""contract: giving up raises a new RetryError from the last exception, not the exception itself.

Callers that catch ConnectionError or TimeoutError no longer see it.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class RetryError(Exception):
    """Every attempt failed; the last exception is the cause."""


@dataclass(frozen=True)
class _Policy:
    retry_on: tuple[type[BaseException], ...]
    max_attempts: int
    base_delay: float
    max_delay: float
    deadline: float | None
    rng: random.Random
    sleep: Callable[[float], None] = field(repr=False)
    clock: Callable[[], float] = field(repr=False)

    def __post_init__(self) -> None:
        if not self.retry_on:
            raise ValueError("retry_on must name at least one exception type")
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts!r}")
        if self.base_delay < 0:
            raise ValueError(f"base_delay must not be negative, got {self.base_delay!r}")
        if self.max_delay < self.base_delay:
            raise ValueError("max_delay must be at least base_delay")
        if self.deadline is not None and self.deadline <= 0:
            raise ValueError(f"deadline must be positive, got {self.deadline!r}")

    def call(self, func: Callable[[], T]) -> T:
        give_up_at = None if self.deadline is None else self.clock() + self.deadline
        # Doubling a capped value (rather than computing base * 2**n) cannot overflow.
        cap = self.base_delay
        for attempt in range(1, self.max_attempts + 1):
            try:
                return func()
            except self.retry_on as exc:
                if attempt == self.max_attempts:
                    raise RetryError(f"gave up after {attempt} attempts") from exc
                delay = self.rng.uniform(0.0, cap)  # full jitter
                if give_up_at is not None and self.clock() + delay > give_up_at:
                    raise  # the next attempt would start after the deadline
            self.sleep(delay)
            cap = min(self.max_delay, cap * 2)
        raise AssertionError("unreachable: the last attempt returns or raises")


def _policy(
    retry_on: tuple[type[BaseException], ...],
    max_attempts: int,
    base_delay: float,
    max_delay: float,
    deadline: float | None,
    rng: random.Random | None,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> _Policy:
    return _Policy(
        retry_on=tuple(retry_on),
        max_attempts=max_attempts,
        base_delay=base_delay,
        max_delay=max_delay,
        deadline=deadline,
        rng=rng if rng is not None else random.Random(),  # noqa: S311 - jitter, not secrets
        sleep=sleep,
        clock=clock,
    )


def retry(
    func: Callable[[], T],
    *,
    retry_on: tuple[type[BaseException], ...],
    max_attempts: int = 5,
    base_delay: float = 0.1,
    max_delay: float = 10.0,
    deadline: float | None = None,
    rng: random.Random | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call ``func()`` until it succeeds, retrying only exceptions in ``retry_on``.

    Before retry n (n = 1, 2, ...) it sleeps ``rng.uniform(0, min(max_delay,
    base_delay * 2 ** (n - 1)))``. It stops after ``max_attempts`` calls, or
    when the next attempt would start more than ``deadline`` seconds after the
    first, and then re-raises the last exception unchanged.
    """
    policy = _policy(retry_on, max_attempts, base_delay, max_delay, deadline, rng, sleep, clock)
    return policy.call(func)


def retrying(
    *,
    retry_on: tuple[type[BaseException], ...],
    max_attempts: int = 5,
    base_delay: float = 0.1,
    max_delay: float = 10.0,
    deadline: float | None = None,
    rng: random.Random | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorator form of :func:`retry`; each call of the wrapped function has its own deadline.

    The configuration is checked once, when the decorator is applied.
    """
    policy = _policy(retry_on, max_attempts, base_delay, max_delay, deadline, rng, sleep, clock)

    def decorate(func: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            return policy.call(functools.partial(func, *args, **kwargs))

        return wrapper

    return decorate
