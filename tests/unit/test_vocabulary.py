"""The shared vocabulary: its values are what the database and content files hold, so
they never change, and every audit action has its sentence on the interview page."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.vocabulary import (
    DEFAULT_LEVEL,
    LEVELS,
    LIVE_MINUTES,
    PROMPT_MINUTES,
    TIME_BOXES,
    AuditAction,
    AutoScorer,
    Level,
    PromptStatus,
    RunVerdict,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


def test_the_stored_values_stay_as_they_were():
    assert [str(level) for level in LEVELS] == ["mid", "senior", "staff"]
    assert DEFAULT_LEVEL == "senior"
    assert {str(a) for a in AutoScorer} == {"tests", "findings", "evidence", "signals"}
    assert {str(s) for s in PromptStatus} == {"published", "draft"}
    assert {str(v) for v in RunVerdict} == {
        "completed", "timeout", "memory_limit", "output_limit", "crashed", "denied",
        "refused", "worker_lost"}
    assert {str(a) for a in AuditAction} == {
        "created", "invite_replaced", "reviewer_added", "reviewer_removed", "joined", "started",
        "submitted", "submitted_at_deadline", "scorecard_submitted", "score_changed",
        "recommendation_changed", "decided", "decision_changed", "released",
        "regrade_requested", "regrade_reassigned", "regrade_answered"}


def test_members_are_the_plain_strings_they_stand_for():
    assert Level("staff") is Level.STAFF
    assert Level.MID == "mid" and f"{Level.MID}" == "mid" and "mid" in LEVELS
    assert AuditAction.REGRADE_ANSWERED.upper() == "REGRADE_ANSWERED"
    assert isinstance(RunVerdict.COMPLETED, str)
    assert len(max(AuditAction, key=len)) <= 40   # AuditEvent.action is String(40)
    assert len(max(RunVerdict, key=len)) <= 20    # TestRun.verdict is String(20)


def test_time_boxes_cover_every_prompt_length_once():
    low, high = PROMPT_MINUTES
    for minutes in range(low, high + 1):
        boxes = [name for name, box in TIME_BOXES.items() if box.low <= minutes <= box.high]
        assert len(boxes) == 1, (minutes, boxes)
    label, box_low, box_high = TIME_BOXES["short"]  # still unpacks as before
    assert (label, box_low, box_high) == ("Up to 30 minutes", 0, 30)
    assert LIVE_MINUTES == (10, 480)


@pytest.mark.parametrize("action", list(AuditAction))
def test_every_audit_action_has_its_own_sentence(action):
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      autoescape=True)
    env.globals["AuditAction"] = AuditAction
    detail = {"prompts": ["a"], "reviewers": 2, "reviewer": "Ana", "email_matches": True,
              "recommendation": "yes", "criterion": "Scope", "prompt": "P", "old": 2,
              "new": 3, "decision": "advance", "levels_shown": 1, "comments_shown": 0,
              "decision_shown": False, "to": "Ben"}
    event = {"action": str(action), "detail": detail}
    text = env.get_template("interviews/_audit_event.html").render(
        event=event, see_scores=True).strip()
    fallback = str(action).replace("_", " ") + "."
    assert text and text != fallback, text
