"""Public tests: the candidate may run these while answering."""

from solution import solve


def test_an_empty_list_gives_zero():
    assert solve([]) == 0
