"""Finding a rubric criterion's signals in an answer, and marking them in its HTML.

A signal is a word or phrase from a criterion's ``signals:`` line (content
format, section 3). Matching is case-insensitive and literal: every character
stands for itself (``*``, ``(``, ``.`` included), except that whitespace inside
a signal matches any run of whitespace, line breaks included. At an end where a
signal starts or ends with a word character (letter, digit or underscore), it
must not be glued to more of a word, so ``ci`` is not found in "decision" while
``Lua`` is found in "(Lua),". Empty and whitespace-only signals are ignored.

Signals are evidence a reviewer reads: they are marked and counted, never turned
into a level (a wrong answer can name every keyword, a right one none).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from html.parser import HTMLParser

# Word characters, plus the common combining accents: "cafe" must not be found
# in a decomposed "café" (an "e" followed by U+0301).
_WORD = r"[\w\u0300-\u036f]"
_WORD_CHAR = re.compile(_WORD)


@dataclass(frozen=True)
class Match:
    """One occurrence of ``signal`` in a text, as character offsets ``text[start:end]``."""

    signal: str
    start: int
    end: int


@lru_cache(maxsize=1024)
def _pattern(signal: str) -> re.Pattern[str]:
    words = signal.split()
    body = r"\s+".join(re.escape(word) for word in words)
    stripped = signal.strip()
    if _WORD_CHAR.fullmatch(stripped[0]):
        body = f"(?<!{_WORD}){body}"
    if _WORD_CHAR.fullmatch(stripped[-1]):
        body = f"{body}(?!{_WORD})"
    return re.compile(body, re.IGNORECASE)


def _usable(signals: Sequence[str]) -> list[str]:
    """The non-empty signals, each once, in the given order."""
    return list(dict.fromkeys(s for s in signals if s.strip()))


def find_signals(text: str, signals: Sequence[str]) -> dict[str, list[Match]]:
    """Every non-empty signal (in order, found or not) mapped to its occurrences in ``text``."""
    return {
        signal: [Match(signal, m.start(), m.end()) for m in _pattern(signal).finditer(text)]
        for signal in _usable(signals)
    }


def signals_found(text: str, signals: Sequence[str]) -> list[str]:
    """The signals that occur at least once in ``text``, in the given order."""
    return [signal for signal, matches in find_signals(text, signals).items() if matches]


def _non_overlapping(text: str, signals: Sequence[str]) -> list[Match]:
    """Matches to mark: leftmost first, the longer at the same start, never overlapping."""
    order = {signal: index for index, signal in enumerate(_usable(signals))}
    candidates = [m for matches in find_signals(text, signals).values() for m in matches]
    candidates.sort(key=lambda m: (m.start, -(m.end - m.start), order[m.signal]))
    chosen: list[Match] = []
    end = 0
    for match in candidates:
        if match.start >= end and match.end > match.start:
            chosen.append(match)
            end = match.end
    return chosen


def _mark_text(text: str, signals: Sequence[str]) -> str:
    """``text`` escaped as HTML, with each chosen match wrapped in a ``<mark>``."""
    out: list[str] = []
    position = 0
    for match in _non_overlapping(text, signals):
        out.append(escape(text[position:match.start], quote=False))
        out.append(
            f'<mark class="signal" data-signal="{escape(match.signal, quote=True)}">'
            f"{escape(text[match.start:match.end], quote=False)}</mark>"
        )
        position = match.end
    out.append(escape(text[position:], quote=False))
    return "".join(out)


# Text in these is not prose: raw-text elements, and elements whose text a
# browser never parses as markup (a <mark> there would show as literal text).
_RAW_TEXT = frozenset({"script", "style"})
_PLAIN_TEXT = frozenset({"textarea", "title"})


class _Highlighter(HTMLParser):
    """Re-emits sanitised HTML, marking signals in its text nodes."""

    def __init__(self, signals: Sequence[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.signals = _usable(signals)
        self.out: list[str] = []
        self._pending: list[str] = []
        self._mermaid_depth = 0  # open <div>s since (and including) a mermaid block
        self._plain: list[str] = []  # open elements whose text is never marked

    # Text can reach handle_data in pieces; a match must see the whole node.
    def handle_data(self, data: str) -> None:
        self._pending.append(data)

    def flush(self) -> None:
        if not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        if self._plain and self._plain[-1] in _RAW_TEXT:
            self.out.append(text)  # given raw (not unescaped) by HTMLParser
        elif self._mermaid_depth or self._plain or not self.signals:
            self.out.append(escape(text, quote=False))
        else:
            self.out.append(_mark_text(text, self.signals))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.flush()
        self.out.append(self.get_starttag_text() or "")
        if tag == "div":
            classes = " ".join(value or "" for name, value in attrs if name == "class").split()
            if self._mermaid_depth or "mermaid" in classes:
                self._mermaid_depth += 1
        if tag in _RAW_TEXT or tag in _PLAIN_TEXT:
            self._plain.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <input ... />: emitted as written, with no end tag of its own.
        self.flush()
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        self.flush()
        self.out.append(f"</{tag}>")
        if tag == "div" and self._mermaid_depth:
            self._mermaid_depth -= 1
        if tag in self._plain:
            while self._plain.pop() != tag:
                pass

    # Sanitised HTML has no comments, declarations or processing instructions;
    # anything of the kind is dropped rather than passed through unchecked.
    def handle_comment(self, data: str) -> None:
        self.flush()

    def handle_decl(self, decl: str) -> None:
        self.flush()

    def handle_pi(self, data: str) -> None:
        self.flush()

    def unknown_decl(self, data: str) -> None:
        self.flush()


def highlight_html(html: str, signals: Sequence[str]) -> str:
    """Sanitised HTML with each signal in its text wrapped in ``<mark class="signal">``.

    Tags and attribute values are left alone, as is the source of mermaid
    diagrams; a match never spans tags. The signal is escaped in the
    ``data-signal`` attribute and all text is re-escaped, so the result is as
    safe as the input.
    """
    parser = _Highlighter(signals)
    parser.feed(html)
    parser.close()
    parser.flush()
    return "".join(parser.out)


def mark_answer(html: str, body: str, criteria: Sequence[tuple[int, Sequence[str]]],
                ) -> tuple[str, dict[str, list[str]]]:
    """A submitted answer's result: its HTML with every criterion's signals marked, and
    the signals of each criterion (id, signals) found in its text, keyed by the id as text."""
    everything = [signal for _, signals in criteria for signal in signals]
    found = {str(criterion_id): signals_found(body, signals) for criterion_id, signals in criteria}
    return highlight_html(html, list(dict.fromkeys(everything))), found
