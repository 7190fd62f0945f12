"""Parsing content files: front matter, sections, criteria and competencies.

Each function reads one file's text and returns what it found plus a list of
``Problem``s; malformed input is reported, never raised. Cross-file checks
(does that competency exist? that rubric?) live in ``validate.py``.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from app.content.model import (
    DEFAULT_SCALE,
    Competency,
    Criterion,
    Problem,
    Responsibility,
    Severity,
    default_bar,
)
from app.kinds import kind_names
from app.vocabulary import (
    DEFAULT_LEVEL,
    LEVELS,
    PROMPT_MINUTES,
    AutoScorer,
    PromptStatus,
)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HEADING_2 = re.compile(r"^ {0,3}## +(.*?)(?:\s+#+)?\s*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
BULLET = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:\s+|$)(.*)$")
DESCRIPTOR = re.compile(r"^ {0,3}[-*+]\s+(-?\d+)\s*:\s*(.*)$")
CRITERION_KEY = re.compile(r"^([a-z][a-z_-]*)\s*:\s*(.*)$")
CRITERION_KEYS = ("weight", "signals", "auto", "gate")
# A hint that gives a rubric criterion away starts "[gives away: <criterion name>]".
HINT_GIVES_AWAY = re.compile(r"^\[\s*gives\s+away\s*:\s*([^\]\n]*?)\s*\]\s*", re.IGNORECASE)
HINT_MARKER_START = re.compile(r"^\[\s*gives\s+away\b", re.IGNORECASE)
TITLE_MAX = 120


def did_you_mean(word: str, candidates: list[str] | tuple[str, ...] | set[str]) -> str:
    """' (did you mean "x"?)' for the closest candidate, or ''."""
    match = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.7)
    return f' (did you mean "{match[0]}"?)' if match else ""


def is_slug(value: str) -> bool:
    return bool(SLUG.match(value))


# Front matter ---------------------------------------------------------------


@dataclass
class FrontMatter:
    data: dict[str, Any]
    key_lines: dict[str, int]
    # For keys whose value is a list or mapping: the line of each item/sub-key.
    item_lines: dict[str, list[int]] = field(default_factory=dict)
    sub_key_lines: dict[str, dict[str, int]] = field(default_factory=dict)
    body: list[str] = field(default_factory=list)
    body_start: int = 1  # the file line of body[0]


def split_front_matter(path: str, text: str, problems: list[Problem]) -> FrontMatter | None:
    """Split ``---``-fenced YAML from the body; report what is wrong with it."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(path, 1, "no front matter: the file must start with a line "
                                         "'---', then key: value lines, then '---'"))
        return None
    closing = next((i for i, line in enumerate(lines[1:], start=1)
                    if line.strip() in ("---", "...")), None)
    if closing is None:
        problems.append(Problem(path, 1, "front matter is not closed: add a line '---' after "
                                         "the last key: value line"))
        return None
    yaml_text = "\n".join(lines[1:closing])
    offset = 2  # YAML line 0 is file line 2
    loader = None
    try:
        loader = yaml.SafeLoader(yaml_text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = offset + mark.line if mark else 1
        problems.append(Problem(path, line, f"front matter is not valid YAML: {error.problem}"))
        return None
    except yaml.reader.ReaderError as error:
        line = offset + yaml_text[: error.position].count("\n")
        char = error.character
        shown = repr(chr(char) if isinstance(char, int) else char)
        problems.append(Problem(path, line, f"front matter is not valid YAML: character "
                                            f"{shown} is not allowed"))
        return None
    except (yaml.YAMLError, RecursionError) as error:
        problems.append(Problem(path, 1, f"front matter is not valid YAML: {error}"))
        return None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode | type(None)):
        problems.append(Problem(path, offset, "front matter must be key: value lines"))
        return None

    front = FrontMatter(data={}, key_lines={}, body=lines[closing + 1:], body_start=closing + 2)
    for key_node, value_node in node.value if node is not None else []:
        key = str(key_node.value)
        line = offset + key_node.start_mark.line
        if key in front.key_lines:
            problems.append(Problem(path, line, f'key "{key}" appears twice in the front '
                                                f'matter (first on line {front.key_lines[key]})'))
            continue
        front.key_lines[key] = line
        if isinstance(value_node, yaml.SequenceNode):
            front.item_lines[key] = [offset + item.start_mark.line for item in value_node.value]
        elif isinstance(value_node, yaml.MappingNode):
            front.sub_key_lines[key] = {str(k.value): offset + k.start_mark.line
                                        for k, _ in value_node.value}
    front.data = {str(k): v for k, v in data.items()}
    return front


