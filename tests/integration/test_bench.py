"""`make bench` stays runnable: its seed fits today's schema and every page it loads answers.

Also what the benchmark does in process (statements per request, fresh attempts for
the endpoints that write, removing them again) and its many-candidates autosave
mode, small, against gunicorn.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.conftest import make_test_app
from tests.support.web import WebClient

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from load import WRITES, app_env, endpoints, start_gunicorn  # noqa: E402  (bench/load.py)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    folder = tmp_path_factory.mktemp("bench")
    url = f"sqlite:///{folder / 'seed.sqlite'}"
    out = folder / "ids.json"
    done = subprocess.run([sys.executable, "bench/seed.py", url, "--scale", "0.05",
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return url, json.loads(out.read_text())


def test_the_seed_makes_what_it_says(seeded):
    _url, ids = seeded
    assert all(count > 0 for count in ids["counts"].values())


def test_every_page_the_benchmark_loads_answers_2xx_for_its_user(seeded):
    url, ids = seeded
    app = make_test_app(url)
    clients = {}
    for who in ("candidate", "interviewer"):
        clients[who] = WebClient(app.test_client())
        assert clients[who].login(ids[who], ids["password"]).status_code == 302
    pages = [page for page in endpoints(ids) if page.who != "floor"]
    assert len(pages) >= 11
    for page in pages:
        answer = clients[page.who].get(page.path)
        assert 200 <= answer.status_code < 300, (page.name, answer.status_code)
    # The result page shows the result stored as submit stores it: signals marked.
    result = clients["candidate"].get(f"/practice/attempts/{ids['result_attempt_id']}/result")
    assert '<mark class="signal"' in result.get_data(as_text=True)


def test_a_page_can_be_profiled_on_the_seed(seeded, tmp_path):
    url, ids = seeded
    ids_file = tmp_path / "ids.json"
    ids_file.write_text(json.dumps(ids))
    done = subprocess.run([sys.executable, "bench/page_profile.py", "/practice", "--seed",
                           url.removeprefix("sqlite:///"), "--ids", str(ids_file),
                           "--requests", "5", "--rows", "3"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "GET /practice as the candidate: 200" in done.stdout
    assert re.search(r"processor [0-9.]+ ms, [0-9,]+ calls per request", done.stdout)


@pytest.fixture
def database(seeded):
    """The benchmark's in-process view of the seed; what a test adds is removed after it."""
    from inprocess import Database

    url, ids = seeded
    database = Database(url)
    last = database.max_attempt_id()
    accounts = database.practice_accounts(exclude=(ids["candidate"],))
    yield database, ids, accounts
    database.remove_attempts_after(last, accounts)
    database.close()


def test_the_statement_counter_counts_every_endpoint_the_table_loads(database):
    database, ids, accounts = database
    clients = {who: database.signed_in(ids[who], ids["password"])[0]
               for who in ("candidate", "interviewer")}
    pages = [page for page in endpoints(ids) if page.who != "floor"]
    counts = database.count_pages(pages, clients)
    assert set(counts) == {page.name for page in pages}
    assert all(count > 0 for count in counts.values()), counts
    # The same request twice runs the same statements: the figure is no accident.
    assert database.count_pages(pages[:1], clients)[pages[0].name] == counts[pages[0].name]
    assert database.count_floor() == 1  # the floor's one query
    writes = database.count_writes(accounts[0], ids["password"])
    assert set(writes) == {w.name for w in WRITES}
    assert all(count > 0 for count in writes.values()), writes


def test_fresh_attempts_are_open_design_attempts_and_go_again(database):
    database, _ids, accounts = database
    last = database.max_attempt_id()
    fresh = database.fresh_attempts(accounts[0], 5)
    assert len(set(fresh)) == 5 and min(fresh) > last
    assert database.revisions_of(fresh) == {}
    assert database.remove_attempts_after(last, [accounts[0]]) == 5
    assert database.max_attempt_id() == last


def test_candidates_autosaving_over_http_lose_nothing(database):
    """The --candidates mode end to end, small: gunicorn, sign-ins, starts, saves, the count."""
    import autosave

    database, ids, accounts = database
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        env = app_env(Path(tmp), database.url, LOGIN_RATE_LIMIT="1000 per minute")
        port = start_gunicorn(stack, "wsgi:app", env, Path(tmp) / "app.log", 1)
        people, outcome = autosave.simulate(port, accounts, ids["password"],
                                            database.design_prompt(), candidates=3,
                                            seconds=1.5, interval=0.5)
    stored = database.revisions_of([person.attempt_id for person in people])
    lines = autosave.report("SQLite", outcome, stored, candidates=3, p99_budget_ms=10_000)
    assert len({person.attempt_id for person in people}) == 3
    assert outcome.acknowledged and not outcome.statuses and not outcome.failures
    assert set(stored) == set(outcome.acknowledged)
    assert stored == outcome.acknowledged  # every acknowledged text is the one stored
    assert "lost                    0" in "\n".join(lines)
    assert lines[-1].endswith("holds")
