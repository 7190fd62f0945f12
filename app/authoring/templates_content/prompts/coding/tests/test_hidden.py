"""Hidden tests: they score the answer once it is submitted."""

from solution import solve


def test_adds_every_item():
    assert solve([1, 2, 3]) == 6


def test_negative_items_count():
    assert solve([5, -2]) == 3
