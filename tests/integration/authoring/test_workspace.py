"""The content workspace: the list, the editor, checks as the author types, saving and new items.

Every test works on a content tree of its own (``CONTENT_DIR`` points at it), synced
into the database first, so nothing here reads or writes the project's files.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from http import HTTPStatus
from pathlib import Path

import pytest
from sqlalchemy import select

from app.content.files import MAX_FILE_BYTES
from app.content.sync import sync_content
from app.content.validate import load_content
from app.models import Prompt, PromptRevision, Role
from tests.factories.content import (
    DESIGN_PROMPT,
    add_incident_prompt,
    add_review_prompt,
    add_sql_prompt,
    replace_in,
)
from tests.factories.users import PASSWORD, make_user
from tests.support.web import WebClient, textarea_value

SHORTENER = "prompts/url-shortener.md"
# The factory prompt with its rubric misspelt: an error at the rubric's line (7).
MISSPELT = DESIGN_PROMPT.replace("tags: [hashing, cache]",
                                 "rubric: url-shortner\ntags: [hashing, cache]")
# A draft that does not check: no competencies, and no rubric of its name.
BROKEN = ("---\ntitle: Half written\nkind: system-design\nlevel: mid\nminutes: 45\n"
          "status: draft\n---\nText.\n")


@pytest.fixture
def author(app, db, client) -> WebClient:
    make_user(db, Role.AUTHOR, email="ada@example.com")
    assert client.login("ada@example.com", PASSWORD).status_code == HTTPStatus.FOUND
    return client


def files_of(root: Path) -> dict[str, bytes]:
    """Every file under the content_tree, to show that a refused request wrote nothing."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def check(web: WebClient, files: dict[str, str]):
    return web.raw.post("/authoring/check", json={"files": files},
                        headers={"X-CSRFToken": web.csrf_token()})


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# The list ----------------------------------------------------------------------------------


def test_the_list_shows_rows_and_files_with_their_validation_state(author, content_tree,
                                                                   query_counter):
    (content_tree / "prompts" / "half-written.md").write_text(BROKEN)  # on disk, never synced
    query_counter.clear()
    response = author.get("/authoring")
    assert response.status_code == HTTPStatus.OK
    # The account, prompts with counts, rubrics with counts, the levels for rewording.
    assert len(query_counter) == 4
    page = text(response)
    shortener = re.search(r'<tr id="prompt-url-shortener".*?</tr>', page, re.S).group(0)
    assert "Design a URL shortener" in shortener and "System design" in shortener
    assert ">Published<" in shortener and "<td>1</td>" in shortener and "OK" in shortener
    broken = re.search(r'<tr id="prompt-half-written".*?</tr>', page, re.S).group(0)
    assert ">Draft<" in broken and "Never synced" in broken and "2 errors" in broken
    expected = next(p for p in load_content(content_tree).errors
                    if p.path == "prompts/half-written.md")
    assert str(expected) in broken
    assert (f'href="/authoring/prompts/half-written?file=prompts/half-written.md&amp;line='
            f'{expected.line}"') in response.get_data(as_text=True)
    assert 'id="rubric-sum-two"' in page


def test_the_list_costs_the_same_queries_as_the_library_grows(author, content_tree, db,
                                                              query_counter):
    author.get("/authoring")
    for n in range(6):
        (content_tree / "prompts" / f"extra-{n}.md").write_text(DESIGN_PROMPT.replace(
            "tags: [hashing, cache]", "rubric: url-shortener\ntags: [hashing, cache]"))
    sync_content(db, content_tree)
    query_counter.clear()
    assert author.get("/authoring").status_code == HTTPStatus.OK
    assert len(query_counter) == 4


def test_the_list_filters_by_kind_and_status_and_searches(author, content_tree):
    (content_tree / "prompts" / "half-written.md").write_text(BROKEN)
    rubrics = text(author.get("/authoring?kind=rubric"))
    assert 'id="rubric-url-shortener"' in rubrics and 'id="prompt-url-shortener"' not in rubrics
    coding = text(author.get("/authoring?kind=coding"))
    assert 'id="prompt-sum-two"' in coding and 'id="prompt-url-shortener"' not in coding
    drafts = text(author.get("/authoring?status=draft"))
    assert 'id="prompt-half-written"' in drafts and 'id="prompt-sum-two"' not in drafts
    errors = text(author.get("/authoring?status=errors"))
    assert re.findall(r'<tr id="([a-z-]+)"', errors) == ["prompt-half-written"]
    found = text(author.get("/authoring?q=SHORTENER"))
    assert re.findall(r'<tr id="([a-z-]+)"', found) == ["prompt-url-shortener",
                                                        "rubric-url-shortener"]
    nothing = text(author.get("/authoring?q=nothing-like-this"))
    assert "Nothing matches these filters" in nothing and "<table" not in nothing


