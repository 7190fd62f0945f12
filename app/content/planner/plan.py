"""From a job description to an interview loop: evidence, ranking, selection and gaps.

1. The posting is split into sentences (``sentences.py``).
2. A responsibility is found where a sentence contains one of its cues
   (``cues.py``); its score is the number of sentences that evidence it.
3. A competency's weight is the sum of the scores of the found
   responsibilities that name it.
4. The loop is chosen greedily within the time budget (see ``choose_loop``).
5. Every weighted competency the loop leaves uncovered is a gap, with the
   front matter of a draft prompt for it.

Everything is plain data in, plain data out: no Flask, no database, no text
rendered as markup.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol

from app.content.model import Content
from app.content.planner.cues import Cue, words
from app.content.planner.sentences import Sentence, split_sentences
from app.kinds.system_design import SYSTEM_DESIGN
from app.vocabulary import DEFAULT_LEVEL, LEVELS, LIVE_MINUTES, PROMPT_MINUTES, PromptStatus

# A prompt of a kind the loop already has counts this share of what it adds:
# a loop of different kinds sees the candidate design, code, review and debug.
REPEAT_KIND = Fraction(3, 4)
# A gap no prompt of the library exercises yet gets a design prompt: one file to write.
DRAFT_KIND = SYSTEM_DESIGN.name
DRAFT_MINUTES = 45
DRAFT_COMPETENCIES = 4
# Seniority named in the posting's opening sentences, highest first.
LEVEL_WORDS = (("staff", re.compile(r"\b(?:staff|principal)\b", re.IGNORECASE)),
               ("senior", re.compile(r"\b(?:senior|sr)\b", re.IGNORECASE)),
               ("mid", re.compile(r"\b(?:mid|intermediate|junior)\b", re.IGNORECASE)))
LEVEL_SENTENCES = 2


class PlanRefused(ValueError):
    """The planner cannot work with what it was given (a budget out of bounds)."""


class ResponsibilityLike(Protocol):
    @property
    def slug(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def competencies(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class PlanPrompt:
    """A published prompt as the planner sees it."""

    slug: str
    title: str
    kind: str
    level: str
    minutes: int
    competencies: tuple[str, ...]
    responsibilities: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    sentence: Sentence
    cues: tuple[str, ...]  # the cue phrases as written in the cue file
    spans: tuple[tuple[int, int], ...]  # character ranges they matched, in order, joined


@dataclass(frozen=True)
class FoundResponsibility:
    slug: str
    title: str
    competencies: tuple[str, ...]
    evidence: tuple[Evidence, ...]

    @property
    def score(self) -> int:
        return len(self.evidence)


@dataclass(frozen=True)
class RankedCompetency:
    slug: str
    title: str
    weight: int
    responsibilities: tuple[str, ...]  # the found ones naming it, strongest first


@dataclass(frozen=True)
class LoopItem:
    prompt: PlanPrompt
    covers: tuple[str, ...]  # competencies it is the first in the loop to cover, by rank
    also: tuple[str, ...]  # weighted competencies it exercises that an earlier item covers
    responsibilities: tuple[str, ...]  # found responsibilities it exercises, strongest first


@dataclass(frozen=True)
class Draft:
    """The front matter of a new prompt for a gap, and the responsibilities to link it from."""

    slug: str
    front_matter: dict[str, object]
    responsibilities: tuple[str, ...]

    @property
    def text(self) -> str:
        """The front matter as the file's opening lines."""
        lines = ["---"]
        for key, value in self.front_matter.items():
            if isinstance(value, tuple | list):
                shown = "[" + ", ".join(str(v) for v in value) + "]"
            elif isinstance(value, str):
                shown = json.dumps(value, ensure_ascii=False) if key == "title" else value
            else:
                shown = str(value)
            lines.append(f"{key}: {shown}")
        lines.append("---")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Gap:
    competency: RankedCompetency
    # Published prompts that would cover it but were not chosen (too long, or less
    # worth their minutes); empty when the library has none: then only a new prompt helps.
    prompts: tuple[str, ...]
    draft: Draft


