"""Import and export in Chromium: an author downloads the content, uploads an edited zip,
sees what would change, applies it; a hostile zip is refused and changes nothing. The
server works on a content folder of its own in a temporary directory."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.models import Prompt, Role
from tests.e2e.pages import sign_in
from tests.e2e.test_accessibility import serious_violations
from tests.factories.users import PASSWORD, make_user
from tests.support.library import tree_hash


def retitled(data: bytes) -> bytes:
    """The exported zip with the URL shortener's title changed, as an author edits it."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            text = source.read(name)
            if name == "prompts/url-shortener.md":
                text = text.replace(b"title: ", b"title: Imported ", 1)
            archive.writestr(name, text)
    return out.getvalue()


def choose(page: Page, name: str, data: bytes) -> None:
    page.get_by_label("Content zip").set_input_files(
        files=[{"name": name, "mimeType": "application/zip", "buffer": data}])
    page.get_by_role("button", name="Check the zip").click()


def test_export_then_import_an_edited_zip_and_refuse_a_hostile_one(
        page: Page, server_url: str, db, content_tree, axe_source):
    author = make_user(db, Role.AUTHOR)
    sign_in(page, server_url, author.email, PASSWORD)
    page.goto(f"{server_url}/authoring/import")
    expect(page.get_by_role("heading", name="Import and export content")).to_be_visible()
    expect(page.get_by_text("A .zip file of at most 20 MB.")).to_be_visible()
    assert serious_violations(page, axe_source) == []

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the content zip").click()
    download = download_info.value
    today = datetime.now(UTC).date().isoformat()
    assert download.suggested_filename == f"archboard-content-{today}.zip"
    exported = Path(download.path()).read_bytes()
    assert "prompts/url-shortener.md" in zipfile.ZipFile(io.BytesIO(exported)).namelist()

    # A hostile zip: refused with its reason; the content folder is as it was.
    before = tree_hash(content_tree)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("prompts/../../escape.md", "x")
    choose(page, "hostile.zip", buffer.getvalue())
    refused = page.locator("#import-refused")
    expect(refused).to_contain_text("The zip was refused; nothing was changed.")
    expect(refused).to_contain_text("prompts/../../escape.md: '..' is not allowed in a path")
    expect(page.get_by_role("button", name="Apply the import")).to_have_count(0)
    assert tree_hash(content_tree) == before

    # The edited export: what would change, then applied and synced.
    choose(page, "content.zip", retitled(exported))
    changes = page.locator("#import-changes")
    expect(changes).to_contain_text("passes every check")
    revised = changes.get_by_role("row", name=re.compile("Prompts"))
    expect(revised).to_contain_text("url-shortener")
    assert serious_violations(page, axe_source) == []
    assert tree_hash(content_tree) == before  # checking changes nothing
    page.get_by_role("button", name="Apply the import").click()
    expect(page.locator("#import-applied")).to_contain_text(
        "The import was applied and synced. prompts: 0 new, 1 revised")
    assert "title: Imported " in (content_tree / "prompts/url-shortener.md").read_text()
    db.expire_all()
    prompt = db.scalar(select(Prompt).where(Prompt.slug == "url-shortener"))
    assert prompt.current_revision.title.startswith("Imported ")
