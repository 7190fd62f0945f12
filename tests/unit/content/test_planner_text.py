"""The planner's reading of text: sentences of a pasted posting, and the cue file's format
with its exact path:line problems."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.content.planner import MAX_CHARS, load_cues, parse_cues, split_sentences
from app.content.planner.cues import parse_cue, words
from app.content.validate import load_content
from tests.factories.content import RESPONSIBILITIES, write_content

ROOT = Path(__file__).resolve().parents[3]
CUES = "prompts/responsibility-cues.md"


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text).sentences]


# Sentences ------------------------------------------------------------------


def test_prose_splits_at_full_stops_but_not_after_abbreviations_initials_or_decimals():
    text = ("We use Python, e.g. Django. Experience with Node.js is a plus. "
            "Report to Dr. Smith vs. the U.S. team! Grow 2.5x in a year? "
            "Tools (Kafka, Redis, etc.) matter. Etc. ends here.")
    assert texts(text) == [
        "We use Python, e.g. Django.",
        "Experience with Node.js is a plus.",
        "Report to Dr. Smith vs. the U.S. team!",
        "Grow 2.5x in a year?",
        "Tools (Kafka, Redis, etc.) matter.",
        "Etc. ends here.",
    ]


def test_each_bullet_is_a_sentence_without_its_marker_and_keeps_its_line():
    text = ("Responsibilities:\n"
            "- Own services end to end\n"
            "* Review code\n"
            "\u2022 Mentor engineers\n"
            "1. Lead incidents\n"
            "2) Plan capacity\n")
    split = split_sentences(text)
    assert [(s.number, s.line, s.text) for s in split.sentences] == [
        (1, 1, "Responsibilities:"), (2, 2, "Own services end to end"), (3, 3, "Review code"),
        (4, 4, "Mentor engineers"), (5, 5, "Lead incidents"), (6, 6, "Plan capacity"),
    ]


def test_a_hard_wrapped_sentence_is_joined_and_a_blank_line_or_capital_ends_one():
    text = ("You will design APIs that\n"
            "other teams depend on\n"
            "and keep them fast.\n"
            "About us\n"
            "\n"
            "we ship weekly\r\n"
            "Benefits\r"
            "Remote work")
    split = split_sentences(text)
    assert [(s.line, s.text) for s in split.sentences] == [
        (1, "You will design APIs that other teams depend on and keep them fast."),
        (4, "About us"), (6, "we ship weekly"), (7, "Benefits"), (8, "Remote work"),
    ]


def test_a_sentence_that_starts_mid_paragraph_gets_the_line_it_starts_on():
    split = split_sentences("First part of it\ncontinues here. Second one\nis wrapped too.")
    assert [(s.line, s.text) for s in split.sentences] == [
        (1, "First part of it continues here."), (2, "Second one is wrapped too."),
    ]


def test_empty_and_punctuation_only_text_has_no_sentences():
    for text in ("", "   \n\t\n", "- \n* \n...\n---"):
        split = split_sentences(text)
        assert split.sentences == () and split.notice is None


def test_markup_is_plain_text_and_invisible_characters_are_dropped():
    text = "<script>alert(1)</script> Own the **design** of\x00 services\u200b.\n<b>Kafka</b>"
    assert texts(text) == ["<script>alert(1)</script> Own the **design** of services .",
                           "<b>Kafka</b>"]


def test_huge_text_is_cut_at_the_limit_with_a_notice():
    line = "Build services that tolerate failure and review code every day. "
    text = line * (5_000_000 // len(line))
    split = split_sentences(text)
    read = sum(len(s.text) + 1 for s in split.sentences)
    assert MAX_CHARS - 200 <= read <= MAX_CHARS + 1
    assert split.dropped == len(text) - (read - 1)
    assert split.notice == (f"Only the first {MAX_CHARS:,} characters were read; the remaining "
                            f"{split.dropped:,} were ignored.")
    # Cut at a space: the last sentence read is a whole word's worth, not half a word.
    assert split.sentences[-1].text.split()[-1] in line.split()


# Processor time for splitting a posting of the most characters read; real ones take
# a few milliseconds, and a split whose work grows with the square of the text takes
# seconds on these.
CPU_BOUND = 0.5
HOSTILE = {
    "a run of full stops": "." * MAX_CHARS,
    "a run of marks and quotes": '!?."' * (MAX_CHARS // 4),
    "one sentence without a stop": "design " * (MAX_CHARS // 7),
    "abbreviations only": "e.g. " * (MAX_CHARS // 5),
    "a wrapped paragraph of short sentences": "go. Yes and\n" * (MAX_CHARS // 12),
    "list markers only": "- \n" * (MAX_CHARS // 3),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_posting_is_split_in_bounded_time(name):
    started = time.process_time()
    split = split_sentences(HOSTILE[name])
    assert time.process_time() - started < CPU_BOUND
    assert all(s.text.strip() for s in split.sentences)


def test_sentences_of_a_long_wrapped_paragraph_keep_their_lines():
    split = split_sentences("go. Yes and\n" * 3)
    assert [(s.line, s.text) for s in split.sentences] == [
        (1, "go."), (1, "Yes and go."), (2, "Yes and go."), (3, "Yes and")]


# Cues -----------------------------------------------------------------------


def cue(text: str):
    problems: list = []
    found = parse_cue(CUES, 3, text, problems)
    assert problems == []
    return found


def folded(text: str) -> list[str]:
    return [w for w, _, _ in words(text)]


@pytest.mark.parametrize(("phrase", "text", "hit"), [
    ("code review", "Conducting thoughtful Code-Reviews daily", (2, 4)),
    ("ci cd", "robust CI/CD pipelines", (1, 3)),
    ("mentor*", "mentoring junior developers", (0, 1)),
    ("data model*", "designing data models", (1, 3)),
    ("design ... review*", "rigorous design and code reviews", (1, 5)),
    ("design ... review*", "design one two three reviews", (0, 5)),
    ("design ... review*", "design one two three four reviews", None),
    ("query", "optimising queries", (1, 2)),
    ("kafka", "Kafkaesque", None),
    ("api", "rapid growth", None),
])
def test_a_cue_matches_words_in_order_ignoring_case_punctuation_and_plurals(phrase, text, hit):
    assert cue(phrase).find(folded(text)) == hit


@pytest.mark.parametrize(("text", "message"), [
    ("* and", 'cue "* and": "*" must end a word, as in "mentor*"'),
    ("ab* testing", 'cue "ab* testing": a prefix needs at least 3 letters before "*"'),
    ("... review", 'cue "... review": "..." must stand between two words'),
    ("design ...", 'cue "design ...": "..." must stand between two words'),
    ("design ... ... review", 'cue "design ... ... review": "..." must stand between two words'),
    ("!!", "a cue must have at least one word"),
    ("a b c d e f g h i", 'cue "a b c d e f g h i" has more than 8 words: a cue is a short '
                          'phrase'),
])
def test_a_bad_cue_is_reported_at_its_line(text, message):
    problems: list = []
    assert parse_cue(CUES, 7, text, problems) is None
    assert [str(p) for p in problems] == [f"{CUES}:7: {message}"]


CUE_FILE = """\
# Cues

