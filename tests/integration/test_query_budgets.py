"""How many SQL statements each page a signed-in person can open costs, and that it stays flat.

Every GET route that some signed-in actor of the access matrix may open is a row
of ``BUDGETS``: who asks, and the most statements the request may run (the
figure it runs today). The pages are asked about the access matrix's world,
then again after the world grew by 20 practice attempts, 20 saved revisions,
20 interviews and 20 accounts: a page that runs one query per row of a list
costs more the second time and fails.
"""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from app.attempts import lifecycle
from app.models import Attempt, Role, User
from tests.factories.interviews import answer_and_submit, join_and_start, make_interview
from tests.factories.practice import make_attempt
from tests.factories.users import make_user
from tests.integration.test_access_matrix import (
    ACTORS,
    CODE,
    EXPECTED,
    World,
    build_url,
    build_world,
    client_for,
    url_arguments,
)

# Not pages: the probes and static files load no user and read nothing a person owns
# (/readyz keeps its check for a second; test_readiness counts what it runs).
NOT_PAGES = {"pages.health", "pages.ready", "static"}

# (endpoint, who asks): the most statements the request may run. One of them is the
# signed-in user's session, account and roles; the markdown help page runs nothing else.
BUDGETS: dict[tuple[str, str], int] = {
    ("pages.home", "candidate_a"): 4,  # A's interviews, their owners and scorecards
    ("pages.home", "panel"): 2,
    ("pages.home", "off_panel"): 2,
    ("pages.home", "author"): 2,
    ("pages.home", "admin"): 2,
    ("pages.markdown_help", "candidate_a"): 1,
    ("auth.forgot_password", "candidate_a"): 1,
    ("auth.reset_password", "candidate_a"): 2,  # the link's row
    ("admin.outbox", "admin"): 3,  # a count and one page of emails
    ("admin.outbox_email", "admin"): 2,
    ("auth.account", "candidate_a"): 3,  # sessions, single sign-on identities
    ("admin.users", "admin"): 4,
    ("coverage.page", "author"): 4,  # responsibilities, competency titles, their prompts
    # The item, a count, the page's revisions, a GROUP BY per figure, the revision numbers
    # (one revision here: no comparison, which adds the two revisions and their children).
    ("insight.prompt_history", "author"): 6,
    ("insight.rubric_history", "author"): 7,
    # The rubric, its revisions, one with its criteria, then five for the scored answers.
    ("insight.rubric", "author"): 10,
    ("insight.index", "author"): 9,
    ("planning.index", "author"): 1,  # the empty form; a plan is a POST
    ("calibration.index", "panel"): 3,  # the samples, the reader's scores
    ("calibration.history", "panel"): 5,  # every score's levels, criterion names, one page
    ("calibration.score", "panel"): 4,  # the sample, its criteria, the rubric's revision now
    ("calibration.result", "panel"): 5,  # the score, then as the score page
    ("calibration.samples", "author"): 3,  # the samples, their scores
    ("calibration.new_sample", "author"): 2,  # the published prompts
    ("calibration.edit_sample", "author"): 4,  # as the score page
    # The workspace reads the files, plus prompts and rubrics with their revision counts,
    # and the submitted levels that say whether a rubric is worth rewording (one query).
    ("authoring.index", "author"): 4,
    ("authoring.index", "admin"): 4,
    # The revision, competencies, the rubric, criteria, the levels for rewording.
    ("authoring.prompt", "author"): 6,
    ("authoring.rubric", "author"): 4,
    ("authoring.new", "author"): 2,  # the competencies to choose from
    ("transfer.export", "author"): 1,  # the files only
    ("transfer.import_", "author"): 1,
    ("checks.show", "author"): 2,  # the check
    ("practice.library", "candidate_a"): 5,
    ("practice.progress", "candidate_a"): 6,
    ("practice.prompt", "candidate_a"): 6,
    ("practice.workspace", "candidate_a"): 6,
    ("practice.draft", "candidate_a"): 6,
    ("practice.revisions", "candidate_a"): 7,
    ("practice.revision", "candidate_a"): 6,
    ("practice.playback_page", "candidate_a"): 6,  # the revisions' times and sizes, no text
    ("practice.playback_frame", "candidate_a"): 4,  # one revision's text
    ("practice.run_status", "candidate_a"): 6,
    ("practice.result", "candidate_a"): 9,
    ("interviews.dashboard", "panel"): 8,
    ("interviews.new", "panel"): 3,
    ("interviews.overview", "panel"): 8,
    ("interviews.live", "panel"): 6,
    ("interviews.live_updates", "panel"): 5,
    ("interviews.scorecard", "panel"): 10,  # + prompts with calibration left to do
    ("interviews.comparison", "panel"): 8,
    ("interviews.playback_page", "panel"): 5,
    ("interviews.playback_frame", "panel"): 5,
    ("interviews.export", "panel"): 6,
    ("interviews.release_form", "panel"): 4,
    ("interviews.invitation", "candidate_b"): 4,
    ("interviews.candidate", "candidate_a"): 4,
}


