"""The panel's work through the pages: scorecards, evidence, the comparison, decision, release.

Setup goes through ``tests/factories/interviews.py``; the behaviour under test
is driven through the pages with ``client`` and checked in the database.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.attempts import lifecycle
from app.content.sync import sync_content
from app.models import (
    AuditEvent,
    CriterionScore,
    Decision,
    Interview,
    RegradeRequest,
    RegradeStatus,
    Scorecard,
    User,
)
from app.vocabulary import AuditAction
from tests.factories.content import replace_in
from tests.factories.interviews import (
    answer_and_submit,
    join_and_start,
    make_interview,
    make_panel,
    score_all,
)
from tests.factories.users import PASSWORD
from tests.support.web import WebClient

# Storage (signals key-value, index, base62) finds one signal of three in this answer.
ANSWER = ("We keep the mapping in a key-value store keyed by the short code.\n\n"
          "Redirects per second drive the cache; a 301 lets browsers remember it.")
CANDIDATE_NAME = "Casey Candidate"
CANDIDATE_EMAIL = "casey@example.com"


@dataclass
class Panel:
    owner: User
    reviewers: list[User]
    interview: Interview
    candidate: User

    @property
    def reviewer(self) -> User:
        return self.reviewers[0]


def set_up(db, reviewers: int = 1, *, submitted: bool = True, anonymised: bool = False) -> Panel:
    """An owner and ``reviewers`` others on a started interview (answered and submitted)."""
    owner, others = make_panel(db, reviewers=reviewers)
    interview, _ = make_interview(db, owner, others, anonymised=anonymised)
    candidate = join_and_start(db, interview)
    if submitted:
        answer_and_submit(db, interview, ANSWER)
    return Panel(owner, others, interview, candidate)


@pytest.fixture
def panel(db, library) -> Panel:
    return set_up(db)


def login(client: WebClient, user: User) -> None:
    client.logout()
    client.login(user.email, PASSWORD)


def key(interview: Interview, name: str) -> str:
    """The form key of criterion ``name`` of the interview's (only) prompt."""
    item = interview.items[0]
    criterion = next(c for c in item.rubric_revision.criteria if c.name == name)
    return f"{item.attempt_id}-{criterion.id}"


def scorecard_form(interview: Interview, levels: dict[str, int | None], *,
                   comments: dict[str, str] | None = None,
                   evidence: dict[str, list[str]] | None = None, action: str = "submit",
                   recommendation: str = "yes", summary: str = "Clear and well scoped.") -> dict:
    """The scorecard form as a browser sends it; every criterion gets a comment by default."""
    comments = comments or {}
    evidence = evidence or {}
    form: dict = {"action": action, "recommendation": recommendation, "summary": summary}
    for name, level in levels.items():
        k = key(interview, name)
        form[f"level-{k}"] = "" if level is None else str(level)
        form[f"comment-{k}"] = comments.get(name, f"{name}: level {level}.")
        if name in evidence:
            form[f"evidence-{k}"] = evidence[name]
    return form


def post_scorecard(client: WebClient, interview: Interview, form: dict, **kwargs):
    return client.post(f"/interviews/{interview.id}/scorecard", form, **kwargs)


def saved_scores(db, interview: Interview, user: User) -> dict[str, CriterionScore]:
    """The user's saved criterion scores, by criterion name, read fresh from the database."""
    db.expire_all()
    rows = db.scalars(
        select(CriterionScore).join(Scorecard, CriterionScore.scorecard_id == Scorecard.id)
        .where(Scorecard.interview_id == interview.id, Scorecard.reviewer_id == user.id)
        .options(selectinload(CriterionScore.criterion)))
    return {s.criterion.name: s for s in rows}


def card_of(db, interview: Interview, user: User) -> Scorecard | None:
    db.expire_all()
    return db.scalar(select(Scorecard).where(Scorecard.interview_id == interview.id,
                                             Scorecard.reviewer_id == user.id))


def actions(db, interview: Interview) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent.action).where(
        AuditEvent.interview_id == interview.id).order_by(AuditEvent.id)))


def text(response) -> str:
    """A page's text with HTML entities decoded (templates escape quotes as &#34;)."""
    return html.unescape(response.get_data(as_text=True))


# Evidence ------------------------------------------------------------------------------------


