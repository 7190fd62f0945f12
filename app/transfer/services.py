"""Import and export of the whole content as a zip, for authors and admins.

An import is checked first and applied only on confirmation. A checked,
valid upload waits server-side under the instance folder
(``instance/content-imports/<token>/``) with its owner and an expiry, so the
author confirms without uploading again; an upload with any problem is
thrown away at once. Confirming swaps the staged files in
(``app.content.bundle.apply``) and syncs them into the database; if the sync
fails, the previous files are put back, so the files and the database never
disagree.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

from sqlalchemy.exc import InternalError, OperationalError
from sqlalchemy.orm import Session

from app.content import bundle
from app.content.model import Content, Problem
from app.content.sync import SyncReport, sync_content
from app.content.validate import load_content
from app.errors import DomainError, Invalid, NotAllowed, NotFound

log = logging.getLogger(__name__)

IMPORTS_FOLDER = "content-imports"
# Long enough to read the changes and confirm; a staged upload older than this is deleted.
EXPIRY_SECONDS = 30 * 60
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")
_META = "upload.json"
_TREE = "content"
READ_ONLY = ("The content is read-only here (kept in git, or a folder the server cannot "
             "write): nothing was applied. Commit the zip's files to the repository instead.")
SYNC_FAILED = ("The import could not be synced into the database, so it was undone: the "
               "content and the database are as they were before, and nothing was applied. "
               "Try again in a moment; if it fails again, the server's log says why.")


class ImportNotSynced(DomainError):
    """The swapped-in files would not sync: the old files were put back. 503 when the
    database was unavailable (as any page answers then), else 500."""

    def __init__(self, message: str, *, unavailable: bool) -> None:
        super().__init__(message)
        self.status = (HTTPStatus.SERVICE_UNAVAILABLE if unavailable
                       else HTTPStatus.INTERNAL_SERVER_ERROR)


@dataclass(frozen=True)
class Changes:
    """What applying an import would change, by slug, against the live content."""

    new: dict[str, list[str]] = field(default_factory=lambda: {"prompt": [], "rubric": []})
    revised: dict[str, list[str]] = field(default_factory=lambda: {"prompt": [], "rubric": []})
    removed: dict[str, list[str]] = field(default_factory=lambda: {"prompt": [], "rubric": []})
    other_files: list[str] = field(default_factory=list)  # competencies, responsibilities ...

    @property
    def any(self) -> bool:
        return any(self.new[k] or self.revised[k] or self.removed[k]
                   for k in ("prompt", "rubric")) or bool(self.other_files)


@dataclass(frozen=True)
class ImportCheck:
    """An upload's verdict: refused (why), invalid (every problem) or ready (changes)."""

    refused: str | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    changes: Changes | None = None
    token: str | None = None  # set when it is ready to apply
    files: int = 0

    @property
    def ok(self) -> bool:
        return self.token is not None


def export_content(root: Path) -> bytes:
    """The live content as a zip, read under the shared lock so no import lands halfway."""
    if not root.is_dir():  # no content yet: an empty zip, and nothing created on a GET
        return bundle.export_zip(root)
    with bundle.reading(root):
        return bundle.export_zip(root)


def _imports_dir(instance: Path) -> Path:
    folder = instance / IMPORTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _purge_expired(folder: Path, now: float) -> None:
    for upload in folder.iterdir():
        meta = _read_meta(upload)
        # One being applied is left to its request (unless that request died long ago).
        most = EXPIRY_SECONDS * (2 if upload.name.endswith(".applying") else 1)
        if meta is None or now - meta["created"] > most:
            shutil.rmtree(upload, ignore_errors=True)


def _read_meta(upload: Path) -> dict | None:
    try:
        return json.loads((upload / _META).read_text())
    except (OSError, ValueError):
        return None


def _tree_hashes(root: Path) -> dict[str, str]:
    hashes = {}
    for name in bundle.content_files(root):
        hashes[name] = hashlib.sha256((root / name).read_bytes()).hexdigest()
    return hashes


def _changes(live: Content, staged: Content, live_root: Path, staged_root: Path) -> Changes:
    changes = Changes()
    for kind, before, after in (("prompt", live.prompts, staged.prompts),
                                ("rubric", live.rubrics, staged.rubrics)):
        for slug in sorted(after):
            if slug not in before:
                changes.new[kind].append(slug)
            elif before[slug].content_hash != after[slug].content_hash:
                changes.revised[kind].append(slug)
        changes.removed[kind].extend(sorted(set(before) - set(after)))
    # Files that belong to no prompt or rubric: the competency list and the like.
    owned = {p.path for p in (*live.prompts.values(), *staged.prompts.values())}
    folders = {path.rsplit("/", 1)[0] + "/" for path in owned if path.endswith("/prompt.md")}
    old, new = _tree_hashes(live_root), _tree_hashes(staged_root)
    for name in sorted(set(old) | set(new)):
        if old.get(name) == new.get(name) or name.startswith("rubrics/") or name in owned \
                or any(name.startswith(folder) for folder in folders):
            continue
        changes.other_files.append(name)
    return changes


