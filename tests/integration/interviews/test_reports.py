"""The interviewers' dashboard, the scoring history, the exports, and what the pages cost in SQL."""

from __future__ import annotations

import csv
import io
import json
import re
from http import HTTPStatus

import pytest
from sqlalchemy import select

from app.interviews import invitations, reports
from app.models import Interview, Role, Scorecard, User
from tests.factories.interviews import (
    answer_and_submit,
    join_and_start,
    make_interview,
    make_panel,
    score_all,
)
from tests.factories.users import PASSWORD, make_user
from tests.support.web import WebClient

ANSWER = "We keep the mapping in a key-value store; redirects per second drive the cache."


def login(client: WebClient, user: User) -> None:
    client.logout()
    client.login(user.email, PASSWORD)


def answered(db, owner: User, reviewers: list[User]) -> Interview:
    """An interview whose candidate has answered and submitted, nobody has scored yet."""
    interview, _ = make_interview(db, owner, reviewers)
    join_and_start(db, interview, make_user(db, name="Casey Candidate"))
    answer_and_submit(db, interview, ANSWER)
    return interview


def section(page: str, name: str) -> str:
    """One section of the dashboard, from its heading to its end."""
    start = page.index(f'aria-labelledby="{name}-title"')
    return page[start:page.index("</section>", start)]


def listed(page: str, name: str, interview: Interview) -> bool:
    return f'href="/interviews/{interview.id}"' in section(page, name)


# The dashboard -------------------------------------------------------------------------------


def test_an_interview_to_score_is_under_to_score_for_a_reviewer_still_scoring(
        client, db, library):
    owner, (reviewer,) = make_panel(db, reviewers=1)
    interview = answered(db, owner, [reviewer])
    score_all(db, interview, owner, 3)
    score_all(db, interview, reviewer, 3, submit=False)  # a draft is not a submission

    login(client, reviewer)
    page = client.get("/interviews").get_data(as_text=True)
    assert listed(page, "to-score", interview)
    assert f'href="/interviews/{interview.id}/scorecard">Score</a>' in section(page, "to-score")
    for other in ("debrief", "in-progress", "waiting", "done"):
        assert not listed(page, other, interview), other

    login(client, owner)
    page = client.get("/interviews").get_data(as_text=True)
    assert listed(page, "waiting", interview)
    assert not listed(page, "to-score", interview)
    assert not listed(page, "debrief", interview)


def test_the_owner_finds_it_awaiting_debrief_once_every_scorecard_is_in(client, db, library):
    owner, (reviewer,) = make_panel(db, reviewers=1)
    interview = answered(db, owner, [reviewer])
    score_all(db, interview, owner, 3)
    score_all(db, interview, reviewer, 2)

    login(client, owner)
    page = client.get("/interviews").get_data(as_text=True)
    debrief = section(page, "debrief")
    assert listed(page, "debrief", interview)
    assert f'href="/interviews/{interview.id}/comparison">Compare</a>' in debrief
    assert "Awaiting debrief" in debrief
    for other in ("to-score", "in-progress", "waiting", "done"):
        assert not listed(page, other, interview), other

    # Debriefing is the owner's job: the reviewer waits for it.
    login(client, reviewer)
    page = client.get("/interviews").get_data(as_text=True)
    assert listed(page, "waiting", interview)
    assert not listed(page, "debrief", interview)


def test_the_dashboard_loads_every_open_interview_and_only_the_newest_done(client, db, library,
                                                                          query_counter):
    owner, (reviewer,) = make_panel(db, reviewers=1)
    opened = [make_interview(db, owner, [reviewer])[0] for _ in range(3)]
    done = [make_interview(db, owner, [reviewer])[0] for _ in range(reports.RECENT + 5)]
    for n, interview in enumerate(done):  # history: decided, or decided and released
        interview.decision = "advance"
        if n % 2:
            interview.released_at = interview.created_at
    db.commit()

    loaded = reports._my_interviews(db, owner)
    newest_done = sorted(done, key=lambda i: (i.created_at, i.id), reverse=True)[:reports.RECENT]
    assert {i.id for i in loaded} == {i.id for i in opened} | {i.id for i in newest_done}
    board = reports.dashboard(db, owner)
    assert [i.id for i in board.done] == [i.id for i in newest_done]
    assert {i.id for i in board.in_progress} == {i.id for i in opened}

    # The page holds the same, and what it reads does not grow with the history.
    login(client, owner)
    query_counter.clear()
    page = client.get("/interviews").get_data(as_text=True)
    assert all(listed(page, "done", interview) for interview in newest_done)
    assert not any(listed(page, "done", interview) for interview in done
                   if interview not in newest_done)
    before = len(query_counter)
    more = [make_interview(db, owner, [reviewer])[0] for _ in range(5)]
    for interview in more:
        interview.decision = "decline"
    db.commit()
    query_counter.clear()
    client.get("/interviews")
    assert len(query_counter) == before
    assert len(reports._my_interviews(db, owner)) == len(opened) + reports.RECENT