def test_a_quote_from_the_answer_is_saved_and_shown_back_on_the_scorecard(client, db, panel):
    interview = panel.interview
    login(client, panel.reviewer)
    form = scorecard_form(interview, {"Requirements": 3, "Storage": 2}, action="save",
                          evidence={"Storage": ["a key-value store keyed by the short code"]})
    assert post_scorecard(client, interview, form).status_code == HTTPStatus.FOUND

    scores = saved_scores(db, interview, panel.reviewer)
    assert [e["quote"] for e in scores["Storage"].evidence] == [
        "a key-value store keyed by the short code"]
    assert scores["Requirements"].evidence == []
    page = client.get(f"/interviews/{interview.id}/scorecard").get_data(as_text=True)
    assert "<blockquote>a key-value store keyed by the short code</blockquote>" in page


def test_a_quote_not_in_the_answer_is_refused_and_the_draft_is_kept(client, db, panel):
    interview = panel.interview
    login(client, panel.reviewer)
    first = scorecard_form(interview, {"Requirements": 3, "Storage": 2}, action="save",
                           comments={"Storage": "Picks a key-value store."},
                           evidence={"Storage": ["key-value store"]})
    assert post_scorecard(client, interview, first).status_code == HTTPStatus.FOUND

    changed = scorecard_form(interview, {"Requirements": 4, "Storage": 4}, action="save",
                             comments={"Storage": "Shards a relational database."},
                             evidence={"Storage": ["a sharded relational database"]})
    refused = post_scorecard(client, interview, changed)
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    message = text(refused)
    assert "Storage: the quote \u201ca sharded relational database\u201d is not in the answer" \
        in message

    scores = saved_scores(db, interview, panel.reviewer)
    assert scores["Requirements"].level == 3
    assert scores["Storage"].level == 2
    assert scores["Storage"].comment == "Picks a key-value store."
    assert [e["quote"] for e in scores["Storage"].evidence] == ["key-value store"]


def test_whitespace_differences_in_a_quote_are_tolerated(client, db, panel):
    interview = panel.interview
    login(client, panel.reviewer)
    # The answer has "short code.\n\nRedirects per second": a paragraph break, one space here,
    # and extra spaces and a line break inside the quote.
    quote = "  keyed by   the\nshort code. Redirects  per\tsecond  "
    form = scorecard_form(interview, {"Requirements": 3, "Storage": 2}, action="save",
                          evidence={"Requirements": [quote]})
    assert post_scorecard(client, interview, form).status_code == HTTPStatus.FOUND
    scores = saved_scores(db, interview, panel.reviewer)
    assert [e["quote"] for e in scores["Requirements"].evidence] == [
        "keyed by the short code. Redirects per second"]


# Submitting and drafts -----------------------------------------------------------------------


def test_submitting_needs_every_criterion_scored(client, db, panel):
    interview = panel.interview
    login(client, panel.reviewer)
    form = scorecard_form(interview, {"Requirements": None, "Storage": None})
    refused = post_scorecard(client, interview, form)
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Missing: Requirements, Storage." in text(refused)

    form = scorecard_form(interview, {"Requirements": 3, "Storage": None})
    refused = post_scorecard(client, interview, form)
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Missing: Storage." in text(refused)
    assert card_of(db, interview, panel.reviewer).submitted_at is None


@pytest.mark.parametrize(("overall", "message"), [
    ({"recommendation": ""}, "Choose an overall recommendation before submitting."),
    ({"summary": "   "}, "Write a short summary before submitting."),
])
def test_submitting_needs_a_recommendation_and_a_summary(client, db, panel, overall, message):
    interview = panel.interview
    login(client, panel.reviewer)
    form = scorecard_form(interview, {"Requirements": 3, "Storage": 2}, **overall)
    refused = post_scorecard(client, interview, form)
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert message in text(refused)
    assert card_of(db, interview, panel.reviewer).submitted_at is None


def test_a_draft_with_gaps_is_saved(client, db, panel):
    interview = panel.interview
    login(client, panel.reviewer)
    form = scorecard_form(interview, {"Requirements": 3, "Storage": None}, action="save",
                          recommendation="", summary="")
    assert post_scorecard(client, interview, form).status_code == HTTPStatus.FOUND
    card = card_of(db, interview, panel.reviewer)
    assert card.submitted_at is None and card.recommendation is None
    scores = saved_scores(db, interview, panel.reviewer)
    assert scores["Requirements"].level == 3
    assert scores["Storage"].level is None


