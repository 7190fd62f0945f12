"""An interview through the pages: create, invite, join, answer, score blind, decide, release."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from sqlalchemy import select

from app.models import (
    Attempt,
    AuditEvent,
    Interview,
    InterviewStage,
    Role,
    Scorecard,
)
from tests.factories.interviews import (
    answer_and_submit,
    join_and_start,
    make_interview,
    make_panel,
    score_all,
)
from tests.factories.users import PASSWORD, make_user
from tests.support.web import WebClient

ANSWER = "We keep the mapping in a key-value store; redirects per second drive the cache."


def save(client: WebClient, attempt_id: int, body: str, based_on: int):
    return client.raw.post(f"/practice/attempts/{attempt_id}/draft",
                           json={"body": body, "based_on": based_on, "client_id": "tab"},
                           headers={"X-CSRFToken": client.csrf_token()})


def scorecard_form(interview: Interview, level: int, **extra) -> dict:
    form = {"recommendation": "yes", "summary": "Clear and well scoped.", "action": "submit"}
    for item in interview.items:
        for criterion in item.rubric_revision.criteria:
            key = f"{item.attempt.id}-{criterion.id}"
            form[f"level-{key}"] = str(extra.get(criterion.name, level))
            form[f"comment-{key}"] = f"{criterion.name}: level {level}."
    return form


def test_the_whole_interview_through_the_pages(client, db, library):
    owner = make_user(db, Role.INTERVIEWER, name="Olive Owner")
    second = make_user(db, Role.INTERVIEWER, name="Rafa Reviewer")
    client.login(owner.email, PASSWORD)

    page = client.get("/interviews/new")
    assert page.status_code == HTTPStatus.OK
    assert "Rafa Reviewer" in page.get_data(as_text=True)
    created = client.post("/interviews/new", {
        "candidate_name": "Casey Candidate", "candidate_email": "casey@example.com",
        "prompts": "url-shortener", "target_level": "senior", "mode": "live",
        "reviewers": str(second.id), "tz_offset": "0"})
    assert created.status_code == HTTPStatus.FOUND, created.get_data(as_text=True)
    interview = db.scalar(select(Interview))
    overview = client.get(created.headers["Location"]).get_data(as_text=True)
    link = re.search(r'value="(http://[^"]+/join/[^"]+)"', overview).group(1)
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes, base64url
    assert interview.invite_token_hash != token  # only a hash is stored
    assert interview.stage() is InterviewStage.INVITED
    client.logout()

    # The candidate signs up through the link and comes back to it.
    invitation = client.get(f"/join/{token}")
    assert "Create an account" in invitation.get_data(as_text=True)
    signed_up = client.post(f"/signup?next=/join/{token}", {
        "display_name": "Casey", "email": "casey@example.com", "password": PASSWORD,
        "confirm": PASSWORD, "next": f"/join/{token}"})
    # Signing up never signs in: the login page comes next and keeps the way back.
    assert signed_up.headers["Location"] == f"/login?next=/join/{token}"
    login_form = client.get(signed_up.headers["Location"]).get_data(as_text=True)
    assert f'name="next" type="hidden" value="/join/{token}"' in login_form
    signed_in = client.login("casey@example.com", PASSWORD, next=f"/join/{token}")
    assert signed_in.headers["Location"] == f"/join/{token}"
    joined = client.post(f"/join/{token}")
    assert joined.headers["Location"] == f"/my/interviews/{interview.id}"
    started = client.post(f"/my/interviews/{interview.id}/start")
    attempt = db.scalar(select(Attempt).where(Attempt.interview_id == interview.id))
    assert started.headers["Location"] == f"/practice/attempts/{attempt.id}"
    workspace = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "Show a hint" not in workspace  # hints are off by default
    assert "left, until" in workspace
    assert client.post(f"/practice/attempts/{attempt.id}/hints").status_code == 403
    assert save(client, attempt.id, ANSWER, 0).status_code == HTTPStatus.OK
    submitted = client.post(f"/practice/attempts/{attempt.id}/submit", {"based_on": "1"})
    assert submitted.headers["Location"] == f"/my/interviews/{interview.id}"
    # The result page of practice, with its reference answer, is not for interviews.
    assert client.get(f"/practice/attempts/{attempt.id}/result").status_code == HTTPStatus.FOUND
    mine = client.get(f"/my/interviews/{interview.id}").get_data(as_text=True)
    assert "Your answers are in" in mine
    assert "A strong answer estimates" not in mine
    client.logout()

    # The owner scores first, and cannot see the comparison before submitting.
    client.login(owner.email, PASSWORD)
    db.expire_all()
    interview = db.get(Interview, interview.id)
    assert client.get(f"/interviews/{interview.id}/comparison").status_code == 403
    form = scorecard_form(interview, 4)
    assert client.post(f"/interviews/{interview.id}/scorecard", form).status_code == 302
    client.logout()

    client.login(second.email, PASSWORD)
    assert client.get(f"/interviews/{interview.id}/comparison").status_code == 403
    page = client.get(f"/interviews/{interview.id}/scorecard").get_data(as_text=True)
    assert "Requirements: level 4." not in page  # the owner's comment stays hidden
    form = scorecard_form(interview, 2, Storage=2, Requirements=2)
    assert client.post(f"/interviews/{interview.id}/scorecard", form).status_code == 302
    comparison = client.get(f"/interviews/{interview.id}/comparison").get_data(as_text=True)
    assert comparison.count("<tr class=\"disagree\"") == 2
    assert "Requirements: level 4." in comparison
    client.logout()

    client.login(owner.email, PASSWORD)
    decided = client.post(f"/interviews/{interview.id}/decision",
                          {"decision": "advance", "note": "Strong on storage."})
    assert decided.headers["Location"] == f"/interviews/{interview.id}/release"
    release = {"message": "Thank you for your time.", "show_decision": "on"}
    criteria = interview.items[0].rubric_revision.criteria
    for criterion in criteria:
        key = f"{attempt.id}-{criterion.id}"
        release[f"level-{key}"] = "3"
        release[f"show-level-{key}"] = "on"
        release[f"comment-{key}"] = f"About {criterion.name}."
    release[f"show-comment-{attempt.id}-{criteria[1].id}"] = "on"
    release[f"show-comment-{attempt.id}-{criteria[0].id}"] = ""
    assert client.post(f"/interviews/{interview.id}/release", release).status_code == 302
    client.logout()

    client.login("casey@example.com", PASSWORD)
    feedback = client.get(f"/my/interviews/{interview.id}").get_data(as_text=True)
    assert "Feedback from the panel" in feedback
    assert "Level 3" in feedback and "Advance" in feedback
    assert "About Storage." in feedback and "About Requirements." not in feedback
    assert "Requirements: level 4." not in feedback  # reviewers' own comments stay internal
    actions = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["created", "joined", "started", "submitted", "scorecard_submitted",
                       "scorecard_submitted", "decided", "released"]
    assert db.scalar(select(Scorecard.submitted_at).where(Scorecard.reviewer_id == second.id))


HOSTILE = ('<script>alert("x")</script><img src=x onerror="alert(1)">'
           '<a href="javascript:alert(2)">link</a>\n\n'
           '```\n</code></pre><script>alert(3)</script>\n```')


@pytest.mark.parametrize("prompt", ["url-shortener", "sum-two"])
def test_a_hostile_answer_is_inert_on_every_panel_page(client, db, library, prompt):
    owner, reviewers = make_panel(db)
    interview, _ = make_interview(db, owner, reviewers, prompts=(prompt,))
    join_and_start(db, interview)
    answer_and_submit(db, interview, HOSTILE)
    score_all(db, interview, owner, 3)
    client.login(owner.email, PASSWORD)
    attempt_id = interview.items[0].attempt_id
    for path in ("/live", "/scorecard", "/comparison", f"/live/updates?seen={attempt_id}:0:0"):
        page = client.get(f"/interviews/{interview.id}{path}").get_data(as_text=True)
        page = page.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')
        assert "<script>alert" not in page, path
        # An attribute of a real tag, not the same words shown as escaped text.
        assert not re.search(r"<[a-z][^<>]*\s(onerror|href=\"javascript:)", page), path
