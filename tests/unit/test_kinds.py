"""The registry of prompt kinds: what each built-in kind declares, and the rule that
only the kinds' own modules and templates name a kind."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.content.render import render_markdown
from app.kinds import (
    AnswerFormat,
    Editor,
    PromptKind,
    UnknownKind,
    all_kinds,
    get_kind,
    kind_names,
    kind_order,
    register,
    unregister,
)
from app.kinds.system_design import PHASE_TEMPLATE
from app.vocabulary import AutoScorer

APP = Path(__file__).resolve().parents[2] / "app"


@dataclass
class FakePrompt:
    """The part of a parsed prompt a kind's file check reads."""

    slug: str = "p"
    path: str = "prompts/p/prompt.md"
    files: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=lambda: {"kind": 3, "rubric": 7})

    @property
    def is_folder(self) -> bool:
        return self.path.endswith("/prompt.md")

    @property
    def hidden_tests(self) -> dict[str, str]:
        return {p: t for p, t in self.files.items() if p.startswith("tests/test_hidden")}

    @property
    def public_tests(self) -> dict[str, str]:
        return {p: t for p, t in self.files.items() if p.startswith("tests/test_public")}


def test_the_built_in_kinds_in_the_order_lists_show_them():
    assert kind_names() == ("system-design", "coding", "code-review", "incident", "sql")
    assert [k.label for k in all_kinds()] == ["System design", "Coding", "Code review",
                                              "Incident", "SQL"]
    assert kind_order() == {"system-design": 0, "coding": 1, "code-review": 2, "incident": 3,
                            "sql": 4}
    assert get_kind("coding").name == "coding"


def test_what_each_built_in_kind_declares():
    design, coding = get_kind("system-design"), get_kind("coding")
    assert (design.editor, design.answer_format) == (Editor.MARKDOWN, AnswerFormat.MARKDOWN)
    assert (coding.editor, coding.answer_format) == (Editor.CODE, AnswerFormat.CODE)
    assert design.auto_scorers == frozenset()  # signals never set a level
    assert coding.auto_scorers == {AutoScorer.TESTS}
    assert (design.runs_tests, coding.runs_tests) == (False, True)
    assert (design.renders_html, coding.renders_html) == (True, False)
    assert (design.folder, coding.folder) == (False, True)
    assert coding.required_files == ("starter.py", "solution.py", "tests/")
    assert design.template("editor") == "kinds/system-design/editor.html"


def test_an_unknown_kind_is_a_lookup_error():
    with pytest.raises(UnknownKind, match="'essay'"):
        get_kind("essay")
    assert issubclass(UnknownKind, LookupError)


def test_a_kind_is_registered_once_and_can_be_taken_out_again():
    toy = PromptKind(name="toy", label="Toy", editor=Editor.MARKDOWN,
                     answer_format=AnswerFormat.MARKDOWN, auto_scorers=frozenset())
    register(toy)
    try:
        assert kind_names()[-1] == "toy"
        with pytest.raises(ValueError, match="already registered"):
            register(toy)
        with pytest.raises(ValueError):
            register(get_kind("coding"))
    finally:
        unregister("toy")
    assert "toy" not in kind_names()


def test_the_starter_bodies():
    files = {"starter.py": "def add(a, b):\n    pass\n"}
    assert get_kind("coding").starter_body(files) == files["starter.py"]
    assert get_kind("coding").starter_body({}) == ""
    assert get_kind("system-design").starter_body(files) == PHASE_TEMPLATE
    assert PHASE_TEMPLATE.startswith("## Requirements") and "```mermaid" in PHASE_TEMPLATE


def test_a_design_answer_is_stored_and_shown_as_rendered_markdown():
    design = get_kind("system-design")
    body = "## Storage\n\n**sharded** <script>x</script>"
    html = design.stored_html(body, render_markdown)
    assert html == str(render_markdown(body)) and "<strong>sharded</strong>" in html
    revision = SimpleNamespace(body=body, html="<p>stored</p>")
    assert design.answer_html(revision) == "<p>stored</p>"
    assert design.answer_html(None) == ""


