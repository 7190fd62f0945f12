"""The script rule: HTML that could run or load something is an error at its line,
except inside code, where markdown prints it as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.safety import unsafe_html
from app.content.validate import load_content
from tests.factories.content import write_content

PROJECT = Path(__file__).resolve().parents[3]


def found(text: str) -> list[str]:
    return [f"{p.line}: {p.message}" for p in unsafe_html("prompts/x.md", text)]


@pytest.mark.parametrize(("line", "named"), [
    ("<script>alert(1)</script>", "<script>"),
    ("Some text <SCRIPT src=//evil.example/x.js></SCRIPT>", "<script>"),
    ('<iframe src="https://evil.example"></iframe>', "<iframe>"),
    ('<object data="x.swf"></object>', "<object>"),
    ('<embed src="x.swf">', "<embed>"),
    ("<style>body { display: none }</style>", "<style>"),
    ('<form action="https://evil.example"><input name=p></form>', "<form>"),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example">', "<meta>"),
    ('<link rel="stylesheet" href="https://evil.example/x.css">', "<link>"),
    ("<svg><circle r=1 /></svg>", "<svg>"),
    ('<img src="x.png" onerror="alert(1)">', '"onerror="'),
    ("<a href=# OnClick=alert(1)>x</a>", '"onclick="'),
    ("[click me](javascript:alert(1))", '"javascript:"'),
    ("[click me]( JavaScript:alert(1))", '"javascript:"'),
    ("![chart](data:image/svg+xml;base64,PHN2Zz4=)", '"data:"'),
    ("[x]: vbscript:msgbox(1)", '"vbscript:"'),
    ("<javascript:alert(1)>", '"javascript:"'),
    ('<a href="javascript:alert(1)">x</a>', '"javascript:"'),
])
def test_html_that_could_run_or_load_something_is_an_error_naming_it(line, named):
    problems = found(f"# Title\n\n{line}\n")
    assert problems, line
    assert all(p.startswith("3: ") for p in problems)
    assert any(named in p for p in problems), problems


@pytest.mark.parametrize("text", [
    "```html\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```\n",
    "~~~~\n<iframe src=x></iframe>\n```\nstill code <style>\n~~~~\n",
    "Escape `<script>` and `onerror=` before echoing; never `javascript:` URLs.\n",
    "A double-tick span ``a `<script>` b`` is code too.\n",
    "The data: a table of orders. Events fire on=click in prose only.\n",
    "[docs](https://example.com/onload=1) and <https://example.com> and <em>ok</em>\n",
    "x < script and a<b, and <br> and <details><summary>More</summary></details>\n",
])
def test_code_and_harmless_markup_are_fine(text):
    assert found(text) == []


def test_a_tag_opened_and_closed_on_one_line_is_one_problem():
    assert len(found("<script>a()</script> and <script>b()</script>\n")) == 1
    assert len(found("<style>x</style>\n<style>y</style>\n")) == 2


def test_a_fence_left_open_keeps_the_rest_as_code_and_the_line_after_a_fence_counts():
    text = "```\n<script>\n```\n<script>\n"
    assert [p.split(":")[0] for p in found(text)] == ["4"]


def test_load_content_reports_the_rule_at_its_path_and_line(tmp_path):
    tree = write_content(tmp_path / "content")
    path = tree / "prompts/url-shortener.md"
    lines = path.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("Design a service"))
    lines.insert(at, '<img src="x" onerror="alert(1)">\n\n')
    path.write_text("".join(lines))
    rubric = tree / "rubrics/url-shortener.md"
    rubric.write_text(rubric.read_text() + "\n[more](javascript:alert(2))\n")
    errors = [str(p) for p in load_content(tree).errors]
    rubric_line = rubric.read_text().splitlines().index("[more](javascript:alert(2))") + 1
    assert errors == [
        f"prompts/url-shortener.md:{at + 1}: raw HTML event attribute \"onerror=\" is not "
        f"allowed in content: it runs script; to show it, put it in a code block or "
        f"`inline code`",
        f"rubrics/url-shortener.md:{rubric_line}: a \"javascript:\" URL is not allowed in "
        f"content: links and images must point at http(s), mailto or a relative address",
    ]


def test_the_whole_library_passes_the_rule():
    assert [str(p) for p in load_content(PROJECT).errors] == []
