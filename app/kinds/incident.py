"""Incident: the candidate reads the page, asks for evidence one item at a time, and writes
a timeline, hypotheses and actions.

A prompt is a folder with ``prompt.md`` (the page: what the pager said and
what the candidate knows), ``evidence/<key>.md`` (what the candidate can ask
for: logs, metrics, a trace, deploy history or a note, each shown only once
asked for) and ``diagnosis.md`` (the root cause, the evidence that
establishes it, weighted, and the red herrings; never shown to candidates).

The answer is markdown, like a design answer. It cites evidence as
``[evidence: <key>]`` (relied on) or ``[ruled out: <key>]`` (looked at and set
aside). The ``evidence`` scorer reads two facts, never words: which items the
candidate asked for (recorded by the server) and which the answer cites. The
share is the weight of key evidence both asked for and cited in support,
less the weight of red herrings cited in support. A reviewer confirms it.

The format is in docs/authoring.md, "Incident prompts". Pure: no Flask and
no database.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from app.kinds.registry import (
    AnswerFormat,
    AnswerScore,
    Editor,
    FileProblem,
    PromptKind,
    register,
)
from app.vocabulary import AutoScorer

EVIDENCE_DIR = "evidence/"
DIAGNOSIS = "diagnosis.md"
REQUIRED_FILES = (EVIDENCE_DIR, DIAGNOSIS)

STARTER = Path(__file__).with_name("incident_template.md").read_text(encoding="utf-8")

# Bounds that keep a page readable and a chart legible; content beyond them is a mistake.
MAX_ITEMS = 20
MAX_SERIES = 4
MAX_POINTS = 200
MAX_KEY_WEIGHT = 5
MAX_KEY_CHARS = 80  # as stored in evidence_reveals.evidence_key

_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FRONT_KEY = re.compile(r"([A-Za-z_][\w-]*):\s*(.*)")
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
# Charts start at 0: a metric is a count, a rate, a duration or a share, never below it.
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# A citation in an answer: [evidence: deploy-history] or [ruled out: bot-risk-flag].
CITATION = re.compile(r"\[(evidence|ruled out):\s*([a-z0-9]+(?:-[a-z0-9]+)*)\s*\]")


class EvidenceType(enum.StrEnum):
    """What an evidence item shows, and so how the page draws it."""

    LOGS = "logs"
    METRICS = "metrics"  # a table of time,value rows, drawn as a chart
    TRACE = "trace"
    DEPLOYS = "deploys"
    NOTE = "note"


@dataclass(frozen=True)
class Series:
    """A metrics item's numbers: one time column and up to MAX_SERIES value columns."""

    names: tuple[str, ...]
    times: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]  # one tuple per name, in time order


@dataclass(frozen=True)
class Evidence:
    """One item a candidate can ask for."""

    key: str      # the file's name without .md: evidence/deploy-history.md is deploy-history
    title: str
    type: EvidenceType
    after: str | None  # the key of an item that must be asked for first
    text: str          # the body: the log lines, trace or note; a chart's caption
    series: Series | None

    @property
    def path(self) -> str:
        """The file it was read from, inside the prompt's folder."""
        return f"{EVIDENCE_DIR}{self.key}.md"

    @property
    def paragraphs(self) -> list[str]:
        """A note's or a chart caption's text as paragraphs: lines joined, split at blank
        lines (logs, traces and deploys keep their lines and are shown as written)."""
        return [" ".join(line.strip() for line in block.splitlines())
                for block in re.split(r"\n\s*\n", self.text) if block.strip()]

    @property
    def chart(self) -> Chart | None:
        """A metrics item's chart, laid out for the page to draw; None for other items."""
        return None if self.series is None else chart(self.series)


@dataclass(frozen=True)
class Clue:
    """A key item of the diagnosis, or a red herring, with its weight and why."""

    key: str
    weight: int
    why: str


@dataclass(frozen=True)
class Diagnosis:
    """What the evidence adds up to: for reviewers and the scorer, never for candidates."""

    cause: str
    key: tuple[Clue, ...]
    herrings: tuple[Clue, ...]


# --- evidence files --------------------------------------------------------------------

