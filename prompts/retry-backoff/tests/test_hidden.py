import random

import pytest
from solution import retry, retrying


class FakeTime:
    """A clock that only moves when something sleeps or advances it."""

    def __init__(self, start=1000.0):
        self.now = start
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class TopOfRange(random.Random):
    """An rng whose draws are always at the very top of the requested range."""

    def random(self):
        return 1.0 - 2.0**-53


def always_failing(make_error, calls, fake=None, seconds_per_call=0.0):
    def func():
        calls.append(1)
        if fake is not None:
            fake.now += seconds_per_call
        raise make_error()

    return func


def failing_then(result, *errors):
    remaining = list(errors)
    calls = []

    def func():
        calls.append(1)
        if remaining:
            raise remaining.pop(0)
        return result

    return func, calls


def seeded(seed=7):
    return random.Random(seed)  # noqa: S311 - jitter in tests, not secrets


def test_first_success_returns_without_sleeping():
    fake = FakeTime()
    func, calls = failing_then(42)
    assert retry(func, retry_on=(TimeoutError,), rng=seeded(), sleep=fake.sleep,
                 clock=fake.clock) == 42
    assert len(calls) == 1
    assert fake.sleeps == []


def test_last_error_is_reraised_unchanged():
    fake = FakeTime()
    errors = [ConnectionError(f"attempt {i}") for i in range(1, 5)]
    func, calls = failing_then("never", *errors)
    with pytest.raises(ConnectionError) as excinfo:
        retry(func, retry_on=(ConnectionError,), max_attempts=4, rng=seeded(),
              sleep=fake.sleep, clock=fake.clock)
    assert excinfo.value is errors[-1]
    assert type(excinfo.value) is ConnectionError
    assert len(calls) == 4


def test_no_sleep_after_the_final_attempt():
    fake = FakeTime()
    calls = []
    with pytest.raises(TimeoutError):
        retry(always_failing(TimeoutError, calls), retry_on=(TimeoutError,), max_attempts=5,
              rng=seeded(), sleep=fake.sleep, clock=fake.clock)
    assert len(calls) == 5
    assert len(fake.sleeps) == 4


def test_max_attempts_of_one_never_retries():
    fake = FakeTime()
    calls = []
    with pytest.raises(TimeoutError):
        retry(always_failing(TimeoutError, calls), retry_on=(TimeoutError,), max_attempts=1,
              rng=seeded(), sleep=fake.sleep, clock=fake.clock)
    assert len(calls) == 1
    assert fake.sleeps == []


def test_errors_outside_the_allow_list_propagate_immediately():
    fake = FakeTime()
    calls = []
    with pytest.raises(ValueError):
        retry(always_failing(ValueError, calls), retry_on=(TimeoutError, ConnectionError),
              rng=seeded(), sleep=fake.sleep, clock=fake.clock)
    assert len(calls) == 1
    assert fake.sleeps == []


def test_a_non_retryable_error_after_retryable_ones_stops_at_once():
    fake = FakeTime()
    func, calls = failing_then("never", TimeoutError(), KeyError("card"), TimeoutError())
    with pytest.raises(KeyError):
        retry(func, retry_on=(TimeoutError,), max_attempts=5, rng=seeded(),
              sleep=fake.sleep, clock=fake.clock)
    assert len(calls) == 2
    assert len(fake.sleeps) == 1


def test_subclasses_of_allowed_exceptions_are_retried():
    fake = FakeTime()
    func, calls = failing_then("ok", ConnectionResetError(), TimeoutError())
    assert retry(func, retry_on=(OSError,), rng=seeded(), sleep=fake.sleep,
                 clock=fake.clock) == "ok"
    assert len(calls) == 3


def test_keyboard_interrupt_is_not_retried_even_when_exception_is_allowed():
    fake = FakeTime()
    calls = []
    with pytest.raises(KeyboardInterrupt):
        retry(always_failing(KeyboardInterrupt, calls), retry_on=(Exception,),
              rng=seeded(), sleep=fake.sleep, clock=fake.clock)
    assert len(calls) == 1


def test_delays_are_full_jitter_over_a_doubling_capped_window():
    fake = FakeTime()
    func, _ = failing_then("ok", *[TimeoutError() for _ in range(5)])
    retry(func, retry_on=(TimeoutError,), max_attempts=6, base_delay=0.5, max_delay=3.0,
          rng=seeded(99), sleep=fake.sleep, clock=fake.clock)
    expected_rng = seeded(99)
    expected = [expected_rng.uniform(0, cap) for cap in [0.5, 1.0, 2.0, 3.0, 3.0]]
    assert fake.sleeps == pytest.approx(expected)