def test_the_json_autosave_answers_with_saved_at_or_an_error(client, db, panel):
    interview = panel.interview
    login(client, panel.reviewer)
    as_json = {"Accept": "application/json"}
    draft = scorecard_form(interview, {"Requirements": 2, "Storage": None}, action="save",
                           recommendation="", summary="")
    saved = post_scorecard(client, interview, draft, headers=as_json)
    assert saved.status_code == HTTPStatus.OK
    body = saved.get_json()
    assert datetime.fromisoformat(body["saved_at"])
    assert body["submitted"] is False
    assert saved_scores(db, interview, panel.reviewer)["Requirements"].level == 2

    bad = scorecard_form(interview, {"Requirements": 4, "Storage": None}, action="save",
                         evidence={"Requirements": ["millions of writes a day"]})
    refused = post_scorecard(client, interview, bad, headers=as_json)
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    error = refused.get_json()
    assert list(error) == ["error"]
    assert error["error"].startswith("Requirements: the quote")
    assert saved_scores(db, interview, panel.reviewer)["Requirements"].level == 2


# Suggested levels ----------------------------------------------------------------------------


def test_signals_are_counted_as_evidence_and_never_suggest_a_level(client, db, panel):
    interview = panel.interview
    # A rubric revision stored before the rule, with Storage scored auto: signals.
    storage = next(c for c in interview.items[0].rubric_revision.criteria if c.name == "Storage")
    storage.auto = "signals"
    db.commit()
    login(client, panel.reviewer)
    page = client.get(f"/interviews/{interview.id}/scorecard").get_data(as_text=True)
    assert "Signals found: 1 of 3" in page
    assert "Suggested: level" not in page
    assert "(suggested)" not in page

    # No suggestion, so no level needs a comment to differ from one.
    form = scorecard_form(interview, {"Requirements": 3, "Storage": 4},
                          comments={"Storage": "  "})
    assert post_scorecard(client, interview, form).status_code == HTTPStatus.FOUND
    assert card_of(db, interview, panel.reviewer).submitted_at is not None
    scores = saved_scores(db, interview, panel.reviewer)
    assert (scores["Storage"].level, scores["Storage"].suggested_level) == (4, None)
    assert scores["Requirements"].suggested_level is None


# Hints -----------------------------------------------------------------------------------------


def test_a_revealed_hint_caps_what_it_gave_away_in_the_comparison_score(client, db, library):
    # Hint 2 gives Requirements (weight 2) away; hint 1 is a plain nudge.
    replace_in(library / "prompts/url-shortener.md", "- Where do",
               "- [gives away: Requirements] Where do")
    sync_content(db, library)
    owner, (reviewer,) = make_panel(db, reviewers=1)
    interview, _ = make_interview(db, owner, [reviewer], hints_allowed=True)
    join_and_start(db, interview)
    attempt = interview.items[0].attempt
    lifecycle.reveal_hint(db, attempt)
    lifecycle.reveal_hint(db, attempt)
    answer_and_submit(db, interview, ANSWER)
    score_all(db, interview, reviewer, 4)
    score_all(db, interview, owner, 2, overrides={"Storage": 4})

    login(client, reviewer)
    card = text(client.get(f"/interviews/{interview.id}/scorecard"))
    assert "Hints the candidate revealed" in card
    assert re.search(r"Hint 1, at \d+:\d\d on the timer:\s+a nudge; it does not change the "
                     r"score", card)
    assert "gives away <strong>Requirements</strong>, which counts at most 3" in card
    assert "Hint 2 gives this away" in card
    page = text(client.get(f"/interviews/{interview.id}/comparison"))
    # The reviewer's 4 is kept and shown; it counts as 3: (3 * 2 + 4 * 1) / 3 = 3.33.
    assert page.count("counts as 3: hint 2 was revealed") == 1  # the owner's 2 is not capped
    assert "<strong>3.33</strong>" in page
    assert "<strong>4.00</strong>" not in page
    assert "<strong>2.67</strong>" in page  # the owner's (2 * 2 + 4) / 3, under the cap

    exported = json.loads(client.get(f"/interviews/{interview.id}/export.json").get_data())
    (prompt,) = exported["prompts"]
    assert [(h["hint"], h["gives_away"]) for h in prompt["hints_revealed"]] == [
        (1, None), (2, "Requirements")]
    given = {(c["name"], s["reviewer"]): (s["level"], s["counted_level"], s["capped_by_hint"])
             for c in prompt["criteria"] for s in c["scores"]}
    assert given[("Requirements", reviewer.display_name)] == (4, 3, 2)
    assert given[("Requirements", owner.display_name)] == (2, 2, None)
    assert given[("Storage", reviewer.display_name)] == (4, 4, None)


