"""Responsibilities reach the database on sync, and the coverage page shows them from there."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from sqlalchemy import select

from app.content.sync import sync_content
from app.models import Responsibility, Role
from tests.factories.content import RESPONSIBILITIES, replace_in, write_content
from tests.factories.users import PASSWORD, make_user

FILE = "prompts/responsibilities.md"
# A third duty that only the coding prompt exercises, so each status appears once.
TESTING = """
## testing: Set testing patterns
competencies: api-design
prompts: sum-two

Chooses what each kind of test is for.
"""


@pytest.fixture
def tree(tmp_path):
    root = write_content(tmp_path / "content")
    (root / FILE).write_text(RESPONSIBILITIES + TESTING)
    return root


def rows(db) -> dict[str, Responsibility]:
    return {r.slug: r for r in db.scalars(select(Responsibility))}


def test_sync_stores_responsibilities_with_rendered_descriptions(db, tree):
    report = sync_content(db, tree)
    assert report.responsibilities == 3
    assert report.summary().endswith("; 2 competencies; 3 responsibilities")
    stored = rows(db)
    assert list(stored) == ["own-services", "code-reviews", "testing"]
    own = stored["own-services"]
    assert own.title == "Own services end to end"
    assert own.competency_slugs == ["api-design", "scalability"]
    assert own.prompt_slugs == ["url-shortener", "sum-two"]
    assert own.description_html == ("<p>Takes a service from a need to production and answers "
                                    "for it afterwards.</p>")
    assert [r.position for r in stored.values()] == [0, 1, 2]
    assert stored["code-reviews"].prompt_slugs == []


def test_a_changed_file_updates_rows_and_a_removed_section_is_retired(db, tree):
    sync_content(db, tree)
    replace_in(tree / FILE, "prompts: url-shortener, sum-two", "prompts: url-shortener")
    replace_in(tree / FILE, TESTING, "")
    sync_content(db, tree)
    db.expire_all()
    stored = rows(db)
    assert stored["own-services"].prompt_slugs == ["url-shortener"]
    assert stored["testing"].retired_at is not None
    assert stored["own-services"].retired_at is None
    (tree / FILE).write_text(RESPONSIBILITIES + TESTING)
    sync_content(db, tree)
    db.expire_all()
    assert rows(db)["testing"].retired_at is None


def test_an_invalid_responsibility_loads_nothing(db, tree):
    replace_in(tree / FILE, "prompts: url-shortener, sum-two", "prompts: nowhere")
    with pytest.raises(Exception, match="1 error"):
        sync_content(db, tree)
    assert rows(db) == {}


def signed_in(client, db, *roles: Role):
    user = make_user(db, *roles)
    client.login(user.email, PASSWORD)
    return client


def row_of(html: str, slug: str) -> str:
    match = re.search(rf'<tr id="responsibility-{slug}".*?</tr>', html, re.S)
    assert match, f"no row for {slug}"
    return match.group(0)


def test_the_page_shows_each_status_with_gaps_first(client, db, tree):
    sync_content(db, tree)
    html = signed_in(client, db, Role.INTERVIEWER).get("/coverage").get_data(as_text=True)
    assert "1 covered, 1 thin, 1 gap</strong> across 3 responsibilities" in html
    assert "<caption>" in html and '<th scope="col">Status</th>' in html
    order = [m for m in re.findall(r'<tr id="responsibility-([a-z-]+)"', html)]
    assert order == ["code-reviews", "testing", "own-services"]
    own = row_of(html, "own-services")
    assert ">Covered</span>" in own and "(2 prompts)" in own
    assert '<a href="#prompt-url-shortener">Design a URL shortener</a>' in own
    assert "system-design, mid" in own and "coding, mid" in own
    assert "API design" in own and "Scalability" in own  # competency titles, not slugs
    assert ">Thin</span>" in row_of(html, "testing")
    gap = row_of(html, "code-reviews")
    assert ">Gap</span>" in gap and "None yet" in gap
    assert '<tr id="prompt-url-shortener">' in html
    assert 'href="/coverage" aria-current="page"' in html


def test_a_prompt_that_is_not_published_does_not_count(client, db, tree):
    replace_in(tree / "prompts/sum-two/prompt.md", "level: mid", "level: mid\nstatus: draft")
    sync_content(db, tree)
    html = signed_in(client, db, Role.AUTHOR).get("/coverage").get_data(as_text=True)
    assert "0 covered, 1 thin, 2 gaps" in html
    own = row_of(html, "own-services")
    assert ">Thin</span>" in own and "Sum two numbers" not in own


def test_the_page_has_an_empty_state_without_responsibilities(client, db, tmp_path):
    sync_content(db, write_content(tmp_path / "bare"))
    response = signed_in(client, db, Role.ADMIN).get("/coverage")
    assert response.status_code == HTTPStatus.OK
    html = response.get_data(as_text=True)
    assert "No responsibilities are loaded" in html and "<table" not in html


@pytest.mark.parametrize(("roles", "status", "linked"), [
    ((Role.INTERVIEWER,), HTTPStatus.OK, True),
    ((Role.AUTHOR,), HTTPStatus.OK, True),
    ((Role.ADMIN,), HTTPStatus.OK, True),
    ((Role.CANDIDATE,), HTTPStatus.FORBIDDEN, False),
])
def test_who_may_open_the_page_and_sees_it_in_the_navigation(client, db, tree, roles, status,
                                                             linked):
    sync_content(db, tree)
    web = signed_in(client, db, *roles)
    assert web.get("/coverage").status_code == status
    assert ('href="/coverage"' in web.get("/").get_data(as_text=True)) is linked


def test_signed_out_the_page_asks_for_a_login(client):
    response = client.get("/coverage")
    assert response.status_code == HTTPStatus.FOUND
    assert response.headers["Location"].startswith("/login?next=/coverage")
