"""Running a candidate's Python against a prompt's tests, inside bubblewrap.

The code runs as an unprivileged uid (65534) in fresh namespaces: no network
(its own empty network namespace), a read-only view of /usr only (no /etc, no
/home, no app files), a private /tmp, a cleared environment, no capabilities,
and rlimits on CPU time, address space, file size, open files and processes,
all inside a wall-clock timeout. pytest comes from the system Python
(Debian's python3-pytest), never from the app's virtualenv.

What it does not protect against: the tests run in the same process as the
candidate's code, so hostile code can tamper with pytest and forge its own
results; the kernel is shared, so a kernel exploit escapes. Reviewers read the
code; the sandbox keeps the host and the app safe, not the score honest.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

SANDBOX_UID = 65534  # the uid code sees inside the sandbox
# Outside, each run that is going on at once gets its own uid from this range:
# RLIMIT_NPROC counts every process of a uid, so a shared uid would let one
# run's fork bomb starve the others.
HOST_UIDS = range(61000, 61256)
SYSTEM_PYTHON = "/usr/bin/python3"
PRLIMIT = "/usr/bin/prlimit"  # util-linux, on every Debian system
MESSAGE_MAX = 2_000
OUTPUT_MAX = 4_000
# What a failure looks like when the code tried to reach outside its sandbox:
# the network, another process, or a file that is not there for it.
DENIED = re.compile(r"PermissionError|ConnectionRefusedError|Network is unreachable|"
                    r"Operation not permitted|ProcessLookupError|BlockingIOError|"
                    r"No such file or directory: '/(?!code/|tmp/)")


class SandboxUnavailable(RuntimeError):
    """bubblewrap (or the system Python with pytest) cannot run here; nothing was executed."""


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 20.0
    cpu_seconds: int = 10
    memory_bytes: int = 768 * 1024 * 1024
    file_bytes: int = 8 * 1024 * 1024
    open_files: int = 64
    processes: int = 64


@dataclass(frozen=True)
class TestOutcome:
    name: str
    file: str
    outcome: str  # passed, failed, error, skipped
    seconds: float
    message: str = ""
    output: str = ""


@dataclass(frozen=True)
class RunResult:
    """What happened: the verdict, and each test's outcome when pytest reported them."""

    verdict: str  # completed, timeout, memory_limit, output_limit, crashed, refused
    detail: str
    tests: tuple[TestOutcome, ...] = ()
    seconds: float = 0.0
    exit_code: int | None = None
    sandboxed: bool = True
    log: str = field(default="", repr=False)

    @property
    def passed(self) -> int:
        return sum(1 for t in self.tests if t.outcome == "passed")

    @property
    def total(self) -> int:
        return len(self.tests)


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def sandbox_problem() -> str | None:
    """Why the sandbox cannot run here, or None when it can."""
    bwrap = bwrap_path()
    if bwrap is None:
        return "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    if not Path(PRLIMIT).exists():
        return f"{PRLIMIT} is missing (util-linux)"
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} is missing"
    probe = subprocess.run(
        [bwrap, *_bwrap_args(Path("/nonexistent")), SYSTEM_PYTHON, "-c", "import pytest"],
        capture_output=True, text=True, timeout=30, env={}, check=False,
        **_as_user(SANDBOX_UID),
    )
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["unknown error"])[-1]
        if "pytest" in reason:
            return "the system Python has no pytest: apt-get install python3-pytest"
        return f"bubblewrap cannot create a sandbox here: {reason}"
    return None


def _bwrap_args(work: Path) -> list[str]:
    args = [
        "--unshare-all", "--die-with-parent", "--new-session",
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/bin", "/bin",
        "--proc", "/proc", "--dev", "/dev",
        "--size", str(64 * 1024 * 1024), "--tmpfs", "/tmp",
        "--clearenv", "--setenv", "PATH", "/usr/bin", "--setenv", "HOME", "/tmp",
        "--setenv", "PYTHONDONTWRITEBYTECODE", "1", "--setenv", "LANG", "C.UTF-8",
        "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
        "--cap-drop", "ALL",
    ]
    if work.exists():
        args += ["--ro-bind", str(work / "code"), "/code", "--bind", str(work / "out"), "/out",
                 "--chdir", "/code"]
    return args


