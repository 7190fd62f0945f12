"""Cue phrases: the hand-written words by which the planner recognises a responsibility.

``prompts/responsibility-cues.md`` holds one ``## slug`` section per
responsibility of ``prompts/responsibilities.md``, each a list of phrases. A
phrase is words matched in order, ignoring case and punctuation, a plural
matching its singular; ``word*`` matches any word starting with ``word`` and
``...`` up to ``MAX_GAP`` words in between. Problems are reported as
``path:line: message``, like every content file's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from app.content.files import CUES_FILE, read_text
from app.content.model import Problem, Severity
from app.content.parse import BULLET, did_you_mean, split_sections

CUES_PATH = f"prompts/{CUES_FILE}"
MAX_GAP = 3
MAX_WORDS = 8
MIN_PREFIX = 3
WORD = re.compile(r"[^\W_]+")
CUE_PART = re.compile(r"(\.\.\.|\u2026)|([^\W_]+)(\*)?|(\*)")


def fold(word: str) -> str:
    """A word as cues and text compare it: lower case, and a plural as its singular."""
    word = word.casefold()
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[tuple[str, int, int]]:
    """The folded words of a text, each with its start and end offsets."""
    return [(fold(m.group()), m.start(), m.end()) for m in WORD.finditer(text)]


@dataclass(frozen=True)
class Part:
    word: str  # folded; the prefix itself for a prefix part; "" for a gap
    prefix: bool = False
    gap: bool = False

    def matches(self, word: str) -> bool:
        return word.startswith(self.word) if self.prefix else word == self.word


@dataclass(frozen=True)
class Cue:
    """One phrase as written, where, and its parts."""

    text: str
    line: int
    parts: tuple[Part, ...]

    def find(self, folded: list[str]) -> tuple[int, int] | None:
        """The first (start, end) word range of ``folded`` the phrase matches, or None."""
        for start, word in enumerate(folded):
            if self.parts[0].matches(word):
                end = self._rest(folded, start + 1, 1)
                if end is not None:
                    return start, end
        return None

    def _rest(self, folded: list[str], at: int, index: int) -> int | None:
        if index == len(self.parts):
            return at
        part = self.parts[index]
        if part.gap:
            following = self.parts[index + 1]
            for skip in range(MAX_GAP + 1):
                if at + skip < len(folded) and following.matches(folded[at + skip]):
                    end = self._rest(folded, at + skip + 1, index + 2)
                    if end is not None:
                        return end
            return None
        if at < len(folded) and part.matches(folded[at]):
            return self._rest(folded, at + 1, index + 1)
        return None


def parse_cue(path: str, line: int, text: str, problems: list[Problem]) -> Cue | None:
    """One bullet's phrase, or None with a problem saying what is wrong with it."""
    parts: list[Part] = []
    for match in CUE_PART.finditer(text):
        gap, word, star, stray = match.groups()
        if stray:
            problems.append(Problem(path, line, f'cue "{text}": "*" must end a word, as in '
                                                f'"mentor*"'))
            return None
        if gap:
            if not parts or parts[-1].gap:
                problems.append(Problem(path, line, f'cue "{text}": "..." must stand between '
                                                    f'two words'))
                return None
            parts.append(Part("", gap=True))
            continue
        if star and len(word) < MIN_PREFIX:
            problems.append(Problem(path, line, f'cue "{text}": a prefix needs at least '
                                                f'{MIN_PREFIX} letters before "*"'))
            return None
        # A prefix is kept as written (folding "services*" to "service" would widen it).
        parts.append(Part(word.casefold() if star else fold(word), prefix=bool(star)))
    if not parts:
        problems.append(Problem(path, line, "a cue must have at least one word"))
        return None
    if parts[-1].gap:
        problems.append(Problem(path, line, f'cue "{text}": "..." must stand between two '
                                            f'words'))
        return None
    if sum(not p.gap for p in parts) > MAX_WORDS:
        problems.append(Problem(path, line, f'cue "{text}" has more than {MAX_WORDS} words: '
                                            f'a cue is a short phrase'))
        return None
    return Cue(text=text, line=line, parts=tuple(parts))


def parse_cues(path: str, text: str, problems: list[Problem],
               responsibilities: Iterable[str] | None = None) -> dict[str, tuple[Cue, ...]]:
    """Read the cue file: ``## slug`` sections of bullets, checked against the
    responsibilities' slugs when given (each must exist, and each should have cues)."""
    known = list(responsibilities) if responsibilities is not None else None
    found: dict[str, tuple[Cue, ...]] = {}
    lines: dict[str, int] = {}
    for section in split_sections(text.splitlines(), 1)[1:]:
        slug = (section.title or "").strip()
        if known is not None and slug not in known:
            problems.append(Problem(path, section.line, f'"{slug}" is not a responsibility in '
                                                        f'prompts/responsibilities.md'
                                                        f'{did_you_mean(slug, known)}'))
            continue
        if slug in found:
            problems.append(Problem(path, section.line, f'cues for "{slug}" are given twice '
                                                        f'(first on line {lines[slug]})'))
            continue
        cues: list[Cue] = []
        seen: dict[tuple[Part, ...], int] = {}
        bullets = 0
        for number, line in enumerate(section.lines, start=section.first_line):
            if not line.strip():
                continue
            # One line, one cue: a line that is not a bullet is a mistake, never a
            # continuation that would silently lengthen the cue above it.
            item = BULLET.match(line)
            if item is None:
                problems.append(Problem(path, number, "text outside a list: write each cue as "
                                                      "a bullet (- phrase)"))
                continue
            bullets += 1
            cue = parse_cue(path, number, item.group(1).strip(), problems)
            if cue is None:
                continue
            if cue.parts in seen:
                problems.append(Problem(path, number, f'cue "{cue.text}" repeats the cue on '
                                                      f'line {seen[cue.parts]}'))
                continue
            seen[cue.parts] = number
            cues.append(cue)
        if not cues and not bullets:
            problems.append(Problem(path, section.line, f'"{slug}" has no cues: list phrases '
                                                        f'as bullets'))
        found[slug] = tuple(cues)
        lines[slug] = section.line
    for slug in known or ():
        if slug not in found:
            problems.append(Problem(path, 1, f'responsibility "{slug}" has no cues, so the '
                                             f'planner can never find it', Severity.WARNING))
    return found


def load_cues(root: str | Path, responsibilities: Mapping[str, object] | None = None
              ) -> tuple[dict[str, tuple[Cue, ...]], list[Problem]]:
    """The cues under ``root/prompts`` and every problem with them; none without the file."""
    root = Path(root)
    path = root / CUES_PATH
    problems: list[Problem] = []
    if not path.is_file():
        return {}, problems
    text, _ = read_text(root, path, problems)
    if text is None:
        return {}, problems
    known = list(responsibilities) if responsibilities is not None else None
    return parse_cues(CUES_PATH, text, problems, known), problems