def _front(text: str, path: str, problems: list[FileProblem]
           ) -> tuple[dict[str, tuple[str, int]], list[str], int] | None:
    """``key: value`` lines between ``---`` lines, the body after them and its first line."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        problems.append(FileProblem(1, "an evidence file starts with front matter: a line "
                                       "'---', title: and type: lines, then '---'", path=path))
        return None
    keys: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            return keys, lines[number:], number + 1
        if not line.strip():
            continue
        found = _FRONT_KEY.fullmatch(line.strip())
        if found is None:
            problems.append(FileProblem(number, f'front matter lines are "key: value", got '
                                                f'"{line.strip()[:40]}"', path=path))
            continue
        name, value = found.groups()
        if name in keys:
            problems.append(FileProblem(number, f'key "{name}" appears twice (first on line '
                                                f'{keys[name][1]})', path=path))
            continue
        keys[name] = (value.strip().strip('"').strip("'"), number)
    problems.append(FileProblem(1, "front matter is not closed: add a line '---' after the "
                                   "last key: value line", path=path))
    return None


def _series(body: list[str], start: int, path: str, problems: list[FileProblem]
            ) -> tuple[str, Series | None]:
    """A metrics body: a caption, then ``time, name[, name...]`` and one row per time."""
    header_at = next((i for i, line in enumerate(body)
                      if line.strip().lower().startswith("time,")), None)
    if header_at is None:
        problems.append(FileProblem(start, 'a metrics item needs a table: a header line '
                                           '"time, <series>[, <series>...]", then rows '
                                           '"HH:MM, <number>[, <number>...]"', path=path))
        return "\n".join(body).strip(), None
    caption = "\n".join(body[:header_at]).strip()
    names = tuple(n.strip() for n in body[header_at].split(",")[1:])
    header_line = start + header_at
    if not names or any(not n for n in names):
        problems.append(FileProblem(header_line, "the header names each series after time: "
                                                 '"time, p99 ms, p50 ms"', path=path))
        return caption, None
    if len(names) > MAX_SERIES:
        problems.append(FileProblem(header_line, f"a chart holds at most {MAX_SERIES} series; "
                                                 f"this one has {len(names)}", path=path))
        return caption, None
    times: list[str] = []
    columns: list[list[float]] = [[] for _ in names]
    ok = True
    for offset, line in enumerate(body[header_at + 1:], start=1):
        number = header_line + offset
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split(",")]
        if len(cells) != len(names) + 1:
            problems.append(FileProblem(number, f"bad series row: {len(names) + 1} cells "
                                                f"(time and {', '.join(names)}) expected, got "
                                                f"{len(cells)}", path=path))
            ok = False
            continue
        if _TIME.fullmatch(cells[0]) is None:
            problems.append(FileProblem(number, f'bad series row: the time must be HH:MM, got '
                                                f'"{cells[0][:20]}"', path=path))
            ok = False
            continue
        if times and cells[0].zfill(5) <= times[-1].zfill(5):
            problems.append(FileProblem(number, f"bad series row: {cells[0]} does not come "
                                                f"after {times[-1]}", path=path))
            ok = False
            continue
        bad = next((c for c in cells[1:] if _NUMBER.fullmatch(c) is None), None)
        if bad is not None:
            problems.append(FileProblem(number, f'bad series row: "{bad[:20]}" is not a number '
                                                f'at or above 0', path=path))
            ok = False
            continue
        times.append(cells[0])
        for column, cell in zip(columns, cells[1:], strict=True):
            column.append(float(cell))
    if ok and len(times) < 2:
        problems.append(FileProblem(header_line, "a chart needs at least two rows", path=path))
        ok = False
    if len(times) > MAX_POINTS:
        problems.append(FileProblem(header_line, f"a chart holds at most {MAX_POINTS} rows; "
                                                 f"this one has {len(times)}", path=path))
        ok = False
    if not ok:
        return caption, None
    return caption, Series(names, tuple(times), tuple(tuple(c) for c in columns))


def _evidence_paths(files: Mapping[str, str]) -> list[str]:
    return sorted(p for p in files if p.startswith(EVIDENCE_DIR))


def parse_evidence(files: Mapping[str, str]) -> tuple[list[Evidence], list[FileProblem]]:
    """Every evidence item of a prompt's folder, in file-name order, and what is wrong."""
    items: list[Evidence] = []
    problems: list[FileProblem] = []
    paths = _evidence_paths(files)
    for path in paths:
        name = path[len(EVIDENCE_DIR):]
        key = name[:-3] if name.endswith(".md") else ""
        if (not name.endswith(".md") or "/" in name or _KEY.fullmatch(key) is None
                or len(key) > MAX_KEY_CHARS):
            problems.append(FileProblem(1, f"an evidence file is evidence/<key>.md, its key in "
                                           f"lower case letters, digits and dashes, at most "
                                           f"{MAX_KEY_CHARS} characters", path=path))
            continue
        front = _front(files[path], path, problems)
        if front is None:
            continue
        keys, body, start = front
        for unknown in sorted(set(keys) - {"title", "type", "after"}):
            problems.append(FileProblem(keys[unknown][1], f'unknown key "{unknown}": the keys '
                                                          f'are title, type and after',
                                        path=path))
        title = keys.get("title", ("", 1))[0]
        if not title:
            problems.append(FileProblem(keys.get("title", ("", 1))[1], "an evidence item needs "
                                                                      "a title: line",
                                        path=path))
        kind, kind_at = keys.get("type", ("", 1))
        if kind not in set(EvidenceType):
            got = f', got "{kind[:20]}"' if kind else ""
            problems.append(FileProblem(kind_at, f'unknown type: type is one of '
                                                 f'{", ".join(EvidenceType)}{got}', path=path))
            continue
        after = keys.get("after", (None, 0))[0] or None
        text, series = "\n".join(body).strip(), None
        if kind == EvidenceType.METRICS:
            text, series = _series(body, start, path, problems)
        elif not text:
            problems.append(FileProblem(start, f"the {kind} item shows nothing: write its "
                                               f"body under the front matter", path=path))
        if title:
            items.append(Evidence(key, title, EvidenceType(kind), after, text, series))
    if not paths:
        problems.append(FileProblem(1, "an incident prompt needs evidence/<key>.md files"))
    elif len(paths) > MAX_ITEMS:
        problems.append(FileProblem(1, f"an incident prompt holds at most {MAX_ITEMS} evidence "
                                       f"items; this one has {len(paths)}"))
    known = {item.key for item in items}
    for item in items:
        if item.after is not None and item.after not in known:
            problems.append(FileProblem(_line_of(files[item.path], "after"),
                                        f'after: "{item.after}" is not an evidence item',
                                        path=item.path))
        elif item.after == item.key:
            problems.append(FileProblem(_line_of(files[item.path], "after"),
                                        "an item cannot come after itself", path=item.path))
    return items, problems


