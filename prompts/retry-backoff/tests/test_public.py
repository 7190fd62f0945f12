import random

import pytest
from solution import retry, retrying


class FakeTime:
    def __init__(self, start=1000.0):
        self.now = start
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def failing_then(result, *errors):
    """A callable that raises each of ``errors`` in turn, then returns ``result``."""
    remaining = list(errors)
    calls = []

    def func():
        calls.append(1)
        if remaining:
            raise remaining.pop(0)
        return result

    return func, calls


def test_retries_transient_errors_until_success():
    fake = FakeTime()
    func, calls = failing_then("paid", TimeoutError(), TimeoutError())
    result = retry(func, retry_on=(TimeoutError,), rng=random.Random(1),  # noqa: S311
                   sleep=fake.sleep, clock=fake.clock)
    assert result == "paid"
    assert len(calls) == 3
    assert len(fake.sleeps) == 2


def test_gives_up_after_max_attempts_with_the_last_error():
    fake = FakeTime()
    errors = [TimeoutError(f"attempt {i}") for i in range(1, 4)]
    func, calls = failing_then("never", *errors)
    with pytest.raises(TimeoutError) as excinfo:
        retry(func, retry_on=(TimeoutError,), max_attempts=3, rng=random.Random(1),  # noqa: S311
              sleep=fake.sleep, clock=fake.clock)
    assert excinfo.value is errors[-1]
    assert len(calls) == 3


def test_decorator_retries_the_wrapped_function():
    fake = FakeTime()
    outcomes = [ConnectionError(), "ok"]

    @retrying(retry_on=(ConnectionError,), rng=random.Random(1),  # noqa: S311
              sleep=fake.sleep, clock=fake.clock)
    def fetch(order_id):
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return f"{outcome}:{order_id}"

    assert fetch("o-1") == "ok:o-1"
