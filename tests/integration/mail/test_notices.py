"""What the interview's emails say and to whom, queued with the change they announce."""

from __future__ import annotations

from http import HTTPStatus

from sqlalchemy import select

from app.interviews import invitations
from app.models import Email, EmailKind
from tests.factories.interviews import make_interview, make_panel
from tests.factories.users import PASSWORD


def emails(db, kind: EmailKind) -> list[Email]:
    db.expire_all()
    return list(db.scalars(select(Email).where(Email.kind == kind).order_by(Email.id)))


def test_a_new_invite_link_is_emailed_and_the_old_one_stops_working(client, db, library):
    owner, _ = make_panel(db, reviewers=0)
    interview, first = make_interview(db, owner)
    second = invitations.new_invite_link(db, interview, owner)
    sent = emails(db, EmailKind.INVITATION)
    assert [e.recipient for e in sent] == ["casey@example.com"] * 2
    assert f"http://archboard.test/join/{first}\n" in sent[0].body
    assert f"http://archboard.test/join/{second}\n" in sent[1].body
    assert client.get(f"/join/{first}").status_code == HTTPStatus.NOT_FOUND
    assert client.get(f"/join/{second}").status_code == HTTPStatus.OK


def test_reviewers_of_an_anonymised_interview_are_not_told_the_candidates_name(db, library):
    owner, (reviewer,) = make_panel(db, reviewers=1)
    interview, _ = make_interview(db, owner, [reviewer], anonymised=True)
    [seat] = emails(db, EmailKind.PANEL_ADDED)
    assert seat.recipient == reviewer.email
    assert "Casey" not in seat.subject + seat.body
    assert seat.subject == f"You are on the panel of Interview #{interview.id}"
    # The invitation, before the candidate starts, names no prompt either.
    [invite] = emails(db, EmailKind.INVITATION)
    assert "URL shortener" not in invite.subject + invite.body


def test_an_interview_made_on_the_page_emails_the_invitation_with_its_link(
        client, db, library, app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://archboard.example.com/team")
    owner, _ = make_panel(db, reviewers=0)
    client.login(owner.email, PASSWORD)
    response = client.post("/interviews/new", {
        "candidate_name": "Dana Doe", "candidate_email": "Dana@Example.com",
        "prompts": "url-shortener", "target_level": "senior", "mode": "live",
        "tz_offset": "0"})
    assert response.status_code == HTTPStatus.FOUND
    [invite] = emails(db, EmailKind.INVITATION)
    assert invite.recipient == "dana@example.com"
    assert "\nhttps://archboard.example.com/team/join/" in invite.body
    assert "Olive Owner has invited you" in invite.body


def test_a_refused_interview_emails_nobody(client, db, library):
    owner, _ = make_panel(db, reviewers=0)
    client.login(owner.email, PASSWORD)
    response = client.post("/interviews/new", {
        "candidate_name": "Dana Doe", "candidate_email": "dana@example.com",
        "prompts": "no-such-prompt", "target_level": "senior", "mode": "live",
        "tz_offset": "0"})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert db.scalars(select(Email)).all() == []