def _line_of(text: str, key: str) -> int:
    return next((n for n, line in enumerate(text.splitlines(), start=1)
                 if line.strip().startswith(f"{key}:")), 1)


# --- diagnosis.md ------------------------------------------------------------------------

_SECTION = re.compile(r"##\s+(.*?)\s*")
_CLUE = re.compile(r"-\s+([a-z0-9]+(?:-[a-z0-9]+)*)\s*(?:\((?:weight\s+)?(\d+)\))?\s*:\s*(.*)")
_SECTIONS = {"root cause": "cause", "key evidence": "key", "red herrings": "herrings"}


def parse_diagnosis(text: str, evidence: Iterable[Evidence] | None = None
                    ) -> tuple[Diagnosis | None, list[FileProblem]]:
    """diagnosis.md read: ``## Root cause`` (prose), ``## Key evidence`` and ``## Red
    herrings`` (``- <key> (<weight>): why`` lines); with the evidence, each key must be one."""
    problems: list[FileProblem] = []
    sections: dict[str, list[tuple[int, str]]] = {}
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        heading = _SECTION.fullmatch(line)
        if heading is not None:
            current = _SECTIONS.get(heading.group(1).lower())
            if current is None:
                problems.append(FileProblem(number, f'unknown section "{heading.group(1)[:40]}": '
                                                    f'the sections are Root cause, Key evidence '
                                                    f'and Red herrings', path=DIAGNOSIS))
            elif current in sections:
                problems.append(FileProblem(number, f'section "{heading.group(1)}" appears '
                                                    f'twice', path=DIAGNOSIS))
                current = None
            else:
                sections[current] = []
            continue
        if current is not None:
            sections[current].append((number, line))
    for name, title in (("cause", "Root cause"), ("key", "Key evidence")):
        if name not in sections:
            problems.append(FileProblem(1, f"diagnosis.md has no ## {title} section",
                                        path=DIAGNOSIS))
    cause = "\n".join(line for _, line in sections.get("cause", [])).strip()
    if "cause" in sections and not cause:
        problems.append(FileProblem(1, "the Root cause section is empty", path=DIAGNOSIS))
    known = None if evidence is None else {item.key for item in evidence}
    seen: dict[str, int] = {}
    clues: dict[str, list[Clue]] = {"key": [], "herrings": []}
    for name in ("key", "herrings"):
        for number, line in sections.get(name, []):
            if not line.strip():
                continue
            found = _CLUE.fullmatch(line.strip())
            if found is None:
                problems.append(FileProblem(number, 'a clue is "- <evidence key> (<weight>): '
                                                    'why it matters"', path=DIAGNOSIS))
                continue
            key, weight, why = found.group(1), found.group(2), found.group(3).strip()
            if known is not None and key not in known:
                problems.append(FileProblem(number, f'"{key}" is not an evidence item (no '
                                                    f'evidence/{key}.md)', path=DIAGNOSIS))
                continue
            if key in seen:
                problems.append(FileProblem(number, f'"{key}" is named twice (first on line '
                                                    f'{seen[key]})', path=DIAGNOSIS))
                continue
            seen[key] = number
            if weight is None and name == "key":
                problems.append(FileProblem(number, f'key evidence "{key}" needs a weight from '
                                                    f'1 to {MAX_KEY_WEIGHT}: "- {key} (2): '
                                                    f'why"', path=DIAGNOSIS))
                continue
            value = int(weight or 1)
            if not 1 <= value <= MAX_KEY_WEIGHT:
                problems.append(FileProblem(number, f'the weight of "{key}" must be 1 to '
                                                    f'{MAX_KEY_WEIGHT}, got {value}',
                                            path=DIAGNOSIS))
                continue
            if not why:
                problems.append(FileProblem(number, f'say why "{key}" matters after the colon',
                                            path=DIAGNOSIS))
                continue
            clues[name].append(Clue(key, value, why))
    if "key" in sections and not clues["key"] and not any(
            p.path == DIAGNOSIS and p.line > 1 for p in problems):
        problems.append(FileProblem(1, "the Key evidence section names no evidence",
                                    path=DIAGNOSIS))
    if problems:
        return None, problems
    return Diagnosis(cause, tuple(clues["key"]), tuple(clues["herrings"])), problems


