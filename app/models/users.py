"""People, the roles they hold, their signed-in sessions and their single sign-on identities."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, enum_by_value, utcnow


class Role(enum.StrEnum):
    """What a person may do. A person may hold several roles."""

    CANDIDATE = "candidate"
    INTERVIEWER = "interviewer"
    AUTHOR = "author"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# The password hash of an account created by single sign-on: not a Werkzeug
# hash (no "$"), so no password ever matches it.
NO_PASSWORD = "!sso"  # noqa: S105 - a marker, not a password


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Loaded only when asked for: most users a page loads are shown, not checked.
    # The signed-in user's roles come with its session row (load_signed_in_user),
    # and lists that show roles load them for the whole page at once.
    role_grants: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="select"
    )

    # Set by the session loader: the token of the sign-in this request uses.
    # Flask-Login stores get_id() in the cookie, so the cookie names a server
    # session that logout and password changes can end.
    session_token = None  # str | None; per instance, never stored

    @property
    def has_password(self) -> bool:
        """False for an account made by single sign-on, whose hash no password matches."""
        return not self.password_hash.startswith(NO_PASSWORD)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(grant.role for grant in self.role_grants)

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    # Flask-Login's user protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_by_value(Role), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="role_grants")


class UserSession(Base):
    """One sign-in on one device. Only a hash of its token is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()


class UserIdentity(Base):
    """A person's account at an OpenID Connect provider, linked to one Archboard account.

    The provider names a person by (issuer, subject), which never changes; the
    email is only what the provider last said, shown on the account page.
    """

    __tablename__ = "user_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
