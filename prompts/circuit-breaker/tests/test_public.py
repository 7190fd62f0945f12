import pytest
from solution import CircuitBreaker, CircuitOpenError


class Boom(Exception):
    pass


def fail():
    raise Boom("dependency down")


def test_opens_after_threshold_failures_and_rejects_calls():
    now = [100.0]
    breaker = CircuitBreaker(failure_threshold=3, window=60, open_duration=30, clock=lambda: now[0])
    for _ in range(3):
        with pytest.raises(Boom):
            breaker.call(fail)
    assert breaker.state == "open"
    with pytest.raises(CircuitOpenError):
        breaker.call(lambda: "never runs")


def test_recovers_through_half_open_after_open_duration():
    now = [100.0]
    breaker = CircuitBreaker(failure_threshold=1, window=60, open_duration=30, clock=lambda: now[0])
    with pytest.raises(Boom):
        breaker.call(fail)
    now[0] = 130.0
    assert breaker.state == "half_open"
    assert breaker.call(lambda: "ok") == "ok"
    assert breaker.state == "closed"


def test_new_breaker_is_closed_with_no_transitions():
    breaker = CircuitBreaker(clock=lambda: 0.0)
    assert breaker.state == "closed"
    assert breaker.transitions == []