Free text before the first section is the file's introduction.

## own-services
- own the design
- backend service*

## code-reviews
- code review*
"""


def test_the_cue_file_is_read_per_responsibility_in_file_order():
    problems: list = []
    cues = parse_cues(CUES, CUE_FILE, problems, ["own-services", "code-reviews"])
    assert problems == []
    assert {slug: [(c.text, c.line) for c in found] for slug, found in cues.items()} == {
        "own-services": [("own the design", 6), ("backend service*", 7)],
        "code-reviews": [("code review*", 10)],
    }


@pytest.mark.parametrize(("old", "new", "expected"), [
    pytest.param("## code-reviews", "## code-review",
                 [f'{CUES}:9: "code-review" is not a responsibility in '
                  f'prompts/responsibilities.md (did you mean "code-reviews"?)',
                  f'{CUES}:1: warning: responsibility "code-reviews" has no cues, so the '
                  f'planner can never find it'], id="unknown-responsibility"),
    pytest.param("## code-reviews", "## own-services",
                 [f'{CUES}:9: cues for "own-services" are given twice (first on line 5)',
                  f'{CUES}:1: warning: responsibility "code-reviews" has no cues, so the '
                  f'planner can never find it'], id="twice"),
    pytest.param("- backend service*", "backend service*",
                 [f"{CUES}:7: text outside a list: write each cue as a bullet (- phrase)"],
                 id="stray-text"),
    pytest.param("- backend service*", "- Own  the DESIGN!",
                 [f'{CUES}:7: cue "Own  the DESIGN!" repeats the cue on line 6'],
                 id="repeated-cue"),
    pytest.param("- code review*\n", "",
                 [f'{CUES}:9: "code-reviews" has no cues: list phrases as bullets'],
                 id="empty-section"),
])
def test_problems_in_the_cue_file_name_their_line(old, new, expected):
    problems: list = []
    parse_cues(CUES, CUE_FILE.replace(old, new), problems, ["own-services", "code-reviews"])
    assert [str(p) for p in problems] == expected


def test_a_library_with_a_cue_file_loads_it_and_does_not_take_it_for_a_prompt(tmp_path):
    root = write_content(tmp_path / "content")
    (root / "prompts" / "responsibilities.md").write_text(RESPONSIBILITIES)
    (root / CUES).write_text(CUE_FILE)
    content = load_content(root)
    assert [str(p) for p in content.problems] == []
    assert set(content.prompts) == {"url-shortener", "sum-two"}
    cues, problems = load_cues(root, content.responsibilities)
    assert problems == [] and list(cues) == ["own-services", "code-reviews"]


def test_a_library_without_a_cue_file_has_no_cues(tmp_path):
    assert load_cues(write_content(tmp_path / "content")) == ({}, [])


def test_an_unreadable_cue_file_is_reported(tmp_path):
    root = write_content(tmp_path / "content")
    (root / CUES).write_bytes(b"## own-services\n- caf\xe9\n")
    cues, problems = load_cues(root)
    assert cues == {}
    assert [str(p) for p in problems] == [f"{CUES}:2: not valid UTF-8 (byte 0xe9 at offset 21); "
                                          f"save the file as UTF-8"]


def test_the_projects_cue_file_is_valid_and_gives_every_responsibility_cues():
    content = load_content(ROOT)
    cues, problems = load_cues(ROOT, content.responsibilities)
    assert [str(p) for p in problems] == []
    assert set(cues) == set(content.responsibilities)
    assert all(cues[slug] for slug in cues)


def test_the_content_check_reports_the_cue_files_problems_at_their_lines(tmp_path):
    root = write_content(tmp_path / "content")
    (root / "prompts" / "responsibilities.md").write_text(RESPONSIBILITIES)
    (root / CUES).write_text(CUE_FILE.replace("## code-reviews", "## code-review"))
    content = load_content(root)
    line = CUE_FILE.splitlines().index("## code-reviews") + 1
    assert [str(p) for p in content.errors] == [
        f'{CUES}:{line}: "code-review" is not a responsibility in prompts/responsibilities.md '
        f'(did you mean "code-reviews"?)']
    assert not content.ok


def test_an_unreadable_cue_file_fails_the_content_check(tmp_path):
    root = write_content(tmp_path / "content")
    (root / CUES).write_bytes(b"## own-services\n- caf\xe9\n")
    assert [str(p) for p in load_content(root).errors] == [
        f"{CUES}:2: not valid UTF-8 (byte 0xe9 at offset 21); save the file as UTF-8"]