def check_files(prompt: Any, rubric: Any = None) -> Iterator[FileProblem]:
    """Every evidence file and diagnosis.md read without problems, and the keys agree."""
    items, problems = parse_evidence(prompt.files)
    yield from problems
    if DIAGNOSIS in prompt.files:
        _, found = parse_diagnosis(prompt.files[DIAGNOSIS], items)
        yield from found
    for path in prompt.files:
        if not (path.startswith(EVIDENCE_DIR) or path == DIAGNOSIS):
            yield FileProblem(1, f"an incident prompt holds prompt.md, {DIAGNOSIS} and "
                                 f"{EVIDENCE_DIR}*.md only", path=path)
    if rubric is not None and not any(c.auto == AutoScorer.EVIDENCE for c in rubric.criteria):
        yield FileProblem(prompt.lines.get("rubric", 1),
                          f'rubric "{rubric.slug}" has no auto: evidence criterion, so the '
                          f'evidence asked for will not suggest a level', warning=True)


def evidence_of(files: Mapping[str, str]) -> list[Evidence]:
    """The evidence items of a prompt whose files passed the content check."""
    items, problems = parse_evidence(files)
    if problems:
        raise ValueError(f"evidence has problems: {problems[0].message}")
    return items


def diagnosis_of(files: Mapping[str, str]) -> Diagnosis:
    """The diagnosis of a prompt whose files passed the content check."""
    diagnosis, problems = parse_diagnosis(files[DIAGNOSIS], evidence_of(files))
    if diagnosis is None:
        raise ValueError(f"{DIAGNOSIS} has problems: {problems[0].message}")
    return diagnosis


# --- the scorer --------------------------------------------------------------------------

def citations(body: str) -> tuple[set[str], set[str]]:
    """The keys an answer cites in support and those it cites as ruled out."""
    support: set[str] = set()
    ruled_out: set[str] = set()
    for found in CITATION.finditer(body):
        (support if found.group(1) == "evidence" else ruled_out).add(found.group(2))
    return support, ruled_out


