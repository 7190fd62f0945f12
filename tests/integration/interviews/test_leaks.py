"""What an interview must not let its candidate learn early, tried from the candidate's side.

From accepting the invitation until the interview is submitted, the prompts it
holds are closed to the candidate's practice: no hints, no reference answer, no
rubric, through any practice attempt, old or new. The invitation does not say
which prompts it holds; hidden-test results wait for the released feedback; the
candidate never sits on their own panel; and a draft prompt never goes into one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus

import pytest
from sqlalchemy import func, select

from app.attempts import lifecycle
from app.content.sync import sync_content
from app.db import utcnow
from app.errors import Invalid, NotAllowed
from app.grading.runner.sandbox import sandbox_problem
from app.grading.runs import execute_run
from app.interviews import clock, feedback, invitations
from app.models import (
    Attempt,
    HintReveal,
    Interview,
    InterviewMode,
    Role,
    RunKind,
    Scorecard,
    TestRun,
    User,
)
from app.practice import services as practice
from tests.factories.content import DESIGN_PROMPT
from tests.factories.interviews import (
    answer_and_submit,
    join_and_start,
    make_interview,
    make_panel,
    score_all,
)
from tests.factories.practice import load_library, make_attempt
from tests.factories.users import PASSWORD, make_user
from tests.support.tools import missing_tool

CODE = "def add(a, b):\n    return a + b\n"
FIRST_HINT = "How long must a code be?"
REFERENCE = "A strong answer estimates"
DESCRIPTOR = "Quantifies reads and writes"
SECRETS = (FIRST_HINT, REFERENCE, DESCRIPTOR, "Python has an operator for this.")


def login(client, user: User) -> None:
    client.logout()
    client.login(user.email, PASSWORD)


@dataclass
class Practised:
    """A candidate who practised the interview's prompts before being invited."""

    owner: User
    candidate: User
    interview: Interview
    token: str
    open_id: int   # url-shortener, in progress, one hint shown
    done_id: int   # url-shortener, submitted: its result shows the rubric and the reference
    code_id: int   # sum-two, in progress, with code saved


@pytest.fixture
def practised(db, tmp_path) -> Practised:
    load_library(db, tmp_path)
    owner, _ = make_panel(db, reviewers=0)
    interview, token = make_interview(db, owner, prompts=("url-shortener", "sum-two"))
    candidate = make_user(db, name="Casey Candidate", email="casey@example.com")
    opened = make_attempt(db, candidate, body="A first draft.")
    lifecycle.reveal_hint(db, opened)
    done = make_attempt(db, candidate, body="A finished answer.", submitted=True)
    code = make_attempt(db, candidate, "sum-two", body=CODE)
    return Practised(owner, candidate, interview, token, opened.id, done.id, code.id)


def reach(db, p: Practised, stage: str) -> None:
    """Take the candidate's interview to ``stage``."""
    if stage == "joined":
        invitations.join(db, p.interview, p.candidate)
    elif stage == "started":
        join_and_start(db, p.interview, p.candidate)
    elif stage == "submitted":
        join_and_start(db, p.interview, p.candidate)
        answer_and_submit(db, p.interview, "The interview answer.")


# Every practice route, with what it answers when practice on the prompt is open.
PRACTICE_ROUTES = [
    ("library listing", "GET", "/practice", HTTPStatus.OK),
    ("prompt page", "GET", "/practice/prompts/url-shortener", HTTPStatus.OK),
    ("start attempt", "POST", "/practice/prompts/url-shortener/attempts", HTTPStatus.FOUND),
    ("workspace", "GET", "/practice/attempts/{open}", HTTPStatus.OK),
    ("draft", "GET", "/practice/attempts/{open}/draft", HTTPStatus.OK),
    ("hints", "POST", "/practice/attempts/{open}/hints", HTTPStatus.FOUND),
    ("history", "GET", "/practice/attempts/{open}/revisions", HTTPStatus.OK),
    ("one revision", "GET", "/practice/attempts/{open}/revisions/1", HTTPStatus.OK),
    ("restore", "POST", "/practice/attempts/{open}/revisions/1/restore", HTTPStatus.FOUND),
    ("timer", "POST", "/practice/attempts/{open}/timer", HTTPStatus.OK),
    ("submit", "POST", "/practice/attempts/{open}/submit", HTTPStatus.FOUND),
    ("result: reference and rubric", "GET", "/practice/attempts/{done}/result", HTTPStatus.OK),
    ("rubric self-assessment", "POST", "/practice/attempts/{done}/self-assessment",
     HTTPStatus.FOUND),
    ("public tests", "POST", "/practice/attempts/{code}/runs", HTTPStatus.ACCEPTED),
    ("progress", "GET", "/practice/progress", HTTPStatus.OK),
]
# The listing names every published prompt to every candidate, and progress shows
# only counts and titles: both stay open, and show none of the secrets.
STAYS_OPEN = {"library listing", "progress"}
STAGES = [("not joined", False), ("joined", True), ("started", True), ("submitted", False)]