def test_a_retired_item_is_listed_without_an_editor(author, content_tree, db):
    (content_tree / "prompts" / "sum-two").rename(content_tree / "old-sum-two")
    (content_tree / "rubrics" / "sum-two.md").unlink()
    sync_content(db, content_tree)
    page = text(author.get("/authoring?status=retired"))
    row = re.search(r'<tr id="prompt-sum-two".*?</tr>', page, re.S).group(0)
    assert ">Retired<" in row and "/authoring/prompts/sum-two" not in row
    assert author.get("/authoring/prompts/sum-two").status_code == HTTPStatus.NOT_FOUND


# The editor --------------------------------------------------------------------------------


def test_the_editor_holds_every_file_of_a_folder_prompt_in_one_form(author, content_tree):
    response = author.get("/authoring/prompts/sum-two")
    assert response.status_code == HTTPStatus.OK
    page = response.get_data(as_text=True)
    form = re.search(r'<form id="content-editor-form".*?</form>', page, re.S).group(0)
    names = re.findall(r'<textarea[^>]*name="(file:[^"]+)"', form)
    assert names == ["file:prompts/sum-two/prompt.md", "file:prompts/sum-two/solution.py",
                     "file:prompts/sum-two/starter.py", "file:prompts/sum-two/tests/test_hidden.py",
                     "file:prompts/sum-two/tests/test_public.py"]
    solution = re.search(r'name="file:prompts/sum-two/solution.py"[^>]*>(.*?)</textarea>', form,
                         re.S).group(1)
    assert textarea_value(solution) == (content_tree / "prompts/sum-two/solution.py").read_text()


@pytest.mark.parametrize("add_prompt", [add_review_prompt, add_incident_prompt, add_sql_prompt],
                         ids=["code-review", "incident", "sql"])
def test_the_editor_holds_every_file_of_each_folder_kind_as_a_textarea(author, content_tree, db,
                                                                       add_prompt):
    folder = add_prompt(content_tree)
    sync_content(db, content_tree)
    slug = folder.name
    response = author.get(f"/authoring/prompts/{slug}")
    assert response.status_code == HTTPStatus.OK
    page = response.get_data(as_text=True)
    form = re.search(r'<form id="content-editor-form".*?</form>', page, re.S).group(0)
    areas = dict(re.findall(r'<textarea[^>]*name="file:([^"]+)"[^>]*>(.*?)</textarea>', form,
                            re.S))
    on_disk = {p.relative_to(content_tree).as_posix(): p.read_text()
               for p in folder.rglob("*") if p.is_file()}
    assert len(on_disk) > 3 and sorted(areas) == sorted(on_disk)
    assert next(iter(areas)) == f"prompts/{slug}/prompt.md"
    for path, body in areas.items():
        assert textarea_value(body) == on_disk[path], path
    # Each file has its tab, and the stored revision is previewed.
    assert len(re.findall(r'data-file-tab="prompts/', form)) == len(on_disk)
    assert "Revision 1" in page and "Not synced yet" not in page


def test_the_editor_previews_the_stored_revision_as_candidate_and_reviewer(author, content_tree):
    page = text(author.get("/authoring/prompts/url-shortener"))
    candidate = re.search(r'id="preview-candidate".*?</div>\s*<div id="preview-reviewer"', page,
                          re.S).group(0)
    assert "Design a service that turns long URLs into short ones." in candidate
    assert "How long must a code be?" in candidate and "45 minute time box" in candidate
    reviewer = page[page.index('id="preview-reviewer"'):]
    assert "How do you expire links?" in reviewer  # a follow-up
    assert "A strong answer estimates the key space" in reviewer  # the reference
    assert "Requirements" in reviewer and "weight 2" in reviewer
    assert "Quantifies reads and writes and names the redirect status." in reviewer


