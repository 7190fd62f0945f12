"""An answer as every page that shows one presents it: through its kind's ``answer`` macro
when the kind has a view of answers (a review: its verdict and comments with their lines),
else as ``PromptKind.answer_html`` gives it (stored HTML, or the text escaped).

The macros are read by a Jinja environment of their own, autoescaped, because a result is
also stored when an interview's clock closes an attempt outside any request; a page can
import the same macro from its template.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.kinds import get_kind

_MACROS = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
                      autoescape=True, undefined=StrictUndefined)


def answer_html(prompt_revision: Any, revision: Any) -> str:
    """``revision`` (an AnswerRevision with its body, or None) of an answer to
    ``prompt_revision`` as HTML; pages mark it safe with the ``rendered`` filter."""
    kind = get_kind(prompt_revision.kind)
    if revision is not None and kind.has_answer_view:
        view = kind.shown_answer(revision.body, prompt_revision.files)
        if view is not None:
            return str(_MACROS.get_template(kind.template("answer")).module.answer(view))
    return kind.answer_html(revision)
