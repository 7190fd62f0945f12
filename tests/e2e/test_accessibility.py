"""axe-core finds no serious or critical problem on any page, in light and dark themes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from app.attempts import lifecycle
from app.interviews import clock, feedback, invitations
from app.models import Role
from app.practice import services
from tests.e2e.pages import sign_in
from tests.factories.calibration import make_sample, score_sample
from tests.factories.content import REVIEW_SLUG
from tests.factories.interviews import answer_and_submit, make_interview, score_all
from tests.factories.practice import load_library, make_attempt
from tests.factories.users import PASSWORD, make_user
from tests.integration.routes import urls

# The markup axe checks is the same whichever database is behind the pages.
pytestmark = pytest.mark.db_once

# Every HTML page, as the person who can see it. JSON and static routes are not pages.
PAGES = [
    ("pages.home", "/", None),
    ("pages.home", "/", "admin"),
    ("pages.markdown_help", "/help/markdown", None),
    ("auth.login", "/login", None),
    ("auth.signup", "/signup", None),
    ("auth.forgot_password", "/forgot", None),
    ("auth.reset_password", "/reset/{reset}", None),
    ("auth.account", "/account", "admin"),
    ("admin.users", "/admin/users", "admin"),
    ("admin.users", "/admin/users?q=nobody-matches", "admin"),
    ("admin.outbox", "/admin/outbox", "admin"),
    ("admin.outbox", "/admin/outbox?status=failed", "admin"),
    ("admin.outbox_email", "/admin/outbox/{email}", "admin"),
    ("errors", "/no/such/page", None),
    ("practice.library", "/practice", "admin"),
    ("practice.library", "/practice?q=nothing-matches-this", "admin"),
    ("practice.prompt", "/practice/prompts/url-shortener", "admin"),
    ("practice.workspace", "/practice/attempts/{open}", "admin"),
    ("practice.workspace", "/practice/attempts/{coding}", "admin"),
    ("practice.workspace", "/practice/attempts/{review}", "admin"),
    ("practice.result", "/practice/attempts/{review_done}/result", "admin"),
    ("practice.revisions", "/practice/attempts/{open}/revisions", "admin"),
    ("practice.revision", "/practice/attempts/{open}/revisions/1", "admin"),
    ("practice.playback_page", "/practice/attempts/{open}/playback", "admin"),
    ("practice.result", "/practice/attempts/{done}/result", "admin"),
    ("practice.progress", "/practice/progress", "admin"),
    ("practice.workspace", "/practice/attempts/{interview_attempt}", "admin"),
    ("interviews.dashboard", "/interviews", "admin"),
    ("interviews.new", "/interviews/new", "admin"),
    ("interviews.overview", "/interviews/{panel}", "admin"),
    ("interviews.live", "/interviews/{panel}/live", "admin"),
    ("interviews.scorecard", "/interviews/{panel}/scorecard", "admin"),
    ("interviews.comparison", "/interviews/{panel}/comparison", "admin"),
    ("interviews.playback_page", "/interviews/{panel}/attempts/{panel_attempt}/playback", "admin"),
    ("interviews.release_form", "/interviews/{panel}/release", "admin"),
    ("interviews.invitation", "/join/{token}", None),
    ("interviews.candidate", "/my/interviews/{released}", "admin"),
    ("interviews.candidate", "/my/interviews/{running}", "admin"),
    ("coverage.page", "/coverage", "admin"),
    ("insight.prompt_history", "/authoring/prompts/url-shortener/history", "admin"),
    ("insight.rubric_history", "/authoring/rubrics/url-shortener/history", "admin"),
    ("insight.rubric", "/authoring/rubrics/url-shortener/insight", "admin"),
    ("insight.index", "/authoring/insight", "admin"),
    ("planning.index", "/planner", "admin"),
    ("calibration.index", "/calibration", "admin"),
    ("calibration.history", "/calibration/history", "admin"),
    ("calibration.score", "/calibration/samples/{cal_sample}/score", "admin"),
    ("calibration.result", "/calibration/scores/{cal_score}", "admin"),
    ("calibration.samples", "/calibration/samples", "admin"),
    ("calibration.new_sample", "/calibration/samples/new", "admin"),
    ("calibration.new_sample", "/calibration/samples/new?prompt=url-shortener", "admin"),
    ("calibration.edit_sample", "/calibration/samples/{cal_sample}/edit", "admin"),
    ("authoring.index", "/authoring", "admin"),
    ("authoring.index", "/authoring?q=nothing-matches-this", "admin"),
    ("authoring.prompt", "/authoring/prompts/sum-two", "admin"),
    ("authoring.rubric", "/authoring/rubrics/url-shortener", "admin"),
    ("authoring.new", "/authoring/new", "admin"),
    ("transfer.import_", "/authoring/import", "admin"),
]
# JSON endpoints, downloads and the static route are not pages.
NOT_PAGES = {"static", "pages.health", "pages.ready", "practice.draft", "practice.run_status",
             "interviews.live_updates", "interviews.export", "practice.playback_frame",
             "interviews.playback_frame", "transfer.export", "checks.show",
             # Single sign-on's two routes only redirect; test_sso_journey.py runs axe on
             # the login page with its button.
             "auth.oidc_start", "auth.oidc_callback"}


def test_the_list_covers_every_page_of_the_app(app):
    listed = {endpoint for endpoint, _, _ in PAGES}
    assert {endpoint for endpoint, _ in urls(app, "GET")} - NOT_PAGES <= listed


def interviews_for(db, admin) -> dict[str, object]:
    """Interviews at every stage a page shows: ``admin`` on the panel and as the candidate."""
    other = make_user(db, Role.INTERVIEWER, email="axe-reviewer@example.com")
    third = make_user(db, Role.INTERVIEWER, email="axe-third@example.com")
    panel, _ = make_interview(db, admin, [other, third])
    invitations.join(db, panel, make_user(db, email="axe-candidate@example.com"))
    clock.start(db, panel, panel.candidate)
    answer_and_submit(db, panel, "## Storage\nA key-value store keyed by base62 codes.")
    score_all(db, panel, admin, 3)
    score_all(db, panel, other, 1)
    score_all(db, panel, third, 2, overrides={"Storage": 4})
    feedback.decide(db, panel, admin, "advance", "Good scoping.")

    released, _ = make_interview(db, other)
    invitations.join(db, released, admin)
    clock.start(db, released, admin)
    answer_and_submit(db, released, "A key-value store.")
    score_all(db, released, other, 3)
    feedback.decide(db, released, other, "decline", "")
    attempt = released.items[0].attempt
    feedback.release(db, released, other, {
         (attempt.id, c.id): feedback.FeedbackChoice(3, True, "Clear.", True)
         for c in released.items[0].rubric_revision.criteria}, message="Thanks.")

    # Prompts the admin does not practise: an interview's prompts are closed to its
    # candidate's practice until it is submitted, and the practice pages are checked too.
    running, _ = make_interview(db, other, hints_allowed=True,
                                prompts=("service-00", "service-01"))
    invitations.join(db, running, admin)
    clock.start(db, running, admin)
    _, token = make_interview(db, other)
    return {"panel": panel.id, "panel_attempt": panel.items[0].attempt_id,
            "released": released.id, "running": running.id,
            "interview_attempt": running.items[0].attempt_id, "token": token}


def emails_for(db) -> dict[str, object]:
    """A reset link's token (read from its email, the one place it is) and an email's id."""
    from sqlalchemy import select

    from app.auth import resets
    from app.models import Email

    resets.request_reset(db, "someone@example.com", hours=1)
    email = db.scalars(select(Email).order_by(Email.id.desc())).first()
    return {"reset": email.body.split("/reset/", 1)[1].split()[0], "email": email.id}


def serious_violations(page: Page, axe_source: str) -> list[str]:
    # Colours are measured as they settle: a switch of colour scheme a moment ago may have
    # left a button halfway through its transition, so every running one ends first.
    page.evaluate("document.getAnimations().forEach((animation) => animation.finish())")
    page.evaluate(axe_source)
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_violations_on_any_page(page: Page, server_url: str, db, axe_source, scheme,
                                           tmp_path, app, monkeypatch):
    page.emulate_media(color_scheme=scheme)
    # The authoring pages show the library the database was synced from.
    monkeypatch.setitem(app.config, "CONTENT_DIR", str(tmp_path))
    admin = make_user(db, *Role, email="axe-admin@example.com")
    make_user(db, email="someone@example.com")
    load_library(db, tmp_path, extra_design_prompts=2, own_rubric=True, responsibilities=True,
                 code_review=True)
    open_attempt = make_attempt(db, admin,
                                body="## Design\n- [x] cache\n\n| a | b |\n|--|--|\n| 1 | 2 |")
    lifecycle.reveal_hint(db, open_attempt)
    done = make_attempt(db, admin, "url-shortener", body="Key-value store, base62.",
                        submitted=True)
    services.self_assess(db, done, {c.id: (3, "ok") for c in done.rubric_revision.criteria})
    coding = make_attempt(db, admin, "sum-two", body="def add(a, b):\n    return a + b  # sum\n")
    sample = (tmp_path / "prompts" / REVIEW_SLUG / "model-review.json").read_text()
    review_done = make_attempt(db, admin, REVIEW_SLUG, body=sample, submitted=True)
    review = make_attempt(db, admin, REVIEW_SLUG, body=sample)
    sample = make_sample(db, admin)
    calibration = score_sample(db, sample, admin, levels={"Storage": 1})
    ids = {"open": open_attempt.id, "done": done.id, "coding": coding.id, "review": review.id,
           "review_done": review_done.id, "cal_sample": sample.id, "cal_score": calibration.id,
           **interviews_for(db, admin), **emails_for(db)}
    problems = {}
    signed_in = False
    for endpoint, path, who in sorted(PAGES, key=lambda p: p[2] is not None):
        if who == "admin" and not signed_in:
            sign_in(page, server_url, admin.email, PASSWORD)
            signed_in = True
        response = page.goto(server_url + path.format(**ids))
        if endpoint != "errors":  # an error page in its place would go unchecked
            assert response is not None and response.ok, f"{path}: {response and response.status}"
        page.wait_for_load_state("networkidle")
        found = serious_violations(page, axe_source)
        if found:
            problems[f"{path} as {who or 'anonymous'}"] = found
    assert problems == {}


def test_form_errors_are_accessible(page: Page, server_url: str, axe_source):
    page.goto(f"{server_url}/signup")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state("networkidle")
    assert serious_violations(page, axe_source) == []
