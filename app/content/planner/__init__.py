"""The job-description planner: from a pasted posting to the responsibilities it asks
for, the competencies they evidence, an interview loop within a time budget, and gaps.

Pure code over the loaded library (``app.content``): no Flask, no database.
"""

from app.content.planner.cues import CUES_PATH, Cue, load_cues, parse_cues
from app.content.planner.plan import (
    Draft,
    Evidence,
    FoundResponsibility,
    Gap,
    LoopItem,
    Plan,
    PlanPrompt,
    PlanRefused,
    RankedCompetency,
    plan,
    plan_for_library,
    published_prompts,
)
from app.content.planner.sentences import MAX_CHARS, Sentence, split_sentences

__all__ = [
    "CUES_PATH", "MAX_CHARS", "Cue", "Draft", "Evidence", "FoundResponsibility", "Gap",
    "LoopItem", "Plan", "PlanPrompt", "PlanRefused", "RankedCompetency", "Sentence",
    "load_cues", "parse_cues", "plan", "plan_for_library", "published_prompts",
    "split_sentences",
]