def warn_unknown_keys(path: str, front: FrontMatter, known: tuple[str, ...],
                      problems: list[Problem]) -> None:
    for key, line in front.key_lines.items():
        if key not in known:
            problems.append(Problem(path, line, f'unknown front-matter key "{key}" is '
                                                f'ignored{did_you_mean(key, known)}',
                                    Severity.WARNING))


def read_title(path: str, front: FrontMatter, problems: list[Problem]) -> str:
    line = front.key_lines.get("title", 1)
    title = front.data.get("title")
    if title is None:
        problems.append(Problem(path, 1, 'front matter has no "title"'))
        return ""
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= TITLE_MAX:
        problems.append(Problem(path, line, f"title must be text of 1 to {TITLE_MAX} characters"))
        return str(title)
    return title.strip()


def read_words(path: str, front: FrontMatter, key: str, problems: list[Problem]) -> list[str]:
    """A front-matter list of short strings (tags, competencies); [] when absent."""
    value = front.data.get(key)
    if value is None:
        return []
    line = front.key_lines.get(key, 1)
    if isinstance(value, str):
        value = [value]  # `tags: redis` is forgiven as a one-item list
    if not isinstance(value, list):
        problems.append(Problem(path, line, f"{key} must be a list, like [a, b]"))
        return []
    words = []
    item_lines = front.item_lines.get(key, [])
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            item_line = item_lines[index] if index < len(item_lines) else line
            problems.append(Problem(path, item_line, f"{key} must list words, got {item!r}"))
            continue
        words.append(item.strip())
    return words


# Sections -------------------------------------------------------------------


@dataclass
class Section:
    title: str | None  # None for the text before the first level-2 heading
    line: int  # file line of the heading (or of the first body line)
    lines: list[str]
    first_line: int  # file line of lines[0]

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip("\n")


def split_sections(lines: list[str], start: int) -> list[Section]:
    """Split markdown at level-2 headings, ignoring headings inside code fences."""
    sections = [Section(None, start, [], start)]
    fence: str | None = None
    for number, line in enumerate(lines, start=start):
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
        elif fence is not None and opening and opening.group(1)[0] == fence[0] \
                and len(opening.group(1)) >= len(fence) and not line.strip()[len(fence):].strip():
            fence = None
        elif fence is None:
            heading = HEADING_2.match(line)
            if heading:
                sections.append(Section(heading.group(1).strip(), number, [], number + 1))
                continue
        sections[-1].lines.append(line)
    return sections


@dataclass
class Bullet:
    text: str
    line: int


def split_bullets(section: Section) -> tuple[list[Bullet], list[int]]:
    """The list items of a section, and the lines of any text outside them."""
    bullets: list[Bullet] = []
    stray: list[int] = []
    for number, line in enumerate(section.lines, start=section.first_line):
        item = BULLET.match(line)
        if item and not line.startswith((" " * 4, "\t")):
            bullets.append(Bullet(item.group(1).strip(), number))
        elif not line.strip():
            continue
        elif bullets:
            bullets[-1].text = f"{bullets[-1].text}\n{line.strip()}".strip()
        else:
            stray.append(number)
    return bullets, stray


# Rubric criteria ------------------------------------------------------------


