"""Every rule of the content format, one broken variant each, with its exact path:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content.model import Severity
from app.content.validate import load_content
from tests.factories.content import write_content


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_content(tmp_path / "content")


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text()
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1))


def problems(root: Path, severity: Severity = Severity.ERROR) -> list[str]:
    return [str(p) for p in sorted(load_content(root).problems) if p.severity is severity]


def test_the_valid_tree_has_no_problems_at_all(tree):
    content = load_content(tree)
    assert [str(p) for p in content.problems] == []
    assert set(content.prompts) == {"url-shortener", "sum-two"}
    assert set(content.competencies) == {"api-design", "scalability"}


def test_a_hint_names_the_criterion_it_gives_away(tree):
    edit(tree, "prompts/url-shortener.md", "- Where do", "-  [Gives away:  Storage ]  Where do")
    content = load_content(tree)
    assert [str(p) for p in content.problems] == []
    prompt = content.prompts["url-shortener"]
    # The marker is not part of the hint the candidate reads.
    assert prompt.hints == ("How long must a code be?", "Where do redirects read from?",
                            "What happens on a collision?")
    assert prompt.hint_criteria == (None, "Storage", None)
    assert prompt.hint_lines == (12, 13, 14)


def test_what_the_valid_tree_parses_to(tree):
    content = load_content(tree)
    prompt = content.prompts["url-shortener"]
    assert (prompt.kind, prompt.level, prompt.minutes, prompt.status) == (
        "system-design", "mid", 45, "published")
    assert prompt.rubric == "url-shortener"  # defaults to the prompt's own slug
    assert prompt.hints == ("How long must a code be?", "Where do redirects read from?",
                            "What happens on a collision?")
    assert len(prompt.follow_ups) == 3
    assert prompt.statement == "Design a service that turns long URLs into short ones."
    assert prompt.reference.startswith("A strong answer")
    rubric = content.rubrics["url-shortener"]
    assert rubric.scale == {1: "Weak", 2: "Mixed", 3: "Solid", 4: "Strong"}
    assert rubric.bar == {"mid": 2.5, "senior": 3.0}
    assert rubric.bar_for("staff") == 3.0  # a level left out uses the default
    requirements, storage = rubric.criteria
    assert (requirements.weight, requirements.auto) == (2.0, None)
    assert requirements.signals == ("redirects per second", "301", "expiry")
    assert requirements.description == "Does the candidate scope the problem?"
    assert requirements.descriptors[2] == "Names requirements vaguely."
    assert (storage.auto, storage.signals) == (None, ("key-value", "index", "base62"))
    coding = content.prompts["sum-two"]
    assert set(coding.hidden_tests) == {"tests/test_hidden.py"}
    assert set(coding.public_tests) == {"tests/test_public.py"}
    assert content.rubrics["sum-two"].bar == 3.0  # the default scale's second-highest level


def test_competency_keywords_and_descriptions(tree):
    api = load_content(tree).competencies["api-design"]
    assert api.title == "API design"
    assert api.keywords == ("REST", "endpoint", "versioning")
    assert api.description == "Contracts between services."


def test_optional_keys_take_their_defaults(tree):
    edit(tree, "prompts/url-shortener.md", "level: mid\n", "")
    edit(tree, "prompts/url-shortener.md", "tags: [hashing, cache]\n", "")
    prompt = load_content(tree).prompts["url-shortener"]
    assert (prompt.level, prompt.tags, prompt.status) == ("senior", (), "published")


def test_reserved_headings_match_case_insensitively_and_not_inside_code(tree):
    edit(tree, "prompts/url-shortener.md", "## Hints", "## HINTS")
    edit(tree, "prompts/url-shortener.md", "Design a service that turns long URLs into short ones.",
         "Design it.\n\n```text\n## Reference\nnot a section\n```")
    prompt = load_content(tree).prompts["url-shortener"]
    assert len(prompt.hints) == 3
    assert "## Reference\nnot a section" in prompt.statement
    assert prompt.reference.startswith("A strong answer")


# (file, old text, new text, the exact problem)
BROKEN = [
    pytest.param("prompts/url-shortener.md", "competencies: [api-design, scalability]",
                 "competencies: [api-design, scalabilty]",
                 'prompts/url-shortener.md:6: competency "scalabilty" is not defined in '
                 'prompts/competencies.md (did you mean "scalability"?)',
                 id="misspelt-competency"),
    pytest.param("prompts/url-shortener.md", "competencies: [api-design, scalability]",
                 "competencies:\n  - api-design\n  - scaleability",
                 'prompts/url-shortener.md:8: competency "scaleability" is not defined in '
                 'prompts/competencies.md (did you mean "scalability"?)',
                 id="misspelt-competency-in-block-list"),
    pytest.param("prompts/url-shortener.md", "tags: [hashing, cache]",
                 "tags: [hashing, cache]\nrubric: url-shortner",
                 'prompts/url-shortener.md:8: prompt has no rubric: rubrics/url-shortner.md '
                 'does not exist (did you mean "url-shortener"?)',
                 id="misspelt-rubric"),
    pytest.param("prompts/url-shortener.md", "competencies: [api-design, scalability]",
                 "competencies: [api-design, scalability",
                 "prompts/url-shortener.md:7: front matter is not valid YAML: expected ',' or "
                 "']', but got ':'",
                 id="malformed-yaml"),
    pytest.param("prompts/url-shortener.md", "---\ntitle", "title",
                 "prompts/url-shortener.md:1: no front matter: the file must start with a line "
                 "'---', then key: value lines, then '---'",
                 id="no-front-matter"),
    pytest.param("prompts/url-shortener.md", "tags: [hashing, cache]\n---",
                 "tags: [hashing, cache]",
                 "prompts/url-shortener.md:1: front matter is not closed: add a line '---' "
                 "after the last key: value line",
                 id="front-matter-not-closed"),
    pytest.param("prompts/url-shortener.md", "minutes: 45", "minutes: 45\nminutes: 50",
                 'prompts/url-shortener.md:6: key "minutes" appears twice in the front matter '
                 '(first on line 5)',
                 id="duplicate-key"),
    pytest.param("prompts/url-shortener.md", "title: Design a URL shortener\n", "",
                 'prompts/url-shortener.md:1: front matter has no "title"', id="no-title"),
    pytest.param("prompts/url-shortener.md", "title: Design a URL shortener",
                 "title: " + "x" * 121,
                 "prompts/url-shortener.md:2: title must be text of 1 to 120 characters",
                 id="title-too-long"),
    pytest.param("prompts/url-shortener.md", "kind: system-design", "kind: system-desgin",
                 "prompts/url-shortener.md:3: kind must be \"system-design\" or \"coding\" or "
                 "\"code-review\" or \"incident\" or \"sql\", got 'system-desgin' (did you mean "
                 "\"system-design\"?)",
                 id="bad-kind"),
    pytest.param("prompts/url-shortener.md", "kind: system-design\n", "",
                 'prompts/url-shortener.md:1: front matter has no "kind" (one of system-design, '
                 'coding, code-review, incident, sql)',
                 id="no-kind"),
    pytest.param("prompts/url-shortener.md", "level: mid", "level: junior",
                 "prompts/url-shortener.md:4: level must be \"mid\" or \"senior\" or \"staff\", "
                 "got 'junior'",
                 id="bad-level"),
    pytest.param("prompts/url-shortener.md", "minutes: 45", "minutes: 300",
                 "prompts/url-shortener.md:5: minutes must be a whole number from 5 to 240, "
                 "got 300",
                 id="minutes-out-of-range"),
    pytest.param("prompts/url-shortener.md", "minutes: 45", "minutes: forty",
                 "prompts/url-shortener.md:5: minutes must be a whole number from 5 to 240, "
                 "got 'forty'",
                 id="minutes-not-a-number"),
    pytest.param("prompts/url-shortener.md", "minutes: 45\n", "",
                 'prompts/url-shortener.md:1: front matter has no "minutes" (the time box, 5 to '
                 '240)',
                 id="no-minutes"),
    pytest.param("prompts/url-shortener.md", "competencies: [api-design, scalability]",
                 "competencies: []",
                 "prompts/url-shortener.md:6: competencies must list at least one competency "
                 "slug",
                 id="no-competencies"),
    pytest.param("prompts/url-shortener.md", "tags: [hashing, cache]",
                 "tags: [hashing, cache]\nstatus: hidden",
                 "prompts/url-shortener.md:8: status must be \"published\" or \"draft\", got "
                 "'hidden'",
                 id="bad-status"),
    pytest.param("prompts/url-shortener.md",
                 "Design a service that turns long URLs into short ones.\n", "",
                 "prompts/url-shortener.md:9: prompt has no statement: write the problem after "
                 "the front matter",
                 id="no-statement"),
    pytest.param("prompts/url-shortener.md", "## Follow-ups", "## hints\n- again\n\n## Follow-ups",
                 'prompts/url-shortener.md:16: section "## Hints" appears twice (first on line '
                 '11)',
                 id="duplicate-section"),
    pytest.param("prompts/url-shortener.md", "- Where do", "- [gives away: Storag] Where do",
                 'prompts/url-shortener.md:13: hint 2 gives away criterion "Storag", which '
                 'rubric "url-shortener" does not have (did you mean "Storage"?)',
                 id="hint-gives-away-an-unknown-criterion"),
    pytest.param("prompts/url-shortener.md", "- Where do", "- [gives away: ] Where do",
                 "prompts/url-shortener.md:13: hint names no criterion: write [gives away: "
                 "<criterion name>] or drop the brackets",
                 id="hint-gives-away-nothing"),
    pytest.param("prompts/url-shortener.md", "- Where do", "- [gives away: Storage Where do",
                 "prompts/url-shortener.md:13: hint marker is not closed: write [gives away: "
                 "<criterion name>] before the hint's text",
                 id="hint-marker-not-closed"),
    pytest.param("prompts/url-shortener.md", "- Where do redirects read from?",
                 "- [gives away: Storage]",
                 "prompts/url-shortener.md:13: hint has no text after [gives away: ...]",
                 id="hint-without-text"),
    pytest.param("rubrics/url-shortener.md", "- 2: Names requirements vaguely.\n", "",
                 'rubrics/url-shortener.md:7: criterion "Requirements" has no descriptor for '
                 'level 2',
                 id="missing-descriptor"),
    pytest.param("rubrics/url-shortener.md", "- 2: Names requirements vaguely.",
                 "- 2: Names requirements vaguely.\n- 2: Again.",
                 'rubrics/url-shortener.md:16: criterion "Requirements" has two descriptors '
                 'for level 2 (first on line 15)',
                 id="duplicate-descriptor"),
    pytest.param("rubrics/url-shortener.md", "- 1: Starts designing without scoping.",
                 "- 1: Starts designing without scoping.\n- 5: Beyond the scale.",
                 'rubrics/url-shortener.md:17: criterion "Requirements" has a descriptor for '
                 'level 5, outside the scale 1–4',
                 id="descriptor-outside-scale"),
    pytest.param("rubrics/url-shortener.md", "- 3: Covers the main numbers with one gap.",
                 "- 3:", 'rubrics/url-shortener.md:14: criterion "Requirements": the descriptor '
                         'for level 3 is empty',
                 id="empty-descriptor"),
    pytest.param("rubrics/url-shortener.md", "weight: 2", "weight: 0",
                 "rubrics/url-shortener.md:8: weight must be a positive number, got '0'",
                 id="zero-weight"),
    pytest.param("rubrics/url-shortener.md", "weight: 2", "weight: -1.5",
                 "rubrics/url-shortener.md:8: weight must be a positive number, got '-1.5'",
                 id="negative-weight"),
    pytest.param("rubrics/url-shortener.md", "weight: 2", "weight: heavy",
                 "rubrics/url-shortener.md:8: weight must be a positive number, got 'heavy'",
                 id="weight-not-a-number"),
    pytest.param("rubrics/url-shortener.md", "base62\n", "base62\nauto: test",
                 "rubrics/url-shortener.md:21: auto must be \"tests\" or \"findings\" or "
                 "\"evidence\", got 'test' (did you mean \"tests\"?)",
                 id="bad-auto"),
    pytest.param("rubrics/url-shortener.md", "base62\n", "base62\nauto: signals",
                 'rubrics/url-shortener.md:21: criterion "Storage": auto: signals is not '
                 'allowed: signals highlight evidence for a reviewer and never set a level; '
                 'keep the signals: line and remove the auto: line',
                 id="auto-signals-is-refused"),
    pytest.param("rubrics/url-shortener.md", "base62\n", "base62\nauto: tests",
                 'rubrics/url-shortener.md:21: criterion "Storage" is auto: tests, but '
                 'system-design prompt "url-shortener" uses this rubric; only coding and sql '
                 'prompts have tests',
                 id="auto-tests-on-a-design-prompt"),
    pytest.param("rubrics/url-shortener.md", "base62\n", "base62\nauto: evidence",
                 'rubrics/url-shortener.md:21: criterion "Storage" is auto: evidence, but '
                 'system-design prompt "url-shortener" uses this rubric; only incident prompts '
                 'have evidence',
                 id="auto-evidence-on-a-design-prompt"),
    pytest.param("rubrics/url-shortener.md", "## Storage", "## requirements",
                 'rubrics/url-shortener.md:18: criterion "requirements" appears twice (first '
                 'on line 7)',
                 id="duplicate-criterion"),
    pytest.param("rubrics/url-shortener.md", "bar: {mid: 2.5, senior: 3.0}",
                 "scale: {1: Weak, 2: Mixed, 4: Strong}",
                 "rubrics/url-shortener.md:3: scale has a gap: level 3 is missing between 2 "
                 "and 4",
                 id="scale-with-gap"),
    pytest.param("rubrics/url-shortener.md", "bar: {mid: 2.5, senior: 3.0}",
                 "scale: {2: Mixed, 1: Weak, 3: Solid, 4: Strong}",
                 "rubrics/url-shortener.md:3: scale levels must be written in ascending order",
                 id="scale-out-of-order"),
    pytest.param("rubrics/url-shortener.md", "bar: {mid: 2.5, senior: 3.0}",
                 "scale: {one: Weak, 2: Mixed, 3: Solid, 4: Strong}",
                 "rubrics/url-shortener.md:3: scale level 'one' must be a whole number",
                 id="scale-level-not-a-number"),
    pytest.param("rubrics/url-shortener.md", "bar: {mid: 2.5, senior: 3.0}", "bar: 5",
                 "rubrics/url-shortener.md:3: bar 5 is outside the scale 1–4",
                 id="bar-outside-scale"),
    pytest.param("rubrics/url-shortener.md", "bar: {mid: 2.5, senior: 3.0}",
                 "bar:\n  mid: 2.5\n  senior: 4.5",
                 "rubrics/url-shortener.md:5: bar for senior 4.5 is outside the scale 1–4",
                 id="level-bar-outside-scale"),
    pytest.param("rubrics/url-shortener.md", "bar: {mid: 2.5, senior: 3.0}",
                 "bar: {junior: 2.0}",
                 'rubrics/url-shortener.md:3: bar level "junior" is not one of mid, senior, '
                 'staff',
                 id="bar-unknown-level"),
    pytest.param("rubrics/url-shortener.md", "bar: {mid: 2.5, senior: 3.0}", "bar: high",
                 "rubrics/url-shortener.md:3: bar must be a number, got 'high'",
                 id="bar-not-a-number"),
    pytest.param("prompts/competencies.md", "## scalability: Scalability", "## scalability",
                 'prompts/competencies.md:8: competency heading "scalability" must read '
                 '"## slug: Title"',
                 id="competency-heading-without-title"),
    pytest.param("prompts/competencies.md", "## scalability: Scalability",
                 "## api-design: Scalability",
                 'prompts/competencies.md:8: competency "api-design" is defined twice (first on '
                 'line 3)',
                 id="duplicate-competency"),
    pytest.param("prompts/competencies.md", "## scalability: Scalability",
                 "## Scalability: Scalability",
                 'prompts/competencies.md:8: competency slug "Scalability" must be lowercase '
                 'letters, digits and hyphens',
                 id="bad-competency-slug"),
    pytest.param("prompts/sum-two/prompt.md", "kind: coding", "kind: coding",
                 None, id="control-no-change"),
]


@pytest.mark.parametrize(("name", "old", "new", "expected"), BROKEN)
def test_each_broken_variant_is_reported_exactly(tree, name, old, new, expected):
    edit(tree, name, old, new)
    found = problems(tree)
    if expected is None:
        assert found == []
    else:
        assert expected in found, "\n".join(found)


def test_front_matter_that_is_not_a_mapping_is_an_error(tree):
    (tree / "prompts/url-shortener.md").write_text("---\n- just\n- a list\n---\nBody.\n")
    assert "prompts/url-shortener.md:2: front matter must be key: value lines" in problems(tree)


def test_not_utf8_names_the_line_and_byte(tree):
    (tree / "prompts/url-shortener.md").write_bytes(b"---\ntitle: caf\xe9\n---\n")
    assert problems(tree) == ["prompts/url-shortener.md:2: not valid UTF-8 (byte 0xe9 at "
                              "offset 14); save the file as UTF-8"]


def test_a_slug_defined_in_both_forms_is_an_error(tree):
    folder = tree / "prompts/url-shortener"
    folder.mkdir()
    shutil.copy(tree / "prompts/url-shortener.md", folder / "prompt.md")
    assert ('prompts/url-shortener.md:1: prompt slug "url-shortener" is defined twice: '
            'prompts/url-shortener/prompt.md and prompts/url-shortener.md') in problems(tree)


def test_a_prompt_without_a_rubric_is_an_error(tree):
    (tree / "rubrics/url-shortener.md").unlink()
    assert problems(tree) == ["prompts/url-shortener.md:1: prompt has no rubric: "
                              "rubrics/url-shortener.md does not exist"]


def test_a_coding_prompt_without_tests_is_an_error(tree):
    shutil.rmtree(tree / "prompts/sum-two/tests")
    assert problems(tree) == ["prompts/sum-two/prompt.md:1: coding prompt has no tests/ folder"]


def test_a_coding_prompt_without_hidden_tests_is_an_error(tree):
    (tree / "prompts/sum-two/tests/test_hidden.py").unlink()
    assert problems(tree) == ["prompts/sum-two/prompt.md:1: coding prompt has no hidden tests: "
                              "add tests/test_hidden.py"]


@pytest.mark.parametrize("missing", ["starter.py", "solution.py"])
def test_a_coding_prompt_needs_its_starter_and_solution(tree, missing):
    (tree / "prompts/sum-two" / missing).unlink()
    assert problems(tree) == [f"prompts/sum-two/prompt.md:1: coding prompt has no {missing}"]


def write_mutant(tree: Path, name: str, text: str) -> None:
    path = tree / "prompts/sum-two/mutants" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)


def test_a_mutant_that_names_its_kind_loads_as_a_file_of_the_prompt(tree):
    write_mutant(tree, "subtracts.py", '"""contract: subtracts instead of adding."""\n\n\n'
                                       'def add(a, b):\n    return a - b\n')
    content = load_content(tree)
    assert [str(p) for p in content.problems] == []
    coding = content.prompts["sum-two"]
    assert set(coding.mutants) == {"mutants/subtracts.py"}
    assert "mutants/subtracts.py" not in {**coding.public_tests, **coding.hidden_tests}


@pytest.mark.parametrize(("name", "text", "expected"), [
    pytest.param("no-doc.py", "def add(a, b):\n    return a - b\n",
                 'prompts/sum-two/mutants/no-doc.py:1: mutant has no docstring: start the file '
                 'with """<kind>: <what is wrong>""", the kind one of race, complexity, ordering, '
                 'types, boundary, cancellation, stale, state, contract', id="no docstring"),
    pytest.param("bad-kind.py", '# a comment first\n"""sloppy: subtracts."""\n',
                 'prompts/sum-two/mutants/bad-kind.py:2: mutant docstring must start "<kind>: '
                 '<what is wrong>", the kind one of race, complexity, ordering, types, boundary, '
                 'cancellation, stale, state, contract; got "sloppy: subtracts."',
                 id="unknown kind"),
    pytest.param("no-colon.py", '"""race without a colon"""\n',
                 'prompts/sum-two/mutants/no-colon.py:1: mutant docstring must start "<kind>: '
                 '<what is wrong>", the kind one of race, complexity, ordering, types, boundary, '
                 'cancellation, stale, state, contract; got "race without a colon"',
                 id="no colon"),
    pytest.param("broken.py", '"""race: no lock."""\n\n\ndef add(a, b)\n    return a\n',
                 "prompts/sum-two/mutants/broken.py:4: mutant is not valid Python: expected ':'",
                 id="not python"),
    pytest.param("Upper Case.py", '"""race: no lock."""\n',
                 "prompts/sum-two/mutants/Upper Case.py:1: a mutant is mutants/<name>.py, the "
                 "name in lowercase letters, digits, hyphens and underscores", id="bad name"),
])
def test_a_mutant_without_a_known_kind_is_an_error_at_its_line(tree, name, text, expected):
    write_mutant(tree, name, text)
    assert problems(tree) == [expected]


def test_a_coding_prompt_must_be_a_folder(tree):
    edit(tree, "prompts/url-shortener.md", "kind: system-design", "kind: coding")
    assert ("prompts/url-shortener.md:3: a coding prompt must be a folder: "
            "prompts/url-shortener/prompt.md with starter.py, solution.py and tests/"
            ) in problems(tree)


def test_a_prompt_folder_without_prompt_md_is_an_error(tree):
    (tree / "prompts/sum-two/prompt.md").unlink()
    assert "prompts/sum-two/:1: prompt folder has no prompt.md" in problems(tree)


def test_a_file_name_that_is_not_a_slug_is_an_error(tree):
    (tree / "prompts/url-shortener.md").rename(tree / "prompts/URL_shortener.md")
    assert ('prompts/URL_shortener.md:1: prompt slug "URL_shortener" must be lowercase letters, '
            'digits and hyphens') in problems(tree)


def test_a_rubric_without_criteria_is_an_error(tree):
    (tree / "rubrics/sum-two.md").write_text("---\ntitle: Empty\n---\nJust an intro.\n")
    assert problems(tree) == ['rubrics/sum-two.md:4: rubric has no criteria: add a '
                              '"## <criterion name>" section for each']


def test_missing_competencies_file_is_an_error(tree):
    (tree / "prompts/competencies.md").unlink()
    assert problems(tree) == ["prompts/competencies.md:1: file not found: the competency list "
                              "is required"]


def test_missing_folders_are_an_error(tmp_path):
    assert problems(tmp_path) == [f"prompts/:1: folder prompts/ not found under {tmp_path}",
                                  f"rubrics/:1: folder rubrics/ not found under {tmp_path}"]


def test_an_oversized_file_is_an_error(tree):
    (tree / "prompts/url-shortener.md").write_text("x" * 1_000_001)
    assert problems(tree) == ["prompts/url-shortener.md:1: file is larger than 1,000,000 bytes"]


def test_every_problem_in_a_file_is_reported_not_only_the_first(tree):
    edit(tree, "prompts/url-shortener.md", "kind: system-design", "kind: nope")
    edit(tree, "prompts/url-shortener.md", "minutes: 45", "minutes: 1")
    edit(tree, "rubrics/url-shortener.md", "weight: 2", "weight: 0")
    assert len(problems(tree)) == 3


# Warnings: the content still loads.
WARNED = [
    pytest.param("prompts/url-shortener.md", "minutes: 45", "minutes: 45\ntimebox: 30",
                 'prompts/url-shortener.md:6: warning: unknown front-matter key "timebox" is '
                 'ignored', id="unknown-key"),
    pytest.param("prompts/url-shortener.md", "minutes: 45", "minutes: 45\ncompetency: [x]",
                 'prompts/url-shortener.md:6: warning: unknown front-matter key "competency" '
                 'is ignored (did you mean "competencies"?)', id="unknown-key-did-you-mean"),
    pytest.param("rubrics/url-shortener.md", "weight: 2", "wieght: 2",
                 'rubrics/url-shortener.md:8: warning: unknown criterion key "wieght" is '
                 'ignored (did you mean "weight"?)', id="unknown-criterion-key"),
    pytest.param("prompts/url-shortener.md", "## Hints", "## Hint",
                 'prompts/url-shortener.md:11: warning: heading "Hint" is not a reserved '
                 'section and stays in the statement (did you mean "hints"?)',
                 id="near-miss-section"),
    pytest.param("prompts/url-shortener.md", "- How long must a code be?",
                 "Think about:\n- How long must a code be?",
                 "prompts/url-shortener.md:12: warning: text in ## Hints that is not a bullet "
                 "is ignored", id="stray-text-in-hints"),
    pytest.param("rubrics/url-shortener.md", "signals: redirects per second, 301, expiry",
                 "signals: redirects per second, 301, 301", 'rubrics/url-shortener.md:9: '
                 'warning: signal "301" is listed twice', id="duplicate-signal"),
    pytest.param("prompts/sum-two/tests/test_public.py", "def test_small", "def test_small",
                 None, id="control"),
]


@pytest.mark.parametrize(("name", "old", "new", "expected"), WARNED)
def test_warnings_are_reported_and_the_content_still_loads(tree, name, old, new, expected):
    edit(tree, name, old, new)
    content = load_content(tree)
    assert content.ok, [str(p) for p in content.errors]
    warnings = [str(p) for p in content.warnings]
    assert warnings == ([] if expected is None else [expected])


def test_an_unused_competency_or_rubric_is_a_warning(tree):
    edit(tree, "prompts/url-shortener.md", "competencies: [api-design, scalability]",
         "competencies: [api-design]")
    (tree / "rubrics/spare.md").write_text((tree / "rubrics/sum-two.md").read_text())
    assert problems(tree, Severity.WARNING) == [
        'prompts/competencies.md:8: warning: competency "scalability" is not used by any prompt',
        "rubrics/spare.md:1: warning: rubric is not used by any prompt",
    ]


def test_a_coding_rubric_without_auto_tests_is_a_warning(tree):
    edit(tree, "rubrics/sum-two.md", "auto: tests\n", "")
    assert problems(tree, Severity.WARNING) == [
        'prompts/sum-two/prompt.md:1: warning: rubric "sum-two" has no auto: tests criterion, '
        'so the hidden tests will not feed a score']


def test_revisions_hash_every_file_of_a_prompt(tree):
    before = load_content(tree).prompts["sum-two"].content_hash
    edit(tree, "prompts/sum-two/tests/test_hidden.py", "-3", "-3  # same")
    after = load_content(tree).prompts["sum-two"].content_hash
    assert before != after
    assert load_content(tree).prompts["sum-two"].content_hash == after


def test_a_control_character_in_front_matter_is_an_error_with_its_line(tree):
    edit(tree, "prompts/url-shortener.md", "level: mid", "level: m\x1bid")
    assert problems(tree) == ["prompts/url-shortener.md:4: front matter is not valid YAML: "
                              "character '\\x1b' is not allowed"]


# Gates ----------------------------------------------------------------------------------------

GATE_AT = "weight: 2\nsignals: redirects per second, 301, expiry\n"


@pytest.mark.parametrize(("gate", "expected"), [
    pytest.param("gate: 3", {"mid": 3, "senior": 3, "staff": 3}, id="every-level"),
    pytest.param("gate: {senior: 3, staff: 4}", {"senior": 3, "staff": 4}, id="per-level"),
    pytest.param("gate: {staff: 2, mid: 2}", {"mid": 2, "staff": 2}, id="in-level-order"),
])
def test_a_gate_is_read_for_every_target_level_or_per_level(tree, gate, expected):
    edit(tree, "rubrics/url-shortener.md", GATE_AT, f"weight: 2\n{gate}\n"
                                                    "signals: redirects per second, 301, expiry\n")
    content = load_content(tree)
    assert [str(p) for p in content.problems] == []
    requirements, storage = content.rubrics["url-shortener"].criteria
    assert requirements.gate == expected
    assert storage.gate == {}


@pytest.mark.parametrize(("gate", "message"), [
    pytest.param("gate: 5", 'criterion "Requirements": gate 5 is outside the scale 1–4',
                 id="outside-scale"),
    pytest.param("gate: 1", 'criterion "Requirements": gate 1 is the scale\'s lowest level, '
                            'which every answer reaches; gate at 2 or above', id="lowest-level"),
    pytest.param("gate: 2.5", 'criterion "Requirements": gate must be a whole level of the '
                              'scale 1–4, got 2.5', id="not-whole"),
    pytest.param("gate: {junior: 3}", 'criterion "Requirements": gate target level "junior" '
                                      'is not one of mid, senior, staff', id="unknown-target"),
    pytest.param("gate: {senoir: 3}", 'criterion "Requirements": gate target level "senoir" '
                                      'is not one of mid, senior, staff (did you mean '
                                      '"senior"?)', id="misspelt-target"),
    pytest.param("gate: {senior: 0}", 'criterion "Requirements": gate for senior 0 is outside '
                                      'the scale 1–4', id="per-level-outside-scale"),
    pytest.param("gate: high", 'criterion "Requirements": gate must be a level of the scale, '
                               'like gate: 3, or a level per target level, like gate: {senior: '
                               "3, staff: 3}, got 'high'", id="text"),
    pytest.param("gate: {}", 'criterion "Requirements": gate must be a level of the scale, '
                             'like gate: 3, or a level per target level, like gate: {senior: '
                             '3, staff: 3}', id="empty-map"),
])
def test_a_wrong_gate_is_an_error_at_its_line(tree, gate, message):
    edit(tree, "rubrics/url-shortener.md", GATE_AT, f"weight: 2\n{gate}\n")
    assert f"rubrics/url-shortener.md:9: {message}" in problems(tree)


def test_a_gate_written_twice_is_an_error(tree):
    edit(tree, "rubrics/url-shortener.md", GATE_AT, "weight: 2\ngate: 3\ngate: 2\n")
    assert 'rubrics/url-shortener.md:10: criterion "Requirements" sets gate twice' \
        in problems(tree)


KNOCKOUT_INTRO = "Judge the design, not the vocabulary."


@pytest.mark.parametrize("promise", [
    "A candidate who never mentions expiry cannot reach the bar.",
    "Without a redirect status the answer does not meet the\nsenior bar.",
    "Missing the key scheme is below the bar, whatever else is good.",
    "A design can look clean and still fail on expiry.",
    "No redirect status means it cannot pass, however thorough the rest.",
])
def test_a_knock_out_promised_in_the_introduction_needs_a_gate(tree, promise):
    edit(tree, "rubrics/url-shortener.md", KNOCKOUT_INTRO, promise)
    found = [p for p in problems(tree) if "promises a knock-out" in p]
    assert found, promise
    assert all(p.startswith("rubrics/url-shortener.md:5: the text promises a knock-out")
               and "no criterion has a gate" in p for p in found)
    edit(tree, "rubrics/url-shortener.md", GATE_AT, "weight: 2\ngate: 3\n")
    assert problems(tree) == []


def test_a_knock_out_in_a_descriptor_needs_a_gate_on_that_criterion(tree):
    edit(tree, "rubrics/url-shortener.md", "- 2: Picks a store that fits poorly.",
         "- 2: Picks a store that fits poorly; such an answer cannot meet the bar.")
    edit(tree, "rubrics/url-shortener.md", GATE_AT, "weight: 2\ngate: 3\n")
    assert problems(tree) == [
        'rubrics/url-shortener.md:25: the text promises a knock-out ("cannot meet the bar") '
        'but criterion "Storage" has no gate: add "gate: <level>" to the criterion that '
        'decides it, or reword the text']


@pytest.mark.parametrize("harmless", [
    "A candidate who meets the bar names the redirect status.",
    "Expiry that cannot pass the hidden tests is caught by them.",
    "A bar chart of redirects is not required.",
])
def test_text_that_promises_no_knock_out_passes_without_gates(tree, harmless):
    edit(tree, "rubrics/url-shortener.md", KNOCKOUT_INTRO, harmless)
    assert problems(tree) == []
