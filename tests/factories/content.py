"""A small, valid content folder (prompts/ and rubrics/) that tests can break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

COMPETENCIES = """\
# Competencies

## api-design: API design
keywords: REST, endpoint, versioning

Contracts between services.

## scalability: Scalability
keywords: sharding, throughput

Growing without falling over.
"""

# Optional in the format; written by tests of the coverage view.
RESPONSIBILITIES = """\
# Responsibilities

## own-services: Own services end to end
competencies: api-design, scalability
prompts: url-shortener, sum-two

Takes a service from a need to production and answers for it afterwards.

## code-reviews: Review code
competencies: api-design
prompts:

Reads changes for correctness first.
"""

DESIGN_PROMPT = """\
---
title: Design a URL shortener
kind: system-design
level: mid
minutes: 45
competencies: [api-design, scalability]
tags: [hashing, cache]
---
Design a service that turns long URLs into short ones.

## Hints
- How long must a code be?
- Where do redirects read from?
- What happens on a collision?

## Follow-ups
- How do you expire links?
- How do you count clicks?
- How do you stop abuse?

## Reference
A strong answer estimates the key space and caches hot redirects.
"""

DESIGN_RUBRIC = """\
---
title: URL shortener
bar: {mid: 2.5, senior: 3.0}
---
Judge the design, not the vocabulary.

## Requirements
weight: 2
signals: redirects per second, 301, expiry

Does the candidate scope the problem?

- 4: Quantifies reads and writes and names the redirect status.
- 3: Covers the main numbers with one gap.
- 2: Names requirements vaguely.
- 1: Starts designing without scoping.

## Storage
weight: 1
signals: key-value, index, base62


- 4: Chooses a store for the access pattern and explains the key.
- 3: Chooses a reasonable store without a reason.
- 2: Picks a store that fits poorly.
- 1: Does not discuss storage.
"""

CODING_PROMPT = """\
---
title: Sum two numbers
kind: coding
level: mid
minutes: 30
competencies: [api-design]
---
Write `add(a, b)`.

## Hints
- Python has an operator for this.
- Check negative numbers.
- Check zero.

## Follow-ups
- What about overflow in other languages?
- What about floats?
- What about very large ints?

## Reference
`return a + b`.
"""

CODING_RUBRIC = """\
---
title: Sum two numbers
---
## Correctness under tests
weight: 3
auto: tests

- 4: Every hidden test passes.
- 3: At least 75% pass.
- 2: At least 40% pass.
- 1: Fewer than 40% pass.

## Readability
weight: 1

- 4: Reads at a glance.
- 3: Reads with a second look.
- 2: Needs a comment to follow.
- 1: Cannot be followed.
"""

CODING_FILES = {
    "starter.py": "def add(a, b):\n    raise NotImplementedError\n",
    "solution.py": "def add(a, b):\n    return a + b\n",
    "tests/test_public.py": "from solution import add\n\n\ndef test_small():\n"
                            "    assert add(1, 2) == 3\n",
    "tests/test_hidden.py": "from solution import add\n\n\ndef test_negative():\n"
                            "    assert add(-1, -2) == -3\n",
}


def write_content(root: Path) -> Path:
    """Write the valid content folder under ``root`` and return ``root``."""
    files = {
        "prompts/competencies.md": COMPETENCIES,
        "prompts/url-shortener.md": DESIGN_PROMPT,
        "rubrics/url-shortener.md": DESIGN_RUBRIC,
        "prompts/sum-two/prompt.md": CODING_PROMPT,
        "rubrics/sum-two.md": CODING_RUBRIC,
        **{f"prompts/sum-two/{name}": text for name, text in CODING_FILES.items()},
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def replace_in(path: Path, old: str, new: str) -> None:
    """Edit one file of the tree; fails loudly if ``old`` is not there."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


LIBRARY_ROOT = Path(__file__).resolve().parents[2]
REVIEW_SLUG = "cache-race-review"
SQL_SLUG = "revenue-report-query"
INCIDENT_SLUG = "checkout-latency-incident"


def copy_library_prompt(root: Path, slug: str, competencies: str) -> Path:
    """Copy the library's folder prompt ``slug`` and its rubric into the tree at ``root``,
    its front matter's ``competencies`` line moved under the test library's; its folder."""
    folder = root / "prompts" / slug
    shutil.copytree(LIBRARY_ROOT / "prompts" / slug, folder)
    shutil.copy(LIBRARY_ROOT / "rubrics" / f"{slug}.md", root / "rubrics" / f"{slug}.md")
    replace_in(folder / "prompt.md", f"competencies: [{competencies}]",
               "competencies: [scalability]")
    return folder


def add_review_prompt(root: Path) -> Path:
    """The library's code-review prompt and rubric, in the tree at ``root``; its folder."""
    return copy_library_prompt(root, REVIEW_SLUG, "concurrency, caching, code-quality")


def add_sql_prompt(root: Path) -> Path:
    """The library's revenue-report SQL prompt and rubric, in the tree at ``root``; its folder."""
    return copy_library_prompt(root, SQL_SLUG, "performance, data-modeling")


def add_incident_prompt(root: Path) -> Path:
    """The library's checkout incident prompt and rubric, in the tree at ``root``; its folder."""
    return copy_library_prompt(root, INCIDENT_SLUG,
                               "incident-response, observability, performance, leadership")
