"""Calibration sets: authors' samples, interviewers' scores, distances, privacy and budgets."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from sqlalchemy import func, select

from app.content.sync import sync_content
from app.models import CalibrationSample, CalibrationScore, Criterion, Role
from tests.factories.calibration import make_sample, score_sample
from tests.factories.content import replace_in
from tests.factories.interviews import answer_and_submit, join_and_start, make_interview
from tests.factories.users import PASSWORD, make_user

HOSTILE = ('## Plan\n<script>alert("x")</script>\n<img src=x onerror="alert(1)">\n'
           '[link](javascript:alert(1)) and a key-value store.')


@pytest.fixture
def author(db, library):
    return make_user(db, Role.AUTHOR, name="Ada Author")


@pytest.fixture
def interviewer(db, library):
    return make_user(db, Role.INTERVIEWER, name="Ivy Interviewer")


def login(client, user):
    assert client.login(user.email, PASSWORD).status_code == HTTPStatus.FOUND


def criteria(db) -> dict[str, int]:
    """The URL shortener rubric's criteria (current revision): name -> id."""
    sample_free = db.scalars(select(Criterion).order_by(Criterion.id)).all()
    return {c.name: c.id for c in sample_free if c.name in ("Requirements", "Storage")}


def sample_form(ids: dict[str, int], **overrides) -> dict[str, str]:
    form = {"prompt": "url-shortener", "title": "Thin but sound",
            "answer": "A key-value store keyed by the short code, with a cache in front.",
            f"level-{ids['Requirements']}": "3", f"rationale-{ids['Requirements']}":
            "Numbers, but no redirect status.",
            f"level-{ids['Storage']}": "2", f"rationale-{ids['Storage']}": "No reason for it."}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def text(response) -> str:
    return response.get_data(as_text=True)


