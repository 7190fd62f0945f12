"""Code review: the candidate reads a change, comments on its lines and gives a verdict.

A prompt is a folder with ``prompt.md`` (the context of the change),
``change.diff`` (the change, a unified diff) and ``findings.md`` (the planted
findings, never shown to candidates). This module reads and checks those
files, checks a candidate's review (JSON the workspace sends), and matches a
review against the findings to suggest a share of the findings found, weighted
by severity. The share is a suggestion for a reviewer to confirm, like any
``auto`` level; the level is ``app.grading.scoring.auto_level(share, lo, hi)``,
computed by the caller because the grading layer sits above the kinds.

The format and the rules are in docs/authoring.md, "Code review prompts".
Pure: no Flask and no database.
"""

from __future__ import annotations

import difflib
import enum
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from app.kinds.registry import (
    AnswerFormat,
    AnswerRefused,
    AnswerScore,
    Editor,
    FileProblem,
    PromptKind,
    register,
)
from app.kinds.unified_diff import ParsedDiff, parse_diff
from app.vocabulary import AutoScorer

DIFF = "change.diff"
FINDINGS = "findings.md"
REQUIRED_FILES = (DIFF, FINDINGS)

# A comment a line or two away from a finding's range still points at it: people comment
# on the line that calls the faulty code, or on the blank line after a block.
MARGIN = 2

# Bounds on a review, far above what a real review of a prompt-sized change needs, so that
# storing, checking and matching one stays cheap whatever a client sends.
MAX_REVIEW_BYTES = 256 * 1024
MAX_COMMENTS = 100
MAX_BODY_CHARS = 4000
MAX_PATH_CHARS = 300


class Severity(enum.StrEnum):
    """How much a planted finding matters; its weight in the share of findings hit."""

    BLOCKER = "blocker"
    MAJOR = "major"
    MINOR = "minor"

    @property
    def weight(self) -> int:
        """Blocker 3, major 2, minor 1."""
        return {"blocker": 3, "major": 2, "minor": 1}[self.value]


class Verdict(enum.StrEnum):
    """A review's overall verdict."""

    APPROVE = "approve"
    REQUEST_CHANGES = "request-changes"
    COMMENT = "comment"


@dataclass(frozen=True)
class Finding:
    """One planted finding: a range of the new file's lines, a severity, and what a good
    comment says (for reviewers)."""

    title: str
    file: str
    start: int
    end: int
    severity: Severity
    says: str
    at: int  # the line of its heading in findings.md

    def distance(self, line: int) -> int:
        """How many lines ``line`` lies outside the range (0 inside it)."""
        return max(self.start - line, 0, line - self.end)

    @property
    def where(self) -> str:
        """``path`` and lines, for messages."""
        lines = str(self.start) if self.start == self.end else f"{self.start}-{self.end}"
        return f"{self.file} lines {lines}"


# --- findings.md ---------------------------------------------------------------------

# A closing run of #s, as markdown allows, needs a space before it: "## Use C#" keeps its #.
_HEADING = re.compile(r"##(?!#)\s*(.*?)(?:\s+#+)?\s*")
_KEY = re.compile(r"([a-z][a-z-]*):\s*(.*)")
_RANGE = re.compile(r"(\d{1,6})(?:\s*-\s*(\d{1,6}))?")
_KEYS = ("file", "lines", "severity")
_FENCE = re.compile(r"\s{0,3}(```|~~~)")


@dataclass
class _Section:
    title: str
    at: int
    keys: dict[str, tuple[str, int]]
    body: list[str]


def _sections(text: str) -> Iterator[_Section | FileProblem]:
    """The ``##`` sections of findings.md; key lines are read right under each heading."""
    section: _Section | None = None
    fence: str | None = None
    in_keys = False
    for number, line in enumerate(text.splitlines(), start=1):
        opening = _FENCE.match(line)
        if fence is not None:
            if opening is not None and opening.group(1) == fence:
                fence = None
            if section is not None:
                section.body.append(line)
            continue
        if opening is not None:
            fence = opening.group(1)
        heading = _HEADING.fullmatch(line) if fence is None else None
        if heading is not None:
            if section is not None:
                yield section
            section = _Section(heading.group(1), number, {}, [])
            in_keys = True
            continue
        if section is None:
            continue  # an introduction before the first finding, for authors
        key = _KEY.fullmatch(line.strip()) if in_keys and fence is None else None
        if key is not None:
            name, value = key.groups()
            if name not in _KEYS:
                yield FileProblem(number, f'unknown key "{name}" in finding "{section.title}": '
                                          f'the keys are {", ".join(_KEYS)}', path=FINDINGS)
            elif name in section.keys:
                yield FileProblem(number, f'key "{name}" appears twice in finding '
                                          f'"{section.title}"', path=FINDINGS)
            else:
                section.keys[name] = (value.strip(), number)
            continue
        if line.strip() or section.keys:
            in_keys = False  # the keys end at the first other line
        section.body.append(line)
    if section is not None:
        yield section


