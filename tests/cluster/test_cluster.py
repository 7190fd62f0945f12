"""Scale-out: PostgreSQL, Redis, two app instances, two workers and nginx, and a crash midway.

A candidate practises a coding prompt while an interviewer runs an interview, all in
Chromium through nginx. Midway one app instance and the worker executing the
candidate's test run are killed (SIGKILL). The journeys finish through nginx, and:
the same browser's requests were served by both instances and it stays signed in;
failed sign-ins sent to one instance and the other are limited together; the run
whose worker died finishes on the other worker; every save the browser saw
acknowledged is in the database, and the final answers are the text typed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect
from sqlalchemy import select

from app.db import get_database
from app.models import (
    AnswerRevision,
    Attempt,
    Email,
    EmailKind,
    EmailStatus,
    Role,
    RunKind,
    RunStatus,
    Scorecard,
    TestRun,
)
from app.models.attempts import stored_text
from tests.cluster.conftest import CALL_REPORT
from tests.conftest import make_test_app
from tests.e2e.pages import accept_and_start, invite, sign_in
from tests.factories.users import PASSWORD, make_user
from tests.support.cluster import Cluster, start_cluster, tool_problem
from tests.support.tools import missing_tool
from tests.support.web import CSRF_META

ROOT = Path(__file__).resolve().parents[2]
LOGIN_LIMIT = 5
SETTINGS = {
    "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute",
    # A run whose worker died is requeued by the other worker's next sweep, a few
    # seconds after its wall-clock limit, rather than minutes later.
    "RUN_WALL_SECONDS": "15",
    "RUN_STUCK_MARGIN_SECONDS": "1",
    "WORKER_SWEEP_SECONDS": "2",
}
DRAFT = re.compile(r"/attempts/(\d+)/draft(?:\?|$)")
# The candidate's code: the prompt's reference solution, slowed down so that its run
# is still going when its worker is killed.
SOLUTION = (ROOT / "prompts" / "consistent-hashing" / "solution.py").read_text()
CODE_START, CODE_REST = SOLUTION[: len(SOLUTION) // 2], SOLUTION[len(SOLUTION) // 2:]
SLOW = "\nimport time\n\ntime.sleep(4)  # a slow import: the run takes a while\n"
TYPED_DURING_OUTAGE = "# Written while one app instance was down.\n"
DESIGN_START = "## Requirements\n2 million personalised links per campaign.\n"
DESIGN_MORE = "\n## Storage\nA key-value store keyed by the code.\n"


@pytest.fixture
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    problem = tool_problem()
    if problem:
        missing_tool(problem)
    started = start_cluster(SETTINGS)
    if isinstance(started, str):
        missing_tool(started)
    try:
        yield started
        report = request.node.stash.get(CALL_REPORT, None)
        if report is None or report.failed:
            print(started.report())  # shown with the failure: the logs are deleted next
    finally:
        started.stop()


@pytest.fixture
def database(cluster: Cluster) -> Iterator:
    """A session on the cluster's PostgreSQL, for arranging users and checking rows."""
    app = make_test_app(cluster.env["DATABASE_URL"], REDIS_URL=cluster.env["REDIS_URL"],
                        JOBS_SQLITE_PATH=cluster.env["JOBS_SQLITE_PATH"])
    session = get_database(app).sessionmaker()
    yield session
    session.close()
    get_database(app).engine.dispose()


class Journey:
    """A browser context of one person: the request ids it was served and the saves it saw
    acknowledged (attempt id, text)."""

    def __init__(self, browser: Browser) -> None:
        self.context: BrowserContext = browser.new_context()
        self.page: Page = self.context.new_page()
        self.page.on("dialog", lambda dialog: dialog.accept())
        self.request_ids: list[str] = []
        self.saved: list[tuple[int, str]] = []
        self.context.on("response", self._record)

    def _record(self, response) -> None:
        request_id = response.headers.get("x-request-id")
        if request_id:
            self.request_ids.append(request_id)
        if acknowledged_save(response):
            attempt = int(DRAFT.search(response.url).group(1))
            self.saved.append((attempt, response.request.post_data_json["body"]))

    def write(self, typing: Callable[[], None], text: str) -> None:
        """Type, then wait until the server has acknowledged a save of ``text``, all of it."""
        with self.page.expect_response(
                lambda r: acknowledged_save(r) and r.request.post_data_json["body"] == text,
                timeout=30_000):
            typing()
        expect(self.page.locator("[data-save-status]")).to_contain_text("All changes saved")


