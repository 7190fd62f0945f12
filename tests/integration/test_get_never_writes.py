"""A GET never writes: every GET route, asked by each of the access matrix's seven people.

The world is the access matrix's (``test_access_matrix.build_world``) plus an
interview whose clock ran out unattended: A started it hours ago and nobody has
closed it, so a page that closed overdue interviews on view would write. Every
route that takes an attempt or an interview is asked about A's usual objects
and about the overdue ones. An engine listener records the SQL of each GET;
anything but a read (INSERT, UPDATE, DELETE, an upsert, DDL ...) fails the test
with the route, the person and the statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.attempts import lifecycle
from app.db import get_database, utcnow
from app.models import Attempt, AttemptStatus, Interview, User
from tests.factories.interviews import join_and_start, make_interview
from tests.factories.practice import load_library
from tests.integration.test_access_matrix import (
    ACTORS,
    ASKING_ORDER,
    REDIRECT_ONLY_GETS,
    World,
    build_url,
    build_world,
    client_for,
    pairs,
    url_arguments,
)

# The first word of a statement that only reads, or only sets up the connection or
# its transaction. Anything else changes data or schema.
READ_ONLY = {"SELECT", "SHOW", "SET", "RESET", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
             "RELEASE", "PRAGMA", "EXPLAIN"}
WRITE_WORDS = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|REPLACE|UPSERT)\b", re.IGNORECASE)
FOR_UPDATE = re.compile(r"\bFOR\s+(NO\s+KEY\s+)?UPDATE\b", re.IGNORECASE)


def writes(statement: str) -> bool:
    """True unless the statement only reads (a WITH must hold no INSERT/UPDATE/DELETE)."""
    text = re.sub(r"^(\s|\(|--[^\n]*\n|/\*.*?\*/)*", "", statement, flags=re.DOTALL)
    first = text.split(None, 1)[0].upper() if text.strip() else ""
    if first == "WITH":
        return WRITE_WORDS.search(FOR_UPDATE.sub("", text)) is not None
    return first not in READ_ONLY


def test_the_statement_check_tells_reads_from_writes():
    for read in ("SELECT 1", "  (SELECT a FROM t) UNION (SELECT b FROM u)",
                 "SELECT id FROM users WHERE id = 1 FOR UPDATE", "PRAGMA page_count",
                 "SET LOCAL statement_timeout = 5000", "BEGIN IMMEDIATE", "ROLLBACK",
                 "SAVEPOINT sa_1", "WITH x AS (SELECT 1) SELECT * FROM x",
                 "SELECT updated_at, deleted FROM t", "show standard_conforming_strings"):
        assert not writes(read), read
    for write in ("INSERT INTO heartbeat (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET id = 1",
                  "UPDATE attempts SET status='submitted'", "delete from t",
                  "/* note */ UPDATE t SET a = 1", "REPLACE INTO t VALUES (1)",
                  "WITH x AS (DELETE FROM t RETURNING id) SELECT * FROM x",
                  "CREATE TABLE t (a int)", "DROP TABLE t", "VACUUM"):
        assert writes(write), write


@dataclass
class Overdue:
    interview: int
    attempt: int


def add_overdue_interview(db: Session, root: Path, world: World) -> Overdue:
    """An interview A started three hours ago on a 45-minute clock, never closed.

    Its prompt (and rubric) are of their own, so A's practice stays open.
    """
    load_library(db, root, extra_design_prompts=1, own_rubric=True)
    started = utcnow() - timedelta(hours=3)
    interview, _ = make_interview(db, world.people["panel"], [db.get(User, world.reviewer)],
                                  prompts=("service-00",), minutes=45, now=started)
    join_and_start(db, interview, world.people["candidate_a"], now=started)
    attempt = interview.items[0].attempt
    lifecycle.save_draft(db, attempt, body="Written before the deadline.", based_on=0,
                        now=started + timedelta(minutes=10))
    assert interview.overdue(utcnow()) and attempt.is_open
    return Overdue(interview=interview.id, attempt=attempt.id)


def get_urls(app: Flask, world: World, overdue: Overdue) -> list[tuple[str, str]]:
    """(endpoint, url) for every GET route: A's usual objects, then the overdue ones."""
    found = []
    for endpoint, method in sorted(pairs(app)):
        if method != "GET":
            continue
        arguments = url_arguments(world, endpoint)
        found.append((endpoint, build_url(app, endpoint, arguments)))
        names = {name for rule in app.url_map.iter_rules(endpoint) for name in rule.arguments}
        if "interview_id" in names or "attempt_id" in names:
            on_overdue = {**arguments, "interview_id": overdue.interview,
                          "attempt_id": overdue.attempt}
            found.append((endpoint, build_url(app, endpoint, on_overdue)))
    return found


def test_no_get_route_writes_to_the_database(app, client, db, tmp_path):
    world = build_world(db, tmp_path)
    overdue = add_overdue_interview(db, tmp_path, world)
    app.extensions.pop("archboard.readiness", None)  # /readyz must really check, not recall
    urls = get_urls(app, world, overdue)
    statements: list[str] = []
    engine = get_database(app).engine

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    found, answered = [], {}
    for actor in ASKING_ORDER:
        web = client_for(app, actor, world, client if actor == "anonymous" else None)
        for endpoint, url in urls:
            statements.clear()
            event.listen(engine, "before_cursor_execute", record)
            try:
                response = web.get(url)
                response.close()  # static files stream from an open file
            finally:
                event.remove(engine, "before_cursor_execute", record)
            answered.setdefault(endpoint, set()).add(response.status_code)
            found += [f"GET {url} ({endpoint}) as {actor} ran: {' '.join(s.split())[:200]}"
                      for s in statements if writes(s)]
    assert not found, "GET requests wrote to the database:\n" + "\n".join(found)

    # Every GET route was asked, and reached its page for someone.
    get_routes = {endpoint for endpoint, method in pairs(app) if method == "GET"}
    assert set(answered) == get_routes
    never_ok = sorted(e for e, codes in answered.items()
                      if HTTPStatus.OK not in codes and e not in REDIRECT_ONLY_GETS)
    assert never_ok == [], f"GET routes no one of {ACTORS} could open"

    # The overdue interview is still as the candidate left it: only the worker (or a
    # write by the candidate or the panel) closes it.
    db.expire_all()
    assert db.get(Interview, overdue.interview).submitted_at is None
    assert db.get(Attempt, overdue.attempt).status is AttemptStatus.IN_PROGRESS
    assert db.scalar(select(Attempt.revision_number).where(Attempt.id == overdue.attempt)) == 1
