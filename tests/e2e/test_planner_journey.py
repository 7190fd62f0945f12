"""The planner in Chromium: each job description pasted gives its competencies, a loop within
the time set and the gaps; one plan becomes an interview in one step, with its invite link."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.models import Role
from tests.e2e.pages import sign_in
from tests.e2e.test_accessibility import serious_violations
from tests.factories.users import PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[2]
POSTINGS = ROOT / "tests" / "fixtures" / "job_descriptions"


def plan(page: Page, server_url: str, posting: str, minutes: int) -> None:
    page.goto(f"{server_url}/planner")
    page.get_by_label("Job description").fill((POSTINGS / f"{posting}.txt").read_text())
    page.get_by_label("Total interview time, in minutes").fill(str(minutes))
    page.get_by_role("button", name="Plan the loop").click()
    expect(page.get_by_role("heading", name="The plan")).to_be_visible()


def ranked(page: Page) -> list[str]:
    table = page.get_by_role("table", name=re.compile("Competencies by weight"))
    return [title.strip() for title in table.locator("tbody th[scope=row]").all_inner_texts()]


@pytest.mark.parametrize(("posting", "top", "absent", "count"), [
    ("senior-backend-engineer",
     ["Technical leadership and trade-offs", "Distributed systems and consistency",
      "Code quality and maintainability", "Reliability and fault tolerance"], [], 16),
    ("senior-software-engineer-i-backend",
     ["Performance optimisation", "Technical leadership and trade-offs",
      "Code quality and maintainability"],
     ["Messaging and event-driven systems", "Incident response and operations"], 14),
])
def test_each_posting_gives_its_competencies_a_loop_within_the_time_and_gaps(
        page: Page, server_url: str, db, project_content, posting, top, absent, count):
    user = make_user(db, Role.INTERVIEWER)
    sign_in(page, server_url, user.email, PASSWORD)
    plan(page, server_url, posting, 90)

    found = ranked(page)
    assert found[:len(top)] == top and len(found) == count
    assert not set(absent) & set(found)
    total = page.locator("#loop-total").inner_text()
    used, budget = (int(n) for n in re.fullmatch(r"(\d+) of (\d+)", total).groups())
    assert budget == 90 and 0 < used <= 90
    rows = page.locator("table.planner-loop tbody tr")
    expect(rows.first).to_be_visible()
    # Every competency found is either first covered by a prompt of the loop or a gap.
    covered = rows.locator("td:nth-child(6) li").count()
    gaps = page.locator(".planner-gap")
    expect(gaps.first).to_be_visible()
    assert covered + gaps.count() == count
    expect(page.get_by_role("button", name=re.compile("^Download draft")).first).to_be_visible()
    # The posting stays in the form, to change and plan again.
    assert page.get_by_label("Job description").input_value().strip() == \
        (POSTINGS / f"{posting}.txt").read_text().strip()


def test_a_plan_becomes_an_interview_in_one_step(page: Page, server_url: str, db, project_content):
    user = make_user(db, Role.INTERVIEWER)
    sign_in(page, server_url, user.email, PASSWORD)
    plan(page, server_url, "senior-backend-engineer", 120)
    prompts = page.locator("table.planner-loop tbody th[scope=row]").all_inner_texts()
    assert prompts

    # A gap's drafted prompt downloads as a markdown file.
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("^Download draft")).first.click()
    assert download.value.suggested_filename.endswith(".md")

    form = page.locator("[data-plan-interview-form]")
    form.get_by_label("Candidate's email").fill("not an email")
    form.get_by_label("Candidate's name").fill("Dana Doe")
    page.get_by_role("button", name="Create the interview").click()
    expect(page.get_by_text("Enter an email address like name@example.com.").first).to_be_visible()
    assert ranked(page)  # the plan stays

    form = page.locator("[data-plan-interview-form]")
    form.get_by_label("Candidate's email").fill("dana@example.com")
    page.get_by_role("button", name="Create the interview").click()
    expect(page.get_by_text("Interview created from the plan.")).to_be_visible()
    link = page.get_by_role("textbox", name="Invite link").input_value()
    assert re.search(r"/join/[\w-]+$", link)
    for title in prompts:
        expect(page.get_by_text(title.strip(), exact=True).first).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_planner_with_a_result_has_no_serious_accessibility_violations(
        page: Page, server_url: str, db, project_content, axe_source, scheme):
    page.emulate_media(color_scheme=scheme)
    user = make_user(db, Role.INTERVIEWER)
    sign_in(page, server_url, user.email, PASSWORD)
    plan(page, server_url, "senior-software-engineer-i-backend", 90)
    page.locator("details").first.evaluate("node => node.open = true")
    assert serious_violations(page, axe_source) == []