def test_a_reviewer_cannot_submit_before_the_candidate_has(client, db, library):
    setting = set_up(db, submitted=False)
    interview = setting.interview
    attempt = interview.items[0].attempt
    lifecycle.save_draft(db, attempt, body=ANSWER, based_on=0, client_id="test")
    login(client, setting.reviewer)
    form = scorecard_form(interview, {"Requirements": 3, "Storage": 2})
    refused = post_scorecard(client, interview, form)
    assert refused.status_code == HTTPStatus.CONFLICT
    assert "The candidate has not submitted yet" in text(refused)
    assert card_of(db, interview, setting.reviewer).submitted_at is None
    # A draft is fine meanwhile.
    form["action"] = "save"
    assert post_scorecard(client, interview, form).status_code == HTTPStatus.FOUND
    assert saved_scores(db, interview, setting.reviewer)["Requirements"].level == 3


# Changes after submitting --------------------------------------------------------------------


def test_a_changed_score_is_audited_and_its_levels_stay_blind_to_reviewers_still_scoring(
        client, db, panel):
    interview = panel.interview
    score_all(db, interview, panel.owner, 3)
    login(client, panel.owner)
    form = scorecard_form(interview, {"Requirements": 4, "Storage": 3})
    assert post_scorecard(client, interview, form).status_code == HTTPStatus.FOUND

    db.expire_all()
    changed = db.scalars(select(AuditEvent).where(AuditEvent.interview_id == interview.id,
                                                  AuditEvent.action == "score_changed")).all()
    assert [(e.actor_id, e.detail["criterion"], e.detail["old"], e.detail["new"])
            for e in changed] == [(panel.owner.id, "Requirements", 3, 4)]
    assert saved_scores(db, interview, panel.owner)["Requirements"].level == 4

    owners = text(client.get(f"/interviews/{interview.id}"))
    assert "changed a score: Requirements (Design a URL shortener) 3 → 4." in owners

    login(client, panel.reviewer)
    blind = text(client.get(f"/interviews/{interview.id}"))
    assert "changed a score." in blind
    assert "3 → 4" not in blind and "changed a score:" not in blind


# The decision and the panel ------------------------------------------------------------------


def test_the_decision_waits_for_every_reviewer_or_their_removal(client, db, library):
    setting = set_up(db, reviewers=2)
    interview = setting.interview
    done, idle = setting.reviewers
    score_all(db, interview, setting.owner, 3)
    score_all(db, interview, done, 3)
    score_all(db, interview, idle, 2, submit=False)
    idle_card = card_of(db, interview, idle).id
    done_card = card_of(db, interview, done).id

    login(client, setting.owner)
    decision = {"decision": "advance", "note": "Strong on storage."}
    early = client.post(f"/interviews/{interview.id}/decision", decision)
    assert early.status_code == HTTPStatus.CONFLICT
    assert "Waiting for scorecards from Reviewer 1" in text(early)

    kept = client.post(f"/interviews/{interview.id}/reviewers/{done_card}/remove")
    assert kept.status_code == HTTPStatus.CONFLICT
    assert card_of(db, interview, done) is not None

    removed = client.post(f"/interviews/{interview.id}/reviewers/{idle_card}/remove")
    assert removed.status_code == HTTPStatus.FOUND
    assert card_of(db, interview, idle) is None
    assert db.scalars(select(CriterionScore).where(
        CriterionScore.scorecard_id == idle_card)).all() == []  # the draft went with them

    assert client.post(f"/interviews/{interview.id}/decision",
                       decision).status_code == HTTPStatus.FOUND
    db.expire_all()
    assert db.get(Interview, interview.id).decision is Decision.ADVANCE
    assert "reviewer_removed" in actions(db, interview)

    # The decision closes the scorecards, for the owner and for the others.
    form = scorecard_form(interview, {"Requirements": 4, "Storage": 2})
    assert post_scorecard(client, interview, form).status_code == HTTPStatus.CONFLICT
    login(client, done)
    assert post_scorecard(client, interview, form).status_code == HTTPStatus.CONFLICT
    assert saved_scores(db, interview, done)["Requirements"].level == 3
    assert saved_scores(db, interview, setting.owner)["Requirements"].level == 3


