"""Each reviewer's scorecard: one ``CriterionScore`` per criterion of each attempt.

Scores are kept against the rubric revision the attempt pinned. Evidence is
text quoted from the answer, and a quote that is not in the answer is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.attempts.lifecycle import latest_revision, scene_of
from app.attempts.suggestions import auto_suggestions, hints_revealed, rubric_scale
from app.calibration.services import prompts_due
from app.content.diff import Change, RubricSnapshot, rubric_changes
from app.content.render import render_markdown
from app.db import transaction, utcnow
from app.errors import Conflict, Invalid, NotAllowed
from app.grading.hints import RevealedHint, capping_hints, hint_cap, score_after_hints
from app.grading.quotes import quote_in_answer, squash
from app.grading.scoring import CriterionLevel, Score, bar_for, gate_for
from app.interviews.audit import audit
from app.interviews.live_view import answer_html, shows_html, shows_scene
from app.interviews.permissions import own_scorecard
from app.models import (
    AnswerRevision,
    Criterion,
    CriterionScore,
    Interview,
    InterviewItem,
    Recommendation,
    Rubric,
    RubricRevision,
    Scorecard,
    TestRun,
    User,
)
from app.vocabulary import AuditAction

COMMENT_MAX_CHARS = 4_000
SUMMARY_MAX_CHARS = 4_000
QUOTE_MAX_CHARS = 1_000
QUOTES_PER_CRITERION = 10


# The scorecard page -------------------------------------------------------------------------


@dataclass
class CriterionRow:
    criterion: Criterion
    suggested: int | None  # from hidden tests or a review's planted findings only
    score: CriterionScore | None
    found: list[str] | None = None  # the criterion's signals found in the answer
    capped_by: int | None = None  # a revealed hint that gives this criterion away
    reasons: tuple[str, ...] = ()  # what an auto: findings suggestion rests on


@dataclass
class ItemView:
    item: InterviewItem
    answer: AnswerRevision | None
    html: str
    criteria: list[CriterionRow]
    scale: dict[int, str]
    bar: float
    hidden_run: TestRun | None
    hints: list[RevealedHint] = field(default_factory=list)  # revealed before submitting
    hint_cap: int | None = None  # the most a criterion a revealed hint gave away counts
    # The rubric changed since this item was set: its current number and what changed.
    rubric_now: int | None = None
    changes: list[Change] = field(default_factory=list)
    target_level: str = ""  # the interview's: it picks the bar and the gates
    scene: str | None = None  # the newest whiteboard scene's JSON, when asked for and drawn

    @property
    def attempt(self):
        return self.item.attempt

    def gate(self, criterion: Criterion) -> int | None:
        """The level ``criterion`` must reach at the interview's target level, if gated."""
        return gate_for(criterion.gate, self.target_level)

    def score_of(self, levels: dict[int, int | None]) -> Score:
        """The weighted score of ``levels`` (criterion id -> level): what a revealed hint
        gave away counts at most the cap (app.grading.hints), then the gates apply."""
        return score_after_hints(
            [CriterionLevel(r.criterion.name, r.criterion.weight, levels.get(r.criterion.id),
                            self.gate(r.criterion)) for r in self.criteria],
            self.hints, self.scale, self.bar)

    @property
    def own_score(self) -> Score:
        """The score of the levels saved on this page's scorecard."""
        return self.score_of({r.criterion.id: r.score.level if r.score else None
                              for r in self.criteria})


