"""Splitting a pasted job description into sentences the planner can cite.

The text is plain text whatever it contains: markup is never interpreted, only
list markers at the start of a line are dropped. Postings arrive as prose
paragraphs, bullet lists or hard-wrapped text, so a line break ends a
sentence only where the text says so (a blank line, a list item, terminal
punctuation, or a next line starting in upper case); inside a line, a full
stop ends a sentence unless it closes an abbreviation or an initial.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from dataclasses import dataclass

# A posting is a page or two (the ones we know are 3 to 4 KB); past this the
# rest is ignored, so the planner's work stays bounded whatever is pasted.
MAX_CHARS = 30_000

LIST_MARKER = re.compile(r"^(?:[-*+\u2022\u00b7\u25aa\u25cf\u2023\u25e6\u2013\u2014>]+"
                         r"|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)])\s+")
# Control characters other than the line break and the tab, and the zero-width ones.
INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u2060\ufeff]")
SPACES = re.compile(r"[ \t\u00a0]+")
# A candidate sentence end: terminal punctuation, closing quotes or brackets, space,
# then something that can open a sentence. Only the first mark of a run may start a
# match and the runs are possessive, so a line of 30,000 dots is read once, not
# once per dot.
SENTENCE_END = re.compile(r"(?<![.!?])[.!?]++[\"'\u201d\u2019)\]]*+\s++"
                          r"(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")
LAST_WORD = re.compile(r"(\S+)$")
# Words whose full stop does not end a sentence. "etc." is left out on purpose:
# before a capital it almost always does end one.
ABBREVIATIONS = frozenset({
    "e.g", "i.e", "eg", "ie", "vs", "cf", "approx", "incl", "esp", "inc", "ltd", "co",
    "corp", "dept", "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "no", "nos",
    "min", "max", "fig", "al", "ph.d", "b.sc", "m.sc", "b.s", "m.s", "u.s", "u.k",
})
TERMINAL = (".", "!", "?", ":", ";")


@dataclass(frozen=True)
class Sentence:
    """One sentence of the posting: its number (from 1), its text and the line it starts on."""

    number: int
    text: str
    line: int


@dataclass(frozen=True)
class Split:
    sentences: tuple[Sentence, ...]
    # Characters of the input past MAX_CHARS that were not read (0 when all was).
    dropped: int = 0

    @property
    def notice(self) -> str | None:
        """What the reader must be told about the text, or None."""
        if not self.dropped:
            return None
        return (f"Only the first {MAX_CHARS:,} characters were read; the remaining "
                f"{self.dropped:,} were ignored.")


def clean(text: str) -> str:
    """The text with one kind of line break, no invisible characters and compatibility
    forms folded (full-width letters, ligatures), so cues match what the reader sees."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFKC", INVISIBLE.sub(" ", text))


def truncate(text: str) -> tuple[str, int]:
    """The first MAX_CHARS characters (cut at a nearby space) and how many were dropped."""
    if len(text) <= MAX_CHARS:
        return text, 0
    cut = MAX_CHARS
    space = max(text.rfind(" ", MAX_CHARS - 200, MAX_CHARS), text.rfind("\n", MAX_CHARS - 200,
                                                                        MAX_CHARS))
    if space > 0:
        cut = space
    return text[:cut], len(text) - cut


def split_sentences(text: str) -> Split:
    """The posting's sentences in order, each with the line it starts on."""
    text, dropped = truncate(text)
    units = _units(clean(text))
    sentences: list[Sentence] = []
    for pieces in units:
        for body, line in _split_unit(pieces):
            if any(ch.isalnum() for ch in body):
                sentences.append(Sentence(len(sentences) + 1, body, line))
    return Split(tuple(sentences), dropped)


def _units(text: str) -> list[list[tuple[int, str]]]:
    """Lines grouped into paragraphs or list items: (line number, text) pieces."""
    units: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = SPACES.sub(" ", raw).strip()
        if not line:
            current = None
            continue
        marker = LIST_MARKER.match(line)
        if marker:
            line = line[marker.end():].strip()
            if not line:
                current = None
                continue
        continues = (current is not None and not marker and line[0].islower()
                     and not current[-1][1].endswith(TERMINAL))
        if continues and current is not None:
            current.append((number, line))
        else:
            current = [(number, line)]
            units.append(current)
    return units


def _split_unit(pieces: list[tuple[int, str]]) -> list[tuple[str, int]]:
    """A paragraph's sentences with the line each starts on."""
    joined = ""
    starts: list[tuple[int, int]] = []  # (offset in joined, line number)
    for number, piece in pieces:
        if joined:
            joined += " "
        starts.append((len(joined), number))
        joined += piece
    found: list[tuple[str, int]] = []
    begin = 0
    for end in SENTENCE_END.finditer(joined):
        if _closes_abbreviation(joined[begin:end.start() + 1]):
            continue
        found.append((joined[begin:end.end()].strip(), _line_at(starts, begin)))
        begin = end.end()
    found.append((joined[begin:].strip(), _line_at(starts, begin)))
    return [(body, line) for body, line in found if body]


def _closes_abbreviation(before: str) -> bool:
    """Whether the full stop ending ``before`` belongs to an abbreviation or an initial."""
    if not before.endswith("."):
        return False
    word = LAST_WORD.search(before[:-1])
    if word is None:
        return False
    token = word.group(1).lstrip("(\"'[").lower()
    return token in ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _line_at(starts: list[tuple[int, int]], offset: int) -> int:
    # Binary search: a paragraph of thousands of wrapped lines has thousands of sentences.
    index = bisect.bisect_right(starts, (offset, math.inf)) - 1
    return starts[max(index, 0)][1]