def criterion_line(reviewer_html: str, name: str) -> str:
    """The words of a criterion's heading line in the reviewer preview."""
    found = re.search(rf'<p class="criterion-name"><strong>{name}</strong>.*?</p>', reviewer_html,
                      re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(found.group(0))).split())


def test_the_reviewer_preview_shows_each_gate_stored_and_as_typed(author, content_tree, db):
    rubric = content_tree / "rubrics/url-shortener.md"
    replace_in(rubric, "signals: key-value, index, base62\n",
               "signals: key-value, index, base62\ngate: {senior: 3}\n")
    sync_content(db, content_tree)
    page = author.get("/authoring/prompts/url-shortener").get_data(as_text=True)
    reviewer = page[page.index('id="preview-reviewer"'):]
    assert criterion_line(reviewer, "Storage") == (
        "Storage weight 1 gate: level 3 or above needed for a senior answer to meet the bar "
        "(senior)")
    assert "gate" not in criterion_line(reviewer, "Requirements")

    # As the author types a gate for every target level, the check's preview draws each.
    typed = rubric.read_text().replace("gate: {senior: 3}", "gate: 2")
    body = check(author, {"rubrics/url-shortener.md": typed}).get_json()
    assert body["ok"], body["problems"]
    storage = criterion_line(body["reviewer_html"], "Storage")
    for level in ("mid", "senior", "staff"):
        assert (f"gate: level 2 or above needed for a {level} answer to meet the bar ({level})"
                in storage)


def test_a_rubric_opens_in_the_editor_and_unknown_items_are_not_found(author, content_tree):
    response = author.get("/authoring/rubrics/url-shortener")
    assert response.status_code == HTTPStatus.OK
    assert 'name="file:rubrics/url-shortener.md"' in response.get_data(as_text=True)
    assert "Candidates never see a rubric" in text(response)
    for url in ("/authoring/prompts/no-such-prompt", "/authoring/rubrics/no-such-rubric",
                "/authoring/prompts/Not_A_Slug", "/authoring/rubrics/..%2Furl-shortener",
                "/authoring/rubrics/" + "9" * 300, "/authoring/prompts/" + "a" * 81):
        assert author.get(url).status_code == HTTPStatus.NOT_FOUND, url


# Checking as the author types --------------------------------------------------------------


def test_a_check_returns_the_problems_as_flask_content_check_words_them(author, content_tree):
    response = check(author, {SHORTENER: MISSPELT})
    assert response.status_code == HTTPStatus.OK
    body = response.get_json()
    # The same file written to disk gives the same problem from the loader.
    (content_tree / SHORTENER).write_text(MISSPELT)
    expected = [p for p in load_content(content_tree).problems if p.path == SHORTENER]
    assert [(p["path"], p["line"], p["message"], p["severity"], p["text"])
            for p in body["problems"]] == [
        (p.path, p.line, p.message, p.severity.value, str(p)) for p in expected]
    assert body["problems"][0]["line"] == 7
    assert body["ok"] is False
    assert body["create_rubric"].startswith("/authoring/new?kind=rubric&slug=url-shortner")
    assert "Design a URL shortener" in body["candidate_html"]


def test_a_check_applies_cross_file_rules_to_the_edited_files(author, content_tree):
    renamed = DESIGN_PROMPT.replace("competencies: [api-design, scalability]",
                                    "competencies: [api-design, scaling]")
    body = check(author, {SHORTENER: renamed}).get_json()
    assert [(p["line"], p["message"]) for p in body["problems"]] == [
        (6, 'competency "scaling" is not defined in prompts/competencies.md')]


def test_a_check_renders_the_preview_sanitised(author, content_tree):
    hostile = DESIGN_PROMPT.replace("Design a service", '<img src=x onerror="alert(1)">Design')
    body = check(author, {SHORTENER: hostile}).get_json()
    assert "onerror" not in body["candidate_html"]
    assert "<img" in body["candidate_html"] or "Design" in body["candidate_html"]


@pytest.mark.parametrize("files", [
    {"app/evil.py": "x"}, {"prompts/../app/evil.md": "x"}, {"/etc/passwd": "x"},
    {"prompts/competencies.md": "x"}, {"rubrics/nested/evil.md": "x"}, {},
    {"prompts/sum-two/prompt.md/inside.py": "x"},
    {"prompts/sum-two/extra": "x", "prompts/sum-two/extra/inside.py": "x"},
])
def test_a_check_refuses_paths_outside_prompts_and_rubrics(author, content_tree, files):
    before = files_of(content_tree)
    response = check(author, files)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert files_of(content_tree) == before


