"""Answers are rendered once, by a worker after a revision is saved; pages show the HTML
stored with it.

Only an attempt's newest revision keeps its HTML (on the attempt); pages show
older revisions as their text, escaped, and never render one.

To tell a page that shows the stored HTML from one that renders the body
again, a test replaces the stored HTML with a marker no render of the body
could produce, then reads the page.
"""

from __future__ import annotations

from http import HTTPStatus

from sqlalchemy import select, update

from app.content.render import render_markdown
from app.models import Attempt
from tests.integration.practice.test_attempts import save, start
from tests.support.worker import run_renders

BODY = "## Storage\n\nA **key-value** store, sharded by code.\n\n- [x] cache\n"
STORED = '<p class="stored">From the database: key-value store</p>'


def stored(db, attempt_id: int) -> dict[int, str]:
    """The stored HTML by revision number: the newest revision's, the only one kept."""
    db.expire_all()
    return dict(db.execute(select(Attempt.revision_number, Attempt.answer_html)
                           .where(Attempt.id == attempt_id)).all())


def replace_stored_html(db, attempt_id: int, html: str = STORED) -> None:
    db.execute(update(Attempt).where(Attempt.id == attempt_id).values(answer_html=html))
    db.commit()


def test_a_save_stores_the_html_its_body_renders_to(app, client, db, library, candidate):
    attempt_id = start(client)
    assert save(client, attempt_id, BODY, 0).status_code == HTTPStatus.OK
    assert stored(db, attempt_id) == {1: None}  # the worker's job, once the save commits
    assert run_renders(app) == 1
    assert stored(db, attempt_id) == {1: str(render_markdown(BODY))}
    assert save(client, attempt_id, BODY + "\nMore.", 1).status_code == HTTPStatus.OK
    assert stored(db, attempt_id) == {2: None}  # the old revision's HTML is gone with it
    assert run_renders(app) == 1
    assert stored(db, attempt_id) == {2: str(render_markdown(BODY + "\nMore."))}
    assert "<strong>key-value</strong>" in stored(db, attempt_id)[2]


def test_the_revision_page_shows_the_stored_html(client, db, library, candidate):
    attempt_id = start(client)
    save(client, attempt_id, BODY, 0)
    replace_stored_html(db, attempt_id)
    page = client.get(f"/practice/attempts/{attempt_id}/revisions/1").get_data(as_text=True)
    assert STORED in page
    assert "<strong>key-value</strong>" not in page


def test_the_workspace_preview_starts_from_the_stored_html(client, db, library, candidate):
    attempt_id = start(client)
    assert "data-preview-of-draft" not in client.get(f"/practice/attempts/{attempt_id}").text
    save(client, attempt_id, BODY, 0)
    replace_stored_html(db, attempt_id)
    page = client.get(f"/practice/attempts/{attempt_id}").get_data(as_text=True)
    assert "data-preview-of-draft" in page
    assert STORED in page


def test_the_result_page_highlights_signals_in_the_stored_html(client, db, library, candidate):
    attempt_id = start(client)
    save(client, attempt_id, BODY, 0)
    replace_stored_html(db, attempt_id)  # the signals are marked at submit, in the stored HTML
    assert client.post(f"/practice/attempts/{attempt_id}/submit",
                       {"body": BODY, "based_on": "1"}).status_code == HTTPStatus.FOUND
    page = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    assert ('From the database: <mark class="signal" data-signal="key-value">key-value</mark>'
            in page)
    assert "<strong>key-value</strong>" not in page


def submit(client, attempt_id: int) -> None:
    assert client.post(f"/practice/attempts/{attempt_id}/submit",
                       {"body": BODY, "based_on": "1"}).status_code == HTTPStatus.FOUND


def test_the_result_page_shows_the_result_stored_at_submit(client, db, library, candidate):
    attempt_id = start(client)
    save(client, attempt_id, BODY, 0)
    submit(client, attempt_id)
    db.execute(update(Attempt).where(Attempt.id == attempt_id).values(result_html=STORED))
    db.commit()
    page = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    assert STORED in page
    assert 'data-signal="key-value"' not in page.split('id="answer-title"')[1]


def test_a_result_not_stored_at_submit_shows_the_answer_unmarked(client, db, library,
                                                                 candidate):
    """A submitted attempt written other than through submit (rows inserted in bulk)."""
    attempt_id = start(client)
    save(client, attempt_id, BODY, 0)
    submit(client, attempt_id)
    db.execute(update(Attempt).where(Attempt.id == attempt_id)
               .values(result_html=None, result_signals=None))
    db.commit()
    page = client.get(f"/practice/attempts/{attempt_id}/result").get_data(as_text=True)
    assert str(render_markdown(BODY)) in page
    assert '<mark class="signal"' not in page
    assert "key-value: found" in page.replace('<span class="visually-hidden">', "")


def test_an_older_revision_is_shown_as_its_text_and_never_rendered(client, db, library,
                                                                   candidate):
    attempt_id = start(client)
    save(client, attempt_id, BODY, 0)
    save(client, attempt_id, "Second thoughts.", 1)
    page = client.get(f"/practice/attempts/{attempt_id}/revisions/1").get_data(as_text=True)
    assert '<pre class="code-answer"><code>## Storage\n\nA **key-value** store' in page
    assert "<strong>key-value</strong>" not in page


def test_restoring_a_revision_stores_the_html_of_its_text(client, db, library, candidate):
    attempt_id = start(client)
    save(client, attempt_id, BODY, 0)
    save(client, attempt_id, "Second thoughts.", 1)
    response = client.post(f"/practice/attempts/{attempt_id}/revisions/1/restore")
    assert response.status_code == HTTPStatus.FOUND
    # The older revision kept no HTML: the restore (a POST) renders its text again.
    assert stored(db, attempt_id) == {3: str(render_markdown(BODY))}
    page = client.get(f"/practice/attempts/{attempt_id}/revisions/3").get_data(as_text=True)
    assert "<strong>key-value</strong>" in page


def test_pages_that_need_only_the_text_do_not_load_the_html(client, db, library, candidate,
                                                            query_counter):
    attempt_id = start(client)
    save(client, attempt_id, BODY, 0)
    query_counter.clear()
    assert client.get(f"/practice/attempts/{attempt_id}/draft").json["body"] == BODY
    assert client.get(f"/practice/attempts/{attempt_id}/revisions").status_code == HTTPStatus.OK
    # Rows read (a count's subquery names every column, but reads none).
    reads = [q for q in query_counter if q.startswith("SELECT answer_revisions.")]
    assert len(reads) == 2
    assert not any("answer_revisions.html" in q for q in reads)
