"""The live view's poll (htmx): only what changed since the revisions the page has.

The page carries ``seen`` (``attempt:revision:closed:pending:drawn`` for each answer
it shows, pending when it shows a revision as text because its HTML is not
rendered yet) and the stage it shows; the poll answers 204 when nothing
changed, the changed answers as out-of-band swaps otherwise (an answer whose
HTML arrived counts as changed), and tells the page to reload when an answer it
has no place for appears.
"""

from __future__ import annotations

import html
import re
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest

from app.attempts import lifecycle
from tests.factories.interviews import join_and_start, make_interview, make_panel
from tests.factories.practice import load_library
from tests.factories.users import PASSWORD
from tests.support.worker import run_renders


@pytest.fixture
def started(app, db, tmp_path):
    """An owner and an interview of two prompts the candidate started, each answered once
    (and rendered by the worker)."""
    load_library(db, tmp_path, extra_design_prompts=1)
    owner, _ = make_panel(db, reviewers=0)
    interview, _ = make_interview(db, owner, prompts=("url-shortener", "service-00"))
    join_and_start(db, interview)
    for item in interview.items:
        save(db, item.attempt, f"First words on {item.prompt_revision.title}.")
    assert run_renders(app) == 2
    return owner, interview


def save(db, attempt, body):
    lifecycle.save_draft(db, attempt, body=body, based_on=attempt.revision_number,
                        client_id="test")


def stamp(interview, closed=0, pending=(), drawn=()):
    return ",".join(f"{item.attempt.id}:{item.attempt.revision_number}:{closed}"
                    f":{int(item in pending)}:{int(item in drawn)}" for item in interview.items)


def poller(body):
    """The query of the poller's hx-get in a page or a poll's answer ({} when it stops)."""
    found = re.search(r'id="live-poll"[^>]*?hx-get="([^"]*)"', body)
    return parse_qs(urlsplit(html.unescape(found.group(1))).query) if found else {}


def poll(client, interview, seen, stage="in_progress"):
    return client.get(f"/interviews/{interview.id}/live/updates",
                      query_string={"seen": seen, "stage": stage})


def test_the_live_page_polls_with_what_it_shows(client, started):
    owner, interview = started
    client.login(owner.email, PASSWORD)
    page = client.get(f"/interviews/{interview.id}/live").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in page
    assert poller(page) == {"seen": [stamp(interview)], "stage": ["in_progress"]}


def test_nothing_new_is_204_and_renders_nothing(client, started):
    owner, interview = started
    client.login(owner.email, PASSWORD)
    response = poll(client, interview, stamp(interview))
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert response.get_data() == b""


def test_only_the_changed_answer_is_sent(app, client, db, started):
    owner, interview = started
    seen = stamp(interview)
    first, second = interview.items
    save(db, first.attempt, "Now a key-value store keyed by a base62 code.")
    client.login(owner.email, PASSWORD)
    response = poll(client, interview, seen)
    assert response.status_code == HTTPStatus.OK
    body = response.get_data(as_text=True)
    assert f'id="live-answer-{first.id}" hx-swap-oob="innerHTML"' in body
    assert "base62 code" in body
    assert f"live-answer-{second.id}" not in body  # unchanged: not sent again
    assert f"Revision {first.attempt.revision_number}, saved" in body
    # The poller comes back carrying the new revision, shown as text until its HTML
    # is rendered, so the same change is sent once...
    seen = stamp(interview, pending=(first,))
    assert poller(body)["seen"] == [seen]
    assert poll(client, interview, seen).status_code == HTTPStatus.NO_CONTENT
    # ... and once more when its HTML is there.
    save(db, first.attempt, "Now a **key-value** store keyed by a base62 code.")
    body = poll(client, interview, seen).get_data(as_text=True)
    assert "<strong>key-value</strong>" not in body and "**key-value**" in body
    assert run_renders(app) == 2  # a job for each save: the first renders the newest text
    body = poll(client, interview, stamp(interview, pending=(first,))).get_data(as_text=True)
    assert f'id="live-answer-{first.id}" hx-swap-oob="innerHTML"' in body
    assert "<strong>key-value</strong>" in body
    assert f"live-answer-{second.id}" not in body
    assert poller(body)["seen"] == [stamp(interview)]
    assert poll(client, interview, stamp(interview)).status_code == HTTPStatus.NO_CONTENT


def test_a_submitted_answer_updates_its_line_without_sending_the_answer(client, db, started):
    owner, interview = started
    seen = stamp(interview)
    first = interview.items[0]
    lifecycle.submit_attempt(db, first.attempt)
    client.login(owner.email, PASSWORD)
    body = poll(client, interview, seen).get_data(as_text=True)
    assert f'id="live-meta-{first.id}" hx-swap-oob="innerHTML"' in body
    assert "· submitted" in body
    assert f"live-answer-{first.id}" not in body


def test_an_answer_the_page_has_no_place_for_reloads_the_page(client, started):
    owner, interview = started
    client.login(owner.email, PASSWORD)
    only_first = stamp(interview).split(",")[0]
    response = poll(client, interview, only_first)
    assert response.status_code == HTTPStatus.OK
    assert response.headers["HX-Refresh"] == "true"


def test_a_new_stage_is_swapped_in_and_polling_stops_once_answers_cannot_change(
        client, db, started):
    owner, interview = started
    for item in interview.items:
        lifecycle.submit_attempt(db, item.attempt)
    client.login(owner.email, PASSWORD)
    body = poll(client, interview, stamp(interview, closed=1)).get_data(as_text=True)
    assert 'id="live-stage" hx-swap-oob="innerHTML"' in body
    assert "Scoring" in body
    assert 'id="live-poll"' in body and poller(body) == {} and "hx-trigger" not in body
    page = client.get(f"/interviews/{interview.id}/live").get_data(as_text=True)
    assert 'id="live-poll"' in page and poller(page) == {}
