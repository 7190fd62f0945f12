"""Verify in Chromium, from the content editor: the check runs through the queue's task in
the real sandbox, and each file's verdict is listed; a broken file is reported at once."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.content.sync import sync_content
from app.grading.runner.sandbox import sandbox_problem
from app.jobs import get_jobs
from app.models import Role
from tests.e2e.pages import sign_in
from tests.e2e.test_accessibility import serious_violations
from tests.factories.content import write_content
from tests.factories.users import PASSWORD, make_user
from tests.support.tools import missing_tool

MISSED = '"""boundary: claims to mishandle zero"""\n\n\ndef add(a, b):\n    return b + a\n'


@pytest.fixture
def tree(app, db, tmp_path, monkeypatch):
    if problem := sandbox_problem():
        missing_tool(problem)
    root = write_content(tmp_path / "content")
    # A mutant the hidden tests do not catch: Verify must say so.
    (root / "prompts/sum-two/mutants").mkdir()
    (root / "prompts/sum-two/mutants/zero.py").write_text(MISSED)
    monkeypatch.setitem(app.config, "CONTENT_DIR", str(root))
    sync_content(db, root)
    return root


def run_queued_checks(app: Flask) -> int:
    """Run the checks waiting in the queue, in this process, through the worker's task."""
    huey, ran = get_jobs(app).huey, 0
    while (task := huey.dequeue()) is not None:
        assert task.name == "run_check", task.name
        huey.execute(task)
        ran += 1
    return ran


def test_verify_lists_each_file_with_its_verdict(page: Page, server_url: str, app, db, tree,
                                                 axe_source):
    author = make_user(db, Role.AUTHOR)
    sign_in(page, server_url, author.email, PASSWORD)
    page.goto(f"{server_url}/authoring/prompts/sum-two")
    expect(page.get_by_role("heading", name="Verify")).to_be_visible()

    page.get_by_role("button", name="Verify").click()
    status = page.get_by_role("status").filter(has_text="worker")
    expect(status).to_contain_text("Waiting for a worker")
    expect(page.get_by_role("button", name="Verify")).to_be_disabled()
    assert run_queued_checks(app) == 1

    results = page.get_by_role("list", name="Verify results")
    expect(results.locator("li")).to_have_count(3, timeout=30_000)
    expect(page.locator("[data-verify-status]")).to_have_text(
        "Verify finished: 1 of 3 checks failed.")
    expect(results.locator("li").nth(0)).to_contain_text(
        "Pass: prompts/sum-two/solution.py (solution) passes all 2 visible and hidden tests")
    expect(results.locator("li").nth(1)).to_contain_text("Pass: prompts/sum-two/starter.py")
    expect(results.locator("li").nth(2)).to_contain_text(
        "Fail: prompts/sum-two/mutants/zero.py (mutant) passes all 1 hidden tests: add a hidden "
        "test that catches it")
    expect(page.get_by_role("button", name="Verify")).to_be_enabled()
    assert serious_violations(page, axe_source) == []

    # A second press while nothing runs starts a new check; broken files are listed at once.
    mutant = page.locator('[data-file="prompts/sum-two/mutants/zero.py"] .cm-content')
    page.get_by_role("link", name="mutants/zero.py").click()
    mutant.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text("def add(:\n")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("[data-verify-status]")).to_contain_text("the files have 1 error(s)")
    expect(results).to_contain_text("prompts/sum-two/mutants/zero.py:1: mutant is not valid "
                                    "Python")
