"""An attempt from start to submission: autosave, history, restore, hints, the timer, submit.

Both journeys write answers through here: a practice attempt and an interview's
attempt share the workspace. Every function takes a session and plain values,
owns its transaction, and raises a domain error the web layer maps to a
status. No answer text is ever overwritten: each save is a new
``AnswerRevision``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, joinedload, load_only, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.attempts import shown
from app.attempts.policy import attempt_policy
from app.content.render import render_markdown
from app.db import INT_MAX, queue_after_commit, transaction, utcnow
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.grading.runs import request_run
from app.grading.signals import mark_answer
from app.kinds import AnswerRefused, get_kind
from app.kinds.scene import SceneRefused, check_scene
from app.models import (
    AnswerRevision,
    AnswerScene,
    Attempt,
    AttemptStatus,
    EvidenceReveal,
    HintReveal,
    Prompt,
    PromptRevision,
    RubricRevision,
    RunKind,
    User,
    answer_store,
)
from app.models.attempts import (
    NOT_LOADED,
    answer_digest,
    scene_digest,
    stored_text,
    text_window,
)
from app.pagination import Page, paginate
from app.vocabulary import AutoScorer, PromptStatus

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


def _window_query(html: bool, scene: bool):
    """Revision ``:number`` of attempt ``:attempt`` with the rows its text is stored in.

    The window's rows as plain values; the revision itself, as an object, only
    on its own row (an outer join on itself): building an object per row would
    cost more than reading it. Only the row that is the attempt's newest
    carries the HTML (a case, not a repeat), and only the revision's own row
    its scene's stored bytes (an outer join through the revision). Built once:
    the statement is the same for every revision.
    """
    target = aliased(AnswerRevision)
    number = bindparam("number")
    columns = [case((AnswerRevision.number == Attempt.revision_number, Attempt.answer_html))
               ] if html else []
    if scene:
        columns.append(AnswerScene.data)
    stmt = (select(AnswerRevision.chain, AnswerRevision.data, target, *columns)
            .join(Attempt, Attempt.id == AnswerRevision.attempt_id)
            .outerjoin(target, and_(target.id == AnswerRevision.id, target.number == number)))
    if scene:
        stmt = stmt.outerjoin(AnswerScene, AnswerScene.id == target.scene_id)
    return (stmt.where(*text_window(bindparam("attempt"), number))
            .order_by(AnswerRevision.number))


_WINDOW = {(html, scene): _window_query(html, scene)
           for html in (False, True) for scene in (False, True)}


def _load_revision(session: Session, attempt: Attempt, number: int, *,
                   html: bool, scene: bool = False) -> AnswerRevision | None:
    """Revision ``number`` with its text, read in one query with the rows it is stored as.

    The query reads the revision's snapshot and the deltas after it (at most
    ``SNAPSHOT_EVERY`` rows up to ``number``), with ``html`` the stored HTML of
    the attempt's newest revision, which only the newest one has, and with
    ``scene`` the revision's whiteboard scene (``scene_of`` then reads nothing).
    """
    rows = session.execute(_WINDOW[html, scene],
                           {"attempt": attempt.id, "number": number}).all()
    if not rows or rows[-1][2] is None:
        return None
    revision = rows[-1][2]
    if revision._text is None:
        revision.body = answer_store.decode((chain, data) for chain, data, *_ in rows)
    if html:
        revision.html = rows[-1][3]
    if scene:
        data = rows[-1][-1]
        revision._scene = AnswerScene.decode(data) if data is not None else None
    return revision


def scene_of(session: Session, revision: AnswerRevision | None) -> str | None:
    """The whiteboard scene a revision had, as its canonical JSON; None if it had none.

    Free when the revision was loaded with ``scene=True``; otherwise one query.
    """
    if revision is None or revision.scene_id is None:
        return None
    if revision._scene is NOT_LOADED:
        data = session.scalar(select(AnswerScene.data).where(AnswerScene.id == revision.scene_id))
        revision._scene = AnswerScene.decode(data) if data is not None else None
    return revision._scene  # type: ignore[return-value]


def newest_scene(session: Session, attempt: Attempt) -> str | None:
    """The scene of the attempt's newest revision, as its canonical JSON (None: no drawing),
    in one query that reads neither the text nor any other scene."""
    if attempt.revision_number == 0:
        return None
    data = session.scalar(
        select(AnswerScene.data)
        .join(AnswerRevision, AnswerRevision.scene_id == AnswerScene.id)
        .where(AnswerRevision.attempt_id == attempt.id,
               AnswerRevision.number == attempt.revision_number))
    return AnswerScene.decode(data) if data is not None else None


def latest_revision(session: Session, attempt: Attempt, *, html: bool = False,
                    text: bool = True, scene: bool = False) -> AnswerRevision | None:
    """The attempt's newest revision, with its text (unless not ``text``), with ``html`` its
    stored HTML and with ``scene`` its whiteboard scene, in one query."""
    if attempt.revision_number == 0:
        return None
    if not text and not html:  # its number and time only: no stored text is read
        return session.scalar(select(AnswerRevision).where(
            AnswerRevision.attempt_id == attempt.id,
            AnswerRevision.number == attempt.revision_number))
    return _load_revision(session, attempt, attempt.revision_number, html=html, scene=scene)


def _check_open(attempt: Attempt, now: datetime | None = None) -> None:
    if not attempt.is_open:
        raise AttemptClosed("This attempt was submitted; its answer can no longer change.")
    attempt_policy().check_open(attempt, now or utcnow())


def check_answer_scene(attempt: Attempt, scene: str | None) -> str | None:
    """A scene sent with a save, checked: its canonical JSON, "" to clear it, None if absent.

    Only kinds with a whiteboard take one; a refused scene is an ``Invalid``
    (a 422 with ``check_scene``'s message) and nothing is saved.
    """
    if scene is None:
        return None
    if not get_kind(attempt.prompt_revision.kind).whiteboard:
        raise Invalid("This kind of prompt has no whiteboard: send no scene.")
    if scene == "":
        return ""
    try:
        checked = check_scene(scene)
    except SceneRefused as refused:
        raise Invalid(f"Not saved: {refused.message}") from None
    # An empty board is no drawing: opening the whiteboard and drawing nothing (or
    # erasing everything) stores nothing and shows reviewers nothing.
    return checked if json.loads(checked)["elements"] else ""


def save_draft(session: Session, attempt: Attempt, *, body: str, based_on: int,
               client_id: str = "", now: datetime | None = None,
               scene: str | None = None) -> AnswerRevision:
    """Save ``body`` (and ``scene``) as the next revision, if it was based on the newest one.

    A save based on an older revision raises StaleRevision with the newest
    text and scene, unless every revision since was saved by the same editor
    (``client_id``): then it was this editor's own save whose reply was lost.
    ``scene`` is the whiteboard as JSON: None keeps the newest revision's
    scene, "" clears it. Saving the text and scene the newest revision already
    holds writes nothing. Line breaks are stored as LF, whichever the client sent.
    """
    _check_open(attempt, now)
    if not 0 <= based_on <= INT_MAX:
        raise Invalid("There is no such revision to build on. Reload the page.")
    # A form posts a textarea's line breaks as CRLF, while the page's autosave sends
    # them as the editor holds them (LF): the same text must be the same revision.
    body = body.replace("\r\n", "\n")
    size = len(body.encode("utf-8"))
    if size > ANSWER_MAX_BYTES:
        raise AnswerTooLarge(f"The answer is {size:,} bytes; the limit is "
                             f"{ANSWER_MAX_BYTES:,}. Nothing was saved; shorten it to save.")
    kind = get_kind(attempt.prompt_revision.kind)
    # The kind's own rules (a review must read as one); nothing is saved if they refuse.
    # Only such kinds load the prompt's files, which an autosave otherwise never reads.
    if kind.checks_answers:
        try:
            kind.check_body(body, attempt.prompt_revision.files)
        except AnswerRefused as refused:
            raise Invalid(f"Not saved: {refused}.") from None
    scene = check_answer_scene(attempt, scene)
    digest = answer_digest(body)
    # Markdown is rendered by a worker once the save commits (render_pending),
    # not here: rendering is most of a save's cost, and the newest text is all
    # that is ever rendered, so saves arriving faster than a worker renders
    # cost one render. Code is shown as text: nothing to render.
    renders = kind.renders_html
    html = None if renders else ""
    for _ in range(3):  # another save to the attempt got in between: look again
        # Decided before any lock, from the newest revision's number and digest:
        # revisions never change and numbers only grow, so an unchanged text or
        # a stale save is answered without writing.
        newest = _newest(session, attempt)
        current = newest.number if newest is not None else 0
        if based_on != current and not _own_lost_reply(session, attempt, based_on, current,
                                                        client_id):
            raise _stale(session, attempt, current)
        kept_scene = newest.scene_id if newest is not None else None
        # A scene sent is looked up by its digest: stored already (this or an
        # earlier revision had it), it is pointed at, never written twice.
        scene_id, new_scene = _scene_row(session, attempt, scene, kept_scene)
        if (newest is not None and newest.size == size and newest.body_digest == digest
                and new_scene is None and scene_id == kept_scene):
            return newest  # the text and scene it already holds: nothing to write
        previous = _text(session, attempt, current)
        data, chain = answer_store.encode(previous, newest.chain if newest else 0, body)
        try:
            revision = _write(session, attempt, current, AnswerRevision(
                attempt_id=attempt.id, number=current + 1, based_on=based_on, data=data,
                chain=chain, size=size, body_digest=digest, client_id=client_id[:64],
                scene_id=scene_id), html, new_scene)
        except IntegrityError:
            # transaction() has rolled the save back (only its savepoint, when a
            # caller's transaction holds this one): re-read and try again.
            session.refresh(attempt)
            continue
        if revision is not None:
            revision.body, revision.html = body, html
            if scene is not None:  # a scene kept from the newest revision is read when asked
                revision._scene = scene or None
            if renders:
                queue_render(session, attempt.id)
            return revision
    raise _stale(session, attempt, attempt.revision_number)


def _scene_row(session: Session, attempt: Attempt, scene: str | None,
               kept: int | None) -> tuple[int | None, AnswerScene | None]:
    """The scene id a save points at, and the row to add when the scene is new to the attempt.

    ``scene`` None keeps ``kept``; "" is no scene; a scene is found by its digest.
    """
    if scene is None:
        return kept, None
    if scene == "":
        return None, None
    found = session.scalar(select(AnswerScene.id).where(
        AnswerScene.attempt_id == attempt.id, AnswerScene.digest == scene_digest(scene)))
    if found is not None:
        return found, None
    return None, AnswerScene.of(attempt.id, scene)


def _newest(session: Session, attempt: Attempt) -> AnswerRevision | None:
    """The attempt's newest revision as the database has it now: its digest, not its text."""
    return session.scalar(
        select(AnswerRevision).where(AnswerRevision.attempt_id == attempt.id)
        .order_by(AnswerRevision.number.desc()).limit(1)
        .options(load_only(AnswerRevision.number, AnswerRevision.size, AnswerRevision.chain,
                           AnswerRevision.body_digest, AnswerRevision.created_at,
                           AnswerRevision.client_id, AnswerRevision.scene_id)))


def _text(session: Session, attempt: Attempt, number: int) -> str | None:
    """Revision ``number``'s text (None before the first), to store the next one as a delta of."""
    if not number:
        return None
    return stored_text(session, attempt.id, number)


def _stale(session: Session, attempt: Attempt, current: int) -> StaleRevision:
    """The conflict of a save not based on revision ``current``, carrying its text."""
    # Only a conflict reads the newest text back: the page shows it.
    newest = _load_revision(session, attempt, current, html=False, scene=True) if current else None
    if newest is not None:
        # Out of the session, so a rollback that follows does not expire the
        # revision the reply carries (its text is read already).
        session.expunge(newest)
    return StaleRevision(newest, current)


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


def _write(session: Session, attempt: Attempt, current: int, revision: AnswerRevision,
           html: str | None, scene: AnswerScene | None = None) -> AnswerRevision | None:
    """Add ``revision`` as the one after ``current``; None if the newest is no longer ``current``.

    One update advances the attempt's number from ``current`` and replaces the
    HTML (None: a worker renders it once this commits): like ``_claim`` it
    holds the attempt (row lock on PostgreSQL, writer lock on SQLite) until
    the insert commits, and it matches no row if
    another save got in since the number was read, or the attempt was
    submitted meanwhile (AttemptClosed). ``scene``, a scene new to the
    attempt, is added first and the revision points at it; the same scene
    added by a save in between breaks the unique digest, and the caller reads
    again.
    """
    with transaction(session):
        advanced = session.scalar(
            update(Attempt)
            .where(Attempt.id == attempt.id, Attempt.status == AttemptStatus.IN_PROGRESS,
                   Attempt.revision_number == current)
            .values(revision_number=current + 1, answer_html=html)
            .returning(Attempt.revision_number)
            .execution_options(synchronize_session=False))
        if advanced is None:
            _claim(session, attempt)  # raises AttemptClosed if that is why
            return None
        if scene is not None:
            session.add(scene)
            session.flush()
            revision.scene_id = scene.id
        session.add(revision)
        session.flush()
    set_committed_value(attempt, "revision_number", current + 1)
    set_committed_value(attempt, "answer_rendered", html is not None)
    return revision


def queue_render(session: Session, attempt_id: int) -> None:
    """Have a worker render the attempt's newest answer once the transaction commits.

    Without the app's queue (a script's session) the HTML stays pending until
    the answer is submitted, which renders it; pages show the text meanwhile.
    """
    queue_after_commit(session, lambda queue: queue.enqueue_render(attempt_id))


def render_pending(session: Session, attempt_id: int) -> bool:
    """Render the attempt's newest revision and store its HTML, if that is still pending.

    A worker's job (``queue_render``). The HTML is stored only if no save came
    in while it rendered (that save queued its own job), so it always belongs
    to the newest revision. True if it stored HTML.
    """
    # Three values, not the attempt and its prompt revision (whose files can be large):
    # a worker runs this for every save.
    row = session.execute(
        select(Attempt.revision_number, Attempt.answer_rendered, PromptRevision.kind)
        .join(PromptRevision, PromptRevision.id == Attempt.prompt_revision_id)
        .where(Attempt.id == attempt_id)).one_or_none()
    if row is None or row.answer_rendered or row.revision_number == 0:
        return False
    kind, number = get_kind(row.kind), row.revision_number
    text = stored_text(session, attempt_id, number)
    # End the read: no transaction (nor SQLite read snapshot, which a later
    # write could not upgrade) is held while it renders.
    session.commit()
    html = kind.stored_html(text, render_markdown)
    with transaction(session):
        stored = session.execute(
            update(Attempt)
            .where(Attempt.id == attempt_id, Attempt.revision_number == number,
                   Attempt.answer_html.is_(None))
            .values(answer_html=html)
            .execution_options(synchronize_session=False)).rowcount
    return bool(stored)


def _own_lost_reply(session: Session, attempt: Attempt, based_on: int, current: int,
                    client_id: str) -> bool:
    """True if every revision after ``based_on`` was saved by this editor (its reply was lost)."""
    if not client_id or not 0 <= based_on < current:
        return False
    other = session.scalar(select(AnswerRevision.id).where(
        AnswerRevision.attempt_id == attempt.id, AnswerRevision.number > based_on,
        AnswerRevision.client_id != client_id).limit(1))
    return other is None


def stored_answer_bytes(session: Session, attempt: Attempt) -> int:
    """Bytes the attempt's answer takes: every revision's stored text, every scene it stored
    and the newest revision's HTML."""
    data = session.scalar(select(func.coalesce(func.sum(func.length(AnswerRevision.data)), 0))
                          .where(AnswerRevision.attempt_id == attempt.id))
    scenes = session.scalar(select(func.coalesce(func.sum(func.length(AnswerScene.data)), 0))
                            .where(AnswerScene.attempt_id == attempt.id))
    html = session.scalar(select(Attempt.answer_html).where(Attempt.id == attempt.id))
    return int(data) + int(scenes) + len((html or "").encode("utf-8"))


def list_revisions(session: Session, attempt: Attempt, *, page: int = 1) -> Page[AnswerRevision]:
    stmt = (select(AnswerRevision).where(AnswerRevision.attempt_id == attempt.id)
            .order_by(AnswerRevision.number.desc()))
    return paginate(session, stmt, number=page, per_page=REVISIONS_PER_PAGE)


def get_revision(session: Session, attempt: Attempt, number: int, *,
                 html: bool = False, scene: bool = False) -> AnswerRevision:
    """One revision of the attempt with its text, in one query.

    ``html`` also loads the stored HTML, which only the attempt's newest
    revision has: an older one's ``html`` stays None and pages show its text.
    ``scene`` also loads its whiteboard scene (``scene_of``).
    """
    revision = (_load_revision(session, attempt, number, html=html, scene=scene)
                if 0 < number <= INT_MAX else None)
    if revision is None:
        raise NotFound("There is no such revision.")
    return revision


def restore_revision(session: Session, attempt: Attempt, number: int) -> AnswerRevision:
    """Make an earlier revision's text and scene the newest, as a new revision (history is kept)."""
    _check_open(attempt)
    old = get_revision(session, attempt, number)
    # An older revision keeps no HTML: render its text again, here (a POST,
    # before the lock). Stored as a snapshot: a restore is rare and usually
    # far from the text it replaces, so a delta would save little.
    html = get_kind(attempt.prompt_revision.kind).stored_html(old.body, render_markdown)
    with transaction(session):
        current = _claim(session, attempt)
        revision = AnswerRevision(attempt_id=attempt.id, number=current + 1, based_on=current,
                                  data=answer_store.snapshot(old.body), chain=0,
                                  size=old.size, body_digest=old.body_digest,
                                  client_id="restore", restored_from=old.number,
                                  scene_id=old.scene_id)
        session.add(revision)
        attempt.revision_number = current + 1
        attempt.answer_html = html
    set_committed_value(attempt, "answer_rendered", True)
    revision.body, revision.html = old.body, html
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
                            elapsed_seconds=attempt.elapsed_seconds(now), revealed_at=now)
        attempt.hint_reveals.append(reveal)
    return reveal


