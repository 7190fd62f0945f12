"""Unified diffs, as a code-review prompt's ``change.diff`` holds them, read into files and lines.

Reads what ``git diff`` and ``diff -u`` write: one or more files, each with
``---``/``+++`` headers (a ``diff --git`` line and its extended headers are
optional), then hunks ``@@ -a,b +c,d @@``. It understands renames (``rename
from``/``rename to``, with or without hunks), new and deleted files
(``/dev/null``), ``\\ No newline at end of file`` markers, a blank line in a
hunk where a tool dropped a context line's single space, and text before the
first file (a commit message). Lines are numbered as in the NEW file, which is
the numbering reviews and findings use.

A hunk is read by the counts in its header, not by the look of its lines, so
a removed line whose text starts with ``-- `` is not taken for a file header.
Everything that does not fit is reported at its line of the diff, and the
diff is then not used for anything else.

Pure: no Flask and no database.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

DEV_NULL = "/dev/null"
_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(?: .*)?")
_GIT_HEADER = re.compile(r"diff --git (.+)")
# Extended header lines of git between ``diff --git`` and ``---``; kept for nothing but
# recognised, so that anything else there is reported.
_GIT_EXTENDED = ("index ", "old mode ", "new mode ", "deleted file mode ", "new file mode ",
                 "similarity index ", "dissimilarity index ", "copy from ", "copy to ",
                 "Binary files ", "GIT binary patch")


@dataclass(frozen=True)
class DiffLine:
    """One line of a hunk: ``kind`` is ``+`` (added), ``-`` (removed) or ``" "`` (context).

    ``new`` is its number in the new file (None for a removed line), ``old``
    in the old file (None for an added line); ``at`` is its line in the diff.
    """

    kind: str
    text: str
    new: int | None
    old: int | None
    at: int


@dataclass(frozen=True)
class Hunk:
    """One ``@@`` hunk: the new file's lines ``new_start`` to ``new_end`` (inclusive)."""

    new_start: int
    new_count: int
    at: int  # the line of its ``@@`` header in the diff
    lines: tuple[DiffLine, ...]

    @property
    def new_end(self) -> int:
        """The last line of the new file the hunk shows (``new_start - 1`` when it shows none)."""
        return self.new_start + self.new_count - 1


@dataclass
class DiffFile:
    """One file of a diff, named by its new path (its old path when it was deleted)."""

    path: str
    old_path: str | None
    at: int  # the line of the diff where the file starts
    hunks: list[Hunk] = field(default_factory=list)
    deleted: bool = False
    added: bool = False

    @property
    def renamed(self) -> bool:
        """Whether the change moved the file."""
        return self.old_path is not None and not self.added and self.old_path != self.path

    @property
    def lines(self) -> list[DiffLine]:
        """Every line of every hunk, in order."""
        return [line for hunk in self.hunks for line in hunk.lines]

    @functools.cached_property
    def new_lines(self) -> dict[int, DiffLine]:
        """The lines of the new file the diff shows (added and context), by number; read
        once, since a review's check looks up each comment's line."""
        return {line.new: line for line in self.lines if line.new is not None}

    def hunk_for(self, start: int, end: int) -> Hunk | None:
        """The hunk whose new lines hold all of ``start``..``end``, if one does."""
        for hunk in self.hunks:
            if hunk.new_count and hunk.new_start <= start and end <= hunk.new_end:
                return hunk
        return None

    def spans(self) -> str:
        """The new lines the diff shows, for messages: ``"10-24, 40-61"``."""
        shown = [f"{h.new_start}-{h.new_end}" if h.new_count > 1 else str(h.new_start)
                 for h in self.hunks if h.new_count]
        return ", ".join(shown) or "none"


@dataclass(frozen=True)
class DiffProblem:
    """Something wrong with a diff, at a line of it."""

    line: int
    message: str


