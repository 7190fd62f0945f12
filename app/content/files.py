"""Reading a content file: its size limit, its encoding, markdown's script rule, and the
cue file's name."""

from __future__ import annotations

from pathlib import Path

from app.content.model import Problem
from app.content.safety import unsafe_html

MAX_FILE_BYTES = 1_000_000
IGNORED_NAMES = frozenset({"__pycache__", ".pytest_cache"})
# Beside responsibilities.md: the phrases by which the planner recognises each one.
CUES_FILE = "responsibility-cues.md"


def read_text(root: Path, path: Path, problems: list[Problem]) -> tuple[str | None, bytes]:
    """A file's UTF-8 text (None with a problem if it is not) and its raw bytes."""
    relative = path.relative_to(root).as_posix()
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        problems.append(Problem(relative, 1, f"file is larger than {MAX_FILE_BYTES:,} bytes"))
        return None, data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.append(Problem(relative, line, f"not valid UTF-8 (byte 0x"
                                                f"{data[error.start]:02x} at offset "
                                                f"{error.start}); save the file as UTF-8"))
        return None, data
    text = text.removeprefix("\ufeff")
    if path.suffix == ".md":
        problems.extend(unsafe_html(relative, text))
    return text, data


def ignored(name: str) -> bool:
    """Whether a file or folder of the content is not content: hidden, or Python's caches."""
    return name.startswith(".") or name in IGNORED_NAMES or name.endswith(".pyc")
