"""System design: markdown with diagrams and a whiteboard, judged by the panel (signals mark
evidence)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from app.kinds.registry import AnswerFormat, Editor, PromptKind, register

# The phase template: the editor starts from it and can insert it again.
PHASE_TEMPLATE = (Path(__file__).with_name("system_design_template.md")
                  .read_text(encoding="utf-8"))


def starter(files: Mapping[str, str]) -> str:
    """Every design answer starts from the phase template."""
    return PHASE_TEMPLATE


SYSTEM_DESIGN = register(PromptKind(
    name="system-design",
    label="System design",
    editor=Editor.MARKDOWN,
    answer_format=AnswerFormat.MARKDOWN,
    auto_scorers=frozenset(),
    starter=starter,
    whiteboard=True,
))
