"""Per-route latency and error report from access-log lines.

Line format (five whitespace-separated fields):
    <timestamp> <method> <path> <status> <latency_ms>
    2024-05-14T09:12:03.120Z GET /api/orders/83121?expand=items 503 1840.5
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RouteStats:
    """Aggregates for one route, e.g. ``GET /orders/{id}``."""

    route: str
    count: int
    error_rate: float
    p50: float
    p95: float
    p99: float


@dataclass
class Report:
    """The report: routes sorted slowest first, plus the number of skipped lines."""

    routes: list[RouteStats] = field(default_factory=list)
    malformed: int = 0


def normalize_path(path: str) -> str:
    """Drop the query string and empty segments; replace id segments by ``{id}``.

    An id segment is all ASCII digits or a UUID (8-4-4-4-12 hex, any case).
    """
    path = path.split("?")[0]
    # TODO: UUIDs, empty segments, trailing slashes
    return "/".join("{id}" if seg.isdigit() else seg for seg in path.split("/"))


def percentile(values: Sequence[float], p: int) -> float:
    """Nearest-rank percentile: the value at 1-based rank ceil(p * n / 100) of the sorted values.

    Raises ValueError for an empty sequence.
    """
    raise NotImplementedError


def analyze(lines: Iterable[str]) -> Report:
    """Read ``lines`` once and return one RouteStats per route plus the malformed-line count.

    Routes are sorted by p95 descending, then count descending, then route ascending.
    """
    raise NotImplementedError
