def solve(items: list[int]) -> int:
    """Return the answer for ``items``."""
    raise NotImplementedError
