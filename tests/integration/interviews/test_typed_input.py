"""A form the server refuses comes back as a 422 page with what was typed, and why.

The decision, the release and both second-look forms (the candidate's request,
the panel's answer): a refusal shows the same page again with the fields as
sent and the reason beside the form, and changes nothing.
"""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from sqlalchemy import select

from app.models import Interview, RegradeRequest, RegradeStatus
from tests.integration.interviews.test_scoring import (
    Panel,
    decided,
    key,
    login,
    regrade_form,
    release_form,
    set_up,
    text,
)
from tests.support.web import WebClient, textarea_value

UNPROCESSABLE = HTTPStatus.UNPROCESSABLE_ENTITY


@pytest.fixture
def panel(db, library) -> Panel:
    return set_up(db)


@pytest.fixture
def released(client, db, panel) -> Panel:
    """Requirements released at level 3, shown with a comment; the owner is logged in."""
    decided(client, db, panel)
    form = release_form(panel.interview, {
        "Requirements": {"level": 3, "show_level": True, "show_comment": True,
                         "comment": "Good numbers, no redirect status."},
        "Storage": {"level": 3}})
    assert client.post(f"/interviews/{panel.interview.id}/release", form).status_code == \
        HTTPStatus.FOUND
    return panel


def field(page: str, tag_id: str) -> str:
    """The opening tag of the element with id ``tag_id``."""
    found = re.search(rf'<[a-z]+ [^>]*id="{re.escape(tag_id)}"[^>]*>', page)
    assert found, tag_id
    return found.group(0)


def textarea(page: str, tag_id: str) -> str:
    found = re.search(rf'<textarea [^>]*id="{re.escape(tag_id)}"[^>]*>([^<]*)</textarea>', page)
    assert found, tag_id
    return textarea_value(found.group(1))


def test_a_refused_decision_keeps_the_note(client: WebClient, db, panel):
    interview = panel.interview
    decided(client, db, panel)  # recorded once: "Agreed at the debrief."
    note = "Strong on numbers; we argued about the cache for a while."
    response = client.post(f"/interviews/{interview.id}/decision",
                           {"decision": "maybe", "note": note})
    assert response.status_code == UNPROCESSABLE
    page = response.get_data(as_text=True)
    assert textarea(page, "decision-note") == note
    assert "Choose advance or do not advance." in page
    assert 'name="decision" value="advance" required checked' not in page  # as sent: none
    db.expire_all()
    assert db.get(Interview, interview.id).decision_note == "Agreed at the debrief."


def test_a_refused_release_keeps_every_field(client, db, panel):
    interview = panel.interview
    decided(client, db, panel)
    form = release_form(interview, {
        "Requirements": {"level": 9, "show_level": True, "show_comment": False,
                         "comment": "You scoped the load before anything else."},
        "Storage": {"level": 2, "show_level": False, "show_comment": True,
                    "comment": "Say why a key-value store fits."},
    }, message="Thank you for the afternoon.", show_decision=True)
    response = client.post(f"/interviews/{interview.id}/release", form)
    assert response.status_code == UNPROCESSABLE
    page = response.get_data(as_text=True)
    assert "Requirements: pick a level from 1 to 4." in page
    requirements, storage = key(interview, "Requirements"), key(interview, "Storage")
    assert textarea(page, f"comment-{requirements}") == \
        "You scoped the load before anything else."
    assert textarea(page, f"comment-{storage}") == "Say why a key-value store fits."
    assert textarea(page, "message") == "Thank you for the afternoon."
    assert re.search(r'<option value="2" selected>', page.split(f'id="level-{storage}"')[1])
    assert f'name="show-level-{requirements}" checked' in page
    assert f'name="show-level-{storage}" >' in page  # unchecked, as sent
    assert f'name="show-comment-{requirements}" >' in page
    assert f'name="show-comment-{storage}" checked' in page
    assert 'name="show_decision" checked' in page
    db.expire_all()
    assert db.get(Interview, interview.id).released_at is None


def test_a_refused_second_look_request_keeps_the_reason(client, db, released):
    interview = released.interview
    login(client, released.candidate)
    reason = "Why 3?"  # too short to say what to look at
    response = client.post(f"/my/interviews/{interview.id}/regrades",
                           regrade_form(interview, "Requirements", reason))
    assert response.status_code == UNPROCESSABLE
    page = response.get_data(as_text=True)
    item_id = re.search(r'id="reason-(\d+)"', page).group(1)
    assert textarea(page, f"reason-{item_id}") == reason
    assert 'aria-invalid="true"' in field(page, f"reason-{item_id}")
    assert "Say in a sentence or two what you would like looked at again." in text(response)
    assert re.search(r'<details class="regrade" open>', page)
    assert db.scalar(select(RegradeRequest.id)) is None


@pytest.fixture
def requested(client, db, released):
    """The candidate asked for a second look at Requirements; the owner is logged in."""
    login(client, released.candidate)
    reason = "I gave 301 and the redirect numbers; please look again."
    assert client.post(f"/my/interviews/{released.interview.id}/regrades",
                       regrade_form(released.interview, "Requirements", reason)
                       ).status_code == HTTPStatus.FOUND
    login(client, released.owner)
    return released, db.scalar(select(RegradeRequest.id))


def test_a_refused_second_look_answer_keeps_the_answer_and_the_level(client, db, requested):
    setting, request_id = requested
    interview = setting.interview
    answer = "Looked again: the numbers are there, the 301 is not."
    response = client.post(f"/interviews/{interview.id}/regrades/{request_id}/answer",
                           {"response": answer, "level": "9"})
    assert response.status_code == UNPROCESSABLE
    page = response.get_data(as_text=True)
    assert textarea(page, f"response-{request_id}") == answer
    assert 'aria-invalid="true"' in field(page, f"response-{request_id}")
    assert "Pick a level from 1 to 4." in page
    db.expire_all()
    assert db.get(RegradeRequest, request_id).status is RegradeStatus.OPEN


def test_a_garbled_form_number_is_still_422_with_the_text_kept(client, db, requested):
    setting, request_id = requested
    answer = "Looked again: the numbers are there."
    response = client.post(f"/interviews/{setting.interview.id}/regrades/{request_id}/answer",
                           {"response": answer, "level": "\u00b2"})
    assert response.status_code == UNPROCESSABLE
    assert textarea(response.get_data(as_text=True), f"response-{request_id}") == answer


def test_a_page_shown_on_get_has_no_typed_values(client, db, panel):
    decided(client, db, panel)
    page = client.get(f"/interviews/{panel.interview.id}/release").get_data(as_text=True)
    assert textarea(page, "message") == ""
    assert 'role="alert"' not in page
