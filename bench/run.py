"""Benchmarks that print figures: markdown rendering and page throughput.

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
from app.db import get_database  # noqa: E402
from app.migrations_cli import upgrade  # noqa: E402

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
        get_database(app).engine.dispose()


if __name__ == "__main__":
    main()
