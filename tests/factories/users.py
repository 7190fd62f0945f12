"""Accounts for tests, made through the same service the sign-up page uses."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from app.auth.services import sign_up
from app.models import Role, User

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


def make_user(session: Session, *roles: Role, email: str | None = None,
              name: str | None = None, password: str = PASSWORD) -> User:
    """An account with ``roles`` (candidate when none are given)."""
    n = next(_numbers)
    return sign_up(session, email=email or f"person{n}@example.com",
                   display_name=name or f"Person {n}", password=password,
                   roles=roles or (Role.CANDIDATE,))


def make_admin(session: Session, **kwargs) -> User:
    return make_user(session, Role.ADMIN, **kwargs)
