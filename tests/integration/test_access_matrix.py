"""The access matrix: every route, by every method, asked by seven people about real objects.

Every (endpoint, method) pair of ``app.url_map`` (HEAD and OPTIONS aside) is a row
of ``EXPECTED``; each row says what each of the seven actors gets:

    anonymous      signed out
    candidate_a    the owner of the objects: A's practice attempts (one open, one
                   submitted with a hidden-test run, one coding attempt to run),
                   and the candidate of two interviews (one in scoring, one released
                   with a second look A asked for)
    candidate_b    another candidate, asking for A's ids
    panel          the interviews' owner, who holds a submitted scorecard
    off_panel      an interviewer on no panel of A's interviews
    author         the author role alone
    admin          the admin role alone

The world is built through the factories for each test, and every URL argument
comes from it (A's attempt, the interview, a reviewer's seat, the run, the second
look, the invite token, a reviewer's password-reset link, A's single sign-on link),
so a 404 means "refused",
never "no such object". POSTs carry a valid CSRF token and the smallest body that
passes validation, so the status shows the authorisation.

105 routes x 7 actors = 735 requests per database.

``CROSSED`` then asks for an id of that world inside another object (the asker's
own, or another interview of the same owner): the inner id must belong to the
outer one, or it does not exist. 10 more requests.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.attempts import lifecycle
from app.auth import resets
from app.checks import services as checks
from app.grading import runs
from app.interviews import feedback, regrades
from app.models import (
    Email,
    EmailKind,
    RegradeRequest,
    RegradeStatus,
    Role,
    RunKind,
    Scorecard,
    User,
    UserIdentity,
)
from tests.factories.calibration import make_sample, score_sample
from tests.factories.interviews import (
    answer_and_submit,
    join_and_start,
    make_interview,
    make_panel,
    score_all,
)
from tests.factories.practice import load_library, make_attempt
from tests.factories.users import PASSWORD, make_admin, make_user
from tests.support.library import build_once
from tests.support.web import WebClient

ACTORS = ("anonymous", "candidate_a", "candidate_b", "panel", "off_panel", "author", "admin")
# Whoever may change the world goes last, so a refused request meets the world as built.
ASKING_ORDER = ("anonymous", "candidate_b", "off_panel", "author", "admin", "panel",
                "candidate_a")

OK = HTTPStatus.OK
ACCEPTED = HTTPStatus.ACCEPTED
REDIRECT = HTTPStatus.FOUND  # a redirect anywhere but the login page
LOGIN = "login"  # a redirect to /login?next=<the path asked for>
UNAUTH = HTTPStatus.UNAUTHORIZED
DENIED = HTTPStatus.FORBIDDEN
HIDDEN = HTTPStatus.NOT_FOUND
CONFLICT = HTTPStatus.CONFLICT
INVALID = HTTPStatus.UNPROCESSABLE_ENTITY
BAD = HTTPStatus.BAD_REQUEST
GONE = HTTPStatus.GONE

Outcome = HTTPStatus | str

# GET routes that never answer 200: single sign-on's start and callback only redirect
# (to the provider, then on to a page or back to the login form), and it is off here.
REDIRECT_ONLY_GETS = frozenset({"auth.oidc_start", "auth.oidc_callback"})

# The same answer for all seven.
EVERYONE_OK = (OK, OK, OK, OK, OK, OK, OK)
EVERYONE_REDIRECTED = (REDIRECT,) * 7

EXPECTED: dict[tuple[str, str], tuple[Outcome, ...]] = {
    # Columns, in ACTORS order:
    #  anonymous  cand. A    cand. B    panel      off panel  author     admin

    # Public pages, and the checks a load balancer makes.
    ("pages.home", "GET"): EVERYONE_OK,
    ("pages.markdown_help", "GET"): EVERYONE_OK,
    ("pages.markdown_preview", "POST"): EVERYONE_OK,
    ("pages.health", "GET"): EVERYONE_OK,
    ("pages.ready", "GET"): EVERYONE_OK,
    ("static", "GET"): EVERYONE_OK,

    # Accounts. Signed in, sign-up and login lead home; each person acts on their own account.
    ("auth.signup", "GET"):
        (OK,        REDIRECT,  REDIRECT,  REDIRECT,  REDIRECT,  REDIRECT,  REDIRECT),
    ("auth.signup", "POST"): EVERYONE_REDIRECTED,  # signed out: on to the login page
    ("auth.login", "GET"):
        (OK,        REDIRECT,  REDIRECT,  REDIRECT,  REDIRECT,  REDIRECT,  REDIRECT),
    ("auth.login", "POST"): EVERYONE_REDIRECTED,  # signed out: A's own email and password
    ("auth.logout", "POST"): EVERYONE_REDIRECTED,
    # Single sign-on is off in this world (no OIDC_ISSUER): both of its routes are absent.
    # tests/integration/auth/test_oidc.py drives them against a real provider.
    ("auth.oidc_start", "GET"): (HIDDEN,) * 7,
    ("auth.oidc_callback", "GET"): (HIDDEN,) * 7,
    ("auth.account", "GET"):
        (LOGIN,     OK,        OK,        OK,        OK,        OK,        OK),
    ("auth.change_password", "POST"):
        (UNAUTH,    REDIRECT,  REDIRECT,  REDIRECT,  REDIRECT,  REDIRECT,  REDIRECT),
    ("auth.end_other_sessions", "POST"):
        (UNAUTH,    REDIRECT,  REDIRECT,  REDIRECT,  REDIRECT,  REDIRECT,  REDIRECT),
    # A removes A's own single sign-on link; to anyone else it does not exist.
    ("auth.remove_identity", "POST"):
        (UNAUTH,    REDIRECT,  HIDDEN,    HIDDEN,    HIDDEN,    HIDDEN,    HIDDEN),
    # Asking for a reset link answers everyone alike; the reviewer's link works once (the
    # first asker sets a password with it and is signed in; it has been used for the rest).
    ("auth.forgot_password", "GET"): EVERYONE_OK,
    ("auth.forgot_password", "POST"): EVERYONE_OK,
    ("auth.reset_password", "GET"): EVERYONE_OK,
    ("auth.reset_password", "POST"):
        (REDIRECT,  GONE,      GONE,      GONE,      GONE,      GONE,      GONE),

    # The coverage view: for those who run interviews and write the library.
    ("coverage.page", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        OK,        OK,        OK),

    # Content history and rubric insight: authors and admins.
    ("insight.prompt_history", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),
    ("insight.rubric_history", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),
    ("insight.rubric", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),
    ("insight.index", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),
    # The planner: for those who run interviews and write the library; only an interviewer
    # turns a plan into an interview (the panel and the off-panel interviewer each make one).
    ("planning.index", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        OK,        OK,        OK),
    ("planning.index", "POST"):
        (UNAUTH,    DENIED,    DENIED,    OK,        OK,        OK,        OK),
    ("planning.draft", "POST"):
        (UNAUTH,    DENIED,    DENIED,    OK,        OK,        OK,        OK),
    ("planning.create_interview", "POST"):
        (UNAUTH,    DENIED,    DENIED,    REDIRECT,  REDIRECT,  DENIED,    DENIED),
    # Calibration: interviewers, authors and admins score the author's sample; a result
    # is its reader's own (the panel's, here). Authors and admins keep the samples.
    ("calibration.index", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        OK,        OK,        OK),
    ("calibration.history", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        OK,        OK,        OK),
    ("calibration.score", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        OK,        OK,        OK),
    ("calibration.submit_score", "POST"):
        (UNAUTH,    DENIED,    DENIED,    REDIRECT,  REDIRECT,  REDIRECT,  REDIRECT),
    ("calibration.result", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        HIDDEN,    HIDDEN,    HIDDEN),
    ("calibration.samples", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),
    ("calibration.new_sample", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),
    ("calibration.create_sample", "POST"):
        (UNAUTH,    DENIED,    DENIED,    DENIED,    DENIED,    REDIRECT,  REDIRECT),
    ("calibration.edit_sample", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),
    ("calibration.update_sample", "POST"):
        (UNAUTH,    DENIED,    DENIED,    DENIED,    DENIED,    REDIRECT,  REDIRECT),
    ("calibration.retire_sample", "POST"):
        (UNAUTH,    DENIED,    DENIED,    DENIED,    DENIED,    REDIRECT,  REDIRECT),
    # The content workspace: authors and admins. It reads the project's own content here;
    # the save sends a file as it is on disk, so nothing is written, and the download and
    # the new item's editor never write.
    ("authoring.index", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),
    ("authoring.prompt", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),
    ("authoring.rubric", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),
    ("authoring.new", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),
    ("authoring.new", "POST"):
        (UNAUTH,    DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),
    ("authoring.check", "POST"):
        (UNAUTH,    DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),
    ("authoring.save", "POST"):
        (UNAUTH,    DENIED,    DENIED,    DENIED,    DENIED,    REDIRECT,  REDIRECT),
    ("authoring.download", "POST"):
        (UNAUTH,    DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),
    # Import and export of the content, and Verify: authors and admins. An empty upload
    # or confirmation is refused as invalid, so no test writes the content folder; the
    # check asked about is the author's own.
    ("transfer.export", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),
    ("transfer.import_", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),
    ("transfer.import_", "POST"):
        (UNAUTH,    DENIED,    DENIED,    DENIED,    DENIED,    INVALID,   INVALID),
    ("transfer.apply", "POST"):
        (UNAUTH,    DENIED,    DENIED,    DENIED,    DENIED,    BAD,       BAD),
    ("checks.create", "POST"):
        (UNAUTH,    DENIED,    DENIED,    DENIED,    DENIED,    INVALID,   INVALID),
    ("checks.show", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    OK,        OK),

    # Administration: the admin role only (set_roles is asked about A's account).
    ("admin.users", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    DENIED,    OK),
    ("admin.set_roles", "POST"):
        (UNAUTH,    DENIED,    DENIED,    DENIED,    DENIED,    DENIED,    REDIRECT),
    ("admin.outbox", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    DENIED,    OK),
    ("admin.outbox_email", "GET"):
        (LOGIN,     DENIED,    DENIED,    DENIED,    DENIED,    DENIED,    OK),

    # Practice: the candidate role; B's own library, prompt and new attempt.
    ("practice.library", "GET"):
        (LOGIN,     OK,        OK,        DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.progress", "GET"):
        (LOGIN,     OK,        OK,        DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.prompt", "GET"):
        (LOGIN,     OK,        OK,        DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.start", "POST"):
        (UNAUTH,    REDIRECT,  REDIRECT,  DENIED,    DENIED,    DENIED,    DENIED),

    # A's practice attempts: A alone; to B they do not exist.
    ("practice.workspace", "GET"):
        (LOGIN,     OK,        HIDDEN,    DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.draft", "GET"):
        (LOGIN,     OK,        HIDDEN,    DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.save_draft", "POST"):
        (UNAUTH,    OK,        HIDDEN,    DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.reveal_hint", "POST"):
        (UNAUTH,    REDIRECT,  HIDDEN,    DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.reveal_evidence", "POST"):
        (UNAUTH,    REDIRECT,  HIDDEN,    DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.timer", "POST"):
        (UNAUTH,    OK,        HIDDEN,    DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.revisions", "GET"):
        (LOGIN,     OK,        HIDDEN,    DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.revision", "GET"):
        (LOGIN,     OK,        HIDDEN,    DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.playback_page", "GET"):
        (LOGIN,     OK,        HIDDEN,    DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.playback_frame", "GET"):
        (LOGIN,     OK,        HIDDEN,    DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.restore", "POST"):
        (UNAUTH,    REDIRECT,  HIDDEN,    DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.submit", "POST"):
        (UNAUTH,    REDIRECT,  HIDDEN,    DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.request_run", "POST"):
        (UNAUTH,    ACCEPTED,  HIDDEN,    DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.run_status", "GET"):
        (LOGIN,     OK,        HIDDEN,    DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.result", "GET"):
        (LOGIN,     OK,        HIDDEN,    DENIED,    DENIED,    DENIED,    DENIED),
    ("practice.self_assess", "POST"):
        (UNAUTH,    REDIRECT,  HIDDEN,    DENIED,    DENIED,    DENIED,    DENIED),

    # The interviewers' own pages: the interviewer role.
    ("interviews.dashboard", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        OK,        DENIED,    DENIED),
    ("interviews.new", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        OK,        DENIED,    DENIED),
    ("interviews.new", "POST"):
        (UNAUTH,    DENIED,    DENIED,    REDIRECT,  REDIRECT,  DENIED,    DENIED),

    # The panel's pages of A's interview: to an interviewer off the panel it does not exist.
    ("interviews.overview", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        HIDDEN,    DENIED,    DENIED),
    ("interviews.live", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        HIDDEN,    DENIED,    DENIED),
    ("interviews.live_updates", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        HIDDEN,    DENIED,    DENIED),
    ("interviews.scorecard", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        HIDDEN,    DENIED,    DENIED),
    # Playback of A's answer in the released interview.
    ("interviews.playback_page", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        HIDDEN,    DENIED,    DENIED),
    ("interviews.playback_frame", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        HIDDEN,    DENIED,    DENIED),
    ("interviews.save_scorecard", "POST"):
        (UNAUTH,    DENIED,    DENIED,    REDIRECT,  HIDDEN,    DENIED,    DENIED),
    ("interviews.comparison", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        HIDDEN,    DENIED,    DENIED),
    ("interviews.export", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        HIDDEN,    DENIED,    DENIED),
    ("interviews.add_note", "POST"):
        (UNAUTH,    DENIED,    DENIED,    REDIRECT,  HIDDEN,    DENIED,    DENIED),
    ("interviews.add_reviewer", "POST"):
        (UNAUTH,    DENIED,    DENIED,    REDIRECT,  HIDDEN,    DENIED,    DENIED),
    ("interviews.remove_reviewer", "POST"):
        (UNAUTH,    DENIED,    DENIED,    REDIRECT,  HIDDEN,    DENIED,    DENIED),
    ("interviews.release_form", "GET"):
        (LOGIN,     DENIED,    DENIED,    OK,        HIDDEN,    DENIED,    DENIED),
    # The owner passes the check and meets the interview's state: A has joined, so the
    # invite link is no longer needed (409)...
    ("interviews.new_invite", "POST"):
        (UNAUTH,    DENIED,    DENIED,    CONFLICT,  HIDDEN,    DENIED,    DENIED),
    # ... the second reviewer has not submitted, so no decision yet (409) ...
    ("interviews.decide", "POST"):
        (UNAUTH,    DENIED,    DENIED,    CONFLICT,  HIDDEN,    DENIED,    DENIED),
    # ... and without a decision there is nothing to release (409).
    ("interviews.release", "POST"):
        (UNAUTH,    DENIED,    DENIED,    CONFLICT,  HIDDEN,    DENIED,    DENIED),
    # A's second look, in the released interview.
    ("interviews.answer_regrade", "POST"):
        (UNAUTH,    DENIED,    DENIED,    REDIRECT,  HIDDEN,    DENIED,    DENIED),
    ("interviews.reassign_regrade", "POST"):
        (UNAUTH,    DENIED,    DENIED,    REDIRECT,  HIDDEN,    DENIED,    DENIED),

    # The candidate's side: the invitation is open to whoever holds the link; accepting it
    # and every page after belong to the account that accepted (A).
    ("interviews.invitation", "GET"):
        (OK,        REDIRECT,  OK,        OK,        OK,        OK,        OK),
    ("interviews.accept", "POST"):
        (UNAUTH,    REDIRECT,  DENIED,    DENIED,    DENIED,    DENIED,    DENIED),
    ("interviews.candidate", "GET"):
        (LOGIN,     OK,        HIDDEN,    HIDDEN,    HIDDEN,    HIDDEN,    HIDDEN),
    ("interviews.start", "POST"):
        (UNAUTH,    REDIRECT,  HIDDEN,    HIDDEN,    HIDDEN,    HIDDEN,    HIDDEN),
    ("interviews.request_regrade", "POST"):
        (UNAUTH,    REDIRECT,  HIDDEN,    HIDDEN,    HIDDEN,    HIDDEN,    HIDDEN),
}


# The world ---------------------------------------------------------------------------------

CODE = "def add(a, b):\n    return a + b\n"
NEW_PASSWORD = "a different horse battery"


@dataclass
class World:
    """Everyone, and A's objects, by id."""

    people: dict[str, User]
    open_attempt: int      # url-shortener, two saved revisions
    code_attempt: int      # sum-two, open, with code saved
    done_attempt: int      # sum-two, submitted, its hidden tests queued
    incident_attempt: int  # checkout-latency-incident, open
    hidden_run: int
    done_criterion: int    # a criterion of the submitted attempt's rubric
    interview: int         # A submitted; the owner's scorecard is in, the reviewer's is not
    token: str             # its invite link, which A accepted
    reviewer: int          # the second reviewer of both interviews
    reviewer_seat: int     # their scorecard in ``interview``
    released: int          # decided and released; A asked for a second look
    released_attempt: int
    released_criterion: int  # shown to A, no second look asked yet
    regrade: int
    sample: int            # the author's calibration sample of the URL shortener
    sample_criteria: tuple[int, ...]  # the criteria its references are set against
    calibration_score: int  # the panel's score of it
    check: int             # the author's Verify check of sum-two, queued
    email: int             # the invitation emailed to A
    reset_token: str       # the reviewer's password-reset link
    identity: int          # A's single sign-on link (A has a password too)