def _as_user(uid: int) -> dict:
    """Popen arguments that start the child as ``uid`` (set in C, between fork and exec).

    No ``preexec_fn``: the worker runs several runs on threads, and Python code
    between fork and exec can deadlock in a threaded process.
    """
    if os.geteuid() != 0:
        return {}
    return {"user": uid, "group": uid, "extra_groups": []}


def _with_limits(command: list[str], limits: Limits) -> list[str]:
    """``command`` behind util-linux's prlimit, which sets the rlimits and execs it.

    The CPU limit's soft value sends SIGXCPU (a clear "out of CPU time"); the
    hard value, a second later, kills whatever ignored it. The process limit
    only binds a non-root uid, which is why runs never stay root.
    """
    return [
        PRLIMIT,
        f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + 1}",
        f"--as={limits.memory_bytes}",
        f"--fsize={limits.file_bytes}",
        f"--nofile={limits.open_files}",
        f"--nproc={limits.processes}",
        "--core=0",
        "--",
        *command,
    ]


@contextmanager
def _lease_uid() -> Iterator[int]:
    """A host uid no other run on this machine is using, held for the run."""
    if os.geteuid() != 0:
        yield os.geteuid()  # unprivileged workers cannot switch uid; they run as themselves
        return
    folder = Path(tempfile.gettempdir()) / "archboard-sandbox-uids"
    folder.mkdir(mode=0o700, exist_ok=True)
    for uid in HOST_UIDS:
        handle = open(folder / str(uid), "w")  # noqa: SIM115 - held for the whole run
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        try:
            yield uid
        finally:
            _clear_uid(uid)  # the next run on this uid starts with no processes counted
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
        return
    raise SandboxUnavailable(f"all {len(HOST_UIDS)} sandbox uids are in use on this machine")


