"""A stored revision laid out as source files, and the line diffs the history page shows."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from app.content import model as doc
from app.content.parse import parse_prompt, parse_rubric
from app.content.source import (
    DiffLine,
    Skipped,
    files_diff,
    line_diff,
    prompt_source,
    rubric_source,
)
from app.content.validate import load_content
from tests.factories.content import CODING_FILES, CODING_PROMPT, DESIGN_PROMPT, DESIGN_RUBRIC

LIBRARY = Path(__file__).resolve().parents[3]


def stored_prompt(parsed: doc.Prompt) -> SimpleNamespace:
    """The fields a prompt revision row keeps (as ``sync`` writes them), without the HTML."""
    hints = [{"md": text, **({"criterion": c} if c else {})}
             for text, c in zip(parsed.hints, parsed.hint_criteria, strict=True)]
    return SimpleNamespace(
        title=parsed.title, kind=parsed.kind, level=parsed.level, minutes=parsed.minutes,
        status=parsed.status, rubric_slug=parsed.rubric, tags=list(parsed.tags),
        competencies=[SimpleNamespace(slug=s) for s in parsed.competencies],
        statement_md=parsed.statement, hints=hints,
        follow_ups=[{"md": text} for text in parsed.follow_ups],
        reference_md=parsed.reference, files=dict(parsed.files))


def stored_rubric(parsed: doc.Rubric) -> SimpleNamespace:
    """The fields a rubric revision row and its criteria keep, as ``sync`` writes them."""
    return SimpleNamespace(
        title=parsed.title, scale={str(k): v for k, v in parsed.scale.items()}, bar=parsed.bar,
        intro_md=parsed.intro,
        criteria=[SimpleNamespace(name=c.name, weight=c.weight, signals=list(c.signals),
                                  auto=c.auto, description_md=c.description,
                                  descriptors={str(k): {"md": v} for k, v in c.descriptors.items()},
                                  gate=dict(c.gate) or None)
                  for c in parsed.criteria])


def parse_prompt_files(slug: str, files: dict[str, str]) -> doc.Prompt:
    problems: list[doc.Problem] = []
    single = f"prompts/{slug}.md"
    if single in files:
        assert list(files) == [single]
        parsed = parse_prompt(single, slug, files[single], {}, "", problems)
    else:
        folder = f"prompts/{slug}/"
        rest = {p.removeprefix(folder): t for p, t in files.items() if p != f"{folder}prompt.md"}
        parsed = parse_prompt(f"{folder}prompt.md", slug, files[f"{folder}prompt.md"], rest, "",
                              problems)
    assert [p for p in problems if p.severity is doc.Severity.ERROR] == []
    return parsed


def prompt_fields(prompt: doc.Prompt) -> tuple:
    return (prompt.title, prompt.kind, prompt.level, prompt.minutes, prompt.competencies,
            prompt.rubric, prompt.tags, prompt.status, prompt.statement, prompt.hints,
            prompt.hint_criteria, prompt.follow_ups, prompt.reference, prompt.files)


def rubric_fields(rubric: doc.Rubric) -> tuple:
    return (rubric.title, rubric.scale, rubric.bar, rubric.intro,
            [(c.name, c.weight, c.signals, c.auto, c.description, c.descriptors, c.gate)
             for c in rubric.criteria])


def parsed(path: str, slug: str, text: str, files: dict[str, str] | None = None):
    problems: list[doc.Problem] = []
    if path.startswith("rubrics/"):
        result = parse_rubric(path, slug, text, "", problems)
    else:
        result = parse_prompt(path, slug, text, files or {}, "", problems)
    assert [p for p in problems if p.severity is doc.Severity.ERROR] == []
    return result


def test_a_single_file_prompt_reads_back_the_same() -> None:
    original = parsed("prompts/url-shortener.md", "url-shortener", DESIGN_PROMPT)
    files = prompt_source("url-shortener", stored_prompt(original))
    assert list(files) == ["prompts/url-shortener.md"]
    assert prompt_fields(parse_prompt_files("url-shortener", files)) == prompt_fields(original)
    assert files["prompts/url-shortener.md"].startswith(
        "---\ntitle: Design a URL shortener\nkind: system-design\nlevel: mid\n")


def test_a_folder_prompt_lays_out_every_file() -> None:
    original = parsed("prompts/sum-two/prompt.md", "sum-two", CODING_PROMPT, CODING_FILES)
    files = prompt_source("sum-two", stored_prompt(original))
    assert sorted(files) == sorted(["prompts/sum-two/prompt.md"] +
                                   [f"prompts/sum-two/{p}" for p in CODING_FILES])
    assert files["prompts/sum-two/solution.py"] == CODING_FILES["solution.py"]
    assert prompt_fields(parse_prompt_files("sum-two", files)) == prompt_fields(original)


def test_a_rubric_reads_back_the_same() -> None:
    original = parsed("rubrics/url-shortener.md", "url-shortener", DESIGN_RUBRIC)
    files = rubric_source("url-shortener", stored_rubric(original))
    again = parsed("rubrics/url-shortener.md", "url-shortener",
                   files["rubrics/url-shortener.md"])
    assert rubric_fields(again) == rubric_fields(original)
    assert "bar: {mid: 2.5, senior: 3.0}" in files["rubrics/url-shortener.md"]


HARD_PROMPT = """\
---
title: "Quotes: 'and' a colon"
kind: system-design
minutes: 30
competencies: [api-design]
tags: ["yes", "#hash", "a: b"]
status: draft
---
Statement with a fence:

```
## not a heading
- 4: not a descriptor
```

## Hints
- [gives away: Storage] Where does it live?
- A hint over
  two lines
- - a bullet that starts with a dash

## Reference
Only reviewers.
"""

HARD_RUBRIC = """\
---
title: Gates and odd text
scale: {0: None yet, 1: Some, 2: All}
bar: 1.5
---
## Storage: the "key"
weight: 0.25
signals: key-value, base62
gate: {senior: 2}

A description.
Over two lines.

- 0: Nothing,
  continued on a second line.
- 1: Some: with a colon.
- 2: All.

## Everything
gate: 2

- 0: None.
- 1: Some.
- 2: All.
"""


def test_awkward_text_reads_back_the_same() -> None:
    prompt = parsed("prompts/hard.md", "hard", HARD_PROMPT)
    files = prompt_source("hard", stored_prompt(prompt))
    assert prompt_fields(parse_prompt_files("hard", files)) == prompt_fields(prompt)
    assert prompt.hint_criteria == ("Storage", None, None)
    rubric = parsed("rubrics/hard.md", "hard", HARD_RUBRIC)
    laid_out = rubric_source("hard", stored_rubric(rubric))["rubrics/hard.md"]
    assert rubric_fields(parsed("rubrics/hard.md", "hard", laid_out)) == rubric_fields(rubric)


def test_every_library_item_reads_back_the_same() -> None:
    content = load_content(LIBRARY)
    assert content.ok and content.prompts and content.rubrics
    for slug, prompt in content.prompts.items():
        files = prompt_source(slug, stored_prompt(prompt))
        assert prompt_fields(parse_prompt_files(slug, files)) == prompt_fields(prompt), slug
    for slug, rubric in content.rubrics.items():
        text = rubric_source(slug, stored_rubric(rubric))[f"rubrics/{slug}.md"]
        assert rubric_fields(parsed(rubric.path, slug, text)) == rubric_fields(rubric), slug


def test_line_diff_marks_changes_and_collapses_unchanged_runs() -> None:
    old = "\n".join(f"line {n}" for n in range(1, 21))
    new = old.replace("line 10", "line ten").replace("line 20", "line 20\nline 21")
    rows, added, removed = line_diff(old, new, context=2)
    assert (added, removed) == (2, 1)
    assert rows == (
        Skipped(7),
        DiffLine(" ", "line 8", 8, 8), DiffLine(" ", "line 9", 9, 9),
        DiffLine("-", "line 10", 10, None), DiffLine("+", "line ten", None, 10),
        DiffLine(" ", "line 11", 11, 11), DiffLine(" ", "line 12", 12, 12),
        Skipped(6),
        DiffLine(" ", "line 19", 19, 19),
        DiffLine(" ", "line 20", 20, 20), DiffLine("+", "line 21", None, 21),
    )


def test_unchanged_text_is_one_collapsed_run() -> None:
    assert line_diff("a\nb\n", "a\nb\n") == ((Skipped(2),), 0, 0)


@pytest.mark.parametrize(("old", "new", "status"), [
    ({"prompts/x/prompt.md": "a"}, {"prompts/x/prompt.md": "a", "prompts/x/tests/t.py": "b"},
     ["unchanged", "added"]),
    ({"prompts/x/prompt.md": "a", "prompts/x/starter.py": "s"}, {"prompts/x/prompt.md": "b"},
     ["changed", "removed"]),
])
def test_files_diff_lists_every_path_with_its_status(old, new, status) -> None:
    diffs = files_diff(old, new)
    assert [d.path for d in diffs][0] == "prompts/x/prompt.md"
    assert [d.status for d in diffs] == status