def test_code_is_stored_without_html_and_shown_escaped_in_a_code_block():
    coding = get_kind("coding")
    body = "# not a heading\nif a < b and c > d:\n    print('<b>&')\n"

    def never(_text):
        raise AssertionError("code is not rendered as markdown")

    assert coding.stored_html(body, never) == ""

    class Revision:
        body = "if a < b: print('<b>&')"

        @property
        def html(self):
            raise AssertionError("a code answer's stored HTML is never read")

    assert coding.answer_html(Revision()) == (
        '<pre class="code-answer"><code>if a &lt; b: print(&#39;&lt;b&gt;&amp;&#39;)'
        '</code></pre>')


def test_the_coding_file_rules():
    coding = get_kind("coding")
    single = FakePrompt(path="prompts/p.md")
    assert [(p.line, p.message) for p in coding.check(single)] == [
        (3, "a coding prompt must be a folder: prompts/p/prompt.md with starter.py, "
            "solution.py and tests/")]
    assert [p.message for p in coding.check(FakePrompt())] == [
        "coding prompt has no starter.py", "coding prompt has no solution.py",
        "coding prompt has no tests/ folder"]
    complete = FakePrompt(files={"starter.py": "", "solution.py": "",
                                 "tests/test_hidden.py": "", "tests/test_public.py": ""})
    rubric = SimpleNamespace(slug="r", criteria=[SimpleNamespace(auto=AutoScorer.TESTS)])
    assert coding.check(complete, rubric) == []
    no_public = FakePrompt(files={"starter.py": "", "solution.py": "",
                                  "tests/test_hidden.py": ""})
    signals_only = SimpleNamespace(slug="r", criteria=[SimpleNamespace(auto="signals")])
    assert [(p.line, p.message, p.warning) for p in coding.check(no_public, signals_only)] == [
        (1, "coding prompt has no public tests (tests/test_public*.py) for candidates to run",
         True),
        (7, 'rubric "r" has no auto: tests criterion, so the hidden tests will not feed a '
            'score', True)]


def test_a_design_prompt_may_be_a_file_or_a_folder_with_any_files():
    design = get_kind("system-design")
    assert design.check(FakePrompt(path="prompts/p.md")) == []
    assert design.check(FakePrompt(files={"diagram.png": ""})) == []


# The rule the registry exists for -----------------------------------------------------------

KIND_NAMES = set(kind_names())
ANY_KIND = "|".join(re.escape(name) for name in sorted(KIND_NAMES))
QUOTED_KIND = re.compile(rf"(['\"])(?:{ANY_KIND})\1")


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of every docstring constant in a module (docstrings may name a kind)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def kind_literals_in_python(source: str) -> list[int]:
    """The line of each string constant in a module's code that is the name of a kind."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in KIND_NAMES
            and id(node) not in docstrings]


def test_the_check_finds_a_kind_named_in_code_but_not_in_a_docstring():
    source = ('"""Only for coding prompts."""\n'
              'def f(revision):\n'
              '    """For system-design answers."""\n'
              '    return revision.kind == "coding" or revision.kind in ("system-design",)\n')
    assert kind_literals_in_python(source) == [4, 4]
    assert QUOTED_KIND.search("{% if revision.kind == 'coding' %}")
    assert QUOTED_KIND.search('dataset.kind === "system-design"')
    assert not QUOTED_KIND.search("a system-design answer, or coding")


def test_no_module_outside_app_kinds_names_a_kind():
    found = []
    for path in sorted(APP.rglob("*.py")):
        if APP / "kinds" not in path.parents:
            found.extend(f"{path.relative_to(APP.parent)}:{line}"
                         for line in kind_literals_in_python(path.read_text(encoding="utf-8")))
    assert found == [], "ask app.kinds (get_kind(...).runs_tests, ...) instead"


def test_no_template_or_script_outside_the_kinds_names_a_kind():
    found = []
    pieces = [*(APP / "templates").rglob("*.html"), *(APP / "static" / "js").rglob("*.js")]
    for path in sorted(pieces):
        if APP / "templates" / "kinds" in path.parents:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if QUOTED_KIND.search(line):
                found.append(f"{path.relative_to(APP.parent)}:{number}")
    assert found == [], "use prompt_kind(revision.kind) and templates/kinds/<name>/ instead"
