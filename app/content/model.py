"""Interview content as plain data: what parsing produces and validation checks.

Nothing here touches Flask or the database. ``Problem`` is the one shape every
complaint about a file takes: ``path:line: message``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

DEFAULT_SCALE = {1: "Weak", 2: "Mixed", 3: "Solid", 4: "Strong"}


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a content file, at a line (1-based)."""

    path: str
    line: int
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"


@dataclass(frozen=True)
class Competency:
    slug: str
    title: str
    keywords: tuple[str, ...]
    description: str
    path: str
    line: int


@dataclass(frozen=True)
class Responsibility:
    """A duty the roles we interview for carry, and what in the library exercises it."""

    slug: str
    title: str
    competencies: tuple[str, ...]
    prompts: tuple[str, ...]
    description: str
    path: str
    line: int
    # Where each key line was written, for problems about its slugs.
    key_lines: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Prompt:
    slug: str
    path: str  # prompts/<slug>.md or prompts/<slug>/prompt.md
    title: str
    kind: str  # a registered kind's name (app.kinds)
    level: str
    minutes: int
    competencies: tuple[str, ...]
    rubric: str
    tags: tuple[str, ...]
    status: str
    statement: str
    hints: tuple[str, ...]
    follow_ups: tuple[str, ...]
    reference: str
    content_hash: str
    # Every file of a folder prompt except prompt.md, by path inside the folder.
    files: dict[str, str] = field(default_factory=dict)
    # Where each front-matter key (and each competency) was written.
    lines: dict[str, int] = field(default_factory=dict)
    competency_lines: tuple[int, ...] = ()
    # Per hint: the rubric criterion it gives away (None for a plain nudge), and its line.
    hint_criteria: tuple[str | None, ...] = ()
    hint_lines: tuple[int, ...] = ()

    @property
    def is_folder(self) -> bool:
        return self.path.endswith("/prompt.md")

    @property
    def public_tests(self) -> dict[str, str]:
        return {p: t for p, t in self.files.items() if is_public_test(p)}

    @property
    def hidden_tests(self) -> dict[str, str]:
        return {p: t for p, t in self.files.items() if is_hidden_test(p)}

    @property
    def mutants(self) -> dict[str, str]:
        """Known-wrong solutions kept beside a coding prompt, by path inside its folder."""
        return {p: t for p, t in self.files.items() if is_mutant(p)}


@dataclass(frozen=True)
class Criterion:
    name: str
    line: int
    weight: float
    signals: tuple[str, ...]
    auto: str | None
    description: str
    descriptors: dict[int, str]
    descriptor_lines: dict[int, int] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)
    # Target level -> the level this criterion must reach for the answer to meet
    # the bar at that target level; a target level left out has no gate.
    gate: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Rubric:
    slug: str
    path: str
    title: str
    scale: dict[int, str]
    bar: float | dict[str, float]
    intro: str
    criteria: tuple[Criterion, ...]
    content_hash: str
    lines: dict[str, int] = field(default_factory=dict)

    def bar_for(self, level: str) -> float:
        """The weighted mean an answer targeting ``level`` must reach."""
        if isinstance(self.bar, dict):
            return self.bar.get(level, default_bar(self.scale))
        return self.bar


@dataclass
class Content:
    """Everything loaded from one content folder, and every problem found."""

    competencies: dict[str, Competency] = field(default_factory=dict)
    # Empty when the library has no responsibilities file: it is optional.
    responsibilities: dict[str, Responsibility] = field(default_factory=dict)
    prompts: dict[str, Prompt] = field(default_factory=dict)
    rubrics: dict[str, Rubric] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return sorted(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> list[Problem]:
        return sorted(p for p in self.problems if p.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        return not self.errors


def default_bar(scale: dict[int, str]) -> float:
    """The bar when a rubric names none: the scale's second-highest level."""
    levels = sorted(scale)
    return float(levels[-2] if len(levels) > 1 else levels[-1])


def is_test_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return path.startswith("tests/") and name.startswith("test_") and name.endswith(".py")


def is_public_test(path: str) -> bool:
    return is_test_file(path) and path.rsplit("/", 1)[-1].startswith("test_public")


def is_hidden_test(path: str) -> bool:
    return is_test_file(path) and not is_public_test(path)


def is_mutant(path: str) -> bool:
    return path.startswith(MUTANTS_FOLDER) and path.endswith(".py")


# Known-wrong solutions of a coding prompt: authors' and the project's tests' only, never
# shown to a candidate or run with a candidate's code.
MUTANTS_FOLDER = "mutants/"
