"""The candidate journey in Chromium: library, workspace, autosave, hints, submit, score."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.models import AnswerRevision
from tests.factories.practice import load_library
from tests.support.worker import run_renders

ANSWER = """## Requirements
- 12k redirects per second at peak, reads far above writes

## Storage
A key-value store with an index on the code; base62 codes of 7 characters.

```mermaid
flowchart LR
  client[Client] --> edge[Edge cache] --> api[Redirect API]
  api --> kv[(Key-value store)]
```
"""


def test_a_candidate_practises_a_prompt_end_to_end(page: Page, server_url: str, app, db,
                                                    tmp_path):
    load_library(db, tmp_path)
    page.on("dialog", lambda dialog: dialog.accept())

    # Sign up: every new account is a candidate.
    page.goto(f"{server_url}/signup")
    page.get_by_label("Your name").fill("Sam Candidate")
    page.get_by_label("Email").fill("sam@example.com")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Repeat password").fill("a long enough passphrase")
    page.get_by_role("button", name="Create account").click()
    # Signing up never signs in: the login page comes next, with the email filled in.
    expect(page).to_have_title("Sign in · Archboard")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_role("button", name="Sign in").click()

    # Filter the library.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Practice").click()
    page.get_by_label("Kind").select_option("system-design")
    page.get_by_label("Competency").select_option(label="Scalability")
    page.get_by_role("button", name="Show prompts").click()
    cards = page.get_by_role("list", name="Prompts").get_by_role("listitem")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Not started")
    cards.first.get_by_role("link", name="Design a URL shortener").click()
    page.get_by_role("button", name="Start").click()

    # Write an answer with a diagram; the preview draws it.
    editor = page.get_by_label("Your answer, in markdown")
    expect(editor).to_contain_text("## Requirements")  # the phase template
    page.get_by_role("button", name="Clear").click()
    editor.fill(ANSWER)
    editor.press_sequentially("\nCaching hot codes at the edge.", delay=10)
    preview = page.locator("[data-preview]")
    expect(preview.locator(".mermaid svg")).to_be_visible()
    status = page.get_by_role("status").filter(has_text=re.compile("saved|Saving|Unsaved"))
    expect(status).to_contain_text("All changes saved", timeout=10_000)

    # Reload: the text is on the server, and so is its HTML, once the worker has
    # rendered it (here in this process): the preview shows it without asking the
    # server to render the answer again.
    assert run_renders(app) >= 1
    previews = []
    page.on("request", lambda request: previews.append(request)
            if request.url.endswith("/markdown/preview") else None)
    page.reload()
    expect(page.get_by_label("Your answer, in markdown")).to_have_value(
        ANSWER + "\nCaching hot codes at the edge.")
    expect(preview.locator(".mermaid svg")).to_be_visible()
    expect(preview).to_contain_text("Caching hot codes at the edge.")
    assert previews == []
    saved = db.scalars(select(AnswerRevision).order_by(AnswerRevision.number.desc())).first()
    assert saved.body.endswith("Caching hot codes at the edge.")

    # One hint, on request.
    page.get_by_role("button", name="Show a hint (3 left)").click()
    expect(page.get_by_text("How long must a code be?")).to_be_visible()
    expect(page.get_by_role("button", name="Show a hint (2 left)")).to_be_visible()

    # Submit, then assess against the rubric.
    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_role("heading", name="Design a URL shortener: your result")).to_be_visible()
    expect(page.get_by_role("heading", name="Reference answer")).to_be_visible()
    expect(page.get_by_text("A strong answer estimates the key space")).to_be_visible()
    expect(page.locator("mark.signal", has_text="key-value").first).to_be_visible()
    expect(page.get_by_text("Signals found: 3 of 3")).to_be_visible()  # evidence, no level

    requirements = page.get_by_role("group", name=re.compile("Requirements"))
    requirements.get_by_role("radio", name=re.compile("^3 · Solid")).check()
    storage = page.get_by_role("group", name=re.compile("Storage"))
    storage.get_by_role("radio", name=re.compile("^4 · Strong")).check()
    page.get_by_label("Your note on Storage (optional)").fill("Good key choice.")
    page.get_by_role("button", name="Save my assessment").click()
    score = page.locator("#score")
    expect(score).to_contain_text("3.33")  # (3*2 + 4*1) / 3
    expect(score).to_contain_text("meets the bar")

    page.goto(f"{server_url}/practice/progress")
    expect(page.get_by_role("heading", name="Your progress")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("by competency"))).to_contain_text("78%")
