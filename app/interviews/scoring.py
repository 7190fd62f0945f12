"""The panel's work: scorecards, the blind comparison, the decision, feedback and regrades.

A scorecard holds one ``CriterionScore`` per criterion of each attempt, against
the rubric revision the attempt pinned. Nobody sees another reviewer's scores
before submitting their own (``may_see_scores``). Evidence is text quoted from
the answer, and a quote that is not in the answer is refused.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.content.diff import Change, RubricSnapshot, rubric_changes
from app.db import transaction, utcnow
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.grading.agreement import (
    Agreement,
    disagrees,
    panel_agreement,
    quadratic_weighted_kappa,
)
from app.grading.scoring import CriterionLevel, Score, bar_for, score
from app.interviews.services import (
    answer_html,
    audit,
    may_see_scores,
    own_scorecard,
    require_owner,
    shows_html,
)
from app.models import (
    AnswerRevision,
    Criterion,
    CriterionScore,
    Decision,
    FeedbackItem,
    Interview,
    InterviewItem,
    Recommendation,
    RegradeRequest,
    RegradeStatus,
    Rubric,
    RubricRevision,
    Scorecard,
    TestRun,
    User,
)
from app.practice.services import auto_suggestions, latest_revision, rubric_scale
from app.vocabulary import AuditAction

COMMENT_MAX_CHARS = 4_000
SUMMARY_MAX_CHARS = 4_000
QUOTE_MAX_CHARS = 1_000
QUOTES_PER_CRITERION = 10
DISAGREEMENT_LEVELS = 2


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def squash(text: str) -> str:
    """Whitespace runs as one space, trimmed: how quotes are compared with the answer."""
    return re.sub(r"\s+", " ", text).strip()


def plain_text(html: str) -> str:
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    return squash(" ".join(parser.parts))


def quote_in_answer(quote: str, body: str, html: str) -> bool:
    """True when ``quote`` is text of the answer, as written or as the page shows it."""
    wanted = squash(quote)
    return bool(wanted) and (wanted in squash(body) or wanted in plain_text(html))


# The scorecard page -------------------------------------------------------------------------


@dataclass
class CriterionRow:
    criterion: Criterion
    suggested: int | None
    score: CriterionScore | None


@dataclass
class ItemView:
    item: InterviewItem
    answer: AnswerRevision | None
    html: str
    criteria: list[CriterionRow]
    scale: dict[int, str]
    bar: float
    hidden_run: TestRun | None
    # The rubric changed since this item was set: its current number and what changed.
    rubric_now: int | None = None
    changes: list[Change] = field(default_factory=list)

    @property
    def attempt(self):
        return self.item.attempt


def _items(session: Session, interview: Interview, *, answers: bool = True) -> list[ItemView]:
    """Each item with its newest answer, shown as stored (``answers``) or not loaded at all."""
    views = []
    current = dict(session.execute(
        select(Rubric.id, Rubric.current_revision_id)
        .where(Rubric.id.in_({i.rubric_revision.rubric_id for i in interview.items}))).all())
    for item in interview.items:
        rubric = item.rubric_revision
        scale = rubric_scale(rubric)
        attempt = item.attempt
        kind = item.prompt_revision.kind
        answer = (latest_revision(session, attempt, html=answers and shows_html(kind))
                  if attempt else None)
        body = answer.body if answer else ""
        suggestions = auto_suggestions(session, attempt, body) if attempt else None
        view = ItemView(
            item=item, answer=answer, html=answer_html(kind, answer) if answers else "",
            criteria=[CriterionRow(c, suggestions.levels.get(c.id) if suggestions else None, None)
                      for c in rubric.criteria],
            scale=scale, bar=bar_for(rubric.bar, interview.target_level, list(scale)),
            hidden_run=suggestions.hidden_run if suggestions else None)
        now_id = current.get(rubric.rubric_id)
        if now_id is not None and now_id != rubric.id:
            newer = session.get(RubricRevision, now_id)
            if newer is not None:
                view.rubric_now = newer.number
                view.changes = rubric_changes(RubricSnapshot.of(rubric), RubricSnapshot.of(newer))
        views.append(view)
    return views


def load_rubrics(session: Session, interview: Interview) -> None:
    """Load every item's rubric revision with its criteria in one query."""
    ids = [item.rubric_revision_id for item in interview.items]
    session.scalars(select(RubricRevision).where(RubricRevision.id.in_(ids))
                    .options(selectinload(RubricRevision.criteria))).all()


