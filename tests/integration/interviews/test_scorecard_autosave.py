"""The scorecard's autosave through htmx: the status line comes back as a partial.

htmx posts the form with ``action=save`` a moment after each change; the
answer is the status line's new text, saved or why not (a refusal carries
``X-Partial: refusal`` so the page shows it rather than an error page).
"""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest

from tests.factories.interviews import score_all
from tests.factories.practice import load_library
from tests.integration.interviews.test_scoring import (
    Panel,
    login,
    saved_scores,
    scorecard_form,
    set_up,
)

HX = {"HX-Request": "true"}


@pytest.fixture
def panel(db, tmp_path) -> Panel:
    load_library(db, tmp_path)
    return set_up(db)


def form_tag(page: str) -> str:
    return re.search(r"<form [^>]*data-scorecard[^>]*>", page).group(0)


def test_a_draft_scorecard_saves_itself_and_a_submitted_one_does_not(client, db, panel):
    interview = panel.interview
    login(client, panel.reviewer)
    url = f"/interviews/{interview.id}/scorecard"
    form = form_tag(client.get(url).get_data(as_text=True))
    assert f'hx-post="{url}"' in form and "hx-vals='{\"action\": \"save\"}'" in form
    assert 'hx-trigger="input delay:1200ms, change delay:1200ms, archboard:edit delay:1200ms"' \
        in form
    assert 'hx-target="#scorecard-status"' in form
    score_all(db, interview, panel.reviewer, 3)  # submitted
    assert "hx-post" not in form_tag(client.get(url).get_data(as_text=True))


def test_an_autosave_answers_with_the_status_line(client, db, panel):
    interview = panel.interview
    login(client, panel.reviewer)
    draft = scorecard_form(interview, {"Requirements": 2, "Storage": None}, action="save",
                           recommendation="", summary="")
    saved = client.post(f"/interviews/{interview.id}/scorecard", draft, headers=HX)
    assert saved.status_code == HTTPStatus.OK
    body = saved.get_data(as_text=True)
    assert body.strip().startswith("Draft saved <time datetime=")
    assert "<html" not in body
    assert saved_scores(db, interview, panel.reviewer)["Requirements"].level == 2


def test_a_refused_autosave_says_why_in_the_status_line(client, db, panel):
    interview = panel.interview
    login(client, panel.reviewer)
    bad = scorecard_form(interview, {"Requirements": 4, "Storage": None}, action="save",
                         evidence={"Requirements": ["millions of writes a day"]})
    refused = client.post(f"/interviews/{interview.id}/scorecard", bad, headers=HX)
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert refused.headers["X-Partial"] == "refusal"
    body = refused.get_data(as_text=True)
    assert "Not saved: Requirements: the quote" in body and "<html" not in body
    assert "Requirements" not in saved_scores(db, interview, panel.reviewer)
