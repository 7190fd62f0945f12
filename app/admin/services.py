"""Administration: finding accounts and granting roles."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.db import transaction
from app.errors import Invalid, NotAllowed, NotFound
from app.models import Role, User, UserRole
from app.pagination import Page, paginate

USERS_PER_PAGE = 25
# No email address is longer (RFC 5321 paths) and names are shorter still; SQLite
# refuses LIKE patterns over 50,000 bytes, so a longer search is refused first.
SEARCH_MAX_CHARS = 254


def list_users(session: Session, *, search: str = "", page: int = 1) -> Page[User]:
    """Accounts matching ``search`` (email or name), oldest first, a page at a time."""
    # The page shows each account's roles: one query for the page's grants.
    stmt = select(User).options(selectinload(User.role_grants)).order_by(User.id)
    if len(search.strip()) > SEARCH_MAX_CHARS:
        raise Invalid(f"Search for at most {SEARCH_MAX_CHARS} characters: no email address or "
                      "name is longer.", field="q")
    if search.strip():
        term = search.strip().lower()
        stmt = stmt.where(or_(User.email.contains(term, autoescape=True),
                              func.lower(User.display_name).contains(term, autoescape=True)))
    return paginate(session, stmt, number=page, per_page=USERS_PER_PAGE)


def set_roles(session: Session, *, actor: User | None, user_id: int, roles: set[Role]) -> User:
    """Give ``user_id`` exactly ``roles``. Admins cannot remove their own admin role.

    ``actor`` is None for an operator at the command line.
    """
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such account.")
    if actor is not None and user.id == actor.id and Role.ADMIN not in roles:
        raise NotAllowed("You cannot remove your own admin role; ask another admin.")
    with transaction(session):
        current = {grant.role: grant for grant in user.role_grants}
        for role, grant in current.items():
            if role not in roles:
                user.role_grants.remove(grant)
        for role in roles - current.keys():
            user.role_grants.append(UserRole(role=role))
    return user