def read_scale(path: str, front: FrontMatter, problems: list[Problem]) -> dict[int, str]:
    raw = front.data.get("scale")
    if raw is None:
        return dict(DEFAULT_SCALE)
    line = front.key_lines.get("scale", 1)
    if not isinstance(raw, dict) or not raw:
        problems.append(Problem(path, line, "scale must map whole-number levels to labels, "
                                            "like {1: Weak, 2: Mixed, 3: Solid, 4: Strong}"))
        return dict(DEFAULT_SCALE)
    sub_lines = front.sub_key_lines.get("scale", {})
    scale: dict[int, str] = {}
    for level, label in raw.items():
        level_line = sub_lines.get(str(level), line)
        if not isinstance(level, int) or isinstance(level, bool):
            problems.append(Problem(path, level_line,
                                    f"scale level {level!r} must be a whole number"))
            continue
        if not isinstance(label, str) or not label.strip():
            problems.append(Problem(path, level_line, f"scale level {level} needs a label"))
        scale[level] = str(label).strip() if label is not None else ""
    if not scale:
        return dict(DEFAULT_SCALE)
    levels = list(scale)
    if levels != sorted(levels):
        problems.append(Problem(path, line, "scale levels must be written in ascending order"))
    ordered = sorted(levels)
    if len(ordered) < 2:
        problems.append(Problem(path, line, "scale needs at least two levels"))
    for low, high in zip(ordered, ordered[1:], strict=False):
        if high != low + 1:
            missing = ", ".join(str(n) for n in range(low + 1, high))
            problems.append(Problem(path, line, f"scale has a gap: level {missing} is missing "
                                                f"between {low} and {high}"))
    return dict(sorted(scale.items()))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def read_bar(path: str, front: FrontMatter, scale: dict[int, str],
             problems: list[Problem]) -> float | dict[str, float]:
    raw = front.data.get("bar")
    lo, hi = min(scale), max(scale)
    if raw is None:
        return default_bar(scale)
    line = front.key_lines.get("bar", 1)

    def checked(value: Any, where: int, label: str) -> float | None:
        number = _number(value)
        if number is None:
            problems.append(Problem(path, where, f"{label} must be a number, got {value!r}"))
            return None
        if not lo <= number <= hi:
            problems.append(Problem(path, where, f"{label} {value} is outside the scale "
                                                 f"{lo}–{hi}"))
            return None
        return number

    if isinstance(raw, dict):
        bars: dict[str, float] = {}
        sub_lines = front.sub_key_lines.get("bar", {})
        for level, value in raw.items():
            where = sub_lines.get(str(level), line)
            if level not in LEVELS:
                problems.append(Problem(path, where, f'bar level "{level}" is not one of '
                                                     f'{", ".join(LEVELS)}'
                                                     f'{did_you_mean(str(level), LEVELS)}'))
                continue
            number = checked(value, where, f"bar for {level}")
            if number is not None:
                bars[level] = number
        return bars
    number = checked(raw, line, "bar")
    return default_bar(scale) if number is None else number


def parse_criterion(path: str, section: Section, scale: dict[int, str],
                    problems: list[Problem]) -> Criterion:
    name = section.title or ""
    weight, signals, auto = 1.0, (), None
    gate: dict[str, int] = {}
    key_lines: dict[str, int] = {}
    description: list[str] = []
    descriptors: dict[int, str] = {}
    descriptor_lines: dict[int, int] = {}
    in_keys = True
    current: int | None = None  # the descriptor a continuation line belongs to

    for number, line in enumerate(section.lines, start=section.first_line):
        if in_keys:
            if not line.strip():
                continue
            key_match = CRITERION_KEY.match(line)
            if key_match:
                key, value = key_match.group(1), key_match.group(2).strip()
                if key not in CRITERION_KEYS:
                    problems.append(Problem(path, number, f'unknown criterion key "{key}" is '
                                                          f'ignored'
                                                          f'{did_you_mean(key, CRITERION_KEYS)}',
                                            Severity.WARNING))
                    continue
                if key in key_lines:
                    problems.append(Problem(path, number, f'criterion "{name}" sets {key} twice'))
                    continue
                key_lines[key] = number
                if key == "weight":
                    parsed = _parse_weight(value)
                    if parsed is None:
                        problems.append(Problem(path, number, f"weight must be a positive "
                                                              f"number, got {value!r}"))
                    else:
                        weight = parsed
                elif key == "signals":
                    signals = _parse_signals(path, number, value, problems)
                elif key == "gate":
                    gate = _parse_gate(path, number, name, value, scale, problems)
                elif value == AutoScorer.SIGNALS:
                    # Keywords in an answer say nothing about whether it is right: a
                    # wrong answer can name them all, a right one none.
                    problems.append(Problem(path, number, f'criterion "{name}": auto: signals '
                                                          f'is not allowed: signals highlight '
                                                          f'evidence for a reviewer and never '
                                                          f'set a level; keep the signals: '
                                                          f'line and remove the auto: line'))
                else:
                    if value not in tuple(AutoScorer):
                        scorers = tuple(a for a in AutoScorer if a is not AutoScorer.SIGNALS)
                        choices = " or ".join(f'"{a}"' for a in scorers)
                        problems.append(Problem(path, number, f'auto must be {choices}, got '
                                                              f'{value!r}'
                                                              f'{did_you_mean(value, scorers)}'))
                    else:
                        auto = AutoScorer(value)
                continue
            in_keys = False
        descriptor = DESCRIPTOR.match(line)
        if descriptor:
            level, text = int(descriptor.group(1)), descriptor.group(2).strip()
            current = None
            if level not in scale:
                problems.append(Problem(path, number, f'criterion "{name}" has a descriptor for '
                                                      f'level {level}, outside the scale '
                                                      f'{min(scale)}–{max(scale)}'))
            elif level in descriptors:
                problems.append(Problem(path, number, f'criterion "{name}" has two descriptors '
                                                      f'for level {level} (first on line '
                                                      f'{descriptor_lines[level]})'))
            else:
                descriptors[level] = text
                descriptor_lines[level] = number
                current = level
            continue
        if current is not None and line.startswith((" ", "\t")) and line.strip():
            descriptors[current] = f"{descriptors[current]}\n{line.strip()}"
            continue
        current = None
        description.append(line)

    for level, text in descriptors.items():
        if not text.strip():
            problems.append(Problem(path, descriptor_lines[level], f'criterion "{name}": the '
                                                                   f'descriptor for level '
                                                                   f'{level} is empty'))
    for level in scale:
        if level not in descriptors:
            problems.append(Problem(path, section.line, f'criterion "{name}" has no descriptor '
                                                        f'for level {level}'))
    return Criterion(
        name=name, line=section.line, weight=weight, signals=signals, auto=auto,
        description="\n".join(description).strip("\n"), descriptors=dict(sorted(
            descriptors.items())), descriptor_lines=descriptor_lines, key_lines=key_lines,
        gate=gate,
    )


