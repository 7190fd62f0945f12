"""One transaction per use case: nested blocks are savepoints; after-commit work runs once.

What another connection can read shows what is committed: the inner block of a
service called by another service must not be visible until the outer block
ends, and must vanish if the outer block fails.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.auth.services import change_password, start_session
from app.db import after_commit, get_database, transaction
from app.models import User, UserSession
from tests.factories.users import PASSWORD, make_user


class Boom(Exception):
    pass


@pytest.fixture
def reader(app) -> Iterator[Session]:
    """A second session, on its own connection: it sees only what was committed."""
    session = get_database(app).sessionmaker()
    yield session
    session.close()


@pytest.fixture
def commits(app) -> Iterator[list[None]]:
    """One entry per COMMIT the engine sends (savepoint releases are not commits)."""
    seen: list[None] = []
    engine = get_database(app).engine

    def record(_conn):
        seen.append(None)

    event.listen(engine, "commit", record)
    yield seen
    event.remove(engine, "commit", record)


def add_user(session: Session, name: str) -> None:
    session.add(User(email=f"{name}@example.com", display_name=name, password_hash="x"))
    session.flush()


def committed_names(reader: Session) -> list[str]:
    reader.rollback()  # a fresh snapshot
    names = reader.scalars(select(User.display_name).order_by(User.display_name)).all()
    reader.rollback()
    return list(names)


def test_a_nested_block_commits_nothing_until_the_outermost_ends(db, reader, commits):
    with transaction(db):
        db.scalar(select(func.count()).select_from(User))  # reads only, before the inner block
        with transaction(db):
            add_user(db, "inner")
        # The inner block has ended: nothing is committed yet.
        assert committed_names(reader) == []
        assert commits == []
        add_user(db, "outer")
    assert committed_names(reader) == ["inner", "outer"]
    assert len(commits) == 1


def test_a_failed_nested_block_that_is_caught_undoes_only_its_own_work(db, reader, commits):
    with transaction(db):
        add_user(db, "before")
        with pytest.raises(Boom), transaction(db):
            add_user(db, "inner")
            raise Boom
        add_user(db, "after")
    assert committed_names(reader) == ["after", "before"]
    assert len(commits) == 1


def test_a_failed_nested_block_undoes_its_work_when_it_comes_first(db, reader):
    # On SQLite the savepoint may be the first statement of the transaction: it must
    # still nest inside it, not stand in for it.
    with transaction(db):
        with pytest.raises(Boom), transaction(db):
            add_user(db, "inner")
            raise Boom
        add_user(db, "after")
    assert committed_names(reader) == ["after"]


def test_when_the_outer_block_fails_everything_is_rolled_back(db, reader, commits):
    with pytest.raises(Boom), transaction(db):
        db.scalar(select(func.count()).select_from(User))
        with transaction(db):
            add_user(db, "inner")
        with transaction(db):
            add_user(db, "second inner")
        add_user(db, "outer")
        raise Boom
    assert committed_names(reader) == []
    assert commits == []
    # The session is usable afterwards, and the next block commits on its own.
    with transaction(db):
        add_user(db, "next")
    assert committed_names(reader) == ["next"]


def test_after_commit_work_runs_once_when_the_outermost_block_commits(db):
    ran: list[str] = []
    with transaction(db):
        after_commit(db, lambda: ran.append("outer"))
        with transaction(db):
            after_commit(db, lambda: ran.append("inner"))
        assert ran == []  # a released savepoint is no commit
    assert ran == ["outer", "inner"]
    with transaction(db):
        add_user(db, "later")
    assert ran == ["outer", "inner"]  # nothing runs twice


def test_after_commit_work_never_runs_if_the_transaction_rolls_back(db):
    ran: list[str] = []
    with pytest.raises(Boom), transaction(db):
        after_commit(db, lambda: ran.append("outer"))
        with transaction(db):
            after_commit(db, lambda: ran.append("inner"))
        raise Boom
    with transaction(db):
        add_user(db, "next")
    assert ran == []


def test_after_commit_work_of_a_failed_nested_block_is_dropped_with_it(db):
    ran: list[str] = []
    with transaction(db):
        after_commit(db, lambda: ran.append("kept"))
        with pytest.raises(Boom), transaction(db):
            after_commit(db, lambda: ran.append("dropped"))
            raise Boom
    assert ran == ["kept"]


def test_a_failing_callback_does_not_undo_the_commit_or_stop_the_others(db, reader, caplog):
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("the queue is down")

    with transaction(db):
        add_user(db, "kept")
        after_commit(db, broken)
        after_commit(db, lambda: ran.append("second"))
    assert committed_names(reader) == ["kept"]
    assert ran == ["second"]
    assert "the queue is down" in caplog.text


def test_changing_a_password_is_one_transaction(db, reader, commits):
    user = make_user(db)
    old_token = start_session(db, user, days=1)
    commits.clear()
    new_token = change_password(db, user, current=PASSWORD, new="a brand new passphrase",
                                days=1)
    # The new password, the old sign-ins ended and the new one started: one commit.
    assert len(commits) == 1
    reader.rollback()
    live = reader.scalars(select(UserSession.token_hash)
                          .where(UserSession.ended_at.is_(None))).all()
    assert len(live) == 1 and new_token != old_token
