"""The rubric insight pages read real scorecards: every figure of a small data set, by hand.

The URL shortener's rubric, with a gate added to Storage: an answer's weighted mean
is (2 Requirements + Storage) / 3, the bar at senior (every interview's target) is 3,
and Storage must reach 3. The prompt's second hint gives Storage away (it caps the
level counted at 3, the scale's second-highest); hints come in order, so revealing
the second reveals the first, a nudge.

Six interviews, one panel (Olive Owner, then Reviewer 0), each scoring (R, S):

  #  decision  Olive   Reviewer 0  hints
  1  advance   4, 3    4, 3
  2  advance   4, 4    3, 3        1 and 2 (Olive's Storage 4 counts as 3)
  3  advance   3, 3    4, 2        (Reviewer 0: mean 10/3 meets the bar, Storage 2
                                    misses its gate: the gate decides)
  4  decline   2, 4    2, 4
  5  decline   3, 3    1, 1
  6  decline   2, 3    2, 1        1 (a nudge)
"""

from __future__ import annotations

import re
from html import unescape
from http import HTTPStatus

import pytest

from app.attempts import lifecycle
from app.content.sync import sync_content
from app.grading.agreement import panel_agreement, quadratic_weighted_kappa
from app.interviews import clock, feedback
from app.models import Role
from tests.factories.content import replace_in, write_content
from tests.factories.interviews import (
    answer_and_submit,
    join_and_start,
    make_interview,
    make_panel,
    score_all,
)
from tests.factories.users import PASSWORD, make_user
from tests.support.library import sync_once

PAGE = "/authoring/rubrics/url-shortener/insight"
OVERVIEW = "/authoring/insight"

# (decision, Olive's (R, S), Reviewer 0's (R, S), hints revealed)
DATA = (
    ("advance", (4, 3), (4, 3), 0),
    ("advance", (4, 4), (3, 3), 2),
    ("advance", (3, 3), (4, 2), 0),
    ("decline", (2, 4), (2, 4), 0),
    ("decline", (3, 3), (1, 1), 0),
    ("decline", (2, 3), (2, 1), 1),
)


def gated_library(db, root):
    write_content(root)
    replace_in(root / "rubrics/url-shortener.md", "signals: key-value, index, base62\n",
               "signals: key-value, index, base62\ngate: {senior: 3}\n")
    replace_in(root / "prompts/url-shortener.md", "- Where do redirects read from?",
               "- [gives away: Storage] Where do redirects read from?")
    sync_once(db, root)
    return root


def interview(db, owner, reviewer, decision, olive, other, hints):
    found, _ = make_interview(db, owner, [reviewer], hints_allowed=True)
    join_and_start(db, found, make_user(db))
    for _ in range(hints):
        lifecycle.reveal_hint(db, clock.attempts(found)[0])
    answer_and_submit(db, found, "An answer.")
    for who, (r, s) in ((owner, olive), (reviewer, other)):
        score_all(db, found, who, r, overrides={"Storage": s})
    if decision:
        feedback.decide(db, found, owner, decision, "")
    return found


@pytest.fixture
def scored(db, tmp_path):
    gated_library(db, tmp_path / "content")
    owner, (reviewer,) = make_panel(db, reviewers=1)
    for row in DATA:
        interview(db, owner, reviewer, *row)
    return owner, reviewer


def signed_in(client, db, *roles: Role):
    user = make_user(db, *roles)
    client.login(user.email, PASSWORD)
    return client


def text_of(html: str) -> str:
    return unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def section(html: str, name: str) -> str:
    for match in re.finditer(r'<section class="card criterion-insight".*?</section>', html,
                             re.S):
        if f">{name}</h3>" in match.group(0):
            return text_of(match.group(0))
    raise AssertionError(f"no section for {name}")


