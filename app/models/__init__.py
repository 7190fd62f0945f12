"""SQLAlchemy models. Importing this package registers every table on Base.metadata."""

from app.models.attempts import (
    AnswerRevision,
    Attempt,
    AttemptStatus,
    HintReveal,
    SelfAssessment,
)
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
    "AnswerRevision",
    "Attempt",
    "AttemptStatus",
    "HintReveal",
    "SelfAssessment",
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
