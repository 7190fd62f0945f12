"""Library rules about what a prompt tells the candidate and what two prompts share."""

from __future__ import annotations

import re
from pathlib import Path

from app.content.validate import load_content

ROOT = Path(__file__).resolve().parents[2]
CONTENT = load_content(ROOT)
PUBLISHED_DESIGNS = {
    slug: p for slug, p in CONTENT.prompts.items()
    if p.kind == "system-design" and p.status == "published"
}
EVIDENCE_HEADING = re.compile(r"^###\s+Evidence\s*$", re.MULTILINE)


def test_incident_prompts_show_their_evidence_in_the_statement():
    # Practice has no interviewer to ask, so evidence kept in the reference
    # could never be found by the candidate it is meant for.
    # A design prompt about an incident shows it in the statement; an incident-kind
    # prompt keeps each item in evidence/, shown when the candidate asks for it.
    incidents = sorted(slug for slug, p in PUBLISHED_DESIGNS.items() if "incident" in p.tags)
    kind = [p for p in CONTENT.prompts.values() if p.kind == "incident"]
    assert incidents or kind, "the library has an incident prompt"
    assert all(any(path.startswith("evidence/") for path in p.files) for p in kind)
    prompts = [CONTENT.prompts[slug] for slug in incidents] + kind
    missing = [p.slug for p in prompts if p.kind != "incident"
               and not EVIDENCE_HEADING.search(p.statement)]
    assert missing == []
    hidden = [p.slug for p in prompts if "reveal only when asked" in p.reference.lower()]
    assert hidden == []


def test_one_system_design_prompt_designs_the_per_second_token_bucket():
    # The coding prompt token-bucket builds the bucket; among the designs only
    # rate-limiter should score it, so each prompt exercises something distinct.
    def scores_the_bucket(rubric_slug: str) -> bool:
        criteria = CONTENT.rubrics[rubric_slug].criteria
        return any("token bucket" in (s.lower() for s in c.signals) for c in criteria)

    scoring = sorted(slug for slug, p in PUBLISHED_DESIGNS.items() if scores_the_bucket(p.rubric))
    assert scoring == ["rate-limiter"]
