"""ordering: one reversed sort key puts routes tied on p95 and count in descending name order."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_LATENCY = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


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
    """Drop the query string, collapse empty segments and replace id segments by ``{id}``."""
    path = path.split("?", 1)[0]
    segments = [
        "{id}" if seg.isascii() and (seg.isdigit() or _UUID.fullmatch(seg)) else seg
        for seg in path.split("/")
        if seg
    ]
    return "/" + "/".join(segments)


def percentile(values: Sequence[float], p: int) -> float:
    """Nearest-rank percentile of ``values`` (any order); ``p`` is an integer in 1..100."""
    if not values:
        raise ValueError("percentile of an empty sequence")
    if not 1 <= p <= 100:
        raise ValueError(f"p must be in 1..100, got {p}")
    ordered = sorted(values)
    rank = -(-p * len(ordered) // 100)  # ceil(p * n / 100) in exact integer arithmetic
    return ordered[rank - 1]


def _parse(line: str) -> tuple[str, int, float] | None:
    """Return (route, status, latency_ms) for a well-formed line, else None."""
    fields = line.split()
    if len(fields) != 5:
        return None
    _timestamp, method, path, status, latency = fields
    if method not in METHODS or not path.startswith("/"):
        return None
    if not (len(status) == 3 and status.isascii() and status.isdigit() and "1" <= status[0] <= "5"):
        return None
    if not _LATENCY.fullmatch(latency):
        return None
    return f"{method} {normalize_path(path)}", int(status), float(latency)


def analyze(lines: Iterable[str]) -> Report:
    """Build the per-route report in a single pass over ``lines``."""
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    malformed = 0
    for line in lines:
        if not line.strip():
            continue
        parsed = _parse(line)
        if parsed is None:
            malformed += 1
            continue
        route, status, latency = parsed
        latencies[route].append(latency)
        if 500 <= status <= 599:
            errors[route] += 1

    routes = []
    for route, values in latencies.items():
        values.sort()
        routes.append(
            RouteStats(
                route=route,
                count=len(values),
                error_rate=errors[route] / len(values),
                p50=percentile(values, 50),
                p95=percentile(values, 95),
                p99=percentile(values, 99),
            )
        )
    routes.sort(key=lambda r: (r.p95, r.count, r.route), reverse=True)
    return Report(routes=routes, malformed=malformed)
