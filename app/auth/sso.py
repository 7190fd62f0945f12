"""Single sign-on: who a verified OpenID Connect sign-in is in Archboard.

The provider has already proved the person (the ID token's signature, issuer,
audience, nonce and expiry are checked by ``app.auth.oidc``); this module
decides which account that person is, by these rules:

- a person is known by (issuer, subject), which the provider never reassigns;
  their email may change at the provider and the link still holds;
- an email the provider says is unverified (``email_verified`` false) is
  refused outright, and so is one outside ``OIDC_ALLOWED_DOMAINS`` when that is set;
- an existing password account is joined by its email only when the provider
  verified that email (``email_verified`` true) and its domain is one of
  ``OIDC_ALLOWED_DOMAINS``; the identity is then linked for next time;
- otherwise a first sign-in creates a candidate account (``OIDC_AUTO_CREATE``);
- a sign-in never grants a role, and a switched-off account stays out;
- a person may remove a link from their account page, unless it is their only
  way in (no password and no other link).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.services import DISPLAY_NAME_MAX, find_user, new_user, normalise_email
from app.db import transaction, utcnow
from app.errors import Conflict, NotAllowed, NotFound
from app.models import NO_PASSWORD, Role, User, UserIdentity

SUBJECT_MAX = 255
EMAIL_MAX = 254


class SignInRefused(NotAllowed):
    """A sign-in the rules refuse: ``message`` is for the person, ``reason`` for the log."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class LastWayIn(Conflict):
    """Removing this link would leave the account with no way to sign in."""


def email_domain(email: str) -> str:
    """The part of ``email`` after its last @, lower-cased ('' if there is none)."""
    return email.rpartition("@")[2].lower() if "@" in email else ""


def _display_name(claims: Mapping[str, Any], email: str) -> str:
    for key in ("name", "preferred_username"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:DISPLAY_NAME_MAX]
    return (email.partition("@")[0] or "New person")[:DISPLAY_NAME_MAX]


def _read_claims(claims: Mapping[str, Any]) -> tuple[str, str, bool | None]:
    """The subject, the normalised email ('' if none) and email_verified (None if absent)."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > SUBJECT_MAX:
        raise SignInRefused("Your identity provider did not say who you are.",
                            reason="no usable sub claim")
    email = claims.get("email")
    email = normalise_email(email) if isinstance(email, str) else ""
    if len(email) > EMAIL_MAX or (email and "@" not in email):
        email = ""
    verified = claims.get("email_verified")
    if verified is not None and not isinstance(verified, bool):
        # Some providers send the claim as a string; anything but true is not a yes.
        verified = str(verified).strip().lower() == "true"
    return subject, email, verified


def sign_in_with_provider(
    session: Session,
    *,
    issuer: str,
    claims: Mapping[str, Any],
    allowed_domains: Sequence[str] = (),
    auto_create: bool = True,
    now: datetime | None = None,
) -> User:
    """The account for a verified provider sign-in, linking or creating it; else SignInRefused."""
    subject, email, verified = _read_claims(claims)
    now = now or utcnow()
    if verified is False:
        raise SignInRefused(
            "Your identity provider has not verified your email address yet. "
            "Verify it there, then sign in again.", reason="email_verified is false")
    if allowed_domains and email_domain(email) not in allowed_domains:
        raise SignInRefused(
            "Single sign-on is not open to your email address's domain. "
            "Ask an administrator.", reason=f"domain {email_domain(email)!r} not allowed")
    try:
        with transaction(session):
            user = _find_or_make(session, issuer=issuer, subject=subject, email=email,
                                 verified=verified, allowed_domains=allowed_domains,
                                 auto_create=auto_create, claims=claims, now=now)
    except IntegrityError as error:
        # The same person's first sign-in finished at the same moment elsewhere
        # (or the email was taken meanwhile): ask them to try once more.
        raise SignInRefused("That sign-in crossed another one. Please try again.",
                            reason="concurrent first sign-in") from error
    return user


def _check_active(user: User) -> None:
    # Before anything is written: a switched-off account gains no link nor use.
    if not user.is_active:
        raise SignInRefused("This account is switched off. Ask an administrator.",
                            reason=f"account {user.id} is inactive")


def _find_or_make(session: Session, *, issuer: str, subject: str, email: str,
                  verified: bool | None, allowed_domains: Sequence[str],
                  auto_create: bool, claims: Mapping[str, Any], now: datetime) -> User:
    identity = session.scalar(select(UserIdentity).where(
        UserIdentity.issuer == issuer, UserIdentity.subject == subject))
    if identity is not None:
        _check_active(identity.user)
        identity.last_used_at = now
        if email:
            identity.email = email
        return identity.user

    existing = find_user(session, email) if email else None
    if existing is not None:
        # An email alone is a weak claim: join it to a password account only
        # when the provider verified it and the domain is one we trust it for.
        if not (verified is True and email_domain(email) in allowed_domains):
            why = "not verified" if verified is not True else "domain not in the allowed list"
            raise SignInRefused(
                "An account already uses this email address, and your identity provider "
                "cannot vouch for it here. Sign in with your password instead.",
                reason=f"email of account {existing.id} matched but {why}")
        _check_active(existing)
        user = existing
    elif not auto_create:
        raise SignInRefused("There is no Archboard account for you yet. Ask an administrator.",
                            reason="no account and OIDC_AUTO_CREATE is off")
    elif not email:
        raise SignInRefused("Your identity provider did not give an email address, which "
                            "a new account needs.", reason="no email claim")
    else:
        # The default role only: every other role is granted in Archboard.
        user = new_user(email, _display_name(claims, email), NO_PASSWORD, (Role.CANDIDATE,))
        session.add(user)
    session.add(UserIdentity(user=user, issuer=issuer, subject=subject, email=email,
                             created_at=now, last_used_at=now))
    return user


def identities(session: Session, user: User) -> list[UserIdentity]:
    """The provider accounts linked to ``user``, oldest first."""
    return list(session.scalars(
        select(UserIdentity).where(UserIdentity.user_id == user.id)
        .order_by(UserIdentity.created_at, UserIdentity.id)))


def unlink(session: Session, user: User, identity_id: int) -> UserIdentity:
    """Remove one of ``user``'s own provider links and return it.

    NotFound for an id that is not one of theirs; LastWayIn when it is the only
    way in left (no password and no other link). The account's row is locked
    first, so two removals at once cannot both pass that check.
    """
    with transaction(session):
        session.execute(select(User.id).where(User.id == user.id).with_for_update())
        identity = session.scalar(select(UserIdentity).where(
            UserIdentity.id == identity_id, UserIdentity.user_id == user.id))
        if identity is None:
            raise NotFound("There is no such sign-in method on your account.")
        others = session.scalar(select(func.count()).select_from(UserIdentity).where(
            UserIdentity.user_id == user.id, UserIdentity.id != identity.id))
        if not user.has_password and not others:
            raise LastWayIn(
                "This is the only way into your account, so it stays. To remove it, first "
                "give the account a password: sign out and use \"Forgot your password?\" "
                "on the sign-in page.")
        session.delete(identity)
    return identity
