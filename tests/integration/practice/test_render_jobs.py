"""A save stores text; a worker renders the newest text once the save commits.

The HTML always belongs to the attempt's newest revision: a job that renders
text a later save has replaced stores nothing (the later save's job renders
its own), a submission renders an answer no worker has reached yet, and pages
show the text until the HTML is there.
"""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import select

from app.attempts import lifecycle
from app.content import render
from app.db import get_database
from app.models import Attempt
from tests.factories.practice import make_attempt
from tests.integration.practice.test_attempts import save, start
from tests.support.calls import on_first_call
from tests.support.worker import run_renders

FIRST = "## Storage\n\nA **key-value** store."
SECOND = "## Storage\n\nA **sharded** key-value store."


def stored_html(db, attempt_id: int) -> tuple[int, str | None]:
    db.expire_all()
    return tuple(db.execute(select(Attempt.revision_number, Attempt.answer_html)
                      .where(Attempt.id == attempt_id)).one())




def test_a_save_landing_while_the_worker_renders_keeps_the_html_for_its_own_text(
        app, db, library, candidate):
    attempt = make_attempt(db, candidate, body=FIRST)
    other = get_database(app).sessionmaker()  # the candidate's request, on its own connection
    try:
        mine = other.get(Attempt, attempt.id)

        def second_save():
            lifecycle.save_draft(other, mine, body=SECOND, based_on=1, client_id="tab")

        with on_first_call(render.render_markdown, second_save) as happened:
            # The worker read revision 1 and renders it; revision 2 lands meanwhile.
            assert lifecycle.render_pending(db, attempt.id) is False
        assert happened
        assert stored_html(db, attempt.id) == (2, None)
        assert lifecycle.render_pending(db, attempt.id) is True  # revision 2's own job
        assert stored_html(db, attempt.id) == (2, str(render.render_markdown(SECOND)))
        assert lifecycle.render_pending(db, attempt.id) is False  # nothing left to do
    finally:
        other.close()


def test_submitting_renders_an_answer_no_worker_reached(app, client, db, library, candidate):
    attempt_id = start(client)
    save(client, attempt_id, FIRST, 0)
    assert stored_html(db, attempt_id) == (1, None)
    client.post(f"/practice/attempts/{attempt_id}/submit", {"body": SECOND})
    assert stored_html(db, attempt_id) == (2, str(render.render_markdown(SECOND)))
    result = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "<strong>sharded</strong>" in result
    assert run_renders(app) == 2  # the queued jobs find the answer rendered: no second render


def test_pages_show_the_text_until_the_worker_renders_it(app, client, db, library, candidate):
    attempt_id = start(client)
    save(client, attempt_id, FIRST, 0)
    page = client.get(f"/practice/attempts/{attempt_id}/revisions/1").get_data(as_text=True)
    assert "**key-value**" in page and "<strong>key-value</strong>" not in page
    run_renders(app)
    page = client.get(f"/practice/attempts/{attempt_id}/revisions/1").get_data(as_text=True)
    assert "<strong>key-value</strong>" in page


def test_a_code_answer_is_never_queued_for_rendering(app, client, db, library, candidate):
    attempt_id = start(client, "sum-two")
    save(client, attempt_id, "def add(a, b):\n    return a + b\n", 0)
    assert stored_html(db, attempt_id) == (1, "")
    assert run_renders(app) == 0


def test_the_worker_process_renders_a_saved_answer(client, db, library, candidate, worker):
    attempt_id = start(client)
    save(client, attempt_id, FIRST, 0)
    deadline = time.monotonic() + 60
    while stored_html(db, attempt_id)[1] is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert stored_html(db, attempt_id) == (1, str(render.render_markdown(FIRST)))


@pytest.mark.worker_settings(WORKER_NICE="7")
def test_the_worker_yields_the_processor_to_web_requests(db, worker):
    # Rendering and test runs are background work: a burst of them must not slow
    # the requests that queued them (WORKER_NICE, 10 by default).
    pid = worker.process.pid
    deadline = time.monotonic() + 30
    while os.getpriority(os.PRIO_PROCESS, pid) != 7 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert os.getpriority(os.PRIO_PROCESS, pid) == 7
