"""Load test: every main page under gunicorn and wrk, against the bare Flask floor.

    make bench                                  (quick: SQLite, 3 s per page)
    .venv/bin/python bench/load.py --db both    (10 s per page, SQLite then PostgreSQL)

For each database it seeds one (``bench/seed.py``; a SQLite file is kept under
``bench/.data/`` and reused while migrations, content and the seed script are
unchanged, a PostgreSQL cluster is throwaway), starts the app and the floor
(``bench/floor.py``) under gunicorn with production settings, signs in a seeded
candidate and interviewer through the login form, checks every page answers 2xx
for them, then loads each page with wrk, right after a run of the floor, and
prints requests per second, median and 99th percentile latency, error
responses (status 400 and up, and socket errors), bytes per response, the
floor's rate and the ratio to it. Everything it starts is stopped when it ends, also on Ctrl-C.
Figures depend on the machine; they are printed, never asserted.

The table also has the SQL statements one request of each endpoint runs
(counted in this process through the app and Flask's test client, on the same
database), and two endpoints that write, loaded last by a seeded candidate of
their own on fresh attempts: an autosave (``bench/autosave.lua``) and a submit
(``bench/submit.lua``); what they add is removed at the end.

    .venv/bin/python bench/load.py --scales 1 10       (the table at both sizes, compared)
    .venv/bin/python bench/load.py --candidates 500    (500 candidates autosaving for 60 s)
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH = ROOT / "bench"
DATA = ROOT / "bench" / ".data"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PYTHON = ROOT / ".venv" / "bin" / "python"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclass(frozen=True)
class Endpoint:
    name: str
    who: str  # "floor", "candidate", "interviewer" or "writer"
    path: str
    script: str | None = None  # a wrk script under bench/ that makes every request


# The endpoints that write, loaded last: a seeded candidate other than the one whose
# pages are loaded (the "writer") saves and submits fresh attempts of their own,
# made for each run and removed at the end.
WRITES = [
    Endpoint("autosave", "writer", "/practice/attempts/<fresh>/draft", "autosave.lua"),
    Endpoint("submit", "writer", "/practice/attempts/<fresh>/submit", "submit.lua"),
]


def endpoints(ids: dict) -> list[Endpoint]:
    """The pages to load, filled in with the seeded ids."""
    interview = f"/interviews/{ids['interview_id']}"
    workspace = f"/practice/attempts/{ids['workspace_attempt_id']}"
    poll = urlencode({"seen": ids["live_seen"], "stage": "debrief"})
    return [
        Endpoint("floor (fortunes)", "floor", "/fortunes"),
        Endpoint("library", "candidate", "/practice"),
        Endpoint("prompt", "candidate", f"/practice/prompts/{ids['prompt_slug']}"),
        Endpoint("workspace", "candidate", workspace),
        Endpoint("result", "candidate", f"/practice/attempts/{ids['result_attempt_id']}/result"),
        Endpoint("progress", "candidate", "/practice/progress"),
        Endpoint("revision history", "candidate", workspace + "/revisions"),
        Endpoint("dashboard", "interviewer", "/interviews"),
        Endpoint("interview overview", "interviewer", interview),
        Endpoint("scorecard", "interviewer", interview + "/scorecard"),
        Endpoint("comparison", "interviewer", interview + "/comparison"),
        Endpoint("live poll (nothing new)", "interviewer", f"{interview}/live/updates?{poll}"),
    ]


@dataclass
class Figures:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int  # responses with status 400 and up, as wrk counts them
    socket_errors: int
    requests: int
    ran_out: bool = False  # a write script used up its fresh attempts before the end


@dataclass
class Result:
    """One page's figures in a table, for comparing tables."""
    requests_per_second: float
    ratio: float
    statements: int


# Processes ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}:\n"
                             f"{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not listen on port {port} within {timeout:.0f} s")


