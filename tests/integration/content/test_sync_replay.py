"""Test data built once per database and replayed after: the replay must equal the build.

``tests/support/library.py`` records the rows the first sync of a tree writes
and inserts them again for later tests. These tests hold it to what a real
sync of the same files writes.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import delete, func, select, text

from app.content.sync import sync_content
from app.models import Prompt, PromptRevision, User
from tests.conftest import _empty_all_tables
from tests.factories.content import replace_in, write_content
from tests.factories.users import make_user
from tests.support.library import build_once, content_tables, sync_once


def content_rows(db) -> dict[str, list[tuple] | int]:
    """Every content row by table, without ids, links to ids and timestamps (which differ)."""
    rows = {}
    for table in content_tables():
        columns = [c for c in table.columns if not c.primary_key and not c.foreign_keys]
        if not columns:  # a link table: ids only
            rows[table.name] = db.scalar(select(func.count()).select_from(table))
            continue
        rows[table.name] = sorted((tuple("a time" if isinstance(v, datetime) else repr(v)
                                         for v in row) for row in db.execute(select(*columns))),
                                  key=repr)
    return rows


def links(db) -> list[tuple]:
    """Each prompt's slug, its current revision's title, and whether that revision is its own."""
    return sorted(db.execute(
        select(Prompt.slug, PromptRevision.title, PromptRevision.prompt_id == Prompt.id)
        .join(PromptRevision, Prompt.current_revision_id == PromptRevision.id)).all())


def empty_content(db) -> None:
    for table in reversed(content_tables()):
        db.execute(delete(table))
    db.commit()
    db.expunge_all()  # SQLite reuses the ids


def replayed_library(db, root) -> None:
    """The small library under ``root``, loaded by a replay (recorded first if need be)."""
    write_content(root)
    if not sync_once(db, root):
        empty_content(db)
        assert sync_once(db, root), "the second load of the same files is a replay"


def test_a_replayed_library_holds_what_a_real_sync_writes(db, tmp_path):
    replayed_library(db, tmp_path / "replayed")
    replayed, replayed_links = content_rows(db), links(db)
    empty_content(db)
    sync_content(db, write_content(tmp_path / "synced"))
    assert content_rows(db) == replayed
    assert links(db) == replayed_links
    assert [(slug, own) for slug, _, own in replayed_links] == [("sum-two", True),
                                                                ("url-shortener", True)]


def test_content_already_there_or_other_files_get_a_real_sync(db, tmp_path):
    replayed_library(db, tmp_path / "one")
    assert not sync_once(db, write_content(tmp_path / "two"))  # content is there
    empty_content(db)
    other = write_content(tmp_path / "three")
    replace_in(other / "prompts" / "url-shortener.md", "minutes: 45", "minutes: 50")
    assert not sync_once(db, other)  # files never recorded
    assert db.scalar(select(PromptRevision.minutes).where(
        PromptRevision.title == "Design a URL shortener")) == 50


def test_after_a_replay_syncs_see_the_library_as_loaded_and_add_revisions(db, tmp_path):
    root = tmp_path / "replayed"
    replayed_library(db, root)
    report = sync_content(db, root)
    assert sorted(report.unchanged["prompt"]) == ["sum-two", "url-shortener"]
    assert sorted(report.unchanged["rubric"]) == ["sum-two", "url-shortener"]
    assert report.created == report.revised == {"prompt": [], "rubric": []}
    replace_in(root / "prompts" / "url-shortener.md", "minutes: 45", "minutes: 50")
    assert sync_content(db, root).revised["prompt"] == ["url-shortener"]
    numbers = db.scalars(select(PromptRevision.number).join(
        Prompt, PromptRevision.prompt_id == Prompt.id).where(Prompt.slug == "url-shortener")
        .order_by(PromptRevision.number)).all()
    assert numbers == [1, 2]


def restart_ids(db) -> None:
    """Number content rows from 1 again, as a newly created schema does (PostgreSQL)."""
    if db.get_bind().dialect.name != "postgresql":
        return  # SQLite numbers a row after the highest id in its table
    for table in content_tables():
        for column in table.primary_key:
            sequence = db.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                 {"t": table.name, "c": column.name})
            if sequence:
                db.execute(text(f"ALTER SEQUENCE {sequence} RESTART WITH 1"))
    db.commit()


def test_a_replay_into_a_schema_numbering_from_1_leaves_room_for_new_rows(db, tmp_path):
    root = write_content(tmp_path / "own")
    replace_in(root / "prompts" / "url-shortener.md", "minutes: 45", "minutes: 47")
    restart_ids(db)
    assert not sync_once(db, root)  # files of this test only: recorded here, from id 1
    empty_content(db)
    restart_ids(db)
    assert sync_once(db, root)
    replace_in(root / "prompts" / "url-shortener.md", "minutes: 47", "minutes: 48")
    assert sync_content(db, root).revised["prompt"] == ["url-shortener"]
    assert db.scalars(select(PromptRevision.minutes).join(
        Prompt, PromptRevision.prompt_id == Prompt.id).where(Prompt.slug == "url-shortener")
        .order_by(PromptRevision.number)).all() == [47, 48]


def test_a_built_arrangement_is_replayed_with_its_ids_and_times_moved_on(app, db):
    def build() -> int:
        return make_user(db, email="replayed@example.com").id

    build_once(db, "a test's one account", build)
    recorded = db.scalar(select(User).where(User.email == "replayed@example.com"))
    recorded_id, recorded_at = recorded.id, recorded.created_at
    db.expunge_all()
    _empty_all_tables(app)
    assert build_once(db, "a test's one account", lambda: pytest.fail("built again")) \
        == recorded_id
    replayed = db.get(User, recorded_id)
    assert replayed.email == "replayed@example.com"
    assert replayed.created_at > recorded_at  # the recording's age is added to its times
    assert make_user(db).id > recorded_id  # and new rows do not collide with its ids
