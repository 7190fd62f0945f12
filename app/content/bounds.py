"""Limits that keep rendering untrusted markdown about linear in the size of the input.

Candidates' answers, reviewers' notes and the anonymous preview are rendered
with Python-Markdown, which was written for trusted documents. On some shapes
of input its work grows with the square of the input or worse, so that a
200 KB answer could hold a worker for minutes to hours:

* every ``[`` of a run scans to the end of its paragraph for a ``]``, every
  ``[a](`` to the end for a ``)``, every unpaired run of backticks for its
  closing run;
* a block of many short lines (headings, rules, setext headings, link
  definitions) is split one line at a time, and each split searches, splits
  or copies the whole rest of the block, and moves every other block;
* each inline match (emphasis, an entity, a raw tag) rebuilds the whole
  paragraph's string, and raw HTML strings are appended to it one by one;
* footnote numbers and repeated references are counted through lists;
* the raw-HTML scanner looks for the end of a tag from every ``<`` of
  ``<a <a <a ...``, and for the close of every open inline tag at every
  comment;
* html5ever, inside the sanitiser, looks through all open elements for most
  tags, and thousands can be open;
* every nested list item or quote parses its text again, and deep nesting
  exhausts Python's recursion (which also left the parser broken for every
  later render in that thread);
* every fenced code block pays for a Pygments formatter, and some lexers
  spend ~15 µs per character.

``BoundedWork`` is a Python-Markdown extension, and ``bounded_html`` a pass
over its output, that deal with each of these in one of two ways. Where an
algorithm can be made linear without changing its result, it is: block
searches remember where their match lies in the rest of a block they already
read, tables are recognised from their first two lines, the blocks left to
parse are a queue, footnotes are numbered through dicts, code spans are
paired through an index of backtick runs, a ``[`` that cannot start a link is
set aside once rather than tried by every link processor. Where no honest
document comes near a limit, the input past it is shown as its source text
instead of being parsed; the limits are below, each with the reason for its
size. A few inputs no one writes on purpose also render differently: a
link's destination and title end before the next ``](``, a link whose title
never closes is not a link, and an unclosable ``[`` inside a footnote label
no longer hides the label. Everything else renders exactly as it does
without the extension (``tests/unit/content/test_render_hostile.py``).
"""

from __future__ import annotations

import bisect
import collections
import functools
import html
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable
from typing import Any

import markdown
import markdown.postprocessors
import markdown.preprocessors
from markdown import inlinepatterns, treeprocessors, util
from markdown.blockparser import BlockParser
from markdown.blockprocessors import SetextHeaderProcessor
from markdown.extensions import Extension
from markdown.extensions.footnotes import RE_REF_ID, FootnoteExtension, FootnoteInlineProcessor
from markdown.extensions.tables import TableProcessor
from markdown.htmlparser import HTMLExtractor, inner_blank_line_re
from markdown.preprocessors import HtmlBlockPreprocessor
from pymdownx.delimiterprocessor import DelimiterProcessor as PymdownxDelimiterProcessor
from pymdownx.superfences import SuperFencesBlockPreprocessor, SuperFencesCodeExtension

# Containers (list items, block quotes) nested deeper than this are not parsed:
# their text is shown as source. Each level parses the text inside it again,
# and a few hundred levels exhaust Python's recursion. Real answers nest lists
# four or five deep. (The count includes the few levels a block can go through
# when a heading or a rule splits it, so it is not exactly the visible depth.)
MAX_NESTING = 24

# A ``[`` whose ``]`` comes only after more than this many ``[`` nested inside
# it is plain text, not the start of a link, image or reference. Looking for
# the ``]`` then costs a bounded number of steps per ``[``.
MAX_BRACKET_DEPTH = 16

# Running text (a paragraph, a list item, a table cell) longer than this is
# parsed for inline markup in pieces of at most this many characters, cut at a
# line end or a space. Every inline match rebuilds its piece, so a long dense
# paragraph costs (matches x piece) rather than (matches x paragraph). Markup
# that spans a cut is not joined; no honest paragraph is this long.
INLINE_PIECE = 16_000

# A raw-HTML tag must end within this many characters, or its ``<`` is text,
# and the scanner looks this far ahead for the close of an open inline tag.
# It otherwise looks for the end of a tag from every ``<``, to the end of the
# document. Real tags, attributes included, are far shorter.
MAX_HTML_TAG = 512

# The HTML handed to the sanitiser keeps at most this many elements open, and
# no tag has more than MAX_HTML_ATTRIBUTES attributes: a start tag beyond
# either is shown as text. html5ever (inside nh3) looks through the open
# elements for most tags, so 40,000 nested <div> or <ul> from raw HTML cost it
# seconds, and it compares each attribute of a tag with the others. Markdown
# itself nests no deeper than about twice MAX_NESTING and writes at most four
# attributes to a tag.
MAX_HTML_NESTING = 128
MAX_HTML_ATTRIBUTES = 64

# A document is parsed into at most this many blocks (headings, paragraphs,
# list items, rules...) and this many inline pieces (emphasis, links, code,
# entities, raw tags...); whatever comes after is shown as its source text.
# Each costs Python-Markdown some 20 to 40 µs, so a document of nothing but
# two-character headings or one-character emphasis would otherwise cost
# seconds. A 200 KB document of ordinary prose, lists, tables and code makes
# about 5,000 of each.
MAX_BLOCKS = 15_000
MAX_INLINE = 15_000