def parse_findings(text: str, diff: ParsedDiff | None = None,
                   ) -> tuple[list[Finding], list[FileProblem]]:
    """The findings of findings.md and every problem with them, at their lines.

    With a diff that was read without problems, each finding's file must be in
    it and its range inside one hunk of that file's new lines.
    """
    findings: list[Finding] = []
    problems: list[FileProblem] = []

    def problem(line: int, message: str) -> None:
        problems.append(FileProblem(line, message, path=FINDINGS))

    titles: dict[str, int] = {}
    for section in _sections(text):
        if isinstance(section, FileProblem):
            problems.append(section)
            continue
        name = section.title or "(untitled)"
        if not section.title:
            problem(section.at, "a finding needs a title: ## <what is wrong>")
        elif section.title.casefold() in titles:
            problem(section.at, f'finding "{section.title}" appears twice (first at line '
                                f'{titles[section.title.casefold()]})')
        else:
            titles[section.title.casefold()] = section.at
        missing = [key for key in _KEYS if key not in section.keys]
        if missing:
            problem(section.at, f'finding "{name}" has no {" or ".join(missing)} line: write '
                                f'file:, lines: and severity: right under its heading')
            continue
        file, _ = section.keys["file"]
        lines, lines_at = section.keys["lines"]
        severity, severity_at = section.keys["severity"]
        span = _RANGE.fullmatch(lines)
        start = end = 0
        if span is None:
            problem(lines_at, f'finding "{name}": lines must be "<first>-<last>" or one line '
                              f'number, got "{lines[:40]}"')
        else:
            start = int(span.group(1))
            end = int(span.group(2) or start)
            if start < 1 or end < start:
                problem(lines_at, f'finding "{name}": lines {lines} must run from a first line '
                                  f'(1 or above) to a last line at or after it')
                span = None
        if severity not in set(Severity):
            problem(severity_at, f'finding "{name}": severity must be one of '
                                 f'{" | ".join(Severity)}, got "{severity[:40]}"')
        says = "\n".join(section.body).strip()
        if not says:
            problem(section.at, f'finding "{name}" does not say what a good comment says: '
                                f'write it under the key lines')
        if span is None or severity not in set(Severity):
            continue
        file_at = section.keys["file"][1]
        if diff is not None and diff.ok and not _in_diff(problem, diff, name, file, file_at,
                                                         start, end, lines_at):
            continue
        findings.append(Finding(section.title, file, start, end, Severity(severity), says,
                                section.at))
    if not findings and not problems:
        problem(1, "findings.md holds no finding: add one ## <title> section per planted "
                   "finding")
    problems.extend(_overlaps(findings))
    return findings, problems