# The comparison ------------------------------------------------------------------------------


def test_the_comparison_marks_the_disagreement_and_shows_agreement_and_scores(
        client, db, library):
    setting = set_up(db, reviewers=2)
    interview = setting.interview
    low, high = setting.reviewers
    # Requirements: 4, 2, 4 (spread 2, a disagreement); Storage: 3, 2, 3 (spread 1).
    score_all(db, interview, setting.owner, 4, overrides={"Storage": 3})
    score_all(db, interview, low, 2)
    score_all(db, interview, high, 4, overrides={"Storage": 3})

    login(client, setting.owner)
    page = client.get(f"/interviews/{interview.id}/comparison").get_data(as_text=True)
    rows = re.findall(r"<tr class=\"disagree\".*?</tr>", page, re.S)
    assert len(rows) == 1
    assert "Requirements" in rows[0] and "Storage" not in rows[0]
    assert "<strong data-disagreements>1</strong>" in page

    # ICC(A,1) of [[4, 2, 4], [3, 2, 3]] (criteria x reviewers), n = 2, k = 3, grand mean 3:
    # BMS = 3 * ((10/3 - 3)^2 + (8/3 - 3)^2) / 1 = 2/3;
    # JMS = 2 * ((3.5 - 3)^2 + (2 - 3)^2 + (3.5 - 3)^2) / 2 = 3/2;
    # residuals +-1/6, -+1/3, +-1/6 -> EMS = (4/36 + 2/9) / 2 = 1/6;
    # ICC = (2/3 - 1/6) / (2/3 + 2 * 1/6 + 3 * (3/2 - 1/6) / 2) = (1/2) / 3 = 0.17, poor.
    assert "<strong class=\"score-value\" data-agreement>0.17</strong> ICC(A,1)," in page
    assert "<strong>poor</strong>" in page

    # Weighted scores (Requirements x2, Storage x1): (8 + 3) / 3 = 3.67, (4 + 2) / 3 = 2.00.
    foot = page.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
    assert re.findall(r"<strong>(\d\.\d\d)</strong>", foot) == ["3.67", "2.00", "3.67"]
    assert foot.count("meets the bar") == 2 and foot.count("below the bar") == 1


def test_the_scorecard_and_the_comparison_show_a_missed_gate_and_a_low_mean(client, db,
                                                                          library):
    replace_in(library / "rubrics" / "url-shortener.md", "weight: 1\n", "weight: 1\ngate: 3\n")
    sync_content(db, library)
    setting = set_up(db, reviewers=1)
    interview = setting.interview
    assert interview.target_level == "senior"
    # Owner: Requirements 4 (x2), Storage 2: mean 3.33 over the bar of 3.00, gate missed.
    score_all(db, interview, setting.owner, 4, overrides={"Storage": 2})
    # Reviewer: 2 and 3: mean 2.33, below the bar by 0.67, the gate reached.
    score_all(db, interview, setting.reviewer, 2, overrides={"Storage": 3})

    login(client, setting.owner)
    page = text(client.get(f"/interviews/{interview.id}/scorecard"))
    storage = page.split('<span class="criterion-name">Storage</span>', 1)[1]
    assert storage.startswith(' <span class="badge">weight 1</span> '
                              '<span class="badge badge-warning gate-badge">gate: level 3')
    assert "Your weighted score, as saved" in page
    assert "<strong>3.33</strong> against a bar of 3.00 for a senior answer" in page
    assert "<li>Storage is at level 2; the bar needs at least 3.</li>" in page

    page = text(client.get(f"/interviews/{interview.id}/comparison"))
    foot = page.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
    assert re.findall(r"<strong>(\d\.\d\d)</strong>", foot) == ["3.33", "2.33"]
    assert foot.count("below the bar") == 2 and "meets the bar" not in foot
    owner_cell, reviewer_cell = re.findall(r"<td>.*?</td>", foot, re.S)[:2]
    assert "<li>Storage is at level 2; the bar needs at least 3.</li>" in owner_cell
    assert "weighted mean" not in owner_cell
    assert "<li>The weighted mean 2.33 is 0.67 short of the bar of 3.00.</li>" in reviewer_cell
    assert "Storage is at level" not in reviewer_cell
    assert "gate: level 3" in page.split("<tbody>", 1)[1]


# Release -------------------------------------------------------------------------------------


