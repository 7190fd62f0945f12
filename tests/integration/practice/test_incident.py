"""An incident prompt practised and interviewed through the pages: the workspace lists the
evidence by title and shows an item's body only once asked for, which is recorded in order;
the result page, the scorecard and the live view show what was asked for and the level the
key evidence asked for and cited suggests, with its reasons."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from sqlalchemy import insert, select

from app.attempts import lifecycle
from app.content.sync import sync_content
from app.db import utcnow
from app.interviews import clock
from app.models import Attempt, EvidenceReveal
from tests.factories.content import INCIDENT_SLUG, add_incident_prompt, replace_in, write_content
from tests.factories.interviews import join_and_start, make_interview, make_panel
from tests.factories.users import PASSWORD, make_user
from tests.integration.practice.test_attempts import save, start

SLUG = INCIDENT_SLUG
# A line of each body that only that item shows, and of the hidden diagnosis.
BODIES = {
    "deploy-history": "rolled out to 18/18 pods",
    "latency-by-flag": "09:25, 1980, 2000, 88",
    "latency-by-order-size": "Orders of 1 to 4 seats are 88% of",
    "database-load": "load-tested with the production query mix",
    "queries-per-checkout": "range from about 180 to 1,230",
    "slow-trace": "1,176 more spans like these",
    "seating-rules": "reads\nthe status of every seat",
    "pod-health": "No restarts and no memory growth",
}
DIAGNOSIS_LINES = ("turned the seat-to-ticket relation", "the per-checkout counts reconcile")


@pytest.fixture
def incident_prompt(db, tmp_path):
    """The library's checkout incident, in the test library, with the trace shown only after
    the queries per checkout (to exercise ``after:``), synced; its folder."""
    root = write_content(tmp_path / "content")
    folder = add_incident_prompt(root)
    replace_in(folder / "evidence" / "slow-trace.md", "type: trace",
               "type: trace\nafter: queries-per-checkout")
    sync_content(db, root)
    return folder


def reveal(client, attempt_id: int, key: str, htmx: bool = True):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/practice/attempts/{attempt_id}/evidence/{key}", {}, headers=headers)


def asked(db, attempt_id: int) -> list[str]:
    return list(db.scalars(select(EvidenceReveal.evidence_key)
                           .where(EvidenceReveal.attempt_id == attempt_id)
                           .order_by(EvidenceReveal.id)))


def shown(page: str) -> set[str]:
    return {key for key, line in BODIES.items() if line in page}


def test_the_workspace_lists_titles_and_never_a_body_before_it_is_asked_for(
        client, db, incident_prompt, candidate):
    attempt_id = start(client, SLUG)
    page = client.get(f"/practice/attempts/{attempt_id}").get_data(as_text=True)
    assert "Deploy history for checkout-api" in page and "The slowest kept checkout trace" in page
    assert page.count('aria-label="Show ') == 7  # the trace waits for the queries per checkout
    assert "Ask for Database queries per checkout first" in page
    assert "## Timeline" in page and "js/incident.js" in page
    assert shown(page) == set()
    assert not any(line in page for line in DIAGNOSIS_LINES)
    draft = client.get(f"/practice/attempts/{attempt_id}/draft").get_data(as_text=True)
    assert shown(draft) == set() and not any(line in draft for line in DIAGNOSIS_LINES)


def test_asking_shows_the_item_and_records_it_in_order_once(
        client, db, incident_prompt, candidate):
    attempt_id = start(client, SLUG)
    response = reveal(client, attempt_id, "latency-by-order-size")
    assert response.status_code == HTTPStatus.OK
    fragment = response.get_data(as_text=True)
    assert shown(fragment) == {"latency-by-order-size"}
    assert '<svg viewBox="0 0 480 180"' in fragment and "<polyline points=" in fragment
    assert 'data-cite="latency-by-order-size"' in fragment
    plain = reveal(client, attempt_id, "deploy-history", htmx=False)  # without scripts
    assert plain.status_code == HTTPStatus.FOUND
    assert plain.headers["Location"].endswith(f"/practice/attempts/{attempt_id}"
                                              f"#evidence-deploy-history")
    assert reveal(client, attempt_id, "latency-by-order-size").status_code == HTTPStatus.OK
    assert asked(db, attempt_id) == ["latency-by-order-size", "deploy-history"]
    page = client.get(f"/practice/attempts/{attempt_id}").get_data(as_text=True)
    assert shown(page) == {"latency-by-order-size", "deploy-history"}


def test_an_item_that_comes_after_another_waits_for_it(client, db, incident_prompt, candidate):
    attempt_id = start(client, SLUG)
    response = reveal(client, attempt_id, "slow-trace")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert asked(db, attempt_id) == []
    reveal(client, attempt_id, "queries-per-checkout")
    assert shown(reveal(client, attempt_id, "slow-trace").get_data(as_text=True)) == {
        "queries-per-checkout", "slow-trace"}


def test_no_item_is_shown_for_an_unknown_key_another_candidate_or_a_submitted_attempt(
        client, db, incident_prompt, candidate):
    attempt_id = start(client, SLUG)
    assert reveal(client, attempt_id, "diagnosis").status_code == HTTPStatus.NOT_FOUND
    assert reveal(client, attempt_id, "../diagnosis.md").status_code == HTTPStatus.NOT_FOUND
    client.post("/logout", {})
    other = make_user(db, email="other@example.com")
    client.login(other.email, PASSWORD)
    assert reveal(client, attempt_id, "pod-health").status_code == HTTPStatus.NOT_FOUND
    client.post("/logout", {})
    client.login(candidate.email, PASSWORD)
    client.post(f"/practice/attempts/{attempt_id}/submit",
                {"body": "## Timeline", "based_on": "0", "client_id": "tab-a"})
    assert reveal(client, attempt_id, "pod-health").status_code == HTTPStatus.CONFLICT
    assert asked(db, attempt_id) == []


def test_the_result_suggests_a_level_from_what_was_asked_for_and_cited(
        client, db, incident_prompt, candidate):
    attempt_id = start(client, SLUG)
    for key in ("latency-by-order-size", "queries-per-checkout", "slow-trace",
                "latency-by-flag"):
        reveal(client, attempt_id, key)
    body = ("## Hypotheses\n\nAn N+1 in large orders: [evidence: queries-per-checkout] "
            "[evidence: slow-trace] [evidence: latency-by-order-size]; the flag is not it "
            "[ruled out: latency-by-flag]. Rolled back after [evidence: deploy-history].")
    assert save(client, attempt_id, body, 0).status_code == HTTPStatus.OK
    client.post(f"/practice/attempts/{attempt_id}/submit",
                {"body": body, "based_on": "1", "client_id": "tab-a"})
    assert not db.get(Attempt, attempt_id).is_open
    page = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    # 3 + 3 + 2 of 11 key weight: level 1 + floor(8/11 * 3) = 3.
    assert "Suggested: level 3</span> from the key evidence you asked for and cited" in page
    assert "Asked for and cited: Database queries per checkout (key, weight 3)." in page
    assert ("Cited without asking for it, so it counts for nothing: Deploy history for "
            "checkout-api (key, weight 1).") in page
    assert "Never asked for: Seating rules for group orders (key, weight 1)." in page
    assert "Asked for and ruled out: Checkout p99 by bot-risk flag (red herring)." in page
    order = [page.index(f'data-evidence-asked="{key}"') for key in (
        "latency-by-order-size", "queries-per-checkout", "slow-trace", "latency-by-flag")]
    assert order == sorted(order)
    assert "4 of 8 items asked for." in page


def test_the_panel_sees_the_evidence_asked_for_in_order_and_the_suggestion(
        client, db, incident_prompt):
    owner, (reviewer,) = make_panel(db, reviewers=1)
    interview, _ = make_interview(db, owner, [reviewer], prompts=(SLUG,))
    join_and_start(db, interview)
    (attempt,) = clock.attempts(interview)
    lifecycle.reveal_evidence(db, attempt, "queries-per-checkout")
    lifecycle.reveal_evidence(db, attempt, "slow-trace")
    lifecycle.save_draft(db, attempt, body="[evidence: slow-trace] [evidence: pod-health]",
                         based_on=0, client_id="factory")
    client.login(reviewer.email, PASSWORD)
    live = client.get(f"/interviews/{interview.id}/live").get_data(as_text=True)
    assert (live.index('data-evidence-asked="queries-per-checkout"')
            < live.index('data-evidence-asked="slow-trace"'))
    assert shown(live) == set()  # titles for the panel, not the bodies
    lifecycle.submit_attempt(db, attempt)
    page = client.get(f"/interviews/{interview.id}/scorecard").get_data(as_text=True)
    assert "Evidence the candidate asked for, in order" in page
    assert (page.index('data-evidence-asked="queries-per-checkout"')
            < page.index('data-evidence-asked="slow-trace"'))
    # The trace, 3 of 11, less 1 for the red herring cited in support (asked for or not):
    # 2/11, level 1 + floor(6/11) = 1.
    assert "Suggested: level 1</span>\n            from the key evidence" in page
    assert "Asked for and cited: The slowest kept checkout trace (key, weight 3)." in page
    assert "Cited in support, but it misleads: checkout-api pods (red herring), minus 1." \
        in page
    assert page.count("(suggested)") == 1


def test_a_second_request_for_the_same_item_returns_the_first_record(
        client, db, incident_prompt, candidate):
    attempt_id = start(client, SLUG)
    attempt = db.get(Attempt, attempt_id)
    assert attempt.evidence_reveals == []  # this copy has not seen the other request
    # Another request (a second tab) records it between this one's read and its write.
    db.execute(insert(EvidenceReveal).values(attempt_id=attempt_id, evidence_key="pod-health",
                                             revealed_at=utcnow(), elapsed_seconds=7))
    db.commit()
    reveal_row = lifecycle.reveal_evidence(db, attempt, "pod-health")
    assert (reveal_row.evidence_key, reveal_row.elapsed_seconds) == ("pod-health", 7)
    assert asked(db, attempt_id) == ["pod-health"]


def test_the_live_poll_brings_the_evidence_asked_for_with_each_new_revision(
        client, db, incident_prompt):
    owner, _ = make_panel(db, reviewers=0)
    interview, _ = make_interview(db, owner, prompts=(SLUG,))
    join_and_start(db, interview)
    (attempt,) = clock.attempts(interview)
    lifecycle.save_draft(db, attempt, body="## Timeline", based_on=0, client_id="t")
    client.login(owner.email, PASSWORD)
    page = client.get(f"/interviews/{interview.id}/live").get_data(as_text=True)
    assert "No evidence asked for yet." in page
    lifecycle.reveal_evidence(db, attempt, "deploy-history")
    lifecycle.save_draft(db, attempt, body="## Timeline\n- 09:20 v412", based_on=1,
                         client_id="t")
    update = client.get(f"/interviews/{interview.id}/live/updates",
                        query_string={"seen": f"{attempt.id}:1:0:0", "stage": "in_progress"})
    body = update.get_data(as_text=True)
    item = interview.items[0]
    assert f'id="live-asked-{item.id}" hx-swap-oob="true"' in body
    assert 'data-evidence-asked="deploy-history"' in body
    assert shown(body) == set()


def test_playback_places_the_evidence_asked_for_among_the_saves(client, db, incident_prompt,
                                                                 candidate):
    attempt_id = start(client, SLUG)
    assert save(client, attempt_id, "Paged at 09:40.", 0).status_code == HTTPStatus.OK
    reveal(client, attempt_id, "deploy-history")
    assert save(client, attempt_id, "Paged at 09:40. A deploy at 09:20.", 1
                ).status_code == HTTPStatus.OK
    reveal(client, attempt_id, "queries-per-checkout")
    page = client.get(f"/practice/attempts/{attempt_id}/playback").get_data(as_text=True)
    assert "2 evidence items asked for" in page
    first = page.index("Asked for evidence: Deploy history for checkout-api")
    second = page.index("Asked for evidence: Database queries per checkout")
    assert first < second
    # Each comes after the newest version saved before it, where the slider shows it.
    assert 'data-goto="1">Show version 1' in page[first:second]
    assert 'data-goto="2">Show version 2' in page[second:]
    # Titles only: playback shows no evidence body, as the result page shows none.
    assert not shown(page)