# Emphasis, strikethrough and subscript pair a delimiter (``*``, ``_``, ``~``)
# by walking the delimiters after it until its stack empties; one that never
# pairs (a subscript may not span a space, so ``a a~a a~...``) walks to the end
# of the text, and so does the next. The walks in one text may visit at most
# this many delimiters for each delimiter in it (plus a few hundred); past
# that, its remaining delimiters stay as they are written. An opener that
# pairs visits little more than its closer.
DELIMITER_VISITS = 2

# Fenced code blocks are syntax-highlighted until a document has used either
# budget; later blocks are shown as plain code. Pygments builds a formatter per
# block (about 1 ms) and some lexers take ~15 µs per character.
MAX_HIGHLIGHTED_BLOCKS = 100
MAX_HIGHLIGHTED_CHARS = 50_000


class BoundedWork(Extension):
    """Bound Python-Markdown's work on hostile input; see the module docstring.

    Register it after every other extension: it adjusts their processors.
    """

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Python-Markdown's API
        md.registerExtension(self)
        self.md = md
        md.parser.__class__ = _BoundedBlockParser
        blocks = md.parser.blockprocessors
        # Searches of the whole block that processors repeat on each rest.
        blocks["hashheader"].RE = _SuffixSearch(blocks["hashheader"].RE)
        blocks["hr"].SEARCH_RE = _SuffixSearch(blocks["hr"].SEARCH_RE)
        blocks["quote"].RE = _SuffixSearch(blocks["quote"].RE)
        blocks["reference"].RE = _SuffixSearch(blocks["reference"].RE)
        blocks["footnote"].RE = _SuffixSearch(blocks["footnote"].RE)
        _replace(blocks, "table", _Table(md.parser, blocks["table"].config))
        _replace(blocks, "setextheader", _SetextHeader(md.parser))
        _replace(md.preprocessors, "html_block", _HtmlBlock(md))
        _extend(md.preprocessors["fenced_code_block"], _Fences)
        self.footnotes = next(extension for extension in md.registeredExtensions
                              if isinstance(extension, FootnoteExtension))
        _extend(self.footnotes, _Footnotes)
        self.footnote_refs = _FootnoteRefs(md.inlinePatterns["footnote"].pattern, self.footnotes)
        _replace(md.inlinePatterns, "footnote", self.footnote_refs)
        for name in ("reference", "link", "image_link", "image_reference", "short_reference",
                     "short_image_ref"):
            old = md.inlinePatterns[name]
            _replace(md.inlinePatterns, name, _bounded_link_class(type(old))(old.pattern, md))
        _replace(md.inlinePatterns, "backtick", _CodeSpans(md.inlinePatterns["backtick"].pattern))
        for pattern in md.inlinePatterns:
            for subclass in (_BoundedEmphasis, _BoundedTildes):
                if type(pattern) is subclass.__bases__[-1]:
                    _extend(pattern, subclass)
        inline = _BoundedInline(md)
        _replace(md.treeprocessors, "inline", inline)
        md.preprocessors.register(_ChooseMark(md, inline), "bounded_mark", 40)
        md.postprocessors.register(_RestoreMark(md, inline), "bounded_mark", 0)
        self.highlight = _HighlightBudget(md)

    def reset(self) -> None:
        """Start a document: fresh highlighting budget, footnote numbers, search memories."""
        self.highlight.reset()
        self.md.parser.blocks_left = MAX_BLOCKS
        self.footnotes.footnote_order = _IndexedList(self.footnotes.footnote_order)
        self.footnotes.last_refs = {}
        self.footnote_refs.positions = {}
        for processor in self.md.parser.blockprocessors:
            for value in vars(processor).values():
                if isinstance(value, _SuffixSearch):
                    value.forget()


def _replace(registry: util.Registry, name: str, item: Any) -> None:
    """Register ``item`` in place of the processor called ``name``, at the same priority."""
    # Registry has no public way to read an item's priority.
    priority = next(entry.priority for entry in registry._priority if entry.name == name)
    registry.register(item, name, priority)


def _extend(item: Any, subclass: type) -> None:
    """Give ``item``, an instance of ``subclass``'s last base, the subclass's methods.

    Its state stays: for processors that other objects hold on to, so cannot be replaced.
    """
    base = subclass.__bases__[-1]
    if type(item) is not base:
        raise TypeError(f"expected a {base.__name__}, got {type(item).__name__}")
    item.__class__ = subclass


# Nesting ---------------------------------------------------------------------------------


class _BoundedBlockParser(BlockParser):
    """The block parser, nesting at most MAX_NESTING deep and parsing at most MAX_BLOCKS blocks.

    Set as the class of the Markdown instance's parser, whose processors all
    hold a reference to it; it adds a depth and a count of blocks left.
    """

    depth = 0
    blocks_left = MAX_BLOCKS  # reset for each document

    def parseBlocks(self, parent: etree.Element, blocks: list[str]) -> None:  # noqa: N802
        if self.depth >= MAX_NESTING:
            self._as_source(parent, blocks)
            return
        self.depth += 1
        try:
            if len(blocks) > _BlockQueue.FROM:
                queue = _BlockQueue(blocks)
                blocks.clear()
                blocks = queue  # type: ignore[assignment]
            # Python-Markdown's loop, counting the blocks.
            while blocks:
                if self.blocks_left <= 0:
                    self._as_source(parent, blocks)
                    return
                self.blocks_left -= 1
                for processor in self.blockprocessors:
                    if (processor.test(parent, blocks[0])
                            and processor.run(parent, blocks) is not False):
                        break
        finally:
            self.depth -= 1


    def _as_source(self, parent: etree.Element, blocks: Any) -> None:
        """Show the blocks left, unparsed, as their source text (the limits' way out).

        As the text of an empty container (a list item, a quote), else in a ``pre``.
        """
        left = []
        while blocks:
            left.append(blocks.pop(0))
        text = "\n\n".join(left)
        if not text.strip():
            return
        if parent is not self.root and not len(parent) and not parent.text:
            parent.text = util.AtomicString(text)
        else:
            etree.SubElement(parent, "pre").text = util.AtomicString(text)


