import queue
import threading

import pytest
from solution import CircuitBreaker, CircuitOpenError


class Boom(Exception):
    pass


class Cancelled(BaseException):
    pass


def fail():
    raise Boom("dependency down")


def make(now, **kwargs):
    options = {"failure_threshold": 3, "window": 60, "open_duration": 30}
    options.update(kwargs)
    return CircuitBreaker(clock=lambda: now[0], **options)


def fail_times(breaker, n):
    for _ in range(n):
        with pytest.raises(Boom):
            breaker.call(fail)


def trip(breaker, now, at):
    """Open a breaker built by ``make`` (threshold 3) at time ``at``."""
    now[0] = at
    fail_times(breaker, 3)


def test_open_circuit_does_not_call_the_function_and_reports_retry_after():
    now = [1000.0]
    breaker = make(now)
    trip(breaker, now, 1000.0)
    calls = []
    now[0] = 1012.5
    with pytest.raises(CircuitOpenError) as info:
        breaker.call(calls.append, "x")
    assert calls == []
    assert info.value.retry_after == pytest.approx(17.5)


def test_failures_older_than_the_window_do_not_count():
    now = [0.0]
    breaker = make(now)
    fail_times(breaker, 2)
    now[0] = 60.0  # exactly one window later: the first two failures have expired
    fail_times(breaker, 2)
    assert breaker.state == "closed"
    fail_times(breaker, 1)
    assert breaker.state == "open"


def test_successes_do_not_erase_recent_failures():
    now = [0.0]
    breaker = make(now)
    for _ in range(2):
        fail_times(breaker, 1)
        assert breaker.call(lambda: "ok") == "ok"
    fail_times(breaker, 1)
    assert breaker.state == "open"


def test_rejected_calls_do_not_extend_the_open_period():
    now = [0.0]
    breaker = make(now)
    trip(breaker, now, 0.0)
    for t in (10.0, 20.0, 29.9):
        now[0] = t
        with pytest.raises(CircuitOpenError):
            breaker.call(lambda: "ok")
    now[0] = 30.0
    assert breaker.state == "half_open"


def test_half_open_transition_is_stamped_when_the_pause_ended():
    now = [0.0]
    breaker = make(now)
    trip(breaker, now, 5.0)
    now[0] = 500.0
    assert breaker.state == "half_open"
    assert breaker.transitions == [(5.0, "closed", "open"), (35.0, "open", "half_open")]


def test_half_open_closes_only_after_every_trial_succeeds():
    now = [0.0]
    breaker = make(now, half_open_max_calls=3)
    trip(breaker, now, 0.0)
    now[0] = 30.0
    breaker.call(lambda: 1)
    breaker.call(lambda: 2)
    assert breaker.state == "half_open"
    breaker.call(lambda: 3)
    assert breaker.state == "closed"


def test_failed_trial_reopens_for_a_fresh_open_duration():
    now = [0.0]
    breaker = make(now, half_open_max_calls=2)
    trip(breaker, now, 0.0)
    now[0] = 40.0
    breaker.call(lambda: "ok")
    with pytest.raises(Boom):
        breaker.call(fail)
    assert breaker.state == "open"
    now[0] = 69.0
    with pytest.raises(CircuitOpenError) as info:
        breaker.call(lambda: "ok")
    assert info.value.retry_after == pytest.approx(1.0)
    now[0] = 70.0
    assert breaker.state == "half_open"


def test_half_open_admits_only_the_trial_limit_while_trials_are_in_flight():
    now = [0.0]
    breaker = make(now, half_open_max_calls=2)
    trip(breaker, now, 0.0)
    now[0] = 30.0
    release = threading.Event()
    results = queue.Queue()

    def slow_success():
        release.wait(timeout=2)
        return "ok"

    def worker():
        try:
            results.put(breaker.call(slow_success))
        except CircuitOpenError:
            results.put("rejected")

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(5)]
    for thread in threads:
        thread.start()
    try:
        early = [results.get(timeout=2) for _ in range(3)]
    finally:
        release.set()
    late = [results.get(timeout=2) for _ in range(2)]
    for thread in threads:
        thread.join(timeout=2)
    assert early == ["rejected"] * 3
    assert late == ["ok", "ok"]
    assert breaker.state == "closed"


