"""Hostile markdown: render time stays about linear in the size of the input, and inert.

Python-Markdown spends time quadratic or worse in the size of some inputs (a
200 KB answer of ``[`` took hours); ``app.content.bounds`` keeps every shape
linear. Each case below is as large as an answer may be and must render
within ``CPU_BOUND`` seconds of processor time, the work a worker does, which
other processes on a shared machine do not inflate: twice what the slowest
case takes on a slow 2-core machine (about 2 s; half the cases take under
0.6 s). A wall-clock bound four times as long backs it up. A render that runs
past a bound is stopped there, so a regression fails in seconds, not hours.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser

import markdown
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.attempts.lifecycle import ANSWER_MAX_BYTES
from app.content import bounds
from app.content.render import (
    ADDED_ATTRIBUTES,
    ATTRIBUTES,
    EXTENSION_CONFIGS,
    EXTENSIONS,
    TAGS,
    render_markdown,
    sanitise,
)
from app.pages.views import MARKDOWN_EXAMPLE

SIZE = ANSWER_MAX_BYTES
CPU_BOUND = 4.0  # seconds of processor time for one answer-sized render
CPU_PER_KB = 0.04  # seconds per KB for the generated inputs (at least 1 KB)
WALL_FACTOR = 4


class TooSlow(BaseException):
    """Raised into a render that ran past its bound (not an Exception: the renderer re-raises)."""


@contextmanager
def time_limit(cpu_seconds: float) -> Iterator[None]:
    """Stop the block after ``cpu_seconds`` of processor time, or WALL_FACTOR times that."""
    def stop(signum, _frame):
        clock = "processor" if signum == signal.SIGPROF else "wall-clock"
        raise TooSlow(f"still rendering after {cpu_seconds:.2f} s of {clock} time (or more)")

    handlers = {number: signal.signal(number, stop)
                for number in (signal.SIGPROF, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
    signal.setitimer(signal.ITIMER_REAL, cpu_seconds * WALL_FACTOR)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for number, handler in handlers.items():
            signal.signal(number, handler)


def rendered_within(text: str, cpu_seconds: float) -> str:
    try:
        with time_limit(cpu_seconds):
            return str(render_markdown(text))
    except TooSlow as slow:
        raise AssertionError(f"{len(text):,} characters: {slow}") from None


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    """Only allowed tags and attributes, no script URL, and none of the parser's own marks."""
    parser = Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in TAGS, tag
        allowed = ATTRIBUTES.get(tag, set()) | set(ADDED_ATTRIBUTES.get(tag, {})) | {"rel",
                                                                                    "class"}
        for name, value in attrs.items():
            assert name in allowed, f"{tag}[{name}]"
            assert "javascript:" not in (value or "").lower().replace(" ", "")
    # Placeholders and the stand-in for "[" never reach the page.
    assert "\x02" not in html and "\x03" not in html
    assert not any("\ue000" <= c <= "\uf8ff" for c in html)


