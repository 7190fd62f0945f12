"""``flask backup`` and ``flask restore``: a whole site comes back in a fresh empty database."""

from __future__ import annotations

import gzip
import json
import tarfile
import uuid
from pathlib import Path

import psycopg
import pytest
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select, update
from sqlalchemy.engine import make_url

from app.attempts import lifecycle
from app.db import get_database
from app.migrations_cli import upgrade
from app.models import AnswerRevision, AnswerScene, CriterionScore, Scorecard, User
from app.models.attempts import stored_text
from tests.conftest import make_test_app
from tests.factories.interviews import (
    answer_and_submit,
    join_and_start,
    make_interview,
    make_panel,
    score_all,
)
from tests.factories.practice import load_library, make_attempt
from tests.factories.users import make_user
from tests.integration.practice.test_whiteboard import scene


def snapshot(session) -> dict:
    """Every answer text, drawing and score in a database, keyed so two can be compared."""
    revisions = session.execute(select(AnswerRevision.attempt_id, AnswerRevision.number)).all()
    return {
        "texts": {(a, n): stored_text(session, a, n) for a, n in revisions},
        "scenes": {row.id: (row.digest, AnswerScene.decode(row.data))
                   for row in session.execute(select(AnswerScene.id, AnswerScene.digest,
                                                     AnswerScene.data))},
        "scores": set(session.execute(select(
            CriterionScore.scorecard_id, CriterionScore.attempt_id, CriterionScore.criterion_id,
            CriterionScore.level, CriterionScore.comment)).all()),
        "scorecards": set(session.execute(select(
            Scorecard.id, Scorecard.recommendation, Scorecard.summary)).all()),
    }


@pytest.fixture
def site(app, db, tmp_path, monkeypatch):
    """A practice attempt with two revisions and a drawing, and a submitted, scored interview."""
    root = load_library(db, tmp_path / "library")
    monkeypatch.setitem(app.config, "CONTENT_DIR", str(root))
    learner = make_user(db, name="Lee Learner")
    attempt = make_attempt(db, learner, body="First idea: one table.")
    lifecycle.save_draft(db, attempt, body="Second idea: shard by key.", based_on=1,
                         client_id="factory", scene=scene("API", "Shards"))
    owner, reviewers = make_panel(db, reviewers=1)
    interview, _ = make_interview(db, owner, reviewers)
    join_and_start(db, interview)
    answer_and_submit(db, interview, "Cache in front of the store.")
    score_all(db, interview, reviewers[0], 3)
    db.expire_all()
    return root