class _BlockQueue:
    """The blocks left to parse, taken from and put back at the front in constant time.

    Processors take ``blocks.pop(0)`` and put rests back with
    ``blocks.insert(0, ...)``; on a list each of those moves every other block,
    which is quadratic in a document of many blocks. This keeps them in reverse.
    It offers only what processors use: the front, popping it, inserting there.
    """

    FROM = 64  # shorter lists are fine as they are

    def __init__(self, blocks: list[str]) -> None:
        self.reversed = blocks[::-1]

    def __len__(self) -> int:
        return len(self.reversed)

    def __getitem__(self, index: int) -> str:
        return self.reversed[self._front(index)]

    def __setitem__(self, index: int, block: str) -> None:
        self.reversed[self._front(index)] = block

    def pop(self, index: int) -> str:
        return self.reversed.pop(self._front(index))

    def insert(self, index: int, block: str) -> None:
        self._front(index)
        self.reversed.append(block)

    def _front(self, index: int) -> int:
        if index != 0:
            raise IndexError("blocks are only taken from the front")
        return -1


# Blocks ----------------------------------------------------------------------------------


class _SuffixSearch:
    """``pattern.search(block)`` for a block and the rests split off it, in linear total time.

    A processor that splits a block puts the rest back to be tested again, and
    tests that search the whole block so read a block of n lines n times. The
    rest is the end of the block it came from, starting at a line, so the first
    match in it is where the first match in the block was, if that lies in the
    rest; and there is none if there was none. A few blocks are remembered,
    because a processor may parse the lines before its match first.

    Only for patterns whose matches depend on nothing before them but whether
    they start a line. Every other attribute is the pattern's own.
    """

    KEEP = 4

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.seen: list[tuple[str, int]] = []  # (block, start of its first match or -1)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pattern, name)

    def forget(self) -> None:
        self.seen.clear()

    def search(self, block: str) -> re.Match[str] | None:
        for known, first in self.seen:
            cut = len(known) - len(block)
            if cut < 0 or 0 <= first < cut or (cut and known[cut - 1] != "\n"):
                continue  # not a rest of that block, or its match lies before the rest
            if known.endswith(block):
                return None if first < 0 else self.pattern.search(block, first - cut)
        found = self.pattern.search(block)
        self.seen.insert(0, (block, found.start() if found else -1))
        del self.seen[self.KEEP:]
        return found


class _Table(TableProcessor):
    """Recognises a table from its first two lines, not by splitting the whole block.

    Only a one-column table needs more: each of its rows must show a pipe; those
    are read one line at a time and the first row without one settles it. Each
    row counts as a block against MAX_BLOCKS; rows past it are left for the
    parser, which shows them as source.
    """

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        left = max(self.parser.blocks_left, 0)
        block = blocks.pop(0)
        cut = -1
        for _ in range(left + 2):  # the header, the separator, and the rows left
            cut = block.find("\n", cut + 1)
            if cut < 0:
                break
        if cut >= 0:  # more rows than blocks left: the rest goes back
            blocks.insert(0, block[cut + 1:])
            block = block[:cut]
        blocks.insert(0, block)
        self.parser.blocks_left -= block.count("\n") - 1
        super().run(parent, blocks)

    def test(self, parent: etree.Element, block: str) -> bool:
        lines = block.split("\n", 2)
        if not super().test(parent, "\n".join(lines[:2])):
            return False
        if len(self.separator) > 1 or len(lines) < 3:
            return True
        rest, start = lines[2], 0
        while start <= len(rest):
            end = rest.find("\n", start)
            end = len(rest) if end < 0 else end
            row = rest[start:end].strip(" ")
            if not row.startswith("|") and self.RE_END_BORDER.search(row) is None:
                return False
            start = end + 1
        return True


class _SetextHeader(SetextHeaderProcessor):
    """A setext heading takes the block's first two lines; only those are split off."""

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        title, underline, *rest = blocks.pop(0).split("\n", 2)
        heading = etree.SubElement(parent, "h1" if underline.startswith("=") else "h2")
        heading.text = title.strip()
        if rest:
            blocks.insert(0, rest[0])


class _HtmlBlock(HtmlBlockPreprocessor):
    def run(self, lines: list[str]) -> list[str]:
        parser = _BoundedHtmlExtractor(self.md)
        parser.feed("\n".join(lines))
        parser.close()
        return "".join(parser.cleandoc).split("\n")


class _OpenTags(list):
    """Tag names in the order they were opened, answering ``in`` from counts, not a scan."""

    def __init__(self, tags: Any = ()) -> None:
        super().__init__(tags)
        self.counts = collections.Counter(self)

    def append(self, tag: str) -> None:
        super().append(tag)
        self.counts[tag] += 1

    def pop(self, index: int = -1) -> str:
        tag = super().pop(index)
        self.counts[tag] -= 1
        return tag

    def __contains__(self, tag: object) -> bool:
        return self.counts[tag] > 0


