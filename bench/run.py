"""Benchmarks that print figures: markdown rendering, page throughput, interview pages.

    make bench            (or .venv/bin/python bench/run.py)

Figures depend on the machine; they are printed, never asserted.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.auth import services as auth_services  # noqa: E402
from app.content.render import render_markdown  # noqa: E402
from app.content.sync import sync_content  # noqa: E402
from app.db import get_database  # noqa: E402
from app.grading.agreement import panel_agreement  # noqa: E402
from app.migrations_cli import upgrade  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

ANSWER = """\
## Requirements
- 20k requests per second at peak; p99 under 50 ms for reads
- [x] per-tenant limits  - [ ] global limits

## Data model
| table | key | notes |
| --- | --- | --- |
| limits | tenant_id | cached for 60 s |
| counters | tenant_id, window | Redis hash, TTL = window |

```mermaid
flowchart LR
  client --> lb[Load balancer] --> api[API] --> redis[(Redis)]
  api --> pg[(PostgreSQL)]
```

```python
def allow(key: str, cost: int = 1) -> bool:
    return bucket(key).take(cost)
```
""" * 10  # about 5 KB, a typical design answer


def timed(label: str, runs: int, action) -> None:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    mean = statistics.fmean(samples)
    p95 = sorted(samples)[int(0.95 * (len(samples) - 1))]
    print(f"{label:<46} {1 / mean:9.1f} /s   mean {mean * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms")


def main() -> None:
    print(f"markdown answer size: {len(ANSWER):,} characters")
    timed(f"render_markdown ({len(ANSWER) // 1000} KB answer)", 300,
          lambda: render_markdown(ANSWER))

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"ARCHBOARD_ENV": "testing", "SECRET_KEY": "b" * 40,
                          "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite"})
        with app.app_context():
            upgrade(app)
            from app.db import get_session
            from app.models import Role

            auth_services.sign_up(get_session(), email="bench@example.com", display_name="Bench",
                                  password="bench-password-1", roles=tuple(Role))
        client = app.test_client()
        timed("GET / signed out (test client, SQLite)", 300, lambda: client.get("/"))
        timed("GET /login (test client, SQLite)", 300, lambda: client.get("/login"))
        timed("password check (scrypt, default cost)", 20, lambda: auth_services.authenticate(
            get_database(app).sessionmaker(), "bench@example.com", "bench-password-1"))
        # CSRF is on, so sign in through the page like a browser would.
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        client.post("/login", data={"email": "bench@example.com",
                                    "password": "bench-password-1", "csrf_token": token})
        timed("GET / signed in as admin (test client)", 300, lambda: client.get("/"))
        timed("GET /admin/users (test client)", 300, lambda: client.get("/admin/users"))
        interview_id, attempt_id = scored_interview(app, reviewers=5)
        base = f"/interviews/{interview_id}"
        timed("GET /interviews (dashboard)", 200, lambda: client.get("/interviews"))
        timed("GET scorecard (5 KB answer, 5 criteria)", 200,
              lambda: client.get(base + "/scorecard"))
        timed("GET comparison (6 reviewers)", 200, lambda: client.get(base + "/comparison"))
        timed("GET live/updates, nothing new", 300,
              lambda: client.get(base + f"/live/updates?seen={attempt_id}:1:1&stage=debrief"))
        autosaves(app, client)
        get_database(app).engine.dispose()

    table = [[(i * 7 + j * 3) % 4 + 1 for j in range(6)] for i in range(25)]
    timed("panel_agreement, 25 criteria x 6 reviewers", 300, lambda: panel_agreement(table))


def autosaves(app, client) -> None:
    """Time autosave on a design prompt (the 5 KB answer is rendered on each save) and on a
    coding prompt (code is stored without HTML: the request and its statements alone)."""
    from app.db import get_session
    from app.models import User
    from app.practice import services

    page = client.get("/").get_data(as_text=True)
    token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    for slug, label in (("chat-service", "design, 5 KB"), ("lru-cache-ttl", "code, 5 KB")):
        with app.app_context():
            db = get_session()
            user = db.query(User).filter_by(email="bench@example.com").one()
            url = f"/practice/attempts/{services.start_attempt(db, user, slug).id}/draft"
        newest = [0]

        def save(body: str, based_on: int, client_id: str = "bench", url=url):
            response = client.post(url, json={"body": body, "based_on": based_on,
                                              "client_id": client_id},
                                   headers={"X-CSRFToken": token})
            assert response.status_code in (200, 409), response.status_code
            return response

        def fresh(newest=newest, save=save):
            newest[0] = save(ANSWER + str(newest[0]), newest[0]).json["revision"]

        timed(f"POST autosave, new text ({label})", 300, fresh)
        timed(f"POST autosave, unchanged text ({label})", 300,
              lambda newest=newest, save=save: save(ANSWER + str(newest[0] - 1), newest[0]))
        timed(f"POST autosave, stale: 409 ({label})", 300,
              lambda newest=newest, save=save: save("elsewhere", newest[0] - 1, "other-tab"))


def scored_interview(app, *, reviewers: int) -> tuple[int, int]:
    """An interview on a real prompt, answered and scored by the bench user and others."""
    from app.db import get_session
    from app.interviews import clock, invitations, scorecards
    from app.models import InterviewMode, Role, User

    with app.app_context():
        db = get_session()
        sync_content(db, ROOT)
        owner = db.query(User).filter_by(email="bench@example.com").one()
        panel = [auth_services.sign_up(db, email=f"reviewer{n}@example.com",
                                       display_name=f"Reviewer {n}", password="bench-password-1",
                                       roles=(Role.INTERVIEWER,)) for n in range(reviewers)]
        slug = next(p.slug for p, r in invitations.interview_prompts(db)
                    if r.kind == "system-design")
        interview, _ = invitations.create_interview(db, owner, invitations.NewInterview(
            candidate_name="Bench Candidate", candidate_email="candidate@example.com",
            prompt_slugs=[slug], target_level="senior", mode=InterviewMode.LIVE,
            reviewer_ids=[u.id for u in panel]))
        candidate = auth_services.sign_up(db, email="candidate@example.com",
                                          display_name="Candidate", password="bench-password-1")
        invitations.join(db, interview, candidate)
        clock.start(db, interview, candidate)
        from app.attempts import lifecycle

        attempt = interview.items[0].attempt
        lifecycle.save_draft(db, attempt, body=ANSWER, based_on=0)
        lifecycle.submit_attempt(db, attempt)
        for n, reviewer in enumerate([owner, *panel]):
            levels = {(attempt.id, c.id): scorecards.CriterionInput(
                level=1 + (n + c.position) % 4, comment="Because.")
                for c in attempt.rubric_revision.criteria}
            scorecards.save_scorecard(db, interview, reviewer, scorecards.ScorecardInput(
                   levels, recommendation="yes", summary="Fine."), submit=True)
        return interview.id, attempt.id


if __name__ == "__main__":
    main()
