"""Verify: an author's edited files are validated, queued, and run by the worker's code
path in the real sandbox; the results reach only their owner (or an admin)."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from sqlalchemy import func, select

from app.checks.services import STALE_AFTER, create_check, execute_check
from app.content.sync import sync_content
from app.errors import Conflict
from app.grading.runner.sandbox import Limits, sandbox_problem
from app.jobs import get_jobs
from app.models import CheckStatus, ContentCheck, Role
from tests.factories.content import (
    CODING_FILES,
    INCIDENT_SLUG,
    SQL_SLUG,
    add_incident_prompt,
    add_review_prompt,
    add_sql_prompt,
    write_content,
)
from tests.factories.users import PASSWORD, make_user
from tests.support.tools import missing_tool

# A loaded machine runs the suite: room enough for six sandboxed runs.
LIMITS = Limits(wall_seconds=120, cpu_seconds=60)
CAUGHT = ('"""boundary: forgets negative numbers"""\n\n\ndef add(a, b):\n'
          "    return abs(a) + abs(b)\n")
MISSED = '"""boundary: claims to mishandle zero"""\n\n\ndef add(a, b):\n    return b + a\n'
FOLDER = "prompts/sum-two"


@pytest.fixture
def tree(app, db, tmp_path, monkeypatch):
    root = write_content(tmp_path / "live")
    add_review_prompt(root)
    add_sql_prompt(root)
    add_incident_prompt(root)
    monkeypatch.setitem(app.config, "CONTENT_DIR", str(root))
    sync_content(db, root)
    return root


@pytest.fixture
def sandbox():
    problem = sandbox_problem()
    if problem:
        missing_tool(problem)


def sign_in(client, db, *roles: Role):
    user = make_user(db, *roles)
    assert client.login(user.email, PASSWORD).status_code == HTTPStatus.FOUND
    return user


@pytest.fixture
def author(client, db):
    return sign_in(client, db, Role.AUTHOR)


def form(slug: str = "sum-two", **files: str) -> dict[str, str]:
    return {"slug": slug, **{f"file:{path}": text for path, text in files.items()}}


def coding_form(**mutants: str) -> dict[str, str]:
    files = {f"{FOLDER}/{name}": text for name, text in CODING_FILES.items()}
    files.update({f"{FOLDER}/mutants/{name}.py": text for name, text in mutants.items()})
    return form(**files)


def post(client, data: dict[str, str]):
    # Field names hold ':' and '/': sent as a form, as the editor's script sends it.
    return client.post("/checks", data)


def run(db, tree, check_id: int) -> ContentCheck:
    check = execute_check(db, check_id, root=tree, limits=LIMITS)
    assert check is not None
    return check


def test_a_good_coding_prompt_passes_every_check(client, db, tree, author, sandbox):
    created = post(client, coding_form(negatives=CAUGHT))
    assert created.status_code == HTTPStatus.ACCEPTED, created.json
    assert created.json["status"] == "queued" and created.json["finished"] is False
    url = created.json["url"]
    assert client.get(url).json["status"] == "queued"

    check = run(db, tree, created.json["id"])
    assert check.status is CheckStatus.DONE
    body = client.get(url).json
    assert body["finished"] is True
    assert body["summary"] == "all 3 checks passed"
    assert [(r["path"], r["role"], r["ok"]) for r in body["results"]] == [
        (f"{FOLDER}/solution.py", "solution", True),
        (f"{FOLDER}/starter.py", "starter", True),
        (f"{FOLDER}/mutants/negatives.py", "mutant", True),
    ]
    assert body["results"][0]["why"] == "passes all 2 visible and hidden tests"
    assert body["results"][2]["why"] == ("fails 1 of 1 hidden tests (test_negative), as it "
                                         "should")
    # It ran what was posted, not the files on disk, which have no mutants.
    assert not (tree / FOLDER / "mutants").exists()


def test_a_broken_prompt_elsewhere_in_the_library_does_not_stop_this_ones_check(
        client, db, tree, author, sandbox):
    # Another author's half-written prompt on disk: an error, but not this prompt's.
    (tree / "prompts/half-written.md").write_text("---\ntitle: Half\n---\nText.\n")
    created = post(client, coding_form(negatives=CAUGHT))
    assert created.status_code == HTTPStatus.ACCEPTED, created.json
    check = run(db, tree, created.json["id"])
    assert check.status is CheckStatus.DONE
    assert [r["ok"] for r in client.get(created.json["url"]).json["results"]] == [True] * 3


def test_a_mutant_that_passes_and_a_broken_solution_are_reported(client, db, tree, author,
                                                                  sandbox):
    data = coding_form(zero=MISSED)
    data[f"file:{FOLDER}/solution.py"] = "def add(a, b):\n    return a - b\n"
    created = post(client, data)
    assert created.status_code == HTTPStatus.ACCEPTED
    run(db, tree, created.json["id"])
    body = client.get(created.json["url"]).json
    assert body["summary"] == "2 of 3 checks failed"
    results = {r["role"]: r for r in body["results"]}
    assert results["solution"]["ok"] is False
    assert results["solution"]["why"].startswith("fails 2 of 2 tests: ")
    assert results["mutant"] == {
        "file": "mutants/zero.py", "path": f"{FOLDER}/mutants/zero.py", "role": "mutant",
        "ok": False, "why": "passes all 1 hidden tests: add a hidden test that catches it"}


def test_a_code_review_prompt_compares_the_model_review_with_the_samples(client, db, tree,
                                                                        author):
    slug = "cache-race-review"
    folder = tree / "prompts" / slug
    created = post(client, form(slug, **{f"prompts/{slug}/prompt.md":
                                         (folder / "prompt.md").read_text()}))
    assert created.status_code == HTTPStatus.ACCEPTED, created.json
    run(db, tree, created.json["id"])
    body = client.get(created.json["url"]).json
    assert body["kind"] == "code-review"
    roles = [(r["role"], r["ok"]) for r in body["results"]]
    assert roles[0] == ("model review", True)
    assert len(roles) >= 6 and all(ok for _, ok in roles), body["results"]
    assert body["results"][0]["why"] == "suggested level 4 of 4"


def test_an_sql_prompt_runs_its_solution_starter_and_mutants(client, db, tree, author,
                                                            sandbox):
    folder = f"prompts/{SQL_SLUG}"
    created = post(client, form(SQL_SLUG, **{
        f"{folder}/solution.sql": (tree / folder / "solution.sql").read_text()}))
    assert created.status_code == HTTPStatus.ACCEPTED, created.json
    run(db, tree, created.json["id"])
    body = client.get(created.json["url"]).json
    roles = [(r["path"], r["role"], r["ok"]) for r in body["results"]]
    assert roles[:2] == [(f"{folder}/solution.sql", "solution", True),
                         (f"{folder}/starter.sql", "starter", True)], body["results"]
    mutants = [r for r in body["results"] if r["role"] == "mutant"]
    assert len(mutants) >= 4 and all(r["ok"] for r in mutants), mutants
    assert all(r["path"].endswith(".sql") for r in mutants)


def test_an_incident_prompt_checks_its_diagnosis(client, db, tree, author):
    folder = f"prompts/{INCIDENT_SLUG}"
    created = post(client, form(INCIDENT_SLUG, **{
        f"{folder}/diagnosis.md": (tree / folder / "diagnosis.md").read_text()}))
    assert created.status_code == HTTPStatus.ACCEPTED, created.json
    run(db, tree, created.json["id"])
    body = client.get(created.json["url"]).json
    assert [(r["role"], r["ok"]) for r in body["results"]] == [("diagnosis", True)] * 2
    assert body["results"][0]["why"] == ("an answer citing the key evidence earns level 4 "
                                         "(expected 4)")


def test_files_that_fail_validation_are_listed_and_nothing_is_queued(client, db, tree, author):
    prompt = (tree / FOLDER / "prompt.md").read_text().replace("level: mid", "level: guru")
    mutant = '"""no kind here"""\n\ndef add(a, b):\n    return a\n'
    response = post(client, form(**{f"{FOLDER}/prompt.md": prompt,
                                    f"{FOLDER}/mutants/bad.py": mutant}))
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    problems = response.json["problems"]
    assert any(p.startswith(f"{FOLDER}/prompt.md:") and "guru" in p for p in problems), problems
    assert any(p.startswith(f"{FOLDER}/mutants/bad.py:1: mutant docstring must start")
               for p in problems), problems
    assert db.scalar(select(func.count()).select_from(ContentCheck)) == 0


@pytest.mark.parametrize(("data", "message"), [
    (form(**{"prompts/../../etc/passwd": "x"}), "'..' is not allowed in a path"),
    (form(**{"/etc/passwd": "x"}), "absolute paths are not allowed"),
    (form(**{"prompts/url-shortener.md": "x"}), "not a file of prompt sum-two or a rubric"),
    (form(), "No files were sent to verify."),
    # A rubric may be sent with any prompt: the slug itself must not reach outside prompts/.
    (form("../../..", **{"rubrics/sum-two.md": "x"}), "slug must be lowercase letters"),
    (form("", **{"rubrics/sum-two.md": "x"}), "slug must be lowercase letters"),
    (form("url-shortener", **{"prompts/url-shortener.md": "---\n"}), "error"),
])
def test_paths_outside_the_prompt_are_refused(client, db, tree, author, data, message):
    response = post(client, data)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert message in response.json["error"] + " ".join(response.json["problems"])
    assert db.scalar(select(func.count()).select_from(ContentCheck)) == 0


def test_a_system_design_prompt_has_nothing_to_run(client, db, tree, author):
    text = (tree / "prompts/url-shortener.md").read_text()
    response = post(client, form("url-shortener", **{"prompts/url-shortener.md": text}))
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json["error"].endswith("url-shortener is a system design prompt: nothing "
                                          "to run.")


def test_one_check_at_a_time_per_person(client, db, tree, author):
    assert post(client, coding_form()).status_code == HTTPStatus.ACCEPTED
    second = post(client, coding_form())
    assert second.status_code == HTTPStatus.CONFLICT
    assert second.json["error"] == "A check of yours is still running; wait for its results first."


def test_a_check_left_unfinished_by_a_dead_worker_stops_blocking_after_a_while(db, tree,
                                                                              author):
    files = {f"{FOLDER}/solution.py": CODING_FILES["solution.py"]}
    first = create_check(db, author, slug="sum-two", files=files, root=tree)
    with pytest.raises(Conflict):
        create_check(db, author, slug="sum-two", files=files, root=tree,
                     now=first.created_at + STALE_AFTER - timedelta(seconds=1))
    later = create_check(db, author, slug="sum-two", files=files, root=tree,
                         now=first.created_at + STALE_AFTER + timedelta(seconds=1))
    assert later.status is CheckStatus.QUEUED


def test_checks_are_rate_limited_per_person(app, client, db, tree, author, monkeypatch):
    monkeypatch.setitem(app.config, "CHECK_RATE_LIMIT", "1 per minute")
    assert post(client, form()).status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert post(client, form()).status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_only_the_owner_or_an_admin_reads_a_check(app, client, db, tree, author):
    created = post(client, coding_form())
    url = created.json["url"]
    client.logout()
    sign_in(client, db, Role.AUTHOR)
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND
    assert client.get("/checks/999999").status_code == HTTPStatus.NOT_FOUND
    client.logout()
    sign_in(client, db, Role.CANDIDATE)
    assert client.get(url).status_code == HTTPStatus.FORBIDDEN
    assert post(client, coding_form()).status_code == HTTPStatus.FORBIDDEN
    client.logout()
    sign_in(client, db, Role.ADMIN)
    assert client.get(url).json["status"] == "queued"


def test_a_check_is_queued_once_it_commits_and_claimed_by_one_worker(app, client, db, tree,
                                                                    author, sandbox):
    huey = get_jobs(app).huey
    assert huey.pending_count() == 0
    created = post(client, coding_form())
    assert huey.pending_count() == 1  # the worker's task, named for the check
    assert run(db, tree, created.json["id"]).status is CheckStatus.DONE
    # A second worker finding it taken does nothing.
    assert execute_check(db, created.json["id"], root=tree) is None