@dataclass
class ScorecardPage:
    interview: Interview
    card: Scorecard
    items: list[ItemView]


def scores_by_card(session: Session, cards: list[Scorecard],
                   ) -> dict[int, dict[tuple[int, int], CriterionScore]]:
    """Scorecard id -> (attempt id, criterion id) -> score, for ``cards``, in one query."""
    found: dict[int, dict[tuple[int, int], CriterionScore]] = {card.id: {} for card in cards}
    for score_ in session.scalars(select(CriterionScore).where(
            CriterionScore.scorecard_id.in_(list(found)))):
        found[score_.scorecard_id][(score_.attempt_id, score_.criterion_id)] = score_
    return found


def scorecard_page(session: Session, interview: Interview, user: User) -> ScorecardPage:
    card = own_scorecard(interview, user)
    if card is None:
        raise NotAllowed("You are not a reviewer on this interview's panel.")
    load_rubrics(session, interview)
    items = _items(session, interview)
    scores = scores_by_card(session, [card])[card.id]
    for view in items:
        if view.attempt is not None:
            for row in view.criteria:
                row.score = scores.get((view.attempt.id, row.criterion.id))
    return ScorecardPage(interview, card, items)


@dataclass(frozen=True)
class CriterionInput:
    level: int | None
    comment: str = ""
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScorecardInput:
    criteria: dict[tuple[int, int], CriterionInput]  # (attempt id, criterion id) -> input
    recommendation: str = ""
    summary: str = ""


def save_scorecard(session: Session, interview: Interview, user: User, data: ScorecardInput,
                   *, submit: bool = False, now: datetime | None = None) -> Scorecard:
    """Save the reviewer's scorecard as a draft, or submit it (every criterion scored).

    Changes to a submitted scorecard are allowed until the decision, and each
    one is written to the audit trail with its old and new value.
    """
    now = now or utcnow()
    card = own_scorecard(interview, user)
    if card is None:
        raise NotAllowed("You are not a reviewer on this interview's panel.")
    if interview.decision is not None:
        raise Conflict("The decision is recorded; scorecards can no longer change.")
    load_rubrics(session, interview)
    items = {view.attempt.id: view for view in _items(session, interview) if view.attempt}
    for (attempt_id, criterion_id), given in data.criteria.items():
        view = items.get(attempt_id)
        row = next((r for r in view.criteria if r.criterion.id == criterion_id),
                   None) if view else None
        if view is None or row is None:
            raise Invalid("That criterion is not part of this interview.")
        name = row.criterion.name
        if given.level is not None and given.level not in view.scale:
            raise Invalid(f"{name}: pick a level from {min(view.scale)} to {max(view.scale)}.")
        if len(given.comment) > COMMENT_MAX_CHARS:
            raise Invalid(f"{name}: keep the comment under {COMMENT_MAX_CHARS:,} characters.")
        if len(given.evidence) > QUOTES_PER_CRITERION:
            raise Invalid(f"{name}: at most {QUOTES_PER_CRITERION} quotes.")
        body = view.answer.body if view.answer else ""
        for quote in given.evidence:
            if len(quote) > QUOTE_MAX_CHARS:
                raise Invalid(f"{name}: keep each quote under {QUOTE_MAX_CHARS:,} characters.")
            if not quote_in_answer(quote, body, view.html):
                raise Invalid(f"{name}: the quote \u201c{squash(quote)[:60]}\u201d is not in the "
                              "answer. Select text in the answer to quote it.")
    recommendation = None
    if data.recommendation:
        try:
            recommendation = Recommendation(data.recommendation)
        except ValueError:
            raise Invalid("Choose a recommendation from the list.") from None
    summary = data.summary.strip()
    if len(summary) > SUMMARY_MAX_CHARS:
        raise Invalid(f"Keep the summary under {SUMMARY_MAX_CHARS:,} characters.")

    existing = scores_by_card(session, [card])[card.id]
    if submit or card.submitted_at is not None:
        _check_complete(interview, items, existing, data, recommendation, summary)
    was_submitted = card.submitted_at is not None
    with transaction(session):
        for (attempt_id, criterion_id), given in data.criteria.items():
            view = items[attempt_id]
            row = next(r for r in view.criteria if r.criterion.id == criterion_id)
            current = existing.get((attempt_id, criterion_id))
            if current is None:
                current = CriterionScore(scorecard_id=card.id, attempt_id=attempt_id,
                                         criterion_id=criterion_id)
                session.add(current)
            elif was_submitted and current.level != given.level:
                audit(session, interview, user, AuditAction.SCORE_CHANGED,
                      prompt=view.item.prompt_revision.title, criterion=row.criterion.name,
                      old=current.level, new=given.level)
            current.level = given.level
            current.suggested_level = row.suggested
            current.comment = given.comment.strip()
            current.evidence = [{"quote": squash(q),
                                 "revision": view.answer.number if view.answer else 0}
                                for q in dict.fromkeys(given.evidence) if squash(q)]
        if was_submitted and card.recommendation is not recommendation:
            audit(session, interview, user, AuditAction.RECOMMENDATION_CHANGED,
                  old=card.recommendation.value if card.recommendation else None,
                  new=recommendation.value if recommendation else None)
        card.recommendation = recommendation
        card.summary = summary
        card.updated_at = now
        if submit and not was_submitted:
            card.submitted_at = now
            audit(session, interview, user, AuditAction.SCORECARD_SUBMITTED,
                  recommendation=recommendation.value if recommendation else None)
    return card