def test_a_check_needs_the_csrf_token_and_is_rate_limited_per_author(app, author, content_tree,
                                                                     monkeypatch):
    response = author.raw.post("/authoring/check", json={"files": {SHORTENER: DESIGN_PROMPT}})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    monkeypatch.setitem(app.config, "AUTHORING_RATE_LIMIT", "2 per minute")
    statuses = [check(author, {SHORTENER: DESIGN_PROMPT}).status_code for _ in range(3)]
    assert statuses == [HTTPStatus.OK, HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS]


# Saving ----------------------------------------------------------------------------------


def test_saving_writes_the_file_and_syncs_a_new_revision(author, content_tree, db):
    edited = DESIGN_PROMPT.replace("## Hints", "Keep the codes short.\n\n## Hints")
    response = author.post("/authoring/save", {f"file:{SHORTENER}": edited.replace("\n", "\r\n")})
    assert response.status_code == HTTPStatus.FOUND
    assert response.headers["Location"] == "/authoring/prompts/url-shortener"
    assert (content_tree / SHORTENER).read_text() == edited  # a browser's CR LF stored as LF
    numbers = db.scalars(select(PromptRevision.number).join(Prompt, PromptRevision.prompt_id
                                                            == Prompt.id)
                         .where(Prompt.slug == "url-shortener")).all()
    assert sorted(numbers) == [1, 2]
    page = text(author.get(response.headers["Location"]))
    assert "prompt url-shortener: revision 2" in page
    assert not list(content_tree.rglob(".url-shortener.md.*")), "no temporary file is left behind"


def test_saving_unchanged_files_writes_nothing(author, content_tree):
    before = files_of(content_tree)
    response = author.post("/authoring/save", {f"file:{SHORTENER}": DESIGN_PROMPT})
    assert response.status_code == HTTPStatus.FOUND
    assert files_of(content_tree) == before
    assert "Nothing changed" in text(author.get(response.headers["Location"]))


def test_a_file_with_an_error_is_never_written_and_keeps_the_authors_text(author, content_tree, db):
    before = files_of(content_tree)
    response = author.post("/authoring/save", {f"file:{SHORTENER}": MISSPELT})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert files_of(content_tree) == before
    page = text(response)
    assert "nothing was saved" in page
    assert "prompts/url-shortener.md:7: prompt has no rubric: rubrics/url-shortner.md" in page
    kept = re.search(r'name="file:prompts/url-shortener.md"[^>]*>(.*?)</textarea>', page,
                     re.S).group(1)
    assert textarea_value(kept) == MISSPELT
    assert db.scalar(select(PromptRevision.number).where(PromptRevision.number > 1)) is None


@pytest.mark.parametrize(("files", "message"), [
    ({SHORTENER: DESIGN_PROMPT.replace("## Hints", "<script>alert(1)</script>\n\n## Hints")},
     "prompts/url-shortener.md:11: raw HTML <script> is not allowed in content"),
    ({"app/evil.py": "print(1)"}, "app/evil.py: outside the content layout"),
    ({"prompts/../app/evil.md": "x"}, "'..' is not allowed in a path"),
    ({"prompts/url-shortener/../../app/x.md": "x"}, "'..' is not allowed in a path"),
    ({"prompts/competencies.md": "# Competencies\n"}, "not a prompt's or a rubric's file"),
    ({SHORTENER: DESIGN_PROMPT + "\n" + "x" * MAX_FILE_BYTES},
     f"file is larger than {MAX_FILE_BYTES:,} bytes"),
])
def test_a_hostile_save_is_refused_with_a_message_and_writes_nothing(author, content_tree, files,
                                                                     message):
    before = files_of(content_tree)
    response = author.post("/authoring/save", {f"file:{p}": t for p, t in files.items()})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert message in text(response)
    assert files_of(content_tree) == before
    assert not (content_tree.parent / "app").exists()


def test_read_only_content_is_never_written_and_offers_the_download(app, author, content_tree,
                                                                    monkeypatch):
    monkeypatch.setitem(app.config, "CONTENT_READ_ONLY", True)
    before = files_of(content_tree)
    edited = DESIGN_PROMPT.replace("## Hints", "Keep the codes short.\n\n## Hints")
    response = author.post("/authoring/save", {f"file:{SHORTENER}": edited})
    assert response.status_code == HTTPStatus.CONFLICT
    assert files_of(content_tree) == before
    page = text(response)
    assert "read-only" in page and "Download changed files" in page
    assert 'formaction="/authoring/download"' in page
    assert edited in page  # the author's text is kept in the editor
    assert ">Save</button>" not in page


