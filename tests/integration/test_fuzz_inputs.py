"""Property-based fuzzing: hostile values in every field of every form and JSON endpoint.

``TARGETS`` lists every POST route, every GET route that reads its query
string and every GET route with a text argument in its path; a test fails when
a route is missing. Each target runs as the person the route is for, against
real objects made by the factories: an open attempt with a saved answer, a
submitted one, a started interview with a panel and scorecards, a decided one,
released feedback with a second-look request, an invitation.

For every field Hypothesis draws the valid value, a hostile one (NUL, lone
surrogates, huge and negative numbers, "²" and other non-ASCII digits, floats,
dates at the ends of the calendar, very long strings, empty values, HTML and
script) or nothing; JSON fields also get wrong types, and whole JSON bodies
come as a bare string, null, malformed or 100,000 levels deep. Ids in the URL
take any size, and extra fields and headers (HX-Request, Accept, a User-Agent
holding NUL) come along.

Every answer must be 2xx, 3xx or 4xx; a 5xx fails with the route, the request
and the logged traceback. A refused request (4xx) must leave every row of
every table as it was, and an accepted autosave or submit must store the text
exactly as sent.

Counts: 67 routes (46 POST, 21 GET), 166 fields, 15 examples per route, so 1005
requests per database.
"""

from __future__ import annotations

import inspect
import itertools
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app.attempts import lifecycle
from app.auth import resets
from app.auth.access import SIGNED_IN, access
from app.db import Base, get_database, utcnow
from app.interviews import feedback, invitations, regrades
from app.models import (
    AnswerRevision,
    Attempt,
    CalibrationSample,
    Email,
    Interview,
    Recommendation,
    RegradeRequest,
    Role,
    UserIdentity,
)
from app.rate_limits import get_limiter
from tests.conftest import make_test_app
from tests.factories.calibration import make_sample
from tests.factories.content import INCIDENT_SLUG
from tests.factories.interviews import answer_and_submit, join_and_start, make_interview, score_all
from tests.factories.practice import load_library, make_attempt
from tests.factories.users import PASSWORD, make_user
from tests.support.tools import free_port
from tests.support.web import WebClient

EXAMPLES = 15
SHORTENER = "prompts/url-shortener.md"
ANSWER = ("We keep the mapping in a key-value store keyed by the short code. "
          "Redirects per second drive the cache; a 301 lets browsers remember it.")
QUOTE = "key-value store"
PLANNED = "You will lead code reviews.\n- Mentor engineers and run design reviews."
VERIFY_SLUG = "lru-cache-ttl"
VERIFY_FILE = f"prompts/{VERIFY_SLUG}/solution.py"
VERIFY_TEXT = (Path(__file__).resolve().parents[2] / VERIFY_FILE).read_text()

# Hostile values ----------------------------------------------------------------------------

NESTED = "[" * 100_000 + "]" * 100_000
HOSTILE_SAMPLES = [
    "", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "\u00b2", "\u0663", "-1", "0", "1", "3",
    "5", str(2**31), str(2**63), str(-(2**63) - 1), "9" * 5000, "1e309", "NaN", "-0", "1.5",
    " 2 ", "1_000", "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)", "{{ 7 * 7 }}", "' OR '1'='1", "%00", "../../etc/passwd",
    "\r\n\r\n", "\u202e\u200b\ufeff", "\U0001f600" * 50, "x" * 5000, "\u00e9" * 150_000,
    "9999-12-31T23:59", "0001-01-01T00:00", "2999-12-31T23:59", "take_home", "submit", "on",
]
HOSTILE_TEXT = st.one_of(
    st.sampled_from(HOSTILE_SAMPLES),
    st.text(st.sampled_from("\x00\ud800\udc00\u00b2\u0663 a1-<>\"'&\n\t"), max_size=12),
    st.text(st.characters(exclude_categories=()), max_size=20),
    st.integers().map(str),
    st.floats().map(str),
)
HOSTILE_VALUE = st.one_of(HOSTILE_TEXT, st.lists(HOSTILE_TEXT, min_size=2, max_size=3))
JSON_SCALAR = st.one_of(
    HOSTILE_TEXT, st.integers(), st.integers(min_value=2**31, max_value=2**80),
    st.integers(max_value=-1), st.floats(), st.booleans(), st.none())
JSON_VALUE = st.recursive(JSON_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(HOSTILE_TEXT, inner, max_size=3)), max_leaves=6)
RAW_JSON_BODIES = [
    '"hello"', "null", "[]", "{}", "5", "true", "[[[[", "{body: x}", NESTED,
    '{"body": "x", "based_on": ' + NESTED + "}", "1" * 5000, '{"body": "x", "based_on": 1e999}',
    '{"body": "x", "based_on": NaN}', '{"body": "\\u0000", "based_on": 1}',
    '{"body": "\\ud800", "based_on": 1}', '{"\\ud800": 1}', "\ufeff{}",
]
EXTRA_FIELDS = st.dictionaries(
    st.one_of(st.sampled_from(["", "\x00", "x\ud800", "next", "level-1-1", "a" * 300]),
              st.text(max_size=8)),
    HOSTILE_TEXT, max_size=2)
