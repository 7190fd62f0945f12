"""SQLAlchemy models. Importing this package registers every table on Base.metadata."""

from sqlalchemy.orm import configure_mappers

from app.models.attempts import (
    AnswerRevision,
    AnswerScene,
    Attempt,
    AttemptStatus,
    EvidenceReveal,
    HintReveal,
    SelfAssessment,
)
from app.models.calibration import CalibrationSample, CalibrationScore
from app.models.checks import CheckStatus, ContentCheck
from app.models.content import (
    Competency,
    Criterion,
    Prompt,
    PromptRevision,
    PromptRevisionCompetency,
    Responsibility,
    Rubric,
    RubricRevision,
)
from app.models.interviews import (
    AuditEvent,
    CriterionScore,
    Decision,
    FeedbackItem,
    Interview,
    InterviewItem,
    InterviewMode,
    InterviewNote,
    InterviewStage,
    Recommendation,
    RegradeRequest,
    RegradeStatus,
    Scorecard,
)
from app.models.mail import Email, EmailKind, EmailStatus, PasswordReset
from app.models.runs import RunKind, RunStatus, TestRun
from app.models.users import NO_PASSWORD, Role, User, UserIdentity, UserRole, UserSession

# Every model is imported: set the relationships up now, so those declared from
# the other side (``Attempt.interview``, a backref of ``Interview.attempts``)
# exist before the first query names them.
configure_mappers()

__all__ = [
    "AuditEvent",
    "CalibrationSample",
    "CalibrationScore",
    "CheckStatus",
    "ContentCheck",
    "CriterionScore",
    "Decision",
    "FeedbackItem",
    "Interview",
    "InterviewItem",
    "InterviewMode",
    "InterviewNote",
    "InterviewStage",
    "Recommendation",
    "RegradeRequest",
    "RegradeStatus",
    "Scorecard",
    "Email",
    "EmailKind",
    "EmailStatus",
    "PasswordReset",
    "AnswerRevision",
    "AnswerScene",
    "Attempt",
    "AttemptStatus",
    "EvidenceReveal",
    "HintReveal",
    "SelfAssessment",
    "TestRun",
    "Competency",
    "Criterion",
    "Prompt",
    "PromptRevision",
    "PromptRevisionCompetency",
    "Responsibility",
    "Role",
    "RunKind",
    "RunStatus",
    "Rubric",
    "RubricRevision",
    "NO_PASSWORD",
    "User",
    "UserIdentity",
    "UserRole",
    "UserSession",
]