class _OpenTagsAttribute:
    """An attribute that turns whatever list is assigned to it into _OpenTags."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        return self if instance is None else getattr(instance, self.slot)

    def __set__(self, instance: Any, value: list[str]) -> None:
        setattr(instance, self.slot, _OpenTags(value))


_CLOSING_TAG = re.compile(r"</\s*([^\s>]+)\s*>")


class _BoundedHtmlExtractor(HTMLExtractor):
    """Python-Markdown's raw-HTML scanner, with bounded reads.

    A tag is read for at most MAX_HTML_TAG characters. The open tags it keeps
    are asked ``tag in stack`` on every end tag, which is a scan of the list:
    here a count. And for a comment inside an open inline tag it looks ahead,
    for the rest of the paragraph and once per open tag, for that tag's close;
    here it reads at most MAX_HTML_TAG characters ahead, once.
    """

    stack = _OpenTagsAttribute()
    inline_stack = _OpenTagsAttribute()

    def inline_close_follows(self, text: str) -> bool:
        if not self.inline_stack:
            return False
        start = self.line_offset + self.offset + len(text)
        ahead = inner_blank_line_re.split(self.rawdata[start:start + MAX_HTML_TAG], 1)[0]
        closed = {found.group(1).lower() for found in _CLOSING_TAG.finditer(ahead)}
        return any(tag in self.inline_stack for tag in closed)

    def check_for_whole_start_tag(self, i: int) -> int:
        whole = self.rawdata
        if len(whole) - i <= MAX_HTML_TAG:
            return super().check_for_whole_start_tag(i)
        if whole.find(">", i, i + MAX_HTML_TAG) < 0:
            return -1  # cannot end in reach: "<" is text
        # The same check on the next MAX_HTML_TAG characters only: a tag that
        # has not ended by then is "incomplete", and its "<" becomes text.
        self.rawdata = whole[i:i + MAX_HTML_TAG]
        try:
            end = super().check_for_whole_start_tag(0)
        finally:
            self.rawdata = whole
        return end + i if end >= 0 else end

    def parse_endtag(self, i: int) -> int:
        whole = self.rawdata
        if len(whole) - i > MAX_HTML_TAG and whole.find(">", i, i + MAX_HTML_TAG) < 0:
            # No ">" in reach: "</" is text, as Python-Markdown makes it when there is none.
            self.handle_data(whole[i:i + 2])
            return i + 2
        return super().parse_endtag(i)


class _Fences(SuperFencesBlockPreprocessor):
    """Puts a document's fenced blocks back in one pass, not by copying all lines per block."""

    def reassemble(self, lines: list[str]) -> list[str]:
        spans = self.stack  # (placeholder, first line, line after), in document order
        if any(before[2] > after[1] for before, after in zip(spans, spans[1:], strict=False)):
            return super().reassemble(lines)  # overlapping: never seen, but keep the original
        result, last = [], 0
        for placeholder, start, end in spans:
            result.extend(lines[last:start])
            result.append(placeholder)
            last = end
        result.extend(lines[last:])
        self.stack = []
        return result


# Links -----------------------------------------------------------------------------------

_BRACKET = re.compile(r"[\[\]]")


def _bounded_link_class(base: type[inlinepatterns.LinkInlineProcessor]) -> type:
    """``base`` (a link, image or reference processor) with bounded scans for ``]`` and ``)``."""

    class Bounded(base):  # type: ignore[valid-type, misc]
        def getText(self, data: str, index: int) -> tuple[str, int, bool]:  # noqa: N802
            # Python-Markdown's own count of nested brackets, skipping other
            # characters in C and giving up past MAX_BRACKET_DEPTH.
            depth = 1
            for bracket in _BRACKET.finditer(data, index):
                if bracket.group() == "[":
                    depth += 1
                    if depth > MAX_BRACKET_DEPTH:
                        break
                else:
                    depth -= 1
                    if depth == 0:
                        return data[index:bracket.start()], bracket.end(), True
            return "", index, False

        def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:  # noqa: N802
            if not data.startswith("(", index):
                return "", None, index, False
            # The destination and title end before the next "](": each link
            # then reads its own stretch of the paragraph, not the rest of it.
            stop = data.find("](", index)
            window = data[index:] if stop < 0 else data[index:stop]
            href, title, end, handled = super().getLink(window, 0)
            if end < 0:
                # An unclosed title whose ")" never comes: Python-Markdown then
                # takes the rest of the text but one character as the link.
                return "", None, index, False
            return href, title, end + index, handled

    Bounded.__name__ = Bounded.__qualname__ = f"Bounded{base.__name__}"
    return Bounded


def closable_brackets(data: str, mark: str) -> str:
    """``data`` with every ``[`` that cannot start a link replaced by ``mark``.

    A ``[`` starts a link only if its ``]`` follows with at most
    MAX_BRACKET_DEPTH brackets nested in between (the same count the link
    processors make). Setting the others aside up front spares every link,
    image and reference processor a scan from each of them: a run of 200,000
    ``[`` otherwise costs each processor 200,000 calls.
    """
    if "[" not in data:
        return data
    hopeless: list[int] = []
    stack: list[list[int]] = []  # [position, height, highest height reached while open]
    for bracket in _BRACKET.finditer(data):
        if bracket.group() == "[":
            height = len(stack) + 1
            stack.append([bracket.start(), height, height])
        elif stack:
            position, height, highest = stack.pop()
            if highest - height + 1 > MAX_BRACKET_DEPTH:
                hopeless.append(position)
            if stack:
                stack[-1][2] = max(stack[-1][2], highest)
    hopeless.extend(position for position, _, _ in stack)
    if not hopeless:
        return data
    hopeless.sort()
    pieces, last = [], 0
    for position in hopeless:
        pieces.append(data[last:position])
        pieces.append(mark)
        last = position + 1
    pieces.append(data[last:])
    return "".join(pieces)


