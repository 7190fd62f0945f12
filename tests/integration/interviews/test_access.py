"""Who may see and do what in an interview: every rule tried from the wrong side."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from app.auth.services import hash_token
from app.models import Interview, Role
from tests.factories.interviews import (
    answer_and_submit,
    join_and_start,
    make_interview,
    make_panel,
    score_all,
)
from tests.factories.practice import load_library
from tests.factories.users import PASSWORD, make_user

PANEL_PAGES = ["", "/live", "/live/updates", "/scorecard", "/comparison", "/release",
               "/export.csv", "/export.json"]
PANEL_POSTS = ["/notes", "/scorecard", "/decision", "/release", "/invite", "/reviewers",
               "/reviewers/1/remove", "/regrades/1/answer", "/regrades/1/reassign"]


@pytest.fixture
def setting(db, tmp_path):
    load_library(db, tmp_path)
    owner, (reviewer,) = make_panel(db, reviewers=1)
    interview, token = make_interview(db, owner, [reviewer])
    return owner, reviewer, interview, token


def login(client, user):
    client.logout()
    client.login(user.email, PASSWORD)


@pytest.mark.parametrize("path", PANEL_PAGES)
def test_an_interviewer_off_the_panel_finds_nothing(client, db, setting, path):
    *_, interview, _ = setting
    outsider = make_user(db, Role.INTERVIEWER)
    login(client, outsider)
    assert client.get(f"/interviews/{interview.id}{path}").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("path", PANEL_POSTS)
def test_an_interviewer_off_the_panel_cannot_act(client, db, setting, path):
    *_, interview, _ = setting
    login(client, make_user(db, Role.INTERVIEWER))
    response = client.post(f"/interviews/{interview.id}{path}", {"body": "x", "reviewer": "1"})
    assert response.status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("path", ["", "/scorecard", "/live"])
def test_a_candidate_account_cannot_open_panel_pages(client, db, setting, path):
    *_, interview, _ = setting
    candidate = join_and_start(db, interview)
    login(client, candidate)
    assert client.get(f"/interviews/{interview.id}{path}").status_code == HTTPStatus.FORBIDDEN
    assert client.get("/interviews").status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize(("path", "form"), [
    ("/decision", {"decision": "advance"}),
    ("/release", {}),
    ("/invite", {}),
    ("/reviewers", {"reviewer": "1"}),
])
def test_a_reviewer_cannot_do_what_only_the_owner_does(client, db, setting, path, form):
    _, reviewer, interview, _ = setting
    login(client, reviewer)
    response = client.post(f"/interviews/{interview.id}{path}", form)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert client.get(f"/interviews/{interview.id}/release").status_code == HTTPStatus.FORBIDDEN


def test_scores_stay_hidden_until_ones_own_scorecard_is_submitted(client, db, setting):
    owner, reviewer, interview, _ = setting
    join_and_start(db, interview)
    answer_and_submit(db, interview, "A key-value store, redirects per second.")
    score_all(db, interview, owner, 4)
    login(client, reviewer)
    for path in ("/comparison", "/export.csv", "/export.json"):
        assert client.get(f"/interviews/{interview.id}{path}").status_code == \
            HTTPStatus.FORBIDDEN
    scorecard = client.get(f"/interviews/{interview.id}/scorecard").get_data(as_text=True)
    assert "Level 4 because." not in scorecard
    overview = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "recommendation: yes" not in overview  # the owner's event, without its content
    score_all(db, interview, reviewer, 3)
    comparison = client.get(f"/interviews/{interview.id}/comparison")
    assert comparison.status_code == HTTPStatus.OK
    assert "Level 4 because." in comparison.get_data(as_text=True)


def test_notes_are_private_to_their_author(client, db, setting):
    owner, reviewer, interview, _ = setting
    login(client, owner)
    client.post(f"/interviews/{interview.id}/notes", {"body": "Asked about hot keys."})
    assert "Asked about hot keys." in client.get(
        f"/interviews/{interview.id}/live").get_data(as_text=True)
    assert "Asked about hot keys." in client.get(
        f"/interviews/{interview.id}/scorecard").get_data(as_text=True)
    login(client, reviewer)
    for path in ("/live", "/scorecard", ""):
        assert "Asked about hot keys." not in client.get(
            f"/interviews/{interview.id}{path}").get_data(as_text=True)


def test_only_the_candidate_sees_their_interview(client, db, setting):
    *_, interview, _ = setting
    candidate = join_and_start(db, interview)
    other = make_user(db)
    login(client, other)
    assert client.get(f"/my/interviews/{interview.id}").status_code == HTTPStatus.NOT_FOUND
    attempt_id = interview.items[0].attempt_id
    assert client.get(f"/practice/attempts/{attempt_id}").status_code == HTTPStatus.NOT_FOUND
    login(client, candidate)
    assert client.get(f"/my/interviews/{interview.id}").status_code == HTTPStatus.OK


def test_nothing_reaches_the_candidate_before_release(client, db, setting):
    owner, reviewer, interview, _ = setting
    candidate = join_and_start(db, interview)
    answer_and_submit(db, interview, "A key-value store.")
    score_all(db, interview, owner, 4)
    score_all(db, interview, reviewer, 2)
    login(client, owner)
    client.post(f"/interviews/{interview.id}/decision", {"decision": "decline"})
    login(client, candidate)
    page = client.get(f"/my/interviews/{interview.id}").get_data(as_text=True)
    assert "Feedback from the panel" not in page
    assert "Level 4 because." not in page and "not advance" not in page.lower()
    attempt_id = interview.items[0].attempt_id
    criterion_id = interview.items[0].rubric_revision.criteria[0].id
    response = client.post(f"/my/interviews/{interview.id}/regrades",
                           {"attempt": attempt_id, "criterion": criterion_id,
                            "reason": "Please look at the storage section again."})
    assert response.status_code == HTTPStatus.CONFLICT


def test_a_wrong_or_replaced_invite_link_finds_nothing(client, db, setting):
    owner, _, interview, token = setting
    assert client.get("/join/not-a-real-token").status_code == HTTPStatus.NOT_FOUND
    assert client.get(f"/join/{token}").status_code == HTTPStatus.OK
    login(client, owner)
    assert client.post(f"/interviews/{interview.id}/invite").status_code == HTTPStatus.FOUND
    db.expire_all()
    assert db.get(Interview, interview.id).invite_token_hash != hash_token(token)
    assert client.get(f"/join/{token}").status_code == HTTPStatus.NOT_FOUND


def test_an_accepted_invitation_cannot_be_taken_by_another_account(client, db, setting):
    owner, reviewer, interview, token = setting
    first = make_user(db)
    login(client, first)
    assert client.post(f"/join/{token}").status_code == HTTPStatus.FOUND
    assert client.post(f"/join/{token}").status_code == HTTPStatus.FOUND  # the same account
    login(client, make_user(db))
    assert client.post(f"/join/{token}").status_code == HTTPStatus.FORBIDDEN
    login(client, reviewer)
    assert client.post(f"/join/{token}").status_code == HTTPStatus.FORBIDDEN


def test_a_panel_member_cannot_join_as_the_candidate(client, db, setting):
    _, reviewer, interview, token = setting
    login(client, reviewer)
    assert client.post(f"/join/{token}").status_code == HTTPStatus.FORBIDDEN
    db.expire_all()
    assert db.get(Interview, interview.id).candidate_id is None


def test_joining_needs_an_account(client, db, setting):
    *_, token = setting
    response = client.post(f"/join/{token}")
    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.UNAUTHORIZED,
                                    HTTPStatus.FORBIDDEN)
    page = client.get(f"/join/{token}").get_data(as_text=True)
    assert f"/signup?next=/join/{token}" in page


def test_hints_and_the_clock_follow_the_interview(client, db, setting):
    *_, interview, _ = setting
    candidate = join_and_start(db, interview)
    login(client, candidate)
    attempt_id = interview.items[0].attempt_id
    assert client.post(f"/practice/attempts/{attempt_id}/hints").status_code == \
        HTTPStatus.FORBIDDEN
    assert client.post(f"/practice/attempts/{attempt_id}/timer",
                       {"running": "false"}).status_code == HTTPStatus.FORBIDDEN
    # Interview attempts are not practice: they are not in the practice progress.
    assert "Design a URL shortener" not in client.get("/practice/progress").get_data(
        as_text=True)


def test_the_interview_prompt_cannot_be_practised_while_the_interview_is_open(client, db,
                                                                              setting):
    *_, interview, _ = setting
    candidate = make_user(db)
    login(client, candidate)
    practised = client.post("/practice/prompts/url-shortener/attempts", {"level": "senior"})
    attempt_id = int(practised.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/practice/attempts/{attempt_id}/submit",
                {"body": "An earlier practice answer.", "based_on": "0"})
    assert client.get(f"/practice/attempts/{attempt_id}/result").status_code == HTTPStatus.OK
    join_and_start(db, interview, candidate)
    # Neither a new practice attempt nor an old result's reference answer while it runs.
    refused = client.post("/practice/prompts/url-shortener/attempts", {"level": "senior"})
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert "part of your interview" in refused.get_data(as_text=True)
    result = client.get(f"/practice/attempts/{attempt_id}/result")
    assert result.status_code == HTTPStatus.FORBIDDEN
    assert "A strong answer estimates" not in result.get_data(as_text=True)
    answer_and_submit(db, interview, "The interview answer.")
    assert client.get(f"/practice/attempts/{attempt_id}/result").status_code == HTTPStatus.OK
