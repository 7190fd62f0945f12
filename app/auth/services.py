"""Accounts and sign-ins: the use cases behind sign-up, login, logout and passwords.

A sign-in is a row in ``user_sessions``; the browser holds its random token and
the server keeps only a hash. Logging out ends that row, changing a password
ends every row of the account, so a copied cookie stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager
from werkzeug.security import check_password_hash, generate_password_hash

from app.db import transaction, utcnow
from app.errors import Invalid, NotFound
from app.models import Role, User, UserRole, UserSession

PASSWORD_MIN = 10
PASSWORD_MAX = 128
DISPLAY_NAME_MAX = 80
# Werkzeug's scrypt with its default cost (n=2**15). The test suite lowers it:
# verifying reads the parameters stored in each hash, so both work together.
PASSWORD_METHOD = "scrypt"  # noqa: S105 - a hash method, not a password


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_rules(password: str) -> None:
    """Raise Invalid unless the password is long enough and not absurdly long."""
    if len(password) < PASSWORD_MIN:
        raise Invalid(f"Use at least {PASSWORD_MIN} characters.", field="password")
    if len(password) > PASSWORD_MAX:
        raise Invalid(f"Use at most {PASSWORD_MAX} characters.", field="password")


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def _check_profile(display_name: str, password: str) -> None:
    check_password_rules(password)
    if not display_name or len(display_name) > DISPLAY_NAME_MAX:
        raise Invalid(f"Give a name of 1 to {DISPLAY_NAME_MAX} characters.", field="display_name")


def new_user(email: str, display_name: str, password_hash: str,
             roles: tuple[Role, ...]) -> User:
    """An unsaved account holding ``roles`` (each once)."""
    user = User(email=email, display_name=display_name, password_hash=password_hash)
    user.role_grants = [UserRole(role=role) for role in dict.fromkeys(roles)]
    return user


def sign_up(
    session: Session,
    *,
    email: str,
    display_name: str,
    password: str,
    roles: tuple[Role, ...] = (Role.CANDIDATE,),
) -> User:
    """Create an account holding ``roles``; raise Invalid if the email is taken (admin tools)."""
    email = normalise_email(email)
    display_name = display_name.strip()
    _check_profile(display_name, password)
    with transaction(session):
        if find_user(session, email) is not None:
            raise Invalid("An account with this email already exists. Sign in instead.",
                          field="email")
        user = new_user(email, display_name,
                         generate_password_hash(password, method=PASSWORD_METHOD), roles)
        session.add(user)
    return user


def register(session: Session, *, email: str, display_name: str, password: str) -> User | None:
    """Create a candidate account for a new email; for a taken one change nothing, quietly.

    The sign-up page must not tell anyone whether an email has an account, so
    both cases hash the password (they take as long) and the caller answers
    the same way. Returns the new account, or None when the email was taken.
    """
    email = normalise_email(email)
    display_name = display_name.strip()
    _check_profile(display_name, password)
    password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    try:
        with transaction(session):
            if find_user(session, email) is not None:
                return None
            user = new_user(email, display_name, password_hash, (Role.CANDIDATE,))
            session.add(user)
    except IntegrityError:
        # The same email signed up at the same moment elsewhere: it is taken now.
        return None
    return user


@cache
def _decoy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active account with these credentials, or None."""
    user = find_user(session, email)
    if user is None:
        # Hash anyway so a missing account takes as long as a wrong password.
        check_password_hash(_decoy_hash(PASSWORD_METHOD), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    return user


def start_session(session: Session, user: User, *, days: int, user_agent: str = "") -> str:
    """Record a new sign-in for ``user`` and return its token (shown once, never stored)."""
    token = secrets.token_urlsafe(32)
    with transaction(session):
        session.add(UserSession(
            user_id=user.id,
            token_hash=hash_token(token),
            expires_at=utcnow() + timedelta(days=days),
            user_agent=user_agent[:200],
        ))
    user.session_token = token
    return token


@cache
def _signed_in_user_query():
    """The sign-in statement, built once: every signed-in request runs it."""
    # One statement for every signed-in request: the session row, its user and
    # the user's roles (one row per role, which the access checks then read).
    # Built once with bound parameters rather than per request: constructing
    # the statement cost more than running it.
    return (
        select(UserSession)
        .join(UserSession.user)
        .options(contains_eager(UserSession.user).joinedload(User.role_grants))
        .where(
            UserSession.token_hash == bindparam("token_hash"),
            UserSession.ended_at.is_(None),
            UserSession.expires_at > bindparam("now"),
            User.is_active.is_(True),
        )
    )


def load_signed_in_user(session: Session, token: str) -> User | None:
    """The user of a live sign-in with this token, or None if it ended or expired."""
    row = session.execute(_signed_in_user_query(),
                          {"token_hash": hash_token(token), "now": utcnow()},
                          ).unique().scalar_one_or_none()
    if row is None:
        return None
    row.user.session_token = token
    return row.user


def end_session(session: Session, token: str) -> None:
    """End the sign-in with this token (logout); a no-op if it already ended."""
    with transaction(session):
        session.execute(
            update(UserSession)
            .where(UserSession.token_hash == hash_token(token), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def end_other_sessions(session: Session, user: User, *, keep_token: str | None) -> int:
    """End every live sign-in of ``user`` except ``keep_token``'s; return how many ended."""
    stmt = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != hash_token(keep_token))
    with transaction(session):
        result = session.execute(stmt.values(ended_at=utcnow()))
    return result.rowcount


def live_sessions(session: Session, user: User) -> list[UserSession]:
    """The sign-ins of ``user`` that have not ended or expired, newest first."""
    return list(session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
               UserSession.expires_at > utcnow())
        .order_by(UserSession.created_at.desc())
        .limit(50)
    ))


def change_password(
    session: Session, user: User, *, current: str, new: str, days: int, user_agent: str = ""
) -> str:
    """Set a new password, end every sign-in of the account, and start a fresh one here."""
    if not check_password_hash(user.password_hash, current):
        raise Invalid("That is not your current password.", field="current_password")
    check_password_rules(new)
    password_hash = generate_password_hash(new, method=PASSWORD_METHOD)
    with transaction(session):  # one commit: never a new password with the old sign-ins
        user.password_hash = password_hash
        session.add(user)
        end_other_sessions(session, user, keep_token=None)
        token = start_session(session, user, days=days, user_agent=user_agent)
    return token


def set_password(session: Session, email: str, password: str) -> User:
    """Reset an account's password from the command line; ends its sign-ins."""
    user = find_user(session, email)
    if user is None:
        raise NotFound(f"no account with email {normalise_email(email)}")
    check_password_rules(password)
    password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    with transaction(session):
        user.password_hash = password_hash
        end_other_sessions(session, user, keep_token=None)
    return user
