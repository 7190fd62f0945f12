from solution import RateLimiter


def make_limiter(capacity=5, refill_rate=1.0):
    now = [1000.0]
    return RateLimiter(capacity, refill_rate, clock=lambda: now[0]), now


def test_allows_a_burst_up_to_capacity_then_rejects():
    limiter, _ = make_limiter(capacity=5)
    assert [limiter.allow("client-a") for _ in range(6)] == [True] * 5 + [False]


def test_tokens_come_back_over_time():
    limiter, now = make_limiter(capacity=2, refill_rate=1.0)
    assert limiter.allow("client-a")
    assert limiter.allow("client-a")
    assert not limiter.allow("client-a")
    now[0] += 1.0
    assert limiter.allow("client-a")
    assert not limiter.allow("client-a")


def test_retry_after_says_how_long_to_wait():
    limiter, now = make_limiter(capacity=1, refill_rate=2.0)
    assert limiter.retry_after("client-a") == 0.0
    assert limiter.allow("client-a")
    assert limiter.retry_after("client-a") == 0.5
