"""The optional responsibilities file: its format and its checks, with their exact path:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.validate import load_content
from tests.factories.content import RESPONSIBILITIES, write_content
from tests.unit.content.test_validate import edit, problems

FILE = "prompts/responsibilities.md"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = write_content(tmp_path / "content")
    (root / FILE).write_text(RESPONSIBILITIES)
    return root


def test_the_file_is_read_into_responsibilities_in_file_order(tree):
    content = load_content(tree)
    assert [str(p) for p in content.problems] == []
    assert list(content.responsibilities) == ["own-services", "code-reviews"]
    own = content.responsibilities["own-services"]
    assert own.title == "Own services end to end"
    assert own.competencies == ("api-design", "scalability")
    assert own.prompts == ("url-shortener", "sum-two")
    assert own.description.startswith("Takes a service from a need")
    assert (own.path, own.line) == (FILE, 3)
    assert content.responsibilities["code-reviews"].prompts == ()
    # The file is not a prompt.
    assert set(content.prompts) == {"url-shortener", "sum-two"}


def test_a_library_without_the_file_loads(tmp_path):
    content = load_content(write_content(tmp_path / "content"))
    assert content.ok and content.responsibilities == {}


@pytest.mark.parametrize(("old", "new", "expected"), [
    pytest.param("competencies: api-design, scalability", "competencies: api-design, scalabilty",
                 [f'{FILE}:4: competency "scalabilty" of responsibility "own-services" is not '
                  f'defined in prompts/competencies.md (did you mean "scalability"?)'],
                 id="unknown-competency"),
    pytest.param("prompts: url-shortener, sum-two", "prompts: url-shortner, sum-two",
                 [f'{FILE}:5: prompt "url-shortner" of responsibility "own-services" is not '
                  f'defined in the library (did you mean "url-shortener"?)'],
                 id="unknown-prompt"),
    pytest.param("## code-reviews: Review code", "## own-services: Review code",
                 [f'{FILE}:9: responsibility "own-services" is defined twice (first on '
                  f'line 3)'], id="duplicate-slug"),
    pytest.param("prompts: url-shortener, sum-two\n", "",
                 [f'{FILE}:3: responsibility "own-services" has no "prompts:" line under its '
                  f'heading'], id="missing-prompts"),
    pytest.param("competencies: api-design, scalability\n", "",
                 [f'{FILE}:3: responsibility "own-services" has no "competencies:" line under '
                  f'its heading'], id="missing-competencies"),
    pytest.param("competencies: api-design, scalability", "competencies:",
                 [f'{FILE}:4: responsibility "own-services" must list at least one '
                  f'competency'], id="no-competencies"),
    pytest.param("prompts: url-shortener, sum-two", "prompt: url-shortener, sum-two",
                 [f'{FILE}:3: responsibility "own-services" has no "prompts:" line under its '
                  f'heading',
                  f'{FILE}:5: unknown key "prompt": a responsibility takes competencies and '
                  f'prompts (did you mean "prompts"?)'], id="misspelt-key"),
    pytest.param("## code-reviews: Review code", "## code-reviews",
                 [f'{FILE}:9: responsibility heading "code-reviews" must read "## slug: '
                  f'Title"'], id="heading-without-title"),
    pytest.param("## code-reviews: Review code", "## Code-Reviews: Review code",
                 [f'{FILE}:9: responsibility slug "Code-Reviews" must be lowercase letters, '
                  f'digits and hyphens'], id="bad-slug"),
    pytest.param("Reads changes for correctness first.", "",
                 [f'{FILE}:9: responsibility "code-reviews" has no description: say what '
                  f'doing it well looks like'], id="no-description"),
    pytest.param("prompts: url-shortener, sum-two", "prompts: sum-two, sum-two",
                 [f'{FILE}:5: prompts lists "sum-two" more than once'], id="repeated-slug"),
])
def test_each_broken_variant_is_reported_at_its_line(tree, old, new, expected):
    edit(tree, FILE, old, new)
    assert problems(tree) == expected
