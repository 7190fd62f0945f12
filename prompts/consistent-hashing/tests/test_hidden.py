import hashlib
from collections import Counter

import pytest
from solution import HashRing

NODES = ["cache-a", "cache-b", "cache-c", "cache-d", "cache-e"]
KEYS = [f"user:{i}" for i in range(3000)]


def position(label):
    return int.from_bytes(hashlib.sha256(label.encode("utf-8")).digest()[:8], "big")


def ring_points(nodes, vnodes):
    return sorted((position(f"{node}#{i}"), node) for node in nodes for i in range(vnodes))


def expected_owner(points, key):
    """Brute-force reading of the specification: scan every point in ring order."""
    target = position(key)
    for point, node in points:
        if point >= target:
            return node
    return points[0][1]


def test_owner_follows_the_specified_hash_and_vnode_labels():
    ring = HashRing(NODES, vnodes=20)
    points = ring_points(NODES, 20)
    for key in KEYS[:400]:
        assert ring.node_for(key) == expected_owner(points, key), key


def test_non_ascii_keys_are_hashed_as_utf8():
    ring = HashRing(NODES, vnodes=20)
    points = ring_points(NODES, 20)
    for key in ["ключ", "clé:é", "🙂", ""]:
        assert ring.node_for(key) == expected_owner(points, key), key


def test_key_landing_exactly_on_a_point_belongs_to_that_point():
    ring = HashRing(NODES, vnodes=50)
    for node in NODES:
        for i in (0, 7, 49):
            assert ring.node_for(f"{node}#{i}") == node


def test_key_past_the_last_point_wraps_to_the_first_point():
    nodes = ["cache-a", "cache-b", "cache-c"]
    ring = HashRing(nodes, vnodes=1)
    points = ring_points(nodes, 1)
    wrapping = [key for key in KEYS if position(key) > points[-1][0]]
    assert wrapping, "test data should contain keys past the last point"
    for key in wrapping:
        assert ring.node_for(key) == points[0][1]


def test_vnodes_must_be_at_least_one():
    with pytest.raises(ValueError):
        HashRing(NODES, vnodes=0)


def test_adding_an_existing_node_raises_value_error():
    ring = HashRing(NODES)
    with pytest.raises(ValueError):
        ring.add_node("cache-a")
    assert ring.nodes == NODES


def test_removing_an_unknown_node_raises_key_error():
    ring = HashRing(NODES)
    with pytest.raises(KeyError):
        ring.remove_node("cache-z")


def test_ring_is_empty_again_after_removing_every_node():
    ring = HashRing(["cache-a"])
    ring.remove_node("cache-a")
    assert ring.nodes == []
    with pytest.raises(LookupError):
        ring.node_for("user:1")


def test_nodes_are_listed_sorted():
    ring = HashRing(["cache-c", "cache-a"])
    ring.add_node("cache-b")
    assert ring.nodes == ["cache-a", "cache-b", "cache-c"]


def test_removing_a_node_moves_only_its_own_keys():
    ring = HashRing(NODES)
    before = {key: ring.node_for(key) for key in KEYS}
    ring.remove_node("cache-c")
    for key in KEYS:
        if before[key] != "cache-c":
            assert ring.node_for(key) == before[key], key
        else:
            assert ring.node_for(key) != "cache-c"


def test_remove_then_add_restores_the_same_mapping():
    ring = HashRing(NODES)
    before = {key: ring.node_for(key) for key in KEYS}
    ring.remove_node("cache-b")
    ring.add_node("cache-b")
    assert {key: ring.node_for(key) for key in KEYS} == before


def test_mapping_does_not_depend_on_the_order_nodes_were_added():
    forward = HashRing(NODES)
    backward = HashRing(reversed(NODES))
    assert all(forward.node_for(key) == backward.node_for(key) for key in KEYS)


def test_virtual_nodes_spread_load_evenly():
    ring = HashRing(NODES, vnodes=100)
    keys = [f"user:{i}" for i in range(10_000)]
    shares = Counter(ring.node_for(key) for key in keys)
    assert set(shares) == set(NODES)
    assert all(0.15 <= count / len(keys) <= 0.25 for count in shares.values()), shares


def test_adding_an_eleventh_node_moves_about_one_eleventh_of_keys():
    ring = HashRing([f"cache-{i}" for i in range(10)])
    keys = [f"user:{i}" for i in range(10_000)]
    moved = ring.keys_to_move("cache-10", keys)
    assert 0.06 <= len(moved) / len(keys) <= 0.13


def test_keys_to_move_predicts_the_real_moves_without_changing_the_ring():
    ring = HashRing(NODES[:4])
    before = {key: ring.node_for(key) for key in KEYS}
    predicted = ring.keys_to_move("cache-e", KEYS)
    assert ring.nodes == NODES[:4]
    assert {key: ring.node_for(key) for key in KEYS} == before
    ring.add_node("cache-e")
    actual = {key: before[key] for key in KEYS if ring.node_for(key) != before[key]}
    assert predicted == actual
    assert predicted


def test_keys_to_move_accepts_a_generator():
    ring = HashRing(NODES[:4])
    moved = ring.keys_to_move("cache-e", (key for key in KEYS))
    assert moved == ring.keys_to_move("cache-e", KEYS)


def test_keys_to_move_on_an_empty_ring_is_empty():
    assert HashRing().keys_to_move("cache-a", KEYS[:10]) == {}


def test_keys_to_move_rejects_a_node_already_on_the_ring():
    with pytest.raises(ValueError):
        HashRing(NODES).keys_to_move("cache-a", KEYS[:10])
