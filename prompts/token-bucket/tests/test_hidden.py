import contextlib
import itertools
import sys
import threading

import pytest
from solution import RateLimiter

JOIN_TIMEOUT = 10.0
RENDEZVOUS_SECONDS = 1.5


def make_limiter(capacity=5, refill_rate=1.0):
    now = [1000.0]
    return RateLimiter(capacity, refill_rate, clock=lambda: now[0]), now


@pytest.fixture
def frequent_thread_switches():
    """Make the interpreter switch threads very often, so unguarded read-modify-write shows."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def run_in_threads(count, target):
    """Start ``count`` threads at once on ``target(index)``; return their results in order."""
    barrier = threading.Barrier(count)
    results = [None] * count
    errors = []

    def worker(index):
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            results[index] = target(index)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    assert not errors, f"a thread raised: {errors[0]!r}"
    return results


def test_new_key_starts_with_a_full_bucket():
    limiter, now = make_limiter(capacity=3)
    now[0] += 500.0
    assert [limiter.allow("new") for _ in range(4)] == [True, True, True, False]


def test_rejected_request_does_not_spend_tokens():
    limiter, _ = make_limiter(capacity=5)
    assert limiter.allow("k", cost=3)
    assert not limiter.allow("k", cost=3)  # only 2 left
    assert not limiter.allow("k", cost=3)
    assert limiter.allow("k", cost=2)  # the rejections took nothing


def test_tokens_refill_continuously_not_in_whole_seconds():
    limiter, now = make_limiter(capacity=4, refill_rate=4.0)
    for _ in range(4):
        assert limiter.allow("k")
    now[0] += 0.25  # one token at 4 per second
    assert limiter.allow("k")
    assert not limiter.allow("k")
    now[0] += 0.125  # half a token
    assert not limiter.allow("k")
    now[0] += 0.125
    assert limiter.allow("k")


def test_refill_never_exceeds_capacity():
    limiter, now = make_limiter(capacity=3, refill_rate=1.0)
    assert limiter.allow("k")
    now[0] += 3600.0
    assert [limiter.allow("k") for _ in range(4)] == [True, True, True, False]


def test_keys_have_independent_buckets():
    limiter, _ = make_limiter(capacity=2)
    assert limiter.allow("a") and limiter.allow("a")
    assert not limiter.allow("a")
    assert limiter.allow("b") and limiter.allow("b")
    assert not limiter.allow("b")


def test_fractional_costs_are_supported():
    limiter, now = make_limiter(capacity=1, refill_rate=1.0)
    assert limiter.allow("k", cost=0.5)
    assert limiter.allow("k", cost=0.25)
    assert not limiter.allow("k", cost=0.5)
    now[0] += 0.25
    assert limiter.allow("k", cost=0.5)


def test_retry_after_is_zero_when_the_request_would_be_allowed():
    limiter, _ = make_limiter(capacity=5)
    assert limiter.retry_after("unknown-key", cost=5) == 0.0
    assert limiter.allow("k", cost=2)
    assert limiter.retry_after("k", cost=3) == 0.0


def test_retry_after_accounts_for_cost_and_partial_tokens():
    limiter, now = make_limiter(capacity=4, refill_rate=2.0)
    assert limiter.allow("k", cost=4)
    now[0] += 0.25  # half a token back
    assert limiter.retry_after("k") == pytest.approx(0.25)
    assert limiter.retry_after("k", cost=3) == pytest.approx(1.25)


# (rate, cost) pairs where start + cost / rate, read back as (now - start) * rate, comes out a
# rounding error below cost (e.g. 7.999999999999886 for 8 at 3 per second from 1000.0): only a
# limiter that treats amounts this close as equal grants the request after the wait.
SHORT_BY_A_ROUNDING_ERROR = [(3.0, 8), (7.0, 5), (1.1, 9), (2.9, 7), (0.3, 2)]


def test_waiting_retry_after_is_enough_even_when_floats_round_short():
    for rate, cost in SHORT_BY_A_ROUNDING_ERROR:
        limiter, now = make_limiter(capacity=10, refill_rate=rate)
        assert limiter.allow("k", cost=10)
        wait = limiter.retry_after("k", cost=cost)
        assert wait == pytest.approx(cost / rate)
        now[0] += wait
        assert limiter.retry_after("k", cost=cost) == 0.0, (rate, cost)
        assert limiter.allow("k", cost=cost), (rate, cost)


def test_retry_after_does_not_spend_or_change_anything():
    limiter, now = make_limiter(capacity=2, refill_rate=1.0)
    for _ in range(10):
        assert limiter.retry_after("k") == 0.0
    assert limiter.allow("k") and limiter.allow("k")
    for _ in range(10):
        assert limiter.retry_after("k") == pytest.approx(1.0)
    now[0] += 1.0
    assert limiter.allow("k")
    assert not limiter.allow("k")


def test_clock_going_backwards_grants_no_extra_tokens():
    limiter, now = make_limiter(capacity=2, refill_rate=1.0)
    assert limiter.allow("k") and limiter.allow("k")
    now[0] -= 5.0  # the clock jumps back
    assert not limiter.allow("k")
    now[0] += 5.0  # back to where it was: no time has really passed
    assert not limiter.allow("k")
    now[0] += 1.0
    assert limiter.allow("k")
    assert not limiter.allow("k")


def test_invalid_arguments_raise_value_error():
    for capacity, rate in [(0, 1.0), (-1, 1.0), (5, 0), (5, -2.0)]:
        with pytest.raises(ValueError):
            RateLimiter(capacity, rate, clock=lambda: 0.0)
    limiter, _ = make_limiter(capacity=5)
    for cost in [0, -1, 6]:
        with pytest.raises(ValueError):
            limiter.allow("k", cost=cost)
        with pytest.raises(ValueError):
            limiter.retry_after("k", cost=cost)


def test_bools_are_not_numbers():
    limiter, _ = make_limiter(capacity=5)
    for method in (limiter.allow, limiter.retry_after):
        with pytest.raises(TypeError):
            method("k", cost=True)
    for capacity, rate in [(True, 1.0), (5, True)]:
        with pytest.raises(TypeError):
            RateLimiter(capacity, rate, clock=lambda: 0.0)
    assert limiter.allow("k", cost=5)  # the refusals spent nothing


def test_a_clock_reading_true_is_refused():
    readings = [1000.0]
    limiter = RateLimiter(5, 1.0, clock=lambda: readings[0])
    assert limiter.allow("k")
    readings[0] = True
    with pytest.raises(TypeError):
        limiter.allow("k")
    with pytest.raises(TypeError):
        limiter.retry_after("k")


def rendezvous_clock(parties, reading=1000.0, after=0):
    """A clock whose ``parties`` readings after the first ``after`` wait for each other, up
    to RENDEZVOUS_SECONDS.

    Requests that read it outside the limiter's lock meet there, so they are inside the
    limiter together whatever the scheduler does. A limiter that reads it under its lock
    makes the first reading wait out the time alone, and the others go straight through.
    """
    barrier = threading.Barrier(parties)
    readings = itertools.count()

    def clock():
        if after <= next(readings) < after + parties:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(RENDEZVOUS_SECONDS)
        return reading

    return clock


def test_two_first_requests_inside_the_limiter_at_once_share_one_bucket():
    limiter = RateLimiter(capacity=1, refill_rate=1.0, clock=rendezvous_clock(2))
    assert sorted(run_in_threads(2, lambda _: limiter.allow("new-partner"))) == [False, True]


def test_two_requests_inside_the_limiter_at_once_cannot_spend_one_token_twice():
    limiter = RateLimiter(capacity=2, refill_rate=1.0, clock=rendezvous_clock(2, after=1))
    assert limiter.allow("partner")  # one token left, and the clock stands still
    assert sorted(run_in_threads(2, lambda _: limiter.allow("partner"))) == [False, True]


def test_concurrent_requests_on_one_key_never_exceed_capacity(frequent_thread_switches):
    limiter, _ = make_limiter(capacity=500, refill_rate=1.0)
    granted = run_in_threads(8, lambda _: sum(limiter.allow("shared") for _ in range(100)))
    assert sum(granted) == 500


def test_concurrent_first_requests_share_one_new_bucket(frequent_thread_switches):
    limiter, _ = make_limiter(capacity=3, refill_rate=1.0)
    keys = [f"client-{i}" for i in range(500)]

    def hit_every_key(_):
        return [limiter.allow(key) for key in keys]

    results = run_in_threads(8, hit_every_key)
    for i in range(len(keys)):
        assert sum(r[i] for r in results) == 3, f"{keys[i]} was granted a wrong number of requests"


def test_refill_is_shared_fairly_between_concurrent_phases(frequent_thread_switches):
    limiter, now = make_limiter(capacity=200, refill_rate=40.0)
    first = run_in_threads(6, lambda _: sum(limiter.allow("k") for _ in range(100)))
    assert sum(first) == 200
    now[0] += 2.5  # a hundred tokens come back
    second = run_in_threads(6, lambda _: sum(limiter.allow("k") for _ in range(100)))
    assert sum(second) == 100