def test_the_page_shows_the_figures_worked_by_hand(client, db, scored):
    html = signed_in(client, db, Role.AUTHOR).get(PAGE).get_data(as_text=True)
    text = text_of(html)
    # Six answers, two scorecards each; #2 and #6 revealed a hint; one gate decided (#3).
    assert ("Revision 1: 6 interview answers scored, 12 scorecards. 2 revealed a hint. "
            "A gate decided 1 scorecard.") in text

    requirements = section(html, "Requirements")
    # Levels: Olive 4 4 3 2 3 2, Reviewer 0 4 3 4 2 1 2 -> one 1, four 2s, three 3s, four 4s;
    # mean (1 + 8 + 9 + 16) / 12 = 34/12 = 2.83.
    assert "Levels given for Requirements: 12 in all, mean 2.83" in requirements
    assert ("1 · Weak 1 8% 2 · Mixed 4 33% 3 · Solid 3 25% 4 · Strong 4 33%"
            in requirements)
    # Two levels apart only in #5 (3 and 1).
    assert "Disagreement 1 of 6 interviews scored by two reviewers or more" in requirements
    # Advanced answers 4, 3.5, 3.5 average 11/3; the others 2, 2, 2: 5/3 apart.
    assert ("Answers that advanced average 3.67, the others 2: a difference of 1.67 levels"
            in requirements)
    assert "No gate" in requirements and "Hints that give it away None revealed" in requirements

    storage = section(html, "Storage")
    # Levels: Olive 3 4 3 4 3 3, Reviewer 0 3 3 2 4 1 1 -> two 1s, one 2, six 3s, three 4s;
    # mean (2 + 2 + 18 + 12) / 12 = 34/12 = 2.83.
    assert "Levels given for Storage: 12 in all, mean 2.83" in storage
    assert "1 · Weak 2 17% 2 · Mixed 1 8% 3 · Solid 6 50% 4 · Strong 3 25%" in storage
    # Two apart in #5 and #6: 2 of 6 is a third, the share that flags it.
    assert "Disagreement 2 of 6 interviews" in storage
    # Below 3 on Reviewer 0's #3 (2), #5 (1) and #6 (1); only #3's mean, 10/3, met the bar.
    assert "Gate senior 3: missed on 3 scorecards, deciding 1" in storage
    # #2 revealed the hint giving Storage away: its answer's level 3.5; the other five
    # average (3 + 2.5 + 4 + 2 + 2) / 5 = 2.7. Olive's 4 there was capped to 3.
    assert ("Revealed on 1 answer (mean level 3.5, the others 2.7); capped on 1 scorecard"
            in storage)
    # Advanced 3, 3.5, 2.5 average 3; the others 4, 2, 2 average 8/3: a third of a level.
    assert "Answers that advanced average 3, the others 2.67: a difference of 0.33" in storage
    assert ("Disagreement: Reviewers disagree on Storage in 2 of 6 interviews: consider "
            "rewording its descriptors.") in storage
    assert ("Hardly separates: Storage hardly separates strong answers from weak ones: "
            "answers that advanced average 3, the others 2.67.") in storage
    assert 'id="reword"' in html

    # The agreement statistics are the comparison's, over the rows (Olive, Reviewer 0).
    rows = [(olive[1], other[1]) for _, olive, other, _ in DATA]
    icc = panel_agreement(rows)
    shown = f"{icc.statistic:.2f}".rstrip("0").rstrip(".")
    assert f"Agreement (ICC) {shown} · {icc.label} (6 interviews, 2 reviewers each)" in storage
    kappa = quadratic_weighted_kappa([a for a, _ in rows], [b for _, b in rows], 1, 4)
    shown = f"{kappa:.2f}".rstrip("0").rstrip(".")
    assert f"Olive Owner and Reviewer 0 6 {shown}" in storage

    # Hint 1 (a nudge) in #2 and #6; hint 2 (Storage) in #2 alone.
    hints = text_of(re.search(r'<section aria-labelledby="hints-title">.*?</section>', html,
                              re.S).group(0))
    assert "Hint 1 Nothing (a nudge) 2 Hint 2 Storage 1" in hints


def test_draft_scorecards_and_practice_do_not_count(client, db, scored):
    owner, reviewer = scored
    found, _ = make_interview(db, owner, [reviewer])
    join_and_start(db, found, make_user(db))
    answer_and_submit(db, found, "Another answer.")
    score_all(db, found, owner, 4, submit=False)
    html = signed_in(client, db, Role.AUTHOR).get(PAGE).get_data(as_text=True)
    assert "6 interview answers scored, 12 scorecards" in text_of(html)


def test_an_undecided_interview_counts_for_agreement_but_not_separation(client, db, scored):
    owner, reviewer = scored
    interview(db, owner, reviewer, None, (4, 4), (2, 2), 0)
    html = signed_in(client, db, Role.AUTHOR).get(PAGE).get_data(as_text=True)
    assert "7 interview answers scored, 14 scorecards" in text_of(html)
    assert "Disagreement 2 of 7 interviews" in section(html, "Requirements")
    assert "Answers that advanced average 3.67, the others 2" in section(html, "Requirements")


