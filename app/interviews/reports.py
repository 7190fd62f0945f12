"""The interviewers' dashboard, each reviewer's scoring history, and exports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, defer, selectinload

from app.attempts.suggestions import hints_revealed, rubric_scale
from app.db import utcnow
from app.errors import NotAllowed
from app.grading.agreement import Tendency, rater_tendencies
from app.grading.hints import cap_levels
from app.grading.scoring import CriterionLevel
from app.interviews.permissions import candidate_hidden, may_see_scores
from app.interviews.scorecards import load_rubrics, scores_by_card
from app.models import (
    CriterionScore,
    Interview,
    InterviewItem,
    InterviewStage,
    RegradeRequest,
    RegradeStatus,
    Scorecard,
    User,
)

RECENT = 20


@dataclass
class Dashboard:
    to_score: list[Interview]          # answers are in; my scorecard is not submitted
    in_progress: list[Interview]       # invited, joined or being answered
    awaiting_debrief: list[Interview]  # every scorecard in; I own it; no decision
    waiting_for_panel: list[Interview]  # my scorecard is in; others are not
    done: list[Interview]              # decided or released, newest first
    regrades: list[RegradeRequest]     # open requests assigned to me


def _my_interviews(session: Session, user: User) -> list[Interview]:
    """The interviews on the user's dashboard: every open one, and the RECENT newest done."""
    panel = select(Scorecard.interview_id).where(Scorecard.reviewer_id == user.id)
    mine = and_(or_(Interview.owner_id == user.id, Interview.id.in_(panel)),
                # Never an interview one is the candidate of (see permissions.on_panel).
                or_(Interview.candidate_id.is_(None), Interview.candidate_id != user.id))
    newest_first = (Interview.created_at.desc(), Interview.id.desc())
    # Decided and released interviews are history, which grows for as long as
    # one interviews: only the newest few are shown, so only they are loaded.
    recent_done = (select(Interview.id)
                   .where(mine, or_(Interview.decision.is_not(None),
                                    Interview.released_at.is_not(None)))
                   .order_by(*newest_first).limit(RECENT))
    return list(session.scalars(
        select(Interview)
        .where(mine, or_(and_(Interview.decision.is_(None), Interview.released_at.is_(None)),
                         Interview.id.in_(recent_done)))
        # The dashboard shows how many prompts and scorecards, never what is in them.
        .options(defer(Interview.decision_note), defer(Interview.release_message),
                 selectinload(Interview.scorecards).load_only(
                     Scorecard.interview_id, Scorecard.reviewer_id, Scorecard.submitted_at),
                 selectinload(Interview.items).load_only(InterviewItem.interview_id))
        .order_by(*newest_first)))


def dashboard(session: Session, user: User, *, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    board = Dashboard([], [], [], [], [], [])
    for interview in _my_interviews(session, user):
        stage = interview.stage(now)
        mine = next((c for c in interview.scorecards if c.reviewer_id == user.id), None)
        if stage in (InterviewStage.DECIDED, InterviewStage.RELEASED):
            if len(board.done) < RECENT:
                board.done.append(interview)
        elif stage in (InterviewStage.INVITED, InterviewStage.JOINED, InterviewStage.EXPIRED,
                       InterviewStage.IN_PROGRESS):
            board.in_progress.append(interview)
        elif mine is not None and mine.submitted_at is None:
            board.to_score.append(interview)
        elif stage is InterviewStage.DEBRIEF and interview.owner_id == user.id:
            board.awaiting_debrief.append(interview)
        else:
            board.waiting_for_panel.append(interview)
    board.regrades = list(session.scalars(
        select(RegradeRequest)
        .where(RegradeRequest.assignee_id == user.id,
               RegradeRequest.status == RegradeStatus.OPEN)
        .options(selectinload(RegradeRequest.criterion))
        .order_by(RegradeRequest.created_at)))
    return board


@dataclass(frozen=True)
class ReviewerHistory:
    reviewer: User
    tendency: Tendency
    panels: int


def scoring_history(session: Session, user: User) -> list[ReviewerHistory]:
    """How each reviewer scores relative to the rest of their panels.

    Only panels the user may compare (they submitted their own scorecard) and
    only submitted scorecards count: the history never reveals a blind score.
    """
    mine = select(Scorecard.interview_id).where(Scorecard.reviewer_id == user.id,
                                                Scorecard.submitted_at.is_not(None))
    rows = session.execute(
        select(Scorecard.interview_id, Scorecard.reviewer_id, CriterionScore.attempt_id,
               CriterionScore.criterion_id, CriterionScore.level)
        .join(CriterionScore, CriterionScore.scorecard_id == Scorecard.id)
        .where(Scorecard.interview_id.in_(mine), Scorecard.submitted_at.is_not(None),
               CriterionScore.level.is_not(None))).all()
    panels: dict[int, dict[int, dict[tuple[int, int], int]]] = {}
    for interview_id, reviewer_id, attempt_id, criterion_id, level in rows:
        panels.setdefault(interview_id, {}).setdefault(reviewer_id, {})[
            (attempt_id, criterion_id)] = level
    shared = [panel for panel in panels.values() if len(panel) >= 2]
    tendencies = rater_tendencies(shared)
    counts: dict[int, int] = {}
    for panel in shared:
        for reviewer_id in panel:
            counts[reviewer_id] = counts.get(reviewer_id, 0) + 1
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(tendencies)))}
    history = [ReviewerHistory(people[rid], tendency, counts.get(rid, 0))
               for rid, tendency in tendencies.items() if rid in people and tendency.items]
    return sorted(history, key=lambda h: (h.reviewer.id != user.id, h.reviewer.display_name))


