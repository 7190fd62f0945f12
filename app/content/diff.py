"""What changed between two revisions of a rubric, as short sentences for reviewers.

Scores are pinned to the rubric revision they were made against. When the
rubric has moved on since, the scoring page says so and lists the differences
that ``rubric_changes`` finds between the two revisions.

Everything here is pure: it works on ``RubricSnapshot`` values, not on database
rows, and ``RubricSnapshot.of`` builds one from a ``RubricRevision``.

Comparison rules:

- Markdown is compared by its words, so whitespace alone never counts:
  trailing spaces, blank lines in a row and a paragraph wrapped differently are
  the same text. Paragraph breaks, list items, headings and lines inside fenced
  code still count.
- Criteria are matched by name, ignoring case and surrounding or repeated
  whitespace; a change of case only is not reported. An unmatched criterion
  whose description and descriptors are identical (and not all empty) to those
  of exactly one unmatched criterion on the other side, and the other way
  round, was renamed; otherwise it was removed, or added.
- Signals are compared the way answers are searched for them: ignoring case
  and whitespace, in any order.

Order of the changes: rubric-wide ones (title, scale, bar, introduction, the
order of the criteria), then each criterion in the new revision's order
(added, renamed, weight, suggestion, gate per target level, description,
descriptors by level,
signals), then the criteria removed, in the old revision's order.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.vocabulary import LEVELS, AutoScorer

ARROW = "→"


class ChangeKind(enum.StrEnum):
    """What a ``Change`` is; a ``str``, so it compares equal to its value.

    ``added``, ``removed`` and ``renamed`` are whole criteria. ``reordered`` is
    the order of the criteria (``criterion`` None). ``changed`` is everything
    else: a rubric-wide setting when ``criterion`` is None, else a part of that
    criterion (weight, suggestion, description, a descriptor, signals).
    """

    ADDED = "added"
    REMOVED = "removed"
    RENAMED = "renamed"
    REORDERED = "reordered"
    CHANGED = "changed"


@dataclass(frozen=True)
class CriterionSnapshot:
    """One criterion of a rubric revision, as plain values."""

    name: str
    weight: float
    auto: str | None
    description: str  # markdown
    descriptors: Mapping[str, str]  # level (as str) -> markdown
    signals: tuple[str, ...] = ()
    gate: Mapping[str, int] = field(default_factory=dict)  # target level -> level required


@dataclass(frozen=True)
class RubricSnapshot:
    """A rubric revision as plain values, criteria in their order."""

    number: int  # revision number
    title: str
    scale: Mapping[str, str]
    bar: float | Mapping[str, float]
    intro: str
    criteria: tuple[CriterionSnapshot, ...]

    @classmethod
    def of(cls, revision: Any) -> RubricSnapshot:
        """From a ``RubricRevision`` (duck-typed), keeping the order of ``revision.criteria``.

        Uses ``.number``, ``.title``, ``.scale``, ``.bar``, ``.intro_md`` and
        ``.criteria``, each with ``.name``, ``.weight``, ``.auto``,
        ``.description_md``, ``.descriptors[level]["md"]`` and ``.signals``.
        """
        bar = revision.bar
        if isinstance(bar, Mapping):
            bar = {str(level): float(value) for level, value in bar.items()}
        else:
            bar = float(bar)
        return cls(
            number=int(revision.number),
            title=revision.title or "",
            scale={str(level): str(label) for level, label in (revision.scale or {}).items()},
            bar=bar,
            intro=revision.intro_md or "",
            criteria=tuple(
                CriterionSnapshot(
                    name=criterion.name,
                    weight=float(criterion.weight),
                    auto=criterion.auto or None,
                    description=criterion.description_md or "",
                    descriptors={
                        str(level): (descriptor or {}).get("md", "")
                        for level, descriptor in (criterion.descriptors or {}).items()
                    },
                    signals=tuple(criterion.signals or ()),
                    gate={str(k): int(v) for k, v in (getattr(criterion, "gate", None)
                                                      or {}).items()},
                )
                for criterion in revision.criteria
            ),
        )


@dataclass(frozen=True)
class Change:
    """One difference between two rubric revisions, as one sentence.

    ``criterion`` is the criterion's name (its new name, unless it was
    removed), None for rubric-wide changes.
    """

    kind: ChangeKind
    criterion: str | None
    text: str


# --- text ------------------------------------------------------------------------------------

# A line that starts a block in markdown (a bullet, a numbered item, a quote),
# and one that is a block on its own (a heading, a table row): their line
# breaks are kept.
_BLOCK_START = re.compile(r"\s*(?:[-*+]\s|\d+[.)]\s|>)")
_ONE_LINE_BLOCK = re.compile(r"\s*(?:#{1,6}(?:\s|$)|\|)")
_FENCE = re.compile(r"\s*(`{3,}|~{3,})")


def normal_text(text: str | None) -> str:
    """``text`` with the whitespace that does not change its meaning taken out.

    Paragraphs are joined into one line with single spaces; paragraph breaks
    become one blank line; a list item or quote starts a new line, a heading or
    table row is a line of its own; lines in fenced code keep their indentation
    and only lose trailing spaces.
    """
    out: list[str] = []
    paragraph: list[str] = []
    fence: str | None = None

    def flush() -> None:
        if paragraph:
            out.append(" ".join(paragraph))
            paragraph.clear()

    for line in (text or "").splitlines():
        if fence is not None:
            out.append(line.rstrip())
            opened = _FENCE.match(line)
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            continue
        opened = _FENCE.match(line)
        if opened:
            flush()
            fence = opened.group(1)
            out.append(" ".join(line.split()))
            continue
        words = line.split()
        if not words:
            flush()
            if out and out[-1] != "":
                out.append("")
            continue
        if _ONE_LINE_BLOCK.match(line):
            flush()
            out.append(" ".join(words))
            continue
        if _BLOCK_START.match(line):
            flush()
        paragraph.extend(words)
    flush()
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


def _words(text: str | None) -> str:
    """A one-line label or name with its whitespace collapsed."""
    return " ".join((text or "").split())


def _name_key(name: str) -> str:
    return _words(name).casefold()


def format_number(value: float) -> str:
    """``2.0`` as "2", ``2.5`` as "2.5": the shortest text that reads back as the number."""
    number = float(value)
    if number.is_integer():
        return str(int(number))
    return repr(number)


def _quoted(items: Iterable[str]) -> str:
    return ", ".join(f'"{item}"' for item in items)


def _level_key(level: str) -> tuple[int, float, str]:
    """Scale levels in numeric order when they are numbers, then the others by name."""
    try:
        return (0, float(level), level)
    except ValueError:
        return (1, 0.0, level)


def _same_number(a: float, b: float) -> bool:
    a, b = float(a), float(b)
    return a == b or (math.isnan(a) and math.isnan(b))


def _edit(before: str, after: str) -> str | None:
    """'added', 'removed' or 'reworded' for markdown, None when it reads the same."""
    old, new = normal_text(before), normal_text(after)
    if old == new:
        return None
    if not old:
        return "added"
    if not new:
        return "removed"
    return "reworded"


# --- rubric-wide -----------------------------------------------------------------------------


def _rubric_wide(old: RubricSnapshot, new: RubricSnapshot) -> list[Change]:
    changes: list[Change] = []

    def note(text: str) -> None:
        changes.append(Change(ChangeKind.CHANGED, None, text))

    if _words(old.title) != _words(new.title):
        note(f'Title "{_words(old.title)}" {ARROW} "{_words(new.title)}".')

    old_scale = {str(k): _words(v) for k, v in old.scale.items()}
    new_scale = {str(k): _words(v) for k, v in new.scale.items()}
    for level in sorted(old_scale.keys() | new_scale.keys(), key=_level_key):
        before, after = old_scale.get(level), new_scale.get(level)
        if before == after:
            continue
        if before is None:
            note(f'Scale level {level} "{after}" added.')
        elif after is None:
            note(f'Scale level {level} "{before}" removed.')
        else:
            note(f'Scale level {level} relabelled "{before}" {ARROW} "{after}".')

    for text in _bar_changes(old.bar, new.bar):
        note(text)

    edit = _edit(old.intro, new.intro)
    if edit is not None:
        note(f"Introduction {edit}.")
    return changes


def _bar_key(level: str) -> tuple[int, str]:
    return (LEVELS.index(level), "") if level in LEVELS else (len(LEVELS), level)


def _per_level(bar: Mapping[str, float]) -> str:
    if not bar:
        return "per level (all defaults)"
    levels = sorted(bar, key=_bar_key)
    return "per level (" + ", ".join(f"{lv} {format_number(bar[lv])}" for lv in levels) + ")"


def _bar_changes(old: float | Mapping[str, float], new: float | Mapping[str, float]) -> list[str]:
    if not isinstance(old, Mapping) and not isinstance(new, Mapping):
        if _same_number(old, new):
            return []
        return [f"Bar {format_number(old)} {ARROW} {format_number(new)}."]
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        texts = []
        for level in sorted(old.keys() | new.keys(), key=_bar_key):
            before, after = old.get(level), new.get(level)
            if before is not None and after is not None and _same_number(before, after):
                continue
            shown = [("default" if v is None else format_number(v)) for v in (before, after)]
            texts.append(f"Bar for {level} {shown[0]} {ARROW} {shown[1]}.")
        return texts
    if isinstance(old, Mapping):
        return [f"Bar {_per_level(old)} {ARROW} {format_number(new)}."]
    return [f"Bar {format_number(old)} {ARROW} {_per_level(new)}."]


# --- criteria --------------------------------------------------------------------------------


def _content(criterion: CriterionSnapshot) -> tuple[str, tuple[tuple[str, str], ...]]:
    """What identifies a criterion under another name: its description and descriptors."""
    descriptors = tuple(sorted(
        ((str(level), normal_text(md)) for level, md in criterion.descriptors.items()),
        key=lambda item: _level_key(item[0]),
    ))
    return normal_text(criterion.description), descriptors


def _is_empty(content: tuple[str, tuple[tuple[str, str], ...]]) -> bool:
    description, descriptors = content
    return not description and not any(md for _, md in descriptors)


def _match(old: tuple[CriterionSnapshot, ...],
           new: tuple[CriterionSnapshot, ...]) -> tuple[dict[int, int], set[int]]:
    """Pairs (new index -> old index), and the new indexes among them that were renamed."""
    pairs: dict[int, int] = {}
    by_name: dict[str, list[int]] = {}
    for i, criterion in enumerate(old):
        by_name.setdefault(_name_key(criterion.name), []).append(i)
    for j, criterion in enumerate(new):
        waiting = by_name.get(_name_key(criterion.name))
        if waiting:
            pairs[j] = waiting.pop(0)

    taken = set(pairs.values())
    old_left = [i for i in range(len(old)) if i not in taken]
    new_left = [j for j in range(len(new)) if j not in pairs]
    old_content = {i: _content(old[i]) for i in old_left}
    new_content = {j: _content(new[j]) for j in new_left}
    renamed: set[int] = set()
    for j in new_left:
        if _is_empty(new_content[j]):
            continue
        candidates = [i for i in old_left if old_content[i] == new_content[j]]
        if len(candidates) != 1:
            continue
        rivals = [k for k in new_left if new_content[k] == old_content[candidates[0]]]
        if rivals == [j]:
            pairs[j] = candidates[0]
            renamed.add(j)
    return pairs, renamed


_SUGGESTION = {AutoScorer.TESTS: "hidden tests", AutoScorer.FINDINGS: "planted findings hit",
               AutoScorer.EVIDENCE: "key evidence asked for and cited",
               AutoScorer.SIGNALS: "signals found"}


def _suggestion(auto: str | None) -> str:
    return _SUGGESTION.get(auto, str(auto)) if auto else ""


def _signal_key(signal: str) -> str:
    return _words(signal).casefold()


def _signals(signals: Iterable[str]) -> dict[str, str]:
    """Signals by their matching key, first spelling kept; empty ones dropped."""
    keyed: dict[str, str] = {}
    for signal in signals:
        key = _signal_key(signal)
        if key and key not in keyed:
            keyed[key] = _words(signal)
    return keyed


def _criterion_changes(old: CriterionSnapshot, new: CriterionSnapshot,
                       renamed: bool) -> list[Change]:
    name = _words(new.name)
    changes: list[Change] = []

    def note(text: str) -> None:
        changes.append(Change(ChangeKind.CHANGED, name, text))

    if renamed:
        changes.append(Change(ChangeKind.RENAMED, name,
                              f'Criterion "{_words(old.name)}" renamed "{name}".'))

    if not _same_number(old.weight, new.weight):
        note(f'Criterion "{name}" weight {format_number(old.weight)} {ARROW} '
             f"{format_number(new.weight)}.")

    before, after = old.auto or None, new.auto or None
    if before != after:
        if after is None:
            note(f'Criterion "{name}" no longer suggests a level.')
        elif before is None:
            note(f'Criterion "{name}" now suggests a level from {_suggestion(after)}.')
        else:
            note(f'Criterion "{name}" now suggests a level from {_suggestion(after)}, '
                 f"not {_suggestion(before)}.")

    for level in sorted(old.gate.keys() | new.gate.keys(), key=_bar_key):
        before, after = old.gate.get(level), new.gate.get(level)
        if before == after:
            continue
        if after is None:
            note(f'Criterion "{name}" no longer gates the bar for {level} (was level {before}).')
        elif before is None:
            note(f'Criterion "{name}" now gates the bar for {level}: level {after} or above.')
        else:
            note(f'Criterion "{name}" gate for {level}: level {before} {ARROW} {after}.')

    edit = _edit(old.description, new.description)
    if edit is not None:
        note(f'Description of "{name}" {edit}.')

    old_levels = {str(k): v for k, v in old.descriptors.items()}
    new_levels = {str(k): v for k, v in new.descriptors.items()}
    for level in sorted(old_levels.keys() | new_levels.keys(), key=_level_key):
        if level not in old_levels:
            note(f'Descriptor for level {level} of "{name}" added.')
        elif level not in new_levels:
            note(f'Descriptor for level {level} of "{name}" removed.')
        else:
            edit = _edit(old_levels[level], new_levels[level])
            if edit is not None:
                note(f'Descriptor for level {level} of "{name}" {edit}.')

    old_signals, new_signals = _signals(old.signals), _signals(new.signals)
    added = [s for key, s in new_signals.items() if key not in old_signals]
    removed = [s for key, s in old_signals.items() if key not in new_signals]
    if added:
        noun = "Signal" if len(added) == 1 else "Signals"
        note(f'{noun} added to "{name}": {_quoted(added)}.')
    if removed:
        noun = "Signal" if len(removed) == 1 else "Signals"
        note(f'{noun} removed from "{name}": {_quoted(removed)}.')
    return changes


def rubric_changes(old: RubricSnapshot, new: RubricSnapshot) -> list[Change]:
    """What changed from ``old`` to ``new``; an empty list when nothing a reviewer cares about did.

    Rubric-wide changes come first, then the criteria in the new order, then the
    criteria removed, in their old order (they have no place in the new one).
    """
    changes = _rubric_wide(old, new)
    pairs, renamed = _match(old.criteria, new.criteria)

    kept = [pairs[j] for j in range(len(new.criteria)) if j in pairs]
    if kept != sorted(kept):
        order = _quoted(_words(c.name) for c in new.criteria)
        changes.append(Change(ChangeKind.REORDERED, None, f"Criteria reordered: {order}."))

    for j, criterion in enumerate(new.criteria):
        if j not in pairs:
            name = _words(criterion.name)
            changes.append(Change(ChangeKind.ADDED, name, f'New criterion "{name}".'))
        else:
            changes.extend(_criterion_changes(old.criteria[pairs[j]], criterion, j in renamed))

    matched = set(pairs.values())
    for i, criterion in enumerate(old.criteria):
        if i not in matched:
            name = _words(criterion.name)
            changes.append(Change(ChangeKind.REMOVED, name, f'Criterion "{name}" removed.'))
    return changes