def visible(response) -> str:
    """The page's text with tags removed and white space squashed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(response)))


# Authors ------------------------------------------------------------------------------------


def test_an_author_attaches_a_sample_pinned_to_the_current_revisions(client, db, author):
    login(client, author)
    page = client.get("/calibration/samples/new?prompt=url-shortener")
    assert page.status_code == HTTPStatus.OK
    body = text(page)
    # The descriptors are shown beside each level.
    assert "Quantifies reads and writes and names the redirect status." in body
    ids = criteria(db)
    response = client.post("/calibration/samples/new", sample_form(ids))
    assert response.status_code == HTTPStatus.FOUND
    sample = db.scalars(select(CalibrationSample)).one()
    assert sample.title == "Thin but sound"
    assert sample.author_id == author.id
    assert sample.prompt_revision.title == "Design a URL shortener"
    assert sample.rubric_revision.title == "URL shortener"
    assert sample.references == {
        str(ids["Requirements"]): {"level": 3, "rationale": "Numbers, but no redirect status."},
        str(ids["Storage"]): {"level": 2, "rationale": "No reason for it."}}
    assert sample.answer_html == ("<p>A key-value store keyed by the short code, with a cache "
                                  "in front.</p>")
    listing = client.get("/calibration/samples")
    assert "Thin but sound" in text(listing)


def test_every_criterion_needs_a_level_and_the_form_keeps_what_was_typed(client, db, author):
    login(client, author)
    ids = criteria(db)
    response = client.post("/calibration/samples/new",
                           sample_form(ids, **{f"level-{ids['Storage']}": None}))
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Choose a reference level for “Storage”." in text(response)
    assert "Numbers, but no redirect status." in text(response)  # kept
    assert db.scalar(select(func.count()).select_from(CalibrationSample)) == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "  ", "Give the sample a title."),
    ("answer", "Too short.", "Paste the sample answer (at least 20 characters)."),
    ("answer", "x" * 20_001, "The answer is 20,001 characters; keep it to 20,000."),
    ("level", "5", "Choose a reference level for “Requirements”."),
    ("level", "²", "Choose a reference level for “Requirements”."),
    ("rationale", "y" * 1_001, "Keep the rationale to 1,000 characters."),
])
def test_invalid_samples_are_refused_with_a_clear_message(client, db, author, field, value,
                                                          message):
    login(client, author)
    ids = criteria(db)
    name = f"{field}-{ids['Requirements']}" if field in ("level", "rationale") else field
    response = client.post("/calibration/samples/new", sample_form(ids, **{name: value}))
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert message in text(response)
    assert db.scalar(select(func.count()).select_from(CalibrationSample)) == 0


def test_an_unknown_or_unpublished_prompt_has_no_sample_form(client, db, author, library):
    login(client, author)
    assert client.get("/calibration/samples/new?prompt=no-such").status_code == \
        HTTPStatus.NOT_FOUND
    replace_in(library / "prompts" / "url-shortener.md", "minutes: 45",
               "minutes: 45\nstatus: draft")
    sync_content(db, library)
    assert client.get("/calibration/samples/new?prompt=url-shortener").status_code == \
        HTTPStatus.NOT_FOUND
    ids = criteria(db)
    assert client.post("/calibration/samples/new", sample_form(ids)).status_code == \
        HTTPStatus.NOT_FOUND


def test_hostile_html_in_the_answer_is_sanitised_and_shown_safely(client, db, author,
                                                                  interviewer):
    login(client, author)
    ids = criteria(db)
    assert client.post("/calibration/samples/new",
                       sample_form(ids, answer=HOSTILE)).status_code == HTTPStatus.FOUND
    sample = db.scalars(select(CalibrationSample)).one()
    assert sample.answer_md == HOSTILE  # the source as written
    assert "<script" not in sample.answer_html and "onerror" not in sample.answer_html
    assert "javascript:" not in sample.answer_html
    assert "key-value store" in sample.answer_html
    # The author's form shows the source as text in its textarea.
    edit = text(client.get(f"/calibration/samples/{sample.id}/edit"))
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in edit
    assert '<script>alert' not in edit and '<img src=x' not in edit
    client.logout()
    login(client, interviewer)
    page = text(client.get(f"/calibration/samples/{sample.id}/score"))
    assert "key-value store" in page
    assert "<script>alert" not in page and "onerror=" not in page


def test_an_author_edits_and_retires_a_sample(client, db, author, interviewer):
    sample = make_sample(db, author, title="First title")
    login(client, author)
    ids = criteria(db)
    response = client.post(f"/calibration/samples/{sample.id}/edit",
                           sample_form(ids, title="Second title",
                                       **{f"level-{ids['Storage']}": "4"}))
    assert response.status_code == HTTPStatus.FOUND
    db.expire_all()
    assert sample.title == "Second title"
    assert sample.references[str(ids["Storage"])]["level"] == 4
    bad = client.post(f"/calibration/samples/{sample.id}/edit", sample_form(ids, title=""))
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Give the sample a title." in text(bad)
    score = score_sample(db, sample, interviewer)
    assert client.post(f"/calibration/samples/{sample.id}/retire").status_code == \
        HTTPStatus.FOUND
    db.expire_all()
    assert sample.retired_at is not None
    assert "retired" in text(client.get("/calibration/samples"))
    client.logout()
    login(client, interviewer)
    assert "Second title" not in text(client.get("/calibration"))
    assert client.get(f"/calibration/samples/{sample.id}/score").status_code == \
        HTTPStatus.NOT_FOUND
    assert client.post(f"/calibration/samples/{sample.id}/score", {}).status_code == \
        HTTPStatus.NOT_FOUND
    # What was scored before stays in the history, and its result stays readable.
    assert "Second title" in text(client.get("/calibration/history"))
    assert client.get(f"/calibration/scores/{score.id}").status_code == HTTPStatus.OK


def test_the_authors_list_counts_interviewers_and_their_mean_distance(client, db, author):
    sample = make_sample(db, author, references={"Requirements": 3, "Storage": 2})
    first, second = (make_user(db, Role.INTERVIEWER) for _ in range(2))
    # The first interviewer's older score is replaced by their newer one.
    score_sample(db, sample, first, levels={"Requirements": 1, "Storage": 1})
    score_sample(db, sample, first, levels={"Requirements": 4, "Storage": 2})   # +1, 0
    score_sample(db, sample, second, levels={"Requirements": 3, "Storage": 4})  # 0, +2
    login(client, author)
    row = visible(client.get("/calibration/samples"))
    # Two interviewers; |+1| + 0 + 0 + |+2| over four criteria = 0.75.
    assert re.search(r"A sound but thin answer \d+ 2 0\.75 levels", row), row


def test_interviewers_and_candidates_cannot_reach_the_authors_pages(client, db, author,
                                                                    interviewer):
    sample = make_sample(db, author)
    candidate = make_user(db)
    for user in (interviewer, candidate):
        login(client, user)
        for url in ("/calibration/samples", "/calibration/samples/new",
                    f"/calibration/samples/{sample.id}/edit"):
            assert client.get(url).status_code == HTTPStatus.FORBIDDEN, url
        assert client.post(f"/calibration/samples/{sample.id}/retire").status_code == \
            HTTPStatus.FORBIDDEN
        client.logout()
    login(client, candidate)
    assert client.get("/calibration").status_code == HTTPStatus.FORBIDDEN
    db.expire_all()
    assert sample.retired_at is None


# Interviewers --------------------------------------------------------------------------------


def test_the_reference_is_hidden_until_the_interviewer_submits(client, db, author, interviewer):
    sample = make_sample(db, author, references={"Requirements": 2, "Storage": 2},
                         rationales={"Requirements": "Secret reason one.",
                                     "Storage": "Secret reason two."})
    login(client, interviewer)
    page = client.get(f"/calibration/samples/{sample.id}/score")
    assert page.status_code == HTTPStatus.OK
    body = text(page)
    assert "Secret reason" not in body
    assert "reference level" not in body.casefold().replace("the reference levels appear", "")
    assert "checked" not in body  # no level is chosen for the reader
    assert "Quantifies reads and writes and names the redirect status." in body
    index = text(client.get("/calibration"))
    assert "Secret reason" not in index and "Not scored yet" in index


def test_the_result_shows_each_distance_worked_by_hand(client, db, author, interviewer):
    sample = make_sample(db, author, references={"Requirements": 2, "Storage": 3},
                         rationales={"Requirements": "No numbers at all."})
    ids = criteria(db)
    login(client, interviewer)
    response = client.post(f"/calibration/samples/{sample.id}/score", {
        f"level-{ids['Requirements']}": "4", f"level-{ids['Storage']}": "3",
        f"comment-{ids['Storage']}": "Fine store."})
    assert response.status_code == HTTPStatus.FOUND
    score = db.scalars(select(CalibrationScore)).one()
    assert response.headers["Location"].endswith(f"/calibration/scores/{score.id}")
    page = visible(client.get(f"/calibration/scores/{score.id}"))
    # Requirements: 4 - 2 = +2; Storage: 3 - 3 = 0.
    assert "Requirements 4 · Strong 2 · Mixed +2 2 levels above the reference No numbers at all." \
        in page, page
    assert "Storage 3 · Solid Fine store. 3 · Solid 0 on the reference" in page
    # One of two on the reference, mean |distance| (2 + 0) / 2 = 1.00, leaning above.
    assert "On the reference 1 of 2 criteria" in page
    assert "Mean distance 1.00 levels" in page
    assert "You lean above the reference (more generous)" in page
    index = visible(client.get("/calibration"))
    assert "1 of 2 on the reference · mean distance 1.00 · leans above the reference" in index


def test_a_level_below_reads_as_below(client, db, author, interviewer):
    sample = make_sample(db, author, references={"Requirements": 4, "Storage": 3})
    score = score_sample(db, sample, interviewer, levels={"Requirements": 3, "Storage": 1})
    login(client, interviewer)
    page = visible(client.get(f"/calibration/scores/{score.id}"))
    assert "-1 1 level below the reference" in page
    assert "-2 2 levels below the reference" in page
    assert "Mean distance 1.50 levels" in page
    assert "You lean below the reference (stricter)" in page


def test_a_score_needs_every_level_and_stores_nothing_otherwise(client, db, author,
                                                               interviewer):
    sample = make_sample(db, author)
    ids = criteria(db)
    login(client, interviewer)
    response = client.post(f"/calibration/samples/{sample.id}/score", {
        f"level-{ids['Requirements']}": "4", f"level-{ids['Storage']}": "9",
        f"comment-{ids['Requirements']}": "Kept comment."})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    body = text(response)
    assert "Choose a level for “Storage”." in body
    assert "Kept comment." in body
    assert "Reference for" not in body  # a refusal shows no reference either
    too_long = client.post(f"/calibration/samples/{sample.id}/score", {
        f"level-{ids['Requirements']}": "4", f"level-{ids['Storage']}": "2",
        f"comment-{ids['Storage']}": "z" * 1_001})
    assert too_long.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Keep the comment to 1,000 characters." in text(too_long)
    assert db.scalar(select(func.count()).select_from(CalibrationScore)) == 0


def test_a_result_and_the_history_are_the_readers_own(client, db, author, interviewer):
    alpha = make_sample(db, author, title="Alpha sample", references={"Requirements": 2,
                                                                      "Storage": 2})
    beta = make_sample(db, author, title="Beta sample")
    other = make_user(db, Role.INTERVIEWER)
    mine_first = score_sample(db, alpha, interviewer, levels={"Requirements": 3, "Storage": 2})
    score_sample(db, alpha, interviewer, levels={"Requirements": 1, "Storage": 4})
    theirs = score_sample(db, beta, other)
    login(client, interviewer)
    assert client.get(f"/calibration/scores/{theirs.id}").status_code == HTTPStatus.NOT_FOUND
    assert client.get(f"/calibration/scores/{mine_first.id}").status_code == HTTPStatus.OK
    history = visible(client.get("/calibration/history"))
    assert "Beta sample" not in history
    assert history.count("Alpha sample") == 2
    # Requirements: +1 then -1, mean 0; Storage: 0 then +2, mean +1.
    assert "Requirements 2 0 +0.00 neither way" in history
    assert "Storage 2 1 +1.00 above the reference (more generous)" in history
    # Overall: 1 of 4 on the reference, mean |d| (1 + 0 + 1 + 2) / 4 = 1.00.
    assert "2 scores : 1 of 4 criteria on the reference, mean distance 1.00" in history
    client.logout()
    admin = make_user(db, Role.ADMIN)
    login(client, admin)
    assert client.get(f"/calibration/scores/{mine_first.id}").status_code == HTTPStatus.NOT_FOUND
    assert "Alpha sample" not in text(client.get("/calibration/history"))


def test_the_history_shows_twenty_scores_a_page_and_leans_over_all(client, db, author,
                                                                   interviewer):
    sample = make_sample(db, author, references={"Requirements": 2, "Storage": 2})
    first = score_sample(db, sample, interviewer, levels={"Requirements": 4, "Storage": 2})
    for _ in range(20):
        score_sample(db, sample, interviewer, levels={"Requirements": 2, "Storage": 1})
    login(client, interviewer)
    page_one = text(client.get("/calibration/history"))
    assert page_one.count('href="/calibration/scores/') == 20
    assert f'href="/calibration/scores/{first.id}"' not in page_one  # the oldest is next
    assert "Showing 1–20 of 21" in page_one
    page_two = text(client.get("/calibration/history?page=2"))
    assert page_two.count('href="/calibration/scores/') == 1
    assert f'href="/calibration/scores/{first.id}"' in page_two
    # The lean counts all 21: Requirements +2 once, 0 twenty times: +2/21 = +0.10;
    # Storage 0 once, -1 twenty times: -20/21 = -0.95.
    both = visible(client.get("/calibration/history?page=2"))
    assert "Requirements 21 20 +0.10 above the reference (more generous)" in both
    assert "Storage 21 1 -0.95 below the reference (stricter)" in both
    assert "21 scores : 21 of 42 criteria on the reference" in both


def test_a_sample_stays_on_its_rubric_revision_when_the_rubric_moves_on(client, db, author,
                                                                       interviewer, library):
    sample = make_sample(db, author)
    pinned = sample.rubric_revision_id
    replace_in(library / "rubrics" / "url-shortener.md", "Judge the design, not the vocabulary.",
               "Judge the design as a whole.")
    sync_content(db, library)
    db.expire_all()
    assert sample.rubric_revision_id == pinned
    login(client, interviewer)
    assert "older rubric revision" in text(client.get("/calibration"))
    page = visible(client.get(f"/calibration/samples/{sample.id}/score"))
    assert "set against revision 1 of the rubric “URL shortener”, which is now at revision 2" \
        in page
    score = score_sample(db, sample, interviewer)
    assert "which is now at revision 2" in visible(client.get(f"/calibration/scores/{score.id}"))
    client.logout()
    login(client, author)
    assert "older than the current rubric" in text(client.get("/calibration/samples"))


def test_an_empty_library_of_samples_says_so(client, db, interviewer, author):
    login(client, interviewer)
    assert "No calibration samples yet." in text(client.get("/calibration"))
    assert "You have not scored a calibration sample yet." in \
        text(client.get("/calibration/history"))
    client.logout()
    login(client, author)
    assert "No samples yet." in text(client.get("/calibration/samples"))


# Before real candidates ------------------------------------------------------------------------


def test_the_scorecard_points_to_unscored_samples_until_one_is_scored(client, db, author):
    owner = make_user(db, Role.INTERVIEWER, name="Olive Owner")
    interview, _ = make_interview(db, owner)
    join_and_start(db, interview)
    answer_and_submit(db, interview, "A key-value store.")
    login(client, owner)
    url = f"/interviews/{interview.id}/scorecard"
    assert "Calibrate first?" not in text(client.get(url))  # no sample yet
    sample = make_sample(db, author)
    page = text(client.get(url))
    assert "Calibrate first?" in page
    prompt_id = sample.prompt_revision.prompt_id
    assert f'href="/calibration#prompt-{prompt_id}"' in page
    score_sample(db, sample, owner)
    assert "Calibrate first?" not in text(client.get(url))


# Queries --------------------------------------------------------------------------------------


def test_the_pages_run_the_same_queries_however_many_samples_and_scores(client, db, author,
                                                                       interviewer,
                                                                       query_counter):
    admin = make_user(db, Role.ADMIN)  # holds both sides
    first = make_sample(db, author)
    score = score_sample(db, first, admin)
    urls = ["/calibration", "/calibration/history", f"/calibration/scores/{score.id}",
            f"/calibration/samples/{first.id}/score", "/calibration/samples"]

    def costs() -> list[int]:
        spent = []
        for url in urls:
            query_counter.clear()
            assert client.get(url).status_code == HTTPStatus.OK, url
            spent.append(len(query_counter))
        return spent

    for n in range(4):
        sample = make_sample(db, author, title=f"Sample {n}", slug="url-shortener")
        score_sample(db, sample, admin)
    score_sample(db, first, interviewer)
    login(client, admin)
    before = costs()
    for n in range(6):
        sample = make_sample(db, author, title=f"More {n}")
        score_sample(db, sample, admin, default=2)
        score_sample(db, sample, interviewer)
    after = costs()
    assert before == after
    # One for the signed-in user, then: index (samples, the reader's scores); history
    # (every score's levels, criterion names, the page's count and rows); result (score,
    # sample, criteria, the rubric's current revision); score page (sample, criteria,
    # current revision); the authors' list (samples, scores).
    assert after == [3, 5, 5, 4, 3]