def build_world(db: Session, root: Path) -> World:
    """The world: built in the first test on each database, its rows replayed in the others."""
    world = build_once(db, "access matrix", lambda: _world_of_ids(db, root))
    return replace(world, people={name: db.get(User, id_) for name, id_ in world.people.items()})


def _world_of_ids(db: Session, root: Path) -> World:
    world = _build_world(db, root)
    return replace(world, people={name: user.id for name, user in world.people.items()})


def _build_world(db: Session, root: Path) -> World:
    load_library(db, root, responsibilities=True, incident=True)
    a = make_user(db, name="Casey Candidate", email="casey@example.com")
    people = {
        "candidate_a": a,
        "candidate_b": make_user(db, name="Bea Other"),
        "off_panel": make_user(db, Role.INTERVIEWER, name="Otto Offpanel"),
        "author": make_user(db, Role.AUTHOR, name="Ada Author"),
        "admin": make_admin(db, name="Alex Admin"),
    }
    owner, (reviewer,) = make_panel(db, reviewers=1)
    people["panel"] = owner

    # A's practice comes first: during an interview its prompts are closed to practice.
    opened = make_attempt(db, a, body="A first draft.")
    lifecycle.save_draft(db, opened, body="A second draft.", based_on=1, client_id="factory")
    code = make_attempt(db, a, "sum-two", body=CODE)
    done = make_attempt(db, a, "sum-two", body=CODE)
    lifecycle.submit_attempt(db, done)  # asks for the hidden tests itself
    incident = make_attempt(db, a, "checkout-latency-incident")
    hidden_run = runs.latest_run(db, done, RunKind.HIDDEN)

    interview, token = make_interview(db, owner, [reviewer])
    join_and_start(db, interview, a)
    answer_and_submit(db, interview, "A key-value store, redirects per second.")
    score_all(db, interview, owner, 3)
    seat = next(c.id for c in interview.scorecards if c.reviewer_id == reviewer.id)

    released, _ = make_interview(db, owner, [reviewer])
    join_and_start(db, released, a)
    answer_and_submit(db, released, "A key-value store, redirects per second.")
    score_all(db, released, owner, 3)
    score_all(db, released, reviewer, 3)
    feedback.decide(db, released, owner, "advance", "")
    item = released.items[0]
    first, second = item.rubric_revision.criteria[:2]
    shown = feedback.FeedbackChoice(level=3, show_level=True, comment="", show_comment=False)
    feedback.release(db, released, owner, {(item.attempt_id, first.id): shown,
                                           (item.attempt_id, second.id): shown})
    regrade = regrades.request_regrade(db, released, a, attempt_id=item.attempt_id,
                                       criterion_id=first.id,
                                       reason="Please read the requirements again.")
    sample = make_sample(db, people["author"])
    calibration_score = score_sample(db, sample, owner)
    check = checks.create_check(db, people["author"], slug="sum-two", root=root, files={
        "prompts/sum-two/solution.py": CODE})
    identity = UserIdentity(user_id=a.id, issuer="https://sso.example", subject="casey-1",
                            email=a.email)
    db.add(identity)
    db.commit()
    return World(
        people=people, open_attempt=opened.id, code_attempt=code.id, done_attempt=done.id,
        incident_attempt=incident.id,
        hidden_run=hidden_run.id, done_criterion=done.rubric_revision.criteria[0].id,
        interview=interview.id, token=token, reviewer=reviewer.id, reviewer_seat=seat,
        released=released.id, released_attempt=item.attempt_id,
        released_criterion=second.id, regrade=regrade.id, sample=sample.id,
        sample_criteria=tuple(c.id for c in sample.rubric_revision.criteria),
        calibration_score=calibration_score.id, check=check.id,
        email=db.scalar(select(Email.id).where(Email.kind == EmailKind.INVITATION)
                        .order_by(Email.id).limit(1)),
        reset_token=_reset_token(db, reviewer), identity=identity.id)