def test_one_changed_file_downloads_as_itself(author, content_tree):
    edited = DESIGN_PROMPT.replace("## Hints", "Keep the codes short.\n\n## Hints")
    rubric = (content_tree / "rubrics/url-shortener.md").read_text()
    response = author.post("/authoring/download", {f"file:{SHORTENER}": edited,
                                                   "file:rubrics/url-shortener.md": rubric})
    assert response.status_code == HTTPStatus.OK
    assert response.headers["Content-Disposition"] == 'attachment; filename="url-shortener.md"'
    assert response.get_data(as_text=True) == edited


def test_several_changed_files_download_as_a_zip_in_the_repository_layout(author, content_tree):
    before = files_of(content_tree)
    prompt = DESIGN_PROMPT.replace("## Hints", "Keep the codes short.\n\n## Hints")
    rubric = (content_tree / "rubrics/url-shortener.md").read_text().replace("Judge the design",
                                                                    "Judge the whole design")
    response = author.post("/authoring/download", {f"file:{SHORTENER}": prompt,
                                                   "file:rubrics/url-shortener.md": rubric})
    assert response.status_code == HTTPStatus.OK
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["prompts/url-shortener.md", "rubrics/url-shortener.md"]
    assert archive.read("rubrics/url-shortener.md").decode() == rubric
    assert files_of(content_tree) == before


def test_a_download_of_a_file_with_an_error_is_refused(author, content_tree):
    response = author.post("/authoring/download", {f"file:{SHORTENER}": MISSPELT})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "prompt has no rubric" in text(response)


# New items and drafts --------------------------------------------------------------------


def test_the_new_form_is_prefilled_from_the_query_string(author, content_tree):
    page = text(author.get("/authoring/new?kind=sql&slug=orders-report&title=Orders+report"
                           "&level=mid&minutes=30&competencies=api-design"
                           "&competencies=scalability&rubric=orders-rubric"))
    assert re.search(r'<option[^>]*selected[^>]*value="sql"|<option value="sql" selected', page)
    assert 'value="orders-report"' in page and 'value="Orders report"' in page
    assert 'value="30"' in page and 'value="orders-rubric"' in page
    checked = re.findall(r'<input[^>]*checked[^>]*name="competencies"[^>]*value="([a-z-]+)"', page)
    assert checked == ["api-design", "scalability"]


def test_a_new_system_design_prompt_opens_with_its_rubric_as_a_draft(author, content_tree):
    before = files_of(content_tree)
    response = author.post("/authoring/new", {
        "kind": "system-design", "slug": "queue-design", "title": "Design a queue: at scale",
        "level": "senior", "minutes": "40", "competencies": ["scalability"]})
    assert response.status_code == HTTPStatus.OK
    assert files_of(content_tree) == before  # nothing is written until the author saves
    page = response.get_data(as_text=True)
    names = re.findall(r'<textarea[^>]*name="file:([^"]+)"', page)
    assert names == ["prompts/queue-design.md", "rubrics/queue-design.md"]
    prompt = textarea_value(re.search(r'name="file:prompts/queue-design.md"[^>]*>(.*?)</textarea>',
                                      page, re.S).group(1))
    assert 'title: "Design a queue: at scale"' in prompt
    assert "status: draft" in prompt and "rubric: queue-design" in prompt
    assert "competencies: [scalability]" in prompt and "minutes: 40" in prompt


def test_a_new_slug_that_exists_is_refused(author, content_tree):
    response = author.post("/authoring/new", {
        "kind": "coding", "slug": "sum-two", "title": "Again", "level": "mid",
        "minutes": "30", "competencies": ["api-design"]})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "prompt sum-two already exists" in text(response)
    bad = author.post("/authoring/new", {"kind": "coding", "slug": "Not A Slug", "title": "x",
                                         "level": "mid", "minutes": "30",
                                         "competencies": ["api-design"]})
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "lowercase letters" in text(bad)


