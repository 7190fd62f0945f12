"""What a kind of prompt is, declared once, and the registry that holds every kind.

A ``PromptKind`` says which files its prompts hold beside ``prompt.md`` and
how the content check judges them, which editor a candidate writes in and
what the editor holds before the first save, how an answer is stored and
shown, and which automatic scorers may suggest levels for its answers. Its
page pieces live in ``app/templates/kinds/<name>/`` and are included by name,
so content, practice and interviews ask the kind rather than naming one.

Pure: no Flask and no database, so the content validator can use it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol

from markupsafe import escape

from app.vocabulary import AutoScorer


class Editor(enum.StrEnum):
    """The editor mounted on the answer's textarea (``data-editor`` on the workspace)."""

    MARKDOWN = "markdown"  # the plain textarea, with a live preview and mermaid diagrams
    CODE = "code"          # CodeMirror, for Python
    REVIEW = "review"      # a change's lines to comment on and a verdict, kept as JSON


class AnswerFormat(enum.StrEnum):
    """How an answer is stored and shown."""

    MARKDOWN = "markdown"  # rendered to sanitised HTML once, when saved, and shown as that
    CODE = "code"          # kept as text only, and shown as a code block
    REVIEW = "review"      # a review as JSON text, checked when saved, never rendered


@dataclass(frozen=True)
class FileProblem:
    """Something wrong with a prompt's files, for the content check to report at a line."""

    line: int
    message: str
    warning: bool = False
    # A file inside the prompt's folder the problem is in; None: prompt.md.
    path: str | None = None


class PromptFiles(Protocol):
    """What a kind's file check reads of a parsed prompt (``app.content.model.Prompt``)."""

    slug: str
    path: str
    files: dict[str, str]
    lines: dict[str, int]

    @property
    def is_folder(self) -> bool: ...


