"""boundary: ignores negative items, which the hidden tests must catch."""


def solve(items: list[int]) -> int:
    return sum(item for item in items if item > 0)
