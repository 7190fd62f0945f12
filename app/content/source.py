"""A stored revision laid out again as its source files, and line diffs between them.

The database keeps a revision's fields (front matter values, the markdown of
each section, a folder prompt's other files) but not the bytes of the files
they came from. ``prompt_source`` and ``rubric_source`` write those fields in
the layout of the content format (``docs/authoring.md``): parsed again by
``app.content.parse`` they give the same fields, though not always the same
bytes (key order, quoting and blank lines are this module's own).

Everything here is pure: revisions are read by duck typing (``PromptRevision``
and ``RubricRevision`` rows, or any object with the same attributes), so the
history page can show and compare any two revisions without the files.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from app.content.diff import format_number

# Continuation lines of a bullet or descriptor are indented this far: deep enough that
# the parser reads them as part of the item above, never as an item, heading or fence.
CONTINUATION = " " * 4
# Unchanged lines shown around each change; longer unchanged runs are collapsed.
CONTEXT_LINES = 3


def _scalar(value: Any) -> str:
    """One YAML value on one line, quoted only where YAML needs it."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6)
    return text.removesuffix("\n...\n").rstrip("\n")


def _front_matter(pairs: Iterable[tuple[str, Any]]) -> list[str]:
    lines = ["---"]
    for key, value in pairs:
        if isinstance(value, Mapping) and key == "scale":
            lines.append(f"{key}:")
            lines.extend(f"  {_scalar(level)}: {_scalar(label)}" for level, label in value.items())
        else:
            lines.append(f"{key}: {_scalar(value)}")
    lines.append("---")
    return lines


def _bullet(text: str, prefix: str = "- ") -> list[str]:
    first, *rest = (text or "").split("\n")
    return [f"{prefix}{first}".rstrip()] + [f"{CONTINUATION}{line.strip()}"
                                            for line in rest if line.strip()]


def _joined(lines: list[str]) -> str:
    return "\n".join(lines).rstrip("\n") + "\n"


def prompt_source(slug: str, revision: Any) -> dict[str, str]:
    """A prompt revision's files by path (``prompts/<slug>.md``, or its folder's files).

    Reads ``title``, ``kind``, ``level``, ``minutes``, ``status``, ``rubric_slug``,
    ``tags``, ``competencies`` (objects with ``.slug``, or slugs), ``statement_md``,
    ``hints`` and ``follow_ups`` (lists of {"md": ..., "criterion": ...}),
    ``reference_md`` and ``files``.
    """
    competencies = [getattr(c, "slug", c) for c in revision.competencies]
    pairs: list[tuple[str, Any]] = [
        ("title", revision.title), ("kind", revision.kind), ("level", revision.level),
        ("minutes", revision.minutes), ("competencies", list(competencies)),
        ("rubric", revision.rubric_slug),
    ]
    if revision.tags:
        pairs.append(("tags", list(revision.tags)))
    pairs.append(("status", revision.status))
    lines = _front_matter(pairs)
    statement = (revision.statement_md or "").strip("\n")
    if statement:
        lines.append(statement)
    sections = (
        ("Hints", [_hint_text(hint) for hint in revision.hints or ()]),
        ("Follow-ups", [item.get("md", "") for item in revision.follow_ups or ()]),
    )
    for title, items in sections:
        if items:
            lines += ["", f"## {title}"]
            for item in items:
                lines += _bullet(item)
    reference = (revision.reference_md or "").strip("\n")
    if reference:
        lines += ["", "## Reference", reference]
    files = dict(revision.files or {})
    if not files:
        return {f"prompts/{slug}.md": _joined(lines)}
    laid_out = {f"prompts/{slug}/prompt.md": _joined(lines)}
    for path in sorted(files):
        laid_out[f"prompts/{slug}/{path}"] = files[path]
    return laid_out


def _hint_text(hint: Mapping[str, Any]) -> str:
    criterion = hint.get("criterion")
    text = hint.get("md", "")
    return f"[gives away: {criterion}] {text}" if criterion else text