def acknowledged_save(response) -> bool:
    return (response.request.method == "POST" and response.ok
            and DRAFT.search(response.url) is not None)


def replace_code(page: Page, text: str) -> None:
    """Replace everything in the code editor with ``text``."""
    page.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def append_code(page: Page, text: str) -> None:
    """Type ``text`` at the end of the code editor."""
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text(text)


def failed_sign_ins_alternating(playwright: Playwright, cluster: Cluster) -> list[tuple[str, int]]:
    """Wrong passwords sent straight to instance A, then B, then A...: (instance, status)."""
    api = playwright.request.new_context()
    try:
        # One cookie jar for both: the session and CSRF token one instance gives
        # are good on the other (same SECRET_KEY).
        page = api.get(f"{cluster.instance_url(cluster.instances[0])}/login")
        token = CSRF_META.search(page.text()).group(1)
        statuses = []
        for n in range(LOGIN_LIMIT + 2):
            instance = cluster.instances[n % 2]
            response = api.post(
                f"{cluster.instance_url(instance)}/login",
                form={"csrf_token": token, "email": "nobody@example.com",
                      "password": "not the password"},
                # As nginx would say it (TRUSTED_PROXIES=1): a client of its own, so the
                # browsers' sign-ins from 127.0.0.1 count apart.
                headers={"X-Forwarded-For": "203.0.113.7"}, max_redirects=0)
            statuses.append((instance.name, response.status))
        return statuses
    finally:
        api.dispose()


def wait_for(condition, what: str, timeout: float = 60) -> object:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return found


def texts_of(session, attempt_id: int) -> list[str]:
    numbers = session.scalars(select(AnswerRevision.number)
                              .where(AnswerRevision.attempt_id == attempt_id)
                              .order_by(AnswerRevision.number)).all()
    return [stored_text(session, attempt_id, number) for number in numbers]