def unused_character(text: str) -> str:
    """A character that is not in ``text``: a private-use one if there is one, else STX-91-ETX.

    It stands in for a ``[`` that cannot start a link: no pattern knows it and,
    like ``[``, it is neither a word character nor a space, which is all the
    emphasis patterns look at. The output turns it back into ``[``.
    """
    if _PRIVATE_USE[0] not in text:
        return _PRIVATE_USE[0]
    used = set(text)
    # More private-use characters than the largest answer could hold.
    return next((c for c in _PRIVATE_USE if c not in used), f"{util.STX}{ord('[')}{util.ETX}")


_PRIVATE_USE = "".join(map(chr, range(0xE000, 0xF900)))


class _ChooseMark(markdown.preprocessors.Preprocessor):
    """Picks, for each document, the character that stands in for hopeless ``[``."""

    def __init__(self, md: markdown.Markdown, inline: _BoundedInline) -> None:
        super().__init__(md)
        self.inline = inline

    def run(self, lines: list[str]) -> list[str]:
        self.inline.mark = unused_character("\n".join(lines))
        return lines


class _RestoreMark(markdown.postprocessors.Postprocessor):
    def __init__(self, md: markdown.Markdown, inline: _BoundedInline) -> None:
        super().__init__(md)
        self.inline = inline

    def run(self, text: str) -> str:
        return text.replace(self.inline.mark, "[") if len(self.inline.mark) == 1 else text


# Code spans ------------------------------------------------------------------------------

_TICKS = re.compile("`+")


class _CodeSpans(inlinepatterns.BacktickInlineProcessor):
    """Python-Markdown's code spans, pairing runs of backticks through an index of the runs.

    Python-Markdown reads from each opening run to the end of the text for a
    closing run of the same length, so a text of many unpaired runs is read
    once per run. This finds the same closing run (or the same fallback: the
    longest later run, if shorter) in an index of the text's runs. A code span
    found changes the text only before the point where the search goes on, so
    the index stays valid for the rest, its positions shifted.
    """

    def __init__(self, pattern: str) -> None:
        super().__init__(pattern)
        self.source = ""  # the text the index describes
        self.current: str | None = None  # a text known to end like the source
        self.starts: list[int] = []
        self.by_length: dict[int, list[int]] = {}
        self.longest: list[tuple[int, int]] = []  # from each run on: (length, start) of the longest

    def find_code_spans(self, start: int, text: str) -> tuple[int, int | None]:
        ticks = _TICKS.match(text, start).end() - start
        shift = self._shift(text, start)
        after = start + ticks - shift  # the end of the opening run, in the source
        same = self.by_length.get(ticks, ())
        found = bisect.bisect_right(same, after)
        if found < len(same):
            return start + ticks, same[found] + shift
        later = bisect.bisect_right(self.starts, after)
        if later < len(self.starts):
            length, closing = self.longest[later]
            if length < ticks:
                return start + length, closing + shift
        return start + 2 * ticks, None

    def _shift(self, text: str, start: int) -> int:
        """How far ``text`` is shifted from the source from ``start`` on; reindex if it is not."""
        shift = len(text) - len(self.source)
        if text is not self.current and not (
                start - shift >= 0 and text.endswith(self.source[start - shift:])):
            self._index(text)
            shift = 0
        self.current = text
        return shift

    def _index(self, text: str) -> None:
        self.source = text
        runs = [(run.start(), run.end() - run.start()) for run in _TICKS.finditer(text)]
        self.starts = [position for position, _ in runs]
        self.by_length = {}
        for position, length in runs:
            self.by_length.setdefault(length, []).append(position)
        self.longest = [(0, -1)] * len(runs)
        best = (0, -1)
        for index in range(len(runs) - 1, -1, -1):
            position, length = runs[index]
            if length >= best[0]:  # the first of the longest
                best = (length, position)
            self.longest[index] = best


# Emphasis and tildes ---------------------------------------------------------------------


class _BoundedDelimiters:
    """Delimiter pairing that visits at most DELIMITER_VISITS times the delimiters of a text.

    The processor's ``search`` walks the text one character at a time to the
    next delimiter; here a regular expression jumps there, and every visit
    spends from the text's allowance (set by ``_BoundedInline`` for each text).
    Spent, ``search`` finds nothing more, as at the end of the text.
    """

    visits_left = 0

    def allow(self, text: str) -> None:
        found = sum(text.count(delimiter) for delimiter in self.delimiters)  # type: ignore[attr-defined]
        self.visits_left = DELIMITER_VISITS * found + 256

    def search(self, data: str, start: int) -> re.Match[str] | None:
        delimiters = "".join(self.delimiters)  # type: ignore[attr-defined]
        for found in _delimiter_pattern(delimiters).finditer(data, start):
            if self.visits_left <= 0:
                return None
            self.visits_left -= 1
            position = found.start()
            self._visited(position)
            delimiter = self.delimiters[data[position]]  # type: ignore[attr-defined]
            match = delimiter.boundary.match(data, position)
            if match is not None:
                if not delimiter.stack and match.lastgroup[0] == "e":
                    continue  # a closer with nothing open
                return match
        return None

    def _visited(self, position: int) -> None:
        pass


