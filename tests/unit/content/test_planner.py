"""The job-description planner over the project's library and over small hand-built ones:
what it finds in the two postings, the loops it proposes per budget, gaps and drafts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from app.content.parse import split_front_matter
from app.content.planner import (
    MAX_CHARS,
    PlanPrompt,
    PlanRefused,
    load_cues,
    parse_cues,
    plan,
    plan_for_library,
    published_prompts,
)
from app.content.validate import load_content

ROOT = Path(__file__).resolve().parents[3]
POSTINGS = ROOT / "tests" / "fixtures" / "job_descriptions"
CONTENT = load_content(ROOT)
CUES, _ = load_cues(ROOT, CONTENT.responsibilities)


def posting(name: str) -> str:
    return (POSTINGS / f"{name}.txt").read_text()


def library_plan(text: str, budget: int = 90, **kwargs):
    return plan_for_library(text, CONTENT, CUES, budget=budget, **kwargs)


def cited(result, responsibility: str) -> list[str]:
    """The opening words of each sentence cited for a responsibility."""
    found = {r.slug: r for r in result.responsibilities}[responsibility]
    return [" ".join(e.sentence.text.split()[:6]) for e in found.evidence]


# The two postings -----------------------------------------------------------


def test_the_senior_backend_posting_evidences_every_competency_led_by_leadership():
    result = library_plan(posting("senior-backend-engineer"))
    assert result.level == "senior" and result.notices == ()
    assert len(result.sentences) == 18
    assert [c.title for c in result.competencies[:4]] == [
        "Technical leadership and trade-offs", "Distributed systems and consistency",
        "Code quality and maintainability", "Reliability and fault tolerance"]
    assert {c.title for c in result.competencies} == {
        c.title for c in CONTENT.competencies.values()}
    # Leadership: architecture (1 sentence), design reviews (1), code reviews (1),
    # incident response (1), product to plan (2) and mentoring (2).
    assert {c.slug: c.weight for c in result.competencies}["leadership"] == 8


def test_the_senior_backend_posting_cites_the_sentences_that_evidence_each_duty():
    result = library_plan(posting("senior-backend-engineer"))
    assert cited(result, "mentoring") == [
        "This role transcends basic coding; it",
        "Leadership and communication skills are paramount,"]
    assert cited(result, "data-stores") == [
        "This includes designing data models, selecting",
        "A strong grasp of system design"]
    assert cited(result, "incident-response") == [
        "They actively troubleshoot and optimize systems"]
    assert cited(result, "message-brokers") == ["Experience with cloud platforms (AWS, GCP,"]
    reviews = {r.slug: r for r in result.responsibilities}["design-reviews"].evidence[0]
    assert reviews.cues == ("design ... review*",)
    start, end = reviews.spans[0]
    assert reviews.sentence.text[start:end] == "design and code reviews"
    incident = {r.slug: r for r in result.responsibilities}["incident-response"].evidence[0]
    assert incident.cues == ("incident response", "incident*", "firefighting",
                             "production issue*")
    # "incident*" lies inside "incident response": the ranges are joined, not nested.
    assert [incident.sentence.text[a:b] for a, b in incident.spans] == [
        "incident response", "firefighting", "production issues"]
    # Every responsibility with no evidence is absent, not listed with a zero.
    assert {r.slug for r in result.responsibilities} == set(CONTENT.responsibilities) - {
        "api-contracts", "schema-and-queries", "monitoring", "concurrent-code"}


def test_the_software_engineer_posting_evidences_fourteen_competencies_but_not_messaging():
    result = library_plan(posting("senior-software-engineer-i-backend"))
    assert result.level == "senior"
    assert {c.title for c in result.competencies} == {
        c.title for c in CONTENT.competencies.values()} - {
        "Messaging and event-driven systems", "Incident response and operations"}
    # All three weigh 5; performance and leadership are each named by four found duties
    # (code quality by three), and performance is evidenced first (sentence 3, not 9).
    assert [(c.title, c.weight) for c in result.competencies[:3]] == [
        ("Performance optimisation", 5), ("Technical leadership and trade-offs", 5),
        ("Code quality and maintainability", 5)]
    assert cited(result, "schema-and-queries") == [
        "A significant part of the job"]
    assert cited(result, "monitoring") == ["These engineers champion engineering best practices,"]
    assert cited(result, "architecture-and-roadmaps") == [
        "They are key contributors to architectural",
        "The role requires making effective trade-offs"]
    assert "message-brokers" not in {r.slug for r in result.responsibilities}


@pytest.mark.parametrize("name", ["senior-backend-engineer", "senior-software-engineer-i-backend"])
@pytest.mark.parametrize("budget", [30, 90, 180])
def test_each_loop_fits_its_budget_and_every_weighted_competency_is_covered_or_a_gap(name,
                                                                                      budget):
    result = library_plan(posting(name), budget)
    prompts = {p.slug: p for p in CONTENT.prompts.values()}
    assert result.loop and result.minutes == sum(i.prompt.minutes for i in result.loop) <= budget
    covered = [slug for item in result.loop for slug in item.covers]
    assert len(covered) == len(set(covered))
    for item in result.loop:
        assert set(item.covers) | set(item.also) <= set(prompts[item.prompt.slug].competencies)
    gaps = [g.competency.slug for g in result.gaps]
    assert sorted(covered + gaps) == sorted(c.slug for c in result.competencies)
    weights = {c.slug: c.weight for c in result.competencies}
    assert result.covered_weight == sum(weights[s] for s in covered)
    assert result.total_weight == sum(weights.values())
    for gap in result.gaps:
        assert all(gap.competency.slug in prompts[slug].competencies for slug in gap.prompts)


def test_more_time_covers_more_and_the_longest_loop_mixes_kinds():
    for name in ("senior-backend-engineer", "senior-software-engineer-i-backend"):
        loops = [library_plan(posting(name), budget) for budget in (30, 90, 180)]
        covered = [loop.covered_weight for loop in loops]
        assert covered == sorted(covered) and covered[0] < covered[2]
        assert len({item.prompt.kind for item in loops[2].loop}) >= 3
        assert len(loops[2].gaps) <= 1


def test_in_thirty_minutes_the_review_covering_the_most_weight_is_proposed():
    # Only the three 30-minute code reviews fit. With the senior posting's weights
    # (distributed systems 7, code quality 5, reliability 5, data modeling 4,
    # performance 3, caching 3, concurrency 3) payment-retry-review covers 17,
    # orders-query-review 12 and cache-race-review 11.
    result = library_plan(posting("senior-backend-engineer"), 30)
    assert [item.prompt.slug for item in result.loop] == ["payment-retry-review"]
    assert result.covered_weight == 17
    assert result.loop[0].covers == ("distributed-systems", "code-quality", "reliability")
    assert result.loop[0].responsibilities == ("fault-tolerance", "code-reviews")
    leadership = {g.competency.slug: g for g in result.gaps}["leadership"]
    assert leadership.prompts[0] == "checkout-latency-incident"


def test_only_published_prompts_are_proposed_each_with_the_duties_naming_it():
    content = load_content(ROOT)
    content.prompts["payment-retry-review"] = replace(content.prompts["payment-retry-review"],
                                                      status="draft")
    prompts = {p.slug: p for p in published_prompts(content)}
    assert "payment-retry-review" not in prompts
    assert prompts["url-shortener"].responsibilities == ("own-services", "data-stores",
                                                         "scaling")
    result = plan_for_library(posting("senior-backend-engineer"), content, CUES, budget=30)
    # The next review by weight (12, against cache-race-review's 11).
    assert [item.prompt.slug for item in result.loop] == ["orders-query-review"]
    gaps = {g.competency.slug: g for g in result.gaps}
    assert "payment-retry-review" not in gaps["distributed-systems"].prompts


def test_a_gap_comes_with_draft_front_matter_that_the_content_format_reads():
    result = library_plan(posting("senior-software-engineer-i-backend"), 180)
    gap = result.gaps[-1]
    draft = gap.draft
    assert draft.front_matter["competencies"][0] == gap.competency.slug
    assert draft.front_matter["status"] == "draft"
    assert draft.front_matter["level"] == "senior"
    assert draft.slug not in CONTENT.prompts
    assert draft.responsibilities and all(r in CONTENT.responsibilities
                                          for r in draft.responsibilities)
    problems: list = []
    front = split_front_matter("prompts/new.md", draft.text + "Statement.\n", problems)
    assert problems == [] and front is not None
    assert front.data == {**draft.front_matter,
                          "competencies": list(draft.front_matter["competencies"])}
    assert all(slug in CONTENT.competencies for slug in front.data["competencies"])
    assert front.data["kind"] in {p.kind for p in CONTENT.prompts.values()}


# Input that is empty, hostile or out of bounds ------------------------------


@pytest.mark.parametrize("text", ["", "  \n\n\t "])
def test_an_empty_posting_proposes_nothing_and_says_why(text):
    result = library_plan(text)
    assert result.sentences == () and result.responsibilities == () and result.competencies == ()
    assert result.loop == () and result.gaps == ()
    assert result.notices == ("Paste a job description: there is no text to read.",)


def test_a_posting_with_nothing_recognisable_says_so():
    result = library_plan("We bake bread. Our ovens are warm.")
    assert result.loop == () and len(result.sentences) == 2
    assert result.notices == ("No responsibility of the library was recognised in this text.",)


def test_markup_in_a_posting_is_plain_text_and_still_read():
    text = ('<script>alert("x")</script><b>Mentor</b> engineers and run <i>code reviews</i>.\n'
            '<img src=x onerror=alert(1)> [link](javascript:alert(1))')
    result = library_plan(text)
    assert result.sentences[0].text == ('<script>alert("x")</script><b>Mentor</b> engineers and '
                                        'run <i>code reviews</i>.')
    assert result.sentences[1].text == "<img src=x onerror=alert(1)> [link](javascript:alert(1))"
    assert [r.slug for r in result.responsibilities] == ["code-reviews", "mentoring"]


def test_a_huge_posting_is_truncated_with_a_message_and_still_planned():
    text = posting("senior-backend-engineer") + "\n" + "x " * 3_000_000
    result = library_plan(text, 180)
    assert len(result.notices) == 1
    assert result.notices[0].startswith(f"Only the first {MAX_CHARS:,} characters were read")
    assert result.loop and result.competencies


@pytest.mark.parametrize("budget", [0, 9, 481, True, 60.5])
def test_a_budget_outside_a_live_interviews_bounds_is_refused(budget):
    with pytest.raises(PlanRefused, match="10 to 480 minutes"):
        library_plan("Mentor engineers.", budget)


def test_an_unknown_level_is_refused_and_a_given_one_wins():
    with pytest.raises(PlanRefused, match="Level must be one of mid, senior, staff"):
        library_plan("Mentor engineers.", level="principal")
    assert library_plan("Senior engineer. Mentor engineers.", level="staff").level == "staff"


@pytest.mark.parametrize(("opening", "level"), [
    ("Staff Engineer, Platform.", "staff"), ("Principal backend engineer.", "staff"),
    ("Sr. Backend Engineer.", "senior"), ("Mid-level engineer.", "mid"),
    ("Backend engineer.", "senior"),
])
def test_the_level_is_read_from_the_opening_sentences(opening, level):
    assert library_plan(f"{opening} We hire. Mentor engineers. Staff the team.").level == level


# The selection on a hand-built library ---------------------------------------


@dataclass(frozen=True)
class Duty:
    slug: str
    title: str
    competencies: tuple[str, ...]


DUTIES = [Duty("alpha", "Alpha duty", ("a",)), Duty("beta", "Beta duty", ("b",)),
          Duty("gamma", "Gamma duty", ("c", "d"))]
TITLES = {"a": "A skill", "b": "B skill", "c": "C skill", "d": "D skill"}
SMALL_CUES = parse_cues("cues.md", "## alpha\n- alpha\n## beta\n- beta\n## gamma\n- gamma\n", [])


def small(text: str, prompts: list[PlanPrompt], budget: int, level: str = "senior"):
    return plan(text, budget=budget, responsibilities=DUTIES, competencies=TITLES,
                cues=SMALL_CUES, prompts=prompts, level=level)


def prompt(slug: str, kind: str, minutes: int, *competencies: str, level: str = "senior"):
    return PlanPrompt(slug, slug.title(), kind, level, minutes, competencies)


def test_weights_sum_the_scores_of_the_duties_naming_a_competency():
    result = small("Alpha. Alpha again. Beta. Gamma.", [], 60)
    assert [(c.slug, c.weight) for c in result.competencies] == [
        ("a", 2), ("b", 1), ("c", 1), ("d", 1)]
    assert [(r.slug, r.score) for r in result.responsibilities] == [
        ("alpha", 2), ("beta", 1), ("gamma", 1)]


def test_a_new_kind_is_preferred_over_a_repeated_one_adding_as_much():
    prompts = [prompt("one", "system-design", 30, "a"), prompt("two", "system-design", 30, "b"),
               prompt("three", "coding", 30, "b")]
    result = small("Alpha. Alpha. Beta.", prompts, 60)
    assert [i.prompt.slug for i in result.loop] == ["one", "three"]
    assert [g.competency.slug for g in result.gaps] == []


def test_more_coverage_beats_a_new_kind():
    # "two" adds b and c (2, three quarters counted: 1.5) per 30 minutes; "three" adds b (1).
    prompts = [prompt("one", "system-design", 30, "a"),
               prompt("two", "system-design", 30, "b", "c"), prompt("three", "coding", 30, "b")]
    result = small("Alpha. Alpha. Beta. Gamma.", prompts, 60)
    assert [i.prompt.slug for i in result.loop] == ["one", "two"]
    assert result.loop[1].covers == ("b", "c")
    assert [(g.competency.slug, g.prompts) for g in result.gaps] == [("d", ())]


def test_every_prompt_is_tried_as_the_opener_so_a_short_cheap_pick_does_not_block_a_better_loop():
    # Greedy by worth per minute alone takes "quick" (2 per 10 minutes) and then "broad"
    # (45 minutes) no longer fits; opening with "broad" covers 4 in 45 minutes.
    prompts = [prompt("quick", "coding", 10, "a"), prompt("broad", "system-design", 45,
                                                          "a", "b", "c")]
    result = small("Alpha. Alpha. Beta. Gamma.", prompts, 50)
    assert [i.prompt.slug for i in result.loop] == ["broad"]
    assert result.covered_weight == 4
    assert [(g.competency.slug, g.prompts) for g in result.gaps] == [("d", ())]


@pytest.mark.parametrize(("prompts", "expected"), [
    pytest.param([prompt("bb", "coding", 30, "a", level="mid"), prompt("cc", "coding", 30, "a")],
                 "cc", id="the-postings-level"),
    pytest.param([prompt("bb", "coding", 40, "a"), prompt("cc", "coding", 40, "a")],
                 "bb", id="then-the-slug"),
])
def test_ties_go_to_the_postings_level_then_the_slug(prompts, expected):
    result = small("Alpha.", prompts, 60)
    assert [i.prompt.slug for i in result.loop] == [expected]


def test_prompts_longer_than_the_budget_are_never_proposed_but_named_under_the_gap():
    result = small("Alpha.", [prompt("long", "coding", 60, "a")], 45)
    assert result.loop == ()
    assert [(g.competency.slug, g.prompts) for g in result.gaps] == [("a", ("long",))]
    assert result.gaps[0].draft.front_matter == {
        "title": "Alpha duty", "kind": "coding", "level": "senior", "minutes": 60,
        "competencies": ("a",), "rubric": "alpha-duty", "status": "draft"}


def test_draft_slugs_are_unique_and_fellow_gaps_join_the_draft():
    prompts = [prompt("alpha-duty", "coding", 30, "b")]
    result = small("Gamma. Alpha.", prompts, 30)
    drafts = {g.competency.slug: g.draft for g in result.gaps}
    assert drafts["a"].slug == "alpha-duty-2"
    assert drafts["c"].slug == "gamma-duty" and drafts["d"].slug == "gamma-duty-2"
    assert drafts["c"].front_matter["competencies"] == ("c", "d")
    assert drafts["c"].text.startswith('---\ntitle: "Gamma duty"\nkind: system-design\n')