@dataclass(frozen=True)
class Plan:
    level: str
    budget: int
    sentences: tuple[Sentence, ...]
    notices: tuple[str, ...]
    responsibilities: tuple[FoundResponsibility, ...]  # strongest first
    competencies: tuple[RankedCompetency, ...]  # heaviest first
    loop: tuple[LoopItem, ...] = ()
    gaps: tuple[Gap, ...] = ()
    minutes: int = 0  # what the loop takes
    covered_weight: int = 0
    total_weight: int = field(default=0)


def plan(text: str, *, budget: int, responsibilities: Sequence[ResponsibilityLike],
         competencies: Mapping[str, str], cues: Mapping[str, Sequence[Cue]],
         prompts: Sequence[PlanPrompt], level: str | None = None) -> Plan:
    """Read a posting and propose a loop of ``prompts`` within ``budget`` minutes.

    ``competencies`` maps slugs to titles in the library's order; ``prompts`` are
    the published ones."""
    low, high = LIVE_MINUTES
    if not isinstance(budget, int) or isinstance(budget, bool) or not low <= budget <= high:
        raise PlanRefused(f"The loop's time must be {low} to {high} minutes.")
    if level is not None and level not in LEVELS:
        raise PlanRefused(f"Level must be one of {', '.join(LEVELS)}.")
    split = split_sentences(text)
    notices = [split.notice] if split.notice else []
    if not split.sentences:
        notices.append("Paste a job description: there is no text to read.")
    level = level or detect_level(split.sentences)
    found = find_responsibilities(split.sentences, responsibilities, cues)
    if split.sentences and not found:
        notices.append("No responsibility of the library was recognised in this text.")
    ranked = rank_competencies(found, competencies)
    chosen = choose_loop(ranked, prompts, budget, level, found)
    weights = {c.slug: c.weight for c in ranked}
    covered = {slug for item in chosen for slug in item.covers}
    existing = {p.slug for p in prompts}
    gaps = []
    for competency in ranked:
        if competency.slug in covered:
            continue
        draft = draft_for(competency, ranked, found, prompts, level, covered, existing)
        existing.add(draft.slug)
        gaps.append(Gap(competency, tuple(p.slug for p in _by_fit(prompts, competency.slug)),
                        draft))
    return Plan(level=level, budget=budget, sentences=split.sentences, notices=tuple(notices),
                responsibilities=found, competencies=ranked, loop=chosen, gaps=tuple(gaps),
                minutes=sum(item.prompt.minutes for item in chosen),
                covered_weight=sum(weights[slug] for slug in covered),
                total_weight=sum(weights.values()))


def detect_level(sentences: Sequence[Sentence]) -> str:
    """The level the opening sentences name (staff over senior over mid), else the default."""
    opening = " ".join(s.text for s in sentences[:LEVEL_SENTENCES])
    for level, pattern in LEVEL_WORDS:
        if pattern.search(opening):
            return level
    return str(DEFAULT_LEVEL)


def find_responsibilities(sentences: Sequence[Sentence],
                          responsibilities: Sequence[ResponsibilityLike],
                          cues: Mapping[str, Sequence[Cue]]) -> tuple[FoundResponsibility, ...]:
    """Each responsibility some sentence evidences, with those sentences: most evidenced
    first, then in the library's order."""
    folded = [words(s.text) for s in sentences]
    found = []
    for responsibility in responsibilities:
        evidence = []
        for sentence, tokens in zip(sentences, folded, strict=True):
            names = [w for w, _, _ in tokens]
            matched: list[str] = []
            spans: list[tuple[int, int]] = []
            for cue in cues.get(responsibility.slug, ()):
                hit = cue.find(names)
                if hit is not None:
                    matched.append(cue.text)
                    spans.append((tokens[hit[0]][1], tokens[hit[1] - 1][2]))
            if matched:
                evidence.append(Evidence(sentence, tuple(matched), _merged(spans)))
        if evidence:
            found.append(FoundResponsibility(responsibility.slug, responsibility.title,
                                             tuple(responsibility.competencies),
                                             tuple(evidence)))
    order = {r.slug: i for i, r in enumerate(found)}
    return tuple(sorted(found, key=lambda r: (-r.score, order[r.slug])))