def _processes_of(uid: int) -> list[int]:
    """Live (non-zombie) processes owned by ``uid``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue  # it exited while we looked
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("Uid", "").split()[:1] == [str(uid)] and \
                not fields.get("State", "").strip().startswith("Z"):
            found.append(int(entry.name))
    return found


def _clear_uid(uid: int, wait_seconds: float = 5.0) -> None:
    """Kill whatever still runs as ``uid`` and wait until it is gone."""
    deadline = time.monotonic() + wait_seconds
    while _processes_of(uid) and time.monotonic() < deadline:
        # kill(-1) from a process of that uid reaches every process of that uid.
        subprocess.run(["/bin/kill", "-KILL", "-1"], env={}, check=False, capture_output=True,
                       **_as_user(uid))
        time.sleep(0.05)


def run_tests(code: str, tests: dict[str, str], *, limits: Limits | None = None,
              unsafe: bool = False, sandbox: bool = True) -> RunResult:
    """Run pytest on ``tests`` against ``code`` (importable as ``solution``).

    Raises SandboxUnavailable when bubblewrap cannot run, unless ``unsafe``
    (a development-only setting) asks to run without it. ``sandbox=False``
    skips bubblewrap on purpose: for benchmarks only, never for candidates.
    """
    limits = limits or Limits()
    bwrap = bwrap_path() if sandbox else None
    if not sandbox:
        unsafe = True
    if bwrap is None and not unsafe:
        raise SandboxUnavailable(sandbox_problem() or "bubblewrap is not installed")
    with tempfile.TemporaryDirectory(prefix="archboard-run-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)
        (work / "code").mkdir(mode=0o755)
        (work / "out").mkdir(mode=0o777)
        os.chmod(work / "out", 0o777)  # the sandbox uid writes the report here
        (work / "code" / "solution.py").write_text(code)
        names = []
        for path, text in tests.items():
            name = Path(path).name
            (work / "code" / name).write_text(text)
            names.append(name)
        for item in (work / "code").iterdir():
            os.chmod(item, 0o644)
        pytest_args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", "/code",
                       "--junitxml=/out/report.xml", "-o", "junit_logging=all",
                       "--tb=short", *sorted(names)]
        if bwrap is not None:
            command = [bwrap, *_bwrap_args(work), SYSTEM_PYTHON, *pytest_args]
        else:  # unsafe local mode: no isolation at all, for development only
            command = [SYSTEM_PYTHON, *[a.replace("/out", str(work / "out"))
                                        .replace("/code", str(work / "code"))
                                        for a in pytest_args]]
        with _lease_uid() as uid:
            return _execute(command, work, limits, uid, sandboxed=bwrap is not None)


def _execute(command: list[str], work: Path, limits: Limits, uid: int, *,
             sandboxed: bool) -> RunResult:
    log_path = work / "log.txt"
    started = time.monotonic()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            _with_limits(command, limits), stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, env={}, cwd=work / "code", start_new_session=True,
            **_as_user(uid),
        )
        # A blocking wait returns the moment the run ends (wait(timeout=...)
        # polls, adding up to 50 ms to every run); a timer enforces the wall clock.
        expired = threading.Event()

        def stop() -> None:
            expired.set()
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(limits.wall_seconds, stop)
        timer.start()
        try:
            exit_code = process.wait()
        finally:
            timer.cancel()
        timed_out = expired.is_set()
    seconds = time.monotonic() - started
    log_text = log_path.read_bytes()[-OUTPUT_MAX:].decode("utf-8", errors="replace")
    tests = _read_report(work / "out" / "report.xml")
    verdict, detail = _verdict(exit_code, timed_out, tests, log_text, limits)
    return RunResult(verdict=verdict, detail=detail, tests=tests, seconds=round(seconds, 3),
                     exit_code=exit_code, sandboxed=sandboxed, log=log_text)


def _verdict(exit_code: int, timed_out: bool, tests: tuple[TestOutcome, ...], log: str,
             limits: Limits) -> tuple[str, str]:
    if timed_out:
        return "timeout", f"stopped after {limits.wall_seconds:g} s of wall-clock time"
    if exit_code in (-signal.SIGXCPU, 128 + signal.SIGXCPU) or (
            exit_code in (-signal.SIGKILL, 128 + signal.SIGKILL) and not tests):
        return "timeout", f"stopped after {limits.cpu_seconds} s of CPU time"
    text = " ".join(t.message for t in tests) + " " + log
    # Python ignores SIGXFSZ, so a write past the file-size limit fails with EFBIG.
    if exit_code in (-signal.SIGXFSZ, 128 + signal.SIGXFSZ) or "File too large" in text \
            or "No space left on device" in text:
        return "output_limit", (f"stopped for writing more than "
                                f"{limits.file_bytes // (1024 * 1024)} MB of output or files")
    if "MemoryError" in text:
        return "memory_limit", (f"ran out of its {limits.memory_bytes // (1024 * 1024)} MB "
                                f"memory limit")
    signal_number = -exit_code if exit_code < 0 else exit_code - 128 if exit_code > 128 else 0
    if signal_number:
        name = signal.Signals(signal_number).name if signal_number in signal.valid_signals() \
            else str(signal_number)
        return "crashed", f"the test process died with signal {name}"
    if not tests:
        return "crashed", "pytest reported no results (the code may not import)"
    passed = sum(t.outcome == "passed" for t in tests)
    if any(DENIED.search(t.message) for t in tests if t.outcome != "passed"):
        return "denied", (f"{passed} of {len(tests)} passed; the code tried to reach outside "
                          f"its sandbox and was refused")
    return "completed", f"{passed} of {len(tests)} passed"


def _trim(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 20] + "\n… (trimmed)"


def _read_report(path: Path) -> tuple[TestOutcome, ...]:
    if not path.exists() or path.stat().st_size > 4 * 1024 * 1024:
        return ()
    try:
        # Written by pytest inside the sandbox; size-capped and parsed with
        # the standard library, which does not expand external entities.
        root = ElementTree.parse(path).getroot()  # noqa: S314
    except ElementTree.ParseError:
        return ()
    outcomes = []
    for case in root.iter("testcase"):
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                outcome = "failed" if tag == "failure" else tag
                message = (node.get("message") or "") + "\n" + (node.text or "")
                break
        output = "".join((node.text or "") for node in (case.find("system-out"),
                                                        case.find("system-err"))
                         if node is not None)
        outcomes.append(TestOutcome(
            name=case.get("name", "?"), file=(case.get("classname") or "").split(".")[-1],
            outcome=outcome, seconds=float(case.get("time") or 0),
            message=_trim(message, MESSAGE_MAX), output=_trim(output, OUTPUT_MAX)))
    return tuple(outcomes)