class _BoundedEmphasis(_BoundedDelimiters, inlinepatterns.DelimiterProcessor):
    """Python-Markdown's emphasis (``*``, ``_``), bounded."""


class _BoundedTildes(_BoundedDelimiters, PymdownxDelimiterProcessor):
    """pymdownx's strikethrough and subscript (``~``), bounded; it records where delimiters are."""

    def _visited(self, position: int) -> None:
        self.positions.append(position)


@functools.lru_cache(maxsize=8)
def _delimiter_pattern(delimiters: str) -> re.Pattern[str]:
    return re.compile(f"[{re.escape(delimiters)}]")


# Inline text -----------------------------------------------------------------------------


class _BoundedInline(treeprocessors.InlineProcessor):
    """The inline treeprocessor, cutting long text into pieces and setting hopeless ``[`` aside.

    Python-Markdown applies its inline patterns to each text in
    ``__handleInline``; this override applies the code-span and escape
    patterns itself, replaces the ``[`` that cannot start a link (code and
    escaped characters are out of the way by then) and lets the original go on
    from there, unless no pattern could match: looking is cheaper than the
    original's bookkeeping per pattern, which dominates texts such as table
    cells.
    """

    mark = f"{util.STX}{ord('[')}{util.ETX}"  # set per document by _ChooseMark
    patterns: list[inlinepatterns.Pattern] = []
    searches: list[Callable[..., re.Match[str] | None]] = []
    delimiters: list[_BoundedDelimiters] = []
    links = 0  # the index of the first pattern after code spans and escapes

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        self.patterns = list(self.inlinePatterns)
        self.searches = [pattern.getCompiledRegExp().search for pattern in self.patterns]
        self.links = self.inlinePatterns.get_index_for_name("escape") + 1
        self.delimiters = [p for p in self.patterns if isinstance(p, _BoundedDelimiters)]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802,N803
        if isinstance(data, util.AtomicString):
            return data
        if len(self.stashed_nodes) >= MAX_INLINE:
            return util.AtomicString(data)  # shown as it is
        if patternIndex == 0 and len(data) > INLINE_PIECE:
            return "".join(self._InlineProcessor__handleInline(piece, 0) for piece in _pieces(data))
        if patternIndex == 0:  # a text of the document (not one inside an inline element)
            for processor in self.delimiters:
                processor.allow(data)
        if patternIndex < self.links:
            start = 0
            while patternIndex < self.links:  # code spans and escapes, as the original does
                matched = False
                if self.searches[patternIndex](data, start):
                    data, matched, start = self._InlineProcessor__applyPattern(  # type: ignore[attr-defined]
                        self.patterns[patternIndex], data, patternIndex, start)
                if not matched:
                    patternIndex += 1
                    start = 0
            data = closable_brackets(data, self.mark)
        for search in self.searches[patternIndex:]:
            if search(data):
                break
        else:
            return data  # no pattern can match
        return self._strings_in_place(
            super()._InlineProcessor__handleInline(data, patternIndex))  # type: ignore[misc]

    def _strings_in_place(self, data: str) -> str:
        """``data`` with the placeholders of plain strings (raw HTML, entities) replaced by them.

        Python-Markdown appends each such string to the text before it one at
        a time, copying that text each time: quadratic in a paragraph of many
        raw tags. Here they are part of the text already.
        """
        if util.INLINE_PLACEHOLDER_PREFIX not in data:
            return data

        def string(found: re.Match[str]) -> str:
            node = self.stashed_nodes.get(found.group(1))
            return node if isinstance(node, str) else found.group()

        return util.INLINE_PLACEHOLDER_RE.sub(string, data)


def _pieces(text: str) -> list[str]:
    """``text`` cut into pieces of at most INLINE_PIECE characters, at a line end or a space."""
    pieces, start = [], 0
    while len(text) - start > INLINE_PIECE:
        limit = start + INLINE_PIECE
        cut = text.rfind("\n", start + 1, limit)
        if cut < 0:
            cut = text.rfind(" ", start + 1, limit)
        if cut < 0:
            cut = limit
            # Never inside a placeholder (STX ... ETX) or right after a backslash.
            opened = text.rfind(util.STX, start, cut)
            if opened > text.rfind(util.ETX, start, cut):
                closed = text.find(util.ETX, cut)
                cut = closed + 1 if closed >= 0 else len(text)
        # Backslashes pair up from the start of their run: cut after an even number.
        run = cut - start - len(text[start:cut].rstrip("\\"))
        if run % 2 and cut - 1 > start:
            cut -= 1
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


# Footnotes -------------------------------------------------------------------------------


class _IndexedList(list):
    """The footnotes' reference order, answering ``in`` and ``index`` from a dict.

    Python-Markdown looks up each footnote reference's number with
    ``list.index``: quadratic in the number of footnotes.
    """

    def __init__(self, items: list[str] = ()) -> None:  # type: ignore[assignment]
        super().__init__()
        self.positions: dict[str, int] = {}
        for item in items:
            self.append(item)

    def append(self, item: str) -> None:
        self.positions.setdefault(item, len(self))
        super().append(item)

    def __contains__(self, item: object) -> bool:
        return item in self.positions

    def index(self, item: str, *args: Any) -> int:
        if args:
            return super().index(item, *args)
        try:
            return self.positions[item]
        except KeyError:
            raise ValueError(f"{item!r} is not in list") from None