def _reset_token(db: Session, person: User) -> str:
    """A reset link for ``person``, read from the email that carries it (the world is kept
    for the whole run, so it lasts a year)."""
    resets.request_reset(db, person.email, hours=24 * 365)
    body = db.scalar(select(Email.body).where(Email.kind == EmailKind.PASSWORD_RESET))
    return body.split("/reset/", 1)[1].split()[0]


# Routes asked about another of A's objects than the default one.
TARGETS: dict[str, dict[str, str]] = {
    "practice.request_run": {"attempt_id": "code_attempt"},
    "practice.run_status": {"attempt_id": "done_attempt"},
    "practice.result": {"attempt_id": "done_attempt"},
    "practice.reveal_evidence": {"attempt_id": "incident_attempt"},
    "practice.self_assess": {"attempt_id": "done_attempt"},
    "interviews.playback_page": {"interview_id": "released", "attempt_id": "released_attempt"},
    "interviews.playback_frame": {"interview_id": "released", "attempt_id": "released_attempt"},
    "interviews.answer_regrade": {"interview_id": "released"},
    "interviews.reassign_regrade": {"interview_id": "released"},
    "interviews.request_regrade": {"interview_id": "released"},
    "auth.reset_password": {"token": "reset_token"},
}


def url_arguments(world: World, endpoint: str) -> dict[str, Any]:
    """Every URL parameter, filled from the world (A's objects, as A would link to them)."""
    arguments = {
        "attempt_id": world.open_attempt, "number": 1, "run_id": world.hidden_run,
        "interview_id": world.interview, "scorecard_id": world.reviewer_seat,
        "request_id": world.regrade, "token": world.token, "kind": "csv",
        "slug": "url-shortener", "user_id": world.people["candidate_a"].id,
        "filename": "css/app.css", "key": "deploy-history",
        "sample_id": world.sample, "score_id": world.calibration_score, "check_id": world.check,
        "email_id": world.email, "identity_id": world.identity,
    }
    for name, attribute in TARGETS.get(endpoint, {}).items():
        arguments[name] = getattr(world, attribute)
    return arguments