def test_delay_window_starts_at_base_delay_and_never_exceeds_max_delay():
    fake = FakeTime()
    calls = []
    with pytest.raises(TimeoutError):
        retry(always_failing(TimeoutError, calls), retry_on=(TimeoutError,), max_attempts=8,
              base_delay=0.25, max_delay=4.0, rng=TopOfRange(), sleep=fake.sleep,
              clock=fake.clock)
    assert fake.sleeps == pytest.approx([0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0])


def test_many_attempts_do_not_overflow_the_backoff():
    fake = FakeTime()
    calls = []
    with pytest.raises(ConnectionError):
        retry(always_failing(ConnectionError, calls), retry_on=(ConnectionError,),
              max_attempts=1500, base_delay=0.001, max_delay=1.0, rng=seeded(),
              sleep=fake.sleep, clock=fake.clock)
    assert len(calls) == 1500
    assert max(fake.sleeps) <= 1.0


def test_stops_when_the_next_sleep_would_pass_the_deadline():
    fake = FakeTime()
    calls = []
    with pytest.raises(TimeoutError):
        retry(always_failing(TimeoutError, calls), retry_on=(TimeoutError,), max_attempts=20,
              base_delay=1.0, max_delay=100.0, deadline=10.0, rng=TopOfRange(),
              sleep=fake.sleep, clock=fake.clock)
    # Sleeps of ~1, ~2 and ~4 s fit in 10 s; the next one (~8 s) would end at ~15 s.
    assert len(calls) == 4
    assert fake.sleeps == pytest.approx([1.0, 2.0, 4.0])


def test_time_spent_in_attempts_counts_toward_the_deadline():
    fake = FakeTime()
    calls = []
    with pytest.raises(TimeoutError):
        retry(always_failing(TimeoutError, calls, fake, seconds_per_call=4.0),
              retry_on=(TimeoutError,), max_attempts=20, base_delay=0.0, max_delay=0.0,
              deadline=10.0, rng=seeded(), sleep=fake.sleep, clock=fake.clock)
    # Attempts start at 0 s, 4 s and 8 s; one at 12 s would be past the deadline.
    assert len(calls) == 3


def test_a_retry_starting_exactly_at_the_deadline_is_allowed():
    fake = FakeTime()
    calls = []
    with pytest.raises(TimeoutError):
        retry(always_failing(TimeoutError, calls, fake, seconds_per_call=5.0),
              retry_on=(TimeoutError,), max_attempts=20, base_delay=0.0, max_delay=0.0,
              deadline=10.0, rng=seeded(), sleep=fake.sleep, clock=fake.clock)
    # Attempts start at 0 s, 5 s and exactly 10 s.
    assert len(calls) == 3


def test_each_decorated_call_gets_its_own_deadline():
    fake = FakeTime()
    calls = []

    @retrying(retry_on=(TimeoutError,), max_attempts=20, base_delay=0.0, max_delay=0.0,
              deadline=10.0, rng=seeded(), sleep=fake.sleep, clock=fake.clock)
    def charge(amount):
        calls.append(amount)
        fake.now += 4.0
        raise TimeoutError()

    with pytest.raises(TimeoutError):
        charge(100)
    assert calls == [100, 100, 100]
    fake.now += 60.0
    with pytest.raises(TimeoutError):
        charge(200)
    assert calls == [100, 100, 100, 200, 200, 200]


def test_decorator_passes_arguments_and_keeps_the_function_metadata():
    fake = FakeTime()
    failures = [TimeoutError()]

    @retrying(retry_on=(TimeoutError,), rng=seeded(), sleep=fake.sleep, clock=fake.clock)
    def refund(payment_id, *, amount):
        """Refund part of a payment."""
        if failures:
            raise failures.pop()
        return (payment_id, amount)

    assert refund("pay_1", amount=250) == ("pay_1", 250)
    assert refund.__name__ == "refund"
    assert refund.__doc__ == "Refund part of a payment."


def test_invalid_configuration_raises_value_error():
    bad = [
        {"retry_on": ()},
        {"retry_on": (TimeoutError,), "max_attempts": 0},
        {"retry_on": (TimeoutError,), "base_delay": -0.1},
        {"retry_on": (TimeoutError,), "base_delay": 2.0, "max_delay": 1.0},
        {"retry_on": (TimeoutError,), "deadline": 0},
    ]
    for options in bad:
        calls = []
        with pytest.raises(ValueError):
            retry(always_failing(TimeoutError, calls), sleep=lambda s: None, **options)
        assert calls == [], f"{options} should be refused before the first attempt"
        with pytest.raises(ValueError):
            retrying(sleep=lambda s: None, **options)
