"""The incident kind: its evidence files and diagnosis.md as the content check reads them
(problems at path:line), the chart a metrics item is drawn as, and the evidence scorer,
which reads what was asked for and what the answer cites, never other words."""

from __future__ import annotations

from fractions import Fraction

import pytest

from app.kinds import get_kind
from app.kinds.incident import (
    DIAGNOSIS,
    EvidenceType,
    Series,
    chart,
    citations,
    diagnosis_of,
    parse_diagnosis,
    parse_evidence,
    score,
    score_answer,
)
from app.vocabulary import AutoScorer
from tests.unit.test_kinds import FakePrompt

DEPLOYS = """---
title: Deploy history
type: deploys
---
09:20 v412 rollout started
09:24 v412 rollout finished
"""
LATENCY = """---
title: Checkout p99
type: metrics
---
p99 by order size, in ms.
time, small, large
09:00, 640, 700
09:10, 640, 700
09:20, 645, 2700
"""
TRACE = """---
title: A slow trace
type: trace
after: latency
---
POST /checkout 2,104 ms
  SELECT ... FROM tickets WHERE seat_id = $1  x 1,180
"""
FLAG = """---
title: Latency by flag
type: note
---
The same with the flag on and off.
"""
DIAGNOSIS_MD = """## Root cause

An N+1 over the section's seats.

## Key evidence

- trace (3): the per-seat queries.
- latency (2): only large orders are slow.
- deploys (1): v412 at 09:20.

## Red herrings

- flag (1): the flag makes no difference.
"""
FILES = {"evidence/deploys.md": DEPLOYS, "evidence/latency.md": LATENCY,
         "evidence/trace.md": TRACE, "evidence/flag.md": FLAG, DIAGNOSIS: DIAGNOSIS_MD}


def problems(files: dict[str, str]) -> list[str]:
    """The check's problems as ``path:line: message``."""
    found = get_kind("incident").check(FakePrompt(files=files))
    return [f"{p.path or 'prompt.md'}:{p.line}: {p.message}" for p in found]


def test_a_well_formed_prompt_has_no_problems_and_reads_in_file_order():
    assert problems(FILES) == []
    items, _ = parse_evidence(FILES)
    assert [(i.key, i.type) for i in items] == [
        ("deploys", EvidenceType.DEPLOYS), ("flag", EvidenceType.NOTE),
        ("latency", EvidenceType.METRICS), ("trace", EvidenceType.TRACE)]
    latency = items[2]
    assert latency.text == "p99 by order size, in ms."
    assert latency.series.names == ("small", "large")
    assert latency.series.times == ("09:00", "09:10", "09:20")
    assert latency.series.values == ((640, 640, 645), (700, 700, 2700))
    assert items[3].after == "latency"


@pytest.mark.parametrize(("path", "text", "expected"), [
    ("evidence/latency.md", LATENCY.replace("type: metrics", "type: graph"),
     "evidence/latency.md:3: unknown type: type is one of logs, metrics, trace, deploys, "
     'note, got "graph"'),
    ("evidence/latency.md", LATENCY.replace("09:10, 640, 700", "09:10, 640"),
     "evidence/latency.md:8: bad series row: 3 cells (time and small, large) expected, got 2"),
    ("evidence/latency.md", LATENCY.replace("09:10, 640, 700", "9h10, 640, 700"),
     'evidence/latency.md:8: bad series row: the time must be HH:MM, got "9h10"'),
    ("evidence/latency.md", LATENCY.replace("09:10, 640, 700", "09:10, 640, slow"),
     'evidence/latency.md:8: bad series row: "slow" is not a number at or above 0'),
    ("evidence/latency.md", LATENCY.replace("09:10, 640, 700", "09:10, -640, 700"),
     'evidence/latency.md:8: bad series row: "-640" is not a number at or above 0'),
    ("evidence/latency.md", LATENCY.replace("09:20, 645", "09:05, 645"),
     "evidence/latency.md:9: bad series row: 09:05 does not come after 09:10"),
    ("evidence/latency.md", LATENCY.replace("time, small, large", "small, large"),
     'evidence/latency.md:5: a metrics item needs a table: a header line "time, <series>'
     '[, <series>...]", then rows "HH:MM, <number>[, <number>...]"'),
    ("evidence/deploys.md", DEPLOYS.replace("title: Deploy history\n", ""),
     "evidence/deploys.md:1: an evidence item needs a title: line"),
    ("evidence/deploys.md", DEPLOYS.replace("type: deploys", "type: deploys\nowner: me"),
     'evidence/deploys.md:4: unknown key "owner": the keys are title, type and after'),
    ("evidence/deploys.md", "09:20 v412\n",
     "evidence/deploys.md:1: an evidence file starts with front matter: a line '---', "
     "title: and type: lines, then '---'"),
    ("evidence/trace.md", TRACE.replace("after: latency", "after: latency-by-size"),
     'evidence/trace.md:4: after: "latency-by-size" is not an evidence item'),
    ("evidence/flag.md", FLAG.replace("The same with the flag on and off.\n", ""),
     "evidence/flag.md:5: the note item shows nothing: write its body under the front matter"),
], ids=["unknown-type", "short-row", "bad-time", "not-a-number", "negative", "time-goes-back",
        "no-table", "no-title", "unknown-key", "no-front-matter", "unknown-after", "empty"])
