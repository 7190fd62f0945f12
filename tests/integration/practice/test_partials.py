"""The workspace's parts htmx asks for: test runs, hints and the preview.

htmx sends ``HX-Request: true``; the same routes answer other clients with JSON
or a redirect, as before.
"""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from sqlalchemy import select

from app.grading.runner.sandbox import sandbox_problem
from app.grading.runs import execute_run
from app.models import RunKind, TestRun
from tests.factories.practice import make_attempt
from tests.support.tools import missing_tool
from tests.support.worker import run_renders

HX = {"HX-Request": "true"}
WRONG = "def add(a, b):\n    return a - b\n"
RIGHT = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def sandbox():
    problem = sandbox_problem()
    if problem:
        missing_tool(problem)


def test_a_run_asked_for_by_htmx_polls_itself_until_it_is_finished(client, db, library,
                                                                   candidate, sandbox):
    attempt = make_attempt(db, candidate, "sum-two", body=WRONG)
    started = client.post(f"/practice/attempts/{attempt.id}/runs", headers=HX)
    assert started.status_code == HTTPStatus.ACCEPTED
    run_id = db.scalar(select(TestRun.id).where(TestRun.attempt_id == attempt.id))
    url = f"/practice/attempts/{attempt.id}/runs/{run_id}"
    queued = started.get_data(as_text=True)
    assert f'hx-get="{url}"' in queued and 'hx-trigger="every 1s"' in queued
    assert "Queued: waiting for a worker" in queued
    assert 'hx-trigger="every 1s"' in client.get(url, headers=HX).get_data(as_text=True)

    assert execute_run(db).id == run_id
    done = client.get(url, headers=HX)
    assert done.status_code == HTTPStatus.OK
    body = done.get_data(as_text=True)
    assert "hx-get" not in body and "hx-trigger" not in body  # finished: it stops asking
    assert "0 of 1 passed" in body and "(saved version 1)" in body
    assert re.search(r'<li class="test-failed"><span class="visually-hidden">failed: </span>'
                     r"test_small", body)
    assert re.search(r'<pre class="run-failure">[^<]*assert -1 == 3', body)
    assert client.get(url).json["finished"] is True  # other clients still get JSON


def test_the_result_page_reloads_once_the_hidden_tests_are_done(client, db, library,
                                                                candidate, sandbox):
    attempt = make_attempt(db, candidate, "sum-two", body=RIGHT)
    assert client.post(f"/practice/attempts/{attempt.id}/submit").status_code == \
        HTTPStatus.FOUND
    run = db.scalar(select(TestRun).where(TestRun.attempt_id == attempt.id))
    assert run.kind is RunKind.HIDDEN
    url = f"/practice/attempts/{attempt.id}/runs/{run.id}"
    page = client.get(f"/practice/attempts/{attempt.id}/result").get_data(as_text=True)
    assert f'hx-get="{url}" hx-trigger="every 1500ms" hx-swap="none"' in page
    waiting = client.get(url, headers=HX)
    assert waiting.status_code == HTTPStatus.NO_CONTENT
    assert "HX-Refresh" not in waiting.headers

    execute_run(db)
    done = client.get(url, headers=HX)
    assert done.headers["HX-Refresh"] == "true"
    page = client.get(f"/practice/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "hx-get" not in page and "1 of 1</strong> hidden tests passed" in page


def test_each_hint_comes_with_the_count_left_and_takes_the_focus(client, db, library,
                                                                 candidate):
    attempt = make_attempt(db, candidate, "sum-two")
    page = client.get(f"/practice/attempts/{attempt.id}").get_data(as_text=True)
    assert "Show a hint (3 left)" in page
    url = f"/practice/attempts/{attempt.id}/hints"
    first = client.post(url, headers=HX).get_data(as_text=True)
    assert '<li class="hint-item" id="hint-1" tabindex="-1" autofocus>' in first
    assert "Python has an operator for this." in first
    assert '<div id="hint-controls" hx-swap-oob="true">' in first
    assert "Show a hint (2 left)" in first
    client.post(url, headers=HX)
    last = client.post(url, headers=HX).get_data(as_text=True)
    assert 'id="hint-3"' in last and "Every hint is shown." in last and "Show a hint" not in last
    page = client.get(f"/practice/attempts/{attempt.id}").get_data(as_text=True)
    assert "Every hint is shown." in page and "autofocus" not in page


def test_the_preview_posts_the_editor_text_and_starts_from_the_saved_draft(app, client, db,
                                                                           library,
                                                                           candidate):
    fresh = make_attempt(db, candidate)
    page = client.get(f"/practice/attempts/{fresh.id}").get_data(as_text=True)
    preview = re.search(r"<div [^>]*data-preview[^>]*>", page).group(0)
    assert 'hx-post="/markdown/preview"' in preview and 'hx-include="#answer"' in preview
    assert "input changed delay:400ms from:#answer" in preview
    assert ", load" in preview  # no draft: the template text gets a first preview
    saved = make_attempt(db, candidate, "url-shortener", body="A **key-value** store.")
    page = client.get(f"/practice/attempts/{saved.id}").get_data(as_text=True)
    # Saved, its HTML not rendered yet: the preview draws it on load, like new text.
    preview = re.search(r"<div [^>]*data-preview[^>]*>", page).group(0)
    assert ", load" in preview and "data-preview-of-draft" not in preview
    assert run_renders(app) == 1
    page = client.get(f"/practice/attempts/{saved.id}").get_data(as_text=True)
    preview = re.search(r"<div [^>]*data-preview[^>]*>(.*?)</div>", page, re.S)
    assert ", load" not in preview.group(0) and "data-preview-of-draft" in preview.group(0)
    assert "<strong>key-value</strong>" in preview.group(1)