def _in_diff(problem: Any, diff: ParsedDiff, name: str, file: str, file_at: int,
             start: int, end: int, lines_at: int) -> bool:
    changed = diff.files.get(file)
    if changed is None:
        close = difflib.get_close_matches(file, list(diff.files), n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        problem(file_at, f'finding "{name}": file "{file[:MAX_PATH_CHARS]}" is not in '
                         f'{DIFF}{hint}')
        return False
    if changed.deleted:
        problem(file_at, f'finding "{name}": {file} is deleted by the change, so it has no '
                         f'new lines to point at')
        return False
    if changed.hunk_for(start, end) is None:
        problem(lines_at, f'finding "{name}": lines {start}-{end} of {file} are not inside '
                          f'one hunk of {DIFF} (its new lines shown: {changed.spans()})')
        return False
    return True


def _overlaps(findings: list[Finding]) -> Iterator[FileProblem]:
    """Two findings on overlapping lines of one file: one comment would hit both."""
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(finding.file, []).append(finding)
    for found in by_file.values():
        found.sort(key=lambda f: (f.start, f.at))
        for before, after in zip(found, found[1:], strict=False):
            if after.start <= before.end:
                yield FileProblem(after.at, f'finding "{after.title}" ({after.where}) overlaps '
                                            f'finding "{before.title}" ({before.where}): '
                                            f'merge them or make their ranges apart',
                                  path=FINDINGS)


def check_files(prompt: Any, rubric: Any = None) -> Iterator[FileProblem]:
    """change.diff reads as a unified diff, and findings.md plants findings inside it."""
    diff = None
    if DIFF in prompt.files:
        diff = parse_diff(prompt.files[DIFF])
        for found in diff.problems:
            yield FileProblem(found.line, found.message, path=DIFF)
    if FINDINGS in prompt.files:
        _, problems = parse_findings(prompt.files[FINDINGS], diff)
        yield from problems
    if diff is not None and diff.ok:
        for path in sample_reviews(prompt.files):
            try:
                check_review(prompt.files[path], diff)
            except ReviewRefused as refused:
                yield FileProblem(1, f"sample review is refused: {refused.problems[0]}",
                                  path=path)
    if rubric is not None and not any(c.auto == AutoScorer.FINDINGS for c in rubric.criteria):
        yield FileProblem(prompt.lines.get("rubric", 1),
                          f'rubric "{rubric.slug}" has no auto: findings criterion, so the '
                          f'planted findings will not suggest a level', warning=True)


MODEL_REVIEW = "model-review.json"
SAMPLE_MUTANTS = "mutants/"


def sample_reviews(files: Mapping[str, str]) -> list[str]:
    """The prompt's sample reviews, for authors and the library tests only: the model
    review (must score the top level) and mutants/*.json (busy reviews that must not)."""
    return sorted(path for path in files if path == MODEL_REVIEW
                  or path.startswith(SAMPLE_MUTANTS) and path.endswith(".json"))


# --- the review ----------------------------------------------------------------------

@dataclass(frozen=True)
class Comment:
    """A candidate's comment on one line of the new file."""

    file: str
    line: int
    body: str
    index: int  # its place in the review, from 1, for messages

    @property
    def where(self) -> str:
        """``path`` line ``n``, for messages."""
        return f"comment {self.index} ({self.file} line {self.line})"


@dataclass(frozen=True)
class Review:
    """A checked review: a verdict and comments on lines the diff shows."""

    verdict: Verdict
    comments: tuple[Comment, ...]


class ReviewRefused(AnswerRefused):
    """A review that cannot be stored; ``problems`` says each thing to fix, in words."""


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def check_review(raw: str | bytes, diff: ParsedDiff) -> Review:
    """The review in ``raw`` (JSON), checked against the diff; ReviewRefused if it is wrong.

    Every problem is reported at once, up to the first ten comments' worth.
    """
    if len(raw) > MAX_REVIEW_BYTES or (
            isinstance(raw, str) and len(raw.encode("utf-8", "surrogatepass")) > MAX_REVIEW_BYTES):
        raise ReviewRefused([f"the review is larger than {MAX_REVIEW_BYTES // 1024} KB"])
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ReviewRefused(["the review is not valid JSON"]) from None
    if not isinstance(data, dict):
        raise ReviewRefused(['the review must be a JSON object with "verdict" and "comments"'])
    problems: list[str] = []
    unknown = sorted(str(key)[:40] for key in data if key not in ("verdict", "comments"))
    if unknown:
        problems.append(f'unknown field {", ".join(unknown)}: a review has only "verdict" and '
                        f'"comments"')
    verdict = data.get("verdict")
    if not isinstance(verdict, str) or verdict not in set(Verdict):
        problems.append(f'the verdict must be one of {", ".join(Verdict)}')
    raw_comments = data.get("comments", [])
    if not isinstance(raw_comments, list):
        problems.append('"comments" must be a list')
        raw_comments = []
    if len(raw_comments) > MAX_COMMENTS:
        problems.append(f"a review holds at most {MAX_COMMENTS} comments; this one has "
                        f"{len(raw_comments)}")
        raw_comments = []
    comments = []
    for index, item in enumerate(raw_comments, start=1):
        comment = _comment(index, item, diff, problems)
        if comment is not None:
            comments.append(comment)
    if problems:
        raise ReviewRefused(problems[:10] + ([f"and {len(problems) - 10} more problems"]
                                             if len(problems) > 10 else []))
    return Review(Verdict(verdict), tuple(comments))


def _comment(index: int, item: Any, diff: ParsedDiff, problems: list[str]) -> Comment | None:
    name = f"comment {index}"
    if not isinstance(item, dict) or set(item) != {"file", "line", "body"}:
        problems.append(f'{name} must be an object with exactly "file", "line" and "body"')
        return None
    file, line, body = item["file"], item["line"], item["body"]
    if not isinstance(file, str) or not file or len(file) > MAX_PATH_CHARS:
        problems.append(f"{name}: file must be the path of a file in the change")
        return None
    changed = diff.files.get(file)
    if changed is None:
        problems.append(f'{name}: "{file[:60]}" is not a file of the change')
        return None
    if isinstance(line, bool) or not isinstance(line, int):
        problems.append(f"{name}: line must be a whole number")
        return None
    if line not in changed.new_lines:
        problems.append(f"{name}: line {line} of {file} is not shown in the change (its "
                        f"lines shown: {changed.spans()})")
        return None
    if not isinstance(body, str) or not body.strip():
        problems.append(f"{name}: the comment is empty")
        return None
    if len(body) > MAX_BODY_CHARS:
        problems.append(f"{name}: a comment holds at most {MAX_BODY_CHARS} characters; this "
                        f"one has {len(body)}")
        return None
    if _UNSTORABLE.search(body):
        problems.append(f"{name}: the comment holds a character that cannot be stored (NUL or "
                        f"a lone surrogate)")
        return None
    return Comment(file, line, body, index)


# --- the matcher ---------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    """A finding and the comments that hit it."""

    finding: Finding
    comments: tuple[Comment, ...]


@dataclass(frozen=True)
class Shared:
    """A comment near more than one finding, and the one it counts for (COUNTS_ONCE)."""

    comment: Comment
    counted: Finding
    passed_over: tuple[Finding, ...]


@dataclass(frozen=True)
class Match:
    """A review against the planted findings: what it found, missed and said besides.

    ``share`` is the severity-weighted share of findings hit, 0 to 1, exact;
    the suggested level is ``auto_level(share, lo, hi)`` on the criterion's
    scale. Noise (comments on no finding) does not lower it: a reviewer sees it
    in ``reasons`` and weighs it.
    """

    share: Fraction
    hits: tuple[Hit, ...]
    missed: tuple[Finding, ...]
    noise: tuple[Comment, ...]
    verdict: Verdict
    expected_verdict: Verdict | None
    shared: tuple[Shared, ...] = ()

    @property
    def verdict_mismatch(self) -> bool:
        """Whether the verdict is not the one the findings call for."""
        return self.expected_verdict is not None and self.verdict != self.expected_verdict

    @property
    def reasons(self) -> list[str]:
        """What the share rests on, in sentences for the reviewer who confirms it."""
        said = []
        for hit in self.hits:
            by = ", ".join(c.where for c in hit.comments)
            said.append(f'Found "{hit.finding.title}" ({hit.finding.severity}, '
                        f'{hit.finding.where}): {by}.')
        for finding in self.missed:
            said.append(f'Missed "{finding.title}" ({finding.severity}, {finding.where}).')
        for comment in self.noise:
            said.append(f"No planted finding at {comment.where}.")
        for near in self.shared:
            others = " and ".join(f'"{f.title}"' for f in near.passed_over)
            said.append(f'{near.comment.where[0].upper()}{near.comment.where[1:]} is near '
                        f'"{near.counted.title}" and {others}; it counts for '
                        f'"{near.counted.title}" only, since {COUNTS_ONCE}.')
        if self.verdict_mismatch:
            said.append(f"The verdict is {self.verdict}, but the change has a blocker, which "
                        f"calls for {self.expected_verdict}.")
        return said


# The matcher's rule, in the words the docs and the reasons use.
COUNTS_ONCE = (f"a comment counts for at most one finding: the one whose lines hold it, "
               f"else the nearest within {MARGIN} lines, the earlier on a tie")


def _near(comment: Comment, findings: list[Finding]) -> list[int]:
    """The findings a comment could point at, best first by the rule in COUNTS_ONCE."""
    near = sorted((f.distance(comment.line), f.start, i) for i, f in enumerate(findings)
                  if f.file == comment.file and f.distance(comment.line) <= MARGIN)
    return [i for _, _, i in near]


def match(review: Review, findings: list[Finding] | tuple[Finding, ...]) -> Match:
    """Which findings the review's comments hit, the weighted share, and the verdict check."""
    if not findings:
        raise ValueError("a code-review prompt has at least one finding")
    findings = list(findings)
    by_finding: dict[int, list[Comment]] = {}
    noise = []
    shared = []
    for comment in review.comments:
        near = _near(comment, findings)
        if not near:
            noise.append(comment)
            continue
        by_finding.setdefault(near[0], []).append(comment)
        if len(near) > 1:
            shared.append(Shared(comment, findings[near[0]],
                                 tuple(findings[i] for i in near[1:])))
    hits = tuple(Hit(findings[i], tuple(by_finding[i])) for i in sorted(by_finding))
    missed = tuple(f for i, f in enumerate(findings) if i not in by_finding)
    total = sum(f.severity.weight for f in findings)
    found = sum(h.finding.severity.weight for h in hits)
    blocker = any(f.severity is Severity.BLOCKER for f in findings)
    return Match(
        share=Fraction(found, total),
        hits=hits,
        missed=missed,
        noise=tuple(noise),
        verdict=review.verdict,
        shared=tuple(shared),
        expected_verdict=Verdict.REQUEST_CHANGES if blocker else None,
    )


def findings_of(files: Mapping[str, str]) -> list[Finding]:
    """The findings of a prompt whose files passed the content check."""
    diff = parse_diff(files[DIFF])
    findings, problems = parse_findings(files[FINDINGS], diff)
    if problems and not all(p.warning for p in problems):
        raise ValueError(f"{FINDINGS} has problems: {problems[0].message}")
    return findings


# --- the kind ------------------------------------------------------------------------

def read_review(body: str, files: Mapping[str, str]) -> Review | None:
    """A saved answer as a review; None for an empty answer (nothing reviewed yet)."""
    if not body.strip():
        return None
    return check_review(body, parse_diff(files[DIFF]))


def check_answer(body: str, files: Mapping[str, str]) -> None:
    """A review is stored only if check_review takes it; an empty answer is a review not
    begun, which the workspace holds until the first comment or verdict."""
    read_review(body, files)


def score_review(body: str, files: Mapping[str, str]) -> AnswerScore | None:
    """The share of the planted findings a saved review hits, and why; None for a review
    not begun, or one the checks refuse (stored before a rule changed)."""
    try:
        review = read_review(body, files)
    except ReviewRefused:
        return None
    if review is None:
        return None
    found = match(review, findings_of(files))
    return AnswerScore(found.share, tuple(found.reasons))


VERDICT_LABELS = {Verdict.APPROVE: "Approve", Verdict.REQUEST_CHANGES: "Request changes",
                  Verdict.COMMENT: "Comment only"}


@dataclass(frozen=True)
class ShownComment:
    """A comment as pages show it: where it is, the line of the change it is on, its text."""

    file: str
    line: int
    code: str  # the new file's line the comment is on, as the diff shows it
    sign: str  # "+" for an added line, " " for a context line
    body: str


@dataclass(frozen=True)
class ShownReview:
    """A saved review as pages show it (templates/kinds/code-review/answer.html)."""

    verdict: str
    comments: tuple[ShownComment, ...]


def shown_review(body: str, files: Mapping[str, str]) -> ShownReview | None:
    """A saved review with each comment's line of the change; None for a review not begun
    or one the checks refuse (stored before a rule changed), which pages show as text."""
    if not body.strip():
        return None
    diff = parse_diff(files[DIFF])
    try:
        review = check_review(body, diff)
    except ReviewRefused:
        return None
    comments = []
    for comment in review.comments:
        line = diff.files[comment.file].new_lines[comment.line]
        comments.append(ShownComment(comment.file, comment.line, line.text, line.kind,
                                     comment.body))
    return ShownReview(VERDICT_LABELS[review.verdict], tuple(comments))


def changed_files(files: Mapping[str, str]) -> ParsedDiff:
    """The change the workspace shows: change.diff read, never findings.md."""
    return parse_diff(files[DIFF])


CODE_REVIEW = register(PromptKind(
    name="code-review",
    label="Code review",
    editor=Editor.REVIEW,
    answer_format=AnswerFormat.REVIEW,
    auto_scorers=frozenset({AutoScorer.FINDINGS}),
    folder=True,
    required_files=REQUIRED_FILES,
    check_files=check_files,
    check_answer=check_answer,
    view=changed_files,
    score_answer=score_review,
    answer_view=shown_review,
))