HEADERS = st.fixed_dictionaries({}, optional={
    "HX-Request": st.just("true"),
    "Accept": st.sampled_from(["application/json", "text/html", "*/*"]),
    "User-Agent": st.one_of(
        st.sampled_from(["a\x00b", "x" * 5000]),
        st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=20)),
})
OMIT = object()  # a field left out of the request
SURROGATE = re.compile("[\ud800-\udfff]")


class Pick(tuple):
    """Several valid values for one field; each example takes one of them."""


# The world the targets act on -----------------------------------------------------------------

_emails = itertools.count(1)
_SUBJECTS = itertools.count(1)


class World:
    """People and objects for one route's examples, made on first use by the factories."""

    def __init__(self, db: Session, tmp_path) -> None:
        self.db = db
        self.root = load_library(db, tmp_path, incident=True)
        self.clients: dict[str | None, tuple[WebClient, str]] = {}
        self.interviews: dict[str, tuple[Interview, str, RegradeRequest | None]] = {}

    @cached_property
    def shortener(self) -> str:
        """A prompt's text as it is on disk: saving it unchanged writes nothing."""
        return (self.root / SHORTENER).read_text(encoding="utf-8")

    @cached_property
    def author(self):
        return make_user(self.db, Role.AUTHOR, name="Ada Author")

    @cached_property
    def candidate(self):
        return make_user(self.db, name="Cara Candidate")

    @cached_property
    def owner(self):
        return make_user(self.db, Role.INTERVIEWER, name="Olive Owner")

    @cached_property
    def reviewer(self):
        return make_user(self.db, Role.INTERVIEWER, name="Rafa Reviewer")

    @cached_property
    def spare(self):
        return make_user(self.db, Role.INTERVIEWER, name="Sam Spare")

    @cached_property
    def admin(self):
        return make_user(self.db, Role.ADMIN, name="Ada Admin")

    @cached_property
    def target(self):
        return make_user(self.db, name="Toni Target")

    @cached_property
    def interviewee(self):
        return make_user(self.db, name="Casey Candidate", email="casey@example.com")

    @property
    def newcomer(self):
        """A new account each time: an example may change its password or end its sign-ins."""
        return make_user(self.db, name="Nico Newcomer")

    @property
    def identity(self) -> int:
        """A fresh single sign-on link of the interviewee's (an example may remove one); the
        interviewee has a password, so any of them may go."""
        person = self.interviewee
        link = UserIdentity(user_id=person.id, issuer="https://sso.example",
                            subject=f"casey-{next(_SUBJECTS)}", email=person.email)
        self.db.add(link)
        self.db.commit()
        return link.id

    @property
    def reset_token(self) -> str:
        """A fresh password-reset link's token (an example may use one up), from its email."""
        person = self.newcomer
        resets.request_reset(self.db, person.email, hours=1)
        body = self.db.scalar(select(Email.body).where(Email.recipient == person.email))
        return body.split("/reset/", 1)[1].split()[0]

    def person(self, actor: str):
        return getattr(self, actor)

    @cached_property
    def sample(self) -> CalibrationSample:
        return make_sample(self.db, self.admin)

    @cached_property
    def attempt(self) -> Attempt:
        return make_attempt(self.db, self.candidate, body=ANSWER)

    @cached_property
    def incident_attempt(self) -> Attempt:
        return make_attempt(self.db, self.candidate, INCIDENT_SLUG)

    def new_attempt(self) -> Attempt:
        return make_attempt(self.db, self.candidate, body=ANSWER)

    @cached_property
    def submitted_attempt(self) -> Attempt:
        return make_attempt(self.db, self.candidate, body=ANSWER, submitted=True)

    @cached_property
    def coding_attempt(self) -> Attempt:
        return make_attempt(self.db, self.candidate, "sum-two",
                            body="def add(a, b):\n    return a + b\n")

    def interview(self, until: str) -> tuple[Interview, str, RegradeRequest | None]:
        """A new interview taken as far as ``until``, with the owner and a reviewer on its panel."""
        db = self.db
        interview, token = make_interview(db, self.owner, [self.reviewer])
        request = None
        stages = ["invited", "joined", "started", "submitted", "scored", "decided", "released",
                  "regrade"]
        reached = stages[:stages.index(until) + 1]
        if "joined" in reached and "started" not in reached:
            invitations.join(db, interview, self.interviewee)
        if "started" in reached:
            join_and_start(db, interview, self.interviewee)
            for item in interview.items:
                lifecycle.save_draft(db, item.attempt, body=ANSWER, based_on=0, client_id="w")
        if "submitted" in reached:
            answer_and_submit(db, interview, ANSWER + " Final.")
        if "scored" in reached:
            score_all(db, interview, self.owner, 3)
            score_all(db, interview, self.reviewer, 2)
        if "decided" in reached:
            feedback.decide(db, interview, self.owner, "advance", "Strong design.")
        if "released" in reached:
            feedback.release(db, interview, self.owner, {
                 key: feedback.FeedbackChoice(3, True, "Good.", True) for key in keys(interview)},
                 message="Thank you.")
        if "regrade" in reached:
            attempt_id, criterion_id = keys(interview)[0]
            request = regrades.request_regrade(db, interview, self.interviewee,
                                               attempt_id=attempt_id, criterion_id=criterion_id,
                                               reason="Please look at the storage part again.")
        return interview, token, request

    def shared(self, until: str) -> tuple[Interview, str, RegradeRequest | None]:
        """One interview at stage ``until`` for all of a route's examples."""
        if until not in self.interviews:
            self.interviews[until] = self.interview(until)
        return self.interviews[until]