def _merged(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Character ranges in order, overlapping ones joined ("incident*" inside
    "incident response"), so a page can mark them without nesting."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def rank_competencies(found: Sequence[FoundResponsibility],
                      competencies: Mapping[str, str]) -> tuple[RankedCompetency, ...]:
    """Competencies by weight (the scores of the found responsibilities naming them); ties go
    to the one more responsibilities name, then the one evidenced earlier in the text, then
    the library's order."""
    weight: Counter[str] = Counter()
    naming: dict[str, list[str]] = {}
    first: dict[str, int] = {}
    for responsibility in found:
        for slug in responsibility.competencies:
            if slug not in competencies:
                continue
            weight[slug] += responsibility.score
            naming.setdefault(slug, []).append(responsibility.slug)
            earliest = responsibility.evidence[0].sentence.number
            first[slug] = min(first.get(slug, earliest), earliest)
    order = {slug: i for i, slug in enumerate(competencies)}
    ranked = sorted(weight, key=lambda s: (-weight[s], -len(naming[s]), first[s], order[s]))
    return tuple(RankedCompetency(s, competencies[s], weight[s], tuple(naming[s]))
                 for s in ranked)


def choose_loop(ranked: Sequence[RankedCompetency], prompts: Sequence[PlanPrompt], budget: int,
                level: str, found: Sequence[FoundResponsibility] = ()) -> tuple[LoopItem, ...]:
    """The loop that covers the most competency weight within ``budget`` minutes.

    Each prompt in turn opens a loop that is then filled greedily: the next prompt is
    the one adding the most uncovered weight per minute, a kind already in the loop
    counting REPEAT_KIND of it. Among the loops built this way the one covering the most
    weight wins, then the one with more kinds, then the shorter, then the one with more
    prompts at the posting's level, then the one opened by the earlier slug."""
    weights = {c.slug: c.weight for c in ranked}
    rank = {c.slug: i for i, c in enumerate(ranked)}
    # A prompt of no minutes (never valid content) would be worth infinitely much per minute.
    useful = sorted((p for p in prompts if PROMPT_MINUTES[0] <= p.minutes <= budget
                     and any(s in weights for s in p.competencies)), key=lambda p: p.slug)
    best: tuple[tuple[int, int, int, int], list[PlanPrompt]] | None = None
    for opener in useful:
        loop = _fill([opener], useful, weights, rank, budget, level)
        covered = {s for p in loop for s in p.competencies if s in weights}
        key = (sum(weights[s] for s in covered), len({p.kind for p in loop}),
               -sum(p.minutes for p in loop), sum(p.level == level for p in loop))
        if best is None or key > best[0]:
            best = (key, loop)
    if best is None:
        return ()
    items = []
    seen: set[str] = set()
    for prompt in best[1]:
        touched = sorted((s for s in set(prompt.competencies) if s in weights), key=rank.get)
        new = tuple(s for s in touched if s not in seen)
        items.append(LoopItem(prompt, new, tuple(s for s in touched if s in seen),
                              tuple(r.slug for r in found if r.slug in prompt.responsibilities)))
        seen.update(new)
    return tuple(items)


