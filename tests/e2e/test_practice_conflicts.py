"""Never lose work: two tabs editing one attempt, and the server going away mid-typing."""

from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy import select
from werkzeug.serving import make_server

from app.models import AnswerRevision, Attempt
from tests.e2e.conftest import read_whole
from tests.e2e.pages import sign_in
from tests.factories.practice import load_library, make_attempt
from tests.factories.users import PASSWORD, make_user
from tests.support.tools import free_port


def newest_body(db, attempt_id: int) -> str:
    db.expire_all()
    return db.scalars(select(AnswerRevision).where(AnswerRevision.attempt_id == attempt_id)
                      .order_by(AnswerRevision.number.desc())).first().body


def save_status(page: Page):
    return page.locator("[data-save-status]")


def type_at_end(page: Page, text: str, delay: float = 0) -> None:
    editor = page.get_by_label("Your answer, in markdown")
    editor.focus()
    editor.press("Control+End")
    editor.press_sequentially(text, delay=delay)


def test_two_tabs_editing_one_attempt_lose_nothing(context: BrowserContext, server_url: str,
                                                     db, tmp_path):
    load_library(db, tmp_path)
    user = make_user(db)
    attempt = make_attempt(db, user, body="Shared start.")
    first = context.new_page()
    sign_in(first, server_url, user.email, PASSWORD)
    second = context.new_page()
    url = f"{server_url}/practice/attempts/{attempt.id}"
    first.goto(url)
    second.goto(url)

    type_at_end(first, " Edit from tab one.")
    expect(save_status(first)).to_contain_text("All changes saved", timeout=10_000)

    type_at_end(second, " Edit from tab two.")
    dialog = second.get_by_role("dialog", name="This answer changed somewhere else")
    expect(dialog).to_be_visible(timeout=10_000)
    expect(dialog).to_contain_text("Edit from tab one.")
    expect(dialog).to_contain_text("Edit from tab two.")
    dialog.get_by_role("button", name="Keep both and merge").click()
    expect(save_status(second)).to_contain_text("All changes saved", timeout=10_000)

    body = newest_body(db, attempt.id)
    assert "Edit from tab one." in body and "Edit from tab two." in body
    # Tab one now holds an older base: its next edit conflicts instead of overwriting.
    type_at_end(first, " More from one.")
    expect(first.get_by_role("dialog")).to_be_visible(timeout=10_000)
    first.get_by_role("dialog").get_by_role("button", name="Keep both and merge").click()
    expect(save_status(first)).to_contain_text("All changes saved", timeout=10_000)
    body = newest_body(db, attempt.id)
    for part in ("Edit from tab one.", "Edit from tab two.", "More from one."):
        assert part in body


class RestartableServer:
    """The test app on a fixed port that can be stopped and started again."""

    def __init__(self, app) -> None:
        self.app = app
        self.port = free_port()
        self.server = None
        self.thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, read_whole(self.app), threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def restartable(app, db):
    server = RestartableServer(app)
    server.start()
    yield server
    if server.thread.is_alive():
        server.stop()


def test_typing_while_the_server_is_away_is_kept_and_sent_when_it_returns(
        page: Page, restartable: RestartableServer, db, tmp_path):
    load_library(db, tmp_path)
    user = make_user(db)
    attempt = make_attempt(db, user, body="Online part.")
    sign_in(page, restartable.url, user.email, PASSWORD)
    page.goto(f"{restartable.url}/practice/attempts/{attempt.id}")
    type_at_end(page, " Typed online.")
    expect(save_status(page)).to_contain_text("All changes saved", timeout=10_000)

    restartable.stop()
    offline_text = " Typed while the server was gone: every character counts 0123456789."
    type_at_end(page, offline_text, delay=5)
    expect(save_status(page)).to_contain_text(re.compile("Offline"), timeout=15_000)
    stored = page.evaluate(f"localStorage.getItem('archboard:attempt:{attempt.id}')")
    assert offline_text.strip() in stored

    restartable.start()
    expect(save_status(page)).to_contain_text("All changes saved", timeout=30_000)
    assert newest_body(db, attempt.id) == "Online part. Typed online." + offline_text
    assert db.get(Attempt, attempt.id).revision_number >= 3


