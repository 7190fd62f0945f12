"""Running a candidate's Python against a prompt's tests, in two sandboxes.

A run is two processes under bubblewrap that share nothing but a socket (see
``bridge.py``): the *subject* runs the candidate's code, the *judge* runs
pytest on the tests and imports ``solution`` as a proxy to the subject. The
verdict is the judge's report, which the subject can neither write nor
influence except through what its code observably returns; the tests are
mounted only into the judge, so the code cannot read them.

Each process runs as its own unprivileged uid in fresh namespaces: no network
(its own empty network namespace), a read-only root with a read-only view of
/usr only (no /etc, no /home, no app files), size-capped tmpfs at /tmp and
/dev/shm as the only writable places, a cleared environment, no capabilities,
and rlimits on CPU time, address space, file size, open files and processes,
all inside a wall-clock timeout. Where the machine offers a memory cgroup the
subject runs in one, so memory it holds without mapping it (tmpfs files,
memfds, System V shared memory) counts against its limit too. pytest comes
from the system Python (Debian's python3-pytest), never from the app's
virtualenv.

What it does not protect against: the kernel is shared, so a kernel exploit
escapes.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

from app.grading.runner.cgroup import MemoryGroup
from app.vocabulary import RunVerdict

log = logging.getLogger(__name__)

SANDBOX_UID = 65534  # the uid code sees inside the sandbox
# Outside, each run that is going on at once gets its own uid from this range:
# RLIMIT_NPROC counts every process of a uid, so a shared uid would let one
# run's fork bomb starve the others.
HOST_UIDS = range(61000, 61256)
# After the first 5 s, how much longer a run's end waits for its uid's processes to die.
UID_CLEAR_MORE_SECONDS = 30.0
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
    tmp_bytes: int = 64 * 1024 * 1024  # the tmpfs at /tmp
    shm_bytes: int = 8 * 1024 * 1024  # the tmpfs at /dev/shm

    @property
    def group_bytes(self) -> int:
        """The memory cgroup's limit: the address space plus everything the tmpfs can hold."""
        return self.memory_bytes + self.tmp_bytes + self.shm_bytes


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

    verdict: RunVerdict
    detail: str
    tests: tuple[TestOutcome, ...] = ()
    seconds: float = 0.0
    exit_code: int | None = None
    sandboxed: bool = True
    log: str = field(default="", repr=False)
    peak_memory_bytes: int | None = None  # the subject's, where a memory cgroup measured it

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
        [bwrap, *_bwrap_args(Limits()), SYSTEM_PYTHON, "-c", "import pytest"],
        capture_output=True, text=True, timeout=30, env={}, check=False,
        **_as_user(SANDBOX_UID),
    )
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["unknown error"])[-1]
        if "pytest" in reason:
            return "the system Python has no pytest: apt-get install python3-pytest"
        return f"bubblewrap cannot create a sandbox here: {reason}"
    return None


def _bwrap_args(limits: Limits, mounts: list[str] = (), env: dict[str, str] | None = None,
                chdir: str = "/") -> list[str]:
    """bubblewrap's arguments: nothing of the host but /usr and ``mounts``, read-only
    but for size-capped tmpfs at /tmp and /dev/shm (and ``mounts``' own ``--bind``)."""
    args = [
        "--unshare-all", "--die-with-parent", "--new-session",
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/bin", "/bin",
        "--proc", "/proc", "--dev", "/dev",
        "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp",
        "--size", str(limits.shm_bytes), "--tmpfs", "/dev/shm",
        *mounts,
        # The root and /dev are tmpfs that bubblewrap made: read-only, they
        # cannot become unlimited storage in memory.
        "--remount-ro", "/dev", "--remount-ro", "/",
        "--clearenv", "--setenv", "PATH", "/usr/bin", "--setenv", "HOME", "/tmp",
        "--setenv", "PYTHONDONTWRITEBYTECODE", "1", "--setenv", "LANG", "C.UTF-8",
        # glibc reserves 64 MB of address space per thread's malloc arena: a few
        # threads would use up the address-space limit with nothing allocated.
        "--setenv", "MALLOC_ARENA_MAX", "2",
        "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
        "--cap-drop", "ALL", "--chdir", chdir,
    ]
    for name, value in (env or {}).items():
        args += ["--setenv", name, value]
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


