"""Retry a call with capped exponential backoff, full jitter and an overall deadline.

First draft: it retries and backs off, but it is not the policy the prompt
asks for yet.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


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
    """Call ``func()`` until it succeeds, retrying only exceptions in ``retry_on``."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return func()
        except Exception as exc:
            if attempt >= max_attempts:
                raise RuntimeError(f"gave up after {attempt} attempts") from exc
            sleep(min(max_delay, base_delay * 2**attempt))


def retrying(**options: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorator form of :func:`retry`."""

    def decorate(func: Callable[..., T]) -> Callable[..., T]:
        def wrapper(*args: Any, **kwargs: Any) -> T:
            return retry(lambda: func(*args, **kwargs), **options)

        return wrapper

    return decorate
