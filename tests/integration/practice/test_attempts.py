"""Attempts: autosave revisions, conflicts, limits, hints, timer, submit, self-assessment."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from sqlalchemy import func, select

from app.attempts import lifecycle
from app.content.sync import sync_content
from app.db import utcnow
from app.models import AnswerRevision, Attempt, AttemptStatus, HintReveal
from app.practice import services
from tests.factories.content import replace_in
from tests.factories.practice import make_attempt
from tests.factories.users import make_user
from tests.support.web import WebClient
from tests.support.worker import run_renders


def save(client: WebClient, attempt_id: int, body: str, based_on: int, client_id: str = "tab-a"):
    token = client.csrf_token()
    return client.raw.post(f"/practice/attempts/{attempt_id}/draft",
                           json={"body": body, "based_on": based_on, "client_id": client_id},
                           headers={"X-CSRFToken": token})


def start(client: WebClient, slug: str = "url-shortener") -> int:
    response = client.post(f"/practice/prompts/{slug}/attempts", {"level": "senior"})
    assert response.status_code == HTTPStatus.FOUND
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def revisions(db, attempt_id: int) -> list[tuple[int, str]]:
    return [(r.number, r.body) for r in db.scalars(
        select(AnswerRevision).where(AnswerRevision.attempt_id == attempt_id)
        .order_by(AnswerRevision.number))]


def test_starting_pins_the_prompt_and_rubric_revisions(client, db, library, candidate):
    attempt_id = start(client)
    attempt = db.get(Attempt, attempt_id)
    assert attempt.target_level == "senior"
    assert attempt.prompt.current_revision_id == attempt.prompt_revision_id
    replace_in(library / "rubrics/url-shortener.md", "weight: 2", "weight: 3")
    replace_in(library / "prompts/url-shortener.md", "minutes: 45", "minutes: 50")
    sync_content(db, library)
    db.expire_all()
    attempt = db.get(Attempt, attempt_id)
    assert attempt.prompt_revision.minutes == 45
    assert attempt.rubric_revision.criteria[0].weight == 2.0
    page = client.get(f"/practice/attempts/{attempt_id}").get_data(as_text=True)
    assert "of 45:00" in page


def test_each_save_is_a_new_revision(client, db, library, candidate):
    attempt_id = start(client)
    assert save(client, attempt_id, "one", 0).json["revision"] == 1
    assert save(client, attempt_id, "one two", 1).json["revision"] == 2
    assert revisions(db, attempt_id) == [(1, "one"), (2, "one two")]
    assert client.get(f"/practice/attempts/{attempt_id}/draft").json["body"] == "one two"


def test_saving_the_same_text_again_writes_nothing(client, db, library, candidate):
    attempt_id = start(client)
    save(client, attempt_id, "same", 0)
    assert save(client, attempt_id, "same", 1).json["revision"] == 1
    assert len(revisions(db, attempt_id)) == 1


def test_a_stale_save_from_another_tab_is_409_and_keeps_both_texts(client, db, library,
                                                                      candidate):
    attempt_id = start(client)
    save(client, attempt_id, "base", 0, client_id="tab-a")
    assert save(client, attempt_id, "base + from tab A", 1, client_id="tab-a").status_code == 200
    conflict = save(client, attempt_id, "base + from tab B", 1, client_id="tab-b")
    assert conflict.status_code == HTTPStatus.CONFLICT
    assert conflict.json["current"] == {"revision": 2, "body": "base + from tab A", "scene": "",
                                        "saved_at": conflict.json["current"]["saved_at"]}
    assert revisions(db, attempt_id)[-1] == (2, "base + from tab A")
    merged = save(client, attempt_id, "base + from tab A + from tab B", 2, client_id="tab-b")
    assert merged.json["revision"] == 3


def test_a_save_whose_reply_was_lost_does_not_conflict_with_the_same_editor(client, db, library,
                                                                              candidate):
    attempt_id = start(client)
    save(client, attempt_id, "a", 0, client_id="tab-a")
    save(client, attempt_id, "ab", 1, client_id="tab-a")  # pretend this reply never arrived
    retried = save(client, attempt_id, "abc", 1, client_id="tab-a")
    assert retried.status_code == HTTPStatus.OK
    assert revisions(db, attempt_id) == [(1, "a"), (2, "ab"), (3, "abc")]


def test_a_lost_reply_is_still_a_conflict_once_another_editor_saved_since(client, db, library,
                                                                           candidate):
    attempt_id = start(client)
    save(client, attempt_id, "a", 0, client_id="tab-a")
    save(client, attempt_id, "ab", 1, client_id="tab-a")  # this reply never arrived
    save(client, attempt_id, "ab + from tab B", 2, client_id="tab-b")
    retried = save(client, attempt_id, "abc", 1, client_id="tab-a")
    assert retried.status_code == HTTPStatus.CONFLICT
    assert retried.json["current"]["body"] == "ab + from tab B"
    assert revisions(db, attempt_id)[-1] == (3, "ab + from tab B")


def test_saving_the_text_a_restore_brought_back_writes_nothing(client, db, library, candidate):
    attempt_id = start(client)
    save(client, attempt_id, "alpha", 0)
    save(client, attempt_id, "bravo", 1)
    client.post(f"/practice/attempts/{attempt_id}/revisions/1/restore")
    assert save(client, attempt_id, "alpha", 3).json["revision"] == 3
    assert save(client, attempt_id, "alphA", 3).json["revision"] == 4


def test_an_oversized_answer_is_413_with_a_message_and_nothing_saved(client, db, library,
                                                                        candidate):
    attempt_id = start(client)
    save(client, attempt_id, "kept", 0)
    response = save(client, attempt_id, "é" * 100_001, 1)  # 200,002 bytes
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert "the limit is 200,000" in response.json["message"]
    assert revisions(db, attempt_id) == [(1, "kept")]


def test_malformed_save_requests_are_422(client, db, library, candidate):
    attempt_id = start(client)
    token = client.csrf_token()
    response = client.raw.post(f"/practice/attempts/{attempt_id}/draft", json={"body": 3},
                               headers={"X-CSRFToken": token})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY


def test_someone_elses_attempt_is_404_everywhere(app, client, db, library, candidate):
    other = make_user(db)
    theirs = make_attempt(db, other, body="secret design")
    for url in (f"/practice/attempts/{theirs.id}", f"/practice/attempts/{theirs.id}/draft",
                f"/practice/attempts/{theirs.id}/revisions",
                f"/practice/attempts/{theirs.id}/revisions/1",
                f"/practice/attempts/{theirs.id}/result"):
        response = client.get(url)
        assert response.status_code == HTTPStatus.NOT_FOUND, url
        assert b"secret design" not in response.data
    assert save(client, theirs.id, "overwrite", 1).status_code == HTTPStatus.NOT_FOUND
    for url in (f"/practice/attempts/{theirs.id}/submit", f"/practice/attempts/{theirs.id}/hints",
                f"/practice/attempts/{theirs.id}/revisions/1/restore"):
        assert client.post(url).status_code == HTTPStatus.NOT_FOUND, url
    assert revisions(db, theirs.id) == [(1, "secret design")]


def test_history_lists_every_revision_and_restoring_adds_a_new_one(client, db, library,
                                                                     candidate):
    attempt_id = start(client)
    for n, text in enumerate(["alpha", "bravo", "charlie"]):
        save(client, attempt_id, text, n)
    page = client.get(f"/practice/attempts/{attempt_id}/revisions").get_data(as_text=True)
    assert page.count("bytes</td>") == 3
    assert "alpha" not in page  # the list shows sizes and times, not the text
    assert "alpha" in client.get(f"/practice/attempts/{attempt_id}/revisions/1").get_data(
        as_text=True)
    response = client.post(f"/practice/attempts/{attempt_id}/revisions/1/restore")
    assert response.status_code == HTTPStatus.FOUND
    assert revisions(db, attempt_id)[-1] == (4, "alpha")
    assert db.scalar(select(AnswerRevision.restored_from)
                     .where(AnswerRevision.attempt_id == attempt_id,
                            AnswerRevision.number == 4)) == 1


def test_hints_are_revealed_one_at_a_time_and_recorded(client, db, library, candidate):
    attempt_id = start(client)
    workspace = client.get(f"/practice/attempts/{attempt_id}").get_data(as_text=True)
    assert "How long must a code be?" not in workspace
    assert "Show a hint (3 left)" in workspace
    first = client.post(f"/practice/attempts/{attempt_id}/hints", headers={"HX-Request": "true"})
    assert "How long must a code be?" in first.get_data(as_text=True)
    assert "Where do redirects read from?" not in first.get_data(as_text=True)
    client.post(f"/practice/attempts/{attempt_id}/hints")
    client.post(f"/practice/attempts/{attempt_id}/hints")
    assert client.post(f"/practice/attempts/{attempt_id}/hints").status_code == 403
    reveals = db.scalars(select(HintReveal).where(HintReveal.attempt_id == attempt_id)
                         .order_by(HintReveal.hint_index)).all()
    assert [r.hint_index for r in reveals] == [0, 1, 2]
    elapsed = [r.elapsed_seconds for r in reveals]  # timer seconds at each reveal
    assert elapsed == sorted(elapsed)


def test_timer_pauses_and_resumes_and_never_touches_the_answer(db, library):
    user = make_user(db)
    attempt = make_attempt(db, user, body="mine")
    start_time = attempt.timer_started_at
    lifecycle.set_timer(db, attempt, running=False, now=start_time + timedelta(minutes=50))
    assert attempt.timer_seconds == 3000 and attempt.timer_started_at is None
    later = start_time + timedelta(hours=5)
    assert attempt.elapsed_seconds(later) == 3000  # paused time does not count
    lifecycle.set_timer(db, attempt, running=True, now=later)
    assert attempt.elapsed_seconds(later + timedelta(seconds=30)) == 3030
    assert attempt.is_open and lifecycle.latest_revision(db, attempt).body == "mine"


def test_submit_freezes_the_answer(client, db, library, candidate):
    attempt_id = start(client)
    save(client, attempt_id, "draft", 0)
    response = client.post(f"/practice/attempts/{attempt_id}/submit",
                           {"body": "final answer", "based_on": "1", "client_id": "tab-a"})
    assert response.status_code == HTTPStatus.FOUND
    attempt = db.get(Attempt, attempt_id)
    assert attempt.status is AttemptStatus.SUBMITTED and attempt.submitted_at is not None
    assert revisions(db, attempt_id)[-1] == (2, "final answer")
    assert save(client, attempt_id, "too late", 2).status_code == HTTPStatus.CONFLICT
    assert client.post(f"/practice/attempts/{attempt_id}/revisions/1/restore").status_code == 409
    assert client.get(f"/practice/attempts/{attempt_id}").status_code == HTTPStatus.FOUND


def test_a_form_submit_of_the_autosaved_text_adds_no_revision_and_keeps_its_newlines(
        client, db, library, candidate):
    attempt_id = start(client)
    save(client, attempt_id, "## Storage\nA key-value store.\n", 0)
    # A browser's form sends a textarea's line breaks as CRLF; its scripts saw LF.
    client.post(f"/practice/attempts/{attempt_id}/submit",
                {"body": "## Storage\r\nA key-value store.\r\n", "based_on": "1",
                 "client_id": "tab-a"})
    assert db.get(Attempt, attempt_id).status is AttemptStatus.SUBMITTED
    assert revisions(db, attempt_id) == [(1, "## Storage\nA key-value store.\n")]


def test_an_empty_attempt_cannot_be_submitted(client, db, library, candidate):
    attempt_id = start(client)
    response = client.post(f"/practice/attempts/{attempt_id}/submit")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert b"Write an answer before submitting" in response.data


def test_the_reference_is_shown_only_after_submitting(client, db, library, candidate):
    attempt_id = start(client)
    reference = "A strong answer estimates the key space"
    assert reference not in client.get(f"/practice/attempts/{attempt_id}").get_data(as_text=True)
    assert client.get(f"/practice/attempts/{attempt_id}/result").status_code == HTTPStatus.FOUND
    client.post(f"/practice/attempts/{attempt_id}/submit", {"body": "We use base62 keys with a "
                                                           "key-value index and 301 redirects."})
    result = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    assert reference in result


def test_result_highlights_signals_and_counts_them_without_a_level(client, db, library,
                                                                    candidate):
    attempt_id = start(client)
    # A rubric revision stored before the rule, with Storage scored auto: signals.
    storage = next(c for c in db.get(Attempt, attempt_id).rubric_revision.criteria
                   if c.name == "Storage")
    storage.auto = "signals"
    db.commit()
    client.post(f"/practice/attempts/{attempt_id}/submit",
                {"body": "Store codes in a key-value store with an index on the code."})
    page = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    assert '<mark class="signal" data-signal="key-value">key-value</mark>' in page
    assert "Signals found: 2 of 3" in page  # key-value and index, not base62
    assert "Suggested: level" not in page
    assert "(suggested)" not in page


def test_self_assessment_gives_the_weighted_score_against_the_bar(client, db, library,
                                                                    candidate):
    attempt_id = start(client)
    client.post(f"/practice/attempts/{attempt_id}/submit", {"body": "An answer."})
    attempt = db.get(Attempt, attempt_id)
    requirements, storage = attempt.rubric_revision.criteria
    response = client.post(f"/practice/attempts/{attempt_id}/self-assessment", {
        f"level-{requirements.id}": "3", f"note-{requirements.id}": "missed the read ratio",
        f"level-{storage.id}": "2"})
    assert response.status_code == HTTPStatus.FOUND
    db.expire_all()
    attempt = db.get(Attempt, attempt_id)
    assert attempt.status is AttemptStatus.REVIEWED
    assert attempt.self_score == pytest.approx((3 * 2 + 2 * 1) / 3)
    assert attempt.met_bar is False  # senior bar 3.0
    page = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "2.67" in page and "below the bar" in page and "missed the read ratio" in page


def test_a_missed_gate_is_shown_as_the_reason_an_answer_misses_the_bar(client, db, library,
                                                                     candidate):
    replace_in(library / "rubrics" / "url-shortener.md", "weight: 1\n",
               "weight: 1\ngate: {senior: 3}\n")
    sync_content(db, library)
    attempt_id = start(client)
    client.post(f"/practice/attempts/{attempt_id}/submit", {"body": "An answer."})
    attempt = db.get(Attempt, attempt_id)
    requirements, storage = attempt.rubric_revision.criteria
    assert storage.gate == {"senior": 3}
    page = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "gate: level 3" in page
    assert "or above needed for a senior answer to meet the bar" in page
    client.post(f"/practice/attempts/{attempt_id}/self-assessment", {
        f"level-{requirements.id}": "4", f"level-{storage.id}": "2"})
    db.expire_all()
    attempt = db.get(Attempt, attempt_id)
    assert attempt.self_score == pytest.approx((4 * 2 + 2 * 1) / 3)  # 3.33, over the bar
    assert attempt.met_bar is False
    page = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "3.33" in page and "below the bar" in page
    assert "<li>Storage is at level 2; the bar needs at least 3.</li>" in page
    assert "short of the bar" not in page  # the mean is not a reason here

    client.post(f"/practice/attempts/{attempt_id}/self-assessment", {
        f"level-{requirements.id}": "3", f"level-{storage.id}": "3"})
    db.expire_all()
    assert db.get(Attempt, attempt_id).met_bar is True
    page = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "meets the bar" in page and "the bar needs at least" not in page


def test_a_revealed_hint_caps_the_criterion_it_gives_away_in_the_score(client, db, library,
                                                                        candidate):
    # Hint 2 gives Requirements (weight 2) away; hint 1 is a plain nudge.
    replace_in(library / "prompts/url-shortener.md", "- Where do",
               "- [gives away: Requirements] Where do")
    sync_content(db, library)
    attempt_id = start(client)
    workspace = client.get(f"/practice/attempts/{attempt_id}").get_data(as_text=True)
    assert "The next hint gives part of the answer away" not in workspace  # hint 1 is a nudge
    client.post(f"/practice/attempts/{attempt_id}/hints")
    workspace = client.get(f"/practice/attempts/{attempt_id}").get_data(as_text=True)
    assert "The next hint gives part of the answer away" in workspace
    client.post(f"/practice/attempts/{attempt_id}/hints")
    client.post(f"/practice/attempts/{attempt_id}/submit", {"body": "An answer."})
    requirements, storage = db.get(Attempt, attempt_id).rubric_revision.criteria
    client.post(f"/practice/attempts/{attempt_id}/self-assessment", {
        f"level-{requirements.id}": "4", f"level-{storage.id}": "2"})
    db.expire_all()
    attempt = db.get(Attempt, attempt_id)
    # Without the hint (4 * 2 + 2) / 3 = 3.33 would meet the senior bar; counted at 3, 2.67.
    assert attempt.self_score == pytest.approx((3 * 2 + 2 * 1) / 3)
    assert attempt.met_bar is False
    page = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "2.67" in page and "below the bar" in page
    assert "counts as 3: hint 2 was revealed</span> (you picked 4)" in page
    assert "gives away <strong>Requirements</strong>, which counts at most 3" in page
    assert "a nudge; it does not change the score" in page


def test_self_assessment_rejects_levels_outside_the_scale(client, db, library, candidate):
    attempt_id = start(client)
    client.post(f"/practice/attempts/{attempt_id}/submit", {"body": "An answer."})
    criterion = db.get(Attempt, attempt_id).rubric_revision.criteria[0]
    response = client.post(f"/practice/attempts/{attempt_id}/self-assessment",
                           {f"level-{criterion.id}": "7"})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY


def test_hostile_answers_render_inert_everywhere(app, client, db, library, candidate):
    hostile = ("<script>alert(1)</script><img src=x onerror=alert(2)>"
               "[x](javascript:alert(3))<iframe src=//evil></iframe>")
    attempt_id = start(client)
    save(client, attempt_id, hostile, 0)
    # Before its worker renders it, the revision is shown as its text, escaped.
    waiting = client.get(f"/practice/attempts/{attempt_id}/revisions/1").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in waiting and "<script>alert" not in waiting
    assert "<iframe" not in waiting and "<img src=x" not in waiting
    assert run_renders(app) == 1
    pages = [client.get(f"/practice/attempts/{attempt_id}/revisions/1")]
    client.post(f"/practice/attempts/{attempt_id}/submit", {"body": hostile + " done"})
    pages.append(client.get(f"/practice/attempts/{attempt_id}/result"))
    for page in pages:
        html = page.get_data(as_text=True)
        assert "<script>alert" not in html and "onerror" not in html
        assert "javascript:alert" not in html and "<iframe" not in html


def test_a_new_attempt_can_start_any_time_and_old_ones_stay_readable(client, db, library,
                                                                       candidate):
    first = start(client)
    client.post(f"/practice/attempts/{first}/submit", {"body": "first try"})
    second = start(client)
    assert second != first
    assert "first try" in client.get(f"/practice/attempts/{first}/result").get_data(as_text=True)
    page = client.get("/practice/prompts/url-shortener").get_data(as_text=True)
    assert page.count("Started <time") == 2


def test_a_retired_prompt_keeps_old_attempts_readable_but_takes_no_new_ones(client, db, library,
                                                                              candidate):
    attempt_id = start(client)
    client.post(f"/practice/attempts/{attempt_id}/submit", {"body": "kept"})
    (library / "prompts/url-shortener.md").unlink()
    (library / "rubrics/url-shortener.md").unlink()
    sync_content(db, library)
    assert client.get(f"/practice/attempts/{attempt_id}/result").status_code == HTTPStatus.OK
    assert client.post("/practice/prompts/url-shortener/attempts").status_code == 404


def test_progress_reports_attempts_scores_time_and_hints(client, db, library, candidate):
    attempt_id = start(client)
    client.post(f"/practice/attempts/{attempt_id}/hints")
    client.post(f"/practice/attempts/{attempt_id}/submit", {"body": "An answer."})
    attempt = db.get(Attempt, attempt_id)
    levels = {c.id: (4, "") for c in attempt.rubric_revision.criteria}
    services.self_assess(db, db.get(Attempt, attempt_id), levels)
    start(client, "sum-two")
    page = client.get("/practice/progress").get_data(as_text=True)
    assert "2 attempts, 1 submitted" in page
    assert "1 hint used" in page
    assert "API design" in page and "100%" in page
    assert "1 of 3" in page  # hints used of available
    assert db.scalar(select(func.count()).select_from(Attempt)) == 2


def test_progress_has_an_empty_state(client, db, candidate):
    assert "No attempts yet" in client.get("/practice/progress").get_data(as_text=True)


def test_concurrent_saves_with_the_same_base_never_both_win(db, library):
    user = make_user(db)
    attempt = make_attempt(db, user, body="start")
    lifecycle.save_draft(db, attempt, body="from A", based_on=1, client_id="a")
    with pytest.raises(lifecycle.StaleRevision):
        lifecycle.save_draft(db, attempt, body="from B", based_on=1, client_id="b")
    assert attempt.revision_number == 2
    assert utcnow() >= attempt.started_at


def test_a_coding_prompt_starts_from_its_starter_code(client, db, library, candidate):
    attempt_id = start(client, "sum-two")
    page = client.get(f"/practice/attempts/{attempt_id}").get_data(as_text=True)
    assert ">\ndef add(a, b):\n    raise NotImplementedError" in page  # the textarea's text
    assert "Insert the phase template" not in page
