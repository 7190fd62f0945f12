"""Prompt kinds through the pages: a code answer is kept as text and shown as code, and a
kind registered with its module and templates alone is checked, stored and practised
without any change to the content check or the journeys."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import select

from app.content.sync import sync_content
from app.content.validate import load_content
from app.kinds import (
    AnswerFormat,
    Editor,
    FileProblem,
    PromptKind,
    get_kind,
    register,
    unregister,
)
from app.models import Attempt, Prompt
from app.vocabulary import AutoScorer
from tests.factories.content import DESIGN_PROMPT, write_content
from tests.integration.practice.test_attempts import save, start
from tests.support.worker import run_renders

CODE = "# a comment, not a heading\nif a < b:\n    print('<b>&')\n"


def stored_html(db, attempt_id: int) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(Attempt.answer_html).where(Attempt.id == attempt_id)))


def test_a_code_answer_is_stored_as_text_and_shown_as_code(client, db, library, candidate):
    attempt_id = start(client, "sum-two")
    assert save(client, attempt_id, CODE, 0).status_code == HTTPStatus.OK
    assert stored_html(db, attempt_id) == [""]  # no markdown rendered for code
    shown = ('<pre class="code-answer"><code># a comment, not a heading\nif a &lt; b:\n'
             "    print(&#39;&lt;b&gt;&amp;&#39;)\n</code></pre>")
    page = client.get(f"/practice/attempts/{attempt_id}/revisions/1").get_data(as_text=True)
    assert shown in page and "a comment, not a heading</h1>" not in page
    client.post(f"/practice/attempts/{attempt_id}/submit",
                {"body": CODE, "based_on": "1", "client_id": "tab-a"})
    result = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    # The result page highlights signals on top, re-escaping text without quotes.
    assert shown.replace("&#39;", "'") in result


def test_a_design_answer_is_still_stored_and_shown_as_rendered_markdown(
        app, client, db, library, candidate):
    attempt_id = start(client)
    save(client, attempt_id, "## Storage\n\nA **sharded** store.", 0)
    run_renders(app)
    (html,) = stored_html(db, attempt_id)
    assert "<strong>sharded</strong>" in html
    page = client.get(f"/practice/attempts/{attempt_id}/revisions/1").get_data(as_text=True)
    assert html in page and "code-answer" not in page


MUTANT = '"""contract: subtracts instead of adding."""\n\n\ndef add(a, b):\n' \
         '    return a - b  # MUTANT-MARKER\n'


def test_a_mutant_is_stored_with_the_prompt_but_never_shown_or_run(client, db, tmp_path,
                                                                   candidate):
    root = write_content(tmp_path / "content")
    (root / "prompts/sum-two/mutants").mkdir()
    # Named like a test, so a run that sent the folder's test-looking files would take it.
    (root / "prompts/sum-two/mutants/test_public_subtracts.py").write_text(MUTANT)
    sync_content(db, root)
    revision = db.scalar(select(Prompt).where(Prompt.slug == "sum-two")).current_revision
    assert revision.files["mutants/test_public_subtracts.py"] == MUTANT  # hashed and kept
    kind = get_kind("coding")
    assert set(kind.test_files(revision.files, public=True)) == {"tests/test_public.py"}
    assert set(kind.test_files(revision.files, public=False)) == {"tests/test_hidden.py"}
    attempt_id = start(client, "sum-two")
    workspace = client.get(f"/practice/attempts/{attempt_id}").get_data(as_text=True)
    assert "raise NotImplementedError" in workspace  # the starter
    assert "MUTANT-MARKER" not in workspace
    client.post(f"/practice/attempts/{attempt_id}/submit",
                {"body": CODE, "based_on": "0", "client_id": "tab-a"})
    result = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Sum two numbers" in result and "MUTANT-MARKER" not in result


# A kind of one's own --------------------------------------------------------------------------

SKETCH_EDITOR = """\
{% set title = 'Sketch answer' %}
{% set label = 'Your sketch, in markdown' %}
{% set spellcheck = 'true' %}
{% macro tools() %}<span data-sketch-tools></span>{% endmacro %}
{% macro help() %}<p id="answer-help" class="hint">Boxes and arrows.</p>{% endmacro %}
{% macro actions() %}{% endmacro %}
{% macro panel() -%}
<div data-sketch-panel>{{ draft.html|rendered if draft else '' }}</div>
{%- endmacro %}
{% macro scripts() %}{% endmacro %}
"""


def sketch_files(prompt, rubric):
    if "canvas.md" in prompt.files and not prompt.files["canvas.md"].strip():
        yield FileProblem(1, "sketch prompt has an empty canvas.md", warning=True)


SKETCH = PromptKind(
    name="sketch", label="Sketch", editor=Editor.MARKDOWN, answer_format=AnswerFormat.MARKDOWN,
    auto_scorers=frozenset({AutoScorer.SIGNALS}), folder=True, required_files=("canvas.md",),
    check_files=sketch_files, starter=lambda files: files.get("canvas.md", ""))


@pytest.fixture
def sketch_kind(app):
    """The sketch kind registered, with its templates beside the app's, for one test."""
    register(SKETCH)
    loader = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([
        DictLoader({"kinds/sketch/editor.html": SKETCH_EDITOR}), loader])
    yield SKETCH
    app.jinja_env.loader = loader
    unregister("sketch")