def _fill(loop: list[PlanPrompt], useful: Sequence[PlanPrompt], weights: Mapping[str, int],
          rank: Mapping[str, int], budget: int, level: str) -> list[PlanPrompt]:
    """Add prompts greedily until none fits or none adds weight (see ``choose_loop``)."""
    loop = list(loop)
    while True:
        used = sum(p.minutes for p in loop)
        covered = {s for p in loop for s in p.competencies}
        kinds = {p.kind for p in loop}
        options = []
        for prompt in useful:
            if prompt in loop or used + prompt.minutes > budget:
                continue
            new = {s for s in prompt.competencies if s in weights and s not in covered}
            gain = sum(weights[s] for s in new)
            if not gain:
                continue
            value = Fraction(gain) * (REPEAT_KIND if prompt.kind in kinds else 1)
            # Ties: the higher raw gain, the heavier first new competency, the
            # posting's level, the shorter prompt, then the slug.
            options.append((-value / prompt.minutes, -gain, sorted(rank[s] for s in new),
                            prompt.level != level, prompt.minutes, prompt.slug, prompt))
        if not options:
            return loop
        loop.append(min(options, key=lambda o: o[:-1])[-1])


def _by_fit(prompts: Iterable[PlanPrompt], competency: str) -> list[PlanPrompt]:
    return sorted((p for p in prompts if competency in p.competencies),
                  key=lambda p: (p.minutes, p.slug))


def draft_for(gap: RankedCompetency, ranked: Sequence[RankedCompetency],
              found: Sequence[FoundResponsibility], prompts: Sequence[PlanPrompt], level: str,
              covered: set[str], existing: set[str]) -> Draft:
    """Front matter for a new prompt on ``gap``: titled after the strongest responsibility
    evidencing it, of the kind the library most uses for it, with its fellow competencies."""
    duties = [r for r in found if r.slug in gap.responsibilities]
    title = duties[0].title if duties else gap.title
    kinds = Counter(p.kind for p in prompts if gap.slug in p.competencies)
    kind = min(kinds, key=lambda k: (-kinds[k], k)) if kinds else DRAFT_KIND
    lengths = sorted(p.minutes for p in prompts if p.kind == kind)
    minutes = lengths[len(lengths) // 2] if lengths else DRAFT_MINUTES
    rank = {c.slug: i for i, c in enumerate(ranked)}
    fellows = {s for r in duties for s in r.competencies if s in rank and s != gap.slug}
    # Fellow competencies the loop leaves uncovered come first: one prompt closes more gaps.
    others = sorted(fellows, key=lambda s: (s in covered, rank[s]))
    chosen = (gap.slug, *others[:DRAFT_COMPETENCIES - 1])
    slug = _unique(_slugify(title), existing)
    front: dict[str, object] = {
        "title": title, "kind": kind, "level": level, "minutes": minutes,
        "competencies": chosen, "rubric": slug, "status": "draft",
    }
    return Draft(slug=slug, front_matter=front, responsibilities=tuple(r.slug for r in duties))


def _slugify(title: str) -> str:
    slug = "-".join(re.findall(r"[a-z0-9]+", title.lower()))[:60].strip("-")
    return slug or "new-prompt"


def _unique(slug: str, existing: set[str]) -> str:
    candidate, number = slug, 2
    while candidate in existing:
        candidate, number = f"{slug}-{number}", number + 1
    return candidate


def published_prompts(content: Content) -> tuple[PlanPrompt, ...]:
    """The published prompts of a loaded library, each with the responsibilities naming it."""
    naming: dict[str, list[str]] = {}
    for responsibility in content.responsibilities.values():
        for slug in responsibility.prompts:
            naming.setdefault(slug, []).append(responsibility.slug)
    return tuple(
        PlanPrompt(slug=p.slug, title=p.title, kind=p.kind, level=p.level, minutes=p.minutes,
                   competencies=p.competencies, responsibilities=tuple(naming.get(p.slug, ())))
        for p in content.prompts.values() if p.status == PromptStatus.PUBLISHED)


def plan_for_library(text: str, content: Content, cues: Mapping[str, Sequence[Cue]], *,
                     budget: int, level: str | None = None) -> Plan:
    """``plan`` over a library loaded by ``load_content``."""
    return plan(text, budget=budget, responsibilities=list(content.responsibilities.values()),
                competencies={s: c.title for s, c in content.competencies.items()}, cues=cues,
                prompts=published_prompts(content), level=level)