class _Footnotes(FootnoteExtension):
    """The footnotes extension, numbering repeated references without counting up from 1.

    Python-Markdown gives the n-th reference to one footnote the id
    ``fnref<n>:`` by trying ``fnref:``, ``fnref2:`` ... in turn: quadratic in
    the number of references. This starts from the last id it gave. And each
    definition counts as a block against MAX_BLOCKS: it becomes a list item
    with a link back besides its own text.
    """

    last_refs: dict[str, str]  # a first reference id -> the last id given for it; per document

    def setFootnote(self, id: str, text: str) -> None:  # noqa: A002, N802 - Python-Markdown's API
        self.parser.blocks_left -= 1
        super().setFootnote(id, text)

    def unique_ref(self, reference: str, found: bool = False) -> str:
        if not found:
            return reference
        candidate = self.last_refs.get(reference, reference)
        separator = self.get_separator()
        while candidate in self.used_refs:
            head, rest = candidate.split(separator, 1)
            numbered = RE_REF_ID.match(head)
            head = (f"{numbered.group(1)}{int(numbered.group(2)) + 1}" if numbered
                    else f"{head}2")
            candidate = f"{head}{separator}{rest}"
        self.used_refs.add(candidate)
        self.last_refs[reference] = candidate
        self.found_refs[reference] = self.found_refs.get(reference, 0) + 1
        return candidate


class _FootnoteRefs(FootnoteInlineProcessor):
    """Footnote references, numbered from a dict of positions instead of ``list.index``."""

    def __init__(self, pattern: str, footnotes: FootnoteExtension) -> None:
        super().__init__(pattern, footnotes)
        self.positions: dict[str, int] = {}

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Any, int | None, int | None]:  # noqa: N802
        footnotes = self.footnotes
        id_ = m.group(1)
        if id_ not in footnotes.footnotes:
            return None, None, None
        footnotes.addFootnoteRef(id_)
        if footnotes.getConfig("USE_DEFINITION_ORDER"):
            if len(self.positions) != len(footnotes.footnotes) or id_ not in self.positions:
                self.positions = {key: index for index, key in enumerate(footnotes.footnotes)}
            number = self.positions[id_] + 1
        else:
            number = footnotes.footnote_order.index(id_) + 1
        sup = etree.Element("sup")
        sup.set("id", footnotes.makeFootnoteRefId(id_, found=True))
        link = etree.SubElement(sup, "a")
        link.set("href", "#" + footnotes.makeFootnoteId(id_))
        link.set("class", "footnote-ref")
        link.text = footnotes.getConfig("SUPERSCRIPT_TEXT").format(number)
        return sup, m.start(0), m.end(0)


# Code highlighting -----------------------------------------------------------------------


class _HighlightCache:
    """Highlighted fences by their source and options, least recently used out past a size.

    An autosave renders the whole answer again, but between two saves most of
    its code blocks are the same: Pygments (about half of rendering an answer
    with code) runs only for the blocks that changed. Shared by the renderers
    of every thread; bounded by the characters it holds.
    """

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.chars = 0
        self._items: collections.OrderedDict[tuple, str] = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple, value: str) -> None:
        size = len(key[0]) + len(value)
        if size > self.max_chars:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self.chars += size
            while self.chars > self.max_chars:
                old_key, old_value = self._items.popitem(last=False)
                self.chars -= len(old_key[0]) + len(old_value)


HIGHLIGHTED = _HighlightCache(max_chars=8_000_000)


def _fence_key(src: str, kwargs: dict[str, Any]) -> tuple:
    """What a fence's highlighted HTML depends on (the parser instance aside)."""
    # Line numbers and line anchors are off (the renderer's configuration), so
    # a block's position in the document changes nothing in its HTML.
    return (src, kwargs.get("language", ""), kwargs.get("class_name", ""),
            tuple(sorted((kwargs.get("options") or {}).items())),
            tuple(kwargs.get("classes") or ()), kwargs.get("id_value", ""),
            tuple(sorted((kwargs.get("attrs") or {}).items())))


class _HighlightBudget:
    """Highlights fenced code until the document's budget is spent, then shows it plain."""

    def __init__(self, md: markdown.Markdown) -> None:
        fences = next(extension for extension in md.registeredExtensions
                      if isinstance(extension, SuperFencesCodeExtension))
        # The default fence (any language but the custom ones, such as mermaid).
        default = fences.superfences[0]
        self.highlight: Callable[..., str] = default["formatter"]
        default["formatter"] = self.format
        self.reset()

    def reset(self) -> None:
        self.blocks = MAX_HIGHLIGHTED_BLOCKS
        self.chars = MAX_HIGHLIGHTED_CHARS

    def format(self, src: str = "", **kwargs: Any) -> str:
        if self.blocks > 0 and len(src) <= self.chars:
            self.blocks -= 1
            self.chars -= len(src)
            key = _fence_key(src, kwargs)
            highlighted = HIGHLIGHTED.get(key)
            if highlighted is None:
                highlighted = self.highlight(src=src, **kwargs)
                HIGHLIGHTED.put(key, highlighted)
            return highlighted
        # The markup Pygments gives code without a language.
        code = html.escape(src if src.endswith("\n") else src + "\n", quote=False)
        return f'<div class="highlight"><pre><span></span><code>{code}</code></pre></div>'


# The HTML for the sanitiser --------------------------------------------------------------

