"""The planner page over the project's own library: who may use it, what it refuses, the plan
it shows for each job description, the drafted prompt file, and the interview it makes."""

from __future__ import annotations

import html
import re
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.content.planner import MAX_CHARS
from app.content.validate import load_content
from app.db import utcnow
from app.models import Interview, InterviewMode, Prompt, Role
from tests.factories.users import PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[3]
POSTINGS = ROOT / "tests" / "fixtures" / "job_descriptions"
SENIOR = "senior-backend-engineer"
SOFTWARE = "senior-software-engineer-i-backend"
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"')


def posting(name: str) -> str:
    return (POSTINGS / f"{name}.txt").read_text()


def sign_in(client, db, *roles: Role, email: str | None = None):
    user = make_user(db, *roles, email=email)
    client.login(user.email, PASSWORD)
    return user


def plan_page(client, text: str, budget: int | str = 90, level: str = ""):
    return client.post("/planner", {"description": text, "budget": str(budget), "level": level})


def text_of(response) -> str:
    return response.get_data(as_text=True)


def competencies(page: str) -> list[str]:
    """The ranked competencies' titles, in the page's order."""
    table = page.split('class="table planner-competencies"', 1)[1].split("</table>", 1)[0]
    return [html.unescape(t) for t in re.findall(r'<th scope="row">([^<]+)</th>', table)]


def loop_slugs(page: str) -> list[str]:
    return re.findall(r'<tr data-prompt="([a-z0-9-]+)">', page)


def interview_fields(page: str) -> dict[str, object]:
    """The hidden fields of the make-an-interview form, as the browser would send them."""
    return hidden_fields(page, "data-plan-interview-form")


def draft_fields(page: str) -> dict[str, object]:
    """The hidden fields of the first gap's download form."""
    return hidden_fields(page, "data-draft-form")


def hidden_fields(page: str, marker: str) -> dict[str, object]:
    form = page.split(marker, 1)[1].split("</form>", 1)[0]
    fields: dict[str, object] = {}
    for name, value in HIDDEN.findall(form):
        value = html.unescape(value)
        if name in ("prompts", "competencies"):
            fields.setdefault(name, []).append(value)  # type: ignore[union-attr]
        else:
            fields[name] = value
    return fields


# Access ------------------------------------------------------------------------------------


@pytest.mark.db_once
@pytest.mark.parametrize("role", [Role.INTERVIEWER, Role.AUTHOR, Role.ADMIN])
def test_interviewers_authors_and_admins_open_the_planner(client, db, role):
    sign_in(client, db, role)
    response = client.get("/planner")
    assert response.status_code == HTTPStatus.OK
    page = text_of(response)
    assert "Plan a loop from a job description" in page
    assert "up to 30,000 characters" in page
    assert 'aria-current="page">Planner</a>' in page


@pytest.mark.db_once
def test_a_candidate_is_refused_and_the_signed_out_are_sent_to_sign_in(client, db):
    assert client.get("/planner").headers["Location"].startswith("/login?next=")
    assert client.post("/planner", {"description": "x", "budget": "90"}).status_code == 401
    sign_in(client, db, Role.CANDIDATE)
    assert client.get("/planner").status_code == HTTPStatus.FORBIDDEN
    assert client.post("/planner", {"description": "x", "budget": "90"}).status_code == 403
    assert client.post("/planner/draft", {}).status_code == HTTPStatus.FORBIDDEN
    assert client.post("/planner/interview", {}).status_code == HTTPStatus.FORBIDDEN
    assert 'href="/planner"' not in text_of(client.get("/"))


