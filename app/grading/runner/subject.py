"""The subject of a test run: serve the candidate's code to the judge over the bridge.

Started inside the sandbox as ``python3 -I subject.py FD CODE_DIR``. It imports
``solution`` from CODE_DIR when the judge asks, and answers the judge's
requests until the judge hangs up. Everything the code prints goes to this
process's output; before each test the judge sends its name, written here as
a marker line so the output can be told apart per test.
"""

import contextlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bridge  # noqa: E402 - after the path is set

TEST_MARKER = "\x1earchboard-test "


def main() -> None:
    fd, code_dir = int(sys.argv[1]), sys.argv[2]
    sys.path.insert(0, code_dir)
    # Threads switch often, as they do under load, so unguarded shared state shows.
    sys.setswitchinterval(1e-5)
    endpoint = bridge.connect(fd, side="s", trusting=True, importable=("solution",))

    def mark(test: str) -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        with contextlib.suppress(OSError):
            os.write(1, f"{TEST_MARKER}{test}\n".encode("utf-8", "replace"))

    endpoint.on_note = mark
    endpoint._reader.join()
    os._exit(0)  # the judge has gone: whatever the code left running ends here


if __name__ == "__main__":
    main()
