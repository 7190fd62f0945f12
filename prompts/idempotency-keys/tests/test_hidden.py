import sys
import threading
import time

import pytest
from solution import IdempotencyKeyMismatch, IdempotencyLayer, Response

JOIN_TIMEOUT = 5.0
BODY = {"amount": 1999, "currency": "EUR", "customer": {"id": "cus_1", "country": "DE"}}


def make_layer(ttl=3600.0, handler=None):
    now = [5000.0]
    calls = []

    def create_payment(body):
        calls.append(dict(body))
        return Response(201, {"id": f"pay_{len(calls)}", "amount": body["amount"]})

    layer = IdempotencyLayer(handler or create_payment, ttl=ttl, clock=lambda: now[0])
    return layer, calls, now


@pytest.fixture
def frequent_thread_switches():
    """Make the interpreter switch threads very often, so unguarded check-then-act shows."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def let_other_threads_run():
    """A tiny yield so waiting threads reach their wait; no result depends on it."""
    time.sleep(0.02)


class Worker(threading.Thread):
    """Runs ``target`` and keeps its result or exception for the test to inspect."""

    def __init__(self, target, barrier=None):
        super().__init__(daemon=True)
        self._target_fn, self._barrier = target, barrier
        self.result = self.error = None

    def run(self):
        try:
            if self._barrier is not None:
                self._barrier.wait(timeout=JOIN_TIMEOUT)
            self.result = self._target_fn()
        except BaseException as exc:  # kept for the test, not lost in the thread
            self.error = exc

    def finish(self):
        self.join(JOIN_TIMEOUT)
        assert not self.is_alive(), "a call did not return in time"
        return self

    def start_and_finish(self):
        self.start()
        return self.finish()


class BlockingHandler:
    """A handler whose first call waits until the test releases it."""

    def __init__(self, first_call_raises=None):
        self.calls = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.first_call_raises = first_call_raises

    def __call__(self, body):
        self.calls.append(dict(body))
        if len(self.calls) == 1:
            self.entered.set()
            assert self.release.wait(JOIN_TIMEOUT), "the test never released the handler"
            if self.first_call_raises is not None:
                raise self.first_call_raises
        return Response(201, {"id": f"pay_{len(self.calls)}", "amount": body["amount"]})


def test_replay_does_not_call_the_handler_again():
    layer, calls, now = make_layer()
    first = layer.handle("k", BODY)
    now[0] += 60.0
    for _ in range(3):
        assert layer.handle("k", BODY) == first
    assert len(calls) == 1


def test_body_key_order_does_not_matter():
    layer, calls, _ = make_layer()
    first = layer.handle("k", BODY)
    reordered = {"customer": {"country": "DE", "id": "cus_1"}, "currency": "EUR", "amount": 1999}
    assert layer.handle("k", reordered) == first
    assert len(calls) == 1


def test_mismatch_is_rejected_and_the_original_response_still_replays():
    layer, calls, _ = make_layer()
    first = layer.handle("k", BODY)
    changed = {**BODY, "customer": {"id": "cus_1", "country": "FR"}}
    with pytest.raises(IdempotencyKeyMismatch):
        layer.handle("k", changed)
    assert layer.handle("k", BODY) == first
    assert len(calls) == 1


def test_different_keys_are_independent():
    layer, calls, _ = make_layer()
    a = layer.handle("a", BODY)
    b = layer.handle("b", {**BODY, "amount": 500})
    assert a != b
    assert len(calls) == 2


def test_error_responses_from_the_handler_are_stored_and_replayed():
    calls = []

    def decline(body):
        calls.append(body)
        return Response(402, {"error": "card_declined"})

    layer, _, _ = make_layer(handler=decline)
    assert layer.handle("k", BODY).status == 402
    assert layer.handle("k", BODY) == Response(402, {"error": "card_declined"})
    assert len(calls) == 1


def test_mutating_a_returned_response_does_not_change_what_is_replayed():
    layer, _, _ = make_layer()
    first = layer.handle("k", BODY)
    first.body["amount"] = 0
    replay = layer.handle("k", BODY)
    assert replay.body["amount"] == 1999
    replay.body["id"] = "tampered"
    assert layer.handle("k", BODY).body == {"id": "pay_1", "amount": 1999}


def test_mutating_the_request_after_the_call_does_not_change_the_stored_request():
    layer, calls, _ = make_layer()
    body = {"amount": 1999, "currency": "EUR"}
    first = layer.handle("k", body)
    body["amount"] = 5  # the caller reuses its dict
    assert layer.handle("k", {"amount": 1999, "currency": "EUR"}) == first
    with pytest.raises(IdempotencyKeyMismatch):
        layer.handle("k", body)
    assert len(calls) == 1


def test_a_handler_exception_stores_nothing_and_the_retry_runs_again():
    attempts = []

    def flaky(body):
        attempts.append(body)
        if len(attempts) == 1:
            raise ConnectionError("gateway timed out")
        return Response(201, {"id": "pay_ok", "amount": body["amount"]})

    layer, _, _ = make_layer(handler=flaky)
    with pytest.raises(ConnectionError):
        layer.handle("k", BODY)
    assert len(layer) == 0
    assert layer.handle("k", BODY) == Response(201, {"id": "pay_ok", "amount": 1999})
    assert len(attempts) == 2


def test_an_interrupted_handler_stores_nothing_and_leaves_the_key_free():
    attempts = []

    def interrupted_once(body):
        attempts.append(body)
        if len(attempts) == 1:
            raise KeyboardInterrupt  # a cancelled request, not an error of the handler
        return Response(201, {"id": "pay_ok", "amount": body["amount"]})

    layer, _, _ = make_layer(handler=interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        layer.handle("k", BODY)
    assert len(layer) == 0
    retry = Worker(lambda: layer.handle("k", BODY)).start_and_finish()
    assert retry.error is None
    assert retry.result == Response(201, {"id": "pay_ok", "amount": 1999})
    assert len(attempts) == 2


def test_true_is_not_the_number_one():
    layer, calls, _ = make_layer()
    layer.handle("k", {"amount": 1999, "capture": 1})
    with pytest.raises(IdempotencyKeyMismatch):
        layer.handle("k", {"amount": 1999, "capture": True})
    with pytest.raises(IdempotencyKeyMismatch):
        layer.handle("k", {"amount": 1999, "capture": 1.0})
    assert len(calls) == 1


def test_entries_expire_exactly_after_the_ttl():
    layer, calls, now = make_layer(ttl=100.0)
    layer.handle("k", BODY)
    now[0] += 99.5
    layer.handle("k", BODY)
    assert len(calls) == 1
    now[0] += 0.5  # exactly ttl after the response was stored
    assert layer.handle("k", BODY).body["id"] == "pay_2"
    assert len(calls) == 2


def test_ttl_counts_from_when_the_response_was_stored():
    now = [5000.0]
    calls = []

    def slow_payment(body):
        calls.append(body)
        now[0] += 30.0  # the payment provider takes 30 s
        return Response(201, {"id": f"pay_{len(calls)}", "amount": body["amount"]})

    layer = IdempotencyLayer(slow_payment, ttl=100.0, clock=lambda: now[0])
    layer.handle("k", BODY)
    now[0] += 90.0  # 120 s after the request arrived, 90 s after it finished
    layer.handle("k", BODY)
    assert len(calls) == 1


def test_an_expired_key_can_be_reused_with_a_new_body():
    layer, calls, now = make_layer(ttl=100.0)
    layer.handle("k", BODY)
    now[0] += 100.0
    response = layer.handle("k", {"amount": 42, "currency": "USD"})
    assert response.body["amount"] == 42
    assert len(calls) == 2


def test_len_counts_only_live_keys():
    layer, _, now = make_layer(ttl=100.0)
    layer.handle("a", BODY)
    now[0] += 50.0
    layer.handle("b", BODY)
    assert len(layer) == 2
    now[0] += 50.0
    assert len(layer) == 1
    now[0] += 50.0
    assert len(layer) == 0


def test_invalid_key_or_ttl_is_rejected():
    layer, calls, _ = make_layer()
    with pytest.raises(ValueError):
        layer.handle("", BODY)
    assert calls == []
    with pytest.raises(ValueError):
        IdempotencyLayer(lambda body: Response(200, {}), ttl=0)


def test_concurrent_duplicates_run_the_handler_once(frequent_thread_switches):
    handler = BlockingHandler()
    layer = IdempotencyLayer(handler, ttl=3600.0, clock=lambda: 5000.0)
    barrier = threading.Barrier(8)
    workers = [Worker(lambda: layer.handle("k", BODY), barrier) for _ in range(8)]
    try:
        for worker in workers:
            worker.start()
        assert handler.entered.wait(JOIN_TIMEOUT), "the handler was never called"
        let_other_threads_run()
    finally:
        handler.release.set()
    for worker in workers:
        worker.finish()
    assert [w.error for w in workers] == [None] * 8
    assert len(handler.calls) == 1
    assert all(w.result == Response(201, {"id": "pay_1", "amount": 1999}) for w in workers)


def test_concurrent_duplicates_across_many_keys_run_once_per_key(frequent_thread_switches):
    calls = []

    def create_payment(body):
        calls.append(body["order"])  # list.append is atomic
        return Response(201, {"id": f"pay_{body['order']}", "amount": body["amount"]})

    layer = IdempotencyLayer(create_payment, ttl=3600.0, clock=lambda: 5000.0)
    orders = range(300)

    def pay_every_order():
        return [layer.handle(f"order-{n}", {"order": n, "amount": 100}).body["id"] for n in orders]

    barrier = threading.Barrier(6)
    workers = [Worker(pay_every_order, barrier) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        assert worker.finish().error is None
    assert sorted(calls) == list(orders), "some order was charged more than once"
    expected = [f"pay_{n}" for n in orders]
    assert all(worker.result == expected for worker in workers)


def test_a_different_body_is_rejected_while_the_first_request_is_running():
    handler = BlockingHandler()
    layer = IdempotencyLayer(handler, ttl=3600.0, clock=lambda: 5000.0)
    first = Worker(lambda: layer.handle("k", BODY))
    try:
        first.start()
        assert handler.entered.wait(JOIN_TIMEOUT)
        conflicting = Worker(lambda: layer.handle("k", {**BODY, "amount": 1}))
        conflicting.start_and_finish()
        assert isinstance(conflicting.error, IdempotencyKeyMismatch)
    finally:
        handler.release.set()
    assert first.finish().result.body["amount"] == 1999
    assert len(handler.calls) == 1


def test_different_keys_do_not_wait_for_each_other():
    handler = BlockingHandler()
    layer = IdempotencyLayer(handler, ttl=3600.0, clock=lambda: 5000.0)
    slow = Worker(lambda: layer.handle("slow", BODY))
    try:
        slow.start()
        assert handler.entered.wait(JOIN_TIMEOUT)
        fast = Worker(lambda: layer.handle("fast", {**BODY, "amount": 7}))
        fast.start_and_finish()
        assert fast.error is None
        assert fast.result.body["amount"] == 7
    finally:
        handler.release.set()
    assert slow.finish().error is None


def test_a_waiting_duplicate_runs_the_handler_when_the_first_attempt_is_cancelled():
    handler = BlockingHandler(first_call_raises=KeyboardInterrupt())
    layer = IdempotencyLayer(handler, ttl=3600.0, clock=lambda: 5000.0)
    first = Worker(lambda: layer.handle("k", BODY))
    second = Worker(lambda: layer.handle("k", BODY))
    try:
        first.start()
        assert handler.entered.wait(JOIN_TIMEOUT)
        second.start()
        let_other_threads_run()
    finally:
        handler.release.set()
    assert isinstance(first.finish().error, KeyboardInterrupt)
    assert second.finish().error is None
    assert second.result == Response(201, {"id": "pay_2", "amount": 1999})
    assert len(handler.calls) == 2


def test_a_waiting_duplicate_runs_the_handler_when_the_first_attempt_fails():
    handler = BlockingHandler(first_call_raises=ConnectionError("gateway timed out"))
    layer = IdempotencyLayer(handler, ttl=3600.0, clock=lambda: 5000.0)
    first = Worker(lambda: layer.handle("k", BODY))
    second = Worker(lambda: layer.handle("k", BODY))
    try:
        first.start()
        assert handler.entered.wait(JOIN_TIMEOUT)
        second.start()
        let_other_threads_run()
    finally:
        handler.release.set()
    assert isinstance(first.finish().error, ConnectionError)
    assert second.finish().error is None
    assert second.result == Response(201, {"id": "pay_2", "amount": 1999})
    assert len(handler.calls) == 2
    assert layer.handle("k", BODY) == second.result
