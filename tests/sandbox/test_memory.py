"""Every writable place in the sandbox counts against a limit.

A run once held 3 GB of the host's memory by writing files to /dev/shm and /,
which were unbounded tmpfs: only /tmp was capped. Now the root and /dev are
read-only, /tmp and /dev/shm are size-capped, and memory the code holds
without mapping it (memfds, System V shared memory) is charged to the run's
memory cgroup.
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from app.grading.runner.cgroup import MemoryGroup
from app.grading.runner.sandbox import Limits, RunResult, run_tests, sandbox_problem
from tests.support.tools import missing_tool

LIMITS = Limits(wall_seconds=30, cpu_seconds=15)
MB = 1024 * 1024


@pytest.fixture(scope="module", autouse=True)
def sandbox_available():
    problem = sandbox_problem()
    if problem:
        missing_tool(problem)


@pytest.fixture
def memory_cgroups():
    group = MemoryGroup.create("archboard-probe", 64 * MB, None)
    if group is None:
        missing_tool("no writable memory cgroup (v1 memory hierarchy or delegated v2 subtree)")
    group.remove()


def run(code: str, test: str) -> RunResult:
    return run_tests(textwrap.dedent(code),
                     {"tests/test_hidden.py": "import solution\n\n\n" + textwrap.dedent(test)},
                     limits=LIMITS)


def test_the_root_dev_and_the_code_folder_are_read_only():
    result = run("""
        import errno

        def scribble():
            refused = []
            for path in ("/hog", "/dev/hog", "/code/hog", "/bridge/hog", "/usr/hog"):
                try:
                    with open(path, "wb") as handle:
                        handle.write(b"x" * 1024)
                except OSError as error:
                    refused.append(error.errno in (errno.EROFS, errno.EACCES))
            return refused
    """, "def test_scribble():\n    assert solution.scribble() == [True] * 5\n")
    assert result.passed == 1, result.tests[0].message if result.tests else result.log


# The sandbox's own folders, not the host's.
@pytest.mark.parametrize(("folder", "cap"), [("/tmp", LIMITS.tmp_bytes),  # noqa: S108
                                             ("/dev/shm", LIMITS.shm_bytes)])  # noqa: S108
def test_the_writable_folders_hold_no_more_than_their_cap(folder, cap):
    # Files of 4 MB each stay under the 8 MB file-size limit: only the folder's
    # own cap can stop them.
    result = run(f"""
        import os

        def fill():
            written = 0
            try:
                for number in range(100):
                    with open(os.path.join({folder!r}, f"f{{number}}"), "wb") as handle:
                        for _ in range(4):
                            handle.write(b"x" * {MB})
                            written += {MB}
            except OSError as error:
                return written, error.strerror
            return written, "nothing stopped it"
    """, "def test_fill():\n    print(solution.fill())\n    assert False\n")
    (test,) = result.tests
    written, reason = ast.literal_eval(test.output.strip())
    assert reason == "No space left on device"
    assert written <= cap


def test_memfds_count_against_the_memory_limit(memory_cgroups):
    # Each process keeps 50 memfds of 6 MB (under the file-size limit, and not
    # mapped, so invisible to the address-space limit): 4 processes hold 1.2 GB.
    # A child holds its memfds until the parent has filled its own, so the four
    # hold them at the same time however the processes are scheduled.
    result = run("""
        import os

        def hoard(count):
            fds = []
            for _ in range(count):
                fd = os.memfd_create("hoard")
                for _ in range(6):
                    os.write(fd, b"x" * (1024 * 1024))
                fds.append(fd)
            return fds

        def hog():
            children, filled = [], []
            release_read, release_write = os.pipe()
            for _ in range(3):
                done_read, done_write = os.pipe()
                pid = os.fork()
                if pid == 0:
                    os.close(release_write)
                    held = hoard(50)
                    os.write(done_write, b"x")
                    os.read(release_read, 1)  # returns when the parent closes its end
                    os._exit(len(held) - 50)
                os.close(done_write)
                children.append(pid)
                filled.append(done_read)
            held = hoard(50)
            for done in filled:
                os.read(done, 1)  # every child holds its 300 MB now
            os.close(release_write)
            for pid in children:
                os.waitpid(pid, 0)
            return "held it all" if len(held) == 50 else "lost some"
    """, "def test_hog():\n    assert solution.hog() == 'held it all'\n")
    assert result.verdict == "memory_limit", (result.verdict, result.detail, result.log)
    assert result.peak_memory_bytes is not None
    assert result.peak_memory_bytes <= LIMITS.group_bytes


def test_system_v_shared_memory_counts_against_the_memory_limit(memory_cgroups):
    # Segments stay in the IPC namespace after they are detached: 12 of 100 MB.
    result = run("""
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.shmat.restype = ctypes.c_void_p
        IPC_PRIVATE, IPC_CREAT = 0, 0o1000

        def hog():
            for _ in range(12):
                segment = libc.shmget(IPC_PRIVATE, 100 * 1024 * 1024, IPC_CREAT | 0o600)
                if segment < 0:
                    return f"refused: errno {ctypes.get_errno()}"
                address = libc.shmat(segment, None, 0)
                ctypes.memset(address, 1, 100 * 1024 * 1024)
                libc.shmdt(ctypes.c_void_p(address))
            return "held it all"
    """, "def test_hog():\n    assert solution.hog() == 'held it all'\n")
    assert result.verdict in ("memory_limit", "completed"), (result.verdict, result.detail)
    assert result.passed == 0, "1.2 GB was held past the limit"
    if result.peak_memory_bytes is not None:
        assert result.peak_memory_bytes <= LIMITS.group_bytes
