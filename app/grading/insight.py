"""Rubric insight: how a rubric's criteria behave over the scorecards submitted against it.

Everything here is pure: plain descriptions of rubric revisions and scored
answers in, figures and plain-worded flags out. The caller passes only
submitted scorecards. One ``ScoredAnswer`` is one interview's answer to the
rubric's prompt, with each reviewer's levels, the interview's target level,
its decision and the hints the candidate revealed.

Criteria are matched across revisions by name (case aside); a renamed
criterion is a new one. Every figure of a criterion pools the answers whose
revision has it.

Distribution
    Each reviewer's level counts once: ``distribution[level]`` is how many
    times a reviewer gave that level, every level of the scale listed (0 when
    never given).

Agreement, the comparison's statistics (``app.grading.agreement``)
    Disagreement: an answer where the criterion's highest and lowest level are
    ``threshold`` levels or more apart (``disagrees``; 2 by default, as the
    comparison), over the answers scored by two reviewers or more.

    ICC(A,1) read as Koo & Li (``panel_agreement``): one row per answer, one
    column per reviewer, in the order the answer lists them. Across interviews
    the panels are different people, so a column is "the first reviewer", "the
    second", not one person; the rows taken are those with the most common
    panel size (the larger on a tie), and the others are counted as left out.
    The rater term then measures position rather than a person's bias, and the
    statistic reads as how well one reviewer's level predicts another's.

    Quadratic weighted kappa of each pair of reviewers over the answers both
    scored (``quadratic_weighted_kappa``), on the scale from its lowest to
    its highest level: which two reviewers disagree on the criterion.

Gates that decide
    A scorecard is decided by a gate when its weighted mean (hint caps applied,
    as on the scorecard) meets the bar at the interview's target level but a
    gated criterion is below its gate (``scoring.score``). Only complete
    scorecards count.

Hints
    How often each hint was revealed; per criterion, the scorecards where a
    revealed hint that gives it away lowered the level counted
    (``hints.cap_levels``), and its mean level as given (an answer's level is
    its reviewers' mean) on the answers where such a hint was revealed and on
    the others; and the scorecards the caps turned from meeting the bar to
    missing it (the same levels scored without the hints meet it).

Separation (discrimination)
    The difference in mean level between the answers of interviews that
    advanced and those that did not: each answer's level is the mean of its
    reviewers' levels as given (no hint cap), so every answer weighs the same
    whatever its panel's size. A difference is in levels, which an author can
    read against the descriptors; a correlation would hide how far apart the
    two groups sit. The decision is the interview's, over all its prompts, so it
    labels one answer only roughly; hence it needs ``MIN_PER_OUTCOME`` decided
    answers on each side,
    else it is None ("not enough scorecards"). Below ``SEPARATES_BY`` (half a
    level) the criterion hardly separates strong answers from weak ones; below
    0 it scores the answers that did not advance higher. A criterion every
    reviewer gave one and the same level, over ``MIN_ANSWERS`` answers or more,
    never separates, whatever the decisions.

Flags
    Disagreement: a criterion scored by two reviewers or more in
    ``MIN_PANELS`` answers or more, disagreed on in ``DISAGREEMENT_SHARE`` of
    them or more; the rubric's prompt is then worth rewording
    (``RubricInsight.reword``). Never separates, hardly separates, backwards:
    as above. Not enough scorecards: the rubric has fewer than ``MIN_PANELS``
    answers scored by two reviewers or more (or a criterion has, when the
    rubric has enough), or fewer than ``MIN_PER_OUTCOME`` decided answers on
    either side.

Arithmetic is exact (fractions) except where the agreement module returns
floats (ICC, kappa).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from app.grading.agreement import (
    Agreement,
    disagrees,
    panel_agreement,
    quadratic_weighted_kappa,
)
from app.grading.hints import RevealedHint, cap_levels, capping_hints, counted
from app.grading.scoring import BAR_TOLERANCE, CriterionLevel, bar_for, gate_for, score

ADVANCE = "advance"
DECLINE = "decline"

# Levels apart at which two reviewers disagree: the comparison's default.
DISAGREEMENT_LEVELS = 2
# Fewer answers scored by two reviewers or more than this, and no criterion is
# flagged for disagreement: two interviews are an anecdote.
MIN_PANELS = 3
# A criterion is flagged when reviewers disagree on it in this share of its panels or more.
DISAGREEMENT_SHARE = Fraction(1, 3)
# Decided answers needed on each side (advanced, not advanced) to measure separation.
MIN_PER_OUTCOME = 3
# A criterion whose advanced answers average less than this above the others hardly separates.
SEPARATES_BY = Fraction(1, 2)
# Answers needed before "every answer got the same level" is worth saying.
MIN_ANSWERS = 5

# Flag kinds.
DISAGREEMENT = "disagreement"
NEVER_SEPARATES = "never separates"
HARDLY_SEPARATES = "hardly separates"
BACKWARDS = "backwards"
NOT_ENOUGH = "not enough scorecards"


@dataclass(frozen=True)
class CriterionShape:
    """A rubric criterion as insight needs it: name, weight and gate per target level."""

    name: str
    weight: float
    gate: Mapping[str, int] | None = None


@dataclass(frozen=True)
class RubricShape:
    """One rubric revision: its number, scale levels, bar (a number or per target level)
    and criteria."""

    revision: int
    scale: Sequence[int]
    bar: float | Mapping[str, float]
    criteria: Sequence[CriterionShape]


def stored_rubric_shape(revision: int, scale: Iterable, bar: float | Mapping,
                        criteria: Iterable[tuple[str, float, Mapping | None]]) -> RubricShape:
    """A rubric revision as the database keeps it (JSON: scale levels and a bar's target
    levels as strings) in the shape this module reads; ``criteria`` as (name, weight, gate)."""
    if isinstance(bar, Mapping):
        bar = {str(level): float(value) for level, value in bar.items()}
    return RubricShape(
        revision=revision, scale=sorted(int(level) for level in scale), bar=bar,
        criteria=[CriterionShape(name, weight, dict(gate) if gate else None)
                  for name, weight, gate in criteria])


@dataclass(frozen=True)
class ScoredAnswer:
    """One interview's answer to the rubric's prompt and its submitted scorecards.

    ``levels`` maps reviewer -> criterion name -> level (None: not scored);
    ``decision`` is ``"advance"``, ``"decline"`` or None (not decided yet).
    """

    revision: int
    target_level: str
    levels: Mapping[Hashable, Mapping[str, int | None]]
    decision: str | None = None
    hints: Sequence[RevealedHint] = ()


@dataclass(frozen=True)
class PairAgreement:
    """Two reviewers' quadratic weighted kappa on one criterion over the answers both scored."""

    first: Hashable
    second: Hashable
    answers: int
    kappa: float | None


