"""The load test's work inside its own process, on the database gunicorn serves.

``bench/load.py`` and ``bench/autosave.py`` load the app over HTTP; what they
need to know about the database they ask here, through the app's own code:
how many SQL statements one request of each endpoint runs (through Flask's
test client, signed in through the login form), fresh practice attempts for
the endpoints that write, the seeded accounts that may practise, what the
saves left in ``answer_revisions``, and removing what a run added so a kept
seed stays as it was seeded.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine, delete, event, func, insert, select

from app import create_app
from app.db import get_database, get_session, utcnow
from app.models import (
    AnswerRevision,
    Attempt,
    Interview,
    Prompt,
    PromptRevision,
    Role,
    User,
    UserRole,
)
from app.practice import services as practice

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
WRITER_CLIENT_ID = "bench"


@dataclass
class StatementCounter:
    """Counts the statements every engine in this process sends while it is on."""

    on: bool = False
    count: int = 0
    statements: list[str] = field(default_factory=list)

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.on:
            self.count += 1
            self.statements.append(statement)

    @contextmanager
    def counting(self) -> Iterator[StatementCounter]:
        self.on, self.count, self.statements = True, 0, []
        try:
            yield self
        finally:
            self.on = False


def design_answer(step: int, note: str = "") -> str:
    """An answer as an editor autosaves it: a section more each save, new text every time."""
    sections = [f"# Rate limiter for the public API{note}\n\n"]
    for n in range(1, min(step, 12) + 1):
        sections.append(
            f"## Part {n}\n- {10 + n}k requests per second at peak; p99 under 50 ms\n"
            f"- [x] per-tenant limits  - [ ] global limits\n\n"
            f"| table | key | notes |\n| --- | --- | --- |\n"
            f"| counters | tenant_id, window | TTL {n * 5} s |\n\n"
            f"```python\ndef allow_{n}(key: str) -> bool:\n    return bucket(key).take(1)\n```\n\n")
    sections.append(f"Notes after save {step}.\n")
    return "".join(sections)


class Database:
    """The app, in this process, on the database under load."""

    def __init__(self, url: str) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="archboard-bench-")
        self.url = url
        self.app: Flask = create_app({
            "ARCHBOARD_ENV": "testing", "SECRET_KEY": "bench-" + "s" * 40,
            "DATABASE_URL": url, "SERVER_NAME": None,
            "JOBS_SQLITE_PATH": str(Path(self._tmp.name) / "jobs.sqlite")})
        self.counter = StatementCounter()
        event.listen(Engine, "before_cursor_execute", self.counter)

    def close(self) -> None:
        event.remove(Engine, "before_cursor_execute", self.counter)
        get_database(self.app).engine.dispose()
        self._tmp.cleanup()

    # Accounts and attempts ------------------------------------------------------------------

    def practice_accounts(self, exclude: tuple[str, ...] = ()) -> list[str]:
        """Seeded candidates free to practise any prompt: none is the candidate of an interview."""
        with self.app.app_context():
            db = get_session()
            return list(db.scalars(
                select(User.email).join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role == Role.CANDIDATE, User.email.not_in(exclude),
                       User.email.not_in(select(Interview.candidate_email)))
                .order_by(User.id)))

    def design_prompt(self) -> str:
        """The slug of a published system-design prompt, the kind whose saves render markdown."""
        with self.app.app_context():
            return get_session().scalar(
                select(Prompt.slug).join(PromptRevision,
                                         PromptRevision.id == Prompt.current_revision_id)
                .where(PromptRevision.kind == "system-design").order_by(Prompt.slug).limit(1))

    def fresh_attempts(self, email: str, n: int) -> list[int]:
        """``n`` new design attempts of ``email``, no revision yet, as start_attempt makes them.

        The first goes through the service; the others copy its row in one
        insert, so a pool of thousands takes a second, not a minute.
        """
        with self.app.app_context():
            db = get_session()
            user = db.scalar(select(User).where(User.email == email))
            first = practice.start_attempt(db, user, self.design_prompt())
            columns = ("user_id", "prompt_id", "prompt_revision_id", "rubric_revision_id",
                       "target_level")
            row = {name: getattr(first, name) for name in columns}
            ids = [first.id]
            if n > 1:
                now = utcnow()
                ids += db.scalars(insert(Attempt).returning(Attempt.id,
                                                            sort_by_parameter_order=True),
                                  [{**row, "started_at": now, "timer_started_at": now}
                                   for _ in range(n - 1)]).all()
                db.commit()
            return ids

    def max_attempt_id(self) -> int:
        with self.app.app_context():
            return get_session().scalar(select(func.max(Attempt.id))) or 0

    def remove_attempts_after(self, last_id: int, emails: list[str]) -> int:
        """Delete the attempts of ``emails`` newer than ``last_id``, and their revisions."""
        with self.app.app_context():
            db = get_session()
            users = select(User.id).where(User.email.in_(emails))
            ids = list(db.scalars(select(Attempt.id).where(Attempt.id > last_id,
                                                           Attempt.user_id.in_(users))))
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                # Named explicitly: SQLite only cascades when the connection enables it.
                db.execute(delete(AnswerRevision).where(AnswerRevision.attempt_id.in_(chunk)))
                db.execute(delete(Attempt).where(Attempt.id.in_(chunk)))
            db.commit()
            return len(ids)

    def revisions_of(self, attempt_ids: list[int]) -> dict[tuple[int, int], str]:
        """(attempt id, revision number) -> body digest of every revision of those attempts."""
        with self.app.app_context():
            db = get_session()
            found = {}
            for start in range(0, len(attempt_ids), 500):
                chunk = attempt_ids[start:start + 500]
                for attempt_id, number, digest in db.execute(
                        select(AnswerRevision.attempt_id, AnswerRevision.number,
                               AnswerRevision.body_digest)
                        .where(AnswerRevision.attempt_id.in_(chunk))):
                    found[(attempt_id, number)] = digest
            return found

    def unrendered(self, attempt_ids: list[int]) -> int:
        """How many of those attempts have a newest revision whose HTML is not rendered yet."""
        with self.app.app_context():
            db = get_session()
            total = 0
            for start in range(0, len(attempt_ids), 500):
                total += db.scalar(select(func.count()).select_from(Attempt).where(
                    Attempt.id.in_(attempt_ids[start:start + 500]),
                    Attempt.revision_number > 0, Attempt.answer_html.is_(None)))
            db.rollback()
            return total

    # Statements per request -----------------------------------------------------------------

    def signed_in(self, email: str, password: str):
        """A test client signed in through the login form, and its CSRF token."""
        client = self.app.test_client()
        token = CSRF_META.search(client.get("/login").get_data(as_text=True)).group(1)
        answer = client.post("/login", data={"email": email, "password": password,
                                             "csrf_token": token})
        if answer.status_code != 302:
            raise SystemExit(f"signing in {email} in process answered {answer.status_code}")
        token = CSRF_META.search(client.get("/").get_data(as_text=True)).group(1)
        return client, token

    def statements(self, client, method: str, path: str, **kwargs) -> tuple[int, int]:
        """The status and the number of statements of one request."""
        with self.counter.counting() as counted:
            answer = client.open(path, method=method, **kwargs)
        return answer.status_code, counted.count

    def count_pages(self, pages, clients: dict) -> dict[str, int]:
        """Statements of one request of each GET page, asked twice (the second counts).

        The first request of a process fills what the app keeps between requests
        (and a connection's first use can ask the server about itself); the
        second is what every request under load costs.
        """
        counts = {}
        for page in pages:
            client = clients[page.who]
            client.get(page.path)
            status, count = self.statements(client, "GET", page.path)
            if not 200 <= status < 300:
                raise SystemExit(f"{page.name}: GET {page.path} answered {status} in process")
            counts[page.name] = count
        return counts

    def count_floor(self) -> int:
        """Statements of one floor request (``bench/floor.py``), for the table's first row."""
        from floor import create_floor

        floor = create_floor(self.url)
        client = floor.test_client()
        client.get("/fortunes")
        _, count = self.statements(client, "GET", "/fortunes")
        return count

    def count_writes(self, email: str, password: str) -> dict[str, int]:
        """Statements of one autosave (new text) and one submit of a fresh attempt."""
        client, token = self.signed_in(email, password)
        first, second, third, fourth = self.fresh_attempts(email, 4)
        counts = {}
        for attempt_id, counted in ((first, False), (second, True)):
            status, count = self.statements(
                client, "POST", f"/practice/attempts/{attempt_id}/draft",
                json={"body": design_answer(1), "based_on": 0, "client_id": WRITER_CLIENT_ID},
                headers={"X-CSRFToken": token, "Accept": "application/json"})
            if status != 200:
                raise SystemExit(f"an autosave in process answered {status}")
            if counted:
                counts["autosave"] = count
        for attempt_id, counted in ((third, False), (fourth, True)):
            status, count = self.statements(
                client, "POST", f"/practice/attempts/{attempt_id}/submit",
                data=submit_form(token))
            if status != 302:
                raise SystemExit(f"a submit in process answered {status}")
            if counted:
                counts["submit"] = count
        return counts


def submit_form(token: str) -> dict[str, str]:
    """What the workspace's form posts when a fresh attempt is submitted with its text."""
    return {"csrf_token": token, "body": design_answer(3), "based_on": "0",
            "client_id": WRITER_CLIENT_ID}