def test_a_prompt_without_its_rubric_offers_to_create_it(author, content_tree):
    replace_in(content_tree / SHORTENER, "tags: [hashing, cache]",
               "rubric: shortener-v2\ntags: [x]")
    page = author.get("/authoring/prompts/url-shortener").get_data(as_text=True)
    assert ('href="/authoring/new?kind=rubric&amp;slug=shortener-v2&amp;title=Design+a+URL+'
            'shortener"') in page


def test_a_draft_is_listed_for_authors_and_hidden_from_candidates_until_published(
        author, content_tree, db, app):
    files = {"file:prompts/queue-design.md": DESIGN_PROMPT.replace(
        "title: Design a URL shortener", "title: Design a queue").replace(
        "tags: [hashing, cache]", "rubric: url-shortener\ntags: [queue]\nstatus: draft")}
    assert author.post("/authoring/save", files).status_code == HTTPStatus.FOUND
    listed = text(author.get("/authoring"))
    row = re.search(r'<tr id="prompt-queue-design".*?</tr>', listed, re.S).group(0)
    assert ">Draft<" in row
    candidate = WebClient(app.test_client())
    make_user(db, email="cara@example.com")
    candidate.login("cara@example.com", PASSWORD)
    assert "Design a queue" not in text(candidate.get("/practice"))
    assert candidate.get("/practice/prompts/queue-design").status_code == HTTPStatus.NOT_FOUND
    # Publishing is changing the status and saving.
    published = {name: value.replace("status: draft", "status: published")
                 for name, value in files.items()}
    assert author.post("/authoring/save", published).status_code == HTTPStatus.FOUND
    assert "Design a queue" in text(candidate.get("/practice"))
    assert candidate.get("/practice/prompts/queue-design").status_code == HTTPStatus.OK


@pytest.mark.parametrize("url", [
    "/authoring?page=\u00b2", "/authoring?page=" + "9" * 5000, "/authoring?page=-1",
    "/authoring/prompts/url-shortener?line=\u00b2",
    "/authoring/prompts/url-shortener?line=" + "9" * 5000,
])
def test_numbers_in_the_query_string_that_are_no_numbers_are_ignored(author, content_tree, url):
    assert author.get(url).status_code == HTTPStatus.OK


def test_a_request_over_the_size_cap_is_refused_and_writes_nothing(app, author, content_tree):
    before = files_of(content_tree)
    huge = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    assert check(author, {SHORTENER: huge}).status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    saved = author.post("/authoring/save", {f"file:{SHORTENER}": huge})
    assert saved.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert files_of(content_tree) == before


def test_too_many_files_at_once_are_refused(author, content_tree):
    files = {f"prompts/many/file-{n}.md": "x" for n in range(101)}
    response = check(author, files)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "at most 100 at once" in response.get_json()["detail"]


def test_an_edit_that_breaks_another_file_is_refused(author, content_tree):
    # The prompt's hint names a criterion of its rubric; renaming the criterion breaks it.
    replace_in(content_tree / SHORTENER, "- How long must a code be?",
               "- [gives away: Storage] How long must a code be?")
    rubric = (content_tree / "rubrics/url-shortener.md").read_text()
    before = files_of(content_tree)
    renamed = rubric.replace("## Storage", "## Persistence")
    body = check(author, {"rubrics/url-shortener.md": renamed}).get_json()
    assert body["problems"] == [] and body["ok"] is False
    assert [p["text"] for p in body["elsewhere"]] == [
        'prompts/url-shortener.md:12: hint 1 gives away criterion "Storage", which rubric '
        '"url-shortener" does not have']
    response = author.post("/authoring/save", {"file:rubrics/url-shortener.md": renamed})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "hint 1 gives away criterion" in text(response)
    assert files_of(content_tree) == before


def test_a_clean_file_is_saved_when_another_file_was_broken_already(author, content_tree, db):
    replace_in(content_tree / "rubrics/sum-two.md", "## Readability", "Readability")
    edited = DESIGN_PROMPT.replace("## Hints", "Keep the codes short.\n\n## Hints")
    response = author.post("/authoring/save", {f"file:{SHORTENER}": edited})
    assert response.status_code == HTTPStatus.FOUND
    assert (content_tree / SHORTENER).read_text() == edited
    page = text(author.get(response.headers["Location"]))
    assert "the library has 4 error(s) in other files, so nothing was synced" in page
    assert db.scalar(select(PromptRevision.number).where(PromptRevision.number > 1)) is None
