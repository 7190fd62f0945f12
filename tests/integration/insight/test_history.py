"""The history pages: revisions newest first with what was answered and scored on them,
and a line diff between any two revisions' source."""

from __future__ import annotations

import re
from html import unescape
from http import HTTPStatus

import pytest
from sqlalchemy import select

from app.content.sync import sync_content
from app.models import Attempt, Prompt, PromptRevision, Role
from tests.factories.content import replace_in
from tests.factories.interviews import (
    answer_and_submit,
    join_and_start,
    make_interview,
    make_panel,
    score_all,
)
from tests.factories.practice import load_library, make_attempt
from tests.factories.users import PASSWORD, make_user

PROMPT = "/authoring/prompts/url-shortener/history"
RUBRIC = "/authoring/rubrics/url-shortener/history"


def signed_in(client, db, *roles: Role):
    user = make_user(db, *roles)
    client.login(user.email, PASSWORD)
    return client


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def row_of(html: str, number: int) -> str:
    match = re.search(rf'<tr id="revision-{number}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row for revision {number}"
    return text_of(match.group(1))


@pytest.fixture
def revised(db, tmp_path):
    """The library, answered and scored on revision 1, then revised once."""
    root = load_library(db, tmp_path)
    candidate = make_user(db, name="Casey Candidate", email="casey@example.com")
    make_attempt(db, candidate, body="My first design.", submitted=True)
    make_attempt(db, candidate, body="A second go.")
    owner, reviewers = make_panel(db, reviewers=1)
    interview, _ = make_interview(db, owner, reviewers)
    join_and_start(db, interview, make_user(db))
    answer_and_submit(db, interview, "The interview answer.")
    score_all(db, interview, owner, 3)
    score_all(db, interview, reviewers[0], 2, submit=False)  # a draft is not a score yet
    replace_in(root / "prompts/url-shortener.md", "Design a service that turns long URLs into "
               "short ones.", "Design a service that turns long URLs into short codes.\n\n"
               "Keep it `<script>alert(1)</script>` simple.")
    replace_in(root / "rubrics/url-shortener.md", "weight: 2\n", "weight: 3\n")
    sync_content(db, root)
    make_attempt(db, candidate, body="On the new revision.", submitted=True)
    return root


@pytest.mark.parametrize("roles", [(Role.AUTHOR,), (Role.ADMIN,)])
def test_authors_and_admins_open_both_histories(client, db, revised, roles):
    web = signed_in(client, db, *roles)
    for url in (PROMPT, RUBRIC):
        assert web.get(url).status_code == HTTPStatus.OK


@pytest.mark.parametrize("roles", [(Role.CANDIDATE,), (Role.INTERVIEWER,),
                                   (Role.CANDIDATE, Role.INTERVIEWER)])
def test_other_roles_are_refused(client, db, revised, roles):
    web = signed_in(client, db, *roles)
    for url in (PROMPT, RUBRIC):
        assert web.get(url).status_code == HTTPStatus.FORBIDDEN


def test_signed_out_the_page_asks_for_a_login(client, revised):
    response = client.get(PROMPT)
    assert response.status_code == HTTPStatus.FOUND
    assert response.headers["Location"].startswith("/login?next=")


def test_an_unknown_item_does_not_exist(client, db, revised):
    web = signed_in(client, db, Role.AUTHOR)
    for url in ("/authoring/prompts/no-such/history", "/authoring/rubrics/sum-two-x/history",
                "/authoring/prompts/%3Cscript%3E/history"):
        assert web.get(url).status_code == HTTPStatus.NOT_FOUND


def test_prompt_revisions_are_listed_newest_first_with_their_attempts(client, db, revised):
    html = signed_in(client, db, Role.AUTHOR).get(PROMPT).get_data(as_text=True)
    assert html.index('id="revision-2"') < html.index('id="revision-1"')
    hashes = dict(db.execute(select(PromptRevision.number, PromptRevision.content_hash)
                             .join(Prompt, Prompt.id == PromptRevision.prompt_id)
                             .where(Prompt.slug == "url-shortener")).all())
    # Revision 1: two practice attempts (one submitted) and the interview's (submitted).
    assert row_of(html, 1) == (f"1 {revised_date(db, 1)} Published Design a URL shortener "
                               f"{hashes[1][:10]} 3 2")
    assert row_of(html, 2) == (f"2 Current {revised_date(db, 2)} Published Design a URL "
                               f"shortener {hashes[2][:10]} 1 1")


def revised_date(db, number: int) -> str:
    created = db.scalar(select(PromptRevision.created_at)
                        .join(Prompt, Prompt.id == PromptRevision.prompt_id)
                        .where(Prompt.slug == "url-shortener", PromptRevision.number == number))
    return created.strftime("%Y-%m-%d %H:%M")


def test_rubric_revisions_count_submitted_scorecards_and_practice_results(client, db, revised):
    html = signed_in(client, db, Role.AUTHOR).get(RUBRIC).get_data(as_text=True)
    # Revision 1: the owner's submitted scorecard (the reviewer's draft does not count)
    # and the one submitted practice attempt; revision 2: the practice attempt made after.
    assert row_of(html, 1).endswith(" 1 1")
    assert row_of(html, 2).endswith(" 0 1")
    assert "Current" in row_of(html, 2)


def test_the_default_diff_is_the_previous_revision_against_the_newest(client, db, revised):
    html = signed_in(client, db, Role.AUTHOR).get(PROMPT).get_data(as_text=True)
    assert "Revision 1 against revision 2" in html
    removed = re.findall(r'<tr class="diff-removed">(.*?)</tr>', html, re.S)
    added = re.findall(r'<tr class="diff-added">(.*?)</tr>', html, re.S)
    assert [text_of(r) for r in removed] == [
        "11 − removed Design a service that turns long URLs into short ones."]
    assert [text_of(r) for r in added] == [
        "11 + added Design a service that turns long URLs into short codes.",
        "12 + added",
        "13 + added Keep it `&lt;script&gt;alert(1)&lt;/script&gt;` simple."]
    assert "<script>alert(1)" not in html
    # The front matter's unchanged run before the change is folded with its count.
    assert re.search(r'class="diff-skipped"><td colspan="4">7 unchanged lines', html)


def test_any_two_revisions_compare_either_way(client, db, revised):
    html = signed_in(client, db, Role.AUTHOR).get(f"{PROMPT}?from=2&to=1") \
        .get_data(as_text=True)
    assert "Revision 2 against revision 1" in html
    assert 'value="2" selected' in html and 'value="1" selected' in html
    assert "short codes." in text_of(" ".join(
        re.findall(r'<tr class="diff-removed">(.*?)</tr>', html, re.S)))


def test_the_same_revision_on_both_sides_says_so(client, db, revised):
    html = signed_in(client, db, Role.AUTHOR).get(f"{PROMPT}?from=1&to=1") \
        .get_data(as_text=True)
    assert "Both sides are revision 1" in html
    assert 'class="diff-added"' not in html


def test_rubric_diff_lists_the_changes_in_words(client, db, revised):
    html = signed_in(client, db, Role.AUTHOR).get(RUBRIC).get_data(as_text=True)
    assert 'Criterion "Requirements" weight 2 → 3.' in unescape(html)
    added = [text_of(r) for r in re.findall(r'<tr class="diff-added">(.*?)</tr>', html, re.S)]
    assert added == ["13 + added weight: 3"]


@pytest.mark.parametrize(("query", "status"), [
    ("from=x", HTTPStatus.UNPROCESSABLE_ENTITY), ("to=-1", HTTPStatus.UNPROCESSABLE_ENTITY),
    ("from=%C2%B2", HTTPStatus.UNPROCESSABLE_ENTITY), ("from=0", HTTPStatus.UNPROCESSABLE_ENTITY),
    ("from=99999999999999999999", HTTPStatus.UNPROCESSABLE_ENTITY),
    ("from=3", HTTPStatus.NOT_FOUND), ("to=9", HTTPStatus.NOT_FOUND),
    ("page=-4", HTTPStatus.OK), ("page=x", HTTPStatus.OK), ("page=99999", HTTPStatus.OK),
])
def test_garbled_or_unknown_revisions_are_refused_with_a_message(client, db, revised, query,
                                                                 status):
    response = signed_in(client, db, Role.AUTHOR).get(f"{PROMPT}?{query}")
    assert response.status_code == status
    if status == HTTPStatus.UNPROCESSABLE_ENTITY:
        assert "must be a revision number" in response.get_data(as_text=True)


def test_one_revision_has_nothing_to_compare(client, db, library):
    html = signed_in(client, db, Role.AUTHOR).get(PROMPT).get_data(as_text=True)
    assert "There is only one revision" in html
    assert 'id="comparison"' not in html


def add_revisions(db, slug: str, count: int) -> None:
    """``count`` more revisions of a prompt, each a copy of its newest with another hash."""
    prompt = db.scalar(select(Prompt).where(Prompt.slug == slug))
    newest = db.scalar(select(PromptRevision).where(PromptRevision.prompt_id == prompt.id)
                       .order_by(PromptRevision.number.desc()).limit(1))
    copied = {c.key: getattr(newest, c.key) for c in PromptRevision.__table__.columns
              if c.key not in ("id", "number", "content_hash", "created_at")}
    for n in range(count):
        db.add(PromptRevision(**{**copied, "number": newest.number + n + 1,
                                 "content_hash": f"{n:064x}",
                                 "statement_md": f"{newest.statement_md}\n\nVersion {n}."}))
    db.commit()


def test_the_query_count_does_not_grow_with_revisions(client, db, revised, query_counter):
    web = signed_in(client, db, Role.AUTHOR)
    web.get(PROMPT)
    query_counter.clear()
    web.get(PROMPT)
    few = len(query_counter)
    add_revisions(db, "url-shortener", 60)
    query_counter.clear()
    response = web.get(PROMPT)
    assert response.status_code == HTTPStatus.OK
    # The signed-in user, the prompt, a count, the page's rows, one GROUP BY, the
    # revision numbers, the two revisions compared and their competencies.
    assert len(query_counter) == few == 8


def test_more_than_fifty_revisions_are_paginated(client, db, revised):
    add_revisions(db, "url-shortener", 60)  # 62 in all
    web = signed_in(client, db, Role.AUTHOR)
    first = web.get(PROMPT).get_data(as_text=True)
    assert 'id="revision-62"' in first and 'id="revision-13"' in first
    assert 'id="revision-12"' not in first
    assert "Showing 1–50 of 62" in first
    second = web.get(f"{PROMPT}?page=2").get_data(as_text=True)
    assert 'id="revision-12"' in second and 'id="revision-1"' in second
    assert 'id="revision-13"' not in second
    # The pickers still offer every revision, and the default compares the two newest.
    assert second.count('<option value="1"') == 2
    assert "Revision 61 against revision 62" in second


def test_a_page_view_writes_nothing(client, db, revised, query_counter):
    web = signed_in(client, db, Role.AUTHOR)
    query_counter.clear()
    web.get(f"{RUBRIC}?from=2&to=1")
    writes = [s for s in query_counter if not s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert [s for s in writes if "user_sessions" not in s] == []


def test_the_newest_revision_of_a_folder_prompt_shows_its_files(client, db, revised):
    replace_in(revised / "prompts/sum-two/solution.py", "return a + b", "return b + a")
    sync_content(db, revised)
    html = signed_in(client, db, Role.AUTHOR).get("/authoring/prompts/sum-two/history") \
        .get_data(as_text=True)
    assert "<code>prompts/sum-two/prompt.md</code>" in html
    assert "<code>prompts/sum-two/solution.py</code>" in html
    assert "<code>prompts/sum-two/tests/test_hidden.py</code>" in html
    removed = [text_of(r) for r in re.findall(r'<tr class="diff-removed">(.*?)</tr>', html,
                                              re.S)]
    assert removed == ["2 − removed return a + b"]


def test_attempts_keep_the_revision_they_started_on(db, revised):
    # What the counts above rest on: a sync moves no attempt to the new revision.
    numbers = sorted(a.prompt_revision.number for a in db.scalars(select(Attempt)))
    assert numbers == [1, 1, 1, 2]
