"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from contextlib import contextmanager

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, column, func, inspect, select, table

from app.attempts import lifecycle
from app.content.render import render_markdown
from app.db import Base, UTCDateTime, get_database
from app.interviews import feedback
from app.migrations_cli import alembic_config
from app.models import AnswerRevision, Attempt, FeedbackItem, Interview, Scorecard, answer_store
from app.models.attempts import answer_digest, stored_text
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


def test_the_migrated_schema_matches_the_models(app, db):
    engine = get_database(app).engine
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


@contextmanager
def fresh_database(database_url, tmp_path, db_backend):
    """An app on an empty database of its own, dropped afterwards."""
    if db_backend == "sqlite":
        database_url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    else:
        # PostgreSQL: a separate schema keeps the shared test database intact.
        database_url += "?options=-csearch_path%3Dmigration_check"
    app = make_test_app(database_url)
    engine = get_database(app).engine
    if db_backend == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS migration_check CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA migration_check")
    try:
        yield app
    finally:
        if db_backend == "postgresql":
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA migration_check CASCADE")
        engine.dispose()


def test_downgrade_to_nothing_and_upgrade_again(database_url, tmp_path, db_backend):
    with fresh_database(database_url, tmp_path, db_backend) as app:
        engine = get_database(app).engine
        config = alembic_config(app)
        command.upgrade(config, "head")
        assert {"users", "user_roles", "user_sessions"} <= set(inspect(engine).get_table_names())
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert "users" in inspect(engine).get_table_names()


# answer_revisions as it was up to 0010: each revision's whole text and HTML.
OLD_REVISIONS = table("answer_revisions", column("attempt_id"), column("number"),
                      column("body"), column("html"), column("body_digest"))
ANSWERS = ["## Storage\n\nA **key-value** store.", "[ref][1] and `code`\n\n[1]: https://e.com",
           "## Storage\n\nA **key-value** store."]


def save_answers(app, tmp_path, bodies: list[str]) -> int:
    """One practice attempt whose revisions are ``bodies``, saved by the current code; its id."""
    with get_database(app).sessionmaker() as db:
        load_library(db, tmp_path / "content")
        attempt = make_attempt(db, make_user(db), body=bodies[0])
        for number, body in enumerate(bodies[1:], start=1):
            lifecycle.save_draft(db, attempt, body=body, based_on=number)
        return attempt.id


def test_the_upgrade_to_stored_html_renders_the_answers_saved_before_it(
        database_url, tmp_path, db_backend):
    with fresh_database(database_url, tmp_path, db_backend) as app:
        engine = get_database(app).engine
        config = alembic_config(app)
        command.upgrade(config, "head")
        save_answers(app, tmp_path, ANSWERS)
        before = ScriptDirectory.from_config(config).get_revision("0007").down_revision
        command.downgrade(config, before)
        columns = {c["name"] for c in inspect(engine).get_columns("answer_revisions")}
        assert "html" not in columns and "body" in columns
        # Up to the last schema with a body and HTML on every revision (0013 compacts them).
        command.upgrade(config, "0010")
        with engine.connect() as conn:
            stored = conn.execute(select(OLD_REVISIONS.c.body, OLD_REVISIONS.c.html)
                                  .order_by(OLD_REVISIONS.c.number)).all()
        assert [body for body, _ in stored] == ANSWERS
        assert [html for _, html in stored] == [str(render_markdown(b)) for b in ANSWERS]


def test_the_upgrade_to_answer_digests_fills_them_for_the_answers_saved_before_it(
        database_url, tmp_path, db_backend):
    with fresh_database(database_url, tmp_path, db_backend) as app:
        engine = get_database(app).engine
        config = alembic_config(app)
        command.upgrade(config, "head")
        attempt_id = save_answers(app, tmp_path, [*ANSWERS, "ünïcode ✓"])
        command.downgrade(config, "0009")
        assert "body_digest" not in {c["name"] for c in inspect(engine).get_columns(
            "answer_revisions")}
        command.upgrade(config, "0010")
        with engine.connect() as conn:
            stored = conn.execute(select(OLD_REVISIONS.c.body, OLD_REVISIONS.c.body_digest)
                                  .order_by(OLD_REVISIONS.c.number)).all()
        assert [body for body, _ in stored] == [*ANSWERS, "ünïcode ✓"]
        assert [digest for _, digest in stored] == [answer_digest(b) for b, _ in stored]
        command.upgrade(config, "head")
        with get_database(app).sessionmaker() as db:
            # A save of the text the newest revision holds is still recognised as unchanged.
            attempt = db.get(Attempt, attempt_id)
            again = lifecycle.save_draft(db, attempt, body="ünïcode ✓", based_on=4)
            assert again.number == 4


