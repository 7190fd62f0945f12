"""Finding a criterion's signals in an answer, and marking them in its rendered HTML."""

from __future__ import annotations

import dataclasses
import re
from html import escape, unescape
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.content.render import TAGS, render_markdown
from app.grading.signals import (
    Match,
    find_signals,
    highlight_html,
    mark_answer,
    signals_found,
)

MARK = re.compile(r'<mark class="signal" data-signal="[^"<>]*">|</mark>')


def mark(signal: str, text: str) -> str:
    return f'<mark class="signal" data-signal="{escape(signal)}">{text}</mark>'


def strip_marks(html: str) -> str:
    return MARK.sub("", html)


class TextAndTags(HTMLParser):
    """Reads HTML back: its text, and every tag with its attributes, marks apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.marks: list[tuple[dict[str, str | None], str]] = []
        self._in_mark: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "mark":
            assert self._in_mark is None, "marks never nest"
            self._in_mark = []
            self.marks.append((dict(attrs), ""))
        else:
            self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == "mark":
            attrs, _ = self.marks[-1]
            self.marks[-1] = (attrs, "".join(self._in_mark or []))
            self._in_mark = None
        else:
            self.tags.append((f"/{tag}", []))

    def handle_data(self, data):
        self.text.append(data)
        if self._in_mark is not None:
            self._in_mark.append(data)


def read(html: str) -> TextAndTags:
    parser = TextAndTags()
    parser.feed(html)
    parser.close()
    return parser


def found(signal: str, text: str) -> bool:
    return bool(find_signals(text, [signal])[signal])


# --- matching --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signal", "text", "expected"),
    [
        # Case does not matter.
        ("redis", "We use Redis here", True),
        ("REDIS", "we use redis", True),
        ("Retry-After", "send retry-after: 30", True),
        # No match inside a longer word, at either end.
        ("ci", "a decision", False),
        ("ci", "run CI on each push", True),
        ("ci", "CI/CD", True),
        ("ci", "cicd", False),
        ("trie", "entries", False),
        ("trie", "a trie.", True),
        ("trie", "tries", False),
        ("Lua", "Lua, in Redis", True),
        ("Lua", "scripts (Lua) run", True),
        ("Lua", "Luau", False),
        ("Lua", "inLua", False),
        ("redis", "redis_client", False),
        ("redis", "redis-cluster", True),
        ("429", "HTTP 429.", True),
        ("429", "4290", False),
        ("429", "1429", False),
        ("429", "status=429", True),
        ("p99", "p99 latency", True),
        ("p99", "p999", False),
        ("p99", "(p99)", True),
        # Punctuation is literal; only a word character at an end needs a boundary there.
        ("Retry-After", "Retry After", False),
        ("X-RateLimit-*", "sets X-RateLimit-* headers", True),
        ("X-RateLimit-*", "X-RateLimit-Remaining", False),
        ("X-RateLimit-*", "X-RateLimit-**", True),
        ("O(1)", "O(1) lookups", True),
        ("O(1)", "o(1)", True),
        ("O(1)", "O(n)", False),
        ("O(1)", "O1", False),
        ("O(1)", "BigO(1)", False),
        ("key=", "key=value", True),
        ("key=", "monkey=1", False),
        ("key=", "key = value", False),
        ("a.b", "axb", False),
        ("a.b", "a.b", True),
        ("a|b", "a", False),
        ("a|b", "a|b", True),
        ("[x]", "x", False),
        ("[x]", "- [x] done", True),
        ("\\d", "1", False),
        ("\\d", "a \\d b", True),
        ("^$", "", False),
        ("c++", "C++ code", True),
        ("c++", "c code", False),
        (".NET", "ASP.NET", True),
        (".NET", ".NETwork", False),
        # Whitespace inside a signal matches any run of whitespace.
        ("token bucket", "a token bucket", True),
        ("token bucket", "a token\n  bucket", True),
        ("token bucket", "token\tbucket", True),
        ("token bucket", "token\u00a0bucket", True),
        ("token  bucket", "token bucket", True),
        ("token bucket", "tokenbucket", False),
        ("token bucket", "token-bucket", False),
        ("per user", "per-user", False),
        ("  burst  ", "a burst", True),
        # Unicode text.
        ("café", "Café au lait", True),
        ("café", "CAFÉ", True),
        ("café", "cafés", False),
        ("cafe", "café", False),
        ("cafe", "cafe\u0301", False),  # decomposed é: the accent is part of the word
        ("über", "ÜBER alles", True),
        ("naïve", "a naïve cache", True),
    ],
)
def test_signal_matching(signal, text, expected):
    assert found(signal, text) is expected


def test_matches_carry_offsets_into_the_text():
    text = "Redis, then redis\nagain: REDIS."
    matches = find_signals(text, ["redis"])["redis"]
    assert matches == [Match("redis", 0, 5), Match("redis", 12, 17), Match("redis", 25, 30)]
    assert [text[m.start : m.end] for m in matches] == ["Redis", "redis", "REDIS"]


def test_a_phrase_match_covers_the_whitespace_it_spans():
    text = "use a token \n\t bucket here"
    [match] = find_signals(text, ["token bucket"])["token bucket"]
    assert text[match.start : match.end] == "token \n\t bucket"


def test_every_signal_is_a_key_in_the_given_order():
    result = find_signals("only redis", ["lua", "redis", "429", "Redis"])
    assert list(result) == ["lua", "redis", "429", "Redis"]
    assert result["lua"] == [] and result["429"] == []
    assert result["Redis"] == [Match("Redis", 5, 10)]


def test_empty_and_blank_signals_are_ignored_and_repeats_kept_once():
    result = find_signals("redis", ["", "  ", "\n", "redis", "redis"])
    assert result == {"redis": [Match("redis", 0, 5)]}


def test_a_signal_keeps_its_spelling_in_keys_and_matches():
    assert find_signals("a burst", [" burst "]) == {" burst ": [Match(" burst ", 2, 7)]}


def test_no_signals_no_keys():
    assert find_signals("anything", []) == {}


def test_match_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Match("x", 0, 1).start = 2  # type: ignore[misc]


def test_signals_found_keeps_the_given_order():
    text = "Return 429 with Retry-After; limits live in Redis, updated by Lua."
    signals = ["lua", "burst", "429", "redis", "per IP", "Retry-After"]
    assert signals_found(text, signals) == ["lua", "429", "redis", "Retry-After"]


def test_mark_answer_marks_every_criterions_signals_and_finds_each_ones():
    body = "Redis in front, a Lua script."
    html = "<p>Redis in front, a <code>Lua</code> script.</p>"
    criteria = [(7, ["redis", "kafka"]), (9, ["lua", "redis"]), (12, [])]
    marked, found = mark_answer(html, body, criteria)
    assert marked == highlight_html(html, ["redis", "kafka", "lua"])
    assert found == {"7": ["redis"], "9": ["lua", "redis"], "12": []}


ascii_words = st.text(alphabet="abAB -.*()\n\t", max_size=30)


@given(text=ascii_words, signals=st.lists(st.text(alphabet="abAB -.*()", max_size=5)))
def test_every_match_spells_its_signal(text, signals):
    for signal, matches in find_signals(text, signals).items():
        wanted = " ".join(signal.split()).lower()
        for match in matches:
            assert match.signal == signal
            assert " ".join(text[match.start : match.end].split()).lower() == wanted
        assert [m.start for m in matches] == sorted(m.start for m in matches)


# --- highlighting HTML -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "signals", "expected"),
    [
        ("use redis", ["redis"], "use " + mark("redis", "redis")),
        ("<p>Use Redis.</p>", ["redis"], "<p>Use " + mark("redis", "Redis") + ".</p>"),
        ("<p>nothing here</p>", ["redis"], "<p>nothing here</p>"),
        ("<p>redis</p>", [], "<p>redis</p>"),
        ("", ["redis"], ""),
        (
            "<p>redis and lua and Redis</p>",
            ["lua", "redis"],
            f"<p>{mark('redis', 'redis')} and {mark('lua', 'lua')} and "
            f"{mark('redis', 'Redis')}</p>",
        ),
        # A phrase across a line break.
        (
            "<p>a token\nbucket</p>",
            ["token bucket"],
            "<p>a " + mark("token bucket", "token\nbucket") + "</p>",
        ),
    ],
)
def test_highlight(html, signals, expected):
    assert highlight_html(html, signals) == expected


@pytest.mark.parametrize(
    ("html", "signals", "expected"),
    [
        ("<p>a &amp; b</p>", ["redis"], "<p>a &amp; b</p>"),
        (
            "<p>&lt;redis&gt; &amp; co</p>",
            ["redis"],
            "<p>&lt;" + mark("redis", "redis") + "&gt; &amp; co</p>",
        ),
        ("<p>R&amp;D</p>", ["R&D"], "<p>" + mark("R&D", "R&amp;D") + "</p>"),
        (
            "<p>use &lt;b&gt; tags</p>",
            ["<b>"],
            '<p>use <mark class="signal" data-signal="&lt;b&gt;">&lt;b&gt;</mark> tags</p>',
        ),
        # Character references are decoded, matched, then written back escaped.
        ("<p>caf&eacute; &#114;edis</p>", ["redis"], "<p>café " + mark("redis", "redis") + "</p>"),
        ("<p>a&nbsp;b</p>", ["a b"], "<p>" + mark("a b", "a\u00a0b") + "</p>"),
        ("<p>&quot;redis&quot;</p>", ["redis"], '<p>"' + mark("redis", "redis") + '"</p>'),
        # A bare ampersand is written back as an entity.
        ("<p>AT&T redis</p>", ["redis"], "<p>AT&amp;T " + mark("redis", "redis") + "</p>"),
    ],
)
def test_entities(html, signals, expected):
    assert highlight_html(html, signals) == expected


def test_attributes_are_never_marked():
    html = '<a href="https://x/redis" title="redis">use redis</a>'
    assert highlight_html(html, ["redis"]) == (
        '<a href="https://x/redis" title="redis">use ' + mark("redis", "redis") + "</a>"
    )


@pytest.mark.parametrize("signal", ["div", "span", "class", "href", "highlight", "p"])
def test_tag_and_attribute_names_are_never_marked(signal):
    html = '<div class="highlight"><span class="n">x</span></div><p><a href="/">y</a></p>'
    assert highlight_html(html, [signal]) == html


def test_start_tags_are_kept_verbatim_and_end_tags_normalised():
    html = "<P CLASS='x' data-a = \"redis\">redis</P>"
    assert highlight_html(html, ["redis"]) == (
        "<P CLASS='x' data-a = \"redis\">" + mark("redis", "redis") + "</p>"
    )


def test_mermaid_source_is_never_marked():
    html = '<div class="mermaid">graph TD\n A[redis]--&gt;B</div>\n<p>redis</p>'
    assert highlight_html(html, ["redis", "graph"]) == (
        '<div class="mermaid">graph TD\n A[redis]--&gt;B</div>\n<p>' + mark("redis", "redis")
        + "</p>"
    )


def test_mermaid_block_ends_at_its_own_closing_div():
    html = (
        '<div class="other mermaid"><div>redis</div>redis</div>'
        '<div class="highlight">redis</div>'
    )
    assert highlight_html(html, ["redis"]) == (
        '<div class="other mermaid"><div>redis</div>redis</div>'
        '<div class="highlight">' + mark("redis", "redis") + "</div>"
    )


def test_a_class_merely_containing_mermaid_is_not_a_diagram():
    html = '<div class="mermaidish">redis</div>'
    assert highlight_html(html, ["redis"]) == (
        '<div class="mermaidish">' + mark("redis", "redis") + "</div>"
    )


def test_code_is_marked():
    html = "<pre><code>SET key 1\nEVAL lua</code></pre><p><code>redis</code></p>"
    assert highlight_html(html, ["lua", "redis"]) == (
        "<pre><code>SET key 1\nEVAL " + mark("lua", "lua") + "</code></pre><p><code>"
        + mark("redis", "redis") + "</code></p>"
    )


def test_void_tags_are_kept_as_written():
    html = '<p>redis<br>lua<br/>x<hr><input type="checkbox" disabled=""> redis<br /></p>'
    assert highlight_html(html, ["redis", "lua"]) == (
        f"<p>{mark('redis', 'redis')}<br>{mark('lua', 'lua')}<br/>x<hr>"
        f'<input type="checkbox" disabled=""> {mark("redis", "redis")}<br /></p>'
    )


@pytest.mark.parametrize(
    "html",
    [
        "<p>token <em>bucket</em></p>",
        "<p>token<br>bucket</p>",
        "<p>to<b>ken</b> bucket</p>",
        "<p>token <!-- x --> bucket</p>",
    ],
)
def test_matches_never_span_tags(html):
    assert "<mark" not in highlight_html(html, ["token bucket"])


def test_text_split_by_a_stray_angle_bracket_is_matched_whole():
    # HTMLParser hands "a ", "<", " b" over separately; the match must see them together.
    assert highlight_html("<p>if a < b then</p>", ["a < b"]) == (
        "<p>if " + mark("a < b", "a &lt; b") + " then</p>"
    )


@pytest.mark.parametrize(
    ("signals", "text", "expected"),
    [
        # The longer match at the same place wins.
        (["redis", "redis cluster"], "a redis cluster", "a " + mark(*["redis cluster"] * 2)),
        (["bucket", "token bucket"], "token bucket", mark(*["token bucket"] * 2)),
        # Of overlapping matches, the earlier wins.
        (
            ["limit window", "rate limit"],
            "rate limit window",
            mark("rate limit", "rate limit") + " window",
        ),
        # Same place and length: the signal listed first.
        (["Redis", "redis"], "redis", mark("Redis", "redis")),
        # Nested, and side by side.
        (
            ["rate", "rate limit", "limit"],
            "rate limit limit",
            mark("rate limit", "rate limit") + " " + mark("limit", "limit"),
        ),
    ],
)
def test_overlapping_signals(signals, text, expected):
    assert highlight_html(f"<p>{text}</p>", signals) == f"<p>{expected}</p>"


def test_signal_is_escaped_in_the_attribute():
    html = "<p>x\" onmouseover=\"alert(1)</p>"
    signal = 'x" onmouseover="alert(1)'
    out = highlight_html(html, [signal])
    assert out == (
        '<p><mark class="signal" data-signal="x&quot; onmouseover=&quot;alert(1)">'
        'x" onmouseover="alert(1)</mark></p>'
    )
    parsed = read(out)
    assert parsed.marks == [({"class": "signal", "data-signal": signal}, signal)]


def test_comments_and_declarations_are_dropped():
    html = "<!DOCTYPE html><!-- redis --><p>redis</p><?pi redis?>"
    assert highlight_html(html, ["redis"]) == "<p>" + mark("redis", "redis") + "</p>"


def test_raw_text_elements_are_passed_through_unmarked():
    html = "<style>p > a { }</style><textarea>a &lt; redis</textarea><p>redis</p>"
    assert highlight_html(html, ["redis", "p"]) == (
        "<style>p > a { }</style><textarea>a &lt; redis</textarea><p>"
        + mark("redis", "redis") + "</p>"
    )


# --- with the real renderer ------------------------------------------------------------------

ATTACKS = [
    "<script>alert('redis')</script> redis",
    "<img src=x onerror=alert(1)> redis",
    '<a href="javascript:alert(1)" title="redis">redis</a>',
    "[redis](javascript:alert(1)) and [redis](https://example.com/redis \"redis\")",
    '<div class="mermaid" onclick="x">redis</div>',
    "`<b>redis</b>` and &lt;script&gt;redis&lt;/script&gt;",
    "```mermaid\ngraph TD\n  redis-->B[\"<script>redis</script>\"]\n```\n\nredis",
    "```python\nuse redis <mark>lua</mark>\n```",
    "<mark class=\"signal\" data-signal=\"x\">redis</mark>",
    "redis<!-- lua --><style>redis{}</style>",
    "- [x] redis\n- [ ] lua\n\n| a | b |\n| - | - |\n| redis | lua |",
    "see[^1]\n\n[^1]: redis",
    "x\" onmouseover=\"alert(1) redis",
]
ATTACK_SIGNALS = ["redis", "lua", "script", "alert", "mermaid", "href", 'x" onmouseover="alert(1)']


@pytest.mark.parametrize("markdown", ATTACKS)
def test_rendered_answers_stay_safe(markdown):
    rendered = str(render_markdown(markdown))
    out = highlight_html(rendered, ATTACK_SIGNALS)
    before, after = read(rendered), read(out)
    # Same tags with the same attributes, same text: only marks were added.
    assert after.tags == before.tags
    assert "".join(after.text) == "".join(before.text)
    assert {tag for tag, _ in after.tags if not tag.startswith("/")} <= TAGS
    for attrs, text in after.marks:
        assert set(attrs) == {"class", "data-signal"} and attrs["class"] == "signal"
        assert attrs["data-signal"] in ATTACK_SIGNALS
        assert found(attrs["data-signal"], text)


def test_rendered_mermaid_is_untouched_and_code_is_marked():
    rendered = str(render_markdown(
        "```mermaid\ngraph TD\n  A[redis]-->B\n```\n\n```python\nredis.set(key)\n```\n\nredis"
    ))
    out = highlight_html(rendered, ["redis"])
    diagram = re.search(r'<div class="mermaid">.*?</div>', rendered, re.S)
    assert diagram is not None and diagram.group(0) in out
    assert out.count("<mark") == 2  # the code's redis and the paragraph's
    assert strip_marks(out) == rendered


# --- properties ------------------------------------------------------------------------------

# A small alphabet makes matches common; it includes what needs escaping.
texts = st.text(alphabet="abcAB é\n\t&<>\"';=*()-", max_size=40)
TAG_PIECES = [
    "<p>", "</p>", "<br>", "<br/>", "<em>", "</em>", "<hr>", "<code>", "</code>",
    '<a href="https://x/ab?a=1&amp;b=2" title="ab">', "</a>", '<span class="n">', "</span>",
    '<input type="checkbox" disabled="">',
]


@st.composite
def signals_for(draw: st.DrawFn, text: str) -> list[str]:
    """Signals, most cut from ``text`` itself so that they match, and overlap, often."""
    cuts = st.tuples(st.integers(0, len(text)), st.integers(1, 6)).map(
        lambda cut: text[cut[0] : cut[0] + cut[1]]
    )
    others = st.text(alphabet="abcAB é&<>\"*()-", max_size=4)
    return draw(st.lists(st.one_of(cuts, cuts, others), max_size=6))


@st.composite
def answers(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Sanitised-looking HTML (escaped text between tags) and signals for it."""
    pieces = draw(st.lists(st.one_of(texts, st.sampled_from(TAG_PIECES)), max_size=8))
    html = "".join(p if p in TAG_PIECES else escape(p, quote=False) for p in pieces)
    plain = "".join(p for p in pieces if p not in TAG_PIECES)
    return html, draw(signals_for(plain))


