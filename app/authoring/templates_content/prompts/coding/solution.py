def solve(items: list[int]) -> int:
    """The reference answer: the sum of the items."""
    return sum(items)