def keys(interview: Interview) -> list[tuple[int, int]]:
    """(attempt id, criterion id) of every criterion an interview's forms hold."""
    return [(item.attempt.id, criterion.id) for item in interview.items if item.attempt
            for criterion in item.rubric_revision.criteria]


def per_criterion(interview: Interview, **fields: Any) -> dict[str, Any]:
    """``fields`` with ``{key}`` in their names, once per criterion of the interview."""
    return {name.format(key=f"{a}-{c}"): value for a, c in keys(interview)
            for name, value in fields.items()}


# What each route gets --------------------------------------------------------------------


@dataclass
class Case:
    args: dict[str, Any]                 # URL arguments (ids)
    fields: dict[str, Any]               # field name -> valid value; "?q" query, "/slug" path
    check: Callable[[Session, dict[str, Any], TestResponse], None] | None = None


@dataclass(frozen=True)
class Target:
    endpoint: str
    method: str
    actor: str | None                    # None: signed out
    fields: tuple[str, ...]              # as declared; {key} and {id} repeat per criterion
    case: Callable[[World], Case]
    json: bool = False
    fresh_client: bool = False           # the route can end or start a sign-in

    @property
    def name(self) -> str:
        return f"{self.method} {self.endpoint}"


def revisions(db: Session, attempt_id: int) -> list[tuple[int, str]]:
    db.rollback()  # a new transaction: see what the app committed
    return [(r.number, r.body) for r in db.scalars(
        select(AnswerRevision).where(AnswerRevision.attempt_id == attempt_id)
        .order_by(AnswerRevision.number))]


def autosave_case(world: World) -> Case:
    attempt_id = world.attempt.id
    before = revisions(world.db, attempt_id)
    newest = before[-1][0] if before else 0

    def check(db: Session, sent: dict[str, Any], response: TestResponse) -> None:
        after = revisions(db, attempt_id)
        assert after[:len(before)] == before, "an earlier revision changed"
        if response.status_code == 200:
            assert after[-1][1] == sent.get("body"), "the saved text is not the text sent"
        else:
            assert after == before, "a refused save changed the answer"

    return Case({"attempt_id": attempt_id},
                {"body": f"Draft {newest + 1}: {ANSWER}", "based_on": newest,
                 "client_id": "fuzz"}, check)


def submit_case(world: World) -> Case:
    attempt = world.new_attempt()

    def check(db: Session, sent: dict[str, Any], response: TestResponse) -> None:
        after = revisions(db, attempt.id)
        body = sent.get("body")
        # A form cannot carry a lone surrogate: it goes as bytes that are not UTF-8, which
        # the server reads as other text. Any other text must be stored as it was sent.
        if response.status_code == 302 and isinstance(body, str) and not SURROGATE.search(body):
            assert after[-1][1] == body, "the submitted text is not the text sent"
        elif response.status_code >= 400:
            assert after == [(1, ANSWER)], "a refused submit changed the answer"

    return Case({"attempt_id": attempt.id},
                {"body": ANSWER + " Final.", "based_on": "1", "client_id": "fuzz"}, check)


def self_assess_case(world: World) -> Case:
    attempt = world.submitted_attempt
    criteria = attempt.rubric_revision.criteria
    return Case({"attempt_id": attempt.id},
                {**{f"level-{c.id}": Pick(("1", "3", "4", "")) for c in criteria},
                 **{f"note-{c.id}": "Fair." for c in criteria}})


def new_interview_case(world: World) -> Case:
    soon = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    return Case({}, {
        "candidate_name": "Casey Candidate", "candidate_email": "casey@example.com",
        "title": "Round one", "prompts": ["url-shortener"], "target_level": "senior",
        "mode": Pick(("live", "take_home")), "minutes": Pick(("45", "")),
        "deadline": Pick(("", soon)), "tz_offset": Pick(("0", "840", "-840")),
        "reviewers": [str(world.reviewer.id)], "hints_allowed": "y", "anonymised": "y"})


