"""One page, signed in, timed and profiled in process on a copy of the bench database.

    .venv/bin/python bench/page_profile.py /practice                      # as the bench candidate
    .venv/bin/python bench/page_profile.py /interviews --as interviewer   # as the bench interviewer
    .venv/bin/python bench/page_profile.py /practice --sort tottime --rows 40

It copies the seed ``bench/load.py`` keeps (``bench/.data/seed-1.sqlite``, made
by ``make bench`` or ``bench/seed.py``; ``--seed`` for another) to a temporary
file, so the seed stays as it is, brings it to the current migrations, signs
in through the login form with Flask's test client and production settings,
then asks for the page ``--requests`` times: it prints the wall-clock and
processor milliseconds per request (processor time moves less on a busy
machine), the Python function calls per request (from cProfile; they do not
move with the machine at all) and the profile's top rows. The seed's ids
(``workspace_attempt_id``, ``interview_id``, ...) are in the JSON file beside it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HTTPS = "https://localhost"  # production cookies are Secure


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="the page, e.g. /practice or /interviews/5/scorecard")
    parser.add_argument("--as", dest="who", choices=("candidate", "interviewer"),
                        default="candidate")
    parser.add_argument("--seed", type=Path, default=ROOT / "bench" / ".data" / "seed-1.sqlite")
    parser.add_argument("--ids", type=Path, help="the seed's ids (default: the JSON beside it)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--sort", default="cumulative", help="a pstats sort key")
    parser.add_argument("--rows", type=int, default=30, help="profile rows to print (0: none)")
    args = parser.parse_args(argv)
    ids_file = args.ids or args.seed.with_suffix(".json")
    if not args.seed.exists() or not ids_file.exists():
        raise SystemExit(f"no seed at {args.seed}: run make bench, or bench/seed.py, first")
    ids = json.loads(ids_file.read_text())

    with tempfile.TemporaryDirectory(prefix="archboard-profile-") as tmp:
        copy = Path(tmp) / "profile.sqlite"
        shutil.copyfile(args.seed, copy)
        os.environ.update(ARCHBOARD_ENV="production", SECRET_KEY="profile-" + "s" * 40,
                          BASE_URL="http://127.0.0.1",
                          DATABASE_URL=f"sqlite:///{copy}",
                          JOBS_SQLITE_PATH=str(Path(tmp) / "jobs.sqlite"))
        sys.path.insert(0, str(ROOT))
        from app import create_app
        from app.migrations_cli import upgrade

        app = create_app()
        upgrade(app)
        client = app.test_client()
        page = client.get("/login", base_url=HTTPS).get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        signed_in = client.post("/login", base_url=HTTPS,
                                headers={"Referer": f"{HTTPS}/login"},
                                data={"email": ids[args.who], "password": ids["password"],
                                      "csrf_token": token})
        if signed_in.status_code != 302:
            raise SystemExit(f"signing in answered {signed_in.status_code}")

        def ask() -> int:
            return client.get(args.path, base_url=HTTPS).status_code

        for _ in range(20):  # warm: templates compiled, statements cached
            status = ask()
        began, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            ask()
        wall_ms = (time.perf_counter() - began) / args.requests * 1000
        cpu_ms = (time.process_time() - cpu) / args.requests * 1000
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            ask()
        profile.disable()
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        print(f"GET {args.path} as the {args.who}: {status}")
        print(f"wall {wall_ms:.2f} ms, processor {cpu_ms:.2f} ms, "
              f"{stats.total_calls // args.requests:,} calls per request")
        if args.rows:
            stats.sort_stats(args.sort).print_stats(args.rows)
            print(out.getvalue())


if __name__ == "__main__":
    main()
