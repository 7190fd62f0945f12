import pytest
from solution import HashRing


def test_same_key_always_maps_to_the_same_node():
    ring = HashRing(["cache-a", "cache-b", "cache-c"])
    owners = {ring.node_for(f"session:{i}") for i in range(200)}
    assert owners == {"cache-a", "cache-b", "cache-c"}
    assert ring.node_for("session:42") == HashRing(["cache-a", "cache-b", "cache-c"]).node_for(
        "session:42"
    )


def test_adding_a_node_moves_keys_only_to_the_new_node():
    keys = [f"session:{i}" for i in range(2000)]
    ring = HashRing(["cache-a", "cache-b", "cache-c"])
    before = {key: ring.node_for(key) for key in keys}
    ring.add_node("cache-d")
    moved = {key for key in keys if ring.node_for(key) != before[key]}
    assert moved
    assert all(ring.node_for(key) == "cache-d" for key in moved)


def test_empty_ring_raises_lookup_error():
    with pytest.raises(LookupError):
        HashRing().node_for("session:1")
