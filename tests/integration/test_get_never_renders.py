"""A GET never renders markdown, sanitises HTML or marks signals: that is done when data is written.

Every GET route is asked by each of the access matrix's seven people, about the
matrix's world (``test_access_matrix.build_world``) and about objects whose
pages show the most stored text: A's submitted design answer (its result page
shows the answer with the rubric's signals marked) and an interview released
with a message and a comment for A, scored with the reviewers' summaries.

Before the first GET, every entry point of rendering, sanitising and marking
is replaced by a spy that counts its calls, in every module that holds it
(``from x import f`` makes a name of its own) and in the Jinja environment: the
markdown renderer and its parser, the sanitiser and nh3 under it, Pygments,
and the signal highlighter. A GET that calls one of them fails the test with
the route, the person and the calls.
"""

from __future__ import annotations

import functools
import sys
from collections import Counter
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import markdown
import nh3
import pygments
import pytest
from flask import Flask
from sqlalchemy.orm import Session

from app.attempts import lifecycle
from app.content import bounds, render
from app.grading import signals
from app.interviews import feedback
from app.models import Attempt, User
from tests.factories.interviews import answer_and_submit, join_and_start, make_interview, score_all
from tests.factories.practice import load_library, make_attempt
from tests.integration.test_access_matrix import (
    ACTORS,
    ASKING_ORDER,
    REDIRECT_ONLY_GETS,
    World,
    build_world,
    client_for,
    pairs,
)
from tests.integration.test_get_never_writes import Overdue, get_urls

# The functions no GET may call, by the name a failure shows.
WATCHED: dict[str, Callable[..., Any]] = {
    "render_markdown": render.render_markdown,
    "sanitise": render.sanitise,
    "nh3.clean": nh3.clean,
    "pygments.highlight": pygments.highlight,
    "highlight_html": signals.highlight_html,
    "mark_answer": signals.mark_answer,
}

ANSWER = """\
## Storage

A **key-value** store, sharded by code, with a cache in front.

```python
def shorten(url):
    return encode(next_id())
```
"""


def install_spies(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Replace every watched function wherever it is looked up; the calls, by name."""
    calls: Counter[str] = Counter()

    def spy(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(real)
        def counted(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return real(*args, **kwargs)
        return counted

    spies = [(real, spy(name, real)) for name, real in WATCHED.items()]

    def spy_for(value: Any) -> Callable[..., Any] | None:
        return next((counted for real, counted in spies if value is real), None)

    for module in list(sys.modules.values()):
        names = getattr(module, "__dict__", None)
        for attribute, value in list(names.items()) if isinstance(names, dict) else ():
            if (counted := spy_for(value)) is not None:
                monkeypatch.setattr(module, attribute, counted)
    for table in (app.jinja_env.filters, app.jinja_env.globals):
        for key, value in list(table.items()):
            if (counted := spy_for(value)) is not None:
                monkeypatch.setitem(table, key, counted)
    # Every markdown parser, however it was made, converts through this method.
    monkeypatch.setattr(markdown.Markdown, "convert",
                        spy("markdown.Markdown.convert", markdown.Markdown.convert))
    return calls


def add_texts(db: Session, root, world: World) -> Overdue:
    """A's submitted design answer, and an interview released with texts for A.

    The answer's prompt has a rubric of its own, so A's practice stays open
    during the matrix's interviews.
    """
    load_library(db, root, extra_design_prompts=1, own_rubric=True)
    a = world.people["candidate_a"]
    practice = make_attempt(db, a, "service-00", body=ANSWER, submitted=True)

    owner, reviewer = world.people["panel"], db.get(User, world.reviewer)
    interview, _ = make_interview(db, owner, [reviewer])
    join_and_start(db, interview, a)
    answer_and_submit(db, interview, ANSWER)
    score_all(db, interview, owner, 3)
    score_all(db, interview, reviewer, 2)
    feedback.decide(db, interview, owner, "advance", "")
    item = interview.items[0]
    shown = feedback.FeedbackChoice(level=3, show_level=True,
                                    comment="Sized the **cache** well.", show_comment=True)
    feedback.release(db, interview, owner,
                     {(item.attempt_id, c.id): shown for c in item.rubric_revision.criteria},
                     message="Thank you, *Casey*: we would like to meet again.")
    return Overdue(interview=interview.id, attempt=practice.id)


def test_the_spies_count_what_a_write_renders(app, client, db, tmp_path, monkeypatch):
    """The spies sit where the code looks the functions up: a preview and a submit count."""
    world = build_world(db, tmp_path)
    calls = install_spies(app, monkeypatch)
    # Highlighted blocks are kept between renders: an empty cache, so Pygments runs.
    monkeypatch.setattr(bounds, "HIGHLIGHTED", bounds._HighlightCache(max_chars=1_000_000))
    web = client_for(app, "candidate_a", world, client)
    assert web.post("/markdown/preview", {"markdown": ANSWER}).status_code == HTTPStatus.OK
    assert calls["render_markdown"] == 1 and calls["markdown.Markdown.convert"] == 1
    assert calls["nh3.clean"] == 1 and calls["pygments.highlight"] >= 1
    lifecycle.submit_attempt(db, db.get(Attempt, world.open_attempt))
    assert calls["mark_answer"] == 1 and calls["highlight_html"] == 1


def test_no_get_route_renders_sanitises_or_highlights(app, client, db, tmp_path, monkeypatch):
    world = build_world(db, tmp_path)
    extra = add_texts(db, tmp_path, world)
    urls = get_urls(app, world, extra)
    calls = install_spies(app, monkeypatch)

    found, answered = [], {}
    for actor in ASKING_ORDER:
        web = client_for(app, actor, world, client if actor == "anonymous" else None)
        for endpoint, url in urls:
            before = calls.copy()
            response = web.get(url)
            response.close()  # static files stream from an open file
            answered.setdefault(endpoint, set()).add(response.status_code)
            made = calls - before
            if made:
                found.append(f"GET {url} ({endpoint}) as {actor} called {dict(made)}")
    assert not found, "GET requests rendered, sanitised or highlighted:\n" + "\n".join(found)

    # Every GET route was asked, and reached its page for someone; a new route is
    # asked as soon as it exists (the URLs come from the app's url map).
    get_routes = {endpoint for endpoint, method in pairs(app) if method == "GET"}
    assert set(answered) == get_routes
    never_ok = sorted(e for e, codes in answered.items()
                      if HTTPStatus.OK not in codes and e not in REDIRECT_ONLY_GETS)
    assert never_ok == [], f"GET routes no one of {ACTORS} could open"
