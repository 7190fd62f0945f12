"""Session-cache placement.

Today the cache client places keys with ``position % len(nodes)``. That is the
behaviour to replace with a consistent hash ring that uses virtual nodes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable


def ring_position(label: str) -> int:
    """Position on the ring: the first 8 bytes of SHA-256(label), as a big-endian integer."""
    return int.from_bytes(hashlib.sha256(label.encode("utf-8")).digest()[:8], "big")


class HashRing:
    """Maps keys to nodes. Node ``n`` owns the points ``position(f"{n}#{i}")``, i < vnodes."""

    def __init__(
        self,
        nodes: Iterable[str] = (),
        vnodes: int = 100,
        position: Callable[[str], int] = ring_position,
    ) -> None:
        self._vnodes = vnodes
        self._position = position
        self._nodes: list[str] = []
        for node in nodes:
            self.add_node(node)

    @property
    def nodes(self) -> list[str]:
        """The nodes on the ring, sorted by name."""
        return sorted(self._nodes)

    def add_node(self, node: str) -> None:
        """Add ``node``; raises ValueError if it is already on the ring."""
        self._nodes.append(node)

    def remove_node(self, node: str) -> None:
        """Remove ``node``; raises KeyError if it is not on the ring."""
        self._nodes.remove(node)

    def node_for(self, key: str) -> str:
        """The node owning ``key``; raises LookupError on an empty ring."""
        # Current production behaviour: almost every key moves when a node joins.
        return self._nodes[self._position(key) % len(self._nodes)]

    def keys_to_move(self, new_node: str, keys: Iterable[str]) -> dict[str, str]:
        """Keys whose owner would change if ``new_node`` joined, mapped to their current owner.

        The ring is not modified. Returns {} on an empty ring. Raises ValueError if
        ``new_node`` is already on the ring.
        """
        raise NotImplementedError
