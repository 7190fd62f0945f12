"""`flask content check` and `flask content sync` as authors run them."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import Prompt
from tests.factories.content import replace_in, write_content


def test_check_on_valid_content_exits_0_with_a_summary(app, tmp_path):
    tree = write_content(tmp_path / "content")
    result = app.test_cli_runner().invoke(args=["content", "check", str(tree)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == (
        "2 prompts, 2 rubrics, 2 competencies: 0 errors, 0 warnings")


def test_check_prints_every_problem_relative_to_the_folder_and_exits_1(app, tmp_path):
    tree = write_content(tmp_path / "content")
    replace_in(tree / "prompts/url-shortener.md", "[api-design, scalability]",
               "[api-design, scalabilty]")
    replace_in(tree / "rubrics/url-shortener.md", "- 2: Names requirements vaguely.\n", "")
    replace_in(tree / "prompts/url-shortener.md", "minutes: 45", "minutes: 45\ntimebox: 3")
    result = app.test_cli_runner().invoke(args=["content", "check", str(tree)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        'prompts/competencies.md:8: warning: competency "scalability" is not used by any prompt',
        'prompts/url-shortener.md:6: warning: unknown front-matter key "timebox" is ignored',
        'prompts/url-shortener.md:7: competency "scalabilty" is not defined in '
        'prompts/competencies.md (did you mean "scalability"?)',
        'rubrics/url-shortener.md:7: criterion "Requirements" has no descriptor for level 2',
        "2 prompts, 2 rubrics, 2 competencies: 2 errors, 2 warnings",
    ]


def test_check_defaults_to_the_projects_own_content(app):
    result = app.test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert " 0 errors" in result.output


def test_sync_loads_and_reports(app, db, tmp_path):
    tree = write_content(tmp_path / "content")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "sync", str(tree)])
    assert result.exit_code == 0, result.output
    assert "content synced: prompts: 2 new, 0 revised, 0 unchanged, 0 retired" in result.output
    again = runner.invoke(args=["content", "sync", str(tree)])
    assert "prompts: 0 new, 0 revised, 2 unchanged, 0 retired" in again.output
    assert db.scalar(select(func.count()).select_from(Prompt)) == 2


def test_sync_with_errors_exits_1_and_loads_nothing(app, db, tmp_path):
    tree = write_content(tmp_path / "content")
    replace_in(tree / "rubrics/sum-two.md", "weight: 3", "weight: -2")
    result = app.test_cli_runner().invoke(args=["content", "sync", str(tree)])
    assert result.exit_code == 1
    assert "rubrics/sum-two.md:5: weight must be a positive number, got '-2'" in result.output
    assert "nothing was loaded" in result.output
    assert db.scalar(select(func.count()).select_from(Prompt)) == 0