def _check_complete(interview: Interview, items: dict[int, ItemView],
                    existing: dict[tuple[int, int], CriterionScore], data: ScorecardInput,
                    recommendation: Recommendation | None, summary: str) -> None:
    if interview.submitted_at is None:
        raise Conflict("The candidate has not submitted yet; keep your scorecard as a draft "
                       "until they do.")
    missing, unexplained = [], []
    for attempt_id, view in items.items():
        for row in view.criteria:
            key = (attempt_id, row.criterion.id)
            given = data.criteria.get(key)
            if given is None:
                old = existing.get(key)
                given = CriterionInput(old.level, old.comment) if old else CriterionInput(None)
            if given.level is None:
                missing.append(row.criterion.name)
            elif (row.suggested is not None and given.level != row.suggested
                  and not given.comment.strip()):
                unexplained.append(row.criterion.name)
    if missing:
        raise Invalid("Give a level to every criterion before submitting. Missing: "
                      + ", ".join(missing) + ".")
    if unexplained:
        raise Invalid("Say why in a comment when you override a suggested level: "
                      + ", ".join(unexplained) + ".")
    if recommendation is None:
        raise Invalid("Choose an overall recommendation before submitting.")
    if not summary:
        raise Invalid("Write a short summary before submitting.")


# The comparison ------------------------------------------------------------------------------


@dataclass
class ComparisonRow:
    view: ItemView
    criterion: Criterion
    scores: list[CriterionScore | None]  # in the order of Comparison.cards
    spread: int | None
    disagree: bool

    @property
    def levels(self) -> list[int]:
        return [s.level for s in self.scores if s is not None and s.level is not None]

    @property
    def median(self) -> int | None:
        """The panel's median level, rounded down (the default level to release)."""
        levels = self.levels
        return math.floor(statistics.median(levels)) if levels else None