def test_0013_compacts_every_answer_and_its_downgrade_writes_each_text_and_html_back(
        database_url, tmp_path, db_backend):
    # Long enough for several snapshots and deltas, with a restore and non-ASCII text.
    bodies = [f"## Design ✓\n\n{'A cache in front. ' * n}\n\nLast {n}." for n in range(45)]
    with fresh_database(database_url, tmp_path, db_backend) as app:
        engine = get_database(app).engine
        config = alembic_config(app)
        command.upgrade(config, "head")
        attempt_id = save_answers(app, tmp_path, bodies)
        with get_database(app).sessionmaker() as db:
            attempt = db.get(Attempt, attempt_id)
            lifecycle.restore_revision(db, attempt, 3)
            texts = [lifecycle.get_revision(db, attempt, n).body for n in range(1, 47)]
            newest_html = lifecycle.latest_revision(db, attempt, html=True).html
        assert texts == [*bodies, bodies[2]]

        command.downgrade(config, "0012")
        with engine.connect() as conn:
            old = conn.execute(select(OLD_REVISIONS).order_by(OLD_REVISIONS.c.number)).all()
        assert [row.body for row in old] == texts
        assert [row.body_digest for row in old] == [answer_digest(t) for t in texts]
        assert [row.html for row in old] == [*(str(render_markdown(t)) for t in texts[:-1]),
                                             newest_html]

        command.upgrade(config, "head")
        with get_database(app).sessionmaker() as db:
            stored = db.execute(select(AnswerRevision.number, AnswerRevision.chain)
                                .order_by(AnswerRevision.number)).all()
            assert 0 < max(chain for _, chain in stored) < answer_store.SNAPSHOT_EVERY
            assert [stored_text(db, attempt_id, n) for n, _ in stored] == texts
            attempt = db.get(Attempt, attempt_id)
            assert lifecycle.latest_revision(db, attempt, html=True).html == newest_html
            # Saves go on from the converted rows: unchanged text writes nothing, new text is kept.
            assert lifecycle.save_draft(db, attempt, body=texts[-1], based_on=46).number == 46
            lifecycle.save_draft(db, attempt, body=texts[-1] + " More.", based_on=46)
            assert stored_text(db, attempt_id, 47) == texts[-1] + " More."


DROPPED = {"attempts": {"mode", "self_assessed_at"}, "hint_reveals": {"revealed_at"},
           "scorecards": {"added_at"}, "regrade_requests": {"answered_by_id", "answered_at"},
           "test_runs": {"finished_at"}, "competencies": {"keywords", "description_html"}}
# Put back, nullable, by a later migration that reads it (0017: playback places reveals).
BACK_AT_HEAD = {"hint_reveals": {"revealed_at"}}


CHILDREN = ("answer_revisions", "hint_reveals", "criterion_scores", "interview_items",
            "prompt_revision_competencies", "scorecards")


def count_rows(conn, name: str) -> int:
    return conn.execute(select(func.count()).select_from(table(name))).scalar_one()


def test_0008_drops_unread_columns_and_its_downgrade_puts_them_back(
        database_url, tmp_path, db_backend):
    with fresh_database(database_url, tmp_path, db_backend) as app:
        engine = get_database(app).engine
        config = alembic_config(app)

        def kept(table: str) -> set[str]:
            return {c["name"] for c in inspect(engine).get_columns(table)}

        command.upgrade(config, "head")
        assert {table: kept(table) & names for table, names in DROPPED.items()} == {
            table: BACK_AT_HEAD.get(table, set()) for table in DROPPED}
        with get_database(app).sessionmaker() as db:
            load_library(db, tmp_path / "content")
            practice = make_attempt(db, make_user(db), body="An answer.")
            lifecycle.reveal_hint(db, practice)
            owner, reviewers = make_panel(db, reviewers=1)
            interview, _ = make_interview(db, owner, reviewers)
            join_and_start(db, interview)
            answer_and_submit(db, interview, "Shard by key.")
            score_all(db, interview, owner, 3, submit=False)
            ids = {"practice": practice.id, "interview": interview.items[0].attempt_id}
            created = interview.created_at
        with engine.connect() as conn:
            children = {name: count_rows(conn, name) for name in CHILDREN}
        assert all(children.values()), children

        command.downgrade(config, "0007")
        assert all(names <= kept(table) for table, names in DROPPED.items())
        when = UTCDateTime(timezone=True)
        attempts = table("attempts", column("id"), column("mode"))
        reveals = table("hint_reveals", column("revealed_at", when))
        cards = table("scorecards", column("added_at", when))
        competencies = table("competencies", column("keywords", JSON),
                             column("description_html"))
        with engine.connect() as conn:
            assert dict(conn.execute(select(attempts.c.mode, attempts.c.id)).all()) == ids
            assert conn.execute(select(reveals.c.revealed_at)).scalars().all() != [None]
            assert set(conn.execute(select(cards.c.added_at)).scalars()) == {created}
            assert {(tuple(k), d) for k, d in conn.execute(select(competencies))} == {((), "")}

        command.upgrade(config, "head")
        assert {table: kept(table) & names for table, names in DROPPED.items()} == {
            table: BACK_AT_HEAD.get(table, set()) for table in DROPPED}
        # No row that hangs off a changed table was lost on the way down and up again.
        with engine.connect() as conn:
            assert set(conn.execute(select(attempts.c.id)).scalars()) == set(ids.values())
            assert {name: count_rows(conn, name) for name in CHILDREN} == children