def test_exceptions_that_are_not_failures_propagate_without_tripping():
    now = [0.0]
    breaker = make(now, is_failure=lambda exc: not isinstance(exc, KeyError))
    for _ in range(5):
        with pytest.raises(KeyError):
            breaker.call({}.__getitem__, "missing")
    assert breaker.state == "closed"


def test_non_failure_exception_in_half_open_counts_as_a_successful_trial():
    now = [0.0]
    breaker = make(now, is_failure=lambda exc: not isinstance(exc, KeyError))
    trip(breaker, now, 0.0)
    now[0] = 30.0
    with pytest.raises(KeyError):
        breaker.call({}.__getitem__, "missing")
    assert breaker.state == "closed"


def test_cancellation_is_not_a_failure_and_frees_the_trial_slot():
    now = [0.0]
    breaker = make(now, half_open_max_calls=1)
    trip(breaker, now, 0.0)
    now[0] = 30.0

    def cancelled():
        raise Cancelled()

    with pytest.raises(Cancelled):
        breaker.call(cancelled)
    assert breaker.state == "half_open"
    assert breaker.call(lambda: "ok") == "ok"
    assert breaker.state == "closed"


def test_a_success_from_before_the_breaker_tripped_does_not_close_it():
    now = [0.0]
    breaker = make(now)

    def slow_success():
        trip(breaker, now, 1.0)  # while this call runs, three others trip the breaker
        return "late"

    assert breaker.call(slow_success) == "late"
    assert breaker.state == "open"
    assert breaker.transitions == [(1.0, "closed", "open")]


def test_a_failure_from_before_the_breaker_reset_does_not_reopen_it():
    now = [0.0]
    breaker = make(now)

    def slow_failure():
        trip(breaker, now, 1.0)
        now[0] = 31.0
        assert breaker.state == "half_open"  # the pause is over while this call still runs
        raise Boom("a timeout from before the trip")

    with pytest.raises(Boom):
        breaker.call(slow_failure)
    assert breaker.state == "half_open"
    assert breaker.call(lambda: "trial") == "trial"
    assert breaker.state == "closed"


def test_closing_clears_the_failure_history():
    now = [0.0]
    breaker = make(now)
    trip(breaker, now, 0.0)
    now[0] = 30.0
    breaker.call(lambda: "ok")
    fail_times(breaker, 2)
    assert breaker.state == "closed"


def test_arguments_and_results_pass_through_and_errors_are_reraised_unchanged():
    breaker = make([0.0])
    assert breaker.call(lambda a, b=0: a + b, 2, b=3) == 5
    error = Boom("original")

    def raise_it():
        raise error

    with pytest.raises(Boom) as info:
        breaker.call(raise_it)
    assert info.value is error


def test_full_transition_history_is_recorded_and_returned_as_a_copy():
    now = [0.0]
    breaker = make(now)
    trip(breaker, now, 10.0)
    now[0] = 45.0
    with pytest.raises(Boom):
        breaker.call(fail)
    now[0] = 80.0
    breaker.call(lambda: "ok")
    history = breaker.transitions
    assert history == [
        (10.0, "closed", "open"),
        (40.0, "open", "half_open"),
        (45.0, "half_open", "open"),
        (75.0, "open", "half_open"),
        (80.0, "half_open", "closed"),
    ]
    assert history[0].at == 10.0 and history[0].to_state == "open"
    history.clear()
    assert len(breaker.transitions) == 5


def test_invalid_configuration_raises_value_error():
    for kwargs in (
        {"failure_threshold": 0},
        {"window": 0},
        {"open_duration": -1},
        {"half_open_max_calls": 0},
    ):
        with pytest.raises(ValueError):
            make([0.0], **kwargs)
