"""SQLAlchemy models. Importing this package registers every table on Base.metadata."""

from app.models.content import (
    Competency,
    Criterion,
    Prompt,
    PromptRevision,
    PromptRevisionCompetency,
    Rubric,
    RubricRevision,
)
from app.models.users import Role, User, UserRole, UserSession

__all__ = [
    "Competency",
    "Criterion",
    "Prompt",
    "PromptRevision",
    "PromptRevisionCompetency",
    "Role",
    "Rubric",
    "RubricRevision",
    "User",
    "UserRole",
    "UserSession",
]