def plan_interview_case(world: World) -> Case:
    soon = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    return Case({}, {
        "description": PLANNED, "budget": "90", "level": Pick(("", "senior")),
        "candidate_name": "Casey Candidate", "candidate_email": "casey@example.com",
        "mode": Pick(("live", "take_home")), "deadline": Pick(("", soon)),
        "tz_offset": Pick(("0", "840", "-840")), "target_level": "senior",
        "prompts": ["url-shortener"]})


def scorecard_case(world: World) -> Case:
    interview, _, _ = world.shared("submitted")
    return Case({"interview_id": interview.id}, {
        **per_criterion(interview, **{"level-{key}": Pick(("1", "2", "3", "4", "")),
                                      "comment-{key}": "Because.", "evidence-{key}": [QUOTE]}),
        "recommendation": Pick(tuple(r.value for r in Recommendation)),
        "summary": "Solid.", "action": Pick(("save", "submit"))})


def release_case(world: World) -> Case:
    interview, _, _ = world.interview("decided")
    return Case({"interview_id": interview.id}, {
        **per_criterion(interview, **{"level-{key}": Pick(("3", "")),
                                      "show-level-{key}": Pick(("on", "")),
                                      "comment-{key}": "Clear.",
                                      "show-comment-{key}": Pick(("on", ""))}),
        "message": "Thank you.", "show_decision": Pick(("on", ""))})


def answer_regrade_case(world: World) -> Case:
    interview, _, request = world.interview("regrade")
    return Case({"interview_id": interview.id, "request_id": request.id},
                {"response": "We looked again.", "level": Pick(("", "4"))})


def reassign_case(world: World) -> Case:
    interview, _, request = world.shared("regrade")
    return Case({"interview_id": interview.id, "request_id": request.id},
                {"reviewer": str(world.reviewer.id)})


def request_regrade_case(world: World) -> Case:
    interview, _, _ = world.shared("released")
    attempt_id, criterion_id = keys(interview)[0]
    return Case({"interview_id": interview.id},
                {"attempt": str(attempt_id), "criterion": str(criterion_id),
                 "reason": "Please look at the storage part again."})


def calibration_case(world: World, *, new: bool) -> Case:
    """A calibration sample's form, for a new sample or the world's one."""
    criteria = world.sample.rubric_revision.criteria
    fields = {"title": "A thin answer", "answer": ANSWER,
              **{f"level-{c.id}": Pick(("1", "3", "4", "")) for c in criteria},
              **{f"rationale-{c.id}": "Because." for c in criteria}}
    if new:
        return Case({}, {"prompt": Pick(("url-shortener", "sum-two")), **fields})
    return Case({"sample_id": world.sample.id}, fields)


def calibration_score_case(world: World) -> Case:
    criteria = world.sample.rubric_revision.criteria
    return Case({"sample_id": world.sample.id},
                {**{f"level-{c.id}": Pick(("1", "2", "4", "")) for c in criteria},
                 **{f"comment-{c.id}": "Close." for c in criteria}})


def at(until: str, **fields: Any) -> Callable[[World], Case]:
    """A case on the shared interview at stage ``until``."""
    return lambda w: Case({"interview_id": w.shared(until)[0].id}, dict(fields))


def on_attempt(name: str, **fields: Any) -> Callable[[World], Case]:
    return lambda w: Case({"attempt_id": getattr(w, name).id}, dict(fields))


