"""Many candidates autosaving at once, over HTTP, each on an attempt of their own.

``bench/load.py --candidates 500 --seconds 60`` runs it against gunicorn: it
signs seeded accounts in through the login form (more candidates than
accounts share an account's session, like tabs of one browser), starts a
design attempt for each candidate through the prompt page's form, then every
candidate saves its growing answer about every ``interval`` seconds
(jittered, starting at random within the first interval), based on the
revision the reply to its previous save gave, as the workspace's editor does.
One asyncio loop plays every candidate; each request is its own connection
(gunicorn's sync workers close it after the reply).
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from inprocess import CSRF_META, design_answer

from app.models.attempts import answer_digest

TIMEOUT = 30.0


@dataclass
class Reply:
    status: int
    headers: dict[str, list[str]]
    body: bytes


async def http(port: int, method: str, path: str, cookies: dict[str, str], *,
               form: dict | None = None, data: dict | None = None,
               headers: dict[str, str] | None = None) -> Reply:
    """One HTTP/1.1 request on a connection of its own; the cookies it sets are kept."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), TIMEOUT)
    try:
        body = b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}",
                 "User-Agent: archboard-bench", "Connection: close"]
        if form is not None:
            body = urlencode(form).encode()
            lines.append("Content-Type: application/x-www-form-urlencoded")
        elif data is not None:
            body = json.dumps(data).encode()
            lines.append("Content-Type: application/json")
        if body:
            lines.append(f"Content-Length: {len(body)}")
        if cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        raw = await asyncio.wait_for(reader.read(), TIMEOUT)
    finally:
        writer.close()
    head, _, content = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    found: dict[str, list[str]] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        found.setdefault(name.strip().lower(), []).append(value.strip())
    if "chunked" in ",".join(found.get("transfer-encoding", [])):
        content = _unchunk(content)
    for header in found.get("set-cookie", []):
        name, _, value = header.split(";", 1)[0].partition("=")
        if "Max-Age=0" in header or "expires=Thu, 01 Jan 1970" in header:
            cookies.pop(name.strip(), None)
        else:
            cookies[name.strip()] = value.strip()
    return Reply(int(status_line.split()[1]), found, content)


def _unchunk(data: bytes) -> bytes:
    out, rest = b"", data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if not size:
            break
        out, rest = out + rest[:size], rest[size + 2:]
    return out


@dataclass
class Session:
    """A signed-in browser: its cookies and the CSRF token its pages carry."""
    email: str
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""


@dataclass
class Candidate:
    session: Session
    attempt_id: int = 0


async def sign_in(port: int, session: Session, password: str, slug: str) -> None:
    """Sign in through the login form, then open the prompt's page for its CSRF token."""
    page = await http(port, "GET", "/login", session.cookies)
    token = CSRF_META.search(page.body.decode()).group(1)
    answer = await http(port, "POST", "/login", session.cookies, form={
        "email": session.email, "password": password, "csrf_token": token})
    if answer.status != 302:
        raise SystemExit(f"signing in {session.email} answered {answer.status}")
    page = await http(port, "GET", f"/practice/prompts/{slug}", session.cookies)
    session.token = CSRF_META.search(page.body.decode()).group(1)


async def start(port: int, candidate: Candidate, slug: str) -> None:
    """Start a design attempt through the prompt page's form, as the candidate would."""
    session = candidate.session
    answer = await http(port, "POST", f"/practice/prompts/{slug}/attempts", session.cookies,
                        form={"csrf_token": session.token})
    location = answer.headers.get("location", [""])[0]
    match = re.fullmatch(r"/practice/attempts/(\d+)", urlsplit(location).path)
    if answer.status != 302 or not match:
        raise SystemExit(f"starting an attempt for {session.email} answered {answer.status}")
    candidate.attempt_id = int(match.group(1))


@dataclass
class Outcome:
    acknowledged: dict[tuple[int, int], str] = field(default_factory=dict)  # -> digest sent
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)  # non-2xx replies by status
    failures: int = 0  # no reply at all: refused, reset or timed out
    seconds: float = 0.0
    started: float = 0.0  # perf_counter() when the saving began
    sent_at: list[float] = field(default_factory=list)  # each reply's request, as latencies_ms


