"""Sandbox benchmarks: the cost of isolation, and how many runs a worker machine does.

    .venv/bin/python bench/sandbox.py

Runs each coding prompt's reference solution against all of its tests three
ways: as a worker does (judge and subject in bubblewrap, talking over the
bridge), the same two processes without bubblewrap, and plain pytest with the
code in its own process (no isolation and a forgeable verdict, for
comparison); then measures throughput with two runs at a time (a worker with
WORKER_THREADS=2). Figures are printed, not asserted; they depend on the machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.content.validate import load_content  # noqa: E402
from app.grading.runner.sandbox import (  # noqa: E402
    SYSTEM_PYTHON,
    Limits,
    _bwrap_args,
    bwrap_path,
    run_tests,
    sandbox_problem,
)

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 11
THROUGHPUT_RUNS = 40


def startup_cost(repeats: int = 30) -> tuple[float, float]:
    """Median seconds to run an empty Python program, in the sandbox and directly."""
    medians = []
    for command in ([bwrap_path(), *_bwrap_args(Limits()), SYSTEM_PYTHON, "-c", "pass"],
                    [SYSTEM_PYTHON, "-c", "pass"]):
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            subprocess.run(command, check=True, env={})  # noqa: S603 - fixed commands
            samples.append(time.perf_counter() - started)
        medians.append(statistics.median(samples))
    return medians[0], medians[1]


def one_process(code: str, tests: dict[str, str]) -> None:
    """Plain pytest with the code imported into the tests' process: how runs once worked."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "solution.py").write_text(code)
        for name, text in tests.items():
            (folder / Path(name).name).write_text(text)
        subprocess.run([SYSTEM_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider",  # noqa: S603
                        *sorted(Path(n).name for n in tests)], cwd=tmp, check=True,
                       capture_output=True, env={"PYTHONDONTWRITEBYTECODE": "1"})


def main() -> None:
    problem = sandbox_problem()
    if problem:
        sys.exit(f"the sandbox is unavailable: {problem}")
    inside, outside = startup_cost()
    print(f"empty program: {inside * 1000:.0f} ms in the sandbox, {outside * 1000:.0f} ms "
          f"directly: {(inside - outside) * 1000:.0f} ms to enter the sandbox")
    content = load_content(ROOT)
    coding = [p for p in content.prompts.values() if p.kind == "coding"]
    print(f"{'prompt':<22} {'tests':>5} {'sandboxed':>10} {'bridge':>9} {'one process':>12}")
    overheads, bridge_costs = [], []
    for prompt in sorted(coding, key=lambda p: p.slug):
        tests = {**prompt.public_tests, **prompt.hidden_tests}
        timings = {}
        for way in ("sandboxed", "bridge", "one process"):
            samples = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                if way == "one process":
                    one_process(prompt.files["solution.py"], tests)
                else:
                    result = run_tests(prompt.files["solution.py"], tests,
                                       sandbox=way == "sandboxed")
                    assert result.verdict == "completed" and result.passed == result.total
                samples.append(time.perf_counter() - started)
            timings[way] = statistics.median(samples)
        overheads.append(timings["sandboxed"] - timings["bridge"])
        bridge_costs.append(timings["bridge"] - timings["one process"])
        print(f"{prompt.slug:<22} {result.total:>5} {timings['sandboxed']:>9.3f}s "
              f"{timings['bridge']:>8.3f}s {timings['one process']:>11.3f}s")
    print(f"median cost of bubblewrap per run: {statistics.median(overheads) * 1000:.0f} ms; "
          f"of the bridge (two processes, every call a message): "
          f"{statistics.median(bridge_costs) * 1000:.0f} ms")

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