TARGETS = [
    # Accounts
    Target("auth.signup", "POST", None,
           ("display_name", "email", "password", "confirm", "next", "?next"),
           lambda w: Case({}, {"display_name": "New Person",
                               "email": f"new{next(_emails)}@example.com",
                               "password": PASSWORD, "confirm": PASSWORD,
                               "next": "/practice", "?next": "/practice"}), fresh_client=True),
    Target("auth.login", "POST", None, ("email", "password", "remember", "next", "?next"),
           lambda w: Case({}, {"email": w.candidate.email, "password": PASSWORD, "remember": "y",
                               "next": "/practice", "?next": "/practice"}), fresh_client=True),
    Target("auth.logout", "POST", "newcomer", (), lambda w: Case({}, {}), fresh_client=True),
    Target("auth.forgot_password", "POST", None, ("email",),
           lambda w: Case({}, {"email": w.candidate.email}), fresh_client=True),
    Target("auth.reset_password", "POST", None, ("/token", "password", "confirm"),
           lambda w: Case({}, {"/token": w.reset_token, "password": PASSWORD + "!",
                               "confirm": PASSWORD + "!"}), fresh_client=True),
    Target("auth.change_password", "POST", "newcomer",
           ("current_password", "password", "confirm"),
           lambda w: Case({}, {"current_password": PASSWORD, "password": PASSWORD,
                               "confirm": PASSWORD}), fresh_client=True),
    Target("auth.end_other_sessions", "POST", "newcomer", (), lambda w: Case({}, {}),
           fresh_client=True),
    Target("auth.remove_identity", "POST", "interviewee", (),
           lambda w: Case({"identity_id": w.identity}, {})),
    Target("admin.set_roles", "POST", "admin", ("roles", "?q", "?page"),
           lambda w: Case({"user_id": w.target.id},
                          {"roles": ["candidate", "author"], "?q": "person", "?page": "1"})),
    Target("pages.markdown_preview", "POST", None, ("markdown",),
           lambda w: Case({}, {"markdown": "# Plan\n\n<script>alert(1)</script>\n\n- cache"})),
    # Authoring: the upload is sent as a plain form here, so it never holds a zip and no
    # content folder is written; Verify reads the project's own library, read-only.
    Target("transfer.import_", "POST", "author", ("archive",),
           lambda w: Case({}, {"archive": "prompts/x.md"})),
    Target("transfer.apply", "POST", "author", ("token",),
           lambda w: Case({}, {"token": "A" * 22})),
    Target("checks.create", "POST", "author", ("slug", f"file:{VERIFY_FILE}"),
           lambda w: Case({}, {"slug": VERIFY_SLUG, f"file:{VERIFY_FILE}": VERIFY_TEXT})),
    # Practice
    Target("practice.start", "POST", "candidate", ("/slug", "level"),
           lambda w: Case({}, {"/slug": "url-shortener", "level": Pick(("mid", "senior"))})),
    Target("practice.save_draft", "POST", "candidate", ("body", "based_on", "client_id"),
           autosave_case, json=True),
    Target("practice.reveal_hint", "POST", "candidate", (), on_attempt("attempt")),
    Target("practice.reveal_evidence", "POST", "candidate", ("/key",),
           lambda w: Case({"attempt_id": w.incident_attempt.id},
                          {"/key": Pick(("deploy-history", "latency-by-flag"))})),
    Target("practice.timer", "POST", "candidate", ("running",),
           on_attempt("attempt", running=Pick(("true", "false")))),
    Target("practice.restore", "POST", "candidate", (),
           lambda w: Case({"attempt_id": w.attempt.id, "number": 1}, {})),
    Target("practice.submit", "POST", "candidate", ("body", "based_on", "client_id"),
           submit_case),
    Target("practice.request_run", "POST", "candidate", (), on_attempt("coding_attempt")),
    Target("practice.self_assess", "POST", "candidate", ("level-{id}", "note-{id}"),
           self_assess_case),
    # The panel
    Target("interviews.new", "POST", "owner",
           ("candidate_name", "candidate_email", "title", "prompts", "target_level", "mode",
            "minutes", "deadline", "tz_offset", "reviewers", "hints_allowed", "anonymised"),
           new_interview_case),
    Target("interviews.new_invite", "POST", "owner", (), at("invited")),
    Target("interviews.add_reviewer", "POST", "owner", ("reviewer",),
           lambda w: Case({"interview_id": w.shared("started")[0].id},
                          {"reviewer": str(w.spare.id)})),
    Target("interviews.remove_reviewer", "POST", "owner", (),
           lambda w: Case({"interview_id": w.shared("started")[0].id,
                           "scorecard_id": next(c.id for c in w.shared("started")[0].scorecards
                                                if c.reviewer_id == w.reviewer.id)}, {})),
    Target("interviews.add_note", "POST", "owner", ("body",),
           at("started", body="Asked about caching.")),
    Target("interviews.save_scorecard", "POST", "owner",
           ("level-{key}", "comment-{key}", "evidence-{key}", "recommendation", "summary",
            "action"), scorecard_case),
    Target("interviews.decide", "POST", "owner", ("decision", "note"),
           at("scored", decision=Pick(("advance", "decline")), note="Clear.")),
    Target("interviews.release", "POST", "owner",
           ("level-{key}", "show-level-{key}", "comment-{key}", "show-comment-{key}",
            "message", "show_decision"), release_case),
    Target("interviews.answer_regrade", "POST", "owner", ("response", "level"),
           answer_regrade_case),
    Target("interviews.reassign_regrade", "POST", "owner", ("reviewer",), reassign_case),
    # The planner
    Target("planning.index", "POST", "owner", ("description", "budget", "level"),
           lambda w: Case({}, {"description": PLANNED, "budget": Pick(("90", "10", "480")),
                               "level": Pick(("", "mid", "staff"))})),
    Target("planning.draft", "POST", "owner",
           ("kind", "slug", "title", "level", "minutes", "competencies", "rubric"),
           lambda w: Case({}, {"kind": "system-design", "slug": "lead-code-reviews",
                               "title": "Lead code reviews", "level": "senior",
                               "minutes": "45", "competencies": ["api-design", "scalability"],
                               "rubric": "lead-code-reviews"})),
    Target("planning.create_interview", "POST", "owner",
           ("description", "budget", "level", "candidate_name", "candidate_email", "mode",
            "deadline", "tz_offset", "target_level", "prompts"), plan_interview_case),
    # The candidate of an interview
    Target("interviews.accept", "POST", "interviewee", ("/token",),
           lambda w: Case({}, {"/token": w.shared("invited")[1]})),
    Target("interviews.start", "POST", "interviewee", (), at("joined")),
    Target("interviews.request_regrade", "POST", "interviewee",
           ("attempt", "criterion", "reason"), request_regrade_case),
    # Calibration
    Target("calibration.create_sample", "POST", "admin",
           ("prompt", "title", "answer", "level-{id}", "rationale-{id}"),
           lambda w: calibration_case(w, new=True)),
    Target("calibration.update_sample", "POST", "admin",
           ("title", "answer", "level-{id}", "rationale-{id}"),
           lambda w: calibration_case(w, new=False)),
    Target("calibration.retire_sample", "POST", "admin", (),
           lambda w: Case({"sample_id": w.sample.id}, {})),
    Target("calibration.submit_score", "POST", "reviewer", ("level-{id}", "comment-{id}"),
           calibration_score_case),
    Target("authoring.check", "POST", "author", ("files",), lambda w: Case(
        {}, {"files": {SHORTENER: w.shortener}}), json=True),
    Target("authoring.save", "POST", "author", (f"file:{SHORTENER}",),
           lambda w: Case({}, {f"file:{SHORTENER}": w.shortener})),
    Target("authoring.download", "POST", "author", (f"file:{SHORTENER}",),
           lambda w: Case({}, {f"file:{SHORTENER}": w.shortener + "\nOne more line.\n"})),
    Target("authoring.new", "POST", "author",
           ("kind", "slug", "title", "level", "minutes", "competencies", "rubric"),
           lambda w: Case({}, {"kind": Pick(("system-design", "coding", "rubric")),
                               "slug": "a-new-prompt", "title": "A new prompt",
                               "level": "senior", "minutes": "45",
                               "competencies": ["api-design"], "rubric": ""})),
    # GET routes that read the query string or a text path argument
    Target("calibration.history", "GET", "reviewer", ("?page",),
           lambda w: Case({}, {"?page": "1"})),
    Target("calibration.new_sample", "GET", "admin", ("?prompt",),
           lambda w: Case({}, {"?prompt": Pick(("url-shortener", "sum-two"))})),
    Target("practice.library", "GET", "candidate",
           ("?competency", "?kind", "?level", "?time", "?q", "?page"),
           lambda w: Case({}, {"?competency": "api-design", "?kind": "system-design",
                               "?level": "mid", "?time": "medium", "?q": "shortener",
                               "?page": "1"})),
    Target("practice.revisions", "GET", "candidate", ("?page",),
           on_attempt("attempt", **{"?page": "1"})),
    Target("practice.prompt", "GET", "candidate", ("/slug",),
           lambda w: Case({}, {"/slug": "url-shortener"})),
    Target("authoring.index", "GET", "author", ("?kind", "?status", "?q", "?page"),
           lambda w: Case({}, {"?kind": "system-design", "?status": "published",
                               "?q": "shortener", "?page": "1"})),
    Target("authoring.prompt", "GET", "author", ("/slug", "?file", "?line"),
           lambda w: Case({}, {"/slug": "url-shortener", "?file": SHORTENER, "?line": "3"})),
    Target("authoring.rubric", "GET", "author", ("/slug", "?file", "?line"),
           lambda w: Case({}, {"/slug": "url-shortener", "?file": "rubrics/url-shortener.md",
                               "?line": "3"})),
    Target("authoring.new", "GET", "author",
           ("?kind", "?slug", "?title", "?level", "?minutes", "?competencies", "?rubric"),
           lambda w: Case({}, {"?kind": "sql", "?slug": "a-gap", "?title": "A gap",
                               "?level": "mid", "?minutes": "30",
                               "?competencies": ["api-design", "scalability"],
                               "?rubric": "a-gap"})),
    Target("admin.users", "GET", "admin", ("?q", "?page"),
           lambda w: Case({}, {"?q": "person", "?page": "1"})),
    Target("admin.outbox", "GET", "admin", ("?status", "?page"),
           lambda w: Case({}, {"?status": "queued", "?page": "1"})),
    Target("auth.reset_password", "GET", None, ("/token",),
           lambda w: Case({}, {"/token": w.reset_token})),
    Target("interviews.live_updates", "GET", "owner", ("?seen", "?stage"),
           lambda w: Case({"interview_id": w.shared("started")[0].id},
                          {"?seen": f"{keys(w.shared('started')[0])[0][0]}:1:0",
                           "?stage": "in_progress"})),
    Target("interviews.invitation", "GET", None, ("/token",),
           lambda w: Case({}, {"/token": w.shared("invited")[1]})),
    Target("insight.prompt_history", "GET", "admin", ("/slug", "?page", "?from", "?to"),
           lambda w: Case({}, {"/slug": "url-shortener", "?page": "1", "?from": "1",
                               "?to": "1"})),
    Target("insight.rubric_history", "GET", "admin", ("/slug", "?page", "?from", "?to"),
           lambda w: Case({}, {"/slug": "url-shortener", "?page": "1", "?from": "1",
                               "?to": "1"})),
    Target("insight.rubric", "GET", "admin", ("/slug", "?revision"),
           lambda w: Case({}, {"/slug": "url-shortener", "?revision": "1"})),
    Target("auth.login", "GET", None, ("?next",), lambda w: Case({}, {"?next": "/practice"})),
    Target("auth.signup", "GET", None, ("?next",), lambda w: Case({}, {"?next": "/practice"})),
    # Single sign-on, switched on against a provider that is not there (see ``world``):
    # the start fails to reach it, the callback has no sign-in of this browser to finish.
    Target("auth.oidc_start", "GET", None, ("?next",),
           lambda w: Case({}, {"?next": "/practice"}), fresh_client=True),
    Target("auth.oidc_callback", "GET", None, ("?code", "?state", "?error", "?error_description"),
           lambda w: Case({}, {"?code": "abc", "?state": "xyz", "?error": "access_denied",
                               "?error_description": "The person said no"}), fresh_client=True),
]