@dataclass
class Comparison:
    interview: Interview
    cards: list[Scorecard]    # submitted
    pending: list[Scorecard]  # not submitted yet
    items: list[ItemView]
    rows: list[ComparisonRow]
    agreement: Agreement
    totals: dict[tuple[int, int], Score]  # (scorecard id, attempt id) -> weighted score
    # Each pair of reviewers: quadratic weighted kappa over the criteria both scored.
    pairs: list[tuple[Scorecard, Scorecard, float | None]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.pending

    @property
    def disagreements(self) -> int:
        return sum(1 for row in self.rows if row.disagree)


def comparison(session: Session, interview: Interview, user: User, *,
               answers: bool = True) -> Comparison:
    """Submitted scorecards side by side; only for a reviewer who has submitted their own.

    ``answers`` False leaves the answers' HTML unloaded, for pages that show only scores.
    """
    if not may_see_scores(interview, user):
        raise NotAllowed("Submit your own scorecard first: scoring is blind until then.")
    load_rubrics(session, interview)
    cards = [c for c in interview.scorecards if c.submitted_at is not None]
    pending = [c for c in interview.scorecards if c.submitted_at is None]
    scores = scores_by_card(session, cards)
    items = _items(session, interview, answers=answers)
    rows, totals = [], {}
    for view in items:
        if view.attempt is None:
            continue
        for row in view.criteria:
            key = (view.attempt.id, row.criterion.id)
            found = [scores[card.id].get(key) for card in cards]
            levels = {card.id: s.level for card, s in zip(cards, found, strict=True)
                      if s is not None and s.level is not None}
            spread = max(levels.values()) - min(levels.values()) if levels else None
            rows.append(ComparisonRow(view, row.criterion, found, spread,
                                      disagrees(levels, DISAGREEMENT_LEVELS)))
        for card in cards:
            totals[(card.id, view.attempt.id)] = score(
                [CriterionLevel(r.criterion.name, r.criterion.weight,
                                getattr(scores[card.id].get((view.attempt.id, r.criterion.id)),
                                        "level", None))
                 for r in view.criteria], view.bar)
    matrix = [[s.level for s in row.scores] for row in rows
              if all(s is not None and s.level is not None for s in row.scores)]
    levels = [level for view in items for level in view.scale]
    pairs = []
    for i, first in enumerate(cards):
        for j in range(i + 1, len(cards)):
            both = [(row[i], row[j]) for row in matrix]
            kappa = (quadratic_weighted_kappa([a for a, _ in both], [b for _, b in both],
                                              min(levels), max(levels)) if both else None)
            pairs.append((first, cards[j], kappa))
    return Comparison(interview, cards, pending, items, rows,
                      panel_agreement(matrix), totals, pairs)


# Decision and release ---------------------------------------------------------------------------


def decide(session: Session, interview: Interview, user: User, decision: str, note: str, *,
           now: datetime | None = None) -> Interview:
    require_owner(interview, user)
    if interview.released_at is not None:
        raise Conflict("Feedback is released; the decision stands.")
    if interview.submitted_at is None:
        raise Conflict("The candidate has not submitted yet.")
    pending = [c.reviewer.display_name for c in interview.scorecards if c.submitted_at is None]
    if pending:
        raise Conflict("Waiting for scorecards from " + ", ".join(pending) + ". Remove a "
                       "reviewer from the panel if they will not score.")
    try:
        chosen = Decision(decision)
    except ValueError:
        raise Invalid("Choose advance or do not advance.", field="decision") from None
    note = note.strip()
    if len(note) > SUMMARY_MAX_CHARS:
        raise Invalid(f"Keep the note under {SUMMARY_MAX_CHARS:,} characters.", field="note")
    with transaction(session):
        action = (AuditAction.DECISION_CHANGED if interview.decision is not None
                  else AuditAction.DECIDED)
        audit(session, interview, user, action, decision=chosen.value,
              old=interview.decision.value if interview.decision else None)
        interview.decision = chosen
        interview.decision_note = note
        interview.decided_at = now or utcnow()
    return interview


@dataclass(frozen=True)
class FeedbackChoice:
    level: int | None
    show_level: bool
    comment: str
    show_comment: bool


def release(session: Session, interview: Interview, user: User,
            choices: dict[tuple[int, int], FeedbackChoice], *, message: str = "",
            show_decision: bool = False, now: datetime | None = None) -> Interview:
    """Publish to the candidate exactly what ``choices`` says, and nothing else."""
    require_owner(interview, user)
    if interview.decision is None:
        raise Conflict("Record the decision before releasing feedback.")
    if interview.released_at is not None:
        raise Conflict("Feedback is already released.")
    load_rubrics(session, interview)
    valid = {}
    for item in interview.items:
        if item.attempt is not None:
            scale = rubric_scale(item.rubric_revision)
            for criterion in item.rubric_revision.criteria:
                valid[(item.attempt.id, criterion.id)] = (criterion, scale)
    for key, choice in choices.items():
        if key not in valid:
            raise Invalid("That criterion is not part of this interview.")
        criterion, scale = valid[key]
        if choice.level is not None and choice.level not in scale:
            raise Invalid(f"{criterion.name}: pick a level from {min(scale)} to {max(scale)}.")
        if choice.show_level and choice.level is None:
            raise Invalid(f"{criterion.name}: choose the level to show, or do not show it.")
        if len(choice.comment) > COMMENT_MAX_CHARS:
            raise Invalid(f"{criterion.name}: keep the comment under "
                          f"{COMMENT_MAX_CHARS:,} characters.")
    if len(message) > SUMMARY_MAX_CHARS:
        raise Invalid(f"Keep the message under {SUMMARY_MAX_CHARS:,} characters.")
    with transaction(session):
        for (attempt_id, criterion_id), choice in choices.items():
            session.add(FeedbackItem(
                interview_id=interview.id, attempt_id=attempt_id, criterion_id=criterion_id,
                level=choice.level, show_level=choice.show_level,
                comment=choice.comment.strip(),
                show_comment=choice.show_comment and bool(choice.comment.strip())))
        interview.release_message = message.strip()
        interview.release_decision = show_decision
        interview.released_at = now or utcnow()
        audit(session, interview, user, AuditAction.RELEASED,
              levels_shown=sum(1 for c in choices.values() if c.show_level),
              comments_shown=sum(1 for c in choices.values()
                                 if c.show_comment and c.comment.strip()),
              decision_shown=show_decision)
    return interview


# What the candidate reads ---------------------------------------------------------------------


@dataclass
class FeedbackRow:
    criterion: Criterion
    item: FeedbackItem
    label: str  # the scale's word for the level
    regrade: RegradeRequest | None


@dataclass
class FeedbackSection:
    item: InterviewItem
    rows: list[FeedbackRow]


def candidate_feedback(session: Session, interview: Interview) -> list[FeedbackSection] | None:
    """The released feedback, as the candidate sees it; None before release."""
    if interview.released_at is None:
        return None
    load_rubrics(session, interview)
    chosen = {(f.attempt_id, f.criterion_id): f for f in session.scalars(
        select(FeedbackItem).where(FeedbackItem.interview_id == interview.id))}
    regrades = {(r.attempt_id, r.criterion_id): r for r in session.scalars(
        select(RegradeRequest).where(RegradeRequest.interview_id == interview.id))}
    sections = []
    for item in interview.items:
        if item.attempt is None:
            continue
        scale = rubric_scale(item.rubric_revision)
        rows = []
        for criterion in item.rubric_revision.criteria:
            key = (item.attempt.id, criterion.id)
            shown = chosen.get(key)
            if shown is None or not (shown.show_level or shown.show_comment):
                continue
            rows.append(FeedbackRow(criterion, shown,
                                    scale.get(shown.level, "") if shown.level else "",
                                    regrades.get(key)))
        sections.append(FeedbackSection(item, rows))
    return sections


def request_regrade(session: Session, interview: Interview, user: User, *, attempt_id: int,
                    criterion_id: int, reason: str,
                    now: datetime | None = None) -> RegradeRequest:
    if interview.candidate_id != user.id:
        raise NotFound("There is no such interview.")
    if interview.released_at is None:
        raise Conflict("Feedback has not been released yet.")
    shown = session.scalar(select(FeedbackItem).where(
        FeedbackItem.interview_id == interview.id, FeedbackItem.attempt_id == attempt_id,
        FeedbackItem.criterion_id == criterion_id))
    if shown is None or not (shown.show_level or shown.show_comment):
        raise NotFound("There is no such criterion in your feedback.")
    reason = reason.strip()
    if len(reason) < 10:
        raise Invalid("Say in a sentence or two what you would like looked at again.",
                      field="reason")
    if len(reason) > COMMENT_MAX_CHARS:
        raise Invalid(f"Keep the reason under {COMMENT_MAX_CHARS:,} characters.", field="reason")
    if session.scalar(select(RegradeRequest.id).where(
            RegradeRequest.interview_id == interview.id,
            RegradeRequest.attempt_id == attempt_id,
            RegradeRequest.criterion_id == criterion_id)) is not None:
        raise Conflict("You have already asked for a second look at this criterion.")
    with transaction(session):
        request = RegradeRequest(interview_id=interview.id, attempt_id=attempt_id,
                                 criterion_id=criterion_id, reason=reason,
                                 created_at=now or utcnow(), assignee_id=interview.owner_id,
                                 old_level=shown.level)
        session.add(request)
        audit(session, interview, user, AuditAction.REGRADE_REQUESTED,
              criterion=shown.criterion.name)
    return request


def regrades(session: Session, interview: Interview) -> list[RegradeRequest]:
    return list(session.scalars(
        select(RegradeRequest).where(RegradeRequest.interview_id == interview.id)
        .options(selectinload(RegradeRequest.criterion), selectinload(RegradeRequest.assignee))
        .order_by(RegradeRequest.created_at)))


def _regrade(session: Session, interview: Interview, request_id: int) -> RegradeRequest:
    request = session.scalar(select(RegradeRequest).where(
        RegradeRequest.id == request_id, RegradeRequest.interview_id == interview.id))
    if request is None:
        raise NotFound("There is no such request.")
    if request.status is not RegradeStatus.OPEN:
        raise Conflict("This request has already been answered.")
    return request


def reassign_regrade(session: Session, interview: Interview, user: User, request_id: int,
                     reviewer_id: int) -> RegradeRequest:
    require_owner(interview, user)
    request = _regrade(session, interview, request_id)
    card = next((c for c in interview.scorecards if c.reviewer_id == reviewer_id), None)
    if card is None:
        raise Invalid("Reassign to a reviewer on the panel.", field="reviewer")
    with transaction(session):
        request.assignee_id = reviewer_id
        audit(session, interview, user, AuditAction.REGRADE_REASSIGNED,
              criterion=request.criterion.name, to=card.reviewer.display_name)
    return request


def answer_regrade(session: Session, interview: Interview, user: User, request_id: int, *,
                   response: str, new_level: int | None,
                   now: datetime | None = None) -> RegradeRequest:
    """The assignee (or the owner) answers; a new level replaces the released one."""
    request = _regrade(session, interview, request_id)
    if user.id not in (request.assignee_id, interview.owner_id):
        raise NotAllowed("This request is assigned to someone else.")
    response = response.strip()
    if not response:
        raise Invalid("Write an answer to the candidate.", field="response")
    if len(response) > COMMENT_MAX_CHARS:
        raise Invalid(f"Keep the answer under {COMMENT_MAX_CHARS:,} characters.",
                      field="response")
    item = next(i for i in interview.items if i.attempt_id == request.attempt_id)
    scale = rubric_scale(item.rubric_revision)
    if new_level is not None and new_level not in scale:
        raise Invalid(f"Pick a level from {min(scale)} to {max(scale)}.", field="level")
    shown = session.scalar(select(FeedbackItem).where(
        FeedbackItem.interview_id == interview.id,
        FeedbackItem.attempt_id == request.attempt_id,
        FeedbackItem.criterion_id == request.criterion_id))
    with transaction(session):
        request.response = response
        request.status = RegradeStatus.ANSWERED
        if new_level is not None and shown is not None and new_level != shown.level:
            request.new_level = new_level
            shown.level = new_level
            shown.show_level = True
        audit(session, interview, user, AuditAction.REGRADE_ANSWERED,
              criterion=request.criterion.name, old=request.old_level, new=request.new_level)
    return request
