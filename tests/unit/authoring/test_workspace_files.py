"""The workspace's files: which item a path belongs to, overlays, atomic writes, templates."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.authoring import files as disk
from app.authoring import services
from app.authoring.files import PROMPT, RUBRIC, Item
from app.content.model import Severity
from app.content.validate import load_content
from app.kinds import kind_names
from tests.factories.content import DESIGN_PROMPT, write_content


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_content(tmp_path / "content")


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("path", "item"), [
    ("prompts/url-shortener.md", Item(PROMPT, "url-shortener")),
    ("prompts/sum-two/prompt.md", Item(PROMPT, "sum-two")),
    ("prompts/sum-two/tests/test_hidden.py", Item(PROMPT, "sum-two")),
    ("rubrics/sum-two.md", Item(RUBRIC, "sum-two")),
    ("prompts/competencies.md", None),
    ("prompts/responsibilities.md", None),
    ("prompts/notes.txt", None),
    ("rubrics/nested/x.md", None),
    ("app/views.py", None),
])
def test_each_path_belongs_to_one_item_or_none(path, item):
    assert disk.item_of(path) == item


@pytest.mark.parametrize("path", [
    "../prompts/x.md", "prompts/../rubrics/x.md", "/prompts/x.md", "prompts/x\\y.md",
    "prompts/.hidden.md", "prompts/competencies.md", "app/evil.py", "prompts/Bad_Slug.md",
    "prompts/x/bundle.zip", "prompts/a\x00.md",
])
def test_paths_outside_an_item_are_refused(path):
    assert disk.path_problem(path) is not None


def test_an_item_lists_its_files_prompt_md_first(tree):
    assert disk.item_files(tree, Item(PROMPT, "sum-two")) == [
        "prompts/sum-two/prompt.md", "prompts/sum-two/solution.py",
        "prompts/sum-two/starter.py", "prompts/sum-two/tests/test_hidden.py",
        "prompts/sum-two/tests/test_public.py"]
    assert disk.item_files(tree, Item(RUBRIC, "sum-two")) == ["rubrics/sum-two.md"]
    assert disk.item_files(tree, Item(PROMPT, "nothing")) == []


def test_a_check_on_an_overlay_never_touches_the_content(tree):
    before = snapshot(tree)
    checked = services.check(tree, {"prompts/url-shortener.md": "no front matter",
                                    "prompts/new-one/prompt.md": DESIGN_PROMPT})
    assert checked.errors
    assert snapshot(tree) == before


def test_a_file_is_replaced_atomically_with_its_mode(tree):
    disk.write_atomically(tree, "rubrics/new-rubric.md", "text\n")
    disk.write_atomically(tree, "rubrics/new-rubric.md", "other text\n")
    path = tree / "rubrics/new-rubric.md"
    assert path.read_text() == "other text\n"
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
    assert sorted(p.name for p in (tree / "rubrics").iterdir() if p.name.startswith(".")) == []


def test_a_link_is_never_written_through(tree, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("mine")
    os.symlink(outside, tree / "rubrics" / "linked.md")
    with pytest.raises(OSError, match="symbolic link"):
        disk.write_atomically(tree, "rubrics/linked.md", "overwritten")
    assert outside.read_text() == "mine"


@pytest.mark.parametrize("kind", [*services.template_kinds(), "rubric"])
def test_every_template_with_its_rubric_checks_clean_once_filled(tree, kind):
    new = services.NewItem(kind=kind, slug="fresh-item", title='A "fresh": item', level="senior",
                           minutes=45, competencies=("api-design", "scalability"),
                           rubric="fresh-item")
    files = services.template_files(new, rubric_exists=False)
    for path, text in files.items():
        target = tree / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    content = load_content(tree)
    assert content.errors == []
    warnings = [str(w) for w in content.warnings if "fresh-item" in w.path]
    # A rubric alone is not used by any prompt yet; nothing else may warn.
    assert warnings == ([] if kind != "rubric"
                        else ["rubrics/fresh-item.md:1: warning: rubric is not used by any prompt"])
    if kind != "rubric":
        prompt = content.prompts["fresh-item"]
        assert (prompt.kind, prompt.status, prompt.title) == (kind, "draft", 'A "fresh": item')
        assert prompt.competencies == ("api-design", "scalability")
    assert all(p.severity is not Severity.ERROR for p in content.problems)


def test_every_kind_has_a_template():
    assert set(services.template_kinds()) == set(kind_names())
