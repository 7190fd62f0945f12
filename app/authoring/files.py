"""The files of one prompt or rubric on disk, and safe writes.

An *item* is a prompt (``prompts/<slug>.md``, or every file under
``prompts/<slug>/``) or a rubric (``rubrics/<slug>.md``). Paths are always
relative to the content root and use '/'. Nothing here knows Flask or the
database: the services pass the root in.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.content.bundle import FILE_MODE, name_problem
from app.content.files import CUES_FILE, MAX_FILE_BYTES, ignored
from app.content.model import Problem
from app.content.parse import is_slug
from app.content.validate import COMPETENCIES_FILE, RESPONSIBILITIES_FILE

PROMPT = "prompt"
RUBRIC = "rubric"
# Library files that are no prompt: edited in the repository, not in the workspace.
LIBRARY_FILES = {COMPETENCIES_FILE, RESPONSIBILITIES_FILE, CUES_FILE}
# An editor form holds one item's files (two for a new prompt and its rubric); a folder
# prompt in the library has about twenty. Anything far beyond is not an author typing.
MAX_FILES = 100


@dataclass(frozen=True, order=True)
class Item:
    """A prompt or a rubric, by kind ("prompt" or "rubric") and slug."""

    kind: str
    slug: str

    @property
    def label(self) -> str:
        return f"{self.kind} {self.slug}"


def item_of(path: str) -> Item | None:
    """The item a content path belongs to, or None (competencies, a stray file)."""
    folder, _, rest = path.partition("/")
    if folder == "rubrics" and rest.endswith(".md") and "/" not in rest:
        return Item(RUBRIC, rest.removesuffix(".md"))
    if folder != "prompts" or not rest or rest in LIBRARY_FILES:
        return None
    head, slash, _ = rest.partition("/")
    if slash:
        return Item(PROMPT, head)
    return Item(PROMPT, rest.removesuffix(".md")) if rest.endswith(".md") else None


def owner_of(problem_path: str) -> Item | None:
    """The item a problem's path belongs to; a folder's path ends in '/'."""
    return item_of(problem_path + "prompt.md" if problem_path.endswith("/") else problem_path)


def item_files(root: Path, item: Item) -> list[str]:
    """The item's files on disk, sorted (prompt.md first for a folder prompt); [] if none."""
    if not is_slug(item.slug):
        return []
    if item.kind == RUBRIC:
        path = root / "rubrics" / f"{item.slug}.md"
        return [f"rubrics/{item.slug}.md"] if path.is_file() and not path.is_symlink() else []
    single = root / "prompts" / f"{item.slug}.md"
    folder = root / "prompts" / item.slug
    found: list[str] = []
    if single.is_file() and not single.is_symlink():
        found.append(f"prompts/{item.slug}.md")
    if folder.is_dir() and not folder.is_symlink():
        inside = []
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not ignored(d))
            for name in filenames:
                path = Path(dirpath) / name
                if not ignored(name) and path.is_file() and not path.is_symlink():
                    inside.append(path.relative_to(root).as_posix())
        main = f"prompts/{item.slug}/prompt.md"
        found.extend(sorted(inside, key=lambda p: (p != main, p.count("/"), p)))
    return found


def disk_items(root: Path) -> set[Item]:
    """Every item with a file on disk, valid or not."""
    items: set[Item] = set()
    prompts, rubrics = root / "prompts", root / "rubrics"
    if prompts.is_dir():
        for path in prompts.iterdir():
            if ignored(path.name) or path.name in LIBRARY_FILES:
                continue
            if path.is_dir():
                items.add(Item(PROMPT, path.name))
            elif path.suffix == ".md":
                items.add(Item(PROMPT, path.stem))
    if rubrics.is_dir():
        items.update(Item(RUBRIC, p.stem) for p in rubrics.iterdir()
                     if p.suffix == ".md" and not ignored(p.name))
    return items


def belongs(problem_path: str, paths: set[str]) -> bool:
    """True when a problem's path is one of ``paths`` or the folder of one of them."""
    if problem_path in paths:
        return True
    folder = problem_path.rstrip("/")
    return problem_path.endswith("/") and any(p.startswith(folder + "/") for p in paths)


def path_problem(path: str) -> str | None:
    """Why the workspace may not write ``path``, or None: a prompt's or rubric's file."""
    problem = name_problem(path)
    if problem:
        return problem
    if item_of(path) is None:
        return "not a prompt's or a rubric's file (prompts/<slug>.md, prompts/<slug>/..., " \
               "rubrics/<slug>.md)"
    item = item_of(path)
    if item is not None and not is_slug(item.slug):
        return f'"{item.slug}" is not a slug (lowercase letters, digits and hyphens)'
    return None


def text_problems(files: dict[str, str]) -> list[Problem]:
    """Rules the workspace adds to the loader's (which refuses script in markdown): size
    before anything is written to the overlay, and no NUL character."""
    problems: list[Problem] = []
    for path, text in files.items():
        if len(text.encode("utf-8")) > MAX_FILE_BYTES:
            problems.append(Problem(path, 1, f"file is larger than {MAX_FILE_BYTES:,} bytes"))
            continue
        if "\x00" in text:
            problems.append(Problem(path, 1, "holds a NUL character: content files are text"))
    return problems


def changed(root: Path, files: dict[str, str]) -> dict[str, str]:
    """The files whose text differs from disk (or that are new)."""
    result = {}
    for path, text in files.items():
        on_disk = root / path
        try:
            same = on_disk.is_file() and on_disk.read_bytes() == text.encode("utf-8")
        except OSError:
            same = False
        if not same:
            result[path] = text
    return result


def write_atomically(root: Path, path: str, text: str) -> None:
    """Replace one file: a temporary file in the same folder, flushed, then renamed over."""
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink():
        raise OSError(f"{path} is a symbolic link; it is not written through")
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