# Scoring history -----------------------------------------------------------------------------


def history_rows(page: str) -> dict[str, list[str]]:
    """The scoring history table: reviewer -> the other cells, as text."""
    table = page.split('aria-labelledby="history-title"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip()
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


@pytest.fixture
def three_panels(db, library) -> tuple[User, User, User]:
    """Three panels with known levels (Requirements, Storage); returns (owner, a, b).

    Panel 1, everyone submitted:  owner 3, 3   a 4, 2   b 2, 2
    Panel 2, b not on it:         owner 2, 2   a 4, 3
    Panel 3, b only has a draft:  owner 3, 3   a 3, 2   (b's draft: 1, 1, never counted)
    """
    owner, (a, b) = make_panel(db, reviewers=2)
    first = answered(db, owner, [a, b])
    score_all(db, first, owner, 3)
    score_all(db, first, a, 4, overrides={"Storage": 2})
    score_all(db, first, b, 2)
    second = answered(db, owner, [a])
    score_all(db, second, owner, 2)
    score_all(db, second, a, 4, overrides={"Storage": 3})
    third = answered(db, owner, [a, b])
    score_all(db, third, owner, 3)
    score_all(db, third, a, 3, overrides={"Storage": 2})
    score_all(db, third, b, 1, submit=False)
    return owner, a, b


def test_scoring_history_shows_how_each_reviewer_sits_against_the_panel(
        client, db, three_panels):
    owner, a, b = three_panels
    # Each difference is the reviewer's level minus the mean of the others' on that criterion.
    #                 Requirements                Storage
    # Panel 1   owner 3 - (4+2)/2 =  0      3 - (2+2)/2 = +1
    #           a     4 - (3+2)/2 = +1.5    2 - (3+2)/2 = -0.5
    #           b     2 - (3+4)/2 = -1.5    2 - (3+2)/2 = -0.5
    # Panel 2   owner 2 - 4 = -2            2 - 3 = -1
    #           a     4 - 2 = +2            3 - 2 = +1
    # Panel 3   owner 3 - 3 =  0            3 - 2 = +1
    #           a     3 - 3 =  0            2 - 3 = -1
    # owner: 6 criteria, above 2 (33%), below 2 (33%), mean (0+1-2-1+0+1)/6 = -1/6 = -0.17
    # a:     6 criteria, above 3 (50%), below 2 (33%), mean (1.5-0.5+2+1+0-1)/6 = +0.50
    # b:     2 criteria (panel 1 only), above 0, below 2 (100%), mean (-1.5-0.5)/2 = -1.00
    login(client, owner)
    rows = history_rows(client.get("/interviews").get_data(as_text=True))
    assert rows == {
        "Olive Owner (you)": ["3", "6", "2 (33%)", "2 (33%)", "-0.17 levels"],
        "Reviewer 0": ["3", "6", "3 (50%)", "2 (33%)", "+0.50 levels"],
        "Reviewer 1": ["1", "2", "0 (0%)", "2 (100%)", "-1.00 levels"],
    }
    assert list(rows) == ["Olive Owner (you)", "Reviewer 0", "Reviewer 1"]


def test_scoring_history_covers_only_panels_one_has_submitted_to(client, db, three_panels):
    _, _, b = three_panels
    # b submitted on panel 1 only (panel 3 is a draft, panel 2 not theirs), so only panel 1
    # counts: owner 0, +1 -> above 1, below 0, +0.50; a +1.5, -0.5 -> 1, 1, +0.50;
    # b -1.5, -0.5 -> 0, 2, -1.00.
    login(client, b)
    rows = history_rows(client.get("/interviews").get_data(as_text=True))
    assert rows == {
        "Reviewer 1 (you)": ["1", "2", "0 (0%)", "2 (100%)", "-1.00 levels"],
        "Olive Owner": ["1", "2", "1 (50%)", "0 (0%)", "+0.50 levels"],
        "Reviewer 0": ["1", "2", "1 (50%)", "1 (50%)", "+0.50 levels"],
    }


# Exports -------------------------------------------------------------------------------------


@pytest.fixture
def scored(client, db, library) -> tuple[User, User, Interview]:
    """Owner and one reviewer both submitted; the reviewer's Storage comment is formula-like."""
    owner, (reviewer,) = make_panel(db, reviewers=1)
    interview = answered(db, owner, [reviewer])
    score_all(db, interview, owner, 4, overrides={"Storage": 3})
    login(client, reviewer)
    for kind in ("csv", "json"):  # blind until one's own scorecard is in
        assert client.get(f"/interviews/{interview.id}/export.{kind}").status_code == \
            HTTPStatus.FORBIDDEN
    item = interview.items[0]
    requirements, storage = item.rubric_revision.criteria
    form = {"action": "submit", "recommendation": "no", "summary": "Thin on storage.",
            f"level-{item.attempt_id}-{requirements.id}": "2",
            f"comment-{item.attempt_id}-{requirements.id}": "Vague on numbers.",
            f"evidence-{item.attempt_id}-{requirements.id}": "redirects per second",
            f"level-{item.attempt_id}-{storage.id}": "2",
            f"comment-{item.attempt_id}-{storage.id}": "=HYPERLINK(\"http://x\",\"y\")"}
    assert client.post(f"/interviews/{interview.id}/scorecard", form).status_code == \
        HTTPStatus.FOUND
    return owner, reviewer, interview


def test_exports_are_refused_until_ones_own_scorecard_is_submitted(client, db, library):
    owner, (reviewer,) = make_panel(db, reviewers=1)
    interview = answered(db, owner, [reviewer])
    score_all(db, interview, owner, 3)
    score_all(db, interview, reviewer, 3, submit=False)
    login(client, reviewer)
    for kind in ("csv", "json"):
        assert client.get(f"/interviews/{interview.id}/export.{kind}").status_code == \
            HTTPStatus.FORBIDDEN
    login(client, owner)
    for kind in ("csv", "json"):
        assert client.get(f"/interviews/{interview.id}/export.{kind}").status_code == \
            HTTPStatus.OK


def test_the_csv_export_has_a_row_per_reviewer_per_criterion(client, db, scored):
    owner, reviewer, interview = scored
    response = client.get(f"/interviews/{interview.id}/export.csv")
    assert response.status_code == HTTPStatus.OK
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="interview-{interview.id}-scorecards.csv"'
    reader = csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    assert reader.fieldnames == reports.CSV_COLUMNS
    rows = list(reader)
    got = [(r["reviewer"], r["criterion"], r["level"], r["comment"]) for r in rows]
    assert sorted(got) == sorted([
        ("Olive Owner", "Requirements", "4", "Level 4 because."),
        ("Olive Owner", "Storage", "3", "Level 4 because."),
        ("Reviewer 0", "Requirements", "2", "Vague on numbers."),
        ("Reviewer 0", "Storage", "2", "'=HYPERLINK(\"http://x\",\"y\")"),
    ])
    by_key = {(r["reviewer"], r["criterion"]): r for r in rows}
    assert by_key[("Reviewer 0", "Requirements")]["evidence"] == "redirects per second"
    assert by_key[("Reviewer 0", "Requirements")]["recommendation"] == "no"
    # Signals never suggest a level: only auto: tests criteria have one.
    assert by_key[("Olive Owner", "Storage")]["suggested_level"] == ""
    assert {r["candidate"] for r in rows} == {"Casey Candidate"}
    assert {r["interview_id"] for r in rows} == {str(interview.id)}


def test_the_json_export_holds_the_same_scores(client, db, scored):
    owner, reviewer, interview = scored
    response = client.get(f"/interviews/{interview.id}/export.json")
    assert response.status_code == HTTPStatus.OK
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="interview-{interview.id}-scorecards.json"'
    data = json.loads(response.get_data(as_text=True))
    assert data["interview"]["id"] == interview.id
    assert data["interview"]["candidate"] == "Casey Candidate"
    assert {(c["reviewer"], c["recommendation"]) for c in data["scorecards"]} == {
        ("Olive Owner", "yes"), ("Reviewer 0", "no")}
    (prompt,) = data["prompts"]
    got = {(criterion["name"], s["reviewer"]): (s["level"], s["comment"], s["evidence"])
           for criterion in prompt["criteria"] for s in criterion["scores"]}
    assert got == {
        ("Requirements", "Olive Owner"): (4, "Level 4 because.", []),
        ("Storage", "Olive Owner"): (3, "Level 4 because.", []),
        ("Requirements", "Reviewer 0"): (2, "Vague on numbers.", ["redirects per second"]),
        # JSON is data, not a spreadsheet: the comment is kept as written.
        ("Storage", "Reviewer 0"): (2, "=HYPERLINK(\"http://x\",\"y\")", []),
    }


def test_a_csv_cell_that_would_run_as_a_formula_starts_with_an_apostrophe(client, db, scored):
    _, _, interview = scored
    body = client.get(f"/interviews/{interview.id}/export.csv").get_data(as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


# Query budgets -------------------------------------------------------------------------------

PAGES = {
    "dashboard": "/interviews",
    "scorecard": "/interviews/{id}/scorecard",
    "comparison": "/interviews/{id}/comparison",
}
# Measured with 2 and with 5 reviewers, the same on SQLite and PostgreSQL: the dashboard 12
# statements, the scorecard 18 (the session's user and roles, the interview with its items,
# scorecards and reviewers, the rubric, the answer, one's own scores), the comparison 18 once
# every scorecard's scores come in one query, as the export's do. The ceilings leave two
# statements of room; a per-reviewer query would instead add 3 going from 2 to 5 reviewers.
CEILING = {"dashboard": 14, "scorecard": 20, "comparison": 20}


@pytest.mark.parametrize("name", list(PAGES))
def test_panel_pages_cost_the_same_queries_for_2_or_5_reviewers(client, db, library,
                                                                query_counter, name):
    owner, (first,) = make_panel(db, reviewers=1)
    interview = answered(db, owner, [first])
    score_all(db, interview, owner, 3)
    score_all(db, interview, first, 2)
    url = PAGES[name].format(id=interview.id)
    login(client, owner)
    assert client.get(url).status_code == HTTPStatus.OK  # warm up: nothing one-off is counted

    query_counter.clear()
    assert client.get(url).status_code == HTTPStatus.OK
    two = len(query_counter)

    for n in range(3):
        extra = make_user(db, Role.INTERVIEWER, name=f"Extra {n}")
        invitations.add_reviewer(db, interview, owner, extra.id)
        score_all(db, interview, extra, 1 + n % 4)
    db.expire_all()
    assert len(db.scalars(select(Scorecard).where(
        Scorecard.interview_id == interview.id,
        Scorecard.submitted_at.is_not(None))).all()) == 5

    query_counter.clear()
    assert client.get(url).status_code == HTTPStatus.OK
    five = len(query_counter)
    assert five == two, f"{name}: {two} queries with 2 reviewers, {five} with 5"
    assert two <= CEILING[name], f"{name}: {two} queries"


# The panel picker ----------------------------------------------------------------------------


def test_the_overview_suggests_a_bounded_list_and_adds_anyone_by_email(client, db, library,
                                                                       query_counter):
    owner, _ = make_panel(db, reviewers=0)
    interview, _ = make_interview(db, owner)
    login(client, owner)
    url = f"/interviews/{interview.id}"
    client.get(url)
    query_counter.clear()
    assert client.get(url).status_code == HTTPStatus.OK
    few = len(query_counter)

    people = [make_user(db, Role.INTERVIEWER, name=f"Reviewer {n:03}")
              for n in range(invitations.PANEL_CHOICES + 5)]
    query_counter.clear()
    page = client.get(url).get_data(as_text=True)
    assert len(query_counter) == few  # one bounded query, however many interviewers
    choices = page[page.index('<datalist id="reviewer-choices">'):page.index("</datalist>")]
    assert choices.count("<option") == invitations.PANEL_CHOICES
    assert f'value="{people[0].email}"' in choices
    last = people[-1]  # past the suggestions: typed in, in any case
    assert f'value="{last.email}"' not in choices

    added = client.post(f"{url}/reviewers", {"reviewer": f"  {last.email.upper()} "})
    assert added.status_code == HTTPStatus.FOUND
    db.expire_all()
    assert db.scalar(select(Scorecard.id).where(Scorecard.interview_id == interview.id,
                                                Scorecard.reviewer_id == last.id)) is not None
    assert f'value="{last.email}"' not in client.get(url).get_data(as_text=True)  # seated

    candidate = make_user(db, name="Not An Interviewer")
    refused = client.post(f"{url}/reviewers", {"reviewer": candidate.email})
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Reviewers must hold the interviewer role." in refused.get_data(as_text=True)