def decided(client: WebClient, db, setting: Panel, decision: str = "advance") -> None:
    """Every scorecard in (level 3) and the owner's decision recorded; the owner is logged in."""
    for user in (setting.owner, *setting.reviewers):
        score_all(db, setting.interview, user, 3)
    login(client, setting.owner)
    response = client.post(f"/interviews/{setting.interview.id}/decision",
                           {"decision": decision, "note": "Agreed at the debrief."})
    assert response.status_code == HTTPStatus.FOUND


def release_form(interview: Interview, criteria: dict[str, dict], *, message: str = "",
                 show_decision: bool = False) -> dict:
    """The release form: per criterion a level, a comment, and which of the two to show."""
    form = {"message": message}
    if show_decision:
        form["show_decision"] = "on"
    for name, choice in criteria.items():
        k = key(interview, name)
        form[f"level-{k}"] = str(choice["level"])
        form[f"comment-{k}"] = choice.get("comment", "")
        if choice.get("show_level"):
            form[f"show-level-{k}"] = "on"
        if choice.get("show_comment"):
            form[f"show-comment-{k}"] = "on"
    return form


def candidate_page(client: WebClient, setting: Panel) -> str:
    login(client, setting.candidate)
    response = client.get(f"/my/interviews/{setting.interview.id}")
    assert response.status_code == HTTPStatus.OK
    return text(response)


def test_nothing_reaches_the_candidate_before_release(client, db, panel):
    decided(client, db, panel)
    page = candidate_page(client, panel)
    assert "Your answers are in" in page
    assert "Feedback from the panel" not in page
    assert "Outcome:" not in page and "Level 3" not in page
    assert "Level 3 because." not in page


def test_release_shows_the_candidate_only_what_was_chosen(client, db, panel):
    interview = panel.interview
    decided(client, db, panel)
    form = release_form(interview, {
        "Requirements": {"level": 4, "show_level": False, "show_comment": True,
                         "comment": "You scoped the problem with numbers."},
        "Storage": {"level": 2, "show_level": True, "show_comment": False,
                    "comment": "Internal: the storage section was thin."},
    }, message="Thank you for your time.")
    assert client.post(f"/interviews/{interview.id}/release", form).status_code == \
        HTTPStatus.FOUND
    again = client.post(f"/interviews/{interview.id}/release", form)
    assert again.status_code == HTTPStatus.CONFLICT

    page = candidate_page(client, panel)
    assert "Feedback from the panel" in page
    assert "Thank you for your time." in page
    assert "You scoped the problem with numbers." in page
    assert "Level 2 · " in page
    assert "Level 4" not in page  # chosen, but not shown
    assert "Internal: the storage section was thin." not in page
    assert "Level 3 because." not in page  # the reviewers' own comments never go out
    assert "Outcome:" not in page  # the decision was not chosen either


@pytest.mark.parametrize("show_decision", [True, False])
def test_the_decision_is_shown_to_the_candidate_only_when_chosen(client, db, panel,
                                                                 show_decision):
    interview = panel.interview
    decided(client, db, panel, decision="advance")
    form = release_form(interview, {
        "Requirements": {"level": 3, "show_level": True},
        "Storage": {"level": 3, "show_level": True},
    }, show_decision=show_decision)
    assert client.post(f"/interviews/{interview.id}/release", form).status_code == \
        HTTPStatus.FOUND
    page = candidate_page(client, panel)
    assert "Feedback from the panel" in page
    assert ("Outcome:</strong> Advance." in page) is show_decision


# Regrades ------------------------------------------------------------------------------------


@pytest.fixture
def released(client, db, library) -> Panel:
    """Requirements released at level 3 with a comment; Storage not shown at all."""
    setting = set_up(db, reviewers=1)
    decided(client, db, setting)
    form = release_form(setting.interview, {
        "Requirements": {"level": 3, "show_level": True, "show_comment": True,
                         "comment": "Good numbers, no redirect status."},
        "Storage": {"level": 3, "show_level": False, "show_comment": False},
    })
    response = client.post(f"/interviews/{setting.interview.id}/release", form)
    assert response.status_code == HTTPStatus.FOUND
    return setting


def regrade_form(interview: Interview, name: str, reason: str) -> dict:
    attempt_id, criterion_id = key(interview, name).split("-")
    return {"attempt": attempt_id, "criterion": criterion_id, "reason": reason}


