"""An attempt from start to submission: autosave, history, restore, hints, the timer, submit.

Both journeys write answers through here: a practice attempt and an interview's
attempt share the workspace. Every function takes a session and plain values,
owns its transaction, and raises a domain error the web layer maps to a
status. No answer text is ever overwritten: each save is a new
``AnswerRevision``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, load_only, selectinload, undefer

from app.attempts.policy import attempt_policy
from app.content.render import render_markdown
from app.db import INT_MAX, transaction, utcnow
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.grading.runs import request_run
from app.grading.signals import mark_answer
from app.kinds import get_kind
from app.models import (
    AnswerRevision,
    Attempt,
    AttemptStatus,
    HintReveal,
    Prompt,
    PromptRevision,
    RubricRevision,
    RunKind,
    User,
)
from app.models.attempts import answer_digest
from app.pagination import Page, paginate
from app.vocabulary import PromptStatus

ANSWER_MAX_BYTES = 200_000
REVISIONS_PER_PAGE = 25


class AnswerTooLarge(Invalid):
    """An answer over the size limit; nothing was saved."""

    status = 413


class StaleRevision(Conflict):
    """A save based on an older revision than the newest one (another tab or device)."""

    def __init__(self, current: AnswerRevision | None, number: int) -> None:
        super().__init__("This answer was changed elsewhere since you loaded it.")
        self.current = current
        self.number = number


class AttemptClosed(Conflict):
    """The attempt was submitted; its answer is frozen."""


class TimeUp(AttemptClosed):
    """An interview's deadline (plus its grace) has passed: the server takes no more saves."""


def published():
    """Prompts a candidate may start: on disk, published, with a current revision."""
    return and_(Prompt.retired_at.is_(None), PromptRevision.status == PromptStatus.PUBLISHED)


def get_own_attempt(session: Session, user: User, attempt_id: int) -> Attempt:
    """The user's attempt, with its prompt and rubric revisions; NotFound if it is not theirs."""
    # The one-to-one relations join into the attempt's own query; the lists
    # (hints revealed, criteria) follow in one query each.
    return _load_own(session, user, attempt_id,
                     joinedload(Attempt.prompt_revision), joinedload(Attempt.prompt),
                     joinedload(Attempt.interview), selectinload(Attempt.hint_reveals),
                     joinedload(Attempt.rubric_revision).selectinload(RubricRevision.criteria))


def get_attempt_to_save(session: Session, user: User, attempt_id: int) -> Attempt:
    """The user's attempt with only what saving reads of it, in one query; NotFound if not theirs.

    Saving needs the attempt's row, its kind (how the HTML is stored), its
    interview (the deadline) and, for the access rule, its rubric; not the
    prompt's text, the rubric's criteria or the hints that ``get_own_attempt``
    loads for the pages.
    """
    return _load_own(session, user, attempt_id,
                     joinedload(Attempt.prompt_revision).load_only(PromptRevision.kind),
                     joinedload(Attempt.rubric_revision).load_only(RubricRevision.rubric_id),
                     joinedload(Attempt.interview))


def _load_own(session: Session, user: User, attempt_id: int, *options: Any) -> Attempt:
    """The user's attempt loaded with ``options``, after the policy's access rule."""
    attempt = session.scalar(
        select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == user.id)
        .options(*options))
    if attempt is None:  # someone else's attempt is reported as missing, not forbidden
        raise NotFound("There is no such attempt.")
    # Every page and action of an attempt goes through here, so a practice
    # attempt begun before an interview cannot show its hints during it.
    attempt_policy().check_access(session, attempt)
    return attempt


def _revision_query(html: bool):
    """Answer revisions, with their stored HTML loaded too if ``html`` (it is deferred)."""
    query = select(AnswerRevision)
    return query.options(undefer(AnswerRevision.html)) if html else query


def latest_revision(session: Session, attempt: Attempt, *,
                    html: bool = False) -> AnswerRevision | None:
    """The attempt's newest revision; ``html`` loads its stored HTML in the same query."""
    if attempt.revision_number == 0:
        return None
    return session.scalar(_revision_query(html).where(
        AnswerRevision.attempt_id == attempt.id,
        AnswerRevision.number == attempt.revision_number))


def _check_open(attempt: Attempt, now: datetime | None = None) -> None:
    if not attempt.is_open:
        raise AttemptClosed("This attempt was submitted; its answer can no longer change.")
    attempt_policy().check_open(attempt, now or utcnow())


