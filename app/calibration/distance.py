"""How far an interviewer's levels sit from a sample's reference levels (plain functions).

A distance is signed: the interviewer's level minus the reference, so +1 is
one level above (more generous) and -2 two below (stricter).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CriterionDistance:
    name: str
    level: int
    reference: int

    @property
    def distance(self) -> int:
        return self.level - self.reference

    @property
    def words(self) -> str:
        return distance_words(self.distance)


@dataclass(frozen=True)
class Summary:
    criteria: int
    exact: int
    mean_absolute: float
    mean_signed: float

    @property
    def lean(self) -> str:
        return lean_words(self.mean_signed)


def distance_words(distance: int) -> str:
    """'on the reference', '1 level above the reference', '2 levels below the reference'."""
    if distance == 0:
        return "on the reference"
    size = abs(distance)
    side = "above" if distance > 0 else "below"
    return f"{size} level{'' if size == 1 else 's'} {side} the reference"


def lean_words(mean_signed: float) -> str:
    """The direction a mean signed distance leans, in words."""
    if mean_signed > 0:
        return "above the reference (more generous)"
    if mean_signed < 0:
        return "below the reference (stricter)"
    return "neither way"


def summarise(rows: Sequence[CriterionDistance]) -> Summary:
    """Exact matches, mean absolute and mean signed distance over ``rows``."""
    if not rows:
        return Summary(criteria=0, exact=0, mean_absolute=0.0, mean_signed=0.0)
    distances = [r.distance for r in rows]
    return Summary(criteria=len(rows), exact=sum(1 for d in distances if d == 0),
                   mean_absolute=sum(abs(d) for d in distances) / len(distances),
                   mean_signed=sum(distances) / len(distances))


def compare(criteria: Iterable[tuple[str, str]], levels: dict[str, dict[str, object]],
            references: dict[str, dict[str, object]]) -> list[CriterionDistance]:
    """Per criterion (key, name) given both a level and a reference, the two side by side."""
    rows = []
    for key, name in criteria:
        given, reference = levels.get(key), references.get(key)
        if given is None or reference is None:
            continue
        rows.append(CriterionDistance(name=name, level=int(given["level"]),
                                      reference=int(reference["level"])))
    return rows


def mean_absolute(levels_list: Iterable[dict[str, dict[str, object]]],
                  references: dict[str, dict[str, object]]) -> float | None:
    """The mean absolute distance over every criterion of every score, None without one."""
    distances = [abs(int(v["level"]) - int(references[k]["level"]))
                 for levels in levels_list for k, v in levels.items() if k in references]
    return sum(distances) / len(distances) if distances else None