# Exports --------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "interview_id", "interview", "candidate", "target_level", "prompt", "rubric",
    "rubric_revision", "criterion", "weight", "reviewer", "level", "counted_level",
    "capped_by_hint", "suggested_level",
    "comment", "evidence", "recommendation", "scorecard_submitted_at",
]


def export(session: Session, interview: Interview, user: User) -> dict[str, Any]:
    """The interview's submitted scorecards as plain data (blind rules apply to exports too)."""
    if not may_see_scores(interview, user):
        raise NotAllowed("Submit your own scorecard first: scoring is blind until then.")
    load_rubrics(session, interview)
    cards = [c for c in interview.scorecards if c.submitted_at is not None]
    scores = scores_by_card(session, cards)
    hidden = candidate_hidden(interview, user)
    prompts = []
    for item in interview.items:
        rubric = item.rubric_revision
        scale = list(rubric_scale(rubric))
        revealed = hints_revealed(item.attempt, item.prompt_revision.hints)
        criteria = []
        for criterion in rubric.criteria:
            given = []
            for card in cards:
                found = scores[card.id].get((item.attempt_id, criterion.id))
                # The level the weighted score counts once revealed hints are applied.
                (capped,) = cap_levels([CriterionLevel(criterion.name, criterion.weight,
                                                       found.level if found else None)],
                                       revealed, scale)
                given.append({
                    "reviewer": card.reviewer.display_name,
                    "level": found.level if found else None,
                    "counted_level": capped.counted.level, "capped_by_hint": capped.hint,
                    "suggested_level": found.suggested_level if found else None,
                    "comment": found.comment if found else "",
                    "evidence": [e["quote"] for e in found.evidence] if found else [],
                })
            criteria.append({"name": criterion.name, "weight": criterion.weight,
                             "auto": criterion.auto, "scores": given})
        prompts.append({"prompt": item.prompt_revision.title,
                        "prompt_revision": item.prompt_revision.number,
                        "hints_revealed": [{"hint": h.number, "gives_away": h.criterion,
                                            "elapsed_seconds": h.elapsed_seconds}
                                           for h in revealed],
                        "rubric": rubric.title, "rubric_revision": rubric.number,
                        "criteria": criteria})
    return {
        "interview": {"id": interview.id,
                      # The default title holds the candidate's name.
                      "title": f"Interview #{interview.id}" if hidden else interview.title,
                      "candidate": None if hidden else interview.candidate_name,
                      "candidate_email": None if hidden else interview.candidate_email,
                      "target_level": interview.target_level, "mode": interview.mode.value,
                      "stage": interview.stage().value,
                      "decision": interview.decision.value if interview.decision else None},
        "scorecards": [{"reviewer": c.reviewer.display_name,
                        "recommendation": c.recommendation.value if c.recommendation else None,
                        "summary": c.summary,
                        "submitted_at": c.submitted_at.isoformat() if c.submitted_at else None}
                       for c in cards],
        "prompts": prompts,
    }


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def csv_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per reviewer per criterion; cells that start a formula are defused."""
    info = data["interview"]
    cards = {c["reviewer"]: c for c in data["scorecards"]}
    rows = []
    for prompt in data["prompts"]:
        for criterion in prompt["criteria"]:
            for given in criterion["scores"]:
                card = cards[given["reviewer"]]
                rows.append({key: _cell(value) for key, value in {
                    "interview_id": info["id"], "interview": info["title"],
                    "candidate": info["candidate"] or "(anonymised)",
                    "target_level": info["target_level"], "prompt": prompt["prompt"],
                    "rubric": prompt["rubric"], "rubric_revision": prompt["rubric_revision"],
                    "criterion": criterion["name"], "weight": criterion["weight"],
                    "reviewer": given["reviewer"], "level": given["level"],
                    "counted_level": given["counted_level"],
                    "capped_by_hint": given["capped_by_hint"],
                    "suggested_level": given["suggested_level"], "comment": given["comment"],
                    "evidence": " | ".join(given["evidence"]),
                    "recommendation": card["recommendation"],
                    "scorecard_submitted_at": card["submitted_at"],
                }.items()})
    return rows


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (=, +, -, @ ...) gets a leading quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value
