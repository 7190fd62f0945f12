"""boundary: bisect_right skips a point at exactly the key's position.

Such a key goes to the next point instead of the one it lands on.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, Iterable


def ring_position(label: str) -> int:
    """Position on the ring: the first 8 bytes of SHA-256(label), as a big-endian integer."""
    return int.from_bytes(hashlib.sha256(label.encode("utf-8")).digest()[:8], "big")


class HashRing:
    """Maps keys to nodes; each node owns ``vnodes`` points on a 64-bit ring."""

    def __init__(
        self,
        nodes: Iterable[str] = (),
        vnodes: int = 100,
        position: Callable[[str], int] = ring_position,
    ) -> None:
        if vnodes < 1:
            raise ValueError("vnodes must be at least 1")
        self._vnodes = vnodes
        self._position = position
        self._points: list[tuple[int, str]] = []  # sorted (position, node)
        self._nodes: set[str] = set()
        for node in nodes:
            self.add_node(node)

    @property
    def nodes(self) -> list[str]:
        """The nodes on the ring, sorted by name."""
        return sorted(self._nodes)

    def _node_points(self, node: str) -> list[tuple[int, str]]:
        return [(self._position(f"{node}#{i}"), node) for i in range(self._vnodes)]

    def add_node(self, node: str) -> None:
        """Add ``node``; raises ValueError if it is already on the ring."""
        if node in self._nodes:
            raise ValueError(f"node {node!r} is already on the ring")
        self._nodes.add(node)
        self._points = sorted(self._points + self._node_points(node))

    def remove_node(self, node: str) -> None:
        """Remove ``node``; raises KeyError if it is not on the ring."""
        if node not in self._nodes:
            raise KeyError(node)
        self._nodes.remove(node)
        self._points = [point for point in self._points if point[1] != node]

    def node_for(self, key: str) -> str:
        """The node owning ``key``; raises LookupError on an empty ring."""
        return self._owner(self._points, key)

    def keys_to_move(self, new_node: str, keys: Iterable[str]) -> dict[str, str]:
        """Keys whose owner would change if ``new_node`` joined, mapped to their current owner.

        The ring is not modified. Raises ValueError if ``new_node`` is already on the ring.
        """
        if new_node in self._nodes:
            raise ValueError(f"node {new_node!r} is already on the ring")
        if not self._points:
            return {}
        grown = sorted(self._points + self._node_points(new_node))
        moves = {}
        for key in keys:
            if self._owner(grown, key) == new_node:
                moves[key] = self._owner(self._points, key)
        return moves

    def _owner(self, points: list[tuple[int, str]], key: str) -> str:
        """First point at or after the key's position, wrapping past the top of the ring.

        (position, node) tuples sort equal positions by node name, and the one-element
        tuple sorts before all of them, so a tie goes to the name that sorts first.
        """
        if not points:
            raise LookupError("the ring has no nodes")
        index = bisect.bisect_right(points, self._position(key), key=lambda p: p[0])
        return points[index % len(points)][1]
