"""The rules a journey adds to an attempt, behind one seam the lifecycle calls.

The lifecycle (``app.attempts.lifecycle``) saves, restores, reveals hints, runs
the timer and submits. Whether the attempt's time is up, whether hints are on,
whether its timer may pause, whether practice is closed while an interview is
pending, and what follows a submission are rules of the journey the attempt
belongs to. They reach the lifecycle through one policy, ``attempt_policy()``, whose
methods are given the attempt.

The default is practice's: no deadline, hints on, a timer that pauses, nothing
locked and nothing after. The interviews package registers its own policy when
the app is set up (``register``), so this package never imports it: the
dependency points from the journey down to the attempt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from app.models import Attempt


class AttemptPolicy(Protocol):
    """What the lifecycle asks of the journey an attempt belongs to."""

    def check_open(self, attempt: Attempt, now: datetime) -> None:
        """Raise ``TimeUp`` once the attempt's time (and its grace) is over."""

    def check_hints(self, attempt: Attempt) -> None:
        """Raise ``NotAllowed`` when the attempt may not reveal hints."""

    def check_timer(self, attempt: Attempt) -> None:
        """Raise ``NotAllowed`` when the attempt's timer may not be paused or resumed."""

    def check_access(self, session: Session, attempt: Attempt) -> None:
        """Raise ``NotAllowed`` while the attempt's pages would show what must stay hidden."""

    def check_practice(self, session: Session, user_id: int, prompt_id: int,
                       rubric_id: int | None) -> None:
        """Raise ``NotAllowed`` while ``user_id`` may not start practice on this prompt."""

    def close_when_due(self, session: Session, attempt: Attempt) -> list[int]:
        """Submit the attempt (and what it belongs to) if its time is up; the runs it requested."""

    def after_submit(self, session: Session, attempt: Attempt, *, now: datetime) -> None:
        """What follows the candidate submitting the attempt."""


class PracticePolicy:
    """A practice attempt's rules: no deadline, hints on, the timer pauses, nothing after."""

    def check_open(self, attempt: Attempt, now: datetime) -> None:
        return None

    def check_hints(self, attempt: Attempt) -> None:
        return None

    def check_timer(self, attempt: Attempt) -> None:
        return None

    def check_access(self, session: Session, attempt: Attempt) -> None:
        return None

    def check_practice(self, session: Session, user_id: int, prompt_id: int,
                       rubric_id: int | None) -> None:
        return None

    def close_when_due(self, session: Session, attempt: Attempt) -> list[int]:
        return []

    def after_submit(self, session: Session, attempt: Attempt, *, now: datetime) -> None:
        return None


_registered: AttemptPolicy = PracticePolicy()


def register(policy: AttemptPolicy) -> None:
    """Make ``policy`` the one every attempt follows (the app's set-up calls this once)."""
    global _registered
    _registered = policy


def attempt_policy() -> AttemptPolicy:
    """The policy every attempt follows; its methods read the attempt they are given."""
    return _registered