def test_a_regrade_request_needs_a_reason_a_released_criterion_and_only_one_ask(
        client, db, released):
    interview = released.interview
    url = f"/my/interviews/{interview.id}/regrades"
    login(client, released.candidate)
    short = client.post(url, regrade_form(interview, "Requirements", "Why 3?"))
    assert short.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    hidden = client.post(url, regrade_form(interview, "Storage",
                                           "Please look at my storage section again."))
    assert hidden.status_code == HTTPStatus.NOT_FOUND
    reason = "I gave 301 and the redirect numbers; please look again."
    first = client.post(url, regrade_form(interview, "Requirements", reason))
    assert first.status_code == HTTPStatus.FOUND
    twice = client.post(url, regrade_form(interview, "Requirements", reason))
    assert twice.status_code == HTTPStatus.CONFLICT
    db.expire_all()
    requests = db.scalars(select(RegradeRequest)).all()
    assert [(r.criterion.name, r.reason, r.old_level, r.assignee_id) for r in requests] == [
        ("Requirements", reason, 3, released.owner.id)]


def test_a_regrade_is_reassigned_by_the_owner_and_answered_with_a_new_level(
        client, db, released):
    interview = released.interview
    second = released.reviewer
    login(client, released.candidate)
    reason = "I gave 301 and the redirect numbers; please look again."
    assert client.post(f"/my/interviews/{interview.id}/regrades",
                       regrade_form(interview, "Requirements", reason)).status_code == \
        HTTPStatus.FOUND
    db.expire_all()
    request_id = db.scalar(select(RegradeRequest.id))
    base = f"/interviews/{interview.id}/regrades/{request_id}"
    answer = {"response": "Looked again: the numbers and the 301 are there.", "level": "4"}

    # The second reviewer can neither take it nor answer it before the owner reassigns it.
    login(client, second)
    assert client.post(f"{base}/reassign",
                       {"reviewer": str(second.id)}).status_code == HTTPStatus.FORBIDDEN
    assert client.post(f"{base}/answer", answer).status_code == HTTPStatus.FORBIDDEN

    login(client, released.owner)
    assert client.post(f"{base}/reassign",
                       {"reviewer": str(second.id)}).status_code == HTTPStatus.FOUND
    db.expire_all()
    assert db.get(RegradeRequest, request_id).assignee_id == second.id

    login(client, second)
    assert "Second-look requests for you (1)" in text(client.get("/interviews"))
    assert client.post(f"{base}/answer", answer).status_code == HTTPStatus.FOUND
    db.expire_all()
    request = db.get(RegradeRequest, request_id)
    assert request.status is RegradeStatus.ANSWERED
    assert (request.old_level, request.new_level) == (3, 4)
    answered = db.scalar(select(AuditEvent)
                         .where(AuditEvent.action == AuditAction.REGRADE_ANSWERED))
    assert answered.actor_id == second.id  # who answered is in the audit trail

    page = candidate_page(client, released)
    assert "Looked again: the numbers and the 301 are there." in page
    assert "level changed from 3 to 4" in page
    assert "Level 4 · " in page and "Level 3 · " not in page
    trail = actions(db, interview)
    for action in ("regrade_requested", "regrade_reassigned", "regrade_answered"):
        assert trail.count(action) == 1, action


# Rubric revisions ----------------------------------------------------------------------------


def test_a_changed_rubric_is_flagged_while_scores_stay_pinned(client, db, library, panel):
    interview = panel.interview
    pinned = interview.items[0].rubric_revision
    pinned_ids = {c.id for c in pinned.criteria}
    replace_in(library / "rubrics" / "url-shortener.md", "weight: 2", "weight: 3")
    sync_content(db, library)
    db.expire_all()
    assert db.get(Interview, interview.id).items[0].rubric_revision_id == pinned.id

    login(client, panel.reviewer)
    page = text(client.get(f"/interviews/{interview.id}/scorecard"))
    assert "The rubric has changed since this interview was set." in page
    assert "the current revision is 2" in page
    assert 'Criterion "Requirements" weight 2 → 3.' in page
    requirements = page.split('<span class="criterion-name">Requirements</span>', 1)[1]
    assert requirements.startswith(' <span class="badge">weight 2</span>')

    form = scorecard_form(interview, {"Requirements": 4, "Storage": 1},
                          comments={"Storage": "No store is named for the codes."})
    assert post_scorecard(client, interview, form).status_code == HTTPStatus.FOUND
    scores = saved_scores(db, interview, panel.reviewer)
    assert {s.criterion_id for s in scores.values()} == pinned_ids
    assert scores["Requirements"].criterion.weight == 2

    # The comparison weighs by the pinned revision: (2 * 4 + 1) / 3 = 3.00, not (3 * 4 + 1) / 4.
    comparison = client.get(f"/interviews/{interview.id}/comparison").get_data(as_text=True)
    assert "<strong>3.00</strong>" in comparison and "3.25" not in comparison