def rubric_source(slug: str, revision: Any) -> dict[str, str]:
    """A rubric revision's file, ``rubrics/<slug>.md``, by path.

    Reads ``title``, ``scale`` ({"1": "Weak", ...}), ``bar``, ``intro_md`` and
    ``criteria``, each with ``name``, ``weight``, ``signals``, ``auto``,
    ``gate``, ``description_md`` and ``descriptors`` ({"1": {"md": ...}}).
    """
    scale = {int(level): label for level, label in (revision.scale or {}).items()}
    bar = revision.bar
    if isinstance(bar, Mapping):
        bar = {str(level): value for level, value in bar.items()}
    lines = _front_matter([("title", revision.title), ("scale", dict(sorted(scale.items()))),
                           ("bar", bar)])
    intro = (revision.intro_md or "").strip("\n")
    if intro:
        lines.append(intro)
    for criterion in revision.criteria:
        lines += ["", f"## {criterion.name}", f"weight: {format_number(criterion.weight)}"]
        if criterion.signals:
            lines.append(f"signals: {', '.join(criterion.signals)}")
        if criterion.auto:
            lines.append(f"auto: {criterion.auto}")
        if criterion.gate:
            lines.append(f"gate: {_gate(criterion.gate)}")
        description = (criterion.description_md or "").strip("\n")
        if description:
            lines += ["", description]
        lines.append("")
        descriptors = {int(level): (d or {}).get("md", "")
                       for level, d in (criterion.descriptors or {}).items()}
        for level in sorted(descriptors):
            lines += _bullet(descriptors[level], prefix=f"- {level}: ")
    return {f"rubrics/{slug}.md": _joined(lines)}


def _gate(gate: Mapping[str, int]) -> str:
    """``{senior: 3, staff: 3}``: per target level, which reads back the same whatever it holds."""
    return "{" + ", ".join(f"{level}: {int(value)}" for level, value in gate.items()) + "}"


# Line diffs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: ``sign`` is "+" (added), "-" (removed) or " " (unchanged);
    ``old``/``new`` are its 1-based line numbers on each side (None where it is absent)."""

    sign: str
    text: str
    old: int | None
    new: int | None

    @property
    def kind(self) -> str:
        return {"+": "added", "-": "removed"}.get(self.sign, "unchanged")


@dataclass(frozen=True)
class Skipped:
    """A run of unchanged lines left out of the diff."""

    count: int


@dataclass(frozen=True)
class FileDiff:
    """The diff of one file: its path, its status and its rows, changes with some context."""

    path: str
    status: str  # "added", "removed", "changed" or "unchanged"
    rows: tuple[DiffLine | Skipped, ...]
    added: int
    removed: int


def line_diff(old: str, new: str, *, context: int = CONTEXT_LINES
              ) -> tuple[tuple[DiffLine | Skipped, ...], int, int]:
    """The lines of ``new`` against ``old``, unchanged runs beyond ``context`` lines collapsed;
    with the number of lines added and removed."""
    a, b = old.splitlines(), new.splitlines()
    lines: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            lines += [DiffLine(" ", a[i], i + 1, j + 1) for i, j in zip(range(i1, i2),
                                                                         range(j1, j2),
                                                                         strict=True)]
            continue
        lines += [DiffLine("-", a[i], i + 1, None) for i in range(i1, i2)]
        lines += [DiffLine("+", b[j], None, j + 1) for j in range(j1, j2)]
    changed = [n for n, line in enumerate(lines) if line.sign != " "]
    keep = {n for c in changed for n in range(c - context, c + context + 1)}
    rows: list[DiffLine | Skipped] = []
    skipped = 0
    for n, line in enumerate(lines):
        if n in keep:
            if skipped:
                rows.append(Skipped(skipped))
                skipped = 0
            rows.append(line)
        else:
            skipped += 1
    if skipped:
        rows.append(Skipped(skipped))
    added = sum(1 for line in lines if line.sign == "+")
    return tuple(rows), added, sum(1 for line in lines if line.sign == "-")


def files_diff(old: Mapping[str, str], new: Mapping[str, str], *,
               context: int = CONTEXT_LINES) -> list[FileDiff]:
    """A ``FileDiff`` per path of either side, in path order (a prompt's own file first)."""
    diffs = []
    for path in sorted(old.keys() | new.keys(), key=_path_order):
        before, after = old.get(path), new.get(path)
        rows, added, removed = line_diff(before or "", after or "", context=context)
        if before is None:
            status = "added"
        elif after is None:
            status = "removed"
        else:
            status = "changed" if added or removed else "unchanged"
        diffs.append(FileDiff(path, status, rows, added, removed))
    return diffs


def _path_order(path: str) -> tuple[int, str]:
    # The file that holds the front matter leads; the others follow by path.
    return (0 if path.endswith(("/prompt.md",)) or path.count("/") == 1 else 1, path)