def reveal_evidence(session: Session, attempt: Attempt, key: str, *,
                    now: datetime | None = None) -> EvidenceReveal:
    """Show an incident's evidence item to its candidate and record which and when; asking
    again for one already shown returns the first record."""
    _check_open(attempt)
    attempt_policy().check_access(session, attempt)
    kind = get_kind(attempt.prompt_revision.kind)
    # Only kinds scored on evidence have any; their page view is the list of items.
    items = ({item.key: item for item in kind.page_view(attempt.prompt_revision.files)}
             if AutoScorer.EVIDENCE in kind.auto_scorers else {})
    item = items.get(key)
    if item is None:
        raise NotFound("This prompt has no such evidence.")
    shown = {r.evidence_key: r for r in attempt.evidence_reveals}
    if key in shown:
        return shown[key]
    if item.after is not None and item.after not in shown:
        raise NotAllowed(f"Ask for “{items[item.after].title}” first.")
    now = now or utcnow()
    reveal = EvidenceReveal(attempt_id=attempt.id, evidence_key=key, revealed_at=now,
                            elapsed_seconds=attempt.elapsed_seconds(now))
    try:
        with transaction(session):
            attempt.evidence_reveals.append(reveal)
    except IntegrityError:
        # Another request (a double click, a second tab) recorded it a moment ago.
        session.expire(attempt, ["evidence_reveals"])
        return next(r for r in attempt.evidence_reveals if r.evidence_key == key)
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
    if kind.renders_html and answer is not None and answer.html is None:
        # Its worker has not rendered it yet: the submission does, once.
        answer.html = attempt.answer_html = kind.stored_html(answer.body, render_markdown)
    attempt.result_html, attempt.result_signals = mark_answer(
        shown.answer_html(attempt.prompt_revision, answer), answer.body if answer else "",
        [(c.id, c.signals) for c in attempt.rubric_revision.criteria])


def submit_attempt(session: Session, attempt: Attempt, *, body: str | None = None,
                   based_on: int | None = None, client_id: str = "",
                   now: datetime | None = None, by_server: bool = False,
                   scene: str | None = None) -> Attempt:
    """Save the final text (if given, with ``scene`` as ``save_draft`` takes it), stop the timer
    and freeze the answer, in one transaction.

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
                       client_id=client_id, scene=scene)
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
