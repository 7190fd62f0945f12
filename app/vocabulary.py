"""The words content, grading, models and every journey share, defined once.

Levels, automatic scorers, mutant kinds, prompt statuses, time boxes, test-run verdicts and
audit actions. Plain enums and constants with no import from the rest of the
app, so any module may use them without a cycle. The enums are ``StrEnum``:
each member equals the string stored in the database and written in content
files, so stored data and files read the same as before.
"""

from __future__ import annotations

import enum
from typing import NamedTuple


class Level(enum.StrEnum):
    """The seniority a prompt targets and an answer is judged against, lowest first."""

    MID = "mid"
    SENIOR = "senior"
    STAFF = "staff"


LEVELS: tuple[Level, ...] = tuple(Level)
DEFAULT_LEVEL = Level.SENIOR


class AutoScorer(enum.StrEnum):
    """What suggests a level for an ``auto:`` rubric criterion."""

    TESTS = "tests"      # the share of a coding answer's hidden tests that pass
    FINDINGS = "findings"  # the severity-weighted share of a review's planted findings hit
    EVIDENCE = "evidence"  # the weighted share of an incident's key evidence asked for and cited
    # Kept so rubric revisions stored before the rule still load; the content check
    # refuses it and nothing suggests a level from it (signals are evidence only).
    SIGNALS = "signals"


class MutantKind(enum.StrEnum):
    """The mistake a coding prompt's mutant (a known-wrong solution) makes: the first
    word of its docstring, ``<kind>: <what is wrong>``."""

    RACE = "race"                  # shared state without the lock, check-then-act outside it
    COMPLEXITY = "complexity"      # a linear or quadratic scan where O(1)/O(log n) is the point
    ORDERING = "ordering"          # ties and ordering rules
    TYPES = "types"                # wrong types accepted: True as a number, non-ASCII digits, NaN
    BOUNDARY = "boundary"          # off by one, empty input, limits
    CANCELLATION = "cancellation"  # except Exception where BaseException matters, cleanup skipped
    STALE = "stale"                # an outcome from an old epoch or generation applied
    STATE = "state"                # a wrong state machine transition
    CONTRACT = "contract"          # a rule of the statement ignored, e.g. spends on refusal


class PromptStatus(enum.StrEnum):
    PUBLISHED = "published"
    DRAFT = "draft"


# A prompt's own time box (its front matter's ``minutes``), and a live
# interview's, which may hold several prompts.
PROMPT_MINUTES = (5, 240)
LIVE_MINUTES = (10, 480)


class TimeBox(NamedTuple):
    """A library filter on a prompt's minutes: its label and inclusive bounds."""

    label: str
    low: int
    high: int


TIME_BOXES: dict[str, TimeBox] = {
    "short": TimeBox("Up to 30 minutes", 0, 30),
    "medium": TimeBox("31 to 45 minutes", 31, 45),
    "long": TimeBox("Over 45 minutes", 46, 10_000),
}


class RunVerdict(enum.StrEnum):
    """How a test run of a candidate's code ended (``TestRun.verdict``)."""

    COMPLETED = "completed"        # pytest reported every test
    TIMEOUT = "timeout"            # wall-clock or CPU time ran out
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    CRASHED = "crashed"            # the code's process died, or pytest reported nothing
    DENIED = "denied"              # the code tried to reach outside its sandbox
    REFUSED = "refused"            # no sandbox: the code was not run
    WORKER_LOST = "worker_lost"    # the worker died too often while running it


class AuditAction(enum.StrEnum):
    """What an interview's audit trail records (``AuditEvent.action``)."""

    CREATED = "created"
    INVITE_REPLACED = "invite_replaced"
    REVIEWER_ADDED = "reviewer_added"
    REVIEWER_REMOVED = "reviewer_removed"
    JOINED = "joined"
    STARTED = "started"
    SUBMITTED = "submitted"
    SUBMITTED_AT_DEADLINE = "submitted_at_deadline"
    SCORECARD_SUBMITTED = "scorecard_submitted"
    SCORE_CHANGED = "score_changed"
    RECOMMENDATION_CHANGED = "recommendation_changed"
    DECIDED = "decided"
    DECISION_CHANGED = "decision_changed"
    RELEASED = "released"
    REGRADE_REQUESTED = "regrade_requested"
    REGRADE_REASSIGNED = "regrade_reassigned"
    REGRADE_ANSWERED = "regrade_answered"
