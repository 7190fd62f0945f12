"""The outbox page: admins only, newest first, a page at a time, by status, each email readable."""

from __future__ import annotations

import re
from datetime import timedelta
from http import HTTPStatus

from app.db import utcnow
from app.mail import messages
from app.mail.outbox import PER_PAGE, queue_email
from app.models import Email, EmailKind, EmailStatus, Role
from tests.factories.users import PASSWORD, make_admin, make_user


def queue(db, n: int, **fields) -> Email:
    email = queue_email(db, kind=EmailKind.INVITATION, to=f"p{n}@example.com",
                        message=messages.Message(f"Subject {n}", f"Body {n}: https://x/join/t{n}"))
    for name, value in fields.items():
        setattr(email, name, value)
    db.commit()
    return email


def subjects(page: bytes) -> list[str]:
    return re.findall(r">(Subject \d+)</a>", page.decode())


def test_only_admins_see_the_outbox(client, db):
    queue(db, 1)
    assert client.get("/admin/outbox").status_code == HTTPStatus.FOUND  # to the login page
    for roles in ((), (Role.INTERVIEWER,), (Role.AUTHOR,)):
        person = make_user(db, *roles)
        client.login(person.email, PASSWORD)
        assert client.get("/admin/outbox").status_code == HTTPStatus.FORBIDDEN
        client.logout()
    client.login(make_admin(db).email, PASSWORD)
    assert client.get("/admin/outbox").status_code == HTTPStatus.OK


def test_newest_first_a_page_at_a_time_and_by_status(client, db):
    start = utcnow() - timedelta(hours=1)
    total = PER_PAGE + 3
    for n in range(total):
        queue(db, n, created_at=start + timedelta(minutes=n),
              status=EmailStatus.FAILED if n % 10 == 0 else EmailStatus.QUEUED)
    client.login(make_admin(db).email, PASSWORD)
    first = client.get("/admin/outbox")
    assert subjects(first.data) == [f"Subject {n}" for n in range(total - 1, 2, -1)]
    assert f"Showing 1–{PER_PAGE} of {total}".encode() in first.data
    second = client.get("/admin/outbox?page=2")
    assert subjects(second.data) == ["Subject 2", "Subject 1", "Subject 0"]
    failed = client.get("/admin/outbox?status=failed")
    assert subjects(failed.data) == ["Subject 20", "Subject 10", "Subject 0"]
    assert client.get("/admin/outbox?status=lost").status_code == \
        HTTPStatus.UNPROCESSABLE_ENTITY


def test_each_email_is_readable_with_its_body(client, db):
    email = queue(db, 7, last_error="SMTPRecipientsRefused: nobody here")
    client.login(make_admin(db).email, PASSWORD)
    page = client.get(f"/admin/outbox/{email.id}")
    assert page.status_code == HTTPStatus.OK
    text = page.get_data(as_text=True)
    assert "Body 7: https://x/join/t7" in text
    assert "p7@example.com" in text and "SMTPRecipientsRefused: nobody here" in text
    assert client.get(f"/admin/outbox/{email.id + 1}").status_code == HTTPStatus.NOT_FOUND
