"""Loading content into the database: revisions, no-op syncs, all-or-nothing, retirement."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from app.content.sync import ContentInvalid, sync_content
from app.models import Competency, Prompt, PromptRevision, Rubric, RubricRevision
from tests.factories.content import replace_in, write_content


@pytest.fixture
def tree(tmp_path):
    return write_content(tmp_path / "content")


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_first_sync_creates_everything_with_rendered_html(db, tree):
    report = sync_content(db, tree)
    assert sorted(report.created["prompt"]) == ["sum-two", "url-shortener"]
    assert sorted(report.created["rubric"]) == ["sum-two", "url-shortener"]
    prompt = db.scalar(select(Prompt).where(Prompt.slug == "url-shortener"))
    revision = prompt.current_revision
    assert revision.number == 1
    assert revision.statement_html == (
        "<p>Design a service that turns long URLs into short ones.</p>")
    assert [h["md"] for h in revision.hints][0] == "How long must a code be?"
    assert revision.hints[0]["html"] == "<p>How long must a code be?</p>"
    assert revision.reference_html.startswith("<p>A strong answer")
    assert [c.slug for c in revision.competencies] == ["api-design", "scalability"]
    rubric = db.scalar(select(Rubric).where(Rubric.slug == "url-shortener")).current_revision
    assert rubric.bar == {"mid": 2.5, "senior": 3.0}
    assert rubric.scale == {"1": "Weak", "2": "Mixed", "3": "Solid", "4": "Strong"}
    assert [c.name for c in rubric.criteria] == ["Requirements", "Storage"]
    assert rubric.criteria[0].descriptors["2"]["html"] == "<p>Names requirements vaguely.</p>"
    coding = db.scalar(select(Prompt).where(Prompt.slug == "sum-two")).current_revision
    assert set(coding.files) == {"starter.py", "solution.py", "tests/test_public.py",
                                 "tests/test_hidden.py"}
    assert count(db, Competency) == 2


def test_an_unchanged_sync_writes_nothing(db, tree, query_counter):
    sync_content(db, tree)
    query_counter.clear()
    report = sync_content(db, tree)
    writes = [q for q in query_counter
              if q.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert sorted(report.unchanged["prompt"]) == ["sum-two", "url-shortener"]
    assert report.created["prompt"] == report.revised["prompt"] == []


def test_a_changed_file_makes_a_new_revision_and_keeps_the_old(db, tree):
    sync_content(db, tree)
    first = db.scalar(select(Prompt).where(Prompt.slug == "url-shortener")).current_revision_id
    replace_in(tree / "prompts/url-shortener.md", "minutes: 45", "minutes: 50")
    report = sync_content(db, tree)
    assert report.revised["prompt"] == ["url-shortener"]
    assert report.unchanged["prompt"] == ["sum-two"]
    db.expire_all()
    prompt = db.scalar(select(Prompt).where(Prompt.slug == "url-shortener"))
    assert prompt.current_revision.number == 2
    assert prompt.current_revision.minutes == 50
    old = db.get(PromptRevision, first)
    assert (old.number, old.minutes) == (1, 45)


def test_a_changed_test_file_revises_a_coding_prompt(db, tree):
    sync_content(db, tree)
    replace_in(tree / "prompts/sum-two/tests/test_hidden.py", "-3", "-3  # sum of negatives")
    assert sync_content(db, tree).revised["prompt"] == ["sum-two"]


def test_a_changed_rubric_makes_a_new_rubric_revision(db, tree):
    sync_content(db, tree)
    replace_in(tree / "rubrics/url-shortener.md", "weight: 2", "weight: 3")
    report = sync_content(db, tree)
    assert report.revised["rubric"] == ["url-shortener"]
    db.expire_all()
    revisions = db.scalars(select(RubricRevision).order_by(RubricRevision.number)
                           .join(RubricRevision.rubric).where(Rubric.slug == "url-shortener")).all()
    assert [r.criteria[0].weight for r in revisions] == [2.0, 3.0]


def test_reverting_a_file_returns_to_the_earlier_revision(db, tree):
    sync_content(db, tree)
    path = tree / "prompts/url-shortener.md"
    original = path.read_text()
    replace_in(path, "minutes: 45", "minutes: 50")
    sync_content(db, tree)
    path.write_text(original)
    sync_content(db, tree)
    db.expire_all()
    prompt = db.scalar(select(Prompt).where(Prompt.slug == "url-shortener"))
    assert prompt.current_revision.number == 1
    assert count(db, PromptRevision) == 3  # url-shortener 1 and 2, sum-two 1


def test_a_load_with_errors_changes_nothing(db, tree):
    sync_content(db, tree)
    before = (count(db, PromptRevision), count(db, RubricRevision))
    replace_in(tree / "prompts/url-shortener.md", "minutes: 45", "minutes: 50")  # valid change
    replace_in(tree / "rubrics/sum-two.md", "weight: 3", "weight: 0")  # and an error
    with pytest.raises(ContentInvalid) as raised:
        sync_content(db, tree)
    assert [str(p) for p in raised.value.problems] == [
        "rubrics/sum-two.md:5: weight must be a positive number, got '0'"]
    db.expire_all()
    assert (count(db, PromptRevision), count(db, RubricRevision)) == before
    prompt = db.scalar(select(Prompt).where(Prompt.slug == "url-shortener"))
    assert prompt.current_revision.minutes == 45


def test_a_prompt_removed_from_disk_is_retired_not_deleted_and_can_return(db, tree):
    sync_content(db, tree)
    saved = tree.parent / "saved-sum-two"
    shutil.move(tree / "prompts/sum-two", saved)
    (tree / "rubrics/sum-two.md").unlink()
    report = sync_content(db, tree)
    assert report.retired == {"prompt": ["sum-two"], "rubric": ["sum-two"]}
    db.expire_all()
    prompt = db.scalar(select(Prompt).where(Prompt.slug == "sum-two"))
    assert prompt.retired_at is not None
    assert prompt.current_revision is not None  # old answers can still show it
    shutil.move(saved, tree / "prompts/sum-two")
    write_content(tree)  # restores the rubric
    sync_content(db, tree)
    db.expire_all()
    assert db.scalar(select(Prompt).where(Prompt.slug == "sum-two")).retired_at is None