def _parse_weight(value: str) -> float | None:
    try:
        weight = float(value)
    except ValueError:
        return None
    return weight if math.isfinite(weight) and weight > 0 else None


def _gate_level(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _parse_gate(path: str, line: int, name: str, value: str, scale: dict[int, str],
                problems: list[Problem]) -> dict[str, int]:
    """``gate: 3`` (every target level) or ``gate: {senior: 3, staff: 3}``; {} if wrong."""
    try:
        raw = yaml.safe_load(value) if value else None
    except yaml.YAMLError:
        raw = value
    lo, hi = min(scale), max(scale)
    usage = ("a level of the scale, like gate: 3, or a level per target level, like "
             "gate: {senior: 3, staff: 3}")
    if isinstance(raw, dict):
        wanted = {str(k): v for k, v in raw.items()}
        if not wanted:
            problems.append(Problem(path, line, f'criterion "{name}": gate must be {usage}'))
            return {}
    elif raw is not None and not isinstance(raw, list | str):
        wanted = {level: raw for level in LEVELS}
    else:
        problems.append(Problem(path, line, f'criterion "{name}": gate must be {usage}, got '
                                            f'{value!r}'))
        return {}
    gate: dict[str, int] = {}
    for target, required in wanted.items():
        if target not in LEVELS:
            problems.append(Problem(path, line, f'criterion "{name}": gate target level '
                                                f'"{target}" is not one of {", ".join(LEVELS)}'
                                                f'{did_you_mean(target, LEVELS)}'))
            continue
        level = _gate_level(required)
        label = f"gate for {target}" if isinstance(raw, dict) else "gate"
        if level is None:
            problems.append(Problem(path, line, f'criterion "{name}": {label} must be a whole '
                                                f'level of the scale {lo}–{hi}, got '
                                                f'{required!r}'))
            continue
        if level not in scale:
            problems.append(Problem(path, line, f'criterion "{name}": {label} {level} is '
                                                f'outside the scale {lo}–{hi}'))
            continue
        if level == lo:
            # Every answer reaches the lowest level: such a gate promises nothing.
            problems.append(Problem(path, line, f'criterion "{name}": {label} {level} is the '
                                                f"scale's lowest level, which every answer "
                                                f"reaches; gate at {lo + 1} or above"))
            continue
        gate[target] = level
    return {target: gate[target] for target in LEVELS if target in gate}


def _parse_signals(path: str, line: int, value: str, problems: list[Problem]) -> tuple[str, ...]:
    signals: list[str] = []
    seen: set[str] = set()
    for raw in value.split(","):
        signal = raw.strip()
        if not signal:
            continue
        if signal.lower() in seen:
            problems.append(Problem(path, line, f'signal "{signal}" is listed twice',
                                    Severity.WARNING))
            continue
        seen.add(signal.lower())
        signals.append(signal)
    return tuple(signals)


# Knock-out promises -------------------------------------------------------------

# Phrases that promise an answer misses the bar whatever its mean, and their
# near forms; docs/authoring.md lists them. Only a gate can keep that promise.
KNOCKOUT = re.compile(
    r"\b(?:cannot|can ?not|can't|does not|doesn't|do not|don't|will not|won't|never|"
    r"fails? to|failing to)\s+(?:reach|meet|pass|clear|make)\s+(?:the\s+)?"
    r"(?:(?:mid|senior|staff)(?:-level)?\s+)?bar\b"
    r"|\bbelow the\s+(?:(?:mid|senior|staff)(?:-level)?\s+)?bar\b"
    r"|\bwhatever else\b"
    r"|\bhowever (?:good|strong|thorough|complete|polished|clean)\b"
    r"|\bno matter how\b"
    r"|\bregardless of (?:the rest|everything else|the other criteria)\b"
    r"|\bstill fails?\b"
    r"|\bautomatic(?:ally)? fail"
    r"|\b(?:cannot|can ?not|can't) pass\b(?!\s+(?:the\s+)?(?:\w+\s+)?tests?\b)",
    re.IGNORECASE,
)


def _knockout_lines(section: Section) -> list[tuple[int, str]]:
    """(line, phrase) for each knock-out phrase; a phrase may span two lines."""
    found = []
    lines = section.lines
    for index, line in enumerate(lines):
        pair = line + " " + (lines[index + 1] if index + 1 < len(lines) else "")
        for match in KNOCKOUT.finditer(pair):
            if match.start() < len(line):  # starts on this line, else the next finds it
                found.append((section.first_line + index, " ".join(match.group(0).split())))
    return found


def check_knockouts(path: str, sections: list[Section], criteria: list[Criterion],
                    problems: list[Problem]) -> None:
    """Refuse text that promises a knock-out no gate expresses.

    A phrase in the introduction needs a gate somewhere in the rubric; a
    phrase in a criterion's own text needs that criterion to be gated.
    """
    by_line = {c.line: c for c in criteria}
    any_gate = any(c.gate for c in criteria)
    for section in sections:
        if section.title is None:
            gated, where = any_gate, "no criterion has a gate"
        else:
            criterion = by_line.get(section.line)
            if criterion is None:
                continue
            gated = bool(criterion.gate)
            where = f'criterion "{criterion.name}" has no gate'
        if gated:
            continue
        for line, phrase in _knockout_lines(section):
            problems.append(Problem(path, line, f'the text promises a knock-out ("{phrase}") '
                                                f'but {where}: add "gate: <level>" to the '
                                                f'criterion that decides it, or reword the '
                                                f'text'))


# Competencies ---------------------------------------------------------------


def parse_competencies(path: str, text: str, problems: list[Problem]) -> dict[str, Competency]:
    """Read ``prompts/competencies.md``: one ``## slug: Title`` section each."""
    found: dict[str, Competency] = {}
    for section in split_sections(text.splitlines(), 1)[1:]:
        title = section.title or ""
        slug, sep, name = title.partition(":")
        slug, name = slug.strip(), name.strip()
        if not sep or not name:
            problems.append(Problem(path, section.line, f'competency heading "{title}" must '
                                                        f'read "## slug: Title"'))
            continue
        if not is_slug(slug):
            problems.append(Problem(path, section.line, f'competency slug "{slug}" must be '
                                                        f'lowercase letters, digits and hyphens'))
            continue
        if slug in found:
            problems.append(Problem(path, section.line, f'competency "{slug}" is defined twice '
                                                        f'(first on line {found[slug].line})'))
            continue
        keywords: tuple[str, ...] = ()
        body = list(section.lines)
        first = next((i for i, line in enumerate(body) if line.strip()), None)
        if first is not None and body[first].strip().lower().startswith("keywords:"):
            raw = body[first].split(":", 1)[1]
            keywords = tuple(k.strip() for k in raw.split(",") if k.strip())
            del body[first]
        found[slug] = Competency(slug=slug, title=name, keywords=keywords,
                                 description="\n".join(body).strip(), path=path,
                                 line=section.line)
    if not found:
        problems.append(Problem(path, 1, 'no competencies: add "## slug: Title" sections'))
    return found


# Responsibilities -----------------------------------------------------------

RESPONSIBILITY_KEYS = ("competencies", "prompts")


def parse_responsibilities(path: str, text: str,
                           problems: list[Problem]) -> dict[str, Responsibility]:
    """Read ``prompts/responsibilities.md``: ``## slug: Title``, key lines, a description."""
    found: dict[str, Responsibility] = {}
    for section in split_sections(text.splitlines(), 1)[1:]:
        title = section.title or ""
        slug, sep, name = title.partition(":")
        slug, name = slug.strip(), name.strip()
        if not sep or not name:
            problems.append(Problem(path, section.line, f'responsibility heading "{title}" '
                                                        f'must read "## slug: Title"'))
            continue
        if not is_slug(slug):
            problems.append(Problem(path, section.line, f'responsibility slug "{slug}" must be '
                                                        f'lowercase letters, digits and hyphens'))
            continue
        if slug in found:
            problems.append(Problem(path, section.line, f'responsibility "{slug}" is defined '
                                                        f'twice (first on line '
                                                        f'{found[slug].line})'))
            continue
        values, key_lines, description = _responsibility_keys(path, section, problems)
        for key in RESPONSIBILITY_KEYS:
            if key not in values:
                problems.append(Problem(path, section.line, f'responsibility "{slug}" has no '
                                                            f'"{key}:" line under its heading'))
        if "competencies" in values and not values["competencies"]:
            problems.append(Problem(path, key_lines["competencies"], f'responsibility "{slug}" '
                                                                     f'must list at least one '
                                                                     f'competency'))
        if not description:
            problems.append(Problem(path, section.line, f'responsibility "{slug}" has no '
                                                        f'description: say what doing it '
                                                        f'well looks like'))
        found[slug] = Responsibility(
            slug=slug, title=name, competencies=tuple(values.get("competencies", ())),
            prompts=tuple(values.get("prompts", ())), description=description, path=path,
            line=section.line, key_lines=key_lines)
    if not found and not problems:
        problems.append(Problem(path, 1, 'no responsibilities: add "## slug: Title" sections'))
    return found


def _responsibility_keys(path: str, section: Section, problems: list[Problem]
                         ) -> tuple[dict[str, list[str]], dict[str, int], str]:
    """The key lines that open a section (lists of slugs), their lines, and the text after."""
    values: dict[str, list[str]] = {}
    key_lines: dict[str, int] = {}
    body = list(section.lines)
    index = 0
    while index < len(body):
        line, number = body[index], section.first_line + index
        match = CRITERION_KEY.match(line.strip())
        if not line.strip():
            index += 1
            continue
        if match is None:
            break
        key, raw = match.group(1), match.group(2)
        if key not in RESPONSIBILITY_KEYS:
            problems.append(Problem(path, number, f'unknown key "{key}": a responsibility '
                                                  f'takes {" and ".join(RESPONSIBILITY_KEYS)}'
                                                  f'{did_you_mean(key, RESPONSIBILITY_KEYS)}'))
        elif key in values:
            problems.append(Problem(path, number, f'key "{key}" appears twice (first on line '
                                                  f'{key_lines[key]})'))
        else:
            slugs = [word.strip() for word in raw.split(",") if word.strip()]
            repeated = sorted({word for word in slugs if slugs.count(word) > 1})
            if repeated:
                problems.append(Problem(path, number, f'{key} lists "{repeated[0]}" more than '
                                                      f'once'))
            values[key] = list(dict.fromkeys(slugs))
            key_lines[key] = number
        index += 1
    return values, key_lines, "\n".join(body[index:]).strip()


# Prompts and rubrics ----------------------------------------------------------

PROMPT_KEYS = ("title", "kind", "level", "minutes", "competencies", "rubric", "tags", "status")
RUBRIC_KEYS = ("title", "scale", "bar")
RESERVED_SECTIONS = {"hints": "Hints", "follow-ups": "Follow-ups", "reference": "Reference"}
TAG_MAX = 30


def _choice(path: str, front: FrontMatter, key: str, choices: tuple[str, ...],
            default: str | None, problems: list[Problem]) -> str:
    value = front.data.get(key, default)
    if value is None:
        problems.append(Problem(path, 1, f'front matter has no "{key}" (one of '
                                         f'{", ".join(choices)})'))
        return ""
    if value not in choices:
        quoted = " or ".join(f'"{c}"' for c in choices)
        problems.append(Problem(path, front.key_lines.get(key, 1),
                                f"{key} must be {quoted}, got {value!r}"
                                f"{did_you_mean(str(value), choices)}"))
        return str(value)
    return str(value)  # a default is an enum member; the prompt holds its plain value


def parse_prompt(path: str, slug: str, text: str, files: dict[str, str], content_hash: str,
                 problems: list[Problem]):
    """Parse a prompt file (``files``: the rest of its folder); None if unreadable."""
    from app.content.model import Prompt

    front = split_front_matter(path, text, problems)
    if front is None:
        return None
    warn_unknown_keys(path, front, PROMPT_KEYS, problems)
    title = read_title(path, front, problems)
    kind = _choice(path, front, "kind", kind_names(), None, problems)
    level = _choice(path, front, "level", LEVELS, DEFAULT_LEVEL, problems)
    status = _choice(path, front, "status", tuple(PromptStatus), PromptStatus.PUBLISHED,
                     problems)

    minutes = front.data.get("minutes")
    low, high = PROMPT_MINUTES
    if minutes is None:
        problems.append(Problem(path, 1, 'front matter has no "minutes" (the time box, '
                                         f'{low} to {high})'))
        minutes = 0
    elif isinstance(minutes, bool) or not isinstance(minutes, int) or not low <= minutes <= high:
        problems.append(Problem(path, front.key_lines["minutes"], f"minutes must be a whole "
                                                                  f"number from {low} to {high}, "
                                                                  f"got {minutes!r}"))
        minutes = 0

    if "competencies" not in front.data:
        problems.append(Problem(path, 1, 'front matter has no "competencies": list at least '
                                         'one competency slug'))
    competencies = read_words(path, front, "competencies", problems)
    if "competencies" in front.data and not competencies:
        problems.append(Problem(path, front.key_lines["competencies"],
                                "competencies must list at least one competency slug"))
    item_lines = front.item_lines.get("competencies") or [
        front.key_lines.get("competencies", 1)] * len(competencies)

    rubric = front.data.get("rubric", slug)
    if not isinstance(rubric, str) or not is_slug(rubric):
        problems.append(Problem(path, front.key_lines.get("rubric", 1),
                                f"rubric must be a rubric slug, got {rubric!r}"))
        rubric = slug
    tags = read_words(path, front, "tags", problems)
    for tag in tags:
        if len(tag) > TAG_MAX:
            problems.append(Problem(path, front.key_lines["tags"], f'tag "{tag[:40]}" is longer '
                                                                   f'than {TAG_MAX} characters',
                                    Severity.WARNING))

    statement: list[str] = []
    found: dict[str, Section] = {}
    sections = split_sections(front.body, front.body_start)
    statement.extend(sections[0].lines)
    for section in sections[1:]:
        key = (section.title or "").lower().rstrip(":").strip()
        if key in RESERVED_SECTIONS:
            if key in found:
                problems.append(Problem(path, section.line, f'section "## '
                                                            f'{RESERVED_SECTIONS[key]}" appears '
                                                            f'twice (first on line '
                                                            f'{found[key].line})'))
                continue
            found[key] = section
            continue
        near = did_you_mean(key, list(RESERVED_SECTIONS))
        if near:
            problems.append(Problem(path, section.line, f'heading "{section.title}" is not a '
                                                        f'reserved section and stays in the '
                                                        f'statement{near}', Severity.WARNING))
        statement.append(f"## {section.title}")
        statement.extend(section.lines)
    statement_text = "\n".join(statement).strip()
    if not statement_text:
        problems.append(Problem(path, front.body_start, "prompt has no statement: write the "
                                                        "problem after the front matter"))

    def bullets(key: str) -> tuple[str, ...]:
        section = found.get(key)
        if section is None:
            return ()
        items, stray = split_bullets(section)
        for line in stray:
            problems.append(Problem(path, line, f"text in ## {RESERVED_SECTIONS[key]} that is "
                                                f"not a bullet is ignored", Severity.WARNING))
        if not items:
            problems.append(Problem(path, section.line, f"## {RESERVED_SECTIONS[key]} has no "
                                                        f"bullets", Severity.WARNING))
        return tuple(item.text for item in items if item.text)

    hints, hint_criteria, hint_lines = _hints(path, found.get("hints"), problems)
    reference = found["reference"].text.strip() if "reference" in found else ""
    return Prompt(
        slug=slug, path=path, title=title, kind=kind, level=level, minutes=minutes,  # type: ignore[arg-type]
        competencies=tuple(competencies), rubric=rubric, tags=tuple(tags), status=status,
        statement=statement_text, hints=hints, follow_ups=bullets("follow-ups"),
        reference=reference, content_hash=content_hash, files=files, lines=front.key_lines,
        competency_lines=tuple(item_lines[: len(competencies)]),
        hint_criteria=hint_criteria, hint_lines=hint_lines,
    )


def _hints(path: str, section: Section | None, problems: list[Problem],
           ) -> tuple[tuple[str, ...], tuple[str | None, ...], tuple[int, ...]]:
    """The hints' texts, the criterion each gives away (or None) and each one's line.

    Whether the criterion is in the prompt's rubric is checked across files
    (``validate.check_references``).
    """
    if section is None:
        return (), (), ()
    items, stray = split_bullets(section)
    for line in stray:
        problems.append(Problem(path, line, "text in ## Hints that is not a bullet is ignored",
                                Severity.WARNING))
    if not items:
        problems.append(Problem(path, section.line, "## Hints has no bullets", Severity.WARNING))
    texts: list[str] = []
    criteria: list[str | None] = []
    lines: list[int] = []
    for item in items:
        text, criterion = item.text, None
        marker = HINT_GIVES_AWAY.match(text)
        if marker:
            criterion, text = marker.group(1), text[marker.end():].strip()
            if not criterion:
                problems.append(Problem(path, item.line, "hint names no criterion: write "
                                                         "[gives away: <criterion name>] or "
                                                         "drop the brackets"))
                criterion = None
            if not text:
                problems.append(Problem(path, item.line, "hint has no text after "
                                                         "[gives away: ...]"))
                continue
        elif HINT_MARKER_START.match(text):
            problems.append(Problem(path, item.line, "hint marker is not closed: write "
                                                     "[gives away: <criterion name>] before "
                                                     "the hint's text"))
        if text:
            texts.append(text)
            criteria.append(criterion)
            lines.append(item.line)
    return tuple(texts), tuple(criteria), tuple(lines)


def parse_rubric(path: str, slug: str, text: str, content_hash: str, problems: list[Problem]):
    """Parse a rubric file; None if its front matter cannot be read."""
    from app.content.model import Rubric

    front = split_front_matter(path, text, problems)
    if front is None:
        return None
    warn_unknown_keys(path, front, RUBRIC_KEYS, problems)
    title = read_title(path, front, problems)
    scale = read_scale(path, front, problems)
    bar = read_bar(path, front, scale, problems)
    sections = split_sections(front.body, front.body_start)
    criteria: list[Criterion] = []
    seen: dict[str, int] = {}
    for section in sections[1:]:
        criterion = parse_criterion(path, section, scale, problems)
        key = criterion.name.lower()
        if not criterion.name:
            problems.append(Problem(path, section.line, "criterion heading has no name"))
        elif key in seen:
            problems.append(Problem(path, section.line, f'criterion "{criterion.name}" appears '
                                                        f'twice (first on line {seen[key]})'))
            continue
        seen[key] = section.line
        criteria.append(criterion)
    if not criteria:
        problems.append(Problem(path, front.body_start, 'rubric has no criteria: add a '
                                                        '"## <criterion name>" section for each'))
    check_knockouts(path, sections, criteria, problems)
    return Rubric(slug=slug, path=path, title=title, scale=scale, bar=bar,
                  intro=sections[0].text.strip(), criteria=tuple(criteria),
                  content_hash=content_hash, lines=front.key_lines)