# Anonymised review ---------------------------------------------------------------------------


def leaks(client: WebClient, interview: Interview, paths: list[str]) -> dict[str, list[str]]:
    """For each page, which of the candidate's name and email it shows (a 200 is required)."""
    found = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == HTTPStatus.OK, path
        page = text(response)
        shown = [s for s in (CANDIDATE_NAME, CANDIDATE_EMAIL) if s.lower() in page.lower()]
        if shown:
            found[path] = shown
    return found


def panel_pages(interview: Interview, *, compared: bool) -> list[str]:
    base = f"/interviews/{interview.id}"
    pages = ["/interviews", base, f"{base}/scorecard"]
    if compared:
        pages += [f"{base}/comparison", f"{base}/export.csv", f"{base}/export.json"]
    return pages


def test_an_anonymised_candidate_is_hidden_from_other_reviewers_until_the_decision(
        client, db, library):
    setting = set_up(db, anonymised=True)
    interview = setting.interview
    login(client, setting.reviewer)
    assert leaks(client, interview, panel_pages(interview, compared=False)) == {}
    assert f"Candidate #{interview.id}" in text(client.get(f"/interviews/{interview.id}"))

    score_all(db, interview, setting.reviewer, 3)
    assert leaks(client, interview, panel_pages(interview, compared=True)) == {}
    exported = json.loads(client.get(f"/interviews/{interview.id}/export.json").get_data())
    assert exported["interview"]["candidate"] is None
    assert exported["interview"]["candidate_email"] is None

    score_all(db, interview, setting.owner, 3)
    login(client, setting.owner)
    assert client.post(f"/interviews/{interview.id}/decision",
                       {"decision": "decline"}).status_code == HTTPStatus.FOUND
    login(client, setting.reviewer)
    overview = text(client.get(f"/interviews/{interview.id}"))
    assert CANDIDATE_NAME in overview and CANDIDATE_EMAIL in overview
    assert "Anonymised review" not in overview


def test_the_owner_sees_an_anonymised_candidate_all_along(client, db, library):
    setting = set_up(db, anonymised=True)
    interview = setting.interview
    login(client, setting.owner)
    before = text(client.get(f"/interviews/{interview.id}"))
    assert CANDIDATE_NAME in before and CANDIDATE_EMAIL in before
    assert CANDIDATE_NAME in text(client.get(f"/interviews/{interview.id}/scorecard"))
    assert CANDIDATE_NAME in text(client.get("/interviews"))

    score_all(db, interview, setting.owner, 3)
    score_all(db, interview, setting.reviewer, 3)
    for path in ("/comparison", "/export.csv", "/export.json"):
        assert CANDIDATE_NAME in text(client.get(f"/interviews/{interview.id}{path}")), path


def test_with_three_reviewers_the_comparison_gives_each_pairs_kappa(client, db, library):
    setting = set_up(db, reviewers=2)
    first, second = setting.reviewers
    score_all(db, setting.interview, setting.owner, 4)
    score_all(db, setting.interview, first, 2, overrides={"Storage": 3})
    score_all(db, setting.interview, second, 4, overrides={"Storage": 3})
    login(client, setting.owner)
    page = text(client.get(f"/interviews/{setting.interview.id}/comparison"))
    # Owner 4, 4 against anyone: no spread on the owner's side, so no covariance: 0.
    # Reviewer 0 (2, 3) against Reviewer 1 (4, 3): means 2.5 and 3.5, covariance -1/4,
    # variances 1/4 each, squared mean gap 1: kappa = 2 (-1/4) / (1/4 + 1/4 + 1) = -1/3.
    rows = dict(re.findall(r"<th scope=\"row\">([^<]+ and [^<]+)</th><td>([^<]+)</td>", page))
    assert rows == {"Olive Owner and Reviewer 0": "0.00", "Olive Owner and Reviewer 1": "0.00",
                    "Reviewer 0 and Reviewer 1": "-0.33"}