# Uids whose processes could not be killed when their run ended: their lock files
# stay locked (the handles are kept here) for as long as this process lives, so no
# later run shares a uid, and its process limit, with what is left of an old one.
_STUCK: list = []


@contextmanager
def _lease_uid() -> Iterator[int]:
    """A host uid no other run on this machine is using, held for the run.

    A run starts only on a uid with no process left: leftovers (a worker killed
    before it could clear its uid) are killed first, and a uid whose processes
    cannot be killed is skipped.
    """
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
        if not _clear_uid(uid):
            _release(handle)
            continue
        try:
            yield uid
        finally:
            # The next run on this uid starts with no processes counted. A slow kill
            # (a loaded machine, a fork bomb) gets longer; a uid that still has
            # processes stays locked rather than be handed to another run.
            if _clear_uid(uid) or _clear_uid(uid, wait_seconds=UID_CLEAR_MORE_SECONDS):
                _release(handle)
            else:
                log.error("sandbox uid %s still has processes after its run; "
                          "it stays out of use until this worker restarts", uid)
                _STUCK.append(handle)
        return
    raise SandboxUnavailable(f"all {len(HOST_UIDS)} sandbox uids are in use on this machine")


def _release(handle) -> None:
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()


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


def _clear_uid(uid: int, wait_seconds: float = 5.0) -> bool:
    """Kill whatever still runs as ``uid`` and wait until it is gone; False if some is left."""
    deadline = time.monotonic() + wait_seconds
    while _processes_of(uid):
        if time.monotonic() >= deadline:
            return False
        # kill(-1) from a process of that uid reaches every process of that uid.
        subprocess.run(["/bin/kill", "-KILL", "-1"], env={}, check=False, capture_output=True,
                       **_as_user(uid))
        time.sleep(0.05)
    return True


BRIDGE_FILES = ("bridge.py", "subject.py", "judge_plugin.py")
BRIDGE_SOURCE = Path(__file__).parent
TEST_MARKER = "\x1earchboard-test "  # written by subject.py before each test's output


