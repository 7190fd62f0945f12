"""The one markdown renderer: what it keeps, and what it never lets through."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from app.content import bounds
from app.content.render import ADDED_ATTRIBUTES, ATTRIBUTES, TAGS, render_markdown


class Inspector(HTMLParser):
    """Collects every tag and attribute of rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def inspect(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Inspector()
    parser.feed(html)
    return parser.tags


def test_returns_markup_so_templates_need_no_safe_filter():
    assert isinstance(render_markdown("hi"), Markup)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("## Data model", "<h2>Data model</h2>"),
        ("- one\n- two", "<li>one</li>"),
        ("**bold** and *it*", "<strong>bold</strong>"),
        ("~~gone~~", "<del>gone</del>"),
        ("| a | b |\n| --- | --- |\n| 1 | 2 |", "<td>1</td>"),
        ("- [x] done\n- [ ] todo", '<input type="checkbox" disabled="" checked=""'),
        ("`x = 1`", "<code>x = 1</code>"),
        ("[docs](https://example.com/a)", 'href="https://example.com/a"'),
        ("[mail](mailto:a@example.com)", 'href="mailto:a@example.com"'),
        ("see[^1]\n\n[^1]: note", 'id="fn:1"'),
    ],
)
def test_keeps_the_markdown_answers_use(source, expected):
    assert expected in render_markdown(source)


def test_mermaid_fence_becomes_a_diagram_block_with_escaped_source():
    html = render_markdown("```mermaid\ngraph TD\n  A-->B\n  B--><script>x</script>\n```")
    assert '<div class="mermaid">' in html
    assert "A--&gt;B" in html
    assert "<script>" not in html


def test_code_fence_is_highlighted_with_token_classes():
    html = render_markdown("```python\ndef f():\n    return 1\n```")
    assert '<div class="highlight">' in html
    assert '<span class="k">def</span>' in html


def test_links_get_rel_noopener():
    assert 'rel="noopener noreferrer nofollow"' in render_markdown("[a](https://example.com)")


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">x</a>',
    '<div onclick="alert(1)">x</div>',
    '<iframe src="https://example.com"></iframe>',
    "<style>body{display:none}</style>",
    '<form action="/logout" method="post"><button>x</button></form>',
    '<input type="text" name="csrf_token" value="x">',
    '<a id="csrf-token" href="#">x</a>',
    '<svg><script>alert(1)</script></svg>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<td style="background:url(javascript:alert(1))">x</td>',
    "<object data=x></object><embed src=x>",
    '<meta http-equiv="refresh" content="0;url=https://example.com">',
    "<base href='https://example.com/'>",
    "![x](https://example.com/track.png)",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_renders_inert(source):
    html = render_markdown(source)
    for tag, attrs in inspect(html):
        assert tag in TAGS, f"{tag} should have been removed"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler {name} kept"
            allowed = ATTRIBUTES.get(tag, set()) | set(ADDED_ATTRIBUTES.get(tag, {})) | {"rel",
                                                                                        "class"}
            assert name in allowed, f"{tag}[{name}] kept"
            assert "javascript" not in (value or "").lower()
            if name == "id":
                assert value.startswith("fn")
    for banned in ("<script", "<iframe", "<style", "<form", "<img", "<base", "<meta"):
        assert banned not in html.lower()


def test_a_huge_table_renders_without_error():
    rows = "\n".join("| x | y |" for _ in range(5000))
    html = render_markdown("| a | b |\n| --- | --- |\n" + rows)
    assert html.count("<tr>") == 5001


def test_pathological_nesting_degrades_to_text_not_an_error():
    html = render_markdown(">" * 5000 + " deep")
    assert "deep" in html


# Fragments that, shuffled together, make markdown and HTML that try to break out.
FRAGMENTS = [*"<>/=\"' abc-*_`[]():#|!\n\t&;", "script", "onerror", "javascript", "img",
             "iframe", "```mermaid\n", "```\n", "style", "href", "src", "svg", "&#106;"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=120).map("".join))
def test_no_input_yields_a_disallowed_tag_or_attribute(source):
    html = render_markdown(source)
    for tag, attrs in inspect(html):
        assert tag in TAGS
        for name, value in attrs.items():
            assert not name.startswith("on")
            assert "javascript:" not in (value or "").lower().replace(" ", "")


FENCES = ["```python\ndef f(x):\n    return x + 1\n```",
          "```sql {hl_lines=\"1\"}\nSELECT 1;\n```",
          "```\nplain block\n```",
          "```python\ndef f(x):\n    return x + 2\n```"]


@pytest.fixture
def empty_highlight_cache(monkeypatch):
    """A fresh, small highlight cache for one test (the process's own is shared)."""
    cache = bounds._HighlightCache(max_chars=2_000)
    monkeypatch.setattr(bounds, "HIGHLIGHTED", cache)
    return cache


def test_highlighted_fences_are_reused_and_the_html_is_the_same(empty_highlight_cache,
                                                                   monkeypatch):
    document = "\n\nText between.\n\n".join(FENCES)
    first = render_markdown(document)
    assert len(empty_highlight_cache._items) == len(FENCES)
    # Served from the cache: the same HTML as Pygments gives with no cache at all,
    # also with the blocks in another order.
    reordered = "\n\n".join(reversed(FENCES))
    cached = render_markdown(document), render_markdown(reordered)
    assert len(empty_highlight_cache._items) == len(FENCES)
    monkeypatch.setattr(bounds, "HIGHLIGHTED", bounds._HighlightCache(max_chars=0))
    assert cached == (first, render_markdown(reordered))
    assert '<span class="mi">2</span>' in first
    # One changed block is the one new entry; the others were reused.
    monkeypatch.setattr(bounds, "HIGHLIGHTED", empty_highlight_cache)
    changed = render_markdown(document.replace("x + 2", "x + 3"))
    assert '<span class="mi">3</span>' in changed and '<span class="mi">2</span>' not in changed
    assert len(empty_highlight_cache._items) == len(FENCES) + 1


def test_the_highlight_cache_stays_within_its_size(empty_highlight_cache):
    for n in range(60):
        render_markdown(f"```python\nvalue_{n} = {n} * 2\n```")
    assert 0 < empty_highlight_cache.chars <= empty_highlight_cache.max_chars
    assert empty_highlight_cache.chars == sum(len(key[0]) + len(value) for key, value
                                              in empty_highlight_cache._items.items())
    assert len(empty_highlight_cache._items) < 60  # the oldest went out