# Sending ------------------------------------------------------------------------------------------


def quote(text: str) -> str:
    """Percent-encode as a browser would; a lone surrogate goes as its (invalid) UTF-8 bytes."""
    return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="")


def encode(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)


def pairs_of(values: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for name, value in values.items():
        for one in (value if isinstance(value, list) else [value]):
            out.append((name, str(one)))
    return out


def build_path(app: Flask, target: Target, args: dict[str, Any], path: dict[str, str]) -> str:
    rule = next(r for r in app.url_map.iter_rules(target.endpoint)
                if target.method in (r.methods or ()))
    url = rule.rule
    for name, value in args.items():
        url = url.replace(f"<int:{name}>", str(value))
    for name, value in path.items():
        url = url.replace(f"<{name}>", quote(value))
    assert "<" not in url, f"{url}: an argument has no value"
    return url


@dataclass
class Sent:
    url: str
    args: dict[str, Any]
    headers: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    raw: str | None = None

    def describe(self) -> str:
        shown = {k: (repr(v)[:120] + "..." if len(repr(v)) > 120 else v)
                 for k, v in self.values.items()}
        raw = f"\n  raw body: {self.raw[:120]!r}..." if self.raw is not None else ""
        return f"{self.url}\n  headers: {self.headers}\n  values: {shown}{raw}"


def draw_value(data: st.DataObject, valid: Any, hostile: st.SearchStrategy, name: str) -> Any:
    """A spoiled field: a hostile value, or the field left out."""
    return data.draw(mostly(None, st.just(OMIT)).flatmap(
        lambda omit: st.just(OMIT) if omit is OMIT else hostile), label=name)


def mostly(value: Any, otherwise: st.SearchStrategy) -> st.SearchStrategy:
    """``value`` seven times in eight, else a draw from ``otherwise``."""
    return st.integers(0, 7).flatmap(lambda n: otherwise if n == 0 else st.just(value))


def send(app: Flask, client: WebClient, token: str, target: Target, case: Case,
         data: st.DataObject) -> tuple[Sent, TestResponse]:
    args = {name: data.draw(mostly(value, st.integers(min_value=0, max_value=2**80)),
                            label=f"<{name}>") for name, value in case.args.items()}
    hostile = JSON_VALUE if target.json else HOSTILE_VALUE
    names = sorted(case.fields)
    # Most examples spoil one field and keep the others valid, so that the request
    # gets past the first refusal; the rest spoil any number of fields at once.
    spoiled = data.draw(st.one_of(st.sampled_from(names).map(lambda n: {n}),
                                  st.sets(st.sampled_from(names))) if names else st.just(set()),
                        label="spoiled fields")
    values = {name: draw_value(data, valid, hostile, name) if name in spoiled
              else data.draw(st.sampled_from(valid) if isinstance(valid, Pick) else st.just(valid))
              for name, valid in case.fields.items()}
    values = {name: value for name, value in values.items() if value is not OMIT}
    path = {name[1:]: value for name, value in values.items() if name.startswith("/")}
    for name, valid in case.fields.items():  # a path argument cannot be left out
        if name.startswith("/") and name[1:] not in path:
            path[name[1:]] = valid
    path = {name: v if isinstance(v, str) else " ".join(map(str, v)) for name, v in path.items()}
    query = {n[1:]: v for n, v in values.items() if n.startswith("?")}
    query.update(data.draw(mostly({}, EXTRA_FIELDS), label="extra query"))
    body = {n: v for n, v in values.items() if n[0] not in "?/"}
    headers = data.draw(mostly({}, HEADERS), label="headers")
    url = build_path(app, target, args, path)
    if query:
        url += "?" + encode(pairs_of(query))
    sent = Sent(url, args, headers, values)
    if target.method == "GET":
        return sent, client.raw.get(url, headers=headers)
    if target.json:
        if data.draw(mostly(False, st.just(True)), label="a whole hostile body"):
            sent.values, sent.raw = {}, data.draw(st.sampled_from(RAW_JSON_BODIES), label="body")
        else:
            sent.values = {**body, **data.draw(mostly({}, EXTRA_FIELDS), label="extra fields")}
            sent.raw = json.dumps(sent.values)
        return sent, client.raw.post(url, data=sent.raw, content_type="application/json",
                                     headers={**headers, "X-CSRFToken": token})
    extra = data.draw(mostly({}, EXTRA_FIELDS), label="extra fields")
    form = encode([("csrf_token", token), *pairs_of(body), *pairs_of(extra)])
    return sent, client.raw.post(url, data=form, headers=headers,
                                 content_type="application/x-www-form-urlencoded")


def snapshot(app: Flask) -> dict[str, list[str]]:
    """Every row of every table, to show that a refused request changed nothing."""
    with get_database(app).engine.connect() as conn:
        return {table.name: sorted(repr(tuple(row)) for row in conn.execute(select(table)))
                for table in Base.metadata.sorted_tables}


def signed_in(app: Flask, world: World, actor: str | None) -> tuple[WebClient, str]:
    client = WebClient(app.test_client())
    if actor is not None:
        person = world.person(actor)
        assert client.login(person.email, PASSWORD).status_code == 302, f"{actor} cannot sign in"
    return client, client.csrf_token()


# The tests ----------------------------------------------------------------------------------------


@pytest.fixture
def world(app, db, tmp_path, monkeypatch) -> World:
    # The content workspace reads and writes the world's library, never the project's.
    monkeypatch.setitem(app.config, "CONTENT_DIR", str(tmp_path))
    # Single sign-on on, pointing at a port nothing listens on.
    monkeypatch.setitem(app.config, "OIDC_ISSUER", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", "fuzz")
    monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", "fuzz")
    return World(db, tmp_path)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(data=st.data())
def test_hostile_values_never_get_a_server_error(app, world, caplog, target, data):
    get_limiter(app).reset()  # a rate limit is a 429, and would hide the route behind it
    case = target.case(world)
    for name in case.fields:
        assert any(re.fullmatch(re.escape(declared).replace(r"\{key\}", r"\d+-\d+")
                                .replace(r"\{id\}", r"\d+"), name) for declared in target.fields
                   ), f"{target.name}: field {name} is not declared in TARGETS"
    if target.fresh_client or target.actor not in world.clients:
        world.clients[target.actor] = signed_in(app, world, target.actor)
    client, token = world.clients[target.actor]
    before = snapshot(app)
    caplog.clear()
    sent, response = send(app, client, token, target, case, data)
    logged = "\n".join(logging.Formatter().formatException(r.exc_info)
                       for r in caplog.records if r.exc_info)
    assert response.status_code < 500, (
        f"{target.name} answered {response.status_code}\n  {sent.describe()}\n{logged}")
    if response.status_code >= 400:
        after = snapshot(app)
        changed = [name for name in before if before[name] != after[name]]
        assert not changed, (f"{target.name} refused ({response.status_code}) but changed "
                             f"{changed}\n  {sent.describe()}")
    if case.check is not None and sent.args == case.args:  # not sent to some other id
        case.check(world.db, sent.values, response)


def unfuzzed_posts(app: Flask) -> set[str]:
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}
    return posts - {t.endpoint for t in TARGETS if t.method == "POST"}


def test_every_post_route_is_fuzzed(app):
    assert unfuzzed_posts(app) == set(), "add these POST routes to TARGETS"
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}
    assert {t.endpoint for t in TARGETS if t.method == "POST"} <= posts, "a target is stale"