def signed_in_pages() -> set[str]:
    """Every GET endpoint at least one signed-in actor of the access matrix may open."""
    return {endpoint for (endpoint, method), row in EXPECTED.items()
            if method == "GET" and any(outcome == HTTPStatus.OK
                                       for actor, outcome in zip(ACTORS, row, strict=True)
                                       if actor != "anonymous")} - NOT_PAGES


def costs(app: Flask, world: World, query_counter: list[str]) -> dict[tuple[str, str], int]:
    """The statements each budgeted request runs, each actor signed in on a client of its own."""
    clients = {}
    result = {}
    for endpoint, actor in BUDGETS:
        if actor not in clients:
            clients[actor] = client_for(app, actor, world)
        url = build_url(app, endpoint, url_arguments(world, endpoint))
        query_counter.clear()
        response = clients[actor].get(url)
        result[(endpoint, actor)] = len(query_counter)
        assert response.status_code == HTTPStatus.OK, f"GET {url} as {actor}"
    return result


def grow(db: Session, world: World) -> None:
    """20 more of everything the pages list: attempts, revisions, interviews and accounts."""
    a, owner = world.people["candidate_a"], world.people["panel"]
    for n in range(20):
        attempt = make_attempt(db, a, "sum-two", body=CODE)
        if n % 2:
            lifecycle.submit_attempt(db, attempt)
    opened = db.get(Attempt, world.open_attempt)
    for n in range(20):
        lifecycle.save_draft(db, opened, body=f"Draft number {n}.",
                             based_on=opened.revision_number, client_id="growth")
    reviewer = db.get(User, world.reviewer)
    for n in range(20):
        interview, _ = make_interview(db, owner, [reviewer])
        if n % 2:
            join_and_start(db, interview, a)
            answer_and_submit(db, interview, f"Answer number {n}.")
    for _ in range(20):
        make_user(db, Role.INTERVIEWER, Role.CANDIDATE)


def test_every_signed_in_page_has_a_budget():
    budgeted = {endpoint for endpoint, _ in BUDGETS}
    assert sorted(signed_in_pages() - budgeted) == [], "pages without a budget"
    assert sorted(budgeted - signed_in_pages()) == [], "budgets for no such page"
    refused = [(endpoint, actor) for endpoint, actor in BUDGETS
               if EXPECTED[(endpoint, "GET")][ACTORS.index(actor)] != HTTPStatus.OK]
    assert refused == [], "each page is asked by someone who may open it"


def test_every_page_stays_within_its_budget_and_flat_as_the_data_grows(app, db, tmp_path: Path,
                                                                     query_counter):
    world = build_world(db, tmp_path)
    before = costs(app, world, query_counter)
    over = {key: (spent, BUDGETS[key]) for key, spent in before.items() if spent > BUDGETS[key]}
    assert over == {}, "pages over budget: (spent, budget)"
    # A budget is the figure the page runs today: one that drops is lowered with
    # the change that saved it, so the next change cannot spend it unnoticed.
    under = {key: (spent, BUDGETS[key]) for key, spent in before.items() if spent < BUDGETS[key]}
    assert under == {}, "pages under budget, lower these budgets: (spent, budget)"

    grow(db, world)
    after = costs(app, world, query_counter)
    grew = {key: (before[key], spent) for key, spent in after.items() if spent != before[key]}
    assert grew == {}, "pages whose statements grew with the data: (before, after)"