Body = Callable[[World], dict[str, Any]]


def sample_form(world: World, **more: str) -> dict[str, str]:
    """A calibration sample's form: a title, an answer and a level per criterion."""
    return {"title": "A thin answer", "answer": "A key-value store keyed by the short code.",
            **{f"level-{c}": "3" for c in world.sample_criteria}, **more}
# A prompt of the content the workspace reads (the project's own, in these tests).
SHORTENER = "prompts/url-shortener.md"


def _shortener_text() -> str:
    return (Path(__file__).parents[2] / SHORTENER).read_text(encoding="utf-8")

_ASKERS = itertools.count()

# The smallest form each POST needs to pass validation for someone allowed.
FORMS: dict[tuple[str, str], Body] = {
    ("pages.markdown_preview", "POST"): lambda w: {"markdown": "**Caches** in front."},
    ("auth.signup", "POST"): lambda w: {
        "display_name": "Nell Newcomer", "email": "nell@example.com",
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ("auth.login", "POST"): lambda w: {"email": w.people["candidate_a"].email,
                                       "password": PASSWORD},
    ("auth.change_password", "POST"): lambda w: {
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ("admin.set_roles", "POST"): lambda w: {"roles": ["candidate"]},
    # A new address for each asker: seven asking about one would meet its own limit.
    ("auth.forgot_password", "POST"): lambda w: {"email": f"asker{next(_ASKERS)}@example.com"},
    ("auth.reset_password", "POST"): lambda w: {"password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD},  # A's roles, unchanged
    ("practice.start", "POST"): lambda w: {"level": "senior"},
    ("authoring.new", "POST"): lambda w: {
        "kind": "system-design", "slug": "matrix-new-prompt", "title": "A new prompt",
        "level": "senior", "minutes": "45", "competencies": ["api-design"]},
    ("authoring.save", "POST"): lambda w: {f"file:{SHORTENER}": _shortener_text()},
    ("authoring.download", "POST"): lambda w: {
        f"file:{SHORTENER}": _shortener_text() + "\nOne more line.\n"},
    ("practice.timer", "POST"): lambda w: {"running": "false"},
    ("practice.self_assess", "POST"): lambda w: {f"level-{w.done_criterion}": "3"},
    ("interviews.new", "POST"): lambda w: {
        "candidate_name": "Dana Doe", "candidate_email": "dana@example.com",
        "prompts": "url-shortener", "target_level": "senior", "mode": "live",
        "tz_offset": "0"},
    ("planning.index", "POST"): lambda w: {"description": "You will lead code reviews.",
                                           "budget": "90"},
    ("planning.draft", "POST"): lambda w: {
        "kind": "system-design", "slug": "lead-code-reviews", "title": "Lead code reviews",
        "level": "senior", "minutes": "45", "competencies": "api-design",
        "rubric": "lead-code-reviews"},
    ("planning.create_interview", "POST"): lambda w: {
        "description": "You will lead code reviews.", "budget": "90",
        "candidate_name": "Dana Doe", "candidate_email": "dana@example.com", "mode": "live",
        "target_level": "senior", "prompts": "url-shortener", "tz_offset": "0"},
    ("interviews.save_scorecard", "POST"): lambda w: {"recommendation": "yes",
                                                      "summary": "Solid."},
    ("interviews.add_note", "POST"): lambda w: {"body": "Asked about hot keys."},
    ("interviews.add_reviewer", "POST"): lambda w: {"reviewer": w.people["off_panel"].id},
    ("interviews.decide", "POST"): lambda w: {"decision": "advance"},
    ("interviews.release", "POST"): lambda w: {"message": "Thank you."},
    ("interviews.answer_regrade", "POST"): lambda w: {"response": "The level stands."},
    ("interviews.reassign_regrade", "POST"): lambda w: {"reviewer": w.reviewer},
    ("interviews.request_regrade", "POST"): lambda w: {
        "attempt": w.released_attempt, "criterion": w.released_criterion,
        "reason": "Please read the storage section again."},
    ("calibration.submit_score", "POST"): lambda w: {
        f"level-{c}": "3" for c in w.sample_criteria},
    ("calibration.create_sample", "POST"): lambda w: sample_form(w, prompt="url-shortener"),
    ("calibration.update_sample", "POST"): lambda w: sample_form(w),
}
# Routes that take JSON, as the workspace's scripts send it.
JSON_BODIES: dict[tuple[str, str], Body] = {
    ("authoring.check", "POST"): lambda w: {"files": {SHORTENER: _shortener_text()}},
    ("practice.save_draft", "POST"): lambda w: {"body": "A third draft.", "based_on": 2,
                                                "client_id": "matrix"},
}


# Asking ----------------------------------------------------------------------------------


def client_for(app: Flask, actor: str, world: World, web: WebClient | None = None) -> WebClient:
    """A browser of its own for ``actor``, signed in unless anonymous.

    Each comes from its own address, as seven people would, so the per-address
    rate limits count each of them apart.
    """
    web = web or WebClient(app.test_client())
    web.raw.environ_base["REMOTE_ADDR"] = f"192.0.2.{ACTORS.index(actor) + 1}"
    if actor != "anonymous":
        response = web.login(world.people[actor].email, PASSWORD)
        assert response.status_code == HTTPStatus.FOUND, f"{actor} could not sign in"
    return web


def ask(web: WebClient, method: str, url: str, key: tuple[str, str], world: World):
    if method == "GET":
        return web.get(url)
    if key in JSON_BODIES:
        return web.raw.post(url, json=JSON_BODIES[key](world),
                            headers={"X-CSRFToken": web.csrf_token()})
    return web.post(url, FORMS[key](world) if key in FORMS else {})


def outcome(response, path: str) -> Outcome:
    """What the response amounts to, in the table's notation."""
    if response.status_code == HTTPStatus.FOUND:
        target = urlsplit(response.headers["Location"])
        if target.path == "/login" and parse_qs(target.query).get("next") == [path]:
            return LOGIN
    return HTTPStatus(response.status_code)


def build_url(app: Flask, endpoint: str, arguments: dict[str, Any]) -> str:
    """The endpoint's URL with the arguments its rule takes (the others are not sent)."""
    names = {name for rule in app.url_map.iter_rules(endpoint) for name in rule.arguments}
    with app.test_request_context():
        return url_for(endpoint, **{k: v for k, v in arguments.items() if k in names})


def shown(value: Outcome) -> str:
    return value if isinstance(value, str) else f"{value.value} {value.phrase}"


def pairs(app: Flask) -> set[tuple[str, str]]:
    """Every (endpoint, method) the app answers, HEAD and OPTIONS aside."""
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}


# The tests -------------------------------------------------------------------------------


def test_every_route_and_method_is_in_the_table_and_nothing_else(app):
    routes = pairs(app)
    assert sorted(routes - EXPECTED.keys()) == [], "routes missing from EXPECTED"
    assert sorted(EXPECTED.keys() - routes) == [], "EXPECTED rows for no route"
    endpoints = {endpoint for endpoint, _ in routes}
    assert sorted(TARGETS.keys() - endpoints) == []
    assert sorted((FORMS.keys() | JSON_BODIES.keys()) - routes) == []


def test_every_row_names_all_seven_actors():
    wrong = {key: len(row) for key, row in EXPECTED.items() if len(row) != len(ACTORS)}
    assert wrong == {}, f"rows without exactly one outcome per actor of {ACTORS}"
    assert sorted(ASKING_ORDER) == sorted(ACTORS)


def test_the_docstring_counts_the_requests():
    routes, actors = len(EXPECTED), len(ACTORS)
    assert f"{routes} routes x {actors} actors = {routes * actors} requests" in __doc__
    assert f"outer one, or it does not exist. {len(CROSSED)} more requests." in __doc__


@pytest.mark.parametrize(("endpoint", "method"), sorted(EXPECTED),
                         ids=[f"{endpoint}-{method}" for endpoint, method in sorted(EXPECTED)])
def test_access_matrix(app, client, db, tmp_path, endpoint, method):
    world = build_world(db, tmp_path)
    url = build_url(app, endpoint, url_arguments(world, endpoint))
    path = urlsplit(url).path
    row = EXPECTED[(endpoint, method)]
    assert len(row) == len(ACTORS), f"the row needs one outcome for each of {ACTORS}"
    expected = dict(zip(ACTORS, row, strict=True))
    mismatches = []
    for actor in ASKING_ORDER:
        web = client_for(app, actor, world, client if actor == "anonymous" else None)
        response = ask(web, method, url, (endpoint, method), world)
        got = outcome(response, path)
        response.close()  # static files stream from an open file
        if got != expected[actor]:
            where = response.headers.get("Location", "")
            mismatches.append(f"{method} {url} as {actor}: expected {shown(expected[actor])}, "
                              f"got {shown(got)}{' -> ' + where if where else ''}")
    assert not mismatches, "\n".join(mismatches)




# An id of the world inside another object: (route, who asks, the outer ids they use).
# "b_attempt" is B's own coding attempt and "off_interview" the off-panel interviewer's own
# interview; the others are A's second attempt and interview, owned by the same people.
CROSSED: list[tuple[str, str, str, dict[str, str]]] = [
    ("practice.run_status", "GET", "candidate_b", {"attempt_id": "b_attempt"}),
    ("practice.run_status", "GET", "candidate_a", {"attempt_id": "code_attempt"}),
    ("interviews.playback_frame", "GET", "off_panel", {"interview_id": "off_interview"}),
    ("interviews.playback_page", "GET", "panel", {"interview_id": "interview"}),
    ("interviews.remove_reviewer", "POST", "off_panel", {"interview_id": "off_interview"}),
    ("interviews.remove_reviewer", "POST", "panel", {"interview_id": "released"}),
    ("interviews.answer_regrade", "POST", "off_panel", {"interview_id": "off_interview"}),
    ("interviews.answer_regrade", "POST", "panel", {"interview_id": "interview"}),
    ("interviews.reassign_regrade", "POST", "off_panel", {"interview_id": "off_interview"}),
    ("interviews.reassign_regrade", "POST", "panel", {"interview_id": "interview"}),
]


@pytest.mark.parametrize(("endpoint", "method", "actor", "outer"), CROSSED,
                         ids=[f"{e}-{a}-{'-'.join(o.values())}" for e, _, a, o in CROSSED])
def test_an_id_inside_another_object_finds_nothing(app, client, db, tmp_path, endpoint,
                                                   method, actor, outer):
    world = build_world(db, tmp_path)
    own = {"b_attempt": make_attempt(db, world.people["candidate_b"], "sum-two", body=CODE).id,
           "off_interview": make_interview(db, world.people["off_panel"])[0].id}
    arguments = url_arguments(world, endpoint)
    for name, source in outer.items():
        arguments[name] = own[source] if source in own else getattr(world, source)
    url = build_url(app, endpoint, arguments)
    # A reassignment names someone on the asker's own panel, so only the request id is wrong.
    form_world = replace(world, reviewer=world.people[actor].id) if actor == "off_panel" \
        else world
    response = ask(client_for(app, actor, world, client), method, url, (endpoint, method),
                   form_world)
    assert response.status_code == HTTPStatus.NOT_FOUND, f"{method} {url} as {actor}"
    db.expire_all()
    assert db.get(Scorecard, world.reviewer_seat) is not None
    regrade = db.get(RegradeRequest, world.regrade)
    assert regrade.status is RegradeStatus.OPEN
    assert regrade.assignee_id == world.people["panel"].id