def test_journeys_finish_through_nginx_when_an_instance_and_a_worker_die(
        cluster: Cluster, database, browser: Browser, playwright: Playwright):
    url = cluster.url
    instance_a, instance_b = cluster.instances
    cara = make_user(database, email="cara@example.com", name="Cara Candidate")
    make_user(database, Role.INTERVIEWER, email="ivan@example.com", name="Ivan Interviewer")
    make_user(database, email="casey@example.com", name="Casey Candidate")

    # Rate limits live in Redis: the two instances count the same failed sign-ins.
    statuses = failed_sign_ins_alternating(playwright, cluster)
    assert statuses == [(cluster.instances[n % 2].name, 422) for n in range(LOGIN_LIMIT)] \
        + [(instance_b.name, 429), (instance_a.name, 429)]

    # The candidate practises: signs in, writes code in two saves, runs the tests.
    candidate = Journey(browser)
    page = candidate.page
    sign_in(page, url, cara.email, PASSWORD)
    page.goto(f"{url}/practice/prompts/consistent-hashing")
    page.get_by_role("button", name="Start").click()
    expect(page.locator(".cm-content")).to_be_visible()
    code = CODE_START
    candidate.write(lambda: replace_code(page, CODE_START), code)
    code += CODE_REST + SLOW
    candidate.write(lambda: append_code(page, CODE_REST + SLOW), code)

    # The interviewer invites a candidate, who accepts and writes a first draft.
    interviewer = Journey(browser)
    sign_in(interviewer.page, url, "ivan@example.com", PASSWORD)
    link = invite(interviewer.page, url, "Design a URL shortener with click analytics",
                  name="Casey Candidate", email="casey@example.com")
    interview_page = interviewer.page.url
    invited = Journey(browser)
    accept_and_start(invited.page, url, link, "casey@example.com", PASSWORD)
    answer = invited.page.get_by_label("Your answer, in markdown")
    invited.page.get_by_role("button", name="Clear").click()
    invited.write(lambda: answer.fill(DESIGN_START), DESIGN_START)

    # The test run goes on the queue; kill the worker executing it, and instance A.
    page.get_by_role("button", name="Run the public tests").click()
    busy = wait_for(cluster.worker_running_code, "a worker to start the run")
    (run,) = database.scalars(select(TestRun).join(Attempt)
                              .where(Attempt.user_id == cara.id)).all()
    assert run.status is RunStatus.RUNNING
    before = set(candidate.request_ids)
    # Round robin: the one browser's requests, one session, were served by both instances.
    assert before & cluster.access_ids(instance_a)
    assert before & cluster.access_ids(instance_b)
    busy.kill()
    instance_a.kill()

    # The journeys go on through nginx, on instance B and the other worker.
    code += TYPED_DURING_OUTAGE
    candidate.write(lambda: append_code(page, TYPED_DURING_OUTAGE), code)
    # From here on (the save above came after the kill) instance B serves all of it.
    outage = len(candidate.request_ids)
    other_tab = candidate.context.new_page()
    other_tab.goto(f"{url}/practice")
    expect(other_tab.get_by_role("button", name="Sign out")).to_be_visible()  # still signed in
    other_tab.close()

    answer.press("Control+End")
    invited.write(lambda: answer.press_sequentially(DESIGN_MORE, delay=5),
                  DESIGN_START + DESIGN_MORE)
    invited.page.get_by_role("button", name="Submit answer").click()
    expect(invited.page.get_by_role("heading", name="Your answers are in")).to_be_visible()

    owner = interviewer.page
    owner.goto(interview_page)
    owner.get_by_role("link", name="Your scorecard").first.click()
    criteria = owner.locator("fieldset[data-criterion]")
    expect(criteria.first).to_be_visible()
    for n in range(criteria.count()):
        criteria.nth(n).locator("input[type=radio][value='3']").check()
        criteria.nth(n).get_by_label("Comment").fill(f"Comment {n + 1}.")
    owner.get_by_label("Yes", exact=True).check()
    owner.get_by_label("Summary").fill("Sound design, scored while an instance was down.")
    owner.get_by_role("button", name="Submit scorecard").click()
    expect(owner.get_by_text("Scorecard submitted.")).to_be_visible()

    # The run whose worker died is requeued and finishes on the other worker.
    panel = page.locator("[data-run-panel]")
    expect(panel).to_contain_text(re.compile(r"(\d+) of \1 passed"), timeout=120_000)
    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_role("heading", name=re.compile("your result"))).to_be_visible()
    hidden = page.locator("section", has=page.get_by_role("heading", name="Hidden tests",
                                                          exact=True))
    expect(hidden).to_contain_text(re.compile(r"(\d+) of \1 hidden tests passed"),
                                   timeout=120_000)

    database.expire_all()
    runs = database.scalars(select(TestRun).join(Attempt).where(Attempt.user_id == cara.id)
                            .order_by(TestRun.id)).all()
    assert [(r.kind, r.status) for r in runs] == [(RunKind.PUBLIC, RunStatus.DONE),
                                                  (RunKind.HIDDEN, RunStatus.DONE)]
    assert runs[0].id == run.id and runs[0].tries == 2  # claimed again after its worker died
    assert all(r.passed == r.total > 0 for r in runs)
    assert not instance_a.running and instance_b.running
    assert sum(w.running for w in cluster.workers) == 1

    # No save was lost: every acknowledged save is a revision, the last one what was typed.
    for journey, final in ((candidate, code), (invited, DESIGN_START + DESIGN_MORE)):
        (attempt_id,) = {attempt for attempt, _ in journey.saved}
        stored = texts_of(database, attempt_id)
        assert [body for _, body in journey.saved if body not in stored] == []
        assert stored[-1] == final
    card = database.scalars(select(Scorecard)).one()
    assert card.submitted_at is not None

    # No other job was lost: the design answer's newest text is rendered for the pages, and
    # the invitation's email was sent (to the log: the cluster has no SMTP server).
    (design_attempt,) = {attempt for attempt, _ in invited.saved}

    def rendered_and_sent():
        database.expire_all()
        emails = database.scalars(select(Email)).all()
        done = database.get(Attempt, design_attempt).answer_rendered and all(
            email.status is EmailStatus.SENT for email in emails)
        return emails if done else None
    emails = wait_for(rendered_and_sent, "the render and the email jobs")
    assert EmailKind.INVITATION in {email.kind for email in emails}
    # The same browser, still signed in, was served by instance B alone.
    after = set(candidate.request_ids[outage:])
    assert after and after <= cluster.access_ids(instance_b)
    for journey in (candidate, interviewer, invited):
        journey.context.close()
