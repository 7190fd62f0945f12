"""The practice library: only published prompts, filters, status per candidate, pages."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest

from app.content.sync import sync_content
from app.models import Role
from tests.factories.content import replace_in
from tests.factories.practice import load_library, make_attempt
from tests.factories.users import PASSWORD, make_user


def titles(response) -> list[str]:
    return re.findall(r'class="prompt-card-title"><a [^>]*>([^<]+)</a>',
                      response.get_data(as_text=True))


def test_library_lists_published_prompts(client, db, candidate, tmp_path):
    load_library(db, tmp_path)
    response = client.get("/practice")
    assert response.status_code == HTTPStatus.OK
    assert titles(response) == ["Design a URL shortener", "Sum two numbers"]


def test_drafts_never_appear_and_cannot_be_opened(client, db, candidate, tmp_path):
    root = load_library(db, tmp_path)
    replace_in(root / "prompts/url-shortener.md", "level: mid", "level: mid\nstatus: draft")
    sync_content(db, root)
    assert titles(client.get("/practice")) == ["Sum two numbers"]
    assert client.get("/practice/prompts/url-shortener").status_code == HTTPStatus.NOT_FOUND
    assert client.post("/practice/prompts/url-shortener/attempts").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=coding", ["Sum two numbers"]),
        ("kind=system-design", ["Design a URL shortener"]),
        ("competency=scalability", ["Design a URL shortener"]),
        ("level=senior", []),
        ("time=short", ["Sum two numbers"]),
        ("time=medium", ["Design a URL shortener"]),
        ("q=long+urls", ["Design a URL shortener"]),
        ("q=SUM", ["Sum two numbers"]),
        ("q=nothing-like-this", []),
        ("kind=coding&competency=scalability", []),
    ],
)
def test_filters(client, db, candidate, tmp_path, query, expected):
    load_library(db, tmp_path)
    assert titles(client.get(f"/practice?{query}")) == expected


def test_no_match_shows_a_helpful_empty_state(client, db, candidate, tmp_path):
    load_library(db, tmp_path)
    body = client.get("/practice?q=zebra").get_data(as_text=True)
    assert "No prompts match these filters" in body
    assert "Show every prompt" in body


def test_an_empty_library_says_how_to_fill_it(client, db, candidate):
    body = client.get("/practice").get_data(as_text=True)
    assert "The library is empty" in body
    assert "flask content sync" in body


def test_each_prompt_shows_what_this_candidate_did_with_it(client, db, candidate, tmp_path):
    load_library(db, tmp_path)
    make_attempt(db, candidate, "url-shortener", body="draft")
    other = make_user(db)
    make_attempt(db, other, "sum-two", body="x", submitted=True)
    body = client.get("/practice").get_data(as_text=True)
    assert "In progress" in body
    assert "Submitted" not in body.split("Sum two numbers", 1)[1]  # someone else's attempt
    make_attempt(db, candidate, "sum-two", body="y", submitted=True)
    assert "Submitted" in client.get("/practice").get_data(as_text=True)


def test_pages_of_twelve_with_the_same_query_count(client, db, candidate, tmp_path,
                                                   query_counter):
    load_library(db, tmp_path, extra_design_prompts=20)
    query_counter.clear()
    first = client.get("/practice")
    first_queries = len(query_counter)
    assert len(titles(first)) == 12
    assert "Showing 1–12 of 22" in first.get_data(as_text=True)
    query_counter.clear()
    second = client.get("/practice?page=2&kind=system-design")
    assert len(titles(second)) == 9
    assert len(query_counter) == first_queries
    assert first_queries <= 8


def test_only_candidates_see_the_library(client, db):
    user = make_user(db, Role.INTERVIEWER)
    client.login(user.email, PASSWORD)
    assert client.get("/practice").status_code == HTTPStatus.FORBIDDEN