def write_sketch(root, canvas: str | None) -> None:
    folder = root / "prompts" / "whiteboard"
    folder.mkdir(parents=True)
    (folder / "prompt.md").write_text(
        DESIGN_PROMPT.replace("kind: system-design", "kind: sketch")
        .replace("title: Design a URL shortener", "title: Sketch a URL shortener")
        .replace("competencies: [api-design, scalability]",
                 "competencies: [api-design, scalability]\nrubric: url-shortener"))
    if canvas is not None:
        (folder / "canvas.md").write_text(canvas)


def test_the_content_check_applies_a_registered_kinds_rules(sketch_kind, tmp_path):
    root = write_content(tmp_path / "content")
    write_sketch(root, canvas=None)
    assert [str(p) for p in load_content(root).errors] == [
        "prompts/whiteboard/prompt.md:1: sketch prompt has no canvas.md"]
    (root / "prompts" / "whiteboard" / "canvas.md").write_text("   \n")
    content = load_content(root)
    assert content.errors == []
    assert [str(p) for p in content.warnings] == [
        "prompts/whiteboard/prompt.md:1: warning: sketch prompt has an empty canvas.md"]


def test_a_prompt_of_an_unregistered_kind_is_refused(tmp_path):
    root = write_content(tmp_path / "content")
    write_sketch(root, canvas="[client] -> [api]\n")
    assert [str(p) for p in load_content(root).errors] == [
        "prompts/whiteboard/prompt.md:3: kind must be \"system-design\" or \"coding\" or "
        "\"code-review\" or \"incident\" or \"sql\", got 'sketch'"]


def test_a_registered_kind_is_practised_through_the_unchanged_journey(
        sketch_kind, app, client, db, candidate, tmp_path):
    root = write_content(tmp_path / "content")
    write_sketch(root, canvas="[client] -> [api]\n")
    sync_content(db, root)

    library = client.get("/practice?kind=sketch").get_data(as_text=True)
    assert 'value="sketch"' in library and "Sketch a URL shortener" in library
    assert "Design a URL shortener" not in library  # the filter knows the new kind
    assert '<span class="badge">Sketch</span>' in library
    assert '<span class="badge">Sketch</span>' in client.get(
        "/practice/prompts/whiteboard").get_data(as_text=True)

    attempt_id = start(client, "whiteboard")
    page = client.get(f"/practice/attempts/{attempt_id}").get_data(as_text=True)
    assert 'data-editor="markdown"' in page
    assert ">Sketch answer</h2>" in page and "data-sketch-tools" in page
    assert ">\n[client] -&gt; [api]\n</textarea>" in page  # the kind's starter

    assert save(client, attempt_id, "[client] -> **[cache]**", 0).status_code == HTTPStatus.OK
    assert run_renders(app) == 1
    assert "<strong>[cache]</strong>" in stored_html(db, attempt_id)[0]
    page = client.get(f"/practice/attempts/{attempt_id}").get_data(as_text=True)
    assert "<div data-sketch-panel><p>[client] -&gt; <strong>[cache]</strong></p></div>" in page