def test_the_query_count_does_not_grow_with_interviews(client, db, scored, query_counter):
    owner, reviewer = scored
    web = signed_in(client, db, Role.AUTHOR)
    query_counter.clear()
    web.get(PAGE)
    before = len(query_counter)
    interview(db, owner, reviewer, "advance", (4, 4), (4, 4), 2)
    query_counter.clear()
    web.get(PAGE)
    # The signed-in user, the rubric, its revision numbers, the revision and its criteria,
    # the interview items, the submitted levels, the hints revealed, the prompt
    # revisions' hints and the reviewers' names.
    assert len(query_counter) == before == 10


def test_no_scorecards_is_an_empty_state(client, db, library):
    html = signed_in(client, db, Role.AUTHOR).get(PAGE).get_data(as_text=True)
    assert "No submitted scorecards on revision 1 yet" in html
    assert "Revision 1: 0 interview answers scored, 0 scorecards." in text_of(html)
    # The thresholds are said in words, as the module defines them.
    assert ("flagged for rewording when reviewers disagree on it in at least 1 of every 3 of "
            "them") in text_of(html)


def test_a_revision_is_picked_by_number(client, db, scored, tmp_path):
    root = tmp_path / "content"
    replace_in(root / "rubrics/url-shortener.md", "weight: 2\n", "weight: 3\n")
    sync_content(db, root)
    web = signed_in(client, db, Role.AUTHOR)
    current = text_of(web.get(PAGE).get_data(as_text=True))
    assert "Revision 2: 0 interview answers scored" in current
    older = web.get(f"{PAGE}?revision=1").get_data(as_text=True)
    assert "Revision 1: 6 interview answers scored, 12 scorecards" in text_of(older)
    assert '<option value="2">2 (current)</option><option value="1" selected>1</option>' in \
        re.sub(r">\s+<", "><", older)


@pytest.mark.parametrize(("query", "status"), [
    ("revision=9", HTTPStatus.NOT_FOUND), ("revision=x", HTTPStatus.UNPROCESSABLE_ENTITY),
    ("revision=", HTTPStatus.OK), ("revision=-1", HTTPStatus.UNPROCESSABLE_ENTITY),
])
def test_unknown_or_garbled_revisions(client, db, library, query, status):
    assert signed_in(client, db, Role.AUTHOR).get(f"{PAGE}?{query}").status_code == status


@pytest.mark.parametrize(("roles", "status"), [
    ((Role.AUTHOR,), HTTPStatus.OK), ((Role.ADMIN,), HTTPStatus.OK),
    ((Role.INTERVIEWER,), HTTPStatus.FORBIDDEN), ((Role.CANDIDATE,), HTTPStatus.FORBIDDEN),
])
def test_who_may_open_the_pages(client, db, library, roles, status):
    web = signed_in(client, db, *roles)
    for url in (PAGE, OVERVIEW):
        assert web.get(url).status_code == status
    unknown = HTTPStatus.NOT_FOUND if status == HTTPStatus.OK else status
    assert web.get("/authoring/rubrics/no-such/insight").status_code == unknown


def test_the_overview_lists_flagged_rubrics_first(client, db, scored, query_counter):
    web = signed_in(client, db, Role.AUTHOR)
    query_counter.clear()
    html = web.get(OVERVIEW).get_data(as_text=True)
    # The user, the rubrics with their current revisions and criteria, then the five
    # queries of the scored answers.
    assert len(query_counter) == 9
    order = re.findall(r'<tr id="rubric-([a-z0-9-]+)">', html)
    assert order == ["url-shortener", "sum-two"]
    row = text_of(re.search(r'<tr id="rubric-url-shortener">.*?</tr>', html, re.S).group(0))
    assert row.startswith("URL shortener url-shortener 1 6 12 Worth rewording")
    assert "Reviewers disagree on Storage in 2 of 6 interviews" in row
    other = text_of(re.search(r'<tr id="rubric-sum-two">.*?</tr>', html, re.S).group(0))
    assert other.endswith("0 0 No scorecards yet")


def test_the_overview_has_an_empty_state(client, db):
    html = signed_in(client, db, Role.AUTHOR).get(OVERVIEW).get_data(as_text=True)
    assert "No rubrics are loaded yet" in html


def test_names_and_titles_are_escaped(client, db, tmp_path):
    root = tmp_path / "content"
    write_content(root)
    replace_in(root / "rubrics/url-shortener.md", "title: URL shortener",
               'title: "A <b>bold</b> & <i>shady</i> title"')
    sync_once(db, root)
    html = signed_in(client, db, Role.AUTHOR).get(OVERVIEW).get_data(as_text=True)
    # Markup the script rule lets through is still text in a title, never markup.
    assert "<b>bold</b>" not in html and "A &lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;shady" in html