class AnswerRefused(ValueError):
    """An answer a kind's rules refuse to store; ``problems`` says each thing to fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


def _no_more_checks(prompt: Any, rubric: Any) -> Iterable[FileProblem]:
    return ()


def _any_answer(body: str, files: Mapping[str, str]) -> None:
    return None


def _no_answer_view(body: str, files: Mapping[str, str]) -> None:
    return None


def _nothing_to_show(files: Mapping[str, str]) -> None:
    return None


@dataclass(frozen=True)
class AnswerScore:
    """What an answer's own text earns by a kind's automatic scorer: a share from 0 to 1
    for ``auto_level``, and the reasons a reviewer reads before confirming it."""

    share: Fraction
    reasons: tuple[str, ...]


def _no_score(body: str, files: Mapping[str, str]) -> AnswerScore | None:
    return None


def _no_judge_files(files: Mapping[str, str]) -> dict[str, str]:
    return {}


def _empty_starter(files: Mapping[str, str]) -> str:
    return ""


@dataclass(frozen=True)
class PromptKind:
    """One kind of prompt: its files, editor, answers and automatic scorers."""

    name: str   # as written in a prompt's front matter (``kind:``) and stored
    label: str  # as shown on a badge: "System design"
    editor: Editor
    answer_format: AnswerFormat
    auto_scorers: frozenset[AutoScorer]
    # A folder prompt is prompts/<slug>/prompt.md with its files beside it.
    folder: bool = False
    # Whether the workspace offers a whiteboard (an Excalidraw scene saved with the
    # answer, ``app.kinds.scene``) and reviewers' pages show it.
    whiteboard: bool = False
    # Paths inside the folder that must exist; "tests/" means a folder holding files.
    required_files: tuple[str, ...] = ()
    # Further rules on the files (and the rubric, when it exists) beyond the above.
    check_files: Callable[[Any, Any], Iterable[FileProblem]] = field(
        default=_no_more_checks, repr=False)
    # The editor's text before the first save, from the prompt's files.
    starter: Callable[[Mapping[str, str]], str] = field(default=_empty_starter, repr=False)
    # Rules on a saved answer beyond its size: raises AnswerRefused (a 422, nothing saved).
    check_answer: Callable[[str, Mapping[str, str]], None] = field(default=_any_answer,
                                                                   repr=False)
    # What the kind's page pieces show of the prompt's files (a code review: the parsed
    # diff); None for kinds whose pieces need nothing. Never the hidden files.
    view: Callable[[Mapping[str, str]], Any] = field(default=_nothing_to_show, repr=False)
    # The share an answer's text earns by the kind's scorer read from the answer itself
    # (a review's planted findings hit); None when there is nothing to score yet.
    score_answer: Callable[[str, Mapping[str, str]], AnswerScore | None] = field(
        default=_no_score, repr=False)
    # A saved answer as data for the kind's ``answer`` macro (templates/kinds/<name>/
    # answer.html), which every page that shows an answer uses; None to show it as
    # answer_html does (its stored HTML, or its text).
    answer_view: Callable[[str, Mapping[str, str]], Any] = field(default=_no_answer_view,
                                                                 repr=False)
    # For kinds whose tests run: the module the subject imports as ``solution``, made from
    # the answer and the prompt's files (an SQL answer wrapped in its runner); None: the
    # answer is that module's Python.
    subject_code: Callable[[str, Mapping[str, str]], str] | None = field(default=None,
                                                                         repr=False)
    # Files the judge gets beside the tests (an SQL prompt's conftest.py with its fixture).
    judge_files: Callable[[Mapping[str, str]], dict[str, str]] = field(
        default=_no_judge_files, repr=False)
    # Instead of ``score_answer``, for kinds whose scorer also reads which evidence the
    # candidate asked for (an incident): called with the answer, the files and those keys.
    score_with_reveals: Callable[[str, Mapping[str, str], Iterable[str]],
                                 AnswerScore | None] | None = field(default=None, repr=False)

    def template(self, part: str) -> str:
        """The template of this kind's ``part`` (``editor``, ``scripts``, ...)."""
        return f"kinds/{self.name}/{part}.html"

    @property
    def runs_tests(self) -> bool:
        """Whether its answers are code run against the prompt's public and hidden tests."""
        return AutoScorer.TESTS in self.auto_scorers

    @property
    def renders_html(self) -> bool:
        """Whether an answer is rendered to HTML when saved and shown as that HTML."""
        return self.answer_format is AnswerFormat.MARKDOWN

    def starter_body(self, files: Mapping[str, str]) -> str:
        """What the editor holds before the first save."""
        return self.starter(files)

    @property
    def checks_answers(self) -> bool:
        """Whether a saved answer is checked by rules beyond its size (reading the prompt's
        files, which callers then load only for such kinds)."""
        return self.check_answer is not _any_answer

    @property
    def scores_answers(self) -> bool:
        """Whether a suggested level is read from the answer's own text (not a test run)."""
        return self.score_answer is not _no_score or self.score_with_reveals is not None

    @property
    def has_answer_view(self) -> bool:
        """Whether pages show a saved answer through the kind's ``answer`` macro (reading
        the prompt's files, which callers then load only for such kinds)."""
        return self.answer_view is not _no_answer_view

    def shown_answer(self, body: str, files: Mapping[str, str]) -> Any:
        """``body`` as data for the kind's ``answer`` macro; None to show it as text."""
        return self.answer_view(body, files)

    def answer_score(self, body: str, files: Mapping[str, str], *,
                     revealed: Iterable[str] = ()) -> AnswerScore | None:
        """The share ``body`` earns by the kind's answer scorer, with its reasons;
        ``revealed``: the evidence keys the candidate asked for, for kinds that read them."""
        if self.score_with_reveals is not None:
            return self.score_with_reveals(body, files, revealed)
        return self.score_answer(body, files)

    def check_body(self, body: str, files: Mapping[str, str]) -> None:
        """Refuse (AnswerRefused) an answer this kind cannot store, say a malformed review."""
        self.check_answer(body, files)

    def page_view(self, files: Mapping[str, str]) -> Any:
        """What the kind's templates show of the prompt's files, read from them."""
        return self.view(files)

    def test_files(self, files: Mapping[str, str], *, public: bool) -> dict[str, str]:
        """The files a run sends to the sandbox beside a candidate's code: the public or the
        hidden tests, and the kind's own judge files (never the solution or a mutant)."""
        return {**{path: text for path, text in files.items() if _is_test(path)
                   and path.rsplit("/", 1)[-1].startswith("test_public") == public},
                **self.judge_files(files)}

    def stored_html(self, body: str, render: Callable[[str], str]) -> str:
        """The HTML to store with a saved answer: rendered markdown, or nothing for code."""
        return str(render(body)) if self.renders_html else ""

    def answer_html(self, revision: Any) -> str:
        """A saved answer (an ``AnswerRevision``, or None) as a reader sees it.

        Its stored HTML (load it with the revision; only an attempt's newest
        revision keeps one), or its text escaped in a code block: code, and an
        older revision, which is never rendered on a page's request. Pages mark
        the result safe with the ``rendered`` filter, as for any stored HTML.
        """
        if revision is None:
            return ""
        if self.renders_html and revision.html is not None:
            return revision.html
        return f'<pre class="code-answer"><code>{escape(revision.body)}</code></pre>'

    def check(self, prompt: PromptFiles, rubric: Any = None) -> list[FileProblem]:
        """Every problem with a prompt's files, by this kind's rules."""
        if self.folder and not prompt.is_folder:
            wanted = _and(self.required_files)
            return [FileProblem(prompt.lines.get("kind", 1),
                                f"a {self.name} prompt must be a folder: prompts/{prompt.slug}/"
                                f"prompt.md" + (f" with {wanted}" if wanted else ""))]
        problems = []
        for required in self.required_files:
            if required.endswith("/"):
                if not any(name.startswith(required) for name in prompt.files):
                    problems.append(FileProblem(1, f"{self.name} prompt has no {required} "
                                                   f"folder"))
            elif required not in prompt.files:
                problems.append(FileProblem(1, f"{self.name} prompt has no {required}"))
        problems.extend(self.check_files(prompt, rubric))
        return problems


def _is_test(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return path.startswith("tests/") and name.startswith("test_") and name.endswith(".py")


def _and(words: tuple[str, ...]) -> str:
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


_KINDS: dict[str, PromptKind] = {}


class UnknownKind(LookupError):
    """A kind no module registered (a typo in content, or a row from a removed kind)."""


def register(kind: PromptKind) -> PromptKind:
    """Add ``kind`` to the registry; a second kind of the same name is a mistake."""
    if kind.name in _KINDS:
        raise ValueError(f"prompt kind {kind.name!r} is already registered")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Remove a kind (tests that register a kind of their own take it out again)."""
    _KINDS.pop(name, None)


def get_kind(name: str) -> PromptKind:
    """The kind called ``name``; UnknownKind if none is registered."""
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKind(f"no prompt kind {name!r}") from None


def all_kinds() -> tuple[PromptKind, ...]:
    """Every registered kind, in the order the library lists them."""
    return tuple(_KINDS.values())


def kind_names() -> tuple[str, ...]:
    """The names a prompt's ``kind:`` may take."""
    return tuple(_KINDS)


def kind_order() -> dict[str, int]:
    """Each kind's place in lists (the library, the interview form), first is 0."""
    return {name: position for position, name in enumerate(_KINDS)}
