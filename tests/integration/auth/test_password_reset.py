"""Password reset by email: the same answer and the same work for every address, a link
that works once and expires, the password rules, every other sign-in ended, and limits on
asking."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from sqlalchemy import select

from app.auth import resets
from app.db import utcnow
from app.jobs import get_jobs
from app.mail.outbox import TASK as SEND_EMAIL
from app.models import Email, EmailKind, EmailStatus, PasswordReset
from tests.factories.users import PASSWORD, make_user
from tests.support.web import WebClient
from tests.support.worker import run_queued

NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"http://\S+/reset/(\S+)")


def answer_requests(app) -> int:
    """Run the queued reset requests as a worker would; how many there were."""
    return run_queued(app, resets.TASK)


def reset_links(db) -> list[str]:
    db.expire_all()
    bodies = db.scalars(select(Email.body).where(Email.kind == EmailKind.PASSWORD_RESET)
                        .order_by(Email.id))
    return [LINK.search(body).group(0) for body in bodies]


def path_of(link: str) -> str:
    return link.split("archboard.test", 1)[1]


def test_the_login_page_offers_the_reset(client, db):
    assert b'href="/forgot">Forgot your password?</a>' in client.get("/login").data


def test_the_answer_is_the_same_whether_or_not_the_account_exists(app, client, db):
    make_user(db, email="ada@example.com")
    known = client.post("/forgot", {"email": "Ada@Example.com"})
    unknown = client.post("/forgot", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == HTTPStatus.OK
    page = known.get_data(as_text=True)
    assert "If an account exists for that address, we have sent a link" in page
    assert page.replace("ada", "x") == unknown.get_data(as_text=True).replace("nobody", "x")
    assert answer_requests(app) == 2
    assert len(reset_links(db)) == 1  # only the real account got an email


def test_asking_does_the_same_work_for_any_address_and_only_the_worker_looks_it_up(
        app, client, db, query_counter):
    ada = make_user(db, email="ada@example.com")
    make_user(db, email="gone@example.com").is_active = False
    db.commit()
    huey = get_jobs(app).huey
    statements = {}
    for address in ("Ada@Example.com", "nobody@example.com", "gone@example.com"):
        before = len(query_counter)
        assert client.post("/forgot", {"email": address}).status_code == HTTPStatus.OK
        statements[address] = query_counter[before:]
    # Nothing in the request reads the account or writes for it: only its job differs.
    assert statements["Ada@Example.com"] == statements["nobody@example.com"] \
        == statements["gone@example.com"]
    assert not [sql for sql in statements["Ada@Example.com"] if "users" in sql or "INSERT" in sql]
    jobs = sorted((task.name, task.args) for task in huey.pending())
    base = "http://archboard.test"
    assert jobs == [(resets.TASK, ((address, base),))
                    for address in ("ada@example.com", "gone@example.com",
                                    "nobody@example.com")]

    assert answer_requests(app) == 3
    db.expire_all()
    assert db.scalars(select(PasswordReset.user_id)).all() == [ada.id]
    emails = db.execute(select(Email.recipient, Email.kind, Email.status)).all()
    assert emails == [("ada@example.com", EmailKind.PASSWORD_RESET, EmailStatus.QUEUED)]
    assert [task.name for task in huey.pending()] == [SEND_EMAIL]


def test_the_address_asked_about_stays_out_of_the_log_at_info(app, client, db, caplog):
    make_user(db, email="ada@example.com")
    caplog.set_level(logging.INFO)
    for address in ("ada@example.com", "nobody@example.com"):
        client.post("/forgot", {"email": address})
    assert answer_requests(app) == 2
    assert caplog.records  # the request and the jobs were logged, without the address
    assert "ada@" not in caplog.text and "nobody@" not in caplog.text


def test_the_emailed_link_sets_a_new_password_signs_in_and_ends_other_sign_ins(app, db):
    user = make_user(db, email="ada@example.com")
    elsewhere = WebClient(app.test_client())
    elsewhere.login(user.email, PASSWORD)
    assert elsewhere.get("/account").status_code == HTTPStatus.OK
    client = WebClient(app.test_client())
    client.post("/forgot", {"email": "ada@example.com"})
    answer_requests(app)
    [link] = reset_links(db)
    assert link.startswith("http://archboard.test/reset/")

    form = client.get(path_of(link))
    assert form.status_code == HTTPStatus.OK and b"Choose a new password" in form.data
    done = client.post(path_of(link), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == HTTPStatus.FOUND
    assert client.get("/account").status_code == HTTPStatus.OK  # signed in here
    assert elsewhere.get("/account").status_code == HTTPStatus.FOUND  # and not there
    client.logout()
    assert client.login(user.email, PASSWORD).status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert client.login(user.email, NEW_PASSWORD).status_code == HTTPStatus.FOUND


def test_a_used_link_is_refused_with_a_way_to_ask_again(app, client, db):
    make_user(db, email="ada@example.com")
    client.post("/forgot", {"email": "ada@example.com"})
    client.post("/forgot", {"email": "ada@example.com"})
    assert answer_requests(app) == 2
    first, second = map(path_of, reset_links(db))
    client.post(first, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    client.logout()
    for link in (first, second):  # using one ends the account's other links too
        again = client.post(link, {"password": "yet another passphrase",
                                   "confirm": "yet another passphrase"})
        assert again.status_code == HTTPStatus.GONE
        page = client.get(link)
        assert page.status_code == HTTPStatus.GONE
        assert b"This link has been used or has expired" in page.data
        assert b'href="/forgot"' in page.data
    assert client.login("ada@example.com", NEW_PASSWORD).status_code == HTTPStatus.FOUND


def test_a_link_expires(client, db):
    make_user(db, email="ada@example.com")
    resets.request_reset(db, "ada@example.com", hours=1, now=utcnow() - timedelta(minutes=61))
    [link] = reset_links(db)
    assert client.get(path_of(link)).status_code == HTTPStatus.GONE
    refused = client.post(path_of(link), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert refused.status_code == HTTPStatus.GONE
    assert client.login("ada@example.com", PASSWORD).status_code == HTTPStatus.FOUND


def test_a_made_up_token_is_refused(client, db):
    assert client.get("/reset/not-a-real-token").status_code == HTTPStatus.GONE


def test_the_new_password_follows_the_sign_up_rules_and_the_link_stays_usable(app, client, db):
    make_user(db, email="ada@example.com")
    client.post("/forgot", {"email": "ada@example.com"})
    answer_requests(app)
    [link] = map(path_of, reset_links(db))
    short = client.post(link, {"password": "short", "confirm": "short"})
    assert short.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert b"Use 10 to 128 characters." in short.data
    differ = client.post(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert differ.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert db.scalar(select(PasswordReset.used_at)) is None
    with pytest.raises(Exception, match="at least 10"):
        resets.reset_password(db, link.rsplit("/", 1)[1], "short", days=1)
    assert client.post(link, {"password": NEW_PASSWORD,
                              "confirm": NEW_PASSWORD}).status_code == HTTPStatus.FOUND


def test_only_a_hash_of_the_token_is_stored(app, client, db):
    make_user(db, email="ada@example.com")
    client.post("/forgot", {"email": "ada@example.com"})
    answer_requests(app)
    [link] = reset_links(db)
    token = link.rsplit("/", 1)[1]
    stored = db.scalar(select(PasswordReset.token_hash))
    assert token not in stored and len(stored) == 64


def test_a_malformed_address_is_a_form_error_for_everyone(client, db):
    response = client.post("/forgot", {"email": "not an address"})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert b"Enter an email address like name@example.com." in response.data


def test_asking_is_limited_per_address_and_per_email(app, db):
    make_user(db, email="ada@example.com")
    client = WebClient(app.test_client())
    statuses = [client.post("/forgot", {"email": f"p{n}@example.com"}).status_code
                for n in range(6)]
    assert statuses == [200] * 5 + [429]
    statuses = []
    for n in range(6):
        other = WebClient(app.test_client())
        other.raw.environ_base["REMOTE_ADDR"] = f"10.0.1.{n + 1}"
        statuses.append(other.post("/forgot", {"email": "ada@example.com"}).status_code)
    assert statuses == [200] * 5 + [429]
    assert answer_requests(app) == 10  # a refused request queues nothing
    assert len(reset_links(db)) == 5


def test_links_use_the_request_host_when_base_url_is_unset(client, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", None)
    make_user(db, email="ada@example.com")
    client.post("/forgot", {"email": "ada@example.com"})
    answer_requests(app)  # the worker, outside any request, uses the request's host
    [body] = db.scalars(select(Email.body))
    assert "\nhttp://localhost/reset/" in body
