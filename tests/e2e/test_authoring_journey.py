"""The authoring journey in Chromium: an author writes a system-design prompt and its rubric,
sees a mistake marked at its line, fixes it, publishes and saves; a candidate then finds the
prompt in the library. The server reads a content tree of the test's own."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.models import Role
from tests.e2e.pages import sign_in, sign_out
from tests.e2e.test_accessibility import serious_violations
from tests.factories.users import PASSWORD, make_user

PROMPT = "prompts/queue-design.md"
RUBRIC = "rubrics/queue-design.md"


def replace_text(page: Page, path: str, text: str) -> None:
    """Type over one file's editor, as an author pasting a new version would."""
    editor = page.locator(f'[data-file="{path}"] .cm-content')
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def file_text(page: Page, path: str) -> str:
    return page.locator(f'textarea[name="file:{path}"]').input_value()


def test_an_author_writes_a_prompt_and_its_rubric_and_a_candidate_finds_it(
        page: Page, server_url: str, db, content_tree, axe_source):
    make_user(db, Role.AUTHOR, email="ada@example.com")
    make_user(db, email="cara@example.com")
    sign_in(page, server_url, "ada@example.com", PASSWORD)

    page.get_by_role("link", name="Content", exact=True).click()
    expect(page.get_by_role("heading", name="Content", level=1)).to_be_visible()
    expect(page.locator("#prompt-url-shortener")).to_contain_text("Published")
    page.get_by_role("link", name="New prompt or rubric").click()

    page.get_by_label("What to write").select_option("system-design")
    page.get_by_label("Slug").fill("queue-design")
    page.get_by_label("Title").fill("Design a job queue")
    page.get_by_label("Minutes").fill("40")
    page.get_by_label("Scalability").check()
    page.get_by_role("button", name="Open in the editor").click()

    # The prompt and its new rubric open together, the prompt first.
    expect(page.locator(".file-tab")).to_have_text([PROMPT, RUBRIC])
    expect(page.locator(f'[data-file="{PROMPT}"] .cm-editor')).to_be_visible()
    expect(page.locator(f'[data-file="{RUBRIC}"]')).to_be_hidden()
    expect(page.locator("#content-problems")).to_contain_text("No problems found.")
    expect(page.locator("#preview-candidate")).to_contain_text("Design a job queue")

    # A mistake in the front matter: marked at its line in the editor and listed below it.
    drafted = file_text(page, PROMPT)
    assert "minutes: 40" in drafted and "status: draft" in drafted
    replace_text(page, PROMPT, drafted.replace("minutes: 40", "minutes: soon"))
    problem = page.locator("#content-problems .problem-error")
    expect(problem).to_have_text(
        "prompts/queue-design.md:5: minutes must be a whole number from 5 to 240, got 'soon'")
    expect(page.locator(f'[data-file="{PROMPT}"] .cm-lint-marker-error')).to_have_count(1)
    marked = page.locator(f'[data-file="{PROMPT}"] .cm-lintRange-error')
    expect(marked).to_have_text("minutes: soon")
    # The listed problem moves the cursor to its line.
    problem.get_by_role("link").click()
    expect(page.locator(f'[data-file="{PROMPT}"] .cm-activeLine')).to_have_text("minutes: soon")

    # Saving now is refused, and the text stays as typed.
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was saved")
    assert "minutes: soon" in file_text(page, PROMPT)
    assert not (content_tree / PROMPT).exists()

    # Fixed, and published: status changed to published.
    replace_text(page, PROMPT, file_text(page, PROMPT).replace("minutes: soon", "minutes: 40")
                 .replace("status: draft", "status: published"))
    expect(page.locator("#content-problems")).to_contain_text("No problems found.")
    expect(page.locator(f'[data-file="{PROMPT}"] .cm-lint-marker-error')).to_have_count(0)
    page.get_by_role("tab", name="As the reviewer sees it").click()
    expect(page.locator("#preview-reviewer")).to_contain_text("Requirements and estimates")
    expect(page.locator("#preview-candidate")).to_be_hidden()
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".flashes")).to_contain_text("prompt queue-design: revision 1 (new)")
    expect(page.locator(".flashes")).to_contain_text("rubric queue-design: revision 1 (new)")
    assert "status: published" in (content_tree / PROMPT).read_text()
    assert (content_tree / RUBRIC).is_file()
    assert serious_violations(page, axe_source) == []
    page.goto(f"{server_url}/authoring")
    expect(page.locator("#prompt-queue-design")).to_contain_text("Published")
    assert serious_violations(page, axe_source) == []
    sign_out(page)

    sign_in(page, server_url, "cara@example.com", PASSWORD)
    page.goto(f"{server_url}/practice")
    page.get_by_role("link", name="Design a job queue").click()
    expect(page.get_by_role("heading", name="Design a job queue", level=1)).to_be_visible()
    expect(page.get_by_text("40 minute time box")).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_workspace_pages_have_no_serious_accessibility_violations(
        page: Page, server_url: str, db, content_tree, axe_source, scheme):
    page.emulate_media(color_scheme=scheme)
    (content_tree / "prompts" / "half-written.md").write_text("---\ntitle: Half\n---\nText.\n")
    make_user(db, Role.AUTHOR, email="ada@example.com")
    sign_in(page, server_url, "ada@example.com", PASSWORD)
    problems = {}
    for path in ("/authoring", "/authoring?status=errors", "/authoring/prompts/sum-two",
                 "/authoring/prompts/half-written", "/authoring/rubrics/url-shortener",
                 "/authoring/new?kind=coding&slug=x"):
        page.goto(server_url + path)
        page.wait_for_load_state("networkidle")
        found = serious_violations(page, axe_source)
        if found:
            problems[path] = found
    assert problems == {}