def test_a_new_post_route_is_reported_until_it_is_fuzzed(database_url):
    app = make_test_app(database_url)

    @app.post("/new-form")
    @access(SIGNED_IN)
    def new_form():
        return "ok"

    assert unfuzzed_posts(app) == {"new_form"}


def test_every_get_route_reading_the_query_or_a_text_path_is_fuzzed(app):
    wanted = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        view = inspect.unwrap(app.view_functions[rule.endpoint])
        text_argument = re.search(r"<\w+>", rule.rule) is not None  # the default converter
        if "request.args" in inspect.getsource(view) or text_argument:
            wanted.add(rule.endpoint)
    fuzzed = {t.endpoint for t in TARGETS if t.method == "GET"}
    assert wanted - fuzzed == set(), "add these GET routes to TARGETS"


def test_the_module_docstring_states_the_counts():
    stated = re.search(r"Counts: (\d+) routes \((\d+) POST, (\d+) GET\), (\d+) fields, "
                       r"(\d+) examples per route, so (\d+)", __doc__.replace("\n", " "))
    assert stated, "the docstring lost its counts"
    posts = sum(t.method == "POST" for t in TARGETS)
    actual = (len(TARGETS), posts, len(TARGETS) - posts, sum(len(t.fields) for t in TARGETS),
              EXAMPLES, len(TARGETS) * EXAMPLES)
    assert tuple(int(n) for n in stated.groups()) == actual