@pytest.mark.parametrize(("stage", "locked"), STAGES)
@pytest.mark.parametrize(("route", "method", "path", "open_status"), PRACTICE_ROUTES,
                         ids=[r[0] for r in PRACTICE_ROUTES])
def test_practice_on_the_interview_prompts_is_closed_from_accepting_until_submitting(
        client, db, practised, stage, locked, route, method, path, open_status):
    p = practised
    reach(db, p, stage)
    login(client, p.candidate)
    url = path.format(open=p.open_id, done=p.done_id, code=p.code_id)
    response = client.get(url) if method == "GET" else client.post(url, {"level": "senior"})
    page = response.get_data(as_text=True)
    if locked and route not in STAYS_OPEN:
        assert response.status_code == HTTPStatus.FORBIDDEN, page
        assert "part of your interview" in page
    else:
        assert response.status_code == open_status, page
    if locked:
        assert not [secret for secret in SECRETS if secret in page]


def test_a_practice_attempt_from_before_the_interview_shows_no_hints_during_it(
        client, db, practised):
    p = practised
    join_and_start(db, p.interview, p.candidate)  # hints are off in this interview
    with pytest.raises(NotAllowed):
        lifecycle.get_own_attempt(db, p.candidate, p.open_id)
    attempt = db.get(Attempt, p.open_id)
    with pytest.raises(NotAllowed):
        lifecycle.reveal_hint(db, attempt)
    with pytest.raises(NotAllowed):
        practice.attempt_result(db, db.get(Attempt, p.done_id))
    login(client, p.candidate)
    for headers in ({}, {"HX-Request": "true"}):
        refused = client.post(f"/practice/attempts/{p.open_id}/hints", headers=headers)
        assert refused.status_code == HTTPStatus.FORBIDDEN
        assert "Where do redirects read from?" not in refused.get_data(as_text=True)
    workspace = client.get(f"/practice/attempts/{p.open_id}")
    assert workspace.status_code == HTTPStatus.FORBIDDEN
    assert FIRST_HINT not in workspace.get_data(as_text=True)
    assert db.scalar(select(func.count(HintReveal.id))
                     .where(HintReveal.attempt_id == p.open_id)) == 1


def test_practice_opens_again_when_an_unstarted_take_home_expires(client, db, tmp_path):
    load_library(db, tmp_path)
    owner, _ = make_panel(db, reviewers=0)
    created = utcnow() - timedelta(days=1)
    interview, _ = make_interview(db, owner, mode=InterviewMode.TAKE_HOME,
                                  deadline_at=created + timedelta(hours=2), now=created)
    candidate = make_user(db)
    invitations.join(db, interview, candidate, now=created)
    login(client, candidate)
    assert client.get("/practice/prompts/url-shortener").status_code == HTTPStatus.OK


def test_a_prompt_judged_by_an_interview_prompts_rubric_is_closed_too(client, db, tmp_path):
    # service-00 is another prompt scored with the url-shortener rubric.
    load_library(db, tmp_path, extra_design_prompts=1)
    owner, _ = make_panel(db, reviewers=0)
    interview, _ = make_interview(db, owner, prompts=("url-shortener",))
    candidate = make_user(db)
    done = make_attempt(db, candidate, "service-00", body="An earlier answer.", submitted=True)
    invitations.join(db, interview, candidate)
    login(client, candidate)
    result = client.get(f"/practice/attempts/{done.id}/result")
    assert result.status_code == HTTPStatus.FORBIDDEN
    assert DESCRIPTOR not in result.get_data(as_text=True)
    assert client.post("/practice/prompts/service-00/attempts").status_code == \
        HTTPStatus.FORBIDDEN
    assert client.get("/practice/prompts/sum-two").status_code == HTTPStatus.OK


# The invitation --------------------------------------------------------------------------


def test_the_invitation_says_how_many_prompts_and_how_long_but_not_which(client, db,
                                                                         practised):
    p = practised
    page = client.get(f"/join/{p.token}").get_data(as_text=True)
    assert "Design a URL shortener" not in page and "Sum two numbers" not in page
    assert "2 prompts" in page and "75 minutes" in page
    login(client, p.candidate)
    assert "Design a URL shortener" not in client.get(f"/join/{p.token}").get_data(
        as_text=True)