def start_gunicorn(stack: ExitStack, target: str, env: dict, log: Path, workers: int) -> int:
    """gunicorn with sync workers on a free loopback port; stopped when ``stack`` closes."""
    port = free_port()
    with log.open("w") as handle:
        # A session (process group) of its own: stopping it stops its workers too.
        process = subprocess.Popen(  # noqa: S603 - fixed commands
            [str(GUNICORN), "--workers", str(workers), "--worker-class", "sync",
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", target],
            cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    stack.callback(stop_process, process)
    wait_for_port(port, process, log)
    return port


def start_worker(stack: ExitStack, env: dict, log: Path) -> None:
    """The job worker beside gunicorn, as ``make run`` has it: saves leave their
    markdown for it to render. Stopped when ``stack`` closes."""
    with log.open("w") as handle:
        process = subprocess.Popen(  # noqa: S603 - fixed commands
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--threads", "1"],
            cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    stack.callback(stop_process, process)


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


# Seeding ------------------------------------------------------------------------------------


def fingerprint() -> str:
    """What a kept SQLite seed depends on: the migrations, the content and the seed script."""
    digest = hashlib.sha256()
    files = [ROOT / "bench" / "seed.py", *sorted((ROOT / "migrations").rglob("*.py")),
             *sorted((ROOT / "prompts").rglob("*")), *sorted((ROOT / "rubrics").rglob("*"))]
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def run_seed(url: str, scale: float, out: Path) -> dict:
    command = [str(PYTHON), str(ROOT / "bench" / "seed.py"), url, "--scale", str(scale),
               "--out", str(out)]
    # The migrations log to stderr: shown only when the seed fails.
    done = subprocess.run(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)  # noqa: S603
    if done.returncode:
        raise SystemExit(f"bench/seed.py failed:\n{done.stderr[-3000:]}")
    return json.loads(out.read_text())


def sqlite_database(scale: float) -> tuple[str, dict]:
    """The kept SQLite seed at ``scale``, made again when what it depends on changed."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"seed-{scale:g}.sqlite"
    meta = path.with_suffix(".json")
    url = f"sqlite:///{path}"
    mark = fingerprint()
    if meta.exists() and path.exists():
        ids = json.loads(meta.read_text())
        if ids.get("fingerprint") == mark:
            print(f"reusing {path.relative_to(ROOT)} (seeded at scale {scale:g})")
            return url, ids
    for stale in (path, meta, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    print(f"seeding {path.relative_to(ROOT)} at scale {scale:g}")
    ids = run_seed(url, scale, meta)
    ids["fingerprint"] = mark
    meta.write_text(json.dumps(ids, indent=2) + "\n")
    return url, ids


def postgres_database(stack: ExitStack, scale: float) -> tuple[str, dict]:
    """A throwaway PostgreSQL cluster, seeded; stopped and removed when ``stack`` closes."""
    sys.path.insert(0, str(ROOT))
    from tests.support.postgres import start_postgres

    server = start_postgres()
    if isinstance(server, str):
        raise SystemExit(f"PostgreSQL: {server}")
    stack.callback(server.stop)
    print(f"seeding a throwaway PostgreSQL cluster on port {server.port} at scale {scale:g}")
    tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="archboard-bench-"))
    out = Path(tmp) / "ids.json"
    return server.url, run_seed(server.url, scale, out)


# Signing in ---------------------------------------------------------------------------------


def request(port: int, method: str, path: str, cookies: dict[str, str],
            body: dict | None = None) -> tuple[int, bytes, list[str]]:
    """One HTTP request; returns the status, the body and the Set-Cookie headers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"User-Agent": "archboard-bench"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    data = None
    if body is not None:
        data = urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(), response.headers.get_all("Set-Cookie") or []
    finally:
        conn.close()


def keep_cookies(cookies: dict[str, str], set_cookies: list[str]) -> None:
    # The cookies are marked Secure (production); a benchmark on loopback sends them anyway.
    for header in set_cookies:
        name, _, value = header.split(";", 1)[0].partition("=")
        if "expires=Thu, 01 Jan 1970" in header or "Max-Age=0" in header:
            cookies.pop(name.strip(), None)
        else:
            cookies[name.strip()] = value.strip()


def sign_in(port: int, email: str, password: str) -> dict[str, str]:
    """Sign in through the login form like a browser: its CSRF token, then the POST."""
    cookies: dict[str, str] = {}
    status, page, set_cookies = request(port, "GET", "/login", cookies)
    keep_cookies(cookies, set_cookies)
    match = CSRF_META.search(page.decode())
    if status != 200 or not match:
        raise SystemExit(f"GET /login answered {status} without a CSRF token")
    status, _, set_cookies = request(port, "POST", "/login", cookies, {
        "email": email, "password": password, "csrf_token": match.group(1)})
    keep_cookies(cookies, set_cookies)
    if status != 302:
        raise SystemExit(f"signing in {email} answered {status}, not a redirect")
    return cookies


# Loading ------------------------------------------------------------------------------------


def run_wrk(port: int, path: str, cookies: dict[str, str], *, seconds: float,
            connections: int, threads: int, script: str | None = None,
            pool: Path | None = None) -> Figures:
    command = ["wrk", "--latency", "-t", str(threads), "-c", str(connections),
               "-d", f"{seconds:g}s", "--timeout", "10s"]
    if cookies:
        command += ["-H", "Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items())]
    if script:
        command += ["-s", str(BENCH / script)]
    command.append(f"http://127.0.0.1:{port}{path if not script else '/'}")
    if script:
        command += ["--", str(pool), str(threads)]
    output = subprocess.run(command, check=True,  # noqa: S603 - wrk on loopback
                            capture_output=True, text=True).stdout
    return parse_wrk(output)


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def parse_wrk(output: str) -> Figures:
    """The figures from wrk's ``--latency`` report."""
    def find(pattern: str, default: str | None = None) -> str:
        match = re.search(pattern, output)
        if match:
            return match.group(1)
        if default is None:
            raise SystemExit(f"unexpected wrk output:\n{output}")
        return default

    socket_errors = find(r"Socket errors: (.*)", "")
    return Figures(
        requests_per_second=float(find(r"Requests/sec:\s+([\d.]+)")),
        p50_ms=_ms(find(r"\s50%\s+(\S+)")),
        p99_ms=_ms(find(r"\s99%\s+(\S+)")),
        errors=int(find(r"Non-2xx or 3xx responses: (\d+)", "0")),
        socket_errors=sum(int(n) for n in re.findall(r"\d+", socket_errors)),
        requests=int(find(r"(\d+) requests in")),
        ran_out="pool of fresh attempts ran out" in output,
    )


def settle(port: int, path: str, timeout: float = 120) -> None:
    """Wait until the server has worked off what the last run left queued.

    When wrk stops, the requests it had in flight stay in gunicorn's queue and
    the sync workers still answer them; without waiting, that backlog would
    count against the next page. Quick answers twice in a row mean it is gone.
    """
    deadline = time.monotonic() + timeout
    quick = 0
    while quick < 2 and time.monotonic() < deadline:
        began = time.perf_counter()
        request(port, "GET", path, {})
        quick = quick + 1 if time.perf_counter() - began < 0.05 else 0


def app_env(tmp: Path, url: str, **settings: str) -> dict:
    """The environment gunicorn runs the app with: production settings on ``url``."""
    env = {**os.environ, "ARCHBOARD_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
           "DATABASE_URL": url, "JOBS_SQLITE_PATH": str(tmp / "jobs.sqlite"),
           "BASE_URL": "http://127.0.0.1:8000",
           "PYTHONDONTWRITEBYTECODE": "1", **settings}
    env.pop("REDIS_URL", None)
    return env


def csrf_token(port: int, cookies: dict[str, str]) -> str:
    """The CSRF token of a signed-in session, as its pages carry it (cookies kept)."""
    status, page, set_cookies = request(port, "GET", "/", cookies)
    keep_cookies(cookies, set_cookies)
    match = CSRF_META.search(page.decode())
    if status != 200 or not match:
        raise SystemExit(f"GET / answered {status} without a CSRF token")
    return match.group(1)


def writer_account(database, ids: dict) -> str:
    """The seeded candidate who saves and submits: free to practise, not the bench candidate."""
    accounts = database.practice_accounts(exclude=(ids["candidate"],))
    if not accounts:
        raise SystemExit("the seed has no candidate free to practise besides the bench candidate")
    return accounts[0]


def bench_database(label: str, url: str, ids: dict,
                   args: argparse.Namespace) -> tuple[list[str], dict[str, Result]]:
    """Start the app and the floor on ``url``, load every endpoint; the table's lines and rows."""
    from inprocess import Database

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="archboard-bench-")))
        database = Database(url)
        stack.callback(database.close)
        writer = writer_account(database, ids)
        # What this run adds (the writer's fresh attempts and their revisions) goes at
        # the end, so a kept seed stays as it was seeded.
        stack.callback(database.remove_attempts_after, database.max_attempt_id(), [writer])
        env = app_env(tmp, url)
        app_port = start_gunicorn(stack, "wsgi:app", env, tmp / "app.log", args.workers)
        start_worker(stack, env, tmp / "worker.log")
        floor_port = start_gunicorn(stack, "bench.floor:app", env, tmp / "floor.log",
                                    args.workers)
        cookies = {"floor": {},
                   "candidate": sign_in(app_port, ids["candidate"], ids["password"]),
                   "interviewer": sign_in(app_port, ids["interviewer"], ids["password"]),
                   "writer": sign_in(app_port, writer, ids["password"])}
        writer_token = csrf_token(app_port, cookies["writer"])
        every = endpoints(ids) + WRITES
        pages = [e for e in every if not args.only or e.who == "floor"
                 or any(word in e.name for word in args.only)]
        sizes = {}
        for endpoint in pages:
            if endpoint.script:
                sizes[endpoint.name] = 0
                continue
            port = floor_port if endpoint.who == "floor" else app_port
            status, body, _ = request(port, "GET", endpoint.path, cookies[endpoint.who])
            if not 200 <= status < 300:
                raise SystemExit(f"{endpoint.name}: GET {endpoint.path} answered {status} "
                                 f"as the {endpoint.who}\n{(tmp / 'app.log').read_text()[-3000:]}")
            sizes[endpoint.name] = len(body)
        # Statements per request, counted in this process on the same database.
        clients = {who: database.signed_in(ids[who], ids["password"])[0]
                   for who in ("candidate", "interviewer")}
        statements = database.count_pages([p for p in pages if p.who in clients], clients)
        statements[pages[0].name] = database.count_floor()
        if any(p.script for p in pages):
            statements.update(database.count_writes(writer, ids["password"]))
        lines = [f"{label}: gunicorn {args.workers} sync workers, wrk {args.threads} threads "
                 f"{args.connections} connections, {args.seconds:g} s per page; each page "
                 "right after a floor run of its own; statements: one request in process",
                 "",
                 f"| {'page':<24} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | "
                 f"{'errors':>6} | {'bytes':>7} | {'stmts':>5} | {'floor/s':>7} | {'x floor':>7} |",
                 f"|{'-' * 26}|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 7}:|{'-' * 8}:|"
                 f"{'-' * 6}:|{'-' * 8}:|{'-' * 8}:|"]
        print("\n".join(lines), flush=True)
        results: dict[str, Result] = {}
        notes: list[str] = []

        def pool(endpoint: Endpoint, floor_rate: float) -> Path:
            """Fresh attempts for one run of a write endpoint, in a file its script reads."""
            if endpoint.name == "autosave":
                # Four attempts per connection: one save in flight each, and spares.
                size = 4 * math.ceil(args.connections / args.threads) * args.threads
            else:
                # One attempt a request: as many as the floor's rate would use up, so the
                # pool lasts unless the endpoint outruns the bare page.
                size = math.ceil(floor_rate * args.seconds * 1.2) + 4 * args.connections
            ids_file = tmp / f"{endpoint.name}.pool"
            fresh = database.fresh_attempts(writer, size)
            ids_file.write_text("\n".join([writer_token, *map(str, fresh)]) + "\n")
            return ids_file

        def measure(endpoint: Endpoint, *, warm: bool, floor_rate: float = 0.0) -> Figures:
            port = floor_port if endpoint.who == "floor" else app_port
            idle = "/fortunes" if endpoint.who == "floor" else "/healthz"
            who = cookies[endpoint.who]
            if warm and args.warmup:
                run_wrk(port, endpoint.path, who, seconds=args.warmup,
                        connections=args.connections, threads=args.threads,
                        script=endpoint.script,
                        pool=pool(endpoint, floor_rate) if endpoint.script else None)
                settle(port, idle)
            ids_file = pool(endpoint, floor_rate) if endpoint.script else None
            figures = run_wrk(port, endpoint.path, who, seconds=args.seconds,
                              connections=args.connections, threads=args.threads,
                              script=endpoint.script, pool=ids_file)
            settle(port, idle)
            if figures.ran_out:
                notes.append(f"{endpoint.name}: its fresh attempts ran out before the end, "
                             "so its req/s is too low")
            return figures

        def row(endpoint: Endpoint, figures: Figures, floor: Figures) -> None:
            rate = figures.requests_per_second
            ratio = rate / floor.requests_per_second
            results[endpoint.name] = Result(rate, ratio, statements[endpoint.name])
            size = f"{sizes[endpoint.name]:7,d}" if not endpoint.script else f"{'-':>7}"
            line = (f"| {endpoint.name:<24} | {rate:7.1f} | "
                    f"{figures.p50_ms:7.1f} | {figures.p99_ms:7.1f} | "
                    f"{figures.errors + figures.socket_errors:6d} | "
                    f"{size} | {statements[endpoint.name]:5d} | "
                    f"{floor.requests_per_second:7.1f} | {ratio:6.2f}x |")
            print(line, flush=True)
            lines.append(line)

        # The machine's load can change during a run (other processes, turbo, the
        # page cache), so each page is compared with the floor measured just before it.
        floor_endpoint, floors = pages[0], []
        for endpoint in pages[1:]:
            floor = measure(floor_endpoint, warm=not floors)
            if not floors:
                row(floor_endpoint, floor, floor)
            floors.append(floor.requests_per_second)
            row(endpoint, measure(endpoint, warm=True, floor_rate=floor.requests_per_second),
                floor)
        if floors:
            notes.append(f"The floor ran at {min(floors):.0f} to {max(floors):.0f} req/s "
                         f"during the run (median {sorted(floors)[len(floors) // 2]:.0f}).")
        if any(p.script for p in pages):
            notes.append("autosave: new text each save, based on the revision the previous "
                         "reply gave; submit: a fresh attempt each request (302 to its result).")
        if notes:
            print("\n".join(notes))
            lines += ["", *notes]
        return lines, results


def compare_scales(label: str, scales: list[float],
                   tables: list[dict[str, Result]]) -> list[str]:
    """Each page at the larger scale as a share of the smaller, and both statement counts."""
    (small, large), (before, after) = scales, tables
    lines = [f"{label}: scale {large:g} against scale {small:g} (budget: 85% of the "
             "throughput, the same statements); \"share\" compares the ratios to the floor "
             "as well: when it and req/s % disagree, the machine's load moved between runs",
             "",
             f"| {'page':<24} | {'req/s ' + format(small, 'g'):>10} | "
             f"{'req/s ' + format(large, 'g'):>10} | {'req/s %':>7} | {'share':>6} | "
             f"{'stmts ' + format(small, 'g'):>10} | {'stmts ' + format(large, 'g'):>10} | "
             f"{'budget':>6} |",
             f"|{'-' * 26}|{'-' * 11}:|{'-' * 11}:|{'-' * 8}:|{'-' * 7}:|{'-' * 11}:|"
             f"{'-' * 11}:|{'-' * 8}|"]
    for name, first in before.items():
        second = after.get(name)
        if second is None or name.startswith("floor"):
            continue
        raw = 100 * second.requests_per_second / first.requests_per_second
        share = 100 * second.ratio / first.ratio
        holds = raw >= 85 and second.statements == first.statements
        lines.append(f"| {name:<24} | {first.requests_per_second:10.1f} | "
                     f"{second.requests_per_second:10.1f} | {raw:6.0f}% | {share:5.0f}% | "
                     f"{first.statements:10d} | {second.statements:10d} | "
                     f"{'holds' if holds else 'MISSED':<6} |")
    print("\n".join(lines), flush=True)
    return lines


def autosave_database(label: str, url: str, ids: dict, args: argparse.Namespace) -> list[str]:
    """Many candidates saving at once against gunicorn on ``url``; the figures and the verdict."""
    import autosave
    from inprocess import Database

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="archboard-bench-")))
        database = Database(url)
        stack.callback(database.close)
        accounts = database.practice_accounts(exclude=(ids["candidate"],))
        if not accounts:
            raise SystemExit("the seed has no candidate free to practise")
        stack.callback(database.remove_attempts_after, database.max_attempt_id(), accounts)
        # Every candidate signs in from this one address: the per-address limit on
        # sign-ins (10 a minute by default) is for people, not for this test.
        env = app_env(tmp, url, LOGIN_RATE_LIMIT="100000 per minute")
        port = start_gunicorn(stack, "wsgi:app", env, tmp / "app.log", args.workers)
        start_worker(stack, env, tmp / "worker.log")
        people, outcome = autosave.simulate(
            port, accounts, ids["password"], database.design_prompt(),
            candidates=args.candidates, seconds=args.seconds, interval=args.interval)
        attempt_ids = [person.attempt_id for person in people]
        stored = database.revisions_of(attempt_ids)
        # The worker renders each answer's newest text after its save: how far behind
        # it was when the saves stopped, and how long it took to catch up.
        ended, behind = time.perf_counter(), database.unrendered(attempt_ids)
        left = behind
        while left and time.perf_counter() - ended < 120:
            time.sleep(0.5)
            left = database.unrendered(attempt_ids)
        return autosave.report(label, outcome, stored, candidates=args.candidates,
                               rendering=(behind, left, time.perf_counter() - ended))


LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="3 s per page, 1 s warm-up")
    parser.add_argument("--seconds", type=float, help="load per page (default 10, quick 3)")
    parser.add_argument("--warmup", type=float, help="unmeasured load first (default 2, quick 1)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--scale", type=float, default=1.0, help="seed size (bench/seed.py)")
    parser.add_argument("--only", nargs="*", help="only pages whose name has one of these words")
    parser.add_argument("--scales", type=float, nargs=2, metavar=("SMALL", "LARGE"),
                        help="the table at both seed sizes, then LARGE as a share of SMALL")
    parser.add_argument("--candidates", type=int,
                        help="instead of the table: this many candidates autosaving at once "
                        "(--seconds defaults to 60)")
    parser.add_argument("--interval", type=float, default=5.0,
                        help="seconds between one candidate's saves (--candidates)")
    args = parser.parse_args(argv)
    if args.candidates:
        args.seconds = args.seconds or 60
    args.seconds = args.seconds or (3 if args.quick else 10)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)

    if shutil.which("wrk") is None:
        print("wrk is not installed: `apt-get install wrk` as root, or run "
              "`sudo bash scripts/install-tools.sh bench`", file=sys.stderr)
        return 1
    # SIGTERM ends the run like Ctrl-C, so the ExitStacks stop what they started (also
    # SIGINT, which a shell ignores in background jobs).
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    began = time.perf_counter()
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"{datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores, "
          f"{os.uname().sysname} {os.uname().release}, load average before: {load}")
    for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        tables = []
        for scale in args.scales or [args.scale]:
            with ExitStack() as stack:
                if db == "sqlite":
                    url, ids = sqlite_database(scale)
                else:
                    url, ids = postgres_database(stack, scale)
                counts = ", ".join(f"{n:,} {name}" for name, n in ids["counts"].items())
                print(f"{db}: {counts}\n")
                if args.candidates:
                    autosave_database(LABELS[db], url, ids, args)
                else:
                    tables.append(bench_database(f"{LABELS[db]}, scale {scale:g}", url, ids,
                                                 args)[1])
                print()
        if args.scales and not args.candidates:
            compare_scales(LABELS[db], args.scales, tables)
            print()
    print(f"done in {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: everything started was stopped", file=sys.stderr)
        sys.exit(130)
