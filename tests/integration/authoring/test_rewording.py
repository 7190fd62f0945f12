"""The content workspace shows rubric insight's rewording flag on the prompts it concerns.

The interviews are those of ``tests/integration/insight/test_rubric_insight.py``: six on the
URL shortener, each scored by the same two reviewers, who disagree (two levels apart) on
Storage in two of them, a third: its rubric's insight flags it for rewording. In the
second data set the reviewers are never more than a level apart.
"""

from __future__ import annotations

import re
from html import unescape
from http import HTTPStatus

import pytest

from app.models import Role
from tests.factories.interviews import make_panel
from tests.factories.users import PASSWORD, make_user
from tests.integration.insight.test_rubric_insight import DATA, interview

INSIGHT = "/authoring/rubrics/url-shortener/insight"
# The same interviews with Reviewer 0 giving Olive's levels, Requirements a level lower.
AGREEING = tuple((decision, olive, (max(1, olive[0] - 1), olive[1]), hints)
                 for decision, olive, _, hints in DATA)


@pytest.fixture
def author(client, db):
    make_user(db, Role.AUTHOR, email="ada@example.com")
    assert client.login("ada@example.com", PASSWORD).status_code == HTTPStatus.FOUND
    return client


def scored(db, data) -> None:
    owner, (reviewer,) = make_panel(db, reviewers=1)
    for row in data:
        interview(db, owner, reviewer, *row)


def row_of(page: str, row_id: str) -> str:
    found = re.search(rf'<tr id="{row_id}".*?</tr>', page, re.S).group(0)
    return unescape(found)


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", unescape(html)).split())


def test_a_prompt_whose_rubric_reviewers_disagree_on_is_flagged_for_rewording(
        author, content_tree, db, query_counter):
    query_counter.clear()
    assert "Worth rewording" not in author.get("/authoring").get_data(as_text=True)
    before = len(query_counter)
    scored(db, DATA)
    # The insight page flags the rubric ...
    assert 'id="reword"' in author.get(INSIGHT).get_data(as_text=True)

    # ... and the list flags its prompt (and the rubric), at the same cost as without it.
    query_counter.clear()
    page = author.get("/authoring").get_data(as_text=True)
    assert len(query_counter) == before == 4
    for row_id in ("prompt-url-shortener", "rubric-url-shortener"):
        row = row_of(page, row_id)
        assert f'<a class="badge badge-warning" href="{INSIGHT}">Worth rewording</a>' in row
        assert "Worth rewording reviewers disagree on Storage" in words(row)
    assert "Worth rewording" not in row_of(page, "prompt-sum-two")
    assert "Worth rewording" not in row_of(page, "rubric-sum-two")

    editor = author.get("/authoring/prompts/url-shortener").get_data(as_text=True)
    flag = re.search(r'<div class="alert alert-warning" id="reword-flag">.*?</div>', editor,
                     re.S).group(0)
    assert words(flag) == ("Worth rewording: in interviews scored on its rubric, reviewers "
                           "disagree on Storage. See the rubric's insight.")
    assert f'href="{INSIGHT}"' in flag
    rubric_editor = author.get("/authoring/rubrics/url-shortener").get_data(as_text=True)
    assert "reviewers disagree on Storage" in words(rubric_editor)
    assert 'id="reword-flag"' not in author.get("/authoring/prompts/sum-two").get_data(
        as_text=True)


def test_a_prompt_whose_rubric_reviewers_agree_on_is_not_flagged(author, content_tree, db):
    scored(db, AGREEING)
    assert 'id="reword"' not in author.get(INSIGHT).get_data(as_text=True)
    assert "Worth rewording" not in author.get("/authoring").get_data(as_text=True)
    for url in ("/authoring/prompts/url-shortener", "/authoring/rubrics/url-shortener"):
        page = author.get(url).get_data(as_text=True)
        assert 'id="reword-flag"' not in page and "Worth rewording" not in page