def test_closing_the_tab_with_unsaved_text_asks_first(context: BrowserContext, server_url: str,
                                                       db, tmp_path):
    load_library(db, tmp_path)
    user = make_user(db)
    attempt = make_attempt(db, user, body="Saved text.")
    page = context.new_page()
    sign_in(page, server_url, user.email, PASSWORD)
    page.goto(f"{server_url}/practice/attempts/{attempt.id}")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    type_at_end(page, " not saved yet")
    with page.expect_event("dialog"):
        page.close(run_before_unload=True)
    assert asked == ["beforeunload"]
    assert not page.is_closed()
    stored = page.evaluate(f"localStorage.getItem('archboard:attempt:{attempt.id}')")
    assert "not saved yet" in stored


def test_text_the_server_refuses_stays_in_the_editor_and_is_not_resent_in_a_loop(
        page: Page, server_url: str, db, tmp_path):
    load_library(db, tmp_path)
    user = make_user(db)
    attempt = make_attempt(db, user, body="Saved start.")
    sign_in(page, server_url, user.email, PASSWORD)
    page.clock.install()  # runs at the real pace until the test moves it on
    page.goto(f"{server_url}/practice/attempts/{attempt.id}")
    saves = []
    page.on("request", lambda request: saves.append(request.url)
            if request.method == "POST" and request.url.endswith("/draft") else None)

    # Pasted from a binary file: a NUL character, which PostgreSQL cannot store.
    editor = page.get_by_label("Your answer, in markdown")
    editor.focus()
    editor.press("Control+End")
    page.keyboard.insert_text(" pasted\u0000bytes")
    expect(save_status(page)).to_contain_text("NUL character (U+0000, invisible) at line 1",
                                              timeout=10_000)
    expect(save_status(page)).to_contain_text("Your text is kept in the editor")
    # A retry loop would have sent it again within 7 s (2 s, 4 s): move the page's clock on.
    with pytest.raises(PlaywrightTimeoutError), page.expect_request(
            lambda request: request.method == "POST" and request.url.endswith("/draft"),
            timeout=1_000):
        page.clock.run_for(7_000)
    assert len(saves) == 1
    assert editor.input_value() == "Saved start. pasted\u0000bytes"
    stored = page.evaluate(f"localStorage.getItem('archboard:attempt:{attempt.id}')")
    assert "pasted\\u0000bytes" in stored
    assert newest_body(db, attempt.id) == "Saved start."

    # Removing the character is the next edit, and it saves.
    editor.fill("Saved start. pasted bytes")
    expect(save_status(page)).to_contain_text("All changes saved", timeout=10_000)
    assert newest_body(db, attempt.id) == "Saved start. pasted bytes"


def test_an_answer_that_starts_with_a_blank_line_comes_back_whole(page: Page, server_url: str,
                                                                   db, tmp_path):
    """The browser drops a newline right after <textarea>; the page puts one there for it,
    so the answer's own first blank line is kept, and reading it is not an edit."""
    load_library(db, tmp_path)
    user = make_user(db)
    body = "\n\n## Requirements\nAfter two blank lines."
    attempt = make_attempt(db, user, body=body)
    sign_in(page, server_url, user.email, PASSWORD)
    page.goto(f"{server_url}/practice/attempts/{attempt.id}")
    editor = page.get_by_label("Your answer, in markdown")
    expect(editor).to_have_value(body)
    type_at_end(page, " More.")
    expect(save_status(page)).to_contain_text("All changes saved", timeout=10_000)
    assert newest_body(db, attempt.id) == body + " More."
