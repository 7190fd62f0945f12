"""Autosave's statement budget: what one save costs, whatever the answer's history or size."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest

from app.attempts import lifecycle
from app.practice import services
from tests.factories.interviews import join_and_start, make_interview, make_panel
from tests.factories.users import PASSWORD
from tests.support.web import WebClient

# The whole request, sign-in included: the session with its user and roles,
# the attempt with what saving reads of it (one statement), for practice the
# check that no pending interview closes it, the newest revision's number and
# digest (read before any lock: an unchanged text stops there), then the rows
# the previous text is stored in (the new one is a delta of it), the update
# that takes the attempt and advances its number, and the new revision. A
# stale save reads, instead, whether another editor saved since and the
# newest text.
FRESH, UNCHANGED, STALE = 7, 4, 6
BIG = "word " * 39_000  # about 195 KB, near the answer limit


def save(client: WebClient, attempt_id: int, body: str, based_on: int, query_counter,
         client_id: str = "tab-a"):
    """POST one autosave; the response and the statements it ran (the token is fetched first)."""
    token = client.csrf_token()
    query_counter.clear()
    response = client.raw.post(f"/practice/attempts/{attempt_id}/draft",
                               json={"body": body, "based_on": based_on, "client_id": client_id},
                               headers={"X-CSRFToken": token})
    return response, list(query_counter)


def history(db, attempt, revisions: int, last: str) -> None:
    """Give the attempt ``revisions`` saved revisions, the newest holding ``last``."""
    for number in range(revisions - 1):
        lifecycle.save_draft(db, attempt, body=f"draft {number}", based_on=number,
                             client_id="tab-a")
    lifecycle.save_draft(db, attempt, body=last, based_on=revisions - 1, client_id="tab-a")


def costs(client, attempt, query_counter) -> dict[str, int]:
    """Statements of a fresh save, a save of the same text, and a stale save from another tab."""
    n = attempt.revision_number
    fresh, fresh_sql = save(client, attempt.id, "a new paragraph", n, query_counter)
    same, same_sql = save(client, attempt.id, "a new paragraph", n + 1, query_counter)
    stale, stale_sql = save(client, attempt.id, "from elsewhere", n, query_counter, "tab-b")
    assert (fresh.status_code, same.status_code) == (HTTPStatus.OK, HTTPStatus.OK)
    assert fresh.json["revision"] == same.json["revision"] == n + 1
    assert stale.status_code == HTTPStatus.CONFLICT
    assert stale.json["current"]["body"] == "a new paragraph"
    return {"fresh": len(fresh_sql), "unchanged": len(same_sql), "stale": len(stale_sql)}


def test_an_autosave_runs_a_fixed_few_statements(client, db, library, candidate, query_counter):
    small = services.start_attempt(db, candidate, "url-shortener")
    history(db, small, 1, "short")
    large = services.start_attempt(db, candidate, "url-shortener")
    history(db, large, 30, BIG)
    figures = [costs(client, attempt, query_counter) for attempt in (small, large)]
    assert figures[0] == figures[1]  # neither the history nor the newest text's size counts
    assert figures[0]["fresh"] <= FRESH
    assert figures[0]["unchanged"] <= UNCHANGED
    assert figures[0]["stale"] <= STALE


def test_saving_reads_no_prompt_rubric_or_hints_and_compares_no_text(
        client, db, library, candidate, query_counter):
    attempt = services.start_attempt(db, candidate, "url-shortener")
    history(db, attempt, 2, BIG)
    _, statements = save(client, attempt.id, BIG, 2, query_counter)
    read = " ".join(statements)
    for table in ("criteria", "hint_reveals", "prompts.", "rubric_revisions.content_hash",
                  "prompt_revisions.body"):
        assert table not in read
    # The digest is read, not the 195 KB body.
    reads = [s for s in statements if s.startswith("SELECT answer_revisions.")]
    assert reads and not [s for s in reads if re.search(r"answer_revisions\.body\b", s)]


@pytest.fixture
def interview_attempt(client, db, library):
    owner, reviewers = make_panel(db, reviewers=1)
    interview, _ = make_interview(db, owner, reviewers)
    candidate = join_and_start(db, interview)
    client.login(candidate.email, PASSWORD)
    return interview.items[0].attempt


def test_an_interview_autosave_keeps_to_the_budget(client, db, interview_attempt,
                                                   query_counter):
    history(db, interview_attempt, 3, BIG)
    figures = costs(client, interview_attempt, query_counter)
    # No practice lock to check: an interview's own attempt is never closed by it.
    assert figures["fresh"] <= FRESH - 1
    assert figures["unchanged"] <= UNCHANGED - 1
    assert figures["stale"] <= STALE - 1
