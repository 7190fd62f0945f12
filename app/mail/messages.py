"""What each email says: short, plain text, one link. Plain functions, no Flask."""

from __future__ import annotations

import re
from dataclasses import dataclass

REDACTED_LINK = "[link removed after delivery]"
_LINK = re.compile(r"https?://\S+")
SIGNATURE = "\n-- \nArchboard\n"


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def redact_links(body: str) -> str:
    """The body with every link replaced, so a delivered reset link is not kept."""
    return _LINK.sub(REDACTED_LINK, body)


def _hours(hours: int) -> str:
    return "1 hour" if hours == 1 else f"{hours} hours"


def password_reset(name: str, link: str, *, hours: int) -> Message:
    """The reset link for someone who asked for it."""
    return Message(
        "Reset your Archboard password",
        f"Hello {name},\n\n"
        "Someone asked to reset the password of your Archboard account. To choose a new "
        "password, open this link:\n\n"
        f"{link}\n\n"
        f"The link works once and for {_hours(hours)}. Choosing a new password signs you "
        "out everywhere else.\n\n"
        "If you did not ask for this, ignore this email: your password stays as it is.\n"
        + SIGNATURE)


def invitation(candidate: str, inviter: str, title: str, link: str) -> Message:
    """The candidate's invitation, carrying the invite link."""
    return Message(
        f"Interview invitation: {title}"[:200],
        f"Hello {candidate},\n\n"
        f"{inviter} has invited you to an interview on Archboard: {title}.\n\n"
        "Open this link to accept the invitation (sign in or create an account with this "
        "address), then start when you are ready:\n\n"
        f"{link}\n\n"
        "The link is yours alone: do not forward it.\n"
        + SIGNATURE)


def panel_added(reviewer: str, owner: str, title: str, link: str) -> Message:
    """A reviewer was seated on a panel."""
    return Message(
        f"You are on the panel of {title}"[:200],
        f"Hello {reviewer},\n\n"
        f"{owner} has added you to the panel of the interview {title}.\n\n"
        "You will score the candidate's answers on your scorecard once they are in. "
        "The interview's page:\n\n"
        f"{link}\n"
        + SIGNATURE)


def feedback_released(candidate: str, title: str, link: str) -> Message:
    """The candidate's feedback can be read."""
    return Message(
        f"Your feedback is ready: {title}"[:200],
        f"Hello {candidate},\n\n"
        f"The panel of your interview {title} has released its feedback to you.\n\n"
        "Read it here (sign in with the account you interviewed with):\n\n"
        f"{link}\n"
        + SIGNATURE)


def scorecard_due(reviewer: str, title: str, hours: int, link: str) -> Message:
    """A reminder to a reviewer whose scorecard is still open."""
    return Message(
        f"Scorecard due: {title}"[:200],
        f"Hello {reviewer},\n\n"
        f"The candidate of {title} submitted their answers more than {_hours(hours)} ago, "
        "and your scorecard is not submitted yet. The decision waits for every "
        "scorecard.\n\n"
        "Score and submit it here:\n\n"
        f"{link}\n"
        + SIGNATURE)