def run_tests(code: str, tests: dict[str, str], *, limits: Limits | None = None,
              unsafe: bool = False, sandbox: bool = True) -> RunResult:
    """Run pytest on ``tests`` against ``code`` (importable as ``solution``).

    The tests run in the judge's process and the code in the subject's, each
    in its own sandbox (see the module's docstring). Raises SandboxUnavailable
    when bubblewrap cannot run, unless ``unsafe`` (a development-only setting)
    asks to run without it. ``sandbox=False`` skips bubblewrap on purpose: for
    benchmarks only, never for candidates.
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
        for folder, mode in (("code", 0o755), ("tests", 0o755), ("bridge", 0o755),
                             ("out", 0o777)):
            (work / folder).mkdir()
            os.chmod(work / folder, mode)  # the sandbox uids read (and the judge writes /out)
        (work / "code" / "solution.py").write_text(code)
        for name in BRIDGE_FILES:
            shutil.copyfile(BRIDGE_SOURCE / name, work / "bridge" / name)
        names = []
        for path, text in tests.items():
            name = Path(path).name
            (work / "tests" / name).write_text(text)
            if name.startswith("test_") and name.endswith(".py"):
                names.append(name)  # a conftest.py beside them is loaded by pytest itself
        for folder in ("code", "tests", "bridge"):
            for item in (work / folder).iterdir():
                os.chmod(item, 0o644)
        with _lease_uid() as judge_uid, _lease_uid() as subject_uid:
            if os.geteuid() == 0:  # only the judge's uid may read the tests
                os.chown(work / "tests", judge_uid, -1)
                os.chmod(work / "tests", 0o700)
                os.chown(work / "out", judge_uid, -1)
                os.chmod(work / "out", 0o700)
            return _execute(work, sorted(names), limits, judge_uid, subject_uid,
                            bwrap=bwrap)


def _commands(work: Path, names: list[str], limits: Limits, bwrap: str | None,
              judge_fd: int, subject_fd: int) -> tuple[list[str], list[str], dict, dict]:
    """The judge's and the subject's command lines and environments."""
    if bwrap is not None:
        code, tests, bridge, out = "/code", "/tests", "/bridge", "/out"
    else:  # unsafe local mode: no isolation at all, for development only
        code, tests, bridge, out = (str(work / n) for n in ("code", "tests", "bridge", "out"))
    judge_env = {"PYTHONPATH": bridge, "ARCHBOARD_BRIDGE_FD": str(judge_fd)}
    judge = [SYSTEM_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             "-p", "judge_plugin", "--rootdir", tests, f"--junitxml={out}/report.xml",
             "-o", "junit_logging=all", "--tb=short", *names]
    subject = [SYSTEM_PYTHON, "-I", "-u", f"{bridge}/subject.py", str(subject_fd), code]
    if bwrap is None:
        plain = {"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8",
                 "MALLOC_ARENA_MAX": "2"}
        return judge, subject, {**plain, **judge_env}, plain
    judge = [bwrap, *_bwrap_args(limits, [
        "--ro-bind", str(work / "tests"), "/tests", "--ro-bind", str(work / "bridge"), "/bridge",
        "--bind", str(work / "out"), "/out"], judge_env, chdir="/tests"), *judge]
    subject = [bwrap, *_bwrap_args(limits, [
        "--ro-bind", str(work / "code"), "/code", "--ro-bind", str(work / "bridge"), "/bridge",
    ], chdir="/code"), *subject]
    return judge, subject, {}, {}


def _execute(work: Path, names: list[str], limits: Limits, judge_uid: int, subject_uid: int,
             *, bwrap: str | None) -> RunResult:
    judge_end, subject_end = socket.socketpair()
    judge_cmd, subject_cmd, judge_env, subject_env = _commands(
        work, names, limits, bwrap, judge_end.fileno(), subject_end.fileno())
    group = MemoryGroup.create(f"archboard-run-{subject_uid}", limits.group_bytes,
                               subject_uid if os.geteuid() == 0 else None)
    subject_cmd = _with_limits(subject_cmd, limits)
    if group is not None:
        subject_cmd = group.join_and_exec(subject_cmd)
    started = time.monotonic()
    processes: list[subprocess.Popen] = []
    expired = threading.Event()

    def stop() -> None:
        expired.set()
        for process in processes:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    timer = threading.Timer(limits.wall_seconds, stop)
    try:
        with open(work / "subject.log", "wb") as subject_log, \
                open(work / "judge.log", "wb") as judge_log:
            processes.append(subprocess.Popen(
                subject_cmd, stdin=subprocess.DEVNULL, stdout=subject_log,
                stderr=subprocess.STDOUT, env=subject_env, cwd=work / "code",
                start_new_session=True, pass_fds=(subject_end.fileno(),),
                **_as_user(subject_uid)))
            processes.append(subprocess.Popen(
                _with_limits(judge_cmd, limits), stdin=subprocess.DEVNULL, stdout=judge_log,
                stderr=subprocess.STDOUT, env=judge_env, cwd=work / "tests",
                start_new_session=True, pass_fds=(judge_end.fileno(),),
                **_as_user(judge_uid)))
            judge_end.close()
            subject_end.close()
            timer.start()
            subject, judge = processes
            # A blocking wait returns the moment the run ends (wait(timeout=...)
            # polls, adding up to 50 ms to every run); the timer enforces the wall clock.
            judge_exit = judge.wait()
            try:  # with the judge gone, the subject's bridge closes and it exits
                subject_exit = subject.wait(timeout=2)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(subject.pid, signal.SIGKILL)
                subject_exit = subject.wait()
    finally:
        timer.cancel()
        judge_end.close()
        subject_end.close()
        for process in processes:
            if process.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if group is not None:
            oom = group.oom_killed()
            peak = group.peak_bytes()
            _clear_uid(subject_uid)
            group.remove()
        else:
            oom, peak = False, None
    seconds = time.monotonic() - started
    subject_text = _tail(work / "subject.log")
    judge_text = _tail(work / "judge.log")
    outputs, candidate_log = _split_output(subject_text)
    tests = tuple(replace(t, output=_trim(t.output + outputs.get(t.name, ""), OUTPUT_MAX))
                  for t in _read_report(work / "out" / "report.xml"))
    verdict, detail = _verdict(subject_exit, judge_exit, expired.is_set(), oom, tests,
                               candidate_log, limits)
    log = (candidate_log + ("\n" if candidate_log else "") + judge_text)[-OUTPUT_MAX:]
    return RunResult(verdict=verdict, detail=detail, tests=tests, seconds=round(seconds, 3),
                     exit_code=subject_exit, sandboxed=bwrap is not None, log=log,
                     peak_memory_bytes=peak)


def _tail(path: Path) -> str:
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - 4 * OUTPUT_MAX))
        return handle.read().decode("utf-8", errors="replace")


def _split_output(text: str) -> tuple[dict[str, str], str]:
    """The code's output per test (split at the judge's markers), and all of it without them."""
    per_test: dict[str, list[str]] = {}
    current: list[str] = []
    everything: list[str] = []
    # Not splitlines(): it also splits at the marker's own record separator.
    for line in text.split("\n"):
        line += "\n"
        if line.startswith(TEST_MARKER):
            current = per_test.setdefault(line[len(TEST_MARKER):].strip(), [])
            continue
        current.append(line)
        everything.append(line)
    return {name: "".join(lines) for name, lines in per_test.items()}, \
        "".join(everything)[:-1][-OUTPUT_MAX:]


def _verdict(subject_exit: int, judge_exit: int, timed_out: bool, oom: bool,
             tests: tuple[TestOutcome, ...], log: str, limits: Limits) -> tuple[RunVerdict, str]:
    memory = f"ran out of its {limits.memory_bytes // (1024 * 1024)} MB memory limit"
    if timed_out:
        return RunVerdict.TIMEOUT, f"stopped after {limits.wall_seconds:g} s of wall-clock time"
    if oom:
        return RunVerdict.MEMORY_LIMIT, memory
    if subject_exit in (-signal.SIGXCPU, 128 + signal.SIGXCPU) or (
            subject_exit in (-signal.SIGKILL, 128 + signal.SIGKILL) and not tests):
        return RunVerdict.TIMEOUT, f"stopped after {limits.cpu_seconds} s of CPU time"
    text = " ".join(t.message for t in tests) + " " + log
    # Python ignores SIGXFSZ, so a write past the file-size limit fails with EFBIG.
    if subject_exit in (-signal.SIGXFSZ, 128 + signal.SIGXFSZ) or "File too large" in text \
            or "No space left on device" in text:
        return RunVerdict.OUTPUT_LIMIT, (f"stopped for writing more than "
                                f"{limits.file_bytes // (1024 * 1024)} MB of output or files")
    if "MemoryError" in text:
        return RunVerdict.MEMORY_LIMIT, memory
    signal_number = -subject_exit if subject_exit < 0 else \
        subject_exit - 128 if subject_exit > 128 else 0
    if signal_number:
        name = signal.Signals(signal_number).name if signal_number in signal.valid_signals() \
            else str(signal_number)
        return RunVerdict.CRASHED, f"the code's process died with signal {name}"
    if not tests:
        if judge_exit in (0, 1):
            return RunVerdict.CRASHED, "pytest reported no results"
        return RunVerdict.CRASHED, "pytest reported no results (the code may not import)"
    passed = sum(t.outcome == "passed" for t in tests)
    if any(DENIED.search(t.message) for t in tests if t.outcome != "passed"):
        return RunVerdict.DENIED, (f"{passed} of {len(tests)} passed; the code tried to reach "
                                   f"outside its sandbox and was refused")
    return RunVerdict.COMPLETED, f"{passed} of {len(tests)} passed"


def _trim(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 20] + "\n… (trimmed)"


_SECTION = re.compile(r"^-{3,} Captured (?:Log|Out|Err) -{3,}$", re.MULTILINE)


def _without_empty_sections(text: str) -> str:
    """pytest's captured log, stdout and stderr, without the headers of those that are empty."""
    return "\n".join(part.strip("\n") for part in _SECTION.split(text) if part.strip())


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
        output = _without_empty_sections("".join(
            (node.text or "") for node in (case.find("system-out"), case.find("system-err"))
            if node is not None))
        outcomes.append(TestOutcome(
            name=case.get("name", "?"), file=(case.get("classname") or "").split(".")[-1],
            outcome=outcome, seconds=float(case.get("time") or 0),
            message=_trim(message, MESSAGE_MAX), output=_trim(output, OUTPUT_MAX)))
    return tuple(outcomes)