@dataclass(frozen=True)
class CriterionInsight:
    """The figures of one criterion (see the module's docstring for each)."""

    name: str
    scale: tuple[int, ...]
    distribution: dict[int, int]
    answers: int                  # answers with at least one level for it
    panels: int                   # answers with two levels or more
    disagreements: int            # panels whose levels are DISAGREEMENT_LEVELS or more apart
    agreement: Agreement
    left_out: int                 # panels not in the ICC's table (another panel size)
    pairs: tuple[PairAgreement, ...]
    gate_missed: int              # complete scorecards below its gate
    gate_decided: int             # ... whose weighted mean met the bar
    hint_capped: int              # scorecards where a revealed hint lowered the level counted
    hinted: int                   # answers that revealed a hint giving it away
    hinted_mean: Fraction | None  # mean level of those answers ...
    unhinted_mean: Fraction | None  # ... and of the others
    advanced: int                 # decided answers on each side, for separation
    declined: int
    advanced_mean: Fraction | None
    declined_mean: Fraction | None

    @property
    def levels_given(self) -> int:
        return sum(self.distribution.values())

    @property
    def mean(self) -> Fraction | None:
        """The mean of every level given; None when none was."""
        given = self.levels_given
        if not given:
            return None
        return Fraction(sum(level * n for level, n in self.distribution.items()), given)

    @property
    def disagreement_share(self) -> Fraction | None:
        return Fraction(self.disagreements, self.panels) if self.panels else None

    @property
    def separation(self) -> Fraction | None:
        """Advanced answers' mean level less the others'; None with too few on either side."""
        if self.advanced < MIN_PER_OUTCOME or self.declined < MIN_PER_OUTCOME:
            return None
        return self.advanced_mean - self.declined_mean

    @property
    def only_level(self) -> int | None:
        """The one level every reviewer gave, when there was only one."""
        used = [level for level, n in self.distribution.items() if n]
        return used[0] if len(used) == 1 else None