async def candidate_saves(port: int, candidate: Candidate, index: int, outcome: Outcome, *,
                          seconds: float, interval: float, rng: random.Random) -> None:
    """Save a growing answer every ``interval`` s (jittered by a fifth) until ``seconds`` are up."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    due = loop.time() + rng.uniform(0, interval)
    based_on, step = 0, 0
    while due < end:
        await asyncio.sleep(max(0.0, due - loop.time()))
        step += 1
        body = design_answer(step, note=f" ({index})")
        began = time.perf_counter()
        try:
            reply = await http(port, "POST", f"/practice/attempts/{candidate.attempt_id}/draft",
                               candidate.session.cookies,
                               headers={"X-CSRFToken": candidate.session.token,
                                        "Accept": "application/json"},
                               data={"body": body, "based_on": based_on,
                                     "client_id": f"bench-{index}"})
        except (TimeoutError, OSError, IndexError, ValueError):
            outcome.failures += 1
        else:
            outcome.latencies_ms.append((time.perf_counter() - began) * 1000)
            outcome.sent_at.append(began)
            if reply.status in (200, 201):
                based_on = json.loads(reply.body)["revision"]
                outcome.acknowledged[(candidate.attempt_id, based_on)] = answer_digest(body)
            else:
                outcome.statuses[reply.status] = outcome.statuses.get(reply.status, 0) + 1
                if reply.status == 409:  # the editor would show the newer text: take its number
                    current = json.loads(reply.body).get("current") or {}
                    based_on = current.get("revision", based_on)
        due += interval * rng.uniform(0.8, 1.2)


async def _simulate(port: int, accounts: list[str], password: str, slug: str, *,
                    candidates: int, seconds: float, interval: float,
                    seed: int) -> tuple[list[Candidate], Outcome]:
    # Each account signs in once (hashing a password takes a good part of a second by
    # design); candidates beyond the number of accounts share one's session, like
    # tabs of one browser, each with an attempt of its own.
    sessions = [Session(email) for email in accounts[:candidates]]
    people = [Candidate(sessions[i % len(sessions)]) for i in range(candidates)]
    gate = asyncio.Semaphore(8)

    async def gated(work) -> None:
        async with gate:
            await work

    began = time.perf_counter()
    await asyncio.gather(*(gated(sign_in(port, s, password, slug)) for s in sessions))
    await asyncio.gather(*(gated(start(port, person, slug)) for person in people))
    print(f"{candidates} candidates ({len(sessions)} accounts) signed in and started an attempt in "
          f"{time.perf_counter() - began:.0f} s; saving every {interval:g} s for {seconds:g} s",
          flush=True)
    outcome = Outcome()
    rng = random.Random(seed)
    began = outcome.started = time.perf_counter()
    await asyncio.gather(*(candidate_saves(port, person, i, outcome, seconds=seconds,
                                           interval=interval, rng=random.Random(rng.random()))
                           for i, person in enumerate(people)))
    outcome.seconds = time.perf_counter() - began
    return people, outcome


def simulate(port: int, accounts: list[str], password: str, slug: str, *, candidates: int,
             seconds: float, interval: float, seed: int = 1) -> tuple[list[Candidate], Outcome]:
    """Play ``candidates`` candidates against the app on ``port``; what they sent and got."""
    return asyncio.run(_simulate(port, accounts, password, slug, candidates=candidates,
                                 seconds=seconds, interval=interval, seed=seed))


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def slow_by_window(outcome: Outcome, budget_ms: float, window: float = 10.0) -> list[int]:
    """How many replies took longer than ``budget_ms``, per ``window`` seconds of the run:
    whether the slow ones are spread out or come in bursts."""
    counts = [0] * max(1, math.ceil(outcome.seconds / window))
    for sent, latency in zip(outcome.sent_at, outcome.latencies_ms, strict=True):
        if latency > budget_ms:
            counts[min(len(counts) - 1, int((sent - outcome.started) // window))] += 1
    return counts


def report(label: str, outcome: Outcome, stored: dict[tuple[int, int], str], *,
           candidates: int, p99_budget_ms: float = 200.0,
           rendering: tuple[int, int, float] | None = None) -> list[str]:
    """The run's figures, and whether the budget held: nothing lost, p99 under the budget.

    ``rendering``: answers whose newest text the worker had not rendered when the
    saves stopped, how many were still unrendered when it stopped waiting, and
    the seconds it waited.
    """
    lost = sum(1 for key, digest in outcome.acknowledged.items() if stored.get(key) != digest)
    unacknowledged = len(set(stored) - set(outcome.acknowledged))
    non_2xx = sum(outcome.statuses.values())
    p50, p99 = percentile(outcome.latencies_ms, 0.5), percentile(outcome.latencies_ms, 0.99)
    statuses = ", ".join(f"{n} x {status}" for status, n in sorted(outcome.statuses.items()))
    holds = lost == 0 and p99 < p99_budget_ms
    replies = len(outcome.latencies_ms)
    lines = [
        f"{label}: {candidates} candidates, {replies + outcome.failures} saves in "
        f"{outcome.seconds:.0f} s ({replies / max(outcome.seconds, 1e-9):.1f} replies/s)",
        f"  acknowledged (200) {len(outcome.acknowledged):6d}",
        f"  stored revisions   {len(stored):6d}",
        f"  lost               {lost:6d}   (acknowledged, but no revision with the text sent)",
        f"  stored, no reply   {unacknowledged:6d}",
        f"  non-2xx replies    {non_2xx:6d}" + (f"   ({statuses})" if statuses else ""),
        f"  no reply           {outcome.failures:6d}   (refused, reset or timed out)",
        f"  latency p50 {p50:.1f} ms, p99 {p99:.1f} ms",
        "  over the budget, by 10 s of the run: "
        + " ".join(f"{n}" for n in slow_by_window(outcome, p99_budget_ms)),
        *([f"  rendering          {rendering[0]:6d}   answers not yet rendered when the saves "
           f"stopped; {rendering[1]} left after {rendering[2]:.1f} s"] if rendering else []),
        f"  budget (lost 0, p99 < {p99_budget_ms:.0f} ms): {'holds' if holds else 'MISSED'}",
    ]
    print("\n".join(lines), flush=True)
    return lines