@pytest.fixture
def fresh_app(database_url, tmp_path):
    """An app on a new, empty database of the same engine as the suite's."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        target = make_test_app(f"sqlite:///{tmp_path / 'restored.sqlite'}")
        yield target
        get_database(target).engine.dispose()
        return
    name = f"restore_{uuid.uuid4().hex[:12]}"
    server = dict(host=url.host, port=url.port, user=url.username, dbname="postgres",
                  autocommit=True)
    with psycopg.connect(**server) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    target = make_test_app(url.set(database=name).render_as_string(hide_password=False))
    yield target
    get_database(target).engine.dispose()
    with psycopg.connect(**server) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def backup(app, dest: Path):
    return app.test_cli_runner().invoke(args=["backup", str(dest)])


def restore(app, src: Path, *extra: str):
    return app.test_cli_runner().invoke(args=["restore", str(src), *extra])


def test_a_backup_restores_every_answer_drawing_and_score_into_an_empty_database(
        app, db, site, fresh_app, tmp_path):
    before = snapshot(db)
    assert "Second idea: shard by key." in before["texts"].values()
    assert before["scenes"] and before["scores"]
    archive = tmp_path / "site.tar.gz"
    made = backup(app, archive)
    assert made.exit_code == 0, made.output
    assert archive.is_file()

    content = tmp_path / "restored-content"
    result = restore(fresh_app, archive, "--content-dir", str(content))
    assert result.exit_code == 0, result.output

    restored = get_database(fresh_app).sessionmaker()
    try:
        assert snapshot(restored) == before
        assert restored.scalar(select(func.count()).select_from(User)) == \
            db.scalar(select(func.count()).select_from(User))
    finally:
        restored.close()
    for folder in ("prompts", "rubrics"):
        assert sorted(p.name for p in (content / folder).iterdir()) == \
            sorted(p.name for p in (site / folder).iterdir())


def test_backup_never_overwrites_a_file(app, db, site, tmp_path):
    archive = tmp_path / "site.tar.gz"
    archive.write_bytes(b"keep me")
    result = backup(app, archive)
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert archive.read_bytes() == b"keep me"


def test_a_restore_into_a_database_with_data_is_refused_and_changes_nothing(
        app, db, site, tmp_path):
    archive = tmp_path / "site.tar.gz"
    assert backup(app, archive).exit_code == 0
    user = make_user(db, name="Added After")
    before = snapshot(db)
    content = tmp_path / "elsewhere"
    result = restore(app, archive, "--content-dir", str(content))
    assert result.exit_code == 1
    assert "already has rows in users, prompts" in result.output
    db.expire_all()
    assert snapshot(db) == before
    assert db.get(User, user.id) is not None
    assert not content.exists()


def test_a_restore_refuses_a_content_folder_that_has_content(app, site, fresh_app, tmp_path):
    archive = tmp_path / "site.tar.gz"
    assert backup(app, archive).exit_code == 0
    result = restore(fresh_app, archive, "--content-dir", str(site))
    assert result.exit_code == 1
    assert "already holds prompts or rubrics" in result.output
    # Without --content-dir the configured folder (here the project's own library) is kept.
    default = restore(fresh_app, archive)
    assert default.exit_code == 1
    assert "name another folder with --content-dir" in default.output
    assert inspect(get_database(fresh_app).engine).get_table_names() == []


@pytest.mark.parametrize("damage", ["truncated", "garbage", "tampered"])
def test_a_corrupt_or_truncated_archive_is_refused(app, site, fresh_app, tmp_path, damage):
    archive = tmp_path / "site.tar.gz"
    assert backup(app, archive).exit_code == 0
    data = archive.read_bytes()
    if damage == "truncated":
        archive.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        archive.write_bytes(b"not an archive at all" * 10)
    else:
        # A valid gzip whose tar body was altered: the database checksum no longer matches.
        with tarfile.open(archive) as tar:
            start = next(m for m in tar.getmembers() if m.name.startswith("database.")).offset_data
        raw = bytearray(gzip.decompress(data))
        raw[start + 100] ^= 0xFF
        archive.write_bytes(gzip.compress(bytes(raw)))
    result = restore(fresh_app, archive, "--content-dir", str(tmp_path / "content"))
    assert result.exit_code == 1
    expected = "is damaged" if damage == "tampered" else "not a readable backup archive"
    assert expected in result.output
    # Nothing was written: the fresh database still has no table at all.
    assert inspect(get_database(fresh_app).engine).get_table_names() == []


def test_a_restore_into_a_migrated_but_empty_database_works(app, db, site, fresh_app, tmp_path):
    # The usual order on a new server: `flask db upgrade`, then restore.
    upgrade(fresh_app)
    before = snapshot(db)
    archive = tmp_path / "site.tar.gz"
    assert backup(app, archive).exit_code == 0
    result = restore(fresh_app, archive, "--content-dir", str(tmp_path / "content"))
    assert result.exit_code == 0, result.output
    restored = get_database(fresh_app).sessionmaker()
    try:
        assert snapshot(restored) == before
    finally:
        restored.close()


def test_a_restore_refuses_an_archive_from_another_schema_revision(
        app, site, fresh_app, tmp_path):
    archive = tmp_path / "site.tar.gz"
    assert backup(app, archive).exit_code == 0
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    manifest = json.loads((unpacked / "manifest.json").read_text())
    manifest["alembic_revision"] = "0001"
    (unpacked / "manifest.json").write_text(json.dumps(manifest))
    older = tmp_path / "older.tar.gz"
    with tarfile.open(older, "w:gz") as tar:
        for member in sorted(unpacked.iterdir()):
            tar.add(member, arcname=member.name)
    result = restore(fresh_app, older, "--content-dir", str(tmp_path / "content"))
    assert result.exit_code == 1
    assert "revision 0001" in result.output and "flask db upgrade" in result.output
    assert inspect(get_database(fresh_app).engine).get_table_names() == []
    assert not (tmp_path / "content").exists()


def test_backup_of_a_database_without_schema_fails_and_writes_nothing(fresh_app, tmp_path):
    with get_database(fresh_app).engine.connect():
        pass  # the database exists (a SQLite file is made), without tables
    archive = tmp_path / "empty.tar.gz"
    result = backup(fresh_app, archive)
    assert result.exit_code == 1
    assert "no schema yet" in result.output
    assert list(tmp_path.glob("*.tar.gz")) == []
    assert list(tmp_path.glob(".empty.tar.gz.*")) == []


def test_backup_of_an_unreachable_database_fails_with_a_message(database_url, tmp_path):
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        broken = make_test_app(f"sqlite:///{tmp_path / 'missing.sqlite'}")
        expected = "does not exist"
    else:
        broken = make_test_app(url.set(database="no_such_database")
                               .render_as_string(hide_password=False))
        expected = "cannot read the database"
    try:
        result = backup(broken, tmp_path / "site.tar.gz")
    finally:
        get_database(broken).engine.dispose()
    assert result.exit_code == 1
    assert expected in result.output
    assert not (tmp_path / "site.tar.gz").exists()


def test_a_backup_taken_during_a_write_holds_only_what_was_committed(
        app, db, site, fresh_app, tmp_path):
    archive = tmp_path / "site.tar.gz"
    names = sorted(db.scalars(select(User.display_name)))
    # The app keeps running: another connection is midway through a write.
    with get_database(app).engine.connect() as busy:
        busy.begin()
        busy.execute(update(User).values(display_name="Not yet committed"))
        made = backup(app, archive)
        busy.rollback()
    assert made.exit_code == 0, made.output
    assert restore(fresh_app, archive, "--content-dir", str(tmp_path / "c")).exit_code == 0
    restored = get_database(fresh_app).sessionmaker()
    try:
        assert sorted(restored.scalars(select(User.display_name))) == names
    finally:
        restored.close()


def test_the_archive_is_readable_by_its_owner_only_and_names_its_revision(
        app, db, site, tmp_path):
    archive = tmp_path / "site.tar.gz"
    assert backup(app, archive).exit_code == 0
    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = tar.getnames()
    with get_database(app).engine.connect() as conn:
        assert manifest["alembic_revision"] == MigrationContext.configure(conn) \
            .get_current_revision()
    assert manifest["engine"] == make_url(app.config["DATABASE_URL"]).get_backend_name()
    assert manifest["version"] == app.config["VERSION"]
    assert {"content/prompts/url-shortener.md", "content/rubrics/url-shortener.md"} <= set(names)