@dataclass(frozen=True)
class HintUse:
    """How many answers revealed a hint; ``criterion`` is what it gives away (None: a nudge)."""

    number: int
    criterion: str | None
    answers: int


@dataclass(frozen=True)
class Flag:
    """Something an author should look at, in words; ``criterion`` None concerns the rubric."""

    kind: str
    criterion: str | None
    reason: str


@dataclass(frozen=True)
class RubricInsight:
    """The figures of a rubric over its scored answers, and the flags they raise."""

    answers: int
    scorecards: int
    revisions: tuple[int, ...]
    criteria: tuple[CriterionInsight, ...]
    gate_decided: int             # complete scorecards decided by a gate
    hints: tuple[HintUse, ...]
    answers_with_hints: int
    hint_turned: int              # scorecards the hint caps turned from meeting the bar to not
    flags: tuple[Flag, ...] = field(default=())

    @property
    def reword(self) -> bool:
        """The prompt's criteria divide reviewers: it is worth rewording."""
        return any(f.kind == DISAGREEMENT for f in self.flags)


def _key(name: str) -> str:
    return name.casefold()


def _check_level(level: object, scale: Sequence[int], where: str) -> int:
    if isinstance(level, bool) or not isinstance(level, int):
        raise TypeError(f"{where}: a level is a whole number, got {level!r}")
    if level not in scale:
        raise ValueError(f"{where}: level {level} is not on the scale {sorted(scale)}")
    return level


