from solution import TTLCache


def make_cache(capacity=3, ttl=10.0):
    now = [100.0]
    return TTLCache(capacity, ttl, clock=lambda: now[0]), now


def test_put_then_get_returns_value():
    cache, _ = make_cache()
    cache.put("a", 1)
    assert cache.get("a") == 1
    assert cache.get("missing") is None
    assert cache.get("missing", "fallback") == "fallback"


def test_least_recently_used_entry_is_evicted():
    cache, _ = make_cache(capacity=2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert cache.get("a") is None
    assert cache.get("b") == 2
    assert cache.get("c") == 3


def test_entry_is_gone_after_its_ttl():
    cache, now = make_cache(ttl=10.0)
    cache.put("a", 1)
    now[0] += 9.0
    assert cache.get("a") == 1
    now[0] += 2.0
    assert cache.get("a") is None