def save_draft(session: Session, attempt: Attempt, *, body: str, based_on: int,
               client_id: str = "", now: datetime | None = None) -> AnswerRevision:
    """Save ``body`` as the next revision, if it was based on the newest one.

    A save based on an older revision raises StaleRevision with the newest
    text, unless every revision since was saved by the same editor
    (``client_id``): then it was this editor's own save whose reply was lost.
    Saving the text the newest revision already holds writes nothing.
    """
    _check_open(attempt, now)
    if not 0 <= based_on <= INT_MAX:
        raise Invalid("There is no such revision to build on. Reload the page.")
    size = len(body.encode("utf-8"))
    if size > ANSWER_MAX_BYTES:
        raise AnswerTooLarge(f"The answer is {size:,} bytes; the limit is "
                             f"{ANSWER_MAX_BYTES:,}. Nothing was saved; shorten it to save.")
    # Rendered once, here, and stored with the revision: pages only read it
    # (code is shown as text and stores none). Before the transaction, so no
    # lock is held while it renders.
    html = get_kind(attempt.prompt_revision.kind).stored_html(body, render_markdown)
    digest = answer_digest(body)
    for _ in range(3):  # a unique-number race with another save: re-check and retry
        try:
            return _save_once(session, attempt, body, html, digest, based_on, client_id, size)
        except IntegrityError:
            # transaction() has rolled the save back (only its savepoint, when a
            # caller's transaction holds this one): re-read and try again.
            session.refresh(attempt)
    raise StaleRevision(latest_revision(session, attempt), attempt.revision_number)


def _claim(session: Session, attempt: Attempt) -> int:
    """Take the open attempt for writing; its newest revision number, read by the same statement.

    Writing first (an update that changes nothing) holds the attempt's row on
    PostgreSQL and the database's one writer lock on SQLite until the caller's
    transaction ends, so saves, restores and submits to one attempt take turns,
    and a save never lands after the answer was submitted. A plain SELECT
    ... FOR UPDATE would not do on SQLite, which reads before it locks. The
    number comes back with RETURNING, so it is the one the lock holds.
    """
    current = session.scalar(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == AttemptStatus.IN_PROGRESS)
        .values(revision_number=Attempt.revision_number)
        .returning(Attempt.revision_number)
        .execution_options(synchronize_session=False))
    if current is None:  # submitted meanwhile (another tab, or the interview's deadline)
        raise AttemptClosed("This attempt was submitted; its answer can no longer change.")
    return current


def _newest(session: Session, attempt: Attempt, number: int, *,
            text: bool) -> AnswerRevision | None:
    """Revision ``number`` of the attempt; without ``text``, its digest but not its body."""
    if not number:
        return None
    query = select(AnswerRevision).where(AnswerRevision.attempt_id == attempt.id,
                                         AnswerRevision.number == number)
    if text:  # filled in even if a copy without the body is in the session already
        query = query.execution_options(populate_existing=True)
    else:
        query = query.options(load_only(AnswerRevision.number, AnswerRevision.size,
                                        AnswerRevision.body_digest, AnswerRevision.created_at,
                                        AnswerRevision.client_id))
    return session.scalar(query)


def _own_lost_reply(session: Session, attempt: Attempt, based_on: int, current: int,
                    client_id: str) -> bool:
    """True if every revision after ``based_on`` was saved by this editor (its reply was lost)."""
    if not client_id or not 0 <= based_on < current:
        return False
    other = session.scalar(select(AnswerRevision.id).where(
        AnswerRevision.attempt_id == attempt.id, AnswerRevision.number > based_on,
        AnswerRevision.client_id != client_id).limit(1))
    return other is None


def _save_once(session: Session, attempt: Attempt, body: str, html: str, digest: str,
               based_on: int, client_id: str, size: int) -> AnswerRevision:
    with transaction(session):
        current = _claim(session, attempt)
        if based_on != current and not _own_lost_reply(session, attempt, based_on, current,
                                                        client_id):
            # Only a conflict reads the newest text back: the page shows it.
            newest = _newest(session, attempt, current, text=True)
            if newest is not None:
                # Out of the session, so the rollback that follows does not expire
                # the text the reply carries (reading it again is one more query).
                session.expunge(newest)
            raise StaleRevision(newest, current)
        newest = _newest(session, attempt, current, text=False)
        if newest is not None and newest.size == size and newest.body_digest == digest:
            return newest  # the text it already holds: nothing to write
        revision = AnswerRevision(attempt_id=attempt.id, number=current + 1, based_on=based_on,
                                  body=body, html=html, size=size, body_digest=digest,
                                  client_id=client_id[:64])
        session.add(revision)
        attempt.revision_number = current + 1
        session.flush()
    return revision


def list_revisions(session: Session, attempt: Attempt, *, page: int = 1) -> Page[AnswerRevision]:
    stmt = (select(AnswerRevision).where(AnswerRevision.attempt_id == attempt.id)
            .order_by(AnswerRevision.number.desc()))
    return paginate(session, stmt, number=page, per_page=REVISIONS_PER_PAGE)