@dataclass
class ParsedDiff:
    """The files of a diff by path, in the diff's order, and what was wrong with it."""

    files: dict[str, DiffFile] = field(default_factory=dict)
    problems: list[DiffProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the diff was read without a problem."""
        return not self.problems


def _path(header: str, prefix: str) -> str:
    """The path of a ``---``/``+++`` line: without a timestamp after a tab, or the a/ b/."""
    path = header.split("\t", 1)[0].rstrip()
    if path != DEV_NULL and path.startswith(prefix):
        path = path[len(prefix):]
    return path


def _git_paths(rest: str) -> tuple[str, str] | None:
    """The two paths of ``diff --git a/<old> b/<new>``; with spaces in names, the split that
    gives equal halves is taken, as git does for a file that kept its name."""
    if not rest.startswith("a/"):
        return None
    candidates = [m.start() for m in re.finditer(" b/", rest)]
    for at in candidates:
        old, new = rest[2:at], rest[at + 3:]
        if old == new:
            return old, new
    if len(candidates) == 1:
        return rest[2:candidates[0]], rest[candidates[0] + 3:]
    return None


class _Reader:
    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.index = 0
        self.result = ParsedDiff()
        self.current: _Pending | None = None

    def problem(self, line: int, message: str) -> None:
        self.result.problems.append(DiffProblem(line, message))

    def read(self) -> ParsedDiff:
        seen_file = False
        while self.index < len(self.lines):
            number = self.index + 1
            line = self.lines[self.index]
            if line.startswith("diff --git "):
                self.finish()
                self.current = _Pending(at=number, git=_git_paths(line[len("diff --git "):]))
                if self.current.git is None:
                    self.problem(number, "cannot read the two paths of this diff --git line")
                seen_file = True
                self.index += 1
            elif line.startswith("--- ") and self.index + 1 < len(self.lines) \
                    and self.lines[self.index + 1].startswith("+++ "):
                if self.current is None or self.current.minus is not None or self.current.hunks:
                    self.finish()
                    self.current = _Pending(at=number)
                self.current.minus = _path(line[4:], "a/")
                self.current.plus = _path(self.lines[self.index + 1][4:], "b/")
                seen_file = True
                self.index += 2
            elif line.startswith("@@"):
                if self.current is None:
                    self.problem(number, "hunk before any file header (--- and +++ lines)")
                    return self.result
                if not self.hunk(number, line):
                    return self.result
            elif self.current is not None and not self.current.hunks \
                    and self.current.minus is None and self.extended(line):
                self.index += 1
            elif not seen_file:
                self.index += 1  # a commit message or other text before the first file
            elif line.strip() == "" and self.index + 1 == len(self.lines):
                self.index += 1  # a blank last line
            else:
                self.problem(number, _unexpected(line))
                return self.result
        self.finish()
        if not self.result.files and not self.result.problems:
            self.problem(1, "the diff holds no file: expected --- and +++ lines, then @@ hunks")
        return self.result

    def extended(self, line: str) -> bool:
        assert self.current is not None
        if line.startswith("rename from "):
            self.current.rename_from = line[len("rename from "):]
        elif line.startswith("rename to "):
            self.current.rename_to = line[len("rename to "):]
        elif line.startswith("new file mode "):
            self.current.added = True
        elif line.startswith("deleted file mode "):
            self.current.deleted = True
        elif not line.startswith(_GIT_EXTENDED):
            return False
        return True

    def hunk(self, number: int, header: str) -> bool:
        assert self.current is not None
        match = _HUNK.fullmatch(header)
        if match is None:
            self.problem(number, f'malformed hunk header "{header[:60]}": expected '
                                 f'"@@ -<start>,<count> +<start>,<count> @@"')
            return False
        if self.current.minus is None:
            self.problem(number, "hunk without --- and +++ lines for its file")
            return False
        old_start, old_count, new_start, new_count = (
            int(g) if g is not None else 1 for g in match.groups())
        previous = self.current.hunks[-1] if self.current.hunks else None
        if previous is not None and new_start <= previous.new_end:
            self.problem(number, f"hunk starts at new line {new_start}, inside or before the "
                                 f"previous hunk (new lines {previous.new_start}-"
                                 f"{previous.new_end}): hunks must be in order")
            return False
        old, new = old_start, new_start
        old_left, new_left = old_count, new_count
        lines: list[DiffLine] = []
        self.index += 1
        while old_left > 0 or new_left > 0:
            at = self.index + 1
            if self.index >= len(self.lines):
                self.problem(number, f"hunk ends early: its header promises {old_count} old "
                                     f"and {new_count} new lines, the diff ends after "
                                     f"{old_count - old_left} and {new_count - new_left}")
                return False
            text = self.lines[self.index]
            kind, body = (text[:1] or " "), text[1:]
            if kind == "\\":
                self.index += 1  # "\ No newline at end of file": about the line before
                continue
            if kind == " " and old_left > 0 and new_left > 0:
                lines.append(DiffLine(" ", body, new, old, at))
                old, new, old_left, new_left = old + 1, new + 1, old_left - 1, new_left - 1
            elif kind == "-" and old_left > 0:
                lines.append(DiffLine("-", body, None, old, at))
                old, old_left = old + 1, old_left - 1
            elif kind == "+" and new_left > 0:
                lines.append(DiffLine("+", body, new, None, at))
                new, new_left = new + 1, new_left - 1
            else:
                self.problem(at, f"malformed hunk line: the hunk at line {number} still "
                                 f"expects {old_left} old and {new_left} new lines, and "
                                 f"{_describe(text)} cannot be one of them")
                return False
            self.index += 1
        while self.index < len(self.lines) and self.lines[self.index].startswith("\\"):
            self.index += 1
        self.current.hunks.append(Hunk(new_start, new_count, number, tuple(lines)))
        return True

    def finish(self) -> None:
        pending, self.current = self.current, None
        if pending is None:
            return
        git = pending.git
        old = pending.minus if pending.minus is not None else (
            pending.rename_from or (git[0] if git else None))
        new = pending.plus if pending.plus is not None else (
            pending.rename_to or (git[1] if git else None))
        if old is None or new is None:
            return  # only when its diff --git line was unreadable, which is reported already
        added = pending.added or old == DEV_NULL
        deleted = pending.deleted or new == DEV_NULL
        if added and deleted:
            self.problem(pending.at, "a file cannot be both new (--- /dev/null) and deleted "
                                     "(+++ /dev/null)")
            return
        path = old if deleted else new
        if path in self.result.files:
            self.problem(pending.at, f"{path} appears twice in the diff; give each file one "
                                     f"set of hunks")
            return
        self.result.files[path] = DiffFile(
            path=path, old_path=None if added else old, at=pending.at, hunks=pending.hunks,
            deleted=deleted, added=added)


@dataclass
class _Pending:
    at: int
    git: tuple[str, str] | None = None
    minus: str | None = None
    plus: str | None = None
    rename_from: str | None = None
    rename_to: str | None = None
    added: bool = False
    deleted: bool = False
    hunks: list[Hunk] = field(default_factory=list)


def _describe(text: str) -> str:
    if not text:
        return "an empty line"
    return f'"{text[:40]}"'


def _unexpected(line: str) -> str:
    if line[:1] in "+- ":
        return (f"{_describe(line)} is outside any hunk: the previous hunk's header counts "
                f"fewer lines than it has")
    return f"unexpected {_describe(line)} between hunks: expected @@, --- or diff --git"


def parse_diff(text: str) -> ParsedDiff:
    """The files and hunks of a unified diff, with a problem at its line for each misfit."""
    return _Reader(text).read()