def test_each_evidence_problem_is_reported_at_its_file_and_line(path, text, expected):
    assert expected in problems({**FILES, path: text})


@pytest.mark.parametrize(("text", "expected"), [
    (DIAGNOSIS_MD.replace("- trace (3)", "- traces (3)"),
     'diagnosis.md:7: "traces" is not an evidence item (no evidence/traces.md)'),
    (DIAGNOSIS_MD.replace("- trace (3): the per-seat queries.", "- the per-seat queries"),
     'diagnosis.md:7: a clue is "- <evidence key> (<weight>): why it matters"'),
    (DIAGNOSIS_MD.replace("- deploys (1): v412 at 09:20.", "- deploys: v412 at 09:20."),
     'diagnosis.md:9: key evidence "deploys" needs a weight from 1 to 5: '
     '"- deploys (2): why"'),
    (DIAGNOSIS_MD.replace("(2)", "(9)"), 'diagnosis.md:8: the weight of "latency" must be 1 '
                                         'to 5, got 9'),
    (DIAGNOSIS_MD.replace("- flag (1)", "- trace (1)"),
     'diagnosis.md:13: "trace" is named twice (first on line 7)'),
    (DIAGNOSIS_MD.replace("## Root cause", "## Cause"),
     'diagnosis.md:1: unknown section "Cause": the sections are Root cause, Key evidence '
     'and Red herrings'),
], ids=["unknown-key", "not-a-clue", "no-weight", "weight-too-high", "twice", "section"])
def test_each_diagnosis_problem_is_reported_at_its_line(text, expected):
    assert expected in problems({**FILES, DIAGNOSIS: text})


def test_an_evidence_key_is_a_short_slug():
    for name in ("Deploys.md", "deploys.txt", "deploy_history.md", "d" * 81 + ".md"):
        found = problems({**FILES, f"evidence/{name}": DEPLOYS})
        assert any(line.startswith(f"evidence/{name}:1: an evidence file is evidence/<key>.md")
                   for line in found), name
    assert problems({**FILES, f"evidence/{'d' * 80}.md": DEPLOYS}) == []


def test_the_folder_needs_evidence_and_a_diagnosis_and_nothing_else():
    assert "prompt.md:1: incident prompt has no diagnosis.md" in problems(
        {k: v for k, v in FILES.items() if k != DIAGNOSIS})
    assert "prompt.md:1: incident prompt has no evidence/ folder" in problems(
        {DIAGNOSIS: DIAGNOSIS_MD})
    assert ("notes.txt:1: an incident prompt holds prompt.md, diagnosis.md and evidence/*.md "
            "only") in problems({**FILES, "notes.txt": "x"})
    single = FakePrompt(path="prompts/p.md")
    assert "must be a folder" in get_kind("incident").check(single)[0].message


def test_a_rubric_without_an_evidence_criterion_is_a_warning():
    rubric = type("R", (), {"slug": "r", "criteria": (type("C", (), {"auto": None})(),)})()
    found = get_kind("incident").check(FakePrompt(files=FILES), rubric)
    assert [(p.warning, p.line) for p in found] == [(True, 7)]
    assert "has no auto: evidence criterion" in found[0].message


def test_the_kind_declares_a_markdown_answer_scored_on_evidence_only():
    kind = get_kind("incident")
    assert kind.auto_scorers == {AutoScorer.EVIDENCE}
    assert kind.renders_html and kind.scores_answers and kind.folder
    assert AutoScorer.EVIDENCE not in get_kind("system-design").auto_scorers
    assert AutoScorer.EVIDENCE not in get_kind("code-review").auto_scorers
    starter = kind.starter_body(FILES)
    headings = [line for line in starter.splitlines() if line.startswith("## ")]
    assert headings == ["## Timeline", "## Hypotheses", "## Actions"]