def repeat(unit: str) -> Callable[[int], str]:
    return lambda size: (unit * (size // len(unit) + 1))[:size]


def nested(opener: str, middle: str, closer: str) -> Callable[[int], str]:
    def build(size: int) -> str:
        depth = (size - len(middle)) // (len(opener) + len(closer))
        return opener * depth + middle + closer * depth
    return build


def lines(make: Callable[[int], str]) -> Callable[[int], str]:
    """Numbered lines from ``make(i)`` up to ``size`` characters."""
    def build(size: int) -> str:
        out, total, i = [], 0, 0
        while total < size:
            line = make(i)
            out.append(line)
            total += len(line)
            i += 1
        return "".join(out)[:size]
    return build


def definitions_then_uses(define: str, use: str) -> Callable[[int], str]:
    """Definitions of numbered labels, then a paragraph using each."""
    def build(size: int) -> str:
        definitions, uses, total, i = [], [], 1, 0
        while total < size:
            definitions.append(define.format(i))
            uses.append(use.format(i))
            total += len(definitions[-1]) + len(uses[-1])
            i += 1
        return ("".join(definitions) + "\n" + "".join(uses))[:size]
    return build


HOSTILE: dict[str, Callable[[int], str]] = {
    # Brackets: links, images, references, footnotes.
    "a run of [": repeat("["),
    "nested [[[a]]]": nested("[", "a", "]"),
    "a run of ![": repeat("!["),
    "[a]( without )": repeat("[a]("),
    "[a][ without ]": repeat("[a]["),
    "[^ without ]": repeat("[^"),
    "[ then ( runs": repeat("[ (]("),
    "unclosed link titles": repeat('[]("('),
    "dense links": repeat("[a](b) "),
    "references, defined and used": definitions_then_uses("[r{}]: http://a/\n", "[x][r{}] "),
    "footnotes, defined and used": definitions_then_uses("[^{}]: x\n", "[^{}]"),
    "one footnote used everywhere": lambda size: "[^a]: x\n\n" + repeat("[^a]")(size - 9),
    # Raw HTML.
    "a run of <": repeat("<"),
    "<a without >": repeat("<a "),
    "quoted > in unclosed tags": repeat('<a b=">" '),
    "</a without >": repeat("</a"),
    "comments inside open inline tags": repeat("<b><!---->"),
    "nested <div> lines": repeat("<div>\n"),
    "nested <ul>": repeat("<ul>"),
    "misnested <b>x</i>": repeat("<b>x</i>"),
    "<p><div></p>": repeat("<p><div></p>"),
    "tables opened in stray cells": repeat("<td></span><table>"),
    "a tag with thousands of attributes": lambda size: (
        "<span " + " ".join(f"a{i}" for i in range(size // 6)))[:size - 9] + ">x</span>",
    # Emphasis, code, escapes, entities.
    "a run of *": repeat("*"),
    "a run of _": repeat("_"),
    "*a runs": repeat("*a"),
    "dense emphasis": repeat("*a* "),
    "*_ mixed": repeat("*_"),
    "~~a runs": repeat("~~a"),
    "subscripts that cannot close": repeat("a a~"),
    "*a* back to back": repeat("*a*"),
    "a run of backticks": repeat("`"),
    "unpaired backtick runs": repeat("``a`"),
    "dense code spans": repeat("`a` "),
    "a run of backslashes": repeat("\\"),
    "escaped brackets": repeat("\\["),
    "a run of &": repeat("&"),
    "many entities": repeat("&amp; "),
    # Blocks.
    "deep blockquote >>>>": repeat(">"),
    "deep blockquote > > >": repeat("> "),
    "deep list nesting by indent": lines(lambda i: "    " * i + "- x\n"),
    "lists nested on one line": repeat("1. "),
    "headings, one per line": repeat("# a\n"),
    "bare # lines": repeat("#\n"),
    "setext headings": repeat("a\n===\n"),
    "rules after text": repeat("a\n---\n"),
    "many one-row tables": repeat("a|b\n-|-\n"),
    "a long table": lambda size: "| a | b |\n|---|---|\n" + repeat("| x | y |\n")(size - 20),
    "list items": repeat("- a\n"),
    "paragraphs": repeat("a\n\n"),
    "one long line": repeat("word "),
    "one long word": repeat("a"),
    # Code fences.
    "empty fences": repeat("~~~\n"),
    "many highlighted fences": repeat("```python\nx = 1\n```\n"),
    "one huge highlighted fence": lambda size: "```python\n" + repeat(
        "def f(x):\n    return [x, 's', 1.5]  # c\n")(size - 14) + "```\n",
    "a huge mermaid fence": lambda size: "```mermaid\n" + repeat("a-->b\n")(size - 16) + "```\n",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_an_answer_sized_hostile_input_renders_in_bounded_time_and_inert(name):
    text = HOSTILE[name](SIZE)
    assert SIZE * 0.95 <= len(text.encode()) <= SIZE
    assert_inert(rendered_within(text, CPU_BOUND))


def test_a_run_of_brackets_still_shows_every_bracket():
    assert rendered_within("[" * SIZE, CPU_BOUND).count("[") == SIZE


def test_nesting_past_the_limit_shows_the_rest_as_text():
    html = rendered_within("> " * 1000 + "the bottom", CPU_BOUND)
    assert html.count("<blockquote>") == bounds.MAX_NESTING
    assert "the bottom" in html


def test_a_render_that_failed_half_way_does_not_spoil_the_next():
    # Nesting deep enough to exhaust Python's recursion left the parser broken:
    # every later render in that thread came out as unformatted text.
    render_markdown("1. " * 5000)
    assert "<em>it</em>" in render_markdown("*it*")


# Random mixes of markdown's metacharacters, each piece repeated so that runs
# (the shapes that blow up) are likely, ~20 KB each. Quick: 30 examples. Timed
# examples are not kept for the next run, nor replayed under Hypothesis's
# tracer (which would slow them past their bound).
METACHARACTERS = [*"[]()<>!*_`~\\&#|-=:^ \t\n\"'/", "\n\n", "    ", "- ", "1. ", "> ", "```",
                  "[^", "](", "<a ", "</", "<!--", "&amp;", "a", "x y"]
UNITS = st.lists(st.sampled_from(METACHARACTERS), min_size=1, max_size=6).map("".join)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          database=None, phases=[Phase.explicit, Phase.generate, Phase.shrink])
@given(st.lists(UNITS, min_size=1, max_size=3))
def test_render_time_per_kb_stays_bounded_for_any_mix_of_metacharacters(units):
    share = 20_000 // len(units)
    text = "".join(unit * (share // len(unit)) for unit in units)
    kb = max(len(text), 1000) / 1000
    assert_inert(rendered_within(text, CPU_PER_KB * kb))


# Markdown under the limits renders exactly as Python-Markdown renders it.
PLAIN = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS,
                          output_format="html")
NORMAL = [
    MARKDOWN_EXAMPLE,
    "# Title\n\nSome *emphasis*, **strong**, `code`, ~~gone~~ and a [link](https://e.com \"t\").\n",
    "- one\n- two\n    - nested [with a link](https://e.com/a_(b))\n\n1. first\n2. second\n",
    "- [x] done\n- [ ] todo\n\n> quoted\n> > twice\n\n---\n\nSetext\n======\n",
    "| a | b |\n|:--|--:|\n| 1 | 2 |\n| `x|y` | [z][ref] |\n\n[ref]: https://e.com\n",
    "Footnotes[^1] and again[^1], and another[^n].\n\n[^1]: First.\n[^n]: Second.\n",
    "![alt](https://e.com/i.png) [![img](https://e.com/i.png)](https://e.com)\n\n<details>\n"
    "<summary>More</summary>\n\nInside.\n\n</details>\n",
    "```python\ndef f():\n    return [1, 2]\n```\n\n    indented code\n\nText with \\[escaped] "
    "[brackets] and [unclosed and a < b > c & d.\n",
    "Tricky [a [b] c](https://e.com) and [[nested]] and <span>raw</span> html <br>.\n",
]


@pytest.mark.parametrize("source", NORMAL)
def test_normal_markdown_renders_as_plain_python_markdown_does(source):
    assert render_markdown(source) == sanitise(PLAIN.reset().convert(source))
