import hashlib
import math
import time
from collections import Counter

import pytest
from solution import HashRing

NODES = ["cache-a", "cache-b", "cache-c", "cache-d", "cache-e"]
KEYS = [f"user:{i}" for i in range(3000)]


def position(label):
    return int.from_bytes(hashlib.sha256(label.encode("utf-8")).digest()[:8], "big")


def coarse(label):
    """A hash with only 16 positions, so that points of different nodes share positions."""
    return position(label) % 16


def ring_points(nodes, vnodes, place=position):
    return sorted((place(f"{node}#{i}"), node) for node in nodes for i in range(vnodes))


def expected_owner(points, key, place=position):
    """Brute-force reading of the specification: scan every point in ring order."""
    target = place(key)
    for point, node in points:
        if point >= target:
            return node
    return points[0][1]


def in_code_process(name):
    """A builtin of the process that runs the code under test.

    Each call into the code crosses the sandbox's bridge and costs a round trip
    of up to a millisecond on a loaded machine. A builtin taken from the code's
    own module (through one of its functions) runs a loop there instead: one
    round trip for thousands of lookups, and timings that measure the code alone.
    """
    return HashRing.node_for.__builtins__[name]


def owners(ring, keys):
    """``{key: ring.node_for(key)}`` for every key, looked up in the code's process."""
    keys = list(keys)
    lookup = in_code_process("getattr")(ring, "node_for")
    found = in_code_process("list")(in_code_process("map")(lookup, keys))
    return dict(zip(keys, found, strict=True))


def test_owner_follows_the_specified_hash_and_vnode_labels():
    ring = HashRing(NODES, vnodes=20)
    points = ring_points(NODES, 20)
    found = owners(ring, KEYS[:400])
    for key in KEYS[:400]:
        assert found[key] == expected_owner(points, key), key


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
    assert set(owners(ring, wrapping).values()) == {points[0][1]}


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
    before = owners(ring, KEYS)
    ring.remove_node("cache-c")
    after = owners(ring, KEYS)
    for key in KEYS:
        if before[key] != "cache-c":
            assert after[key] == before[key], key
        else:
            assert after[key] != "cache-c"


def test_remove_then_add_restores_the_same_mapping():
    ring = HashRing(NODES)
    before = owners(ring, KEYS)
    ring.remove_node("cache-b")
    ring.add_node("cache-b")
    assert owners(ring, KEYS) == before


def test_mapping_does_not_depend_on_the_order_nodes_were_added():
    forward = HashRing(NODES)
    backward = HashRing(reversed(NODES))
    assert owners(forward, KEYS) == owners(backward, KEYS)


def test_virtual_nodes_spread_load_evenly():
    ring = HashRing(NODES, vnodes=100)
    keys = [f"user:{i}" for i in range(10_000)]
    shares = Counter(owners(ring, keys).values())
    assert set(shares) == set(NODES)
    assert all(0.15 <= count / len(keys) <= 0.25 for count in shares.values()), shares


def test_adding_an_eleventh_node_moves_about_one_eleventh_of_keys():
    ring = HashRing([f"cache-{i}" for i in range(10)])
    keys = [f"user:{i}" for i in range(10_000)]
    moved = ring.keys_to_move("cache-10", keys)
    assert 0.06 <= len(moved) / len(keys) <= 0.13


def test_keys_to_move_predicts_the_real_moves_without_changing_the_ring():
    ring = HashRing(NODES[:4])
    before = owners(ring, KEYS)
    predicted = ring.keys_to_move("cache-e", KEYS)
    assert ring.nodes == NODES[:4]
    assert owners(ring, KEYS) == before
    ring.add_node("cache-e")
    after = owners(ring, KEYS)
    actual = {key: before[key] for key in KEYS if after[key] != before[key]}
    assert predicted == actual
    assert predicted


def test_keys_to_move_accepts_a_generator():
    ring = HashRing(NODES[:4])
    # A few hundred keys: each one the generator yields is a round trip to the code's process.
    moved = ring.keys_to_move("cache-e", (key for key in KEYS[:300]))
    assert moved == ring.keys_to_move("cache-e", KEYS[:300])
    assert moved


def test_keys_to_move_on_an_empty_ring_is_empty():
    assert HashRing().keys_to_move("cache-a", KEYS[:10]) == {}


def test_keys_to_move_rejects_a_node_already_on_the_ring():
    with pytest.raises(ValueError):
        HashRing(NODES).keys_to_move("cache-a", KEYS[:10])


def test_points_sharing_a_position_go_to_the_node_whose_name_sorts_first():
    nodes = ["cache-c", "cache-a", "cache-b"]  # added out of name order on purpose
    ring = HashRing(nodes, vnodes=20, position=coarse)
    points = ring_points(nodes, 20, coarse)
    keys = [f"user:{i}" for i in range(64)]
    assert {coarse(key) for key in keys} == set(range(16)), "every position is probed"
    for key in keys:
        assert ring.node_for(key) == expected_owner(points, key, coarse), key
    ring.remove_node("cache-a")
    ring.add_node("cache-a")  # re-added last: ties must still go to cache-a
    for key in keys:
        assert ring.node_for(key) == expected_owner(points, key, coarse), key


def test_keys_to_move_leaves_the_ring_unchanged_when_reading_the_keys_fails():
    ring = HashRing(NODES[:4])
    before = owners(ring, KEYS[:200])

    def keys_then_failure():
        yield from KEYS[:20]
        raise RuntimeError("the key source failed")

    with pytest.raises(RuntimeError):
        ring.keys_to_move("cache-e", keys_then_failure())
    assert ring.nodes == NODES[:4]
    assert owners(ring, KEYS[:200]) == before


def test_lookup_cost_does_not_grow_with_the_number_of_points():
    # The lookups run in the code's process (see in_code_process): the timing is the code's.
    run, call_map, get_method = (in_code_process(n) for n in ("list", "map", "getattr"))
    nodes = [f"cache-{i}" for i in range(8)]
    small = get_method(HashRing(nodes, vnodes=5), "node_for")  # 40 points
    large = get_method(HashRing(nodes, vnodes=5000), "node_for")  # 40,000 points
    best_small = best_large = math.inf
    for round_ in range(3):  # in turns, best of three: a busy moment slows both
        keys = [f"user:{round_}:{i}" for i in range(150)]
        start = time.perf_counter()
        run(call_map(small, keys))
        best_small = min(best_small, time.perf_counter() - start)
        start = time.perf_counter()
        owners = run(call_map(large, keys))
        best_large = min(best_large, time.perf_counter() - start)
        assert set(owners) <= set(nodes)
        if best_large <= 5 * best_small + 0.005:
            break
    # A scan of the points is about a hundred times slower on the large ring.
    assert best_large <= 5 * best_small + 0.005, (best_large, best_small)