_HTML_SPACE = "\\t\\n\\f\\r "
# html5ever's tokenizer, as far as where each construct ends: a tag's attribute
# values are quoted only right after "=", and only quoted values may hold ">".
# Possessive and atomic, so each match is linear; a tag that never ends runs to
# the end of the input, where html5ever drops it.
_MARKUP = re.compile(rf"""<(?:
    (?P<comment>!--(?:>|->|.*?--!?>|.*\Z))
  | (?P<declaration>[!?][^>]*+(?:>|\Z))
  | (?P<ignored>/>|/(?![A-Za-z])[^>]*+(?:>|\Z))
  | (?P<end>/)?(?P<name>[A-Za-z][^{_HTML_SPACE}/>]*+)
    (?P<rest>(?>(?:[{_HTML_SPACE}/]++
       | [^{_HTML_SPACE}/>][^{_HTML_SPACE}/=>]*+
         (?:[{_HTML_SPACE}]*+=[{_HTML_SPACE}]*+
            (?:"[^"]*+(?:"|\Z)|'[^']*+(?:'|\Z)|[^{_HTML_SPACE}>"'][^{_HTML_SPACE}>]*+)?+)?+
    )*+))(?P<close>>)?
)""", re.X | re.S)
# A tag as Markdown writes it: a lowercase name, a few double-quoted attributes
# without "<" or ">". The grammar above reads it the same way. Not the
# elements whose content is text, nor those shown as text.
_PLAIN_TAG = re.compile(r"""<(/?)(?!(?:script|style|xmp|iframe|noembed|noframes|noscript|textarea
    |title|svg|math|select|frameset|plaintext)[\t\n\f\r />])([a-z][a-z0-9]*)
    (?:\ [a-z][a-z-]*="[^"<>]*"){0,4}/?>""", re.X)
_ATTRIBUTE = re.compile(rf"""[^{_HTML_SPACE}/>][^{_HTML_SPACE}/=>]*+
    (?:[{_HTML_SPACE}]*+=[{_HTML_SPACE}]*+
       (?:"[^"]*+"?|'[^']*+'?|[^{_HTML_SPACE}>"'][^{_HTML_SPACE}>]*+)?+)?+""", re.X)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "image", "input", "keygen",
                   "link", "meta", "param", "source", "track", "wbr"})
# Elements whose content the tokenizer reads as text up to their end tag.
_RAW_TEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript",
                       "textarea", "title"})
_RAW_TEXT_END = {name: re.compile(rf"</{name}[{_HTML_SPACE}/>]", re.I) for name in _RAW_TEXT}
# Elements that change how the rest is tokenized or which tags count (foreign
# content, select, frameset): shown as text rather than modelled.
_AS_TEXT = frozenset({"svg", "math", "select", "frameset", "plaintext"})


def bounded_html(html: str) -> str:
    """``html`` with no element nested deeper than MAX_HTML_NESTING, for the sanitiser.

    Reads the HTML as html5ever will, keeping a stack of the elements it opens:
    a start tag pushes (but for void elements) and an end tag pops only the
    element on top of the stack. html5ever's other ways of closing elements
    (ends implied by other tags, misnesting) leave its own stack no deeper than
    this one. A start tag that would go deeper, or a tag with more than
    MAX_HTML_ATTRIBUTES attributes, gets its "<" escaped: html5ever then reads
    it as text, up to the next "<". HTML within the limits comes back unchanged.
    """
    if "<" not in html:
        return html
    out: list[str] = []
    stack: list[str] = []
    done = 0  # html[:done] has been copied to out
    position = html.find("<")
    while position >= 0:
        plain = _PLAIN_TAG.match(html, position)
        if plain and len(stack) < MAX_HTML_NESTING:  # most tags: decided without the grammar
            closing, name = plain.groups()
            if closing:
                if stack and stack[-1] == name:
                    stack.pop()
            elif name not in _VOID:
                stack.append(name)
            position = html.find("<", plain.end())
            continue
        found = _MARKUP.match(html, position)
        name = found["name"].lower() if found and found["name"] else ""
        if not name:  # text, a comment, a declaration: no element
            position = html.find("<", found.end() if found else position + 1)
            continue
        if found["close"] is None:
            break  # a tag that runs to the end of the input: html5ever drops the rest
        raw_end = (_raw_text_end(html, name, found.end())
                   if name in _RAW_TEXT and not found["end"] else None)
        if _too_many_attributes(found["rest"]) or (not found["end"] and (
                name in _AS_TEXT or raw_end == -1 or len(stack) >= MAX_HTML_NESTING)):
            out.append(html[done:position] + "&lt;")
            done = position + 1
            position = html.find("<", position + 1)
            continue
        if found["end"]:
            if stack and stack[-1] == name:
                stack.pop()
        elif name not in _VOID:
            stack.append(name)
        position = html.find("<", found.end() if raw_end is None else raw_end)
    out.append(html[done:])
    return "".join(out)


def _too_many_attributes(rest: str) -> bool:
    # Every attribute takes at least two characters: count only in long tags.
    return (len(rest) > 2 * MAX_HTML_ATTRIBUTES
            and len(_ATTRIBUTE.findall(rest)) > MAX_HTML_ATTRIBUTES)


def _raw_text_end(html: str, name: str, start: int) -> int:
    """Where the text of a ``name`` element that starts at ``start`` ends, or -1 if in doubt.

    Text runs to the first ``</name`` followed by a space, "/" or ">". In a
    script, "<!--" starts escapes that can hide that end tag; such a script is
    left as text (-1) instead of being followed through them.
    """
    end = _RAW_TEXT_END[name].search(html, start)
    stop = end.start() if end else len(html)
    if name == "script" and html.find("<!--", start, stop) >= 0:
        return -1
    return stop
