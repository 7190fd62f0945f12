"""Sandbox benchmarks: the cost of isolation, and how many runs a worker machine does.

    .venv/bin/python bench/sandbox.py

Runs each coding prompt's reference solution against all of its tests, the
way a worker does, with and without bubblewrap; then measures throughput with
two runs at a time (a worker with WORKER_THREADS=2). Figures are printed, not
asserted; they depend on the machine.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.content.validate import load_content  # noqa: E402
from app.grading.runner.sandbox import (  # noqa: E402
    Limits,
    _bwrap_args,
    _execute,
    run_tests,
    sandbox_problem,
)

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 11
THROUGHPUT_RUNS = 40


def startup_cost(repeats: int = 30) -> tuple[float, float]:
    """Median seconds to run an empty Python program, in the sandbox and directly."""
    import tempfile

    medians = []
    for sandboxed in (True, False):
        samples = []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as tmp:
                work = Path(tmp)
                os.chmod(work, 0o755)  # noqa: S103 - as run_tests does, for the sandbox uid
                for name in ("code", "out"):
                    (work / name).mkdir(mode=0o777)
                command = ["/usr/bin/python3", "-c", "pass"]
                if sandboxed:
                    command = ["bwrap", *_bwrap_args(work), *command]
                started = time.perf_counter()
                result = _execute(command, work, Limits(), 61255, sandboxed=sandboxed)
                samples.append(time.perf_counter() - started)
                assert result.exit_code == 0, result.log
        medians.append(statistics.median(samples))
    return medians[0], medians[1]


def main() -> None:
    problem = sandbox_problem()
    if problem:
        sys.exit(f"the sandbox is unavailable: {problem}")
    inside, outside = startup_cost()
    print(f"empty program: {inside * 1000:.0f} ms in the sandbox, {outside * 1000:.0f} ms "
          f"directly: {(inside - outside) * 1000:.0f} ms to enter the sandbox")
    content = load_content(ROOT)
    coding = [p for p in content.prompts.values() if p.kind == "coding"]
    print(f"{'prompt':<22} {'tests':>5} {'sandboxed':>10} {'direct':>9} {'overhead':>9}")
    overheads = []
    for prompt in sorted(coding, key=lambda p: p.slug):
        tests = {**prompt.public_tests, **prompt.hidden_tests}
        timings = {}
        for sandbox in (True, False):
            samples = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                result = run_tests(prompt.files["solution.py"], tests, sandbox=sandbox)
                samples.append(time.perf_counter() - started)
                assert result.verdict == "completed" and result.passed == result.total
            timings[sandbox] = statistics.median(samples)
        overhead = timings[True] - timings[False]
        overheads.append(overhead)
        print(f"{prompt.slug:<22} {result.total:>5} {timings[True]:>9.3f}s {timings[False]:>8.3f}s "
              f"{overhead * 1000:>7.0f}ms")
    print(f"median overhead of the sandbox per run: {statistics.median(overheads) * 1000:.0f} ms")

    jobs = [coding[i % len(coding)] for i in range(THROUGHPUT_RUNS)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda p: run_tests(
            p.files["solution.py"], {**p.public_tests, **p.hidden_tests}), jobs))
    elapsed = time.perf_counter() - started
    assert all(r.verdict == "completed" for r in results)
    print(f"{THROUGHPUT_RUNS} sandboxed runs, 2 at a time: {elapsed:.1f} s, "
          f"{THROUGHPUT_RUNS / elapsed * 60:.0f} runs per minute")


if __name__ == "__main__":
    main()