def _mean(values: Sequence[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


def _interviews(n: int) -> str:
    return f"{n} interview" if n == 1 else f"{n} interviews"


def _show(value: Fraction) -> str:
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


class _Tally:
    """What one criterion collects while the answers are read."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.scale: set[int] = set()
        self.given: list[int] = []
        self.rows: list[list[int]] = []          # each answer's levels, reviewers in order
        self.by_reviewer: list[dict[Hashable, int]] = []
        self.gate_missed = 0
        self.gate_decided = 0
        self.hint_capped = 0
        self.hinted: dict[bool, list[Fraction]] = {True: [], False: []}
        self.outcome: dict[str, list[Fraction]] = {ADVANCE: [], DECLINE: []}

    def insight(self, threshold: int) -> CriterionInsight:
        scale = tuple(sorted(self.scale))
        counts = Counter(self.given)
        panels = [row for row in self.rows if len(row) >= 2]
        sizes = Counter(len(row) for row in panels)
        size = max(sizes, key=lambda k: (sizes[k], k)) if sizes else 0
        table = [row for row in panels if len(row) == size]
        return CriterionInsight(
            name=self.name,
            scale=scale,
            distribution={level: counts[level] for level in scale},
            answers=sum(1 for row in self.rows if row),
            panels=len(panels),
            disagreements=sum(1 for levels in self.by_reviewer
                              if len(levels) >= 2 and disagrees(levels, threshold)),
            agreement=panel_agreement(table),
            left_out=len(panels) - len(table),
            pairs=self._pairs(scale),
            gate_missed=self.gate_missed,
            gate_decided=self.gate_decided,
            hint_capped=self.hint_capped,
            hinted=len(self.hinted[True]),
            hinted_mean=_mean(self.hinted[True]),
            unhinted_mean=_mean(self.hinted[False]),
            advanced=len(self.outcome[ADVANCE]),
            declined=len(self.outcome[DECLINE]),
            advanced_mean=_mean(self.outcome[ADVANCE]),
            declined_mean=_mean(self.outcome[DECLINE]),
        )

    def _pairs(self, scale: tuple[int, ...]) -> tuple[PairAgreement, ...]:
        reviewers: list[Hashable] = []
        for levels in self.by_reviewer:
            reviewers.extend(r for r in levels if r not in reviewers)
        pairs = []
        for i, first in enumerate(reviewers):
            for second in reviewers[i + 1:]:
                shared = [(levels[first], levels[second]) for levels in self.by_reviewer
                          if first in levels and second in levels]
                if shared:
                    kappa = quadratic_weighted_kappa([a for a, _ in shared],
                                                     [b for _, b in shared],
                                                     scale[0], scale[-1])
                    pairs.append(PairAgreement(first, second, len(shared), kappa))
        return tuple(pairs)


def rubric_insight(revisions: Sequence[RubricShape], answers: Sequence[ScoredAnswer], *,
                   threshold: int = DISAGREEMENT_LEVELS) -> RubricInsight:
    """A rubric's figures per criterion over its scored answers, with the flags they raise."""
    shapes = {r.revision: r for r in revisions}
    if len(shapes) != len(revisions):
        raise ValueError("each rubric revision may be given once")
    tallies: dict[str, _Tally] = {}
    for shape in sorted(revisions, key=lambda r: -r.revision):  # the newest's order first
        if len(set(shape.scale)) < 2:
            raise ValueError(f"revision {shape.revision}: a scale has at least two levels")
        for criterion in shape.criteria:
            tally = tallies.setdefault(_key(criterion.name), _Tally(criterion.name))
            tally.scale.update(shape.scale)
    hint_uses: Counter[tuple[int, str | None]] = Counter()
    scorecards = gate_decided = hint_turned = with_hints = 0
    for index, answer in enumerate(answers):
        shape = shapes.get(answer.revision)
        if shape is None:
            raise ValueError(f"answer {index} is scored on revision {answer.revision}, "
                             "which was not given")
        if answer.decision not in (ADVANCE, DECLINE, None):
            raise ValueError(f"answer {index}: decision must be {ADVANCE!r}, {DECLINE!r} "
                             f"or None, got {answer.decision!r}")
        names = {_key(c.name): c for c in shape.criteria}
        for reviewer, levels in answer.levels.items():
            for name in levels:
                if _key(name) not in names:
                    raise ValueError(f"answer {index}: reviewer {reviewer!r} scored "
                                     f"{name!r}, which revision {answer.revision} lacks")
        seen = {(h.number, h.criterion) for h in answer.hints}
        hint_uses.update(seen)
        with_hints += bool(seen)
        for key, criterion in names.items():
            _read_criterion(tallies[key], criterion, answer, shape.scale, index)
        for levels in answer.levels.values():
            scorecards += 1
            decided, turned = _read_scorecard(tallies, shape, answer, levels)
            gate_decided += decided
            hint_turned += turned
    criteria = tuple(t.insight(threshold) for t in tallies.values())
    return RubricInsight(
        answers=len(answers),
        scorecards=scorecards,
        revisions=tuple(sorted({a.revision for a in answers})),
        criteria=criteria,
        gate_decided=gate_decided,
        hints=tuple(HintUse(number, criterion, n)
                    for (number, criterion), n in sorted(hint_uses.items(),
                                                         key=lambda i: (i[0][0], i[0][1] or ""))),
        answers_with_hints=with_hints,
        hint_turned=hint_turned,
        flags=_flags(criteria),
    )


def _read_scorecard(tallies: Mapping[str, _Tally], shape: RubricShape, answer: ScoredAnswer,
                    levels: Mapping[str, int | None]) -> tuple[bool, bool]:
    """One reviewer's levels scored as the scorecard scores them (hint caps, then the gates);
    whether a gate decided it and whether the caps turned it from meeting the bar."""
    bar = bar_for(shape.bar, answer.target_level, list(shape.scale))
    found = {_key(name): level for name, level in levels.items()}
    scored = [CriterionLevel(c.name, c.weight, found.get(_key(c.name)),
                             gate_for(c.gate, answer.target_level)) for c in shape.criteria]
    capped = cap_levels(scored, answer.hints, shape.scale)
    for level in capped:
        if level.capped:
            tallies[_key(level.counted.name)].hint_capped += 1
    plain, after = score(scored, bar), score(counted(capped), bar)
    if not after.complete:  # an incomplete scorecard has no outcome to decide
        return False, False
    for gate in after.gates_missed:
        tallies[_key(gate.criterion)].gate_missed += 1
    decided = bool(after.gates_missed) and after.mean >= bar - BAR_TOLERANCE
    if decided:
        for gate in after.gates_missed:
            tallies[_key(gate.criterion)].gate_decided += 1
    return decided, bool(plain.meets_bar and not after.meets_bar)


def _read_criterion(tally: _Tally, criterion: CriterionShape, answer: ScoredAnswer,
                    scale: Sequence[int], index: int) -> None:
    """Add one answer's levels of one criterion to its tally."""
    key = _key(criterion.name)
    levels: dict[Hashable, int] = {}
    for reviewer, scored in answer.levels.items():
        for name, level in scored.items():
            if _key(name) == key and level is not None:
                levels[reviewer] = _check_level(
                    level, scale, f"answer {index}, reviewer {reviewer!r}, {criterion.name!r}")
    row = list(levels.values())
    tally.given.extend(row)
    tally.rows.append(row)
    tally.by_reviewer.append(levels)
    if not row:
        return
    level = Fraction(sum(row), len(row))
    tally.hinted[key in capping_hints(answer.hints)].append(level)
    if answer.decision is not None:
        tally.outcome[answer.decision].append(level)


def _flags(criteria: Sequence[CriterionInsight]) -> tuple[Flag, ...]:
    """Plain-worded flags: disagreement, criteria that do not separate, too little data."""
    flags = []
    panels = max((c.panels for c in criteria), default=0)
    if panels < MIN_PANELS:
        flags.append(Flag(NOT_ENOUGH, None, (
            f"Not enough scorecards to judge agreement: {_interviews(panels)} scored by two "
            f"reviewers or more, where it takes {MIN_PANELS}.")))
    decided = [(c.advanced, c.declined) for c in criteria]
    advanced = max((a for a, _ in decided), default=0)
    declined = max((d for _, d in decided), default=0)
    if advanced < MIN_PER_OUTCOME or declined < MIN_PER_OUTCOME:
        flags.append(Flag(NOT_ENOUGH, None, (
            f"Not enough decided interviews to tell which criteria separate strong answers "
            f"from weak ones: {advanced} advanced and {declined} not, where it takes "
            f"{MIN_PER_OUTCOME} of each.")))
    for c in criteria:
        if panels >= MIN_PANELS and c.panels < MIN_PANELS:
            # The rubric has enough, this criterion not: one added or renamed lately.
            flags.append(Flag(NOT_ENOUGH, c.name, (
                f"Not enough scorecards to judge agreement on {c.name}: {_interviews(c.panels)} "
                f"scored by two reviewers or more, where it takes {MIN_PANELS}.")))
        elif c.panels >= MIN_PANELS and c.disagreement_share >= DISAGREEMENT_SHARE:
            flags.append(Flag(DISAGREEMENT, c.name, (
                f"Reviewers disagree on {c.name} in {c.disagreements} of {c.panels} "
                f"interviews: consider rewording its descriptors.")))
        only = c.only_level
        if only is not None and c.answers >= MIN_ANSWERS:
            flags.append(Flag(NEVER_SEPARATES, c.name, (
                f"{c.name} never separates: every answer got {only}.")))
            continue
        separation = c.separation
        if separation is None:
            continue
        means = (f"answers that advanced average {_show(c.advanced_mean)}, the others "
                 f"{_show(c.declined_mean)}")
        if separation < 0:
            flags.append(Flag(BACKWARDS, c.name, (
                f"{c.name} scores the answers that did not advance higher: {means}.")))
        elif separation < SEPARATES_BY:
            flags.append(Flag(HARDLY_SEPARATES, c.name, (
                f"{c.name} hardly separates strong answers from weak ones: {means}.")))
    return tuple(flags)