def test_the_candidate_sees_no_prompt_title_before_starting(client, db, practised):
    p = practised
    assert "Design a URL shortener" in p.interview.title  # the panel's default title
    invitations.join(db, p.interview, p.candidate)
    login(client, p.candidate)
    for url in (f"/my/interviews/{p.interview.id}", "/"):
        page = client.get(url).get_data(as_text=True)
        assert "Design a URL shortener" not in page and "Sum two numbers" not in page, url
        assert f"Interview with {p.owner.display_name}" in page, url
    clock.start(db, p.interview, p.candidate)
    page = client.get(f"/my/interviews/{p.interview.id}").get_data(as_text=True)
    assert "Design a URL shortener" in page and "Sum two numbers" in page


# Hidden tests ----------------------------------------------------------------------------


def test_hidden_test_results_reach_the_candidate_only_with_the_feedback(client, db, tmp_path):
    problem = sandbox_problem()
    if problem:
        missing_tool(problem)
    load_library(db, tmp_path)
    owner, _ = make_panel(db, reviewers=0)
    interview, _ = make_interview(db, owner, prompts=("sum-two",))
    candidate = join_and_start(db, interview)
    attempt = interview.items[0].attempt
    lifecycle.save_draft(db, attempt, body=CODE, based_on=0, client_id="tab")
    login(client, candidate)
    public_id = client.post(f"/practice/attempts/{attempt.id}/runs").json["id"]
    assert execute_run(db).id == public_id  # the only queued run is the next one
    assert client.post(f"/practice/attempts/{attempt.id}/submit").status_code == \
        HTTPStatus.FOUND
    hidden = db.scalar(select(TestRun).where(TestRun.attempt_id == attempt.id,
                                             TestRun.kind == RunKind.HIDDEN))
    assert execute_run(db).id == hidden.id

    refused = client.get(f"/practice/attempts/{attempt.id}/runs/{hidden.id}")
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert "test_negative" not in refused.get_data(as_text=True)
    public = client.get(f"/practice/attempts/{attempt.id}/runs/{public_id}")
    assert public.status_code == HTTPStatus.OK
    assert public.json["tests"][0]["name"] == "test_small"

    db.expire_all()
    interview = db.get(Interview, interview.id)
    score_all(db, interview, owner, 3)
    feedback.decide(db, interview, owner, "advance", "")
    feedback.release(db, interview, owner, {}, message="Thank you.")
    released = client.get(f"/practice/attempts/{attempt.id}/runs/{hidden.id}")
    assert released.status_code == HTTPStatus.OK
    assert released.json["tests"][0]["name"] == "test_negative"


# The panel -------------------------------------------------------------------------------


def new_interview_form(**changes) -> dict:
    form = {"candidate_name": "Casey Candidate", "candidate_email": "casey@example.com",
            "title": "Platform engineer, round two", "prompts": "url-shortener",
            "target_level": "senior", "mode": "live", "tz_offset": "0"}
    return {**form, **changes}


def test_the_invited_person_cannot_be_a_reviewer_at_creation(client, db, tmp_path):
    load_library(db, tmp_path)
    owner, _ = make_panel(db, reviewers=0)
    casey = make_user(db, Role.INTERVIEWER, name="Casey Candidate", email="casey@example.com")
    login(client, owner)
    response = client.post("/interviews/new", new_interview_form(reviewers=str(casey.id)))
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    page = response.get_data(as_text=True)
    assert "is the candidate" in page
    assert 'aria-describedby="reviewers-error"' in page
    # Nothing typed is lost.
    assert 'value="Platform engineer, round two"' in page
    assert 'value="casey@example.com"' in page
    assert 'value="url-shortener" checked' in page
    assert db.scalar(select(func.count(Interview.id))) == 0
    with pytest.raises(Invalid):
        make_interview(db, owner, [casey])


def test_the_owner_cannot_be_the_candidate(client, db, tmp_path):
    load_library(db, tmp_path)
    owner, _ = make_panel(db, reviewers=0)
    login(client, owner)
    response = client.post("/interviews/new",
                           new_interview_form(candidate_email=owner.email.upper()))
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    page = response.get_data(as_text=True)
    assert "That is your own email" in page
    assert 'id="candidate_email-error"' in page
    assert 'value="Platform engineer, round two"' in page
    assert db.scalar(select(func.count(Interview.id))) == 0
    # Nor can the owner accept the invitation of an interview they own.
    interview, token = make_interview(db, owner)
    assert client.post(f"/join/{token}").status_code == HTTPStatus.FORBIDDEN
    db.expire_all()
    assert db.get(Interview, interview.id).candidate_id is None