def check_upload(data: bytes, *, owner_id: int, root: Path, instance: Path,
                 archive_bytes: int, now: float | None = None) -> ImportCheck:
    """Read, stage and validate an uploaded zip; keep it for confirmation only if valid."""
    now = time.time() if now is None else now
    folder = _imports_dir(instance)
    _purge_expired(folder, now)
    try:
        files = bundle.read_zip(data, bundle.Limits(archive_bytes=archive_bytes))
    except bundle.BundleRefused as refused:
        return ImportCheck(refused=str(refused))
    token = secrets.token_urlsafe(16)
    upload = folder / token
    upload.mkdir()
    # Written first, so another request's sweep never takes it for an abandoned folder.
    (upload / _META).write_text(json.dumps({"owner": owner_id, "created": now,
                                            "files": len(files)}))
    try:
        staged = bundle.stage(files, upload)
    except bundle.BundleRefused as refused:
        shutil.rmtree(upload, ignore_errors=True)
        return ImportCheck(refused=str(refused))
    if not staged.ok:
        shutil.rmtree(upload, ignore_errors=True)
        return ImportCheck(problems=staged.errors, warnings=staged.warnings, files=len(files))
    staged.root.rename(upload / _TREE)
    with bundle.reading(root):
        live = load_content(root)
    changes = _changes(live, staged.content, root, upload / _TREE)
    return ImportCheck(warnings=staged.warnings, changes=changes, token=token, files=len(files))


def staged_upload(token: str, *, owner_id: int, instance: Path,
                  now: float | None = None) -> Path:
    """The staged tree of ``token``'s upload, if it is this person's and not expired."""
    now = time.time() if now is None else now
    if not _TOKEN.match(token or ""):
        raise NotFound("That import was not found. Upload the zip again.")
    upload = _imports_dir(instance) / token
    meta = _read_meta(upload)
    if meta is None or meta.get("owner") != owner_id:
        raise NotFound("That import was not found. Upload the zip again.")
    if now - meta["created"] > EXPIRY_SECONDS:
        shutil.rmtree(upload, ignore_errors=True)
        raise NotFound("That import expired before it was confirmed. Upload the zip again.")
    return upload / _TREE


def apply_upload(session: Session, token: str, *, owner_id: int, root: Path, instance: Path,
                 writable: bool, now: float | None = None) -> SyncReport:
    """Swap a confirmed upload in for the live content and sync it, all or nothing."""
    tree = staged_upload(token, owner_id=owner_id, instance=instance, now=now)
    if not writable:
        raise NotAllowed(READ_ONLY)
    # Claimed by renaming it: of two confirmations at once, only one finds it.
    claimed = tree.parent.with_name(f"{token}.applying")
    try:
        tree.parent.rename(claimed)
    except FileNotFoundError:
        raise NotFound("That import was not found. Upload the zip again.") from None
    try:
        return _apply_claimed(session, claimed / _TREE, root)
    finally:
        shutil.rmtree(claimed, ignore_errors=True)


def _apply_claimed(session: Session, tree: Path, root: Path) -> SyncReport:
    # Checked again: the loader's rules may have changed since the upload was staged.
    staged = bundle.Staged(tree, load_content(tree))
    if not staged.ok:
        raise Invalid(f"The import has {len(staged.errors)} error(s); nothing was applied. "
                      f"Upload it again to see them.")
    root.mkdir(parents=True, exist_ok=True)
    previous = bundle.export_zip(root) if bundle.content_files(root) else None
    try:
        bundle.apply(staged, root)
    except bundle.ContentReadOnly:
        raise NotAllowed(READ_ONLY) from None
    try:
        with bundle.reading(root):
            return sync_content(session, root)
    except Exception as error:
        # The sync's transaction has rolled back; the old files go back to match it.
        _restore(previous, root, tree.parent.parent)
        log.exception("an import's sync failed; the previous content was put back")
        raise ImportNotSynced(SYNC_FAILED, unavailable=isinstance(
            error, OperationalError | InternalError)) from error
    except BaseException:
        _restore(previous, root, tree.parent.parent)
        raise


def _restore(previous: bytes | None, root: Path, scratch: Path) -> None:
    """Put back the content an import replaced when its sync failed (None: there was none,
    so the imported files are taken away)."""
    files = {} if previous is None else bundle.read_zip(
        previous, bundle.Limits(archive_bytes=len(previous) + 1))
    staged = bundle.stage(files, scratch)
    try:
        # The old content's own errors (if any) must not stop it coming back.
        bundle.apply(bundle.Staged(staged.root, Content()), root)
    finally:
        staged.discard()