def score(body: str, revealed: Iterable[str], diagnosis: Diagnosis,
          titles: Mapping[str, str]) -> AnswerScore:
    """The weighted share of key evidence both asked for and cited in support, less the
    weight of red herrings cited in support (never below 0), with the reasons."""
    asked = set(revealed)
    support, ruled_out = citations(body)
    total = sum(clue.weight for clue in diagnosis.key)
    earned = 0
    reasons: list[str] = []

    def name(key: str) -> str:
        return titles.get(key, key)

    for clue in diagnosis.key:
        what = f"{name(clue.key)} (key, weight {clue.weight})"
        if clue.key in asked and clue.key in support:
            earned += clue.weight
            reasons.append(f"Asked for and cited: {what}.")
        elif clue.key in asked and clue.key in ruled_out:
            reasons.append(f"Asked for, but ruled out: {what}.")
        elif clue.key in asked:
            reasons.append(f"Asked for but never cited: {what}.")
        elif clue.key in support:
            reasons.append(f"Cited without asking for it, so it counts for nothing: {what}.")
        else:
            reasons.append(f"Never asked for: {what}.")
    penalty = 0
    for clue in diagnosis.herrings:
        what = f"{name(clue.key)} (red herring)"
        if clue.key in support:
            penalty += clue.weight
            reasons.append(f"Cited in support, but it misleads: {what}, minus {clue.weight}.")
        elif clue.key in ruled_out and clue.key in asked:
            reasons.append(f"Asked for and ruled out: {what}.")
    share = max(Fraction(0), Fraction(earned - penalty, total))
    return AnswerScore(share, tuple(reasons))


def score_answer(body: str, files: Mapping[str, str], revealed: Iterable[str]
                 ) -> AnswerScore | None:
    """The evidence share of an answer with the keys the candidate asked for; None for an
    answer that asked for nothing and cites nothing (nothing done yet)."""
    revealed = list(revealed)
    if not revealed and not any(citations(body)):
        return None
    titles = {item.key: item.title for item in evidence_of(files)}
    return score(body, revealed, diagnosis_of(files), titles)


def starter(files: Mapping[str, str]) -> str:
    """Every incident answer starts from Timeline, Hypotheses and Actions."""
    return STARTER


INCIDENT = register(PromptKind(
    name="incident",
    label="Incident",
    editor=Editor.MARKDOWN,
    answer_format=AnswerFormat.MARKDOWN,
    auto_scorers=frozenset({AutoScorer.EVIDENCE}),
    folder=True,
    required_files=REQUIRED_FILES,
    check_files=check_files,
    starter=starter,
    view=evidence_of,
    score_with_reveals=score_answer,
))


# --- what the page draws -----------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One series of a chart: its name and its points in the SVG's coordinates."""

    name: str
    points: str  # "x,y x,y ...", for a <polyline>


@dataclass(frozen=True)
class Chart:
    """A metrics item laid out for an SVG drawn by the page: lines, axis labels, size."""

    width: int
    height: int
    lines: tuple[Line, ...]
    top: float                       # the value at the top of the y axis
    ticks: tuple[tuple[float, str], ...]  # (x, time) labels along the x axis
    left: int
    bottom: int


def chart(series: Series, width: int = 480, height: int = 180) -> Chart:
    """Lay ``series`` out in a ``width`` x ``height`` box, the y axis from 0 to the largest
    value (rounded up), so charts of one incident compare at a glance."""
    left, right, top_pad, bottom = 48, 24, 10, 24
    peak = max((v for column in series.values for v in column), default=0.0)
    top = _nice(peak)
    span_x = width - left - right
    span_y = height - top_pad - bottom
    count = len(series.times)
    # Placed by the clock, not by row, so uneven gaps between rows read as they are.
    minutes = [_minutes(t) for t in series.times]
    first, last = minutes[0], minutes[-1]

    def x(i: int) -> float:
        return round(left + span_x * (minutes[i] - first) / max(last - first, 1), 1)

    def y(v: float) -> float:
        return round(top_pad + span_y * (1 - (v / top if top else 0)), 1)

    lines = tuple(Line(name, " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(column)))
                  for name, column in zip(series.names, series.values, strict=True))
    # A label at the first and last time, and between them wherever one fits.
    ticks: list[tuple[float, str]] = [(x(0), series.times[0])]
    for i in range(1, count):
        if x(i) - ticks[-1][0] >= _LABEL_GAP and (i == count - 1
                                                  or x(count - 1) - x(i) >= _LABEL_GAP):
            ticks.append((x(i), series.times[i]))
    if count > 1 and ticks[-1][1] != series.times[-1]:
        ticks.append((x(count - 1), series.times[-1]))
    return Chart(width, height, lines, top, tuple(ticks), left, height - bottom)


# The least distance between two time labels along the x axis, in the SVG's units.
_LABEL_GAP = 60


def _minutes(time: str) -> int:
    hours, minutes = time.split(":")
    return int(hours) * 60 + int(minutes)


def _nice(value: float) -> float:
    """The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) at
    or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)
