"""A server killed with SIGKILL mid-stream of autosaves loses no save it answered 200 for.

A real gunicorn process serves the app (not the test client); a client thread
saves a growing answer as fast as it can; the whole process group is killed
with SIGKILL at a random moment, three times over. After each restart every
(revision, text) pair the server acknowledged must be in the database.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import select

from app.models import AnswerRevision
from tests.factories.practice import load_library, make_attempt
from tests.factories.users import PASSWORD, make_user
from tests.support.tools import free_port

ROOT = Path(__file__).resolve().parents[3]
GUNICORN = Path(sys.executable).with_name("gunicorn")


class Server:
    def __init__(self, database_url: str, secret: str) -> None:
        self.port = free_port()
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                    "DATABASE_URL": database_url, "SECRET_KEY": secret,
                    "ARCHBOARD_ENV": "testing", "PYTHONPATH": str(ROOT)}
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(GUNICORN), "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
             "--threads", "4", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


class Browserless:
    """Just enough of a browser: cookies, the CSRF token, JSON posts."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = ""

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=5) as response:
            page = response.read().decode()
        found = re.search(r'name="csrf-token" content="([^"]+)"', page)
        if found:
            self.token = found.group(1)
        return page

    def login(self, email: str, password: str) -> None:
        self.get("/login")
        data = urllib.parse.urlencode({"email": email, "password": password,
                                       "csrf_token": self.token}).encode()
        self.opener.open(self.base + "/login", data=data, timeout=5).close()
        self.get("/")

    def save(self, attempt_id: int, body: str, based_on: int) -> int:
        request = urllib.request.Request(
            f"{self.base}/practice/attempts/{attempt_id}/draft", method="POST",
            data=json.dumps({"body": body, "based_on": based_on, "client_id": "crash"}).encode(),
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token})
        with self.opener.open(request, timeout=5) as response:
            return json.loads(response.read())["revision"]


def test_every_acknowledged_save_survives_sigkill(app, db, database_url, tmp_path):
    load_library(db, tmp_path)
    user = make_user(db)
    attempt = make_attempt(db, user, body="start")
    server = Server(database_url, app.config["SECRET_KEY"])
    acknowledged: dict[int, str] = {}
    latest = {"based_on": 1, "text": "start"}
    rng = random.Random(20261123)  # noqa: S311 - timing jitter, not security

    def stream(client: Browserless, stop: threading.Event) -> None:
        while not stop.is_set():
            candidate = latest["text"] + f" word{len(acknowledged)}"
            try:
                revision = client.save(attempt.id, candidate, latest["based_on"])
            except (OSError, urllib.error.URLError, http.client.HTTPException):
                return  # the server is gone (possibly mid-reply)
            acknowledged[revision] = candidate
            latest.update(based_on=revision, text=candidate)

    for _round in range(3):
        server.start()
        client = Browserless(server.url)
        client.login(user.email, PASSWORD)
        stop = threading.Event()
        before = len(acknowledged)
        worker = threading.Thread(target=stream, args=(client, stop), daemon=True)
        worker.start()
        time.sleep(0.4 + rng.random() * 0.6)
        server.kill()
        stop.set()
        worker.join(timeout=10)
        assert len(acknowledged) > before, "no save was acknowledged before the kill"

    db.expire_all()
    stored = {r.number: r.body for r in db.scalars(
        select(AnswerRevision).where(AnswerRevision.attempt_id == attempt.id))}
    missing = {n: body for n, body in acknowledged.items() if stored.get(n) != body}
    assert missing == {}
    assert len(acknowledged) >= 10
