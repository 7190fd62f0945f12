import pytest
from solution import IdempotencyKeyMismatch, IdempotencyLayer, Response


def make_layer(ttl=3600.0):
    now = [5000.0]
    calls = []

    def create_payment(body):
        calls.append(body)
        return Response(201, {"id": f"pay_{len(calls)}", "amount": body["amount"]})

    return IdempotencyLayer(create_payment, ttl=ttl, clock=lambda: now[0]), calls, now


def test_first_request_runs_the_handler():
    layer, calls, _ = make_layer()
    response = layer.handle("key-1", {"amount": 1999, "currency": "EUR"})
    assert response == Response(201, {"id": "pay_1", "amount": 1999})
    assert len(calls) == 1


def test_retry_with_same_key_and_body_replays_the_response():
    layer, calls, _ = make_layer()
    first = layer.handle("key-1", {"amount": 1999, "currency": "EUR"})
    second = layer.handle("key-1", {"amount": 1999, "currency": "EUR"})
    assert second == first
    assert len(calls) == 1


def test_same_key_with_a_different_body_is_rejected():
    layer, calls, _ = make_layer()
    layer.handle("key-1", {"amount": 1999, "currency": "EUR"})
    with pytest.raises(IdempotencyKeyMismatch):
        layer.handle("key-1", {"amount": 2999, "currency": "EUR"})
    assert len(calls) == 1
