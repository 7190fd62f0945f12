"""Password reset by email: a link that works once, for a few hours, and tells nobody
whether an account exists.

Asking costs the web request the same fixed work for every address: it hands the
address to a worker (``ask_for_reset``), and the worker looks the account up,
stores the link's hash and queues the email (``request_reset``). So neither the
page nor the time it takes says whether an account exists.

Only a hash of each link's token is stored (``password_resets``). Using a link
ends it and every other open link of the account, sets the password, ends every
sign-in of the account and starts one on the device that used it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app.auth import services
from app.auth.services import check_password_rules, find_user, hash_token, normalise_email
from app.db import queue_after_commit, transaction, utcnow
from app.errors import NotFound
from app.mail import messages
from app.mail.links import absolute_url, link_base
from app.mail.outbox import queue_email
from app.models import EmailKind, PasswordReset, User

RESET_TOKEN_BYTES = 32
# The queue task that answers a request: its job is (normalised address, links' base).
TASK = "request_reset"


class ResetLinkSpent(NotFound):
    """The link was used, replaced by a use of another, or has expired (or never existed)."""

    def __init__(self) -> None:
        super().__init__("This link has been used or has expired.")


def ask_for_reset(session: Session, email: str) -> None:
    """Have a worker email a reset link if ``email`` has an active account (``/forgot``).

    The same work for every address, whether or not it has an account: no
    lookup and no write here, only one job of the task ``TASK`` queued once
    this empty transaction commits, holding the normalised address and the
    base of the email's link (``BASE_URL``, or this request's host). The
    worker runs ``request_reset``. A session without the app's queue (a
    script's own) queues nothing: scripts call ``request_reset`` themselves.
    """
    job = (normalise_email(email), link_base(session))
    with transaction(session):
        queue_after_commit(session, lambda queue: queue.enqueue(TASK, job))


def answer_reset_request(session: Session, job: tuple[str, str], *, hours: int) -> None:
    """The worker's side of ``ask_for_reset``: ``request_reset`` for the job's address."""
    email, base = job
    request_reset(session, email, hours=hours, base=base)


def request_reset(session: Session, email: str, *, hours: int, base: str | None = None,
                  now: datetime | None = None) -> None:
    """Email a reset link to the active account with this address; do nothing for any other.

    The link starts with ``base`` if given, else with the app's base URL.
    """
    user = find_user(session, email)
    if user is None or not user.is_active:
        return
    now = now or utcnow()
    token = secrets.token_urlsafe(RESET_TOKEN_BYTES)
    # Built now: the raw token exists only here, and only the email carries it.
    link = absolute_url(session, "auth.reset_password", base=base, token=token)
    message = messages.password_reset(user.display_name, link, hours=hours)
    with transaction(session):
        session.add(PasswordReset(user_id=user.id, token_hash=hash_token(token),
                                  created_at=now, expires_at=now + timedelta(hours=hours)))
        queue_email(session, kind=EmailKind.PASSWORD_RESET, to=user.email, message=message)


def _open_reset(token: str, now: datetime):
    return (PasswordReset.token_hash == hash_token(token), PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now)


def usable_reset(session: Session, token: str, *, now: datetime | None = None) -> PasswordReset:
    """The open reset with this token, or ResetLinkSpent."""
    reset = session.scalar(select(PasswordReset).where(*_open_reset(token, now or utcnow())))
    if reset is None:
        raise ResetLinkSpent()
    return reset


def reset_password(session: Session, token: str, password: str, *, days: int,
                   user_agent: str = "", now: datetime | None = None) -> User:
    """Use the link once: set the password, end every sign-in, and start one here."""
    now = now or utcnow()
    reset = usable_reset(session, token, now=now)
    check_password_rules(password)
    password_hash = generate_password_hash(password, method=services.PASSWORD_METHOD)
    with transaction(session):
        # Claimed by a conditional update: of two uses at once, exactly one gets through.
        claimed = session.execute(
            update(PasswordReset).where(*_open_reset(token, now)).values(used_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if not claimed:
            raise ResetLinkSpent()
        session.execute(
            update(PasswordReset).where(PasswordReset.user_id == reset.user_id,
                                        PasswordReset.used_at.is_(None))
            .values(used_at=now).execution_options(synchronize_session=False))
        user = session.get(User, reset.user_id)
        if user is None or not user.is_active:
            raise ResetLinkSpent()
        user.password_hash = password_hash
        services.end_other_sessions(session, user, keep_token=None)
        services.start_session(session, user, days=days, user_agent=user_agent)
    return user