DESIGN_ANSWER = "## Storage\n\nA **key-value** store, sharded by code, a cache in front.\n"


def stored_texts(db) -> dict[str, list]:
    """What 0011 stores, for every row that has it, in a fixed order."""
    return {
        "attempts": db.execute(select(Attempt.id, Attempt.result_html, Attempt.result_signals)
                               .order_by(Attempt.id)).all(),
        "interviews": db.execute(select(Interview.id, Interview.release_message_html)
                                 .order_by(Interview.id)).all(),
        "scorecards": db.execute(select(Scorecard.id, Scorecard.summary_html)
                                 .order_by(Scorecard.id)).all(),
        "feedback_items": db.execute(select(FeedbackItem.id, FeedbackItem.comment_html)
                                     .order_by(FeedbackItem.id)).all(),
    }


def test_0011_stores_results_and_rendered_texts_for_the_rows_written_before_it(
        database_url, tmp_path, db_backend):
    with fresh_database(database_url, tmp_path, db_backend) as app:
        engine = get_database(app).engine
        config = alembic_config(app)
        command.upgrade(config, "head")
        with get_database(app).sessionmaker() as db:
            load_library(db, tmp_path / "content", extra_design_prompts=1, own_rubric=True)
            candidate = make_user(db)
            make_attempt(db, candidate, body=DESIGN_ANSWER, submitted=True)
            make_attempt(db, candidate, "service-00", body="Still writing.")  # open: no result
            owner, reviewers = make_panel(db, reviewers=1)
            interview, _ = make_interview(db, owner, reviewers)
            join_and_start(db, interview, candidate)
            answer_and_submit(db, interview, DESIGN_ANSWER)
            score_all(db, interview, owner, 3)
            score_all(db, interview, reviewers[0], 2)
            feedback.decide(db, interview, owner, "advance", "")
            item = interview.items[0]
            shown = feedback.FeedbackChoice(level=3, show_level=True, comment="A **good** cache.",
                                            show_comment=True)
            choices = {(item.attempt_id, c.id): shown for c in item.rubric_revision.criteria}
            feedback.release(db, interview, owner, choices, message="Thank you, *Casey*.")
            written = stored_texts(db)  # as the services store them

        before = ScriptDirectory.from_config(config).get_revision("0011").down_revision
        command.downgrade(config, before)
        assert not {"result_html", "result_signals"} & {
            c["name"] for c in inspect(engine).get_columns("attempts")}
        assert "summary_html" not in {c["name"] for c in inspect(engine).get_columns("scorecards")}
        command.upgrade(config, "head")
        with get_database(app).sessionmaker() as db:
            filled = stored_texts(db)
        assert filled == written
        # The two submitted attempts are marked, the open one has nothing yet.
        marked = [html for _, html, _ in filled["attempts"] if html is not None]
        assert len(marked) == 2 and len(filled["attempts"]) == 3
        assert all('<mark class="signal" data-signal="key-value">key-value</mark>' in html
                   for html in marked)
        assert all(found for _, _, found in filled["attempts"] if found is not None)
        assert [html for _, html in filled["interviews"]] == ["<p>Thank you, <em>Casey</em>.</p>"]
        assert {html for _, html in filled["scorecards"]} == {"<p>Solid.</p>"}
        assert {html for _, html in filled["feedback_items"]} == {
            "<p>A <strong>good</strong> cache.</p>"}
