"""Prompt kinds: the registry, and one module per kind that defines and registers it.

Importing the package registers the built-in kinds, in the order lists show
them. A new kind is a module here, named in ``BUILT_IN``, and its page pieces
under ``app/templates/kinds/<name>/`` (see docs/authoring.md, "Adding a prompt
kind").
"""

import importlib

from app.kinds.registry import (
    AnswerFormat,
    AnswerRefused,
    AnswerScore,
    Editor,
    FileProblem,
    PromptKind,
    UnknownKind,
    all_kinds,
    get_kind,
    kind_names,
    kind_order,
    register,
    unregister,
)

# Each module registers its kind when imported; lists show the kinds in this order.
BUILT_IN = ("system_design", "coding", "code_review", "incident", "sql")
for _module in BUILT_IN:
    importlib.import_module(f"app.kinds.{_module}")

__all__ = [
    "AnswerFormat",
    "AnswerRefused",
    "AnswerScore",
    "Editor",
    "FileProblem",
    "PromptKind",
    "UnknownKind",
    "all_kinds",
    "get_kind",
    "kind_names",
    "kind_order",
    "register",
    "unregister",
]