def get_revision(session: Session, attempt: Attempt, number: int, *,
                 html: bool = False) -> AnswerRevision:
    """One revision of the attempt; ``html`` loads its stored HTML in the same query."""
    revision = session.scalar(_revision_query(html).where(
        AnswerRevision.attempt_id == attempt.id, AnswerRevision.number == number))
    if revision is None:
        raise NotFound("There is no such revision.")
    return revision


def restore_revision(session: Session, attempt: Attempt, number: int) -> AnswerRevision:
    """Make an earlier revision's text the newest, as a new revision (history is kept)."""
    _check_open(attempt)
    old = get_revision(session, attempt, number, html=True)
    with transaction(session):
        current = _claim(session, attempt)
        revision = AnswerRevision(attempt_id=attempt.id, number=current + 1, based_on=current,
                                  body=old.body, html=old.html, size=old.size,
                                  body_digest=old.body_digest,
                                  client_id="restore", restored_from=old.number)
        session.add(revision)
        attempt.revision_number = current + 1
    return revision


def reveal_hint(session: Session, attempt: Attempt, *, now: datetime | None = None) -> HintReveal:
    """Reveal the next hint and record when (wall clock and timer)."""
    _check_open(attempt)
    policy = attempt_policy()
    policy.check_hints(attempt)
    policy.check_access(session, attempt)
    hints = attempt.prompt_revision.hints
    shown = len(attempt.hint_reveals)
    if shown >= len(hints):
        raise NotAllowed("Every hint for this prompt is already shown.")
    now = now or utcnow()
    with transaction(session):
        reveal = HintReveal(attempt_id=attempt.id, hint_index=shown,
                            elapsed_seconds=attempt.elapsed_seconds(now))
        attempt.hint_reveals.append(reveal)
    return reveal


def set_timer(session: Session, attempt: Attempt, *, running: bool,
              now: datetime | None = None) -> Attempt:
    """Pause or resume the attempt's timer. Time running out never changes the answer."""
    _check_open(attempt)
    attempt_policy().check_timer(attempt)
    now = now or utcnow()
    with transaction(session):
        if running and attempt.timer_started_at is None:
            attempt.timer_started_at = now
        elif not running and attempt.timer_started_at is not None:
            attempt.timer_seconds = attempt.elapsed_seconds(now)
            attempt.timer_started_at = None
    return attempt


def _store_result(session: Session, attempt: Attempt) -> None:
    """Store what the result page shows of the frozen answer: its marked HTML and signals.

    The answer and the rubric revision never change after submission, so this
    is computed once, here, and never on a view.
    """
    kind = get_kind(attempt.prompt_revision.kind)
    answer = latest_revision(session, attempt, html=kind.renders_html)
    attempt.result_html, attempt.result_signals = mark_answer(
        kind.answer_html(answer), answer.body if answer else "",
        [(c.id, c.signals) for c in attempt.rubric_revision.criteria])


def submit_attempt(session: Session, attempt: Attempt, *, body: str | None = None,
                   based_on: int | None = None, client_id: str = "",
                   now: datetime | None = None, by_server: bool = False) -> Attempt:
    """Save the final text (if given), stop the timer and freeze the answer, in one transaction.

    ``by_server`` is the interview clock closing the attempt: no deadline check
    and an empty answer is allowed (the candidate wrote nothing). A submission
    by the candidate also asks for the hidden tests of a kind that has them,
    and is followed by what the attempt's policy says (an interview is
    submitted once every one of its attempts is); all of it commits together,
    and the run reaches the queue only then.
    """
    now = now or utcnow()
    if by_server:
        if not attempt.is_open:
            return attempt
    else:
        _check_open(attempt, now)
    with transaction(session):
        if body is not None:
            save_draft(session, attempt, body=body,
                       based_on=attempt.revision_number if based_on is None else based_on,
                       client_id=client_id)
        if attempt.revision_number == 0 and not by_server:
            raise Invalid("Write an answer before submitting.")
        # Write first, then read: the update waits for a save holding the row
        # (PostgreSQL) or for the writer lock (SQLite), so a save in flight is
        # part of the answer, no save lands after it, and the refresh reads the
        # revision number the answer was frozen at. Already submitted (another
        # tab, or the clock): nothing changes.
        frozen = session.execute(
            update(Attempt)
            .where(Attempt.id == attempt.id, Attempt.status == AttemptStatus.IN_PROGRESS)
            .values(status=AttemptStatus.SUBMITTED, submitted_at=now, timer_started_at=None,
                    timer_seconds=attempt.elapsed_seconds(now))
            .execution_options(synchronize_session=False)).rowcount
        session.refresh(attempt)
        if frozen:
            _store_result(session, attempt)
        if not by_server and frozen:
            if get_kind(attempt.prompt_revision.kind).runs_tests:
                request_run(session, attempt, RunKind.HIDDEN)
            attempt_policy().after_submit(session, attempt, now=now)
    return attempt
