"""The import and export pages: who may use them, a valid import checked then applied, and
every kind of hostile upload refused with its message while nothing changes."""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.content import sync
from app.content.bundle import content_files, export_zip
from app.models import Prompt, PromptRevision, Role, RubricRevision
from app.transfer import services
from tests.factories.content import replace_in, write_content
from tests.factories.users import PASSWORD, make_user
from tests.support.library import tree_hash

IMPORT = "/authoring/import"
APPLY = "/authoring/import/apply"


def sign_in(client, db, *roles: Role):
    user = make_user(db, *roles)
    assert client.login(user.email, PASSWORD).status_code == HTTPStatus.FOUND
    return user


@pytest.fixture
def author(client, db):
    return sign_in(client, db, Role.AUTHOR)


def revision_counts(db) -> tuple[int, int]:
    db.expire_all()
    return (db.scalar(select(func.count()).select_from(PromptRevision)),
            db.scalar(select(func.count()).select_from(RubricRevision)))


def zip_of(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload(client, data: bytes, name: str = "content.zip"):
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart({"csrf_token": client.csrf_token(),
                                       "archive": FileStorage(io.BytesIO(data), name)})
    return client.raw.post(IMPORT, data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def words(response) -> str:
    """The page's text, tags removed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def token_of(response) -> str:
    match = re.search(r'name="token" type="hidden" value="([^"]+)"', response.get_data(
        as_text=True))
    assert match, "no confirmation form on the page"
    return match.group(1)


def staged_uploads(app) -> list[Path]:
    folder = Path(app.instance_path) / services.IMPORTS_FOLDER
    return sorted(folder.iterdir()) if folder.exists() else []


def edited_library(tmp_path: Path) -> bytes:
    """The live library with url-shortener retitled and a new rubric-less prompt removed."""
    source = write_content(tmp_path / "source")
    replace_in(source / "prompts/url-shortener.md", "title: ", "title: Imported ")
    return export_zip(source)


# Export --------------------------------------------------------------------------------


def test_export_downloads_the_live_content_as_a_dated_zip(client, db, content_tree, author):
    response = client.get("/authoring/export.zip")
    assert response.status_code == HTTPStatus.OK
    assert response.mimetype == "application/zip"
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="archboard-content-{today}.zip"')
    assert response.data == export_zip(content_tree)
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert "prompts/url-shortener.md" in names and "rubrics/sum-two.md" in names


@pytest.mark.parametrize("roles", [(Role.CANDIDATE,), (Role.INTERVIEWER,)])
def test_only_authors_and_admins_may_export_or_import(client, db, content_tree, roles):
    sign_in(client, db, *roles)
    assert client.get("/authoring/export.zip").status_code == HTTPStatus.FORBIDDEN
    assert client.get(IMPORT).status_code == HTTPStatus.FORBIDDEN
    assert upload(client, export_zip(content_tree)).status_code == HTTPStatus.FORBIDDEN


def test_an_admin_may_export(client, db, content_tree):
    sign_in(client, db, Role.ADMIN)
    assert client.get("/authoring/export.zip").status_code == HTTPStatus.OK


# A valid import --------------------------------------------------------------------------


def test_the_import_page_states_its_size_limit(client, db, content_tree, author, query_counter):
    response = client.get(IMPORT)
    assert response.status_code == HTTPStatus.OK
    assert "A .zip file of at most 20 MB." in text(response)
    assert 'href="/authoring/export.zip"' in text(response)
    # The session and the person signed in; the page itself reads no table.
    assert len(query_counter) <= 3, query_counter


def test_a_valid_import_shows_the_changes_then_applies_and_syncs_them(
        app, client, db, content_tree, author, tmp_path):
    before = tree_hash(content_tree)
    checked = upload(client, edited_library(tmp_path))
    assert checked.status_code == HTTPStatus.OK
    page = text(checked)
    assert "The zip holds 9 files and passes every check." in page
    assert re.search(r'<th scope="row">Prompts</th> <td><span class="muted">none</span></td> '
                     r'<td>url-shortener</td>', page), page
    # Checking changed nothing yet.
    assert tree_hash(content_tree) == before and revision_counts(db) == (2, 2)

    applied = client.post(APPLY, {"token": token_of(checked)})
    assert applied.status_code == HTTPStatus.OK
    assert ("The import was applied and synced. prompts: 0 new, 1 revised, 1 unchanged, "
            "0 retired; rubrics: 0 new, 0 revised, 2 unchanged, 0 retired; 2 competencies."
            in words(applied))
    assert "title: Imported " in (content_tree / "prompts/url-shortener.md").read_text()
    assert revision_counts(db) == (3, 2)
    prompt = db.scalar(select(Prompt).where(Prompt.slug == "url-shortener"))
    assert prompt.current_revision.title.startswith("Imported ")
    assert staged_uploads(app) == []
    # A token serves once.
    again = client.post(APPLY, {"token": token_of(checked)})
    assert again.status_code == HTTPStatus.NOT_FOUND
    assert "That import was not found. Upload the zip again." in text(again)


def test_a_removed_prompt_is_listed_and_retired(client, db, content_tree, author, tmp_path):
    source = write_content(tmp_path / "source")
    for path in sorted((source / "prompts/sum-two").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (source / "prompts/sum-two").rmdir()
    (source / "rubrics/sum-two.md").unlink()
    checked = upload(client, export_zip(source))
    page = text(checked)
    assert re.search(r"<th scope=\"row\">Prompts</th> .*?<td>sum-two</td> </tr>", page), page
    applied = client.post(APPLY, {"token": token_of(checked)})
    assert "prompts: 0 new, 0 revised, 1 unchanged, 1 retired" in words(applied)
    assert not (content_tree / "prompts/sum-two").exists()


def failing_sync(patch: pytest.MonkeyPatch, error: Exception | None = None) -> list[list[str]]:
    """Make the sync fail at its last step (by default as when the database goes away);
    each time, the prompts it had written by then."""
    written: list[list[str]] = []

    def fail(session, content):
        written.append(sorted(session.scalars(select(Prompt.slug))))
        raise error or OperationalError("INSERT INTO responsibilities", {},
                                        Exception("connection lost"))

    patch.setattr(sync, "_sync_responsibilities", fail)
    return written


def test_a_sync_that_fails_after_the_swap_puts_the_old_files_back_and_says_so(
        app, client, db, content_tree, author, tmp_path, monkeypatch, caplog):
    source = write_content(tmp_path / "source")
    replace_in(source / "prompts/url-shortener.md", "title: ", "title: Imported ")
    replace_in(source / "rubrics/url-shortener.md", "weight: 2", "weight: 3")
    (source / "prompts/extra.md").write_text(
        (source / "prompts/url-shortener.md").read_text().replace(
            "tags:", "rubric: url-shortener\ntags:"))
    before = tree_hash(content_tree)
    revisions = (db.scalars(select(PromptRevision.id).order_by(PromptRevision.id)).all(),
                 db.scalars(select(RubricRevision.id).order_by(RubricRevision.id)).all())
    checked = upload(client, export_zip(source))
    assert checked.status_code == HTTPStatus.OK

    # The sync's last step fails, after the new prompt and both new revisions were written
    # in its transaction: the rows it wrote must go as well as the files.
    with monkeypatch.context() as patch:
        written = failing_sync(patch)
        applied = client.post(APPLY, {"token": token_of(checked)})

    assert written == [["extra", "sum-two", "url-shortener"]]
    assert applied.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert services.SYNC_FAILED in html.unescape(words(applied))
    assert "The import was applied" not in words(applied)
    assert any("sync failed" in r.getMessage() and r.exc_info for r in caplog.records)
    assert tree_hash(content_tree) == before
    db.expire_all()
    assert (db.scalars(select(PromptRevision.id).order_by(PromptRevision.id)).all(),
            db.scalars(select(RubricRevision.id).order_by(RubricRevision.id)).all()) == revisions
    assert db.scalar(select(Prompt).where(Prompt.slug == "extra")) is None
    assert staged_uploads(app) == []
    # With the sync working again, the same zip imports.
    again = client.post(APPLY, {"token": token_of(upload(client, export_zip(source)))})
    assert "prompts: 1 new, 1 revised" in words(again)


def test_a_first_import_whose_sync_fails_leaves_no_files(app, client, db, author, tmp_path,
                                                         monkeypatch):
    root = tmp_path / "empty"
    root.mkdir()
    monkeypatch.setitem(app.config, "CONTENT_DIR", str(root))
    monkeypatch.setitem(app.config, "CONTENT_READ_ONLY", False)
    checked = upload(client, export_zip(write_content(tmp_path / "source")))
    assert checked.status_code == HTTPStatus.OK
    with monkeypatch.context() as patch:
        written = failing_sync(patch, RuntimeError("a bug in the sync"))
        applied = client.post(APPLY, {"token": token_of(checked)})
    assert written == [["sum-two", "url-shortener"]]
    assert applied.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert services.SYNC_FAILED in html.unescape(words(applied))
    assert content_files(root) == [] and revision_counts(db) == (0, 0)


def test_an_invalid_import_lists_every_problem_and_changes_nothing(
        app, client, db, content_tree, author, tmp_path):
    source = write_content(tmp_path / "source")
    replace_in(source / "prompts/url-shortener.md", "level: mid", "level: guru")
    (source / "rubrics/sum-two.md").unlink()
    before = tree_hash(content_tree)
    response = upload(client, export_zip(source))
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    page = text(response)
    assert "The zip has 2 problems; nothing was changed." in page
    assert re.search(r"<code>prompts/url-shortener\.md:4: [^<]*guru", page), page
    assert re.search(r"<code>prompts/sum-two/prompt\.md:\d+: prompt has no rubric", page), page
    assert "Apply the import" not in page
    assert tree_hash(content_tree) == before and revision_counts(db) == (2, 2)
    assert staged_uploads(app) == []


def test_an_empty_form_asks_for_a_file(client, db, content_tree, author):
    response = client.post(IMPORT, {})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Choose a zip file to upload." in text(response)


# Hostile uploads ---------------------------------------------------------------------------


def _many_files() -> bytes:
    return zip_of({f"prompts/p{i}.md": b"x" for i in range(10_000)}, zipfile.ZIP_STORED)


def _bomb() -> bytes:
    return zip_of({"prompts/bomb.md": b"\n" * 900_000})


def _library_with(tmp_path_name: str, name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
        archive.writestr("prompts/competencies.md", b"# Competencies\n")
    return buffer.getvalue()


def _nested() -> bytes:
    inner = zip_of({"prompts/x.md": b"hello"})
    return zip_of({"prompts/inner.zip": inner})


def _nested_renamed() -> bytes:
    inner = zip_of({"prompts/x.md": b"hello"})
    return zip_of({"prompts/x/notes.md": inner})


HOSTILE = {
    "dot-dot path": (lambda: zip_of({"prompts/../../evil.md": b"x"}),
                     "prompts/../../evil.md: '..' is not allowed in a path"),
    "absolute path": (lambda: zip_of({"/etc/cron.d/evil": b"x"}),
                      "/etc/cron.d/evil: absolute paths are not allowed"),
    "10,000 files": (_many_files, "the archive holds 10,000 entries; at most 2,000 are allowed"),
    "zip bomb": (_bomb, "prompts/bomb.md: inflates"),
    "one huge file": (lambda: zip_of({"prompts/huge.md": b"a" * 1_000_001}, zipfile.ZIP_STORED),
                      "prompts/huge.md: is 1,000,001 bytes; a file may be at most 1,000,000"),
    "nested zip": (_nested, "prompts/inner.zip: archives inside the archive are not allowed"),
    "nested zip renamed": (_nested_renamed, "prompts/x/notes.md: is an archive; archives "
                                            "inside the archive are not allowed"),
    "not a zip": (lambda: b"%PDF-1.4 certainly not a zip", "not a zip archive"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_zip_is_refused_with_its_message_and_changes_nothing(
        app, client, db, content_tree, author, case):
    make, message = HOSTILE[case]
    before, counts = tree_hash(content_tree), revision_counts(db)
    response = upload(client, make())
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    page = text(response)
    assert "The zip was refused; nothing was changed." in page
    assert message.replace("'", "&#39;") in page, page[page.find("refused"):][:600]
    assert "Apply the import" not in page
    assert tree_hash(content_tree) == before and revision_counts(db) == counts
    assert staged_uploads(app) == []


def test_a_script_in_markdown_is_refused_at_its_line_and_changes_nothing(
        app, client, db, content_tree, author, tmp_path):
    source = write_content(tmp_path / "source")
    replace_in(source / "prompts/url-shortener.md", "Design a service",
               '<img src="x" onerror="alert(1)">\n\nDesign a service')
    line = (source / "prompts/url-shortener.md").read_text().splitlines().index(
        '<img src="x" onerror="alert(1)">') + 1
    before, counts = tree_hash(content_tree), revision_counts(db)
    response = upload(client, export_zip(source))
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    page = text(response)
    assert (f"<code>prompts/url-shortener.md:{line}: raw HTML event attribute &#34;onerror=&#34; "
            f"is not allowed in content") in page
    # The hostile markup is shown as text, never as markup.
    assert '<img src="x"' not in page
    assert tree_hash(content_tree) == before and revision_counts(db) == counts


def test_an_upload_over_the_import_limit_gets_a_clear_message(
        app, client, db, content_tree, author, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 2 * 1_048_576)
    before = tree_hash(content_tree)
    response = upload(client, b"PK" + b"\0" * (3 * 1_048_576))
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert ("The file is larger than 2 MB, the most an import may be. Nothing was changed."
            in text(response))
    assert tree_hash(content_tree) == before


def test_the_import_alone_accepts_more_than_the_app_wide_limit(client, db, content_tree, author):
    # 1.5 MiB: over MAX_CONTENT_LENGTH, under IMPORT_MAX_BYTES, so the zip itself is judged.
    response = upload(client, b"not a zip" * 170_000)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "not a zip archive" in text(response)
    other = client.post("/markdown/preview", {"markdown": "x" * 1_600_000})
    assert other.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE


# Read-only content and confirmations ---------------------------------------------------------


def test_read_only_content_is_checked_but_never_applied(
        app, client, db, content_tree, author, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "CONTENT_READ_ONLY", True)
    before = tree_hash(content_tree)
    checked = upload(client, edited_library(tmp_path))
    page = text(checked)
    assert checked.status_code == HTTPStatus.OK
    assert "The zip holds 9 files and passes every check." in page
    assert "this import cannot be applied. Commit the zip's files to the repository" in page
    assert "Apply the import" not in page
    token = services.check_upload(edited_library(tmp_path), owner_id=author.id, root=content_tree,
                                  instance=Path(app.instance_path),
                                  archive_bytes=1_000_000).token
    refused = client.post(APPLY, {"token": token})
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert "The content is read-only here" in text(refused)
    assert tree_hash(content_tree) == before and revision_counts(db) == (2, 2)


def test_only_the_uploader_may_confirm_and_only_before_it_expires(
        app, client, db, content_tree, tmp_path):
    other = make_user(db, Role.AUTHOR)
    instance = Path(app.instance_path)
    token = services.check_upload(edited_library(tmp_path), owner_id=other.id, root=content_tree,
                                  instance=instance, archive_bytes=1_000_000).token
    sign_in(client, db, Role.ADMIN)
    assert client.post(APPLY, {"token": token}).status_code == HTTPStatus.NOT_FOUND
    for forged in ("../../etc", "x" * 22 + "/..", ""):
        assert client.post(APPLY, {"token": forged}).status_code in (
            HTTPStatus.NOT_FOUND, HTTPStatus.BAD_REQUEST)
    later = datetime.now(UTC).timestamp() + services.EXPIRY_SECONDS + 1
    with pytest.raises(services.NotFound, match="expired"):
        services.staged_upload(token, owner_id=other.id, instance=instance, now=later)
    assert not (instance / services.IMPORTS_FOLDER / token).exists()
    assert revision_counts(db) == (2, 2)
