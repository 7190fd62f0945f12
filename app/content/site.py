"""Where this app's content lives on disk, and whether the browser may write it."""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app


def project_root() -> Path:
    """The project's folder: the parent of the ``app`` package."""
    return Path(current_app.root_path).parent


def content_root() -> Path:
    """The folder holding ``prompts/`` and ``rubrics/`` (``CONTENT_DIR``, else the project)."""
    configured = current_app.config.get("CONTENT_DIR") or ""
    return Path(configured).resolve() if configured else project_root()


def content_writable() -> bool:
    """True when authors may save from the browser: not read-only by setting, and writable."""
    if current_app.config.get("CONTENT_READ_ONLY"):
        return False
    root = content_root()
    folders = [root / "prompts", root / "rubrics"]
    return all(os.access(folder, os.W_OK | os.X_OK) for folder in folders if folder.exists()) \
        and os.access(root, os.W_OK | os.X_OK)
