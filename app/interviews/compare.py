"""The blind comparison: submitted scorecards side by side, for reviewers who submitted theirs."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.errors import NotAllowed
from app.grading.agreement import Agreement, disagrees, pairwise_kappas, panel_agreement
from app.grading.scoring import Score
from app.interviews.permissions import may_see_scores
from app.interviews.scorecards import ItemView, item_views, load_rubrics, scores_by_card
from app.models import Criterion, CriterionScore, Interview, Scorecard, User

DISAGREEMENT_LEVELS = 2


@dataclass
class ComparisonRow:
    view: ItemView
    criterion: Criterion
    scores: list[CriterionScore | None]  # in the order of Comparison.cards
    spread: int | None
    disagree: bool
    capped_by: int | None = None  # a revealed hint that gives this criterion away

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
    items = item_views(session, interview, answers=answers, suggest=False, scenes=answers)
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
                                      disagrees(levels, DISAGREEMENT_LEVELS), row.capped_by))
        for card in cards:
            # Hint caps, then gates (ItemView.score_of).
            totals[(card.id, view.attempt.id)] = view.score_of(
                {r.criterion.id: getattr(scores[card.id].get((view.attempt.id, r.criterion.id)),
                                         "level", None)
                 for r in view.criteria})
    matrix = [[s.level for s in row.scores] for row in rows
              if all(s is not None and s.level is not None for s in row.scores)]
    levels = [level for view in items for level in view.scale]
    pairs = [(cards[i], cards[j], kappa)
             for i, j, kappa in pairwise_kappas(matrix, len(cards), levels)]
    return Comparison(interview, cards, pending, items, rows,
                      panel_agreement(matrix), totals, pairs)
