"""The worker delivers the outbox through a real SMTP server, once each, retrying refusals."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth import resets
from app.db import utcnow
from app.interviews import feedback, invitations, notices
from app.jobs import get_jobs
from app.mail import messages
from app.mail.outbox import TASK, claim, deliver, due_emails, queue_email
from app.models import Email, EmailKind, EmailStatus
from tests.factories.interviews import (
    answer_and_submit,
    join_and_start,
    make_interview,
    make_panel,
    score_all,
)
from tests.factories.users import make_user
from tests.support.worker import run_queued

LINK = "http://archboard.test/"


@pytest.fixture
def smtp(app, smtp_server, monkeypatch):
    """The app's worker sends through the test's SMTP server."""
    monkeypatch.setitem(app.config, "SMTP_URL", smtp_server.url)
    monkeypatch.setitem(app.config, "MAIL_FROM", "Archboard <noreply@archboard.test>")
    return smtp_server


def emails(db) -> list[Email]:
    db.expire_all()
    return list(db.scalars(select(Email).order_by(Email.id)))


def test_the_send_job_delivers_every_kind_and_redacts_the_stored_links(app, db, library, smtp):
    owner, (reviewer, late) = make_panel(db, reviewers=2)
    interview, token = make_interview(db, owner, [reviewer])
    invitations.add_reviewer(db, interview, owner, late.id)
    resets.request_reset(db, reviewer.email, hours=1)
    candidate = join_and_start(db, interview)
    answer_and_submit(db, interview, "A queue in front of the database.")
    score_all(db, interview, owner, 3)
    score_all(db, interview, reviewer, 3)
    assert notices.remind_due_scorecards(db, hours=24, now=utcnow() + timedelta(days=2)) == 1
    score_all(db, interview, late, 2)
    feedback.decide(db, interview, owner, "advance", "")
    feedback.release(db, interview, owner, {})

    assert run_queued(app, TASK) == 6
    kinds = {(e.kind, e.recipient) for e in emails(db)}
    assert kinds == {
        (EmailKind.INVITATION, "casey@example.com"),
        (EmailKind.PANEL_ADDED, reviewer.email),
        (EmailKind.PANEL_ADDED, late.email),
        (EmailKind.PASSWORD_RESET, reviewer.email),
        (EmailKind.SCORECARD_DUE, late.email),
        (EmailKind.FEEDBACK_RELEASED, candidate.email),
    }
    assert len(smtp.messages) == 6
    by_subject = {m.subject.split(":")[0]: m for m in smtp.messages}
    invite = by_subject["Interview invitation"]
    assert f"\n{LINK}join/{token}\n" in invite.body
    assert invite.message["From"] == "Archboard <noreply@archboard.test>"
    assert f"\n{LINK}interviews/{interview.id}/scorecard\n" in by_subject["Scorecard due"].body
    assert f"\n{LINK}my/interviews/{interview.id}\n" in by_subject["Your feedback is ready"].body
    assert f"\n{LINK}reset/" in by_subject["Reset your Archboard password"].body
    seats = [m for m in smtp.messages if m.subject.startswith("You are on the panel of ")]
    assert sorted(m.recipients[0] for m in seats) == sorted([reviewer.email, late.email])
    assert all(f"\n{LINK}interviews/{interview.id}\n" in m.body for m in seats)
    for email in emails(db):
        assert email.status is EmailStatus.SENT and email.attempts == 1
        assert email.redacted and "http" not in email.body
        assert messages.REDACTED_LINK in email.body


def test_a_refused_email_is_tried_again_later_and_then_delivered(app, db, smtp):
    make_user(db, email="ada@example.com")
    resets.request_reset(db, "ada@example.com", hours=1)
    smtp.refuse_next(1)
    assert run_queued(app, TASK) == 1
    [email] = emails(db)
    assert email.status is EmailStatus.FAILED and email.attempts == 1
    assert "451" in email.last_error
    assert email.body.count("http://archboard.test/reset/") == 1  # kept until delivered
    assert due_emails(db, max_attempts=6) == []  # not before its wait
    later = email.next_attempt_at + timedelta(seconds=1)
    assert due_emails(db, max_attempts=6, now=later) == [email.id]
    with app.app_context():
        from app.mail.jobs import smtp_sender

        assert deliver(db, email.id, send=smtp_sender(), max_attempts=6,
                       now=later) is EmailStatus.SENT
    [email] = emails(db)
    assert (email.status, email.attempts, email.last_error) == (EmailStatus.SENT, 2, "")
    assert len(smtp.messages) == 1


def test_the_minute_sweep_sends_what_a_lost_job_left_behind(app, db, smtp):
    make_user(db, email="ada@example.com")
    resets.request_reset(db, "ada@example.com", hours=1)
    get_jobs(app).huey.flush()  # the send job is lost
    with app.app_context():
        from app.mail.jobs import _retry_due

        _retry_due(get_jobs(app))
    assert [m.recipients for m in smtp.messages] == [["ada@example.com"]]
    assert emails(db)[0].status is EmailStatus.SENT


def test_an_email_stops_after_its_last_try(app, db, smtp):
    make_user(db, email="ada@example.com")
    resets.request_reset(db, "ada@example.com", hours=1)
    smtp.refuse_next(5)
    [email] = emails(db)
    now = utcnow()
    with app.app_context():
        from app.mail.jobs import smtp_sender

        for _ in range(2):
            deliver(db, email.id, send=smtp_sender(), max_attempts=2, now=now)
            now += timedelta(hours=2)
    [email] = emails(db)
    assert (email.status, email.attempts, email.next_attempt_at) == (EmailStatus.FAILED, 2, None)
    assert due_emails(db, max_attempts=2, now=now + timedelta(days=1)) == []


def test_a_claim_left_by_a_stopped_worker_is_taken_back_after_a_while(db):
    email = queue_email(db, kind=EmailKind.PASSWORD_RESET, to="a@example.com",
                        message=messages.Message("s", "b"))
    assert claim(db, email.id, max_attempts=3) is not None  # then the worker dies
    now = utcnow()
    assert due_emails(db, max_attempts=3, now=now) == []
    assert due_emails(db, max_attempts=3, now=now + timedelta(minutes=11)) == [email.id]


def test_two_workers_claiming_at_once_send_it_once(app, db, smtp):
    email = queue_email(db, kind=EmailKind.PASSWORD_RESET, to="a@example.com",
                        message=messages.Message("Once", "Only once."))
    barrier, results = threading.Barrier(2), []

    def worker() -> None:
        with app.app_context():
            from app.db import get_session
            from app.mail.jobs import smtp_sender

            barrier.wait()
            results.append(deliver(get_session(), email.id, send=smtp_sender(),
                                   max_attempts=6))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(map(str, results)) == ["None", "sent"]
    assert [m.subject for m in smtp.messages] == ["Once"]
    assert emails(db)[0].attempts == 1


def test_without_smtp_the_worker_logs_the_email_and_the_outbox_keeps_its_link(
        app, db, caplog, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_URL", None)
    make_user(db, email="ada@example.com")
    resets.request_reset(db, "ada@example.com", hours=1)
    with caplog.at_level(logging.INFO, logger="app.mail"):
        assert run_queued(app, TASK) == 1
    [email] = emails(db)
    assert email.status is EmailStatus.SENT and not email.redacted
    assert "http://archboard.test/reset/" in email.body
    [record] = [r for r in caplog.records if r.name == "app.mail"]
    assert "ada@example.com" in record.getMessage()
    assert "http://archboard.test/reset/" in record.getMessage()


def test_a_rolled_back_change_queues_no_email(app, db):
    from app.db import transaction

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction(db):
        queue_email(db, kind=EmailKind.INVITATION, to="a@example.com",
                    message=messages.Message("s", "b"))
        raise Abandon
    assert emails(db) == []
    assert run_queued(app, TASK) == 0


def test_a_scorecard_reminder_goes_once_per_reviewer_per_interview(app, db, library):
    owner, (reviewer,) = make_panel(db, reviewers=1)
    interview, _ = make_interview(db, owner, [reviewer])
    join_and_start(db, interview)
    answer_and_submit(db, interview, "Shard by user id.")
    score_all(db, interview, owner, 3)
    assert notices.remind_due_scorecards(db, hours=24) == 0  # not due yet
    later = utcnow() + timedelta(hours=25)
    assert notices.remind_due_scorecards(db, hours=24, now=later) == 1
    assert notices.remind_due_scorecards(db, hours=24, now=later) == 0
    # Even queued straight through the outbox, the key is taken.
    assert queue_email(db, kind=EmailKind.SCORECARD_DUE, to=reviewer.email,
                       message=messages.Message("s", "b"),
                       dedupe_key=notices.reminder_key(interview.id, reviewer.id)) is None
    reminders = [e for e in emails(db) if e.kind is EmailKind.SCORECARD_DUE]
    assert [e.recipient for e in reminders] == [reviewer.email]


def test_a_worker_that_must_build_links_refuses_to_start_without_base_url(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", None)
    with app.app_context():  # as `flask worker` runs it
        result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code != 0
    assert "the worker cannot start: BASE_URL is not set" in result.output
    assert "SCORECARD_DUE_HOURS=0" in result.output


def test_a_reminder_outside_a_request_without_base_url_says_what_is_missing(
        app, db, library, monkeypatch):
    from app.mail.links import NoBaseUrl

    owner, (reviewer,) = make_panel(db, reviewers=1)
    interview, _ = make_interview(db, owner, [reviewer])
    join_and_start(db, interview)
    answer_and_submit(db, interview, "Shard by user id.")
    monkeypatch.setitem(app.config, "BASE_URL", None)
    with pytest.raises(NoBaseUrl, match="set BASE_URL"):
        notices.remind_due_scorecards(db, hours=1, now=utcnow() + timedelta(hours=2))