def test_a_draft_prompt_cannot_go_into_an_interview(client, db, tmp_path):
    root = load_library(db, tmp_path)
    draft = root / "prompts" / "unfinished-design.md"
    draft.write_text(DESIGN_PROMPT.replace("title: Design a URL shortener",
                                           "title: Unfinished design\nstatus: draft")
                     .replace("tags:", "rubric: url-shortener\ntags:"))
    sync_content(db, root)
    owner, _ = make_panel(db, reviewers=0)
    login(client, owner)

    page = client.get("/interviews/new").get_data(as_text=True)
    assert 'value="url-shortener"' in page
    assert "unfinished-design" not in page and "Unfinished design" not in page
    for chosen in (["unfinished-design"], ["url-shortener", "unfinished-design"]):
        response = client.post("/interviews/new", new_interview_form(prompts=chosen))
        assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
        assert 'id="prompts-error"' in response.get_data(as_text=True)
    with pytest.raises(Invalid, match="no published prompt 'unfinished-design'"):
        make_interview(db, owner, prompts=("unfinished-design",))
    assert db.scalar(select(func.count(Interview.id))) == 0

    # Published, the same prompt goes in.
    draft.write_text(draft.read_text().replace("status: draft", "status: published"))
    sync_content(db, root)
    assert 'value="unfinished-design"' in client.get("/interviews/new").get_data(as_text=True)
    created = client.post("/interviews/new", new_interview_form(prompts="unfinished-design"))
    assert created.status_code == HTTPStatus.FOUND
    assert db.scalar(select(func.count(Interview.id))) == 1


@pytest.mark.parametrize("who", ["the account that joined", "the invited email"])
def test_the_candidate_cannot_be_added_to_the_panel_later(client, db, tmp_path, who):
    load_library(db, tmp_path)
    owner, _ = make_panel(db, reviewers=0)
    interview, _ = make_interview(db, owner)
    if who == "the account that joined":
        person = make_user(db, Role.INTERVIEWER, name="Casey Again")
        invitations.join(db, interview, person)
    else:
        person = make_user(db, Role.INTERVIEWER, name="Casey Again", email="Casey@Example.com")
    bystander = make_user(db, Role.INTERVIEWER, name="Bea Bystander")
    login(client, owner)
    overview = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "Bea Bystander" in overview and "Casey Again" not in overview  # not offered
    response = client.post(f"/interviews/{interview.id}/reviewers", {"reviewer": person.id})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    page = response.get_data(as_text=True)
    assert "is the candidate" in page
    assert 'aria-describedby="add-reviewer-error"' in page
    assert 'id="panel"' in page  # the overview again, with the error beside the field
    db.expire_all()
    assert db.scalar(select(Scorecard.id).where(Scorecard.reviewer_id == person.id)) is None
    with pytest.raises(Invalid):
        invitations.add_reviewer(db, db.get(Interview, interview.id), owner, person.id)
    added = client.post(f"/interviews/{interview.id}/reviewers", {"reviewer": bystander.id})
    assert added.status_code == HTTPStatus.FOUND


def test_a_reviewer_cannot_accept_the_invitation(client, db, tmp_path):
    load_library(db, tmp_path)
    owner, (reviewer,) = make_panel(db, reviewers=1)
    interview, token = make_interview(db, owner, [reviewer])
    with pytest.raises(NotAllowed):
        invitations.join(db, interview, reviewer)
    login(client, reviewer)
    assert client.post(f"/join/{token}").status_code == HTTPStatus.FORBIDDEN
    db.expire_all()
    assert db.get(Interview, interview.id).candidate_id is None


PANEL_PAGES = ["", "/live", "/live/updates", "/scorecard", "/comparison", "/release",
               "/export.csv", "/export.json"]


@pytest.mark.parametrize("path", PANEL_PAGES)
def test_a_candidate_already_on_the_panel_reaches_no_panel_page(client, db, tmp_path, path):
    load_library(db, tmp_path)
    owner, _ = make_panel(db, reviewers=0)
    interview, _ = make_interview(db, owner)
    candidate = make_user(db, Role.INTERVIEWER, name="Casey Candidate")
    join_and_start(db, interview, candidate)
    answer_and_submit(db, interview, "A key-value store.")
    # A seat given before the panel refused candidates: it opens nothing to them.
    db.add(Scorecard(interview_id=interview.id, reviewer_id=candidate.id))
    db.commit()
    login(client, candidate)
    assert client.get(f"/interviews/{interview.id}{path}").status_code == HTTPStatus.NOT_FOUND
    assert "Design a URL shortener" not in client.get("/interviews").get_data(as_text=True)
