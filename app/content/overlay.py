"""The content as it would be with some files changed, without touching the content.

The content workspace checks an author's edits and Verify checks a prompt's
files this way: the files are written over a temporary copy of ``prompts/``
and ``rubrics/`` and the whole library is loaded, so the rules across files
(a prompt's rubric, its competencies, a kind's files) apply as they would
after saving. Unchanged files are linked, not copied, so a copy costs a few
milliseconds; the loader reads through the links, and nothing is ever
written through one (a changed file replaces its link).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from app.content.files import ignored
from app.content.model import Content
from app.content.validate import load_content

FOLDERS = ("prompts", "rubrics")


class PathClash(ValueError):
    """A file would stand where a folder is (or the reverse)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path}: a file and a folder would have the same name")
        self.path = path


@contextmanager
def overlaid(root: Path, files: Mapping[str, str]) -> Iterator[Path]:
    """A temporary copy of the content under ``root`` with ``files`` (paths relative to
    ``root``) written over it, removed on leaving. Raises ``PathClash``."""
    tree = Path(tempfile.mkdtemp(prefix="content-overlay-"))
    try:
        for folder in FOLDERS:
            source = root / folder
            if source.is_dir():
                shutil.copytree(source, tree / folder, symlinks=False,
                                ignore=lambda _d, names: [n for n in names if ignored(n)],
                                copy_function=_link)
            else:
                (tree / folder).mkdir()
        for path, text in files.items():
            target = tree / path
            try:
                if target.is_symlink() or target.is_file():
                    target.unlink()
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8", newline="")
            except (FileExistsError, NotADirectoryError, IsADirectoryError):
                raise PathClash(path) from None
        yield tree
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def load_overlaid(root: Path, files: Mapping[str, str]) -> Content:
    """``load_content`` of the content under ``root`` with ``files`` written over it."""
    with overlaid(root, files) as tree:
        return load_content(tree)


def _link(source: str, target: str) -> None:
    os.symlink(os.path.abspath(source), target)