def test_an_author_plans_but_only_an_interviewer_makes_the_interview(client, db, project_content):
    sign_in(client, db, Role.AUTHOR)
    page = text_of(plan_page(client, posting(SENIOR)))
    assert "Interviews are created by interviewers." in page
    assert "data-plan-interview-form" not in page
    response = client.post("/planner/interview", {
        "description": posting(SENIOR), "budget": "90", "candidate_name": "Dana Doe",
        "candidate_email": "dana@example.com", "mode": "live", "target_level": "senior",
        "prompts": "payment-retry-review"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert db.scalar(select(Interview.id)) is None


@pytest.mark.db_once
def test_the_form_needs_a_csrf_token(client, db, project_content):
    sign_in(client, db, Role.INTERVIEWER)
    response = client.post("/planner", {"description": posting(SENIOR), "budget": "90"},
                           csrf=False)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "planner-competencies" not in text_of(response)


# Validation --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n\t  "])
def test_an_empty_posting_is_refused_with_a_message(client, db, project_content, text):
    sign_in(client, db, Role.INTERVIEWER)
    response = plan_page(client, text)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Paste a job description." in text_of(response)
    assert 'id="result"' not in text_of(response)


def test_a_posting_over_the_limit_is_refused_and_kept_in_the_form(client, db, project_content):
    sign_in(client, db, Role.INTERVIEWER)
    text = "We run design reviews. " + "x" * MAX_CHARS
    response = plan_page(client, text)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    page = text_of(response)
    assert (f"The job description is {len(text):,} characters long; the planner reads at most "
            f"30,000.") in page
    assert 'aria-invalid="true"' in page and text[:40] in page
    assert 'id="result"' not in page


def test_a_posting_of_exactly_the_limit_with_windows_line_breaks_is_read(client, db,
                                                                         project_content):
    sign_in(client, db, Role.INTERVIEWER)
    # A browser sends each line break as CRLF; the limit counts it once, as the page's counter.
    body = "We run design reviews.\n" * 1000
    text = (body + "y" * (MAX_CHARS - len(body))).replace("\n", "\r\n")
    assert len(text) > MAX_CHARS
    response = plan_page(client, text)
    assert response.status_code == HTTPStatus.OK
    assert 'id="found-design-reviews"' in text_of(response)


@pytest.mark.parametrize("budget", ["9", "481", "0", "-30", "ninety", "", "90.5", "\u00b2"])
def test_a_budget_outside_ten_to_480_minutes_is_refused(client, db, project_content, budget):
    sign_in(client, db, Role.INTERVIEWER)
    response = plan_page(client, posting(SENIOR), budget)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert ("Enter the total interview time as a whole number from 10 to 480 minutes."
            in text_of(response))
    assert 'id="result"' not in text_of(response)


def test_the_budgets_bounds_are_accepted(client, db, project_content):
    sign_in(client, db, Role.INTERVIEWER)
    response = plan_page(client, posting(SENIOR), "10")
    assert response.status_code == HTTPStatus.OK
    # Every published prompt takes longer than ten minutes: no loop, every competency a gap.
    page = text_of(response)
    assert "No published prompt fits in 10 minutes" in page and not loop_slugs(page)
    assert page.count('class="planner-gap"') == len(competencies(page)) == 16
    response = plan_page(client, posting(SENIOR), "480")
    assert response.status_code == HTTPStatus.OK
    assert re.search(r'<td id="loop-total">\d+ of 480</td>', text_of(response))


def test_an_unknown_level_is_refused_and_a_chosen_one_wins(client, db, project_content):
    sign_in(client, db, Role.INTERVIEWER)
    response = plan_page(client, posting(SENIOR), level="principal")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Choose mid, senior or staff, or let the posting say." in text_of(response)
    page = text_of(plan_page(client, posting(SENIOR), level="staff"))
    assert "Target level: <strong>Staff</strong>" in page
    assert interview_fields(page)["target_level"] == "staff"


# The plans ----------------------------------------------------------------------------------


def test_the_senior_backend_posting_is_led_by_leadership_and_calls_on_every_competency(
        client, db, project_content):
    sign_in(client, db, Role.INTERVIEWER)
    response = plan_page(client, posting(SENIOR), 90)
    assert response.status_code == HTTPStatus.OK
    page = text_of(response)
    found = competencies(page)
    assert found[:4] == ["Technical leadership and trade-offs",
                         "Distributed systems and consistency",
                         "Code quality and maintainability", "Reliability and fault tolerance"]
    assert len(found) == 16 and "Messaging and event-driven systems" in found
    assert "Target level: <strong>Senior</strong>" in page
    # The cue is marked inside the sentence that evidences design reviews.
    reviews = page.split('id="found-design-reviews"', 1)[1].split("</li>", 1)[0]
    assert '<mark class="cue">design and code reviews</mark>' in reviews
    assert "matched “design ... review*”" in reviews
    # The loop fits, and what it leaves out is listed as gaps with their drafts.
    minutes = int(re.search(r'<td id="loop-total">(\d+) of 90</td>', page).group(1))
    assert 0 < minutes <= 90 and loop_slugs(page)
    assert page.count('class="planner-gap"') >= 1
    assert "Download draft" in page


def test_the_software_engineer_posting_leaves_out_messaging_and_incidents(client, db,
                                                                          project_content):
    sign_in(client, db, Role.INTERVIEWER)
    page = text_of(plan_page(client, posting(SOFTWARE), 90))
    found = competencies(page)
    assert found[:3] == ["Performance optimisation", "Technical leadership and trade-offs",
                         "Code quality and maintainability"]
    assert len(found) == 14
    assert "Messaging and event-driven systems" not in found
    assert "Incident response and operations" not in found
    assert 0 < int(re.search(r'<td id="loop-total">(\d+) of 90</td>', page).group(1)) <= 90


def test_the_pasted_text_stays_in_the_form_and_each_competency_cites_its_sentences(
        client, db, project_content):
    sign_in(client, db, Role.INTERVIEWER)
    text = posting(SENIOR)
    page = text_of(plan_page(client, text, 120))
    textarea = page.split("</textarea>", 1)[0].rsplit(">", 1)[1]
    assert html.unescape(textarea).strip() == text.strip()
    assert 'value="120"' in page
    row = page.split('<tr data-competency="leadership">', 1)[1].split("</tr>", 1)[0]
    assert "<td>8</td>" in row  # the weight the unit tests work out by hand
    assert "mentoring" in row.lower()  # a sentence of the mentoring duty is cited


def test_a_posting_with_no_recognisable_responsibility_says_so(client, db, project_content):
    sign_in(client, db, Role.INTERVIEWER)
    response = plan_page(client, "We sell bicycles. Our shop opens at nine.")
    assert response.status_code == HTTPStatus.OK
    page = text_of(response)
    assert "No responsibility of the library was recognised in this text." in page
    assert "Nothing to plan." in page
    assert "planner-competencies" not in page and "data-plan-interview-form" not in page


def test_markup_in_the_posting_is_shown_as_text_never_run(client, db, project_content):
    sign_in(client, db, Role.INTERVIEWER)
    hostile = ('<script>alert(1)</script> We run design reviews "><img src=x onerror=alert(1)>.'
               "\n{{ 7 * 7 }} and on-call rotations.")
    page = text_of(plan_page(client, hostile))
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "49" not in re.sub(r"\d{3,}", "", page.split('id="result"', 1)[1])
    assert '<mark class="cue">design reviews</mark>' in page


def test_a_plan_runs_a_bounded_number_of_queries(client, db, project_content, query_counter):
    sign_in(client, db, Role.INTERVIEWER)
    token = client.csrf_token()
    query_counter.clear()
    response = client.post("/planner", {"description": posting(SENIOR), "budget": "180",
                                        "csrf_token": token})
    assert response.status_code == HTTPStatus.OK
    # The signed-in user (session, account, roles), then responsibilities, competencies and
    # the published prompts with theirs: the same however large the library or the posting.
    assert len(query_counter) == 6, query_counter


# The drafted prompt ---------------------------------------------------------------------


def test_a_gap_downloads_its_drafted_prompt_file(client, db, project_content):
    sign_in(client, db, Role.AUTHOR)
    page = text_of(plan_page(client, posting(SOFTWARE), 30))
    fields = draft_fields(page)
    response = client.post("/planner/draft", fields)
    assert response.status_code == HTTPStatus.OK
    assert response.headers["Content-Disposition"] == f'attachment; filename="{fields["slug"]}.md"'
    assert fields["kind"] and fields["competencies"] and fields["minutes"].isdigit()
    assert response.mimetype == "text/markdown"
    text = text_of(response)
    assert text.startswith("---\ntitle: ")
    assert "\nstatus: draft\n---\n" in text
    for heading in ("## Hints", "## Follow-ups", "## Reference"):
        assert heading in text


def test_the_drafted_file_is_valid_content(client, db, project_content):
    sign_in(client, db, Role.AUTHOR)
    page = text_of(plan_page(client, posting(SOFTWARE), 30))
    response = client.post("/planner/draft", draft_fields(page))
    name = response.headers["Content-Disposition"].split('filename="', 1)[1].rstrip('"')
    (project_content / "prompts" / name).write_text(text_of(response))
    content = load_content(project_content)
    slug = name.removesuffix(".md")
    assert slug in content.prompts and content.prompts[slug].status == "draft"
    # Only the rubric it names is left to write.
    assert [p.message for p in content.problems if slug in p.path
            and p.severity.name == "ERROR"] == [
        f"prompt has no rubric: rubrics/{slug}.md does not exist"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("kind", "essay", "Kind must be one of"),
    ("slug", "../../etc/passwd", "The slug must be lower-case words joined by hyphens."),
    ("title", "", "The title must be 1 to 120 characters."),
    ("title", "x" * 121, "The title must be 1 to 120 characters."),
    ("level", "principal", "Level must be one of"),
    ("minutes", "999", "Minutes must be a whole number from 5 to 240."),
    ("minutes", "\u00b2", "Minutes must be a whole number from 5 to 240."),
    ("competencies", "telepathy", "'telepathy' is not a competency of the library."),
    ("rubric", "Bad Rubric", "The rubric must be a slug"),
])
def test_a_draft_with_a_bad_field_is_refused_with_a_message(client, db, project_content, field,
                                                            value, message):
    sign_in(client, db, Role.AUTHOR)
    args = {"kind": "system-design", "slug": "new-duty", "title": "Own the duty",
            "level": "senior", "minutes": "45", "competencies": ["leadership"],
            "rubric": "new-duty", field: value}
    response = client.post("/planner/draft", args)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert message in text_of(response)
    assert "Content-Disposition" not in response.headers


def test_a_title_cannot_break_out_of_the_front_matter(client, db, project_content):
    sign_in(client, db, Role.AUTHOR)
    response = client.post("/planner/draft", {
        "kind": "system-design", "slug": "new-duty", "title": 'Duty\n---\nstatus: "published',
        "level": "senior", "minutes": "45", "competencies": ["leadership", "leadership"],
        "rubric": "new-duty"})
    text = text_of(response)
    assert text.splitlines()[1] == 'title: "Duty --- status: \\"published"'
    assert text.count("\n---\n") == 1 and "competencies: [leadership]" in text


# The interview in one step ------------------------------------------------------------------


def test_the_loop_becomes_an_interview_with_its_prompts_and_level(client, db, project_content,
                                                                query_counter):
    owner = sign_in(client, db, Role.INTERVIEWER)
    page = text_of(plan_page(client, posting(SENIOR), 90))
    fields = interview_fields(page)
    assert fields["prompts"] == loop_slugs(page) and fields["target_level"] == "senior"
    token = client.csrf_token()
    query_counter.clear()
    response = client.post("/planner/interview", {
        **fields, "candidate_name": "Dana Doe", "candidate_email": "dana@example.com",
        "mode": "live", "csrf_token": token})
    assert response.status_code == HTTPStatus.FOUND
    # The plan again (6), then the interview's own checks and rows as the interviews page
    # makes them, and the candidate's invitation email (a savepoint, its row, the release):
    # 16 statements on PostgreSQL, 17 on SQLite.
    assert len(query_counter) <= 17, query_counter
    interview = db.scalar(select(Interview))
    assert response.headers["Location"] == f"/interviews/{interview.id}"
    assert interview.owner_id == owner.id and interview.target_level == "senior"
    assert interview.mode is InterviewMode.LIVE and interview.candidate_email == "dana@example.com"
    assert [item.prompt.slug for item in interview.items] == loop_slugs(page)
    assert interview.minutes == sum(item.prompt_revision.minutes for item in interview.items)
    overview = text_of(client.get(response.headers["Location"]))
    assert "Interview created from the plan." in overview
    assert re.search(r'value="http://localhost/join/[\w-]+"', overview)


def test_a_bad_email_keeps_the_plan_and_says_what_is_wrong(client, db, project_content):
    sign_in(client, db, Role.INTERVIEWER)
    page = text_of(plan_page(client, posting(SOFTWARE), 90))
    response = client.post("/planner/interview", {
        **interview_fields(page), "candidate_name": "Dana Doe", "candidate_email": "not-an-email",
        "mode": "live"})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    again = text_of(response)
    assert "Enter an email address like name@example.com." in again
    assert competencies(again) == competencies(page) and loop_slugs(again) == loop_slugs(page)
    assert 'value="Dana Doe"' in again
    assert db.scalar(select(Interview.id)) is None


def test_the_owners_own_email_and_a_missing_name_are_refused(client, db, project_content):
    sign_in(client, db, Role.INTERVIEWER, email="owner@example.com")
    fields = interview_fields(text_of(plan_page(client, posting(SENIOR))))
    response = client.post("/planner/interview", {
        **fields, "candidate_name": "", "candidate_email": "owner@example.com", "mode": "live"})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Enter the candidate&#39;s name." in text_of(response)
    response = client.post("/planner/interview", {
        **fields, "candidate_name": "Me", "candidate_email": "OWNER@example.com", "mode": "live"})
    assert "That is your own email" in text_of(response)
    assert db.scalar(select(Interview.id)) is None


def test_a_prompt_retired_meanwhile_is_named_and_the_plan_stays(client, db, project_content):
    sign_in(client, db, Role.INTERVIEWER)
    page = text_of(plan_page(client, posting(SENIOR), 90))
    fields = interview_fields(page)
    gone = fields["prompts"][0]
    prompt = db.scalar(select(Prompt).where(Prompt.slug == gone))
    prompt.retired_at = utcnow()
    db.commit()
    response = client.post("/planner/interview", {
        **fields, "candidate_name": "Dana Doe", "candidate_email": "dana@example.com",
        "mode": "live"})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    again = text_of(response)
    assert f"There is no published prompt &#39;{gone}&#39;." in again
    assert 'id="interview-error"' in again
    # The plan is made again from what is published now, without the retired prompt.
    assert competencies(again) == competencies(page) and gone not in loop_slugs(again)
    assert db.scalar(select(Interview.id)) is None


def test_a_take_home_needs_its_deadline(client, db, project_content):
    sign_in(client, db, Role.INTERVIEWER)
    fields = interview_fields(text_of(plan_page(client, posting(SENIOR))))
    response = client.post("/planner/interview", {
        **fields, "candidate_name": "Dana Doe", "candidate_email": "dana@example.com",
        "mode": "take_home"})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Set the take-home deadline." in text_of(response)
    assert db.scalar(select(Interview.id)) is None


def test_a_tampered_plan_is_refused_without_an_interview(client, db, project_content):
    sign_in(client, db, Role.INTERVIEWER)
    fields = interview_fields(text_of(plan_page(client, posting(SENIOR))))
    for changes, message in [({"budget": "5000"}, "from 10 to 480 minutes"),
                             ({"target_level": "guru"}, "Choose a target level."),
                             ({"prompts": []}, "Choose at least one prompt.")]:
        response = client.post("/planner/interview", {
            **fields, **changes, "candidate_name": "Dana Doe",
            "candidate_email": "dana@example.com", "mode": "live"})
        assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
        assert message in text_of(response)
    assert db.scalar(select(Interview.id)) is None


def test_each_gap_links_an_author_to_the_content_editor_with_the_draft(client, db, project_content):
    sign_in(client, db, Role.AUTHOR)
    page = text_of(plan_page(client, posting(SOFTWARE), 30))
    links = re.findall(r'<a class="button button-primary" href="(/authoring/new\?[^"]+)">'
                       r'Draft a prompt for this gap', page)
    assert len(links) == page.count('class="planner-gap"') >= 1
    query = parse_qs(urlsplit(html.unescape(links[0])).query)
    fields = draft_fields(page)
    assert query == {key: value if isinstance(value, list) else [value]
                     for key, value in fields.items() if key != "csrf_token"}
    assert set(query) == {"kind", "slug", "title", "level", "minutes", "competencies", "rubric"}
    assert len(query["competencies"]) >= 1
    # The editor's new-item form opens with the drafted front matter filled in.
    editor = text_of(client.get(html.unescape(links[0])))
    assert html.escape(query["title"][0], quote=True) in editor
    assert query["slug"][0] in editor


def test_an_interviewer_who_does_not_author_gets_no_editor_link(client, db, project_content):
    sign_in(client, db, Role.INTERVIEWER)
    page = text_of(plan_page(client, posting(SOFTWARE), 30))
    assert page.count('class="planner-gap"') >= 1
    assert "Draft a prompt for this gap" not in page
    assert "Download draft" in page