def test_a_chart_is_laid_out_by_the_clock_from_zero_to_a_round_top():
    latency = parse_evidence(FILES)[0][2]
    drawn = chart(latency.series, width=480, height=180)
    assert drawn.top == 3000  # 2,700 rounded up
    small, large = drawn.lines
    # x from 48 to 456 over 20 minutes; y from 156 (0) up to 10 (3,000): 700 is at
    # 10 + 146 * (1 - 700/3000) = 121.9.
    assert large.points == "48.0,121.9 252.0,121.9 456.0,24.6"
    assert (small.name, large.name) == ("small", "large")
    assert [t for _, t in drawn.ticks] == ["09:00", "09:10", "09:20"]
    # Rows two minutes apart sit two minutes apart, and a label that would overlap is left out.
    uneven = chart(Series(("q",), ("09:00", "09:20", "09:22", "09:30"), ((1, 2, 3, 4),)))
    assert uneven.lines[0].points.split()[1:3] == ["320.0,83.0", "347.2,46.5"]  # top 4: 2 halfway
    assert [t for _, t in uneven.ticks] == ["09:00", "09:20", "09:30"]


# --- the scorer ----------------------------------------------------------------------------

DIAG = diagnosis_of(FILES)
TITLES = {"trace": "A slow trace", "latency": "Checkout p99", "deploys": "Deploy history",
          "flag": "Latency by flag"}


def test_citations_are_read_as_support_or_ruled_out():
    body = ("Cause: [evidence: trace] and [evidence:latency]; [ruled out: flag]. "
            "Not a citation: [evidence: Trace] [evidence trace] evidence: deploys")
    assert citations(body) == ({"trace", "latency"}, {"flag"})


def test_every_key_item_asked_for_and_cited_is_the_whole_share():
    body = "[evidence: trace] [evidence: latency] [evidence: deploys] [ruled out: flag]"
    found = score(body, ["deploys", "latency", "trace", "flag"], DIAG, TITLES)
    assert found.share == 1
    assert found.reasons == (
        "Asked for and cited: A slow trace (key, weight 3).",
        "Asked for and cited: Checkout p99 (key, weight 2).",
        "Asked for and cited: Deploy history (key, weight 1).",
        "Asked for and ruled out: Latency by flag (red herring).")


def test_asking_without_citing_and_citing_without_asking_earn_nothing():
    body = "It is the deploy [evidence: deploys]. The trace says it all [evidence: trace]."
    found = score(body, ["trace", "latency"], DIAG, TITLES)
    # Only the trace was both asked for and cited: 3 of 6.
    assert found.share == Fraction(1, 2)
    assert found.reasons == (
        "Asked for and cited: A slow trace (key, weight 3).",
        "Asked for but never cited: Checkout p99 (key, weight 2).",
        "Cited without asking for it, so it counts for nothing: Deploy history "
        "(key, weight 1).")


def test_a_key_item_ruled_out_earns_nothing_and_one_never_asked_for_says_so():
    found = score("[ruled out: trace]", ["trace"], DIAG, TITLES)
    assert found.share == 0
    assert found.reasons[:2] == ("Asked for, but ruled out: A slow trace (key, weight 3).",
                                 "Never asked for: Checkout p99 (key, weight 2).")


def test_a_red_herring_cited_in_support_costs_its_weight_but_never_below_zero():
    body = "[evidence: trace] [evidence: latency] [evidence: flag]"
    found = score(body, ["trace", "latency", "flag"], DIAG, TITLES)
    assert found.share == Fraction(5 - 1, 6)
    assert found.reasons[-1] == ("Cited in support, but it misleads: Latency by flag "
                                 "(red herring), minus 1.")
    assert score("[evidence: flag]", ["flag"], DIAG, TITLES).share == 0


def test_words_without_citations_earn_nothing():
    body = ("The N+1 in the seats-together check: per-seat ticket queries in the trace, only "
            "large orders slow, started with v412. Evidence: trace, latency, deploys.")
    assert score(body, ["trace", "latency", "deploys"], DIAG, TITLES).share == 0


def test_the_kind_scores_with_the_keys_asked_for_and_nothing_before_any_work():
    kind = get_kind("incident")
    assert kind.answer_score("## Timeline\n", FILES) is None
    found = kind.answer_score("[evidence: trace]", FILES, revealed=["trace"])
    assert found.share == Fraction(1, 2)
    assert found == score_answer("[evidence: trace]", FILES, ["trace"])


def test_a_diagnosis_parsed_with_the_evidence_keeps_its_clues_in_order():
    diagnosis, found = parse_diagnosis(DIAGNOSIS_MD, parse_evidence(FILES)[0])
    assert found == []
    assert [(c.key, c.weight) for c in diagnosis.key] == [("trace", 3), ("latency", 2),
                                                          ("deploys", 1)]
    assert [c.key for c in diagnosis.herrings] == ["flag"]
    assert diagnosis.cause == "An N+1 over the section's seats."
