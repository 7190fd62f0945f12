"""Calibration samples and scores for tests, made through the services the pages use."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.calibration import services
from app.models import CalibrationSample, CalibrationScore, Role, User
from tests.factories.users import make_user

ANSWER = ("## Requirements\nAbout 100 million redirects a day, so about 1,200 per second.\n\n"
          "## Storage\nA key-value store keyed by the base62 code.")


def make_sample(db: Session, author: User | None = None, slug: str = "url-shortener", *,
                references: dict[str, int] | None = None, default: int = 3,
                title: str = "A sound but thin answer", answer: str = ANSWER,
                rationales: dict[str, str] | None = None) -> CalibrationSample:
    """A sample for a published prompt, with ``references[name]`` (else ``default``) per
    criterion and a rationale naming the criterion."""
    author = author or make_user(db, Role.AUTHOR)
    pinned = services.pinned_for_prompt(db, slug)
    references, rationales = references or {}, rationales or {}
    data = services.SampleInput(
        title=title, answer=answer,
        levels={c.id: str(references.get(c.name, default)) for c in pinned.criteria},
        rationales={c.id: rationales.get(c.name, f"Reference for {c.name}.")
                    for c in pinned.criteria})
    return services.create_sample(db, author, slug, data)


def score_sample(db: Session, sample: CalibrationSample, user: User, *,
                 levels: dict[str, int] | None = None, default: int = 3,
                 comments: dict[str, str] | None = None) -> CalibrationScore:
    """``user``'s score of ``sample``: ``levels[name]`` (else ``default``) per criterion."""
    _, pinned = services.get_sample(db, sample.id)
    levels, comments = levels or {}, comments or {}
    return services.submit_score(db, sample.id, user, services.ScoreInput(
        levels={c.id: str(levels.get(c.name, default)) for c in pinned.criteria},
        comments={c.id: comments.get(c.name, "") for c in pinned.criteria}))
