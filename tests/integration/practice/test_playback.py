"""Playback: the page carries the timeline, each revision is fetched as a frame, and only
the attempt's candidate and its interview's panel may see either."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from sqlalchemy import update

from app.attempts import lifecycle
from app.db import utcnow
from app.models import HintReveal, Role
from tests.factories.interviews import answer_and_submit, join_and_start, make_interview
from tests.factories.practice import make_attempt
from tests.factories.users import PASSWORD, make_user

# The whole request, sign-in included: the user's session with its account and roles,
# the attempt with its prompt, rubric and interview (one statement), its rubric's
# criteria and its hints revealed (one each), the policy's check that no pending
# interview closes the prompt, then the revisions' numbers, times and sizes: no text.
PAGE_STATEMENTS = 6
# A frame: the session, the attempt with only its kind, rubric and interview, the
# policy's check, and the rows the one revision's text is stored in.
FRAME_STATEMENTS = 4
# A reviewer's request: the session, the interview with its owner, its items with their
# attempts and hints, its scorecards, then the revisions (the page) or one text (a frame).
PANEL_PAGE_STATEMENTS = 5
PANEL_FRAME_STATEMENTS = 5

TEXTS = ["First: a key-value store.", "Second: <b>codes</b> in base62.",
         "Third: a cache in front of the store."]


def timeline_of(response) -> dict:
    """The JSON the page embeds for its script."""
    return timeline_of_text(response.text)


def timeline_of_text(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="playback-data">(.*?)</script>',
                      page, re.DOTALL)
    assert found, "the page embeds its timeline"
    return json.loads(found.group(1))


def history(db, user):
    """An attempt with three saves, a hint revealed after the second, a restore of the first."""
    attempt = make_attempt(db, user, body=TEXTS[0])
    lifecycle.save_draft(db, attempt, body=TEXTS[1], based_on=1, client_id="tab")
    lifecycle.reveal_hint(db, attempt, now=utcnow() + timedelta(milliseconds=1))
    lifecycle.save_draft(db, attempt, body=TEXTS[2], based_on=2, client_id="tab")
    lifecycle.reveal_hint(db, attempt, now=utcnow() + timedelta(milliseconds=1))
    lifecycle.restore_revision(db, attempt, 1)
    return attempt


def test_the_page_carries_the_timeline_and_no_answer_text(client, db, library, candidate):
    attempt = history(db, candidate)
    response = client.get(f"/practice/attempts/{attempt.id}/playback")
    assert response.status_code == HTTPStatus.OK
    for text in TEXTS:
        assert text not in response.text and "codes" not in response.text
    timeline = timeline_of(response)
    assert [(r["number"], r["restored_from"]) for r in timeline["revisions"]] == [
        (1, None), (2, None), (3, None), (4, 1)]
    assert [r["size"] for r in timeline["revisions"]] == [
        len(t.encode()) for t in (*TEXTS, TEXTS[0])]
    # Each reveal sits after the newest revision saved before it, in the order revealed.
    assert [(r["hint"], r["after_revision"]) for r in timeline["reveals"]] == [(1, 2), (2, 3)]
    assert all(r["revealed_at"] for r in timeline["reveals"])
    assert "Version 4 restored from version 1" in response.text
    assert response.text.index("Hint 1 revealed") < response.text.index("Hint 2 revealed") \
        < response.text.index("Version 4 restored")


def test_the_timeline_lists_a_restore_before_a_hint_revealed_after_it(client, db, library,
                                                                      candidate):
    attempt = make_attempt(db, candidate, body=TEXTS[0])
    lifecycle.save_draft(db, attempt, body=TEXTS[1], based_on=1, client_id="tab")
    lifecycle.restore_revision(db, attempt, 1)
    lifecycle.reveal_hint(db, attempt, now=utcnow() + timedelta(milliseconds=1))
    page = client.get(f"/practice/attempts/{attempt.id}/playback").text
    assert page.index("Version 3 restored from version 1") < page.index("Hint 1 revealed")
    assert [(r["hint"], r["after_revision"]) for r in timeline_of_text(page)["reveals"]] == [
        (1, 3)]


def test_a_frame_is_one_revision_as_text_and_a_restore_names_its_source(client, db, library,
                                                                        candidate):
    attempt = history(db, candidate)
    frames = {n: client.get(f"/practice/attempts/{attempt.id}/playback/{n}") for n in (2, 4)}
    assert {n: r.status_code for n, r in frames.items()} == {2: HTTPStatus.OK, 4: HTTPStatus.OK}
    second, restored = frames[2].json, frames[4].json
    assert second["body"] == TEXTS[1]  # markup stays text: the page inserts it as text
    assert (second["number"], second["restored_from"]) == (2, None)
    assert (restored["number"], restored["body"], restored["restored_from"]) == (4, TEXTS[0], 1)
    assert restored["size"] == len(TEXTS[0].encode())
    assert set(restored) >= {"number", "saved_at", "seconds_in", "body", "size",
                             "restored_from"}
    for missing in (0, 5):
        assert client.get(f"/practice/attempts/{attempt.id}/playback/{missing}"
                          ).status_code == HTTPStatus.NOT_FOUND


def test_a_frame_carries_its_revisions_drawing_as_data(client, db, library, candidate):
    from tests.integration.practice.test_whiteboard import scene
    attempt = make_attempt(db, candidate, body="Boxes first.")  # 1: no drawing yet
    lifecycle.save_draft(db, attempt, body="Boxes first.", based_on=1, client_id="tab",
                         scene=scene(boxes=2))
    lifecycle.save_draft(db, attempt, body="Then labels.", based_on=2, client_id="tab",
                         scene=scene("<script>alert(1)</script>", "cache", boxes=3))
    frames = [client.get(f"/practice/attempts/{attempt.id}/playback/{n}").json
              for n in (1, 2, 3)]
    assert [f["scene"] is None for f in frames] == [True, False, False]
    assert [f["drawing"] and f["drawing"]["elements"] for f in frames] == [None, 2, 5]
    assert frames[2]["drawing"]["by_type"] == [["rectangle", 3], ["text", 2]]
    assert frames[2]["drawing"]["labels"] == ["<script>alert(1)</script>", "cache"]
    # The scene is the checked JSON the save stored, with markup characters escaped.
    assert "<script>" not in frames[2]["scene"]
    assert [e["text"] for e in json.loads(frames[2]["scene"])["elements"]
            if e["type"] == "text"] == ["<script>alert(1)</script>", "cache"]


def test_the_page_has_a_board_only_for_prompts_with_a_whiteboard(client, db, library,
                                                                   candidate):
    design = make_attempt(db, candidate, body="A design.")
    code = make_attempt(db, candidate, "sum-two", body="def add(a, b):\n    return a + b\n")
    pages = {a.id: client.get(f"/practice/attempts/{a.id}/playback").text
             for a in (design, code)}
    assert "data-whiteboard-player" in pages[design.id]
    assert "whiteboard-panel.js" in pages[design.id]
    assert "data-whiteboard-player" not in pages[code.id]
    assert "whiteboard" not in pages[code.id]


def test_a_reveal_recorded_without_its_clock_time_shows_its_timer_minutes(client, db, library,
                                                                           candidate):
    attempt = make_attempt(db, candidate, body="An answer.")
    reveal = lifecycle.reveal_hint(db, attempt)
    assert reveal.revealed_at is not None
    # A reveal from before the clock time was recorded: its timer seconds only.
    db.execute(update(HintReveal).where(HintReveal.id == reveal.id)
               .values(revealed_at=None, elapsed_seconds=7 * 60 + 5))
    db.commit()
    response = client.get(f"/practice/attempts/{attempt.id}/playback")
    assert "Hint 1 revealed" in response.text
    assert "at 7 min on the timer" in response.text
    assert timeline_of(response)["reveals"] == [
        {"hint": 1, "revealed_at": None, "seconds_in": None, "timer_seconds": 425,
         "after_revision": None}]


def test_another_candidate_finds_neither_the_page_nor_a_frame(client, db, library):
    owner = make_user(db)
    attempt = make_attempt(db, owner, body="Mine.")
    other = make_user(db)
    client.login(other.email, PASSWORD)
    for path in ("playback", "playback/1"):
        assert client.get(f"/practice/attempts/{attempt.id}/{path}"
                          ).status_code == HTTPStatus.NOT_FOUND


def test_the_page_and_a_frame_cost_the_same_few_statements_however_long_the_history(
        client, db, library, candidate, query_counter):
    short = make_attempt(db, candidate, body="short")
    long = make_attempt(db, candidate, body="draft 0")
    for n in range(1, 40):
        lifecycle.save_draft(db, long, body=f"draft {n} " + "word " * n, based_on=n,
                             client_id="tab")
    lifecycle.reveal_hint(db, long)
    costs = {}
    for attempt in (short, long):
        for path in ("playback", f"playback/{attempt.revision_number}"):
            client.csrf_token()  # signed in before counting
            query_counter.clear()
            response = client.get(f"/practice/attempts/{attempt.id}/{path}")
            assert response.status_code == HTTPStatus.OK
            costs[(attempt.id, "frame" if "/" in path else "page")] = len(query_counter)
    assert costs == {(short.id, "page"): PAGE_STATEMENTS, (short.id, "frame"): FRAME_STATEMENTS,
                     (long.id, "page"): PAGE_STATEMENTS, (long.id, "frame"): FRAME_STATEMENTS}


@pytest.fixture
def interviews(db, library):
    """Two interviews by different panels, each with a submitted answer."""
    worlds = []
    for n in range(2):
        owner = make_user(db, Role.INTERVIEWER)
        interview, _ = make_interview(db, owner)
        join_and_start(db, interview, make_user(db, email=f"candidate{n}@example.com"))
        answer_and_submit(db, interview, f"Answer of interview {n}.")
        worlds.append((owner, interview, interview.items[0].attempt_id))
    return worlds


def test_the_panel_plays_back_its_interview_and_no_other(client, db, interviews,
                                                          query_counter):
    (owner, interview, attempt_id), (_, other, other_attempt) = interviews
    client.login(owner.email, PASSWORD)
    base = f"/interviews/{interview.id}/attempts/{attempt_id}/playback"
    client.csrf_token()
    query_counter.clear()
    page = client.get(base)
    assert (page.status_code, len(query_counter)) == (HTTPStatus.OK, PANEL_PAGE_STATEMENTS)
    assert [r["number"] for r in timeline_of(page)["revisions"]] == [1]
    query_counter.clear()
    frame = client.get(f"{base}/1")
    assert (frame.status_code, len(query_counter)) == (HTTPStatus.OK, PANEL_FRAME_STATEMENTS)
    assert frame.json["body"] == "Answer of interview 0."
    assert "Play back the revisions" in client.get(f"/interviews/{interview.id}/scorecard").text
    assert "Play back the revisions" in client.get(f"/interviews/{interview.id}/live").text
    # Another panel's interview, and its attempt asked for through this panel's interview.
    for path in (f"/interviews/{other.id}/attempts/{other_attempt}/playback",
                 f"/interviews/{other.id}/attempts/{other_attempt}/playback/1",
                 f"/interviews/{interview.id}/attempts/{other_attempt}/playback",
                 f"/interviews/{interview.id}/attempts/{other_attempt}/playback/1"):
        assert client.get(path).status_code == HTTPStatus.NOT_FOUND, path


def test_an_interviewer_off_the_panel_and_the_candidate_find_no_panel_playback(
        client, db, interviews):
    (_, interview, attempt_id), _ = interviews
    outsider = make_user(db, Role.INTERVIEWER)
    client.login(outsider.email, PASSWORD)
    base = f"/interviews/{interview.id}/attempts/{attempt_id}/playback"
    assert client.get(base).status_code == HTTPStatus.NOT_FOUND
    assert client.get(f"{base}/1").status_code == HTTPStatus.NOT_FOUND
