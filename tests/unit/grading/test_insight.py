"""Rubric insight: every figure of a small fixed data set, worked by hand in the comments."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.grading.agreement import CONTRADICTORY_SCORES, IDENTICAL_SCORES, NOT_ENOUGH_SCORES, POOR
from app.grading.hints import RevealedHint
from app.grading.insight import (
    BACKWARDS,
    DISAGREEMENT,
    DISAGREEMENT_LEVELS,
    HARDLY_SEPARATES,
    NEVER_SEPARATES,
    NOT_ENOUGH,
    CriterionShape,
    Flag,
    HintUse,
    PairAgreement,
    RubricShape,
    ScoredAnswer,
    rubric_insight,
)
from app.interviews import compare

# The rubric: scale 1..4; the bar is 3 for senior and 2.5 for mid; Design weighs 2 and must
# reach 3 at both levels. An answer's weighted mean is (Scope + 2 Design + Estimates) / 4.
RUBRIC = RubricShape(
    revision=1, scale=(1, 2, 3, 4), bar={"senior": 3, "mid": 2.5},
    criteria=(CriterionShape("Scope", 1),
              CriterionShape("Design", 2, {"senior": 3, "mid": 3}),
              CriterionShape("Estimates", 1)),
)
NUDGE = RevealedHint(1, None, 300)           # gives nothing away
DESIGN_HINT = RevealedHint(2, "Design", 600)  # caps Design at 3, the scale's second-highest


def card(scope: int | None, design: int | None, estimates: int | None) -> dict[str, int | None]:
    return {"Scope": scope, "Design": design, "Estimates": estimates}


# Six interviews, two reviewers each (ana first, then ben; cy in the last one):
#
#  #  target  decision  Scope   Design  Estimates  hints
#  1  senior  advance   4, 4    4, 3    2, 2
#  2  senior  advance   3, 4    3, 3    2, 2       hint 1 (a nudge)
#  3  senior  advance   4, 2    4, 4    2, 2       hint 2 (gives Design away)
#  4  mid     decline   4, 3    2, 2    2, 2
#  5  senior  decline   3, 1    2, 3    2, 2
#  6  senior  decline   2, 3    3, 1    2, 2       (ana, cy)
ANSWERS = (
    ScoredAnswer(1, "senior", {"ana": card(4, 4, 2), "ben": card(4, 3, 2)}, "advance"),
    ScoredAnswer(1, "senior", {"ana": card(3, 3, 2), "ben": card(4, 3, 2)}, "advance",
                 (NUDGE,)),
    ScoredAnswer(1, "senior", {"ana": card(4, 4, 2), "ben": card(2, 4, 2)}, "advance",
                 (DESIGN_HINT,)),
    ScoredAnswer(1, "mid", {"ana": card(4, 2, 2), "ben": card(3, 2, 2)}, "decline"),
    ScoredAnswer(1, "senior", {"ana": card(3, 2, 2), "ben": card(1, 3, 2)}, "decline"),
    ScoredAnswer(1, "senior", {"ana": card(2, 3, 2), "cy": card(3, 1, 2)}, "decline"),
)


@pytest.fixture(scope="module")
def insight():
    return rubric_insight([RUBRIC], ANSWERS)


def criterion(found, name):
    return next(c for c in found.criteria if c.name == name)


def test_the_counts(insight):
    assert (insight.answers, insight.scorecards, insight.revisions) == (6, 12, (1,))
    assert [c.name for c in insight.criteria] == ["Scope", "Design", "Estimates"]


def test_the_distribution_counts_every_reviewers_level(insight):
    # Scope's twelve levels: 4 4 3 4 4 2 4 3 3 1 2 3 -> one 1, two 2s, four 3s, five 4s;
    # mean (1 + 2*2 + 4*3 + 5*4) / 12 = 37/12.
    scope = criterion(insight, "Scope")
    assert scope.distribution == {1: 1, 2: 2, 3: 4, 4: 5}
    assert scope.mean == Fraction(37, 12)
    # Design: 4 3 3 3 4 4 2 2 2 3 3 1 -> one 1, three 2s, five 3s, three 4s;
    # mean (1 + 6 + 15 + 12) / 12 = 34/12 = 17/6.
    design = criterion(insight, "Design")
    assert design.distribution == {1: 1, 2: 3, 3: 5, 4: 3}
    assert design.mean == Fraction(17, 6)
    # Estimates: twelve 2s; a level nobody gave is listed with 0.
    estimates = criterion(insight, "Estimates")
    assert estimates.distribution == {1: 0, 2: 12, 3: 0, 4: 0}
    assert estimates.mean == 2
    assert all(c.answers == 6 and c.levels_given == 12 for c in insight.criteria)


def test_disagreement_is_two_levels_apart_as_in_the_comparison(insight):
    # Scope: 4 vs 2 (interview 3) and 3 vs 1 (interview 5); 2 vs 3 and 4 vs 3 are one apart.
    scope = criterion(insight, "Scope")
    assert (scope.panels, scope.disagreements) == (6, 2)
    assert scope.disagreement_share == Fraction(1, 3)
    # Design: 3 vs 1 (interview 6) only. Estimates: never.
    assert criterion(insight, "Design").disagreements == 1
    assert criterion(insight, "Estimates").disagreements == 0


def test_icc_of_scope_worked_by_hand(insight):
    # Rows (ana, other): (4,4) (3,4) (4,2) (4,3) (3,1) (2,3); n = 6 answers, k = 2 columns.
    # Total 37 over N = 12 cells, so T^2/N = 1369/12.
    # Row means 4, 3.5, 3, 3.5, 2, 2.5: k * sum of squares = 2 * 59.75 = 119.5 = 1434/12,
    #   SS targets = 1434/12 - 1369/12 = 65/12, BMS = 65/12 / 5 = 13/12.
    # Column totals 20 and 17: (20^2 + 17^2) / 6 = 689/6 = 1378/12,
    #   SS raters = 9/12 = 3/4 = JMS (one degree of freedom).
    # Sum of squares of the cells 125 = 1500/12: SS total = 131/12,
    #   SS residual = 131/12 - 65/12 - 9/12 = 57/12, EMS = 57/12 / 5 = 19/20.
    # ICC(A,1) = (BMS - EMS) / (BMS + EMS + 2 (JMS - EMS) / 6)
    #          = (65/60 - 57/60) / (65/60 + 57/60 - 4/60) = (8/60) / (118/60) = 4/59: poor.
    agreement = criterion(insight, "Scope").agreement
    assert agreement.statistic == float(Fraction(4, 59))
    assert (agreement.label, agreement.raters, agreement.items) == (POOR, 2, 6)
    assert criterion(insight, "Scope").left_out == 0


def test_icc_of_design_worked_by_hand(insight):
    # Rows (4,3) (3,3) (4,4) (2,2) (2,3) (3,1); total 34, T^2/N = 1156/12 = 289/3.
    # Row means 3.5, 3, 4, 2, 2.5, 2: 2 * 51.5 = 103, SS targets = 103 - 289/3 = 20/3,
    #   BMS = 4/3.
    # Column totals 18 and 16: (324 + 256) / 6 = 290/3, SS raters = 1/3 = JMS.
    # Cells' squares 106: SS total = 29/3, SS residual = 29/3 - 20/3 - 1/3 = 8/3, EMS = 8/15.
    # ICC(A,1) = (20/15 - 8/15) / (20/15 + 8/15 + 2 (5/15 - 8/15) / 6)
    #          = (12/15) / (27/15) = 4/9: poor.
    agreement = criterion(insight, "Design").agreement
    assert agreement.statistic == float(Fraction(4, 9))
    assert agreement.label == POOR


def test_identical_levels_have_no_icc(insight):
    agreement = criterion(insight, "Estimates").agreement
    assert (agreement.statistic, agreement.label) == (None, IDENTICAL_SCORES)


def test_pairwise_kappa_over_the_answers_both_scored(insight):
    # Scope, ana and ben (interviews 1-5): ana 4 3 4 4 3 (mean 18/5), ben 4 4 2 3 1 (14/5).
    #   var(ana) = (4+9+4+4+9)/25 / 5 = 6/25; var(ben) = (36+36+16+1+81)/25 / 5 = 34/25;
    #   cov = (12 - 18 - 8 + 2 + 27)/25 / 5 = 3/25; (mean difference)^2 = 16/25.
    #   kappa = 2 cov / (var + var + difference^2) = (6/25) / (56/25) = 3/28.
    # Ana and cy share interview 6 only, 2 vs 3: no covariance over one answer, kappa 0.
    # Ben and cy never scored the same answer: no pair.
    assert criterion(insight, "Scope").pairs == (
        PairAgreement("ana", "ben", 5, float(Fraction(3, 28))),
        PairAgreement("ana", "cy", 1, 0.0),
    )
    # Design, ana 4 3 4 2 2 and ben 3 3 4 2 3: both means 3; var 4/5 and 2/5; cov 2/5;
    #   kappa = (4/5) / (4/5 + 2/5) = 2/3. Ana and cy, 3 vs 1: 0.
    assert criterion(insight, "Design").pairs == (
        PairAgreement("ana", "ben", 5, float(Fraction(2, 3))),
        PairAgreement("ana", "cy", 1, 0.0),
    )
    # Every level the same: kappa undefined.
    assert [p.kappa for p in criterion(insight, "Estimates").pairs] == [None, None]


def test_gates_that_decided_the_outcome(insight):
    # Means (Scope + 2 Design + 2) / 4, Design counted after the hint cap:
    #  1 ana 14/4 meets 3          ben 12/4 meets
    #  2 ana 11/4 short of 3       ben 12/4 meets
    #  3 ana 12/4 meets (Design 4 counts 3)   ben 10/4 short (Design 4 counts 3)
    #  4 (mid, bar 2.5) ana 10/4 meets the bar, Design 2 < 3: the gate decides
    #                   ben  9/4 short, Design 2 < 3: the mean fails it anyway
    #  5 ana 9/4 short, Design 2 < 3   ben 9/4 short (Design 3 passes)
    #  6 ana 10/4 short                cy 7/4 short, Design 1 < 3
    # Design is below its gate on 4 scorecards and decides one.
    design = criterion(insight, "Design")
    assert (design.gate_missed, design.gate_decided) == (4, 1)
    assert insight.gate_decided == 1
    assert criterion(insight, "Scope").gate_missed == 0


def test_hint_use_and_its_effect(insight):
    # Two interviews revealed a hint, one each. Hint 2 gives Design away in interview 3,
    # where both reviewers gave Design 4: both count 3. Without the cap ben's mean is
    # (2 + 8 + 2) / 4 = 3, which meets the bar; with it 10/4 does not: one scorecard turned.
    # Ana's goes from 14/4 to 12/4 and still meets it.
    assert insight.hints == (HintUse(1, None, 1), HintUse(2, "Design", 1))
    assert insight.answers_with_hints == 2
    assert criterion(insight, "Design").hint_capped == 2
    assert criterion(insight, "Scope").hint_capped == 0
    assert insight.hint_turned == 1
    # Design's level as given (the reviewers' mean) where hint 2 was revealed: 4; elsewhere
    # 7/2, 3, 2, 5/2, 2 -> 13/5. The nudge gives nothing away, so it counts as no hint.
    design = criterion(insight, "Design")
    assert (design.hinted, design.hinted_mean, design.unhinted_mean) == (1, 4, Fraction(13, 5))
    # No hint gives Scope away: every answer is unhinted, (4 + 7/2 + 3 + 7/2 + 2 + 5/2) / 6.
    scope = criterion(insight, "Scope")
    assert (scope.hinted, scope.hinted_mean, scope.unhinted_mean) == (0, None, Fraction(37, 12))


def test_separation_is_the_difference_in_mean_level(insight):
    # Each answer's level is its reviewers' mean.
    # Scope: advanced 4, 7/2, 3 -> mean 7/2; declined 7/2, 2, 5/2 -> mean 8/3;
    #   7/2 - 8/3 = 5/6 of a level.
    scope = criterion(insight, "Scope")
    assert (scope.advanced, scope.declined) == (3, 3)
    assert (scope.advanced_mean, scope.declined_mean) == (Fraction(7, 2), Fraction(8, 3))
    assert scope.separation == Fraction(5, 6)
    # Design: advanced 7/2, 3, 4 -> 7/2; declined 2, 5/2, 2 -> 13/6; 21/6 - 13/6 = 4/3.
    assert criterion(insight, "Design").separation == Fraction(4, 3)
    # Estimates: 2 on both sides.
    assert criterion(insight, "Estimates").separation == 0


def test_the_flags_in_plain_words(insight):
    # Scope: 2 of 6 is the flagging share of 1/3; Design's 1 of 6 is not.
    # Estimates: six answers (at least 5), every level 2. Scope and Design separate by
    # more than half a level. Enough panels (6 >= 3) and decisions (3 and 3).
    assert insight.flags == (
        Flag(DISAGREEMENT, "Scope", "Reviewers disagree on Scope in 2 of 6 interviews: "
                                    "consider rewording its descriptors."),
        Flag(NEVER_SEPARATES, "Estimates", "Estimates never separates: every answer got 2."),
    )
    assert insight.reword


# --- edge cases ------------------------------------------------------------------------------


def test_no_scorecards():
    found = rubric_insight([RUBRIC], [])
    assert (found.answers, found.scorecards, found.revisions) == (0, 0, ())
    for c in found.criteria:
        assert c.distribution == {1: 0, 2: 0, 3: 0, 4: 0}
        assert (c.mean, c.disagreement_share, c.separation, c.only_level) == (None,) * 4
        assert (c.agreement.statistic, c.agreement.label) == (None, NOT_ENOUGH_SCORES)
        assert c.pairs == ()
    assert [f.kind for f in found.flags] == [NOT_ENOUGH, NOT_ENOUGH]
    assert found.flags[0].reason == ("Not enough scorecards to judge agreement: 0 interviews "
                                     "scored by two reviewers or more, where it takes 3.")
    assert not found.reword


def test_one_reviewer_gives_a_distribution_but_no_agreement():
    answers = [ScoredAnswer(1, "senior", {"ana": card(level, 3, 2)}, "advance")
               for level in (1, 2, 4)]
    found = rubric_insight([RUBRIC], answers)
    scope = criterion(found, "Scope")
    assert scope.distribution == {1: 1, 2: 1, 3: 0, 4: 1}
    assert (scope.answers, scope.panels, scope.disagreements) == (3, 0, 0)
    assert scope.disagreement_share is None
    assert scope.agreement.label == NOT_ENOUGH_SCORES
    assert scope.pairs == ()
    # Three advanced, none declined: no separation, and the flag says why.
    assert scope.separation is None
    assert found.flags[1] == Flag(NOT_ENOUGH, None, (
        "Not enough decided interviews to tell which criteria separate strong answers from "
        "weak ones: 3 advanced and 0 not, where it takes 3 of each."))


def test_constant_levels_need_five_answers_to_be_flagged():
    four = [ScoredAnswer(1, "senior", {"ana": card(3, 3, 3), "ben": card(3, 3, 3)})] * 4
    assert not any(f.kind == NEVER_SEPARATES for f in rubric_insight([RUBRIC], four).flags)
    five = rubric_insight([RUBRIC], four + four[:1])
    assert [f.reason for f in five.flags if f.kind == NEVER_SEPARATES] == [
        "Scope never separates: every answer got 3.",
        "Design never separates: every answer got 3.",
        "Estimates never separates: every answer got 3."]
    assert not five.reword  # identical levels are agreement, not disagreement


def test_a_criterion_that_hardly_separates_or_runs_backwards():
    # Scope: advanced 3, 3, 2 (mean 8/3), declined 2, 3, 2 (mean 7/3): 1/3 < 1/2 apart.
    # Estimates: advanced 1, 2, 1 (4/3), declined 2, 2, 3 (7/3): the weaker answers score higher.
    rows = [((3, 1), "advance"), ((3, 2), "advance"), ((2, 1), "advance"),
            ((2, 2), "decline"), ((3, 2), "decline"), ((2, 3), "decline")]
    answers = [ScoredAnswer(1, "senior", {"ana": card(s, 3 if d == "advance" else 1, e)}, d)
               for (s, e), d in rows]
    found = rubric_insight([RUBRIC], answers)
    assert criterion(found, "Scope").separation == Fraction(1, 3)
    assert criterion(found, "Estimates").separation == -1
    assert criterion(found, "Design").separation == 2
    assert [f for f in found.flags if f.criterion] == [
        Flag(HARDLY_SEPARATES, "Scope", "Scope hardly separates strong answers from weak ones: "
             "answers that advanced average 2.67, the others 2.33."),
        Flag(BACKWARDS, "Estimates", "Estimates scores the answers that did not advance "
             "higher: answers that advanced average 1.33, the others 2.33."),
    ]


def test_the_icc_takes_the_commonest_panel_size_and_counts_the_rest():
    # Two answers scored by two reviewers, one by three: the table has the two (4,2) and
    # (1,3), reversed, which is the contradictory case; the three-reviewer answer is left out
    # of the ICC but counts for disagreement (1 and 4 are three apart).
    answers = [ScoredAnswer(1, "senior", {"ana": card(4, 3, 2), "ben": card(2, 3, 2)}),
               ScoredAnswer(1, "senior", {"ana": card(2, 3, 2), "ben": card(4, 3, 2)}),
               ScoredAnswer(1, "senior", {"ana": card(1, 3, 2), "ben": card(2, 3, 2),
                                          "cy": card(4, 3, 2)})]
    scope = criterion(rubric_insight([RUBRIC], answers), "Scope")
    assert (scope.panels, scope.left_out, scope.disagreements) == (3, 1, 3)
    assert (scope.agreement.items, scope.agreement.label) == (2, CONTRADICTORY_SCORES)
    # On a tie, the larger panels: one answer of two and one of three give the three's row.
    tie = criterion(rubric_insight([RUBRIC], answers[1:]), "Scope")
    assert (tie.left_out, tie.agreement.raters, tie.agreement.items) == (1, 3, 1)


def test_a_reviewer_who_left_a_level_out_counts_for_what_they_scored():
    # Ben scored Scope only: his scorecard is incomplete, so it decides no gate and no bar,
    # and Design's panel is ana alone.
    answers = [ScoredAnswer(1, "senior", {"ana": card(4, 2, 4), "ben": card(4, None, None)})]
    found = rubric_insight([RUBRIC], answers)
    assert criterion(found, "Scope").panels == 1
    assert criterion(found, "Design").panels == 0
    # Ana: (4 + 4 + 4) / 4 = 3 meets the bar, Design 2 < 3: the gate decides.
    assert found.gate_decided == 1


def test_criteria_are_matched_across_revisions_by_name():
    # Revision 2 renames Estimates to "Capacity" and spells Scope in lower case.
    second = RubricShape(2, (1, 2, 3, 4), 3, (CriterionShape("scope", 1),
                                              CriterionShape("Design", 2),
                                              CriterionShape("Capacity", 1)))
    answers = [ScoredAnswer(1, "senior", {"ana": card(4, 3, 2)}),
               ScoredAnswer(2, "senior", {"ana": {"scope": 2, "Design": 3, "Capacity": 1}})]
    found = rubric_insight([RUBRIC, second], answers)
    assert found.revisions == (1, 2)
    # The newest revision's criteria first, then those only older ones have.
    assert [c.name for c in found.criteria] == ["scope", "Design", "Capacity", "Estimates"]
    assert criterion(found, "scope").distribution == {1: 0, 2: 1, 3: 0, 4: 1}
    assert criterion(found, "Capacity").distribution == {1: 1, 2: 0, 3: 0, 4: 0}
    assert criterion(found, "Estimates").distribution == {1: 0, 2: 1, 3: 0, 4: 0}


def test_a_criterion_with_too_few_panels_of_its_own_says_so():
    # Three panels on revision 1 are enough for the rubric; Capacity, new in revision 2, has
    # one, and Estimates (gone from revision 2) has three.
    second = RubricShape(2, (1, 2, 3, 4), 3, (CriterionShape("Scope", 1),
                                              CriterionShape("Design", 2),
                                              CriterionShape("Capacity", 1)))
    pair = {"ana": card(3, 3, 3), "ben": card(3, 3, 3)}
    newer = {name: {"Scope": 3, "Design": 3, "Capacity": 3} for name in ("ana", "ben")}
    answers = [ScoredAnswer(1, "senior", pair)] * 3 + [ScoredAnswer(2, "senior", newer)]
    found = rubric_insight([RUBRIC, second], answers)
    assert [c.panels for c in found.criteria] == [4, 4, 1, 3]
    assert [f for f in found.flags if f.kind == NOT_ENOUGH and f.criterion] == [
        Flag(NOT_ENOUGH, "Capacity", "Not enough scorecards to judge agreement on Capacity: "
                                     "1 interview scored by two reviewers or more, where it "
                                     "takes 3.")]


def test_disagreement_uses_the_comparisons_threshold():
    assert DISAGREEMENT_LEVELS == compare.DISAGREEMENT_LEVELS
    # A caller may ask for another: at one level apart, Scope's 4 vs 3, 3 vs 4 and 2 vs 3
    # disagree too.
    scope = criterion(rubric_insight([RUBRIC], ANSWERS, threshold=1), "Scope")
    assert scope.disagreements == 5


levels_strategy = st.one_of(st.none(), st.integers(min_value=1, max_value=4))
card_strategy = st.builds(card, levels_strategy, levels_strategy, levels_strategy)
answer_strategy = st.builds(
    lambda cards, decision, target, hinted: ScoredAnswer(
        1, target, dict(zip(("ana", "ben", "cy"), cards, strict=False)), decision,
        (DESIGN_HINT,) if hinted else ()),
    st.lists(card_strategy, min_size=1, max_size=3),
    st.sampled_from(["advance", "decline", None]), st.sampled_from(["senior", "mid"]),
    st.booleans())


@given(st.lists(answer_strategy, max_size=8), st.randoms(use_true_random=False))
def test_the_figures_do_not_depend_on_the_answers_order(answers, random):
    shuffled = list(answers)
    random.shuffle(shuffled)
    first, second = rubric_insight([RUBRIC], answers), rubric_insight([RUBRIC], shuffled)
    assert first.flags == second.flags
    for a, b in zip(first.criteria, second.criteria, strict=True):
        # The ICC's table and the pairs' order follow the answers; everything else must not.
        assert dataclasses.replace(a, agreement=None, pairs=()) == \
            dataclasses.replace(b, agreement=None, pairs=())
        assert {frozenset((p.first, p.second)): (p.answers, p.kappa) for p in a.pairs} == \
            {frozenset((p.first, p.second)): (p.answers, p.kappa) for p in b.pairs}
        assert a.levels_given == sum(1 for x in answers for c in x.levels.values()
                                     if c[a.name] is not None)
        assert a.disagreements <= a.panels <= a.answers <= len(answers)


@pytest.mark.parametrize(("answer", "error", "message"), [
    (ScoredAnswer(7, "senior", {"ana": card(1, 1, 1)}), ValueError, "revision 7"),
    (ScoredAnswer(1, "senior", {"ana": {"Style": 2}}), ValueError, "'Style'"),
    (ScoredAnswer(1, "senior", {"ana": card(5, 1, 1)}), ValueError, "not on the scale"),
    (ScoredAnswer(1, "senior", {"ana": card(2.5, 1, 1)}), TypeError, "whole number"),
    (ScoredAnswer(1, "senior", {"ana": card(1, 1, 1)}, "maybe"), ValueError, "decision"),
])
def test_bad_input_is_refused(answer, error, message):
    with pytest.raises(error, match=message):
        rubric_insight([RUBRIC], [answer])


def test_a_revision_is_given_once():
    with pytest.raises(ValueError, match="once"):
        rubric_insight([RUBRIC, RUBRIC], [])
