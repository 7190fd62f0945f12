"""`make bench` stays runnable: its seed fits today's schema and every page it loads answers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_test_app
from tests.support.web import WebClient

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from load import endpoints  # noqa: E402  (bench/load.py)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    folder = tmp_path_factory.mktemp("bench")
    url = f"sqlite:///{folder / 'seed.sqlite'}"
    out = folder / "ids.json"
    done = subprocess.run([sys.executable, "bench/seed.py", url, "--scale", "0.02",
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
