"""Inputs no page may answer with a 500: each case a review found, on both databases.

The rule (``app/inputs.py``): text no database can store (NUL, lone
surrogates) is refused with 422 and a message saying where it is, never
stripped; ids beyond the id columns' range are 404; numbers in forms and query
strings are ASCII digits or nothing; a refused request changes nothing.
``test_fuzz_inputs.py`` throws random values at every route on top of these.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus

import pytest
from sqlalchemy import func, select

from app.interviews import feedback
from app.models import (
    AnswerRevision,
    Attempt,
    AttemptStatus,
    CriterionScore,
    Interview,
    InterviewNote,
    RegradeRequest,
    Role,
    User,
)
from tests.factories.interviews import (
    answer_and_submit,
    join_and_start,
    make_interview,
    make_panel,
    score_all,
)
from tests.factories.practice import make_attempt
from tests.factories.users import PASSWORD, make_user
from tests.integration.routes import SAMPLE_ARGUMENTS
from tests.support.web import WebClient

UNPROCESSABLE = HTTPStatus.UNPROCESSABLE_ENTITY


@pytest.fixture
def candidate(client, db, library):
    user = make_user(db)
    client.login(user.email, PASSWORD)
    return user


@pytest.fixture
def owner_with_interview(client, db, library):
    """A signed-in owner, and a live interview its candidate has started."""
    owner, _ = make_panel(db, reviewers=0)
    interview, _ = make_interview(db, owner)
    join_and_start(db, interview)
    client.login(owner.email, PASSWORD)
    return owner, interview


def post_json(client: WebClient, url: str, raw: str | bytes):
    """POST a raw JSON body, as a script would, with the CSRF header."""
    return client.raw.post(url, data=raw, content_type="application/json",
                           headers={"X-CSRFToken": client.csrf_token(),
                                    "Accept": "application/json"})


def revisions(db, attempt_id: int) -> list[tuple[int, str]]:
    db.expire_all()
    return [(r.number, r.body) for r in db.scalars(
        select(AnswerRevision).where(AnswerRevision.attempt_id == attempt_id)
        .order_by(AnswerRevision.number))]


def first_key(interview: Interview) -> str:
    item = interview.items[0]
    return f"{item.attempt.id}-{item.rubric_revision.criteria[0].id}"


# NUL (U+0000): PostgreSQL text cannot hold it -----------------------------------------------


@pytest.mark.parametrize("query", ["q=a%00b", "kind=%00", "competency=x%00", "page=1&%00=1"])
def test_nul_in_a_query_string_is_422_before_any_query(client, candidate, query):
    response = client.get(f"/practice?{query}")
    assert response.status_code == UNPROCESSABLE
    assert "NUL character" in response.get_data(as_text=True)


def test_nul_in_the_admin_search_is_422(client, db):
    admin = make_user(db, Role.ADMIN)
    client.login(admin.email, PASSWORD)
    assert client.get("/admin/users?q=a%00b").status_code == UNPROCESSABLE


def test_nul_in_a_path_is_404(client, candidate):
    assert client.get("/practice/prompts/url%00shortener").status_code == HTTPStatus.NOT_FOUND


def test_nul_in_the_sign_up_name_is_422_and_no_account_is_made(client, db):
    response = client.post("/signup", {"display_name": "Ann\x00", "email": "ann@example.com",
                                       "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == UNPROCESSABLE
    assert "line 1, column 4" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(User.id))) == 0


def test_nul_in_an_interview_title_is_422_and_nothing_is_created(client, db, library):
    owner, _ = make_panel(db, reviewers=0)
    client.login(owner.email, PASSWORD)
    response = client.post("/interviews/new", {
        "candidate_name": "Casey", "candidate_email": "casey@example.com",
        "title": "Round\x00one", "prompts": "url-shortener", "target_level": "senior",
        "mode": "live", "tz_offset": "0"})
    assert response.status_code == UNPROCESSABLE
    assert db.scalar(select(func.count(Interview.id))) == 0


def test_nul_in_a_note_or_a_scorecard_comment_is_422_and_nothing_is_stored(
        client, db, owner_with_interview):
    _, interview = owner_with_interview
    note = client.post(f"/interviews/{interview.id}/notes", {"body": "Good\x00point"})
    assert note.status_code == UNPROCESSABLE
    key = first_key(interview)
    card = client.post(f"/interviews/{interview.id}/scorecard",
                       {f"level-{key}": "3", f"comment-{key}": "Fine\x00", "action": "save"})
    assert card.status_code == UNPROCESSABLE
    assert db.scalar(select(func.count(InterviewNote.id))) == 0
    assert db.scalar(select(func.count(CriterionScore.id))) == 0


def test_an_answer_with_nul_is_refused_with_where_it_is_and_the_saved_answer_is_kept(
        client, db, candidate):
    attempt = make_attempt(db, candidate, body="kept")
    url = f"/practice/attempts/{attempt.id}/draft"
    response = post_json(client, url, json.dumps(
        {"body": "line one\nab\x00c", "based_on": 1, "client_id": "tab"}))
    assert response.status_code == UNPROCESSABLE
    assert "NUL character" in response.json["detail"]
    assert "line 2, column 3" in response.json["detail"]
    assert revisions(db, attempt.id) == [(1, "kept")]
    # Without the character the same save goes through.
    fixed = post_json(client, url, json.dumps({"body": "line one\nabc", "based_on": 1}))
    assert fixed.status_code == HTTPStatus.OK
    assert revisions(db, attempt.id) == [(1, "kept"), (2, "line one\nabc")]


def test_submitting_an_answer_with_nul_is_422_and_the_attempt_stays_open(client, db, candidate):
    attempt = make_attempt(db, candidate, body="kept")
    response = client.post(f"/practice/attempts/{attempt.id}/submit",
                           {"body": "final\x00", "based_on": "1"})
    assert response.status_code == UNPROCESSABLE
    assert revisions(db, attempt.id) == [(1, "kept")]
    assert db.get(Attempt, attempt.id).status is AttemptStatus.IN_PROGRESS


# Lone surrogates: no UTF-8 form, so no database can store them -------------------------------


@pytest.mark.parametrize("field", ["body", "client_id"])
def test_a_lone_surrogate_in_an_autosave_is_422_and_the_saved_answer_is_kept(
        client, db, candidate, field):
    attempt = make_attempt(db, candidate, body="kept")
    data = {"body": "new text", "based_on": 1, "client_id": "tab", field: "x\ud800"}
    response = post_json(client, f"/practice/attempts/{attempt.id}/draft", json.dumps(data))
    assert response.status_code == UNPROCESSABLE
    assert "unpaired surrogate (U+D800" in response.json["detail"]
    assert revisions(db, attempt.id) == [(1, "kept")]


# Ids beyond what an id column holds ---------------------------------------------------------


def int_routes(app) -> list[tuple[str, str, str]]:
    """(method, rule, argument) for every <int:...> argument of every route."""
    found = []
    for rule in app.url_map.iter_rules():
        for name in re.findall(r"<int:(\w+)>", rule.rule):
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                found.append((method, rule.rule, name))
    return sorted(found)


@pytest.mark.parametrize("huge", [2**63, 2**64 + 1, 10**30, 2**31])
def test_ids_beyond_the_id_columns_are_404_on_every_route(app, client, db, huge):
    user = make_user(db, Role.CANDIDATE, Role.INTERVIEWER, Role.ADMIN)
    client.login(user.email, PASSWORD)
    routes = int_routes(app)
    assert len(routes) >= 25
    for method, rule, name in routes:
        url = rule
        for arg, value in {**SAMPLE_ARGUMENTS, name: huge}.items():
            url = url.replace(f"<int:{arg}>", str(value)).replace(f"<{arg}>", str(value))
        url = url.replace("<any(csv, json):kind>", "csv")
        response = client.get(url) if method == "GET" else client.post(url)
        assert response.status_code == HTTPStatus.NOT_FOUND, (method, url)


# Digits that are not ASCII digits: "²".isdigit() is true, int("²") fails ----------------------


def test_superscript_two_as_a_scorecard_level_is_422_and_nothing_is_stored(
        client, db, owner_with_interview):
    _, interview = owner_with_interview
    key = first_key(interview)
    response = client.post(f"/interviews/{interview.id}/scorecard",
                           {f"level-{key}": "\u00b2", "action": "save"})
    assert response.status_code == UNPROCESSABLE
    assert db.scalar(select(func.count(CriterionScore.id))) == 0


@pytest.mark.parametrize("level", ["\u00b2", "-1", " 3", "3.0", "99999999999999999999"])
def test_a_release_level_that_is_not_a_plain_number_is_422_and_nothing_is_released(
        client, db, library, level):
    owner, _ = make_panel(db, reviewers=0)
    interview, _ = make_interview(db, owner)
    join_and_start(db, interview)
    answer_and_submit(db, interview, "An answer.")
    score_all(db, interview, owner, 3)
    feedback.decide(db, interview, owner, "advance", "")
    client.login(owner.email, PASSWORD)
    key = first_key(interview)
    response = client.post(f"/interviews/{interview.id}/release",
                           {f"level-{key}": level, f"show-level-{key}": "on"})
    assert response.status_code == UNPROCESSABLE
    db.expire_all()
    assert db.get(Interview, interview.id).released_at is None


@pytest.mark.parametrize("seen", ["{a}:\u00b2", "\u00b2:1", "{a}:99999999999999999999999",
                                  "{a}:-1", ":", ",,,"])
def test_the_live_view_ignores_seen_pairs_that_are_not_plain_numbers(
        client, owner_with_interview, seen):
    _, interview = owner_with_interview
    attempt_id = interview.items[0].attempt.id
    response = client.get(f"/interviews/{interview.id}/live/updates",
                          query_string={"seen": seen.format(a=attempt_id)})
    assert response.status_code == HTTPStatus.OK
    # Not taken as seen: the page is told to reload for an answer it does not have.
    assert response.headers["HX-Refresh"] == "true"


# Dates: a deadline that overflows when moved to UTC ------------------------------------------


@pytest.mark.parametrize(("deadline", "offset", "message"), [
    ("9999-12-31T23:59", "840", "Set the deadline within 30 days."),
    ("0001-01-01T00:00", "-840", "Set the deadline at least 15 minutes from now.")])
def test_a_deadline_at_either_end_of_time_is_422_on_the_deadline_field(
        client, db, library, deadline, offset, message):
    owner, _ = make_panel(db, reviewers=0)
    client.login(owner.email, PASSWORD)
    response = client.post("/interviews/new", {
        "candidate_name": "Casey", "candidate_email": "casey@example.com",
        "prompts": "url-shortener", "target_level": "senior", "mode": "take_home",
        "deadline": deadline, "tz_offset": offset})
    assert response.status_code == UNPROCESSABLE
    assert message in response.get_data(as_text=True)
    assert db.scalar(select(func.count(Interview.id))) == 0


# The autosave endpoint: wrong JSON of every shape ----------------------------------------------

NESTED = "[" * 100_000 + "]" * 100_000
MALFORMED = {
    "a JSON string": '"hello"',
    "a JSON list": '[{"body": "x", "based_on": 1}]',
    "null": "null",
    "based_on true": '{"body": "x", "based_on": true}',
    "based_on a string": '{"body": "x", "based_on": "1"}',
    "based_on negative": '{"body": "x", "based_on": -1}',
    "based_on a float": '{"body": "x", "based_on": 1.0}',
    "based_on beyond any id": '{"body": "x", "based_on": 9223372036854775808}',
    "body a number": '{"body": 5, "based_on": 1}',
    "client_id an object": '{"body": "x", "based_on": 1, "client_id": {"a": 1}}',
    "no body": '{"based_on": 1}',
    "no based_on": '{"body": "x"}',
    "empty object": "{}",
    "100,000 deep": NESTED,
    "deep inside an object": '{"body": "x", "based_on": 1, "extra": ' + NESTED + "}",
    "not JSON": "{body: x}",
    "not UTF-8": b'{"body": "\xff", "based_on": 1}',
}


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_autosave_is_422_and_the_saved_answer_is_kept(client, db, candidate, raw):
    attempt = make_attempt(db, candidate, body="kept")
    response = post_json(client, f"/practice/attempts/{attempt.id}/draft", raw)
    assert response.status_code == UNPROCESSABLE
    assert response.json["detail"]
    assert revisions(db, attempt.id) == [(1, "kept")]


@pytest.mark.parametrize("based_on", ["-1", "9223372036854775808", "\u00b2", "1e3"])
def test_a_submit_based_on_an_impossible_revision_is_422_and_the_attempt_stays_open(
        client, db, candidate, based_on):
    attempt = make_attempt(db, candidate, body="kept")
    response = client.post(f"/practice/attempts/{attempt.id}/submit",
                           {"body": "final", "based_on": based_on})
    assert response.status_code == UNPROCESSABLE
    assert revisions(db, attempt.id) == [(1, "kept")]
    assert db.get(Attempt, attempt.id).status is AttemptStatus.IN_PROGRESS


@pytest.mark.parametrize("value", [str(2**63), "\u00b2", "-1"])
def test_a_regrade_request_for_ids_that_are_not_plain_numbers_is_refused(client, db, library,
                                                                          value):
    owner, _ = make_panel(db, reviewers=0)
    interview, _ = make_interview(db, owner)
    candidate = join_and_start(db, interview)
    answer_and_submit(db, interview, "An answer.")
    score_all(db, interview, owner, 3)
    feedback.decide(db, interview, owner, "advance", "")
    item = interview.items[0]
    feedback.release(db, interview, owner, {
         (item.attempt.id, c.id): feedback.FeedbackChoice(3, True, "", False)
         for c in item.rubric_revision.criteria})
    client.login(candidate.email, PASSWORD)
    response = client.post(f"/my/interviews/{interview.id}/regrades",
                           {"attempt": value, "criterion": value,
                            "reason": "Please look again at this one."})
    assert response.status_code == UNPROCESSABLE
    assert db.scalar(select(func.count(RegradeRequest.id))) == 0


# Searches longer than any value they could match ---------------------------------------------


def test_an_account_search_longer_than_any_email_or_name_is_422(client, db):
    admin = make_user(db, Role.ADMIN)
    client.login(admin.email, PASSWORD)
    # SQLite refuses LIKE patterns over 50,000 bytes; no email or name is a tenth as long.
    response = client.get("/admin/users", query_string={"q": "\u00e9" * 30_000})
    assert response.status_code == UNPROCESSABLE
    assert "at most 254 characters" in response.get_data(as_text=True)
    assert client.get("/admin/users", query_string={"q": "x" * 254}).status_code == HTTPStatus.OK