@st.composite
def texts_and_signals(draw: st.DrawFn) -> tuple[str, list[str]]:
    text = draw(texts)
    return text, draw(signals_for(text))


@given(answers())
def test_removing_the_marks_gives_back_the_input(answer):
    html, signals = answer
    assert strip_marks(highlight_html(html, signals)) == html


@given(answers())
def test_marks_hold_their_signals_and_never_nest(answer):
    html, signals = answer
    parsed = read(highlight_html(html, signals))  # asserts marks never nest
    for attrs, text in parsed.marks:
        assert attrs["class"] == "signal"
        assert attrs["data-signal"] in signals and attrs["data-signal"].strip()
        assert find_signals(text, [attrs["data-signal"]])[attrs["data-signal"]]


@given(texts_and_signals())
def test_text_content_survives_any_escaping(text_and_signals):
    text, signals = text_and_signals
    html = f"<p>{escape(text, quote=True)}</p>"  # &quot; and &#x27; come back as " and '
    out = highlight_html(html, signals)
    assert "".join(read(out).text) == text
    assert unescape(strip_marks(out)) == f"<p>{text}</p>"


@given(texts_and_signals())
def test_marks_are_the_leftmost_longest_matches(text_and_signals):
    text, signals = text_and_signals
    out = highlight_html(escape(text, quote=False), signals)
    marked = [text for _, text in read(out).marks]
    matches = [m for found in find_signals(text, signals).values() for m in found]
    expected, end = [], 0
    for match in sorted(matches, key=lambda m: (m.start, m.start - m.end)):
        if match.start >= end:
            expected.append(text[match.start : match.end])
            end = match.end
    assert marked == expected
    assert {attrs["data-signal"] for attrs, _ in read(out).marks} <= set(
        signals_found(text, signals)
    )