def item_views(session: Session, interview: Interview, *, answers: bool = True,
               suggest: bool = True, scenes: bool = False) -> list[ItemView]:
    """Each item with its newest answer, shown as stored (``answers``) or not loaded at all.

    ``suggest`` False leaves out the suggested levels and the hidden tests' run,
    for pages that show only the levels reviewers gave. ``scenes`` also reads
    the whiteboard of kinds that have one, in the query that reads the answer.
    """
    views = []
    current = dict(session.execute(
        select(Rubric.id, Rubric.current_revision_id)
        .where(Rubric.id.in_({i.rubric_revision.rubric_id for i in interview.items}))).all())
    for item in interview.items:
        rubric = item.rubric_revision
        scale = rubric_scale(rubric)
        attempt = item.attempt
        kind = item.prompt_revision.kind
        drawn = scenes and answers and shows_scene(kind)
        answer = (latest_revision(session, attempt, html=answers and shows_html(kind),
                                  scene=drawn)
                  if attempt and (answers or suggest) else None)
        body = answer.body if answer else ""
        suggestions = auto_suggestions(session, attempt, body) if attempt and suggest else None
        hints = hints_revealed(attempt, item.prompt_revision.hints)
        caps = capping_hints(hints)
        view = ItemView(
            item=item, answer=answer,
            html=answer_html(item.prompt_revision, answer) if answers else "",
            criteria=[CriterionRow(c, suggestions.levels.get(c.id) if suggestions else None, None,
                                   suggestions.found.get(c.id) if suggestions else None,
                                   caps.get(c.name.casefold()),
                                   suggestions.reasons.get(c.id, ()) if suggestions else ())
                      for c in rubric.criteria],
            scale=scale, bar=bar_for(rubric.bar, interview.target_level, list(scale)),
            hidden_run=suggestions.hidden_run if suggestions else None,
            hints=hints, hint_cap=hint_cap(scale), target_level=interview.target_level,
            scene=scene_of(session, answer) if drawn else None)
        now_id = current.get(rubric.rubric_id)
        if now_id is not None and now_id != rubric.id:
            newer = session.get(RubricRevision, now_id)
            if newer is not None:
                view.rubric_now = newer.number
                view.changes = rubric_changes(RubricSnapshot.of(rubric), RubricSnapshot.of(newer))
        views.append(view)
    return views


def load_rubrics(session: Session, interview: Interview) -> None:
    """Give every item's rubric revision its criteria, in one query.

    The revisions come with the interview (``load_interview``); the criteria
    are set on them as loaded, so the pages read them without asking again.
    """
    revisions = {item.rubric_revision.id: item.rubric_revision for item in interview.items}
    if all("criteria" not in inspect(r).unloaded for r in revisions.values()):
        return
    criteria: dict[int, list[Criterion]] = {rid: [] for rid in revisions}
    for criterion in session.scalars(
            select(Criterion).where(Criterion.rubric_revision_id.in_(list(revisions)))
            .order_by(Criterion.rubric_revision_id, Criterion.position)):
        criteria[criterion.rubric_revision_id].append(criterion)
    for rid, revision in revisions.items():
        if "criteria" in inspect(revision).unloaded:
            set_committed_value(revision, "criteria", criteria[rid])


@dataclass
class ScorecardPage:
    interview: Interview
    card: Scorecard
    items: list[ItemView]
    # Prompts with calibration samples of which this reviewer has scored none.
    calibration_due: set[int] = field(default_factory=set)

    @property
    def calibration_titles(self) -> list[tuple[int, str]]:
        """(prompt id, title) of the items whose prompt has calibration to do, once each."""
        seen: dict[int, str] = {}
        for view in self.items:
            revision = view.item.prompt_revision
            if revision.prompt_id in self.calibration_due:
                seen.setdefault(revision.prompt_id, revision.title)
        return list(seen.items())


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
    items = item_views(session, interview, scenes=True)
    scores = scores_by_card(session, [card])[card.id]
    for view in items:
        if view.attempt is not None:
            for row in view.criteria:
                row.score = scores.get((view.attempt.id, row.criterion.id))
    due = prompts_due(session, user, sorted({i.prompt_revision.prompt_id for i in interview.items}))
    return ScorecardPage(interview, card, items, due)


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
    items = {view.attempt.id: view for view in item_views(session, interview) if view.attempt}
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
        card.summary_html = str(render_markdown(summary))
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
