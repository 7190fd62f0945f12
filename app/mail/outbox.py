"""The outbox: services queue emails in their transaction; the worker claims and sends them.

A row is queued with the caller's other writes and its send job handed over
after the commit, so a request that rolls back sends nothing. Sending claims
the row with one conditional UPDATE, so two workers never send the same email;
a failed try waits longer each time, up to MAIL_MAX_ATTEMPTS tries, and the
worker's minute sweep picks up what a lost job or a killed worker left behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import queue_after_commit, transaction, utcnow
from app.errors import NotFound
from app.mail.messages import Message, redact_links
from app.models import Email, EmailKind, EmailStatus
from app.pagination import Page, paginate

log = logging.getLogger("app.mail")

TASK = "send_email"
# A claim this old belongs to a worker that stopped mid-send: the sweep takes it back.
STALE_CLAIM = timedelta(minutes=10)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
SWEEP_BATCH = 100
ERROR_MAX_CHARS = 1000
PER_PAGE = 25

Sender = Callable[[Email], None]


def queue_email(session: Session, *, kind: EmailKind, to: str, message: Message,
                dedupe_key: str | None = None) -> Email | None:
    """Queue ``message`` for ``to`` in the caller's transaction; None if ``dedupe_key`` is used."""
    try:
        with transaction(session):
            if dedupe_key is not None and session.scalar(
                    select(Email.id).where(Email.dedupe_key == dedupe_key)) is not None:
                return None
            email = Email(kind=kind, recipient=to, subject=message.subject[:200],
                          body=message.body, status=EmailStatus.QUEUED, attempts=0,
                          last_error="", dedupe_key=dedupe_key, redacted=False,
                          created_at=utcnow())
            session.add(email)
            session.flush()
    except IntegrityError:
        if dedupe_key is None:
            raise
        return None  # queued at the same moment by another worker
    email_id = email.id
    queue_after_commit(session, lambda queue: queue.enqueue(TASK, email_id))
    return email


def retry_wait(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 1, 2, 4 ... minutes, at most an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def _claimable(now: datetime, max_attempts: int):
    return and_(Email.attempts < max_attempts, or_(
        Email.status == EmailStatus.QUEUED,
        and_(Email.status == EmailStatus.FAILED, Email.next_attempt_at <= now),
        and_(Email.status == EmailStatus.SENDING, Email.claimed_at < now - STALE_CLAIM)))


def claim(session: Session, email_id: int, *, max_attempts: int,
          now: datetime | None = None) -> Email | None:
    """Take the email for this worker if it is due and nobody holds it; None otherwise."""
    now = now or utcnow()
    with transaction(session):
        claimed = session.execute(
            update(Email).where(Email.id == email_id, _claimable(now, max_attempts))
            .values(status=EmailStatus.SENDING, claimed_at=now, attempts=Email.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        return None
    return session.get(Email, email_id, populate_existing=True)


def deliver(session: Session, email_id: int, *, send: Sender | None, max_attempts: int,
            now: datetime | None = None) -> EmailStatus | None:
    """Claim one email and send it (``send`` None: write it to the log); its new status.

    None when it was not due or another worker holds it. Delivered through
    ``send`` (SMTP), the stored body loses its links: the outbox must not keep
    live reset tokens. Written to the log (development), the outbox is how the
    email is read, so it keeps them.
    """
    email = claim(session, email_id, max_attempts=max_attempts, now=now)
    if email is None:
        return None
    try:
        if send is None:
            log.info("email %s to %s (no SMTP_URL: not sent)\nSubject: %s\n\n%s",
                     email.id, email.recipient, email.subject, email.body)
        else:
            send(email)
    except Exception as error:  # any refusal is this try's failure; the row says why
        with transaction(session):
            email.status = EmailStatus.FAILED
            email.last_error = f"{type(error).__name__}: {error}"[:ERROR_MAX_CHARS]
            email.next_attempt_at = ((now or utcnow()) + retry_wait(email.attempts)
                                     if email.attempts < max_attempts else None)
        log.warning("email %s to %s failed (try %s of %s): %s", email.id, email.recipient,
                    email.attempts, max_attempts, email.last_error)
        return EmailStatus.FAILED
    with transaction(session):
        email.status = EmailStatus.SENT
        email.sent_at = utcnow()
        email.last_error = ""
        email.next_attempt_at = None
        if send is not None:
            email.body = redact_links(email.body)
            email.redacted = True
    return EmailStatus.SENT


def due_emails(session: Session, *, max_attempts: int, now: datetime | None = None) -> list[int]:
    """Emails a worker should try now (lost jobs, retries, stopped workers' claims), oldest first.

    A claim left by a stopped worker on its last try is marked failed here, since
    no try is left to take it back.
    """
    now = now or utcnow()
    with transaction(session):
        session.execute(
            update(Email).where(Email.status == EmailStatus.SENDING,
                                Email.claimed_at < now - STALE_CLAIM,
                                Email.attempts >= max_attempts)
            .values(status=EmailStatus.FAILED, next_attempt_at=None,
                    last_error="the worker stopped while sending; no try left")
            .execution_options(synchronize_session=False))
    return list(session.scalars(select(Email.id).where(_claimable(now, max_attempts))
                                .order_by(Email.id).limit(SWEEP_BATCH)))


def outbox_page(session: Session, *, status: EmailStatus | None, page: int) -> Page[Email]:
    """A page of the outbox, newest first, of one status or all."""
    stmt = select(Email).order_by(Email.created_at.desc(), Email.id.desc())
    if status is not None:
        stmt = stmt.where(Email.status == status)
    return paginate(session, stmt, number=page, per_page=PER_PAGE)


def get_email(session: Session, email_id: int) -> Email:
    """One email of the outbox, or NotFound."""
    email = session.get(Email, email_id)
    if email is None:
        raise NotFound("There is no such email.")
    return email
