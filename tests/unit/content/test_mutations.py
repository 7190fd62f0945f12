"""Random damage to valid content files yields reported problems, never an exception."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.content.validate import load_content
from tests.factories.content import write_content

FILES = [
    "prompts/competencies.md",
    "prompts/url-shortener.md",
    "rubrics/url-shortener.md",
    "prompts/sum-two/prompt.md",
    "rubrics/sum-two.md",
]
# Pieces of the format itself, so mutations land on meaningful syntax.
FRAGMENTS = ["---", "...", ":", ": ", "- ", "## ", "#", "[", "]", "{", "}", "\n", "  ", "\t",
             "'", '"', "&a", "*a", "!!python/object:os.system", "weight: ", "auto: tests",
             "signals: ,,", "- 9: x", "- 0:", "bar: ", "scale: ", "kind: coding", "```", "~~~",
             "minutes: -1", "title: ", "\x00", "\ufeff", "é", "1e309", "null", "[]", "{}"]


@st.composite
def mutation(draw):
    name = draw(st.sampled_from(FILES))
    action = draw(st.sampled_from(["insert", "delete", "duplicate", "truncate", "replace"]))
    position = draw(st.floats(min_value=0, max_value=1))
    fragment = draw(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)))
    span = draw(st.integers(min_value=1, max_value=40))
    return name, action, position, fragment, span


def apply(text: str, action: str, position: float, fragment: str, span: int) -> str:
    at = int(position * len(text))
    if action == "insert":
        return text[:at] + fragment + text[at:]
    if action == "delete":
        return text[:at] + text[at + span:]
    if action == "duplicate":
        return text[:at] + text[at:at + span] + text[at:]
    if action == "truncate":
        return text[:at]
    return text[:at] + fragment + text[at + span:]


@settings(max_examples=int(os.environ.get("ARCHBOARD_MUTATIONS", "400")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation(), min_size=1, max_size=4))
def test_any_mutation_gives_problems_not_exceptions(mutations):
    with tempfile.TemporaryDirectory() as tmp:
        root = write_content(Path(tmp))
        for name, action, position, fragment, span in mutations:
            path = root / name
            path.write_text(apply(path.read_text(), action, position, fragment, span))
        content = load_content(root)  # must not raise
        for problem in content.problems:
            assert problem.line >= 1
            assert (root / problem.path.rstrip("/")).exists()
            assert problem.message


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_in_a_prompt_file_give_problems_not_exceptions(data):
    with tempfile.TemporaryDirectory() as tmp:
        root = write_content(Path(tmp))
        (root / "prompts/url-shortener.md").write_bytes(data)
        content = load_content(root)
        assert not content.ok or "url-shortener" in content.prompts
