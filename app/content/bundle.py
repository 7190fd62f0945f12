"""The whole content as one zip, and a zip back into the content, all or nothing.

``export_zip(root)`` packs the content files under ``root`` (``prompts/`` and
``rubrics/``, competencies and responsibilities included) in the repository's
layout, byte for byte, in a fixed order with fixed timestamps: the same
content always gives the same bytes.

An import is three steps, each of which can refuse:

1. ``read_zip(data, limits)`` checks every entry of an untrusted zip before
   extracting any, and returns the files as text by path. Anything unsafe is
   refused with ``BundleRefused`` naming the entry.
2. ``stage(files, into_dir)`` writes them into a fresh temporary tree and
   runs the content loader over it (the checks of ``flask content check``).
3. ``apply(staged, root)`` swaps the staged tree in for ``root``'s content,
   only if it had no error; after a crash at any moment, ``recover`` leaves
   the old content, or the new one if the swap had committed, never a mix.

Markdown that carries HTML able to run or load something (``<script>``, an
``onerror=`` attribute, a ``javascript:`` link) outside code is an error of
the content loader (``app.content.safety``), so such an import is refused at
its line. Markdown still becomes HTML only through
``app.content.render.render_markdown``, which sanitises it as well.
"""

from __future__ import annotations

import errno
import fcntl
import io
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from app.content.files import MAX_FILE_BYTES, ignored
from app.content.model import Content, Problem
from app.content.validate import (
    COMPETENCIES_FILE,
    RESPONSIBILITIES_FILE,
    load_content,
)

FOLDERS = ("prompts", "rubrics")
# Fixed so that an export depends on the content alone (the zip format's epoch).
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
# A plain file, readable by all: no zip carries execute bits or ownership in.
FILE_MODE = 0o644
ZIP_UNIX = 3  # the "made by" system whose external attributes hold a Unix mode
# A path segment: letters, digits, '_', '.', '-', not starting with '.' (a
# hidden file the loader would skip) and never '.' or '..'.
SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
DRIVE = re.compile(r"^[A-Za-z]:")
MAX_PATH_CHARS = 255
MAX_DEPTH = 6  # prompts/<slug>/tests/<folder>/<file> is deep enough for any kind
ARCHIVE_SUFFIXES = (".zip", ".jar", ".whl", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z",
                    ".rar")
# Zip, gzip, xz and 7z signatures: binary from their first bytes, never text.
ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08", b"\x1f\x8b", b"\xfd7zXZ\x00",
                 b"7z\xbc\xaf\x27\x1c")
# Python's zipfile bounds how much a deflated entry may inflate per read;
# bzip2 and LZMA it inflates a whole block at a time, gigabytes from a few
# kilobytes, so only stored and deflated entries are read at all.
READABLE_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
CHUNK = 64 * 1024
SWAP_DIR = ".content-swap"  # beside prompts/ and rubrics/ while an import is applied
DONE_DIR = ".content-swap-done"  # the swap's commit point: renamed from SWAP_DIR


@dataclass(frozen=True)
class Limits:
    """What an imported zip may hold. The defaults leave the library room to grow
    tenfold; every size is counted from the bytes actually inflated."""

    archive_bytes: int = 20_000_000
    entries: int = 2_000
    # One file: the same bound the loader puts on every content file.
    entry_bytes: int = MAX_FILE_BYTES
    total_bytes: int = 50_000_000
    # Text deflates 3 to 10 times; a bomb inflates hundreds to thousands of times.
    ratio: int = 100
    # Small entries are never bombs, whatever their ratio (a file of blank lines).
    ratio_floor_bytes: int = 64 * 1024


class BundleRefused(ValueError):
    """An archive, or one of its entries, is refused; nothing was extracted."""

    def __init__(self, message: str, entry: str | None = None) -> None:
        message = _shown(message)
        super().__init__(f"{_shown(entry)}: {message}" if entry else message)
        self.entry = entry  # as the archive names it
        self.message = message


def _shown(text: str, most: int = 300) -> str:
    """Text from an archive made fit to print: control characters escaped, length capped."""
    printable = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
    return printable if len(printable) <= most else f"{printable[:most]}…"


class ContentReadOnly(OSError):
    """The content directory cannot be written: the import can only be downloaded."""


# Layout ---------------------------------------------------------------------


def name_problem(name: str) -> str | None:
    """Why ``name`` is not a safe path in the content layout, or None if it is."""
    return _unsafe(name) or _outside_layout(name)


def _unsafe(name: str) -> str | None:
    """Why ``name`` is not safe to write anywhere, or None."""
    if "\x00" in name:
        return "the name holds a NUL character"
    if "\\" in name:
        return "the name holds a backslash; zip paths use '/'"
    if name.startswith("/"):
        return "absolute paths are not allowed"
    if DRIVE.match(name):
        return "drive letters are not allowed"
    if len(name) > MAX_PATH_CHARS:
        return f"the name is longer than {MAX_PATH_CHARS} characters"
    parts = name.split("/")
    if ".." in parts:
        return "'..' is not allowed in a path"
    if any(part in ("", ".") for part in parts):
        return "empty or '.' path segments are not allowed"
    if len(parts) > MAX_DEPTH:
        return f"the path is more than {MAX_DEPTH} folders deep"
    for part in parts:
        if not SEGMENT.match(part):
            return (f'"{part}" is not an allowed file or folder name (letters, digits, '
                    f"'_', '.' and '-', not starting with '.')")
    if PurePosixPath(name).suffix.lower() in ARCHIVE_SUFFIXES:
        return "archives inside the archive are not allowed"
    return None


def _outside_layout(name: str) -> str | None:
    """Why a safe ``name`` is not a content file the loader reads, or None."""
    folder, *rest = name.split("/")
    in_layout = (
        folder == "prompts" and len(rest) == 1 and rest[0].endswith(".md")
        or folder == "prompts" and len(rest) >= 2
        or folder == "rubrics" and len(rest) == 1 and rest[0].endswith(".md")
    )
    if not in_layout:
        return (f"outside the content layout (prompts/{COMPETENCIES_FILE}, "
                f"prompts/{RESPONSIBILITIES_FILE}, prompts/<slug>.md, prompts/<slug>/..., "
                f"rubrics/<slug>.md)")
    return None


def _folder_problem(name: str) -> str | None:
    """Why a folder entry (some zip tools write them) is outside the layout, or None."""
    bare = name.rstrip("/")
    if bare in FOLDERS:
        return None
    # A folder is in the layout when a file inside it would be.
    return name_problem(f"{bare}/x")


# Export ---------------------------------------------------------------------


def content_files(root: str | Path) -> list[str]:
    """The content files under ``root``, as sorted paths relative to it.

    Hidden files, caches and files outside the layout are left out, as the
    loader leaves them. A file whose name is unsafe is refused. A symbolic
    link is refused, not followed: it could point at any file on the machine.
    """
    root = Path(root)
    found: list[str] = []
    for folder in FOLDERS:
        top = root / folder
        if top.is_symlink():
            raise BundleRefused("is a symbolic link; only regular files are exported", folder)
        if not top.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            here = Path(dirpath)
            dirnames[:] = sorted(d for d in dirnames if not ignored(d))
            for name in [*dirnames, *filenames]:
                path = here / name
                relative = path.relative_to(root).as_posix()
                if ignored(name):
                    continue
                if path.is_symlink():
                    raise BundleRefused("is a symbolic link; only regular files are exported",
                                        relative)
                if name in filenames:
                    if not stat.S_ISREG(path.lstat().st_mode):
                        raise BundleRefused("is not a regular file", relative)
                    # A name no import would take is refused here, not dropped, so an
                    # export never loses a file the loader reads; one outside the layout
                    # the loader ignores too.
                    problem = _unsafe(relative)
                    if problem:
                        raise BundleRefused(f"cannot be exported: {problem}", relative)
                    if _outside_layout(relative) is None:
                        found.append(relative)
    return sorted(found)


def export_zip(root: str | Path) -> bytes:
    """The content under ``root`` as a zip in the repository's layout; same content, same
    bytes (sorted entries, fixed timestamps and modes, files only)."""
    root = Path(root)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=9) as archive:
        for name in content_files(root):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = ZIP_UNIX
            info.external_attr = (stat.S_IFREG | FILE_MODE) << 16
            archive.writestr(info, (root / name).read_bytes(), compresslevel=9)
    return buffer.getvalue()


# Reading an untrusted zip ---------------------------------------------------


def _entry_kind(info: zipfile.ZipInfo) -> str:
    """'file', 'folder' or what else the entry claims to be (a link, a device...)."""
    mode = info.external_attr >> 16
    # Some writers (Python's zipfile among them) give permission bits but no file type.
    if info.create_system == ZIP_UNIX and stat.S_IFMT(mode):
        if stat.S_ISLNK(mode):
            return "a symbolic link"
        if stat.S_ISDIR(mode):
            return "folder"
        if not stat.S_ISREG(mode):
            return "a special file (device, pipe or socket)"
    if info.filename.endswith("/") or info.external_attr & 0x10:  # MS-DOS folder bit
        return "folder"
    return "file"


def _check_entries(infos: list[zipfile.ZipInfo], limits: Limits) -> list[zipfile.ZipInfo]:
    """Every check that needs only the central directory; the files to read."""
    if len(infos) > limits.entries:
        raise BundleRefused(f"the archive holds {len(infos):,} entries; at most "
                            f"{limits.entries:,} are allowed")
    files: list[zipfile.ZipInfo] = []
    seen: dict[str, str] = {}
    folders: set[str] = set()
    for info in infos:
        name = info.filename
        kind = _entry_kind(info)
        if kind == "folder":
            problem = _folder_problem(name)
            if problem:
                raise BundleRefused(problem, name)
            folders.add(name.rstrip("/").lower())
            continue
        if kind != "file":
            raise BundleRefused(f"is {kind}; only regular files are allowed", name)
        problem = name_problem(name)
        if problem:
            raise BundleRefused(problem, name)
        folded = name.lower()
        if folded in seen:
            same = "appears twice" if seen[folded] == name else f'clashes with "{seen[folded]}" ' \
                                                                 f"(names differ only in case)"
            raise BundleRefused(f"duplicate name: {same}", name)
        seen[folded] = name
        if info.flag_bits & 0x1:
            raise BundleRefused("is encrypted", name)
        if info.compress_type not in READABLE_METHODS:
            raise BundleRefused(f"uses compression method {info.compress_type}; only stored "
                                f"and deflated entries are read", name)
        # The header's word is not trusted for what is small, only for what it owns up to.
        if info.file_size > limits.entry_bytes:
            raise BundleRefused(f"is {info.file_size:,} bytes; a file may be at most "
                                f"{limits.entry_bytes:,}", name)
        files.append(info)
    # A path that is a file in one entry and a folder in another cannot be written.
    files_seen = set(seen)
    for folded, name in seen.items():
        parents = {"/".join(folded.split("/")[:i]) for i in range(1, folded.count("/") + 1)}
        clash = sorted(parents & files_seen)
        if clash or folded in folders:
            shown = seen[clash[0]] if clash else name
            raise BundleRefused(f'"{shown}" is both a file and a folder', name)
    return files


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits,
                budget: int) -> bytes:
    """The entry's bytes, inflated at most one byte past the first limit it breaks."""
    cap = min(limits.entry_bytes, budget)
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while size <= cap:
                chunk = stream.read(min(CHUNK, cap + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError) as error:
        raise BundleRefused(f"is corrupt ({error})", info.filename) from None
    if size > limits.entry_bytes:
        raise BundleRefused(f"inflates to more than {limits.entry_bytes:,} bytes, the most "
                            f"a file may be", info.filename)
    if size > budget:
        raise BundleRefused(f"the files inflate to more than {limits.total_bytes:,} bytes "
                            f"in all", info.filename)
    if size > limits.ratio_floor_bytes and size > limits.ratio * max(info.compress_size, 1):
        raise BundleRefused(f"inflates {size // max(info.compress_size, 1):,} times its "
                            f"compressed size (at most {limits.ratio} allowed): a zip bomb?",
                            info.filename)
    return b"".join(chunks)


def _text(name: str, data: bytes) -> str:
    if data.startswith(ARCHIVE_MAGIC):
        raise BundleRefused("is an archive; archives inside the archive are not allowed", name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise BundleRefused(f"line {line}: not valid UTF-8 (byte 0x{data[error.start]:02x} "
                            f"at offset {error.start}); save the file as UTF-8", name) from None
    if "\x00" in text:
        raise BundleRefused("holds a NUL character: content files are text", name)
    return text


def read_zip(data: bytes, limits: Limits | None = None) -> dict[str, str]:
    """The files of an untrusted zip as text by path, or ``BundleRefused`` naming the
    first entry that breaks a rule. Checks every name before reading any data, and
    reads each entry through a bounded stream; writes nothing anywhere."""
    limits = limits or Limits()
    if len(data) > limits.archive_bytes:
        raise BundleRefused(f"the archive is {len(data):,} bytes; at most "
                            f"{limits.archive_bytes:,} are allowed")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError):
        raise BundleRefused("not a zip archive") from None
    with archive:
        files = _check_entries(archive.infolist(), limits)
        if not files:
            raise BundleRefused("the archive holds no content files")
        texts: dict[str, str] = {}
        budget = limits.total_bytes
        for info in files:
            raw = _read_entry(archive, info, limits, budget)
            budget -= len(raw)
            texts[info.filename] = _text(info.filename, raw)
        total = limits.total_bytes - budget
        if total > limits.ratio_floor_bytes and total > limits.ratio * len(data):
            # Entries sharing compressed data inflate it many times over.
            raise BundleRefused(f"the files inflate {total // len(data):,} times the "
                                f"archive's size (at most {limits.ratio} allowed): a zip bomb?")
    return dict(sorted(texts.items()))


# Staging and applying -------------------------------------------------------


@dataclass(frozen=True)
class Staged:
    """An import written to a temporary tree and checked there."""

    root: Path  # holds prompts/ and rubrics/
    content: Content

    @property
    def ok(self) -> bool:
        return self.content.ok

    @property
    def errors(self) -> list[Problem]:
        return self.content.errors

    @property
    def warnings(self) -> list[Problem]:
        return self.content.warnings

    def discard(self) -> None:
        """Remove the temporary tree."""
        shutil.rmtree(self.root, ignore_errors=True)


def _write_file(path: Path, data: bytes, durable: bool = True) -> None:
    """A new file (never through a link, never over one), flushed to disk if durable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        if durable:
            handle.flush()
            os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def stage(files: dict[str, str], into_dir: str | Path) -> Staged:
    """Write ``files`` into a fresh temporary tree under ``into_dir`` and validate it.

    The problems' paths are the files' own (``prompts/x.md:3: ...``). The tree is
    kept, valid or not, until ``apply`` or ``Staged.discard``.
    """
    for name in files:
        problem = name_problem(name)
        if problem:
            raise BundleRefused(problem, name)
    root = Path(tempfile.mkdtemp(prefix="content-import-", dir=into_dir))
    try:
        for folder in FOLDERS:
            (root / folder).mkdir()
        for name, text in sorted(files.items()):
            # A staged tree is thrown away after a crash: it need not reach the disk.
            _write_file(root / name, text.encode("utf-8"), durable=False)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return Staged(root, load_content(root))


def _copy_tree(source: Path, target: Path) -> None:
    """Copy a staged folder file by file, each flushed to disk, then its folders."""
    target.mkdir()
    for dirpath, dirnames, filenames in os.walk(source):
        here = Path(dirpath)
        there = target / here.relative_to(source)
        for name in sorted(dirnames):
            (there / name).mkdir()
        for name in sorted(filenames):
            _write_file(there / name, (here / name).read_bytes())
    for dirpath, _, _ in os.walk(target, topdown=False):
        _fsync_dir(Path(dirpath))


class _Lock:
    """A lock on the content directory: exclusive for one apply or recovery, shared
    for readers. The system drops it when the process dies, so a crash never
    leaves it held."""

    def __init__(self, root: Path, shared: bool = False) -> None:
        self.root = root
        self.mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        self.fd = -1

    def __enter__(self) -> _Lock:
        self.fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(self.fd, self.mode)
        except BaseException:
            os.close(self.fd)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def reading(root: str | Path) -> _Lock:
    """A shared lock on the content under ``root``: no import is applied while it is
    held. Whoever loads the content across an import (the sync after it) holds it,
    so never sees prompts/ from before a swap and rubrics/ from after."""
    return _Lock(Path(root), shared=True)


def writing(root: str | Path) -> _Lock:
    """The exclusive lock on the content under ``root`` that every writer holds: an
    author saving files from the browser waits for an import's swap, and readers
    holding ``reading`` never see half a save."""
    return _Lock(Path(root))


def _writable(root: Path) -> bool:
    # Moving a folder to another parent rewrites its '..' entry: it must be writable too.
    folders = [root, *(root / f for f in FOLDERS if (root / f).exists())]
    return all(os.access(path, os.W_OK | os.X_OK) for path in folders)


def recover(root: str | Path) -> None:
    """Finish or undo a swap a crash interrupted; nothing to do when none was.

    Before the commit point (``SWAP_DIR`` renamed to ``DONE_DIR``) the old
    folders are put back; after it the old ones are deleted. Each step can be
    interrupted in turn: recovering again carries on from where it stopped.
    """
    root = Path(root)
    with _Lock(root):
        _recover(root)


def _recover(root: Path) -> None:
    done, swap = root / DONE_DIR, root / SWAP_DIR
    if done.exists():
        shutil.rmtree(done)
    if not swap.exists():
        return
    for folder in FOLDERS:
        old = swap / "old" / folder
        if old.exists():
            # Old is moved aside before new moves in: whatever stands in its place is new.
            if (root / folder).exists():
                shutil.rmtree(root / folder)
            os.rename(old, root / folder)
    _fsync_dir(root)
    shutil.rmtree(swap)


def apply(staged: Staged, root: str | Path) -> None:
    """Replace the content under ``root`` with a staged import that has no error.

    Raises ``ContentReadOnly`` where ``root`` cannot be written (the content
    lives in git: download the zip instead). The swap: copy the staged folders
    beside the live ones (``SWAP_DIR/new``) and flush them to disk; move each
    live folder into ``SWAP_DIR/old``; move each new one in; then rename
    ``SWAP_DIR`` to ``DONE_DIR``, the single atomic commit point, and delete
    it. While folders move, one of ``prompts/`` or ``rubrics/`` is missing, so
    content loaded at that moment has an error and a sync refuses it (a reader
    that spans the swap holds ``reading``). A failure before the commit point
    puts the old content back at once; a crash leaves that to ``recover``,
    which the next ``apply`` runs first.
    """
    if not staged.ok:
        raise BundleRefused(f"the import has {len(staged.errors)} error(s); nothing was "
                            f"applied")
    root = Path(root)
    if not _writable(root):
        raise ContentReadOnly(errno.EACCES, "the content directory is read-only", str(root))
    with _Lock(root):
        _recover(root)
        swap = root / SWAP_DIR
        try:
            swap.mkdir()
        except OSError as error:
            # As root, or on a read-only mount, only trying tells.
            if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise ContentReadOnly(error.errno, "the content directory is read-only",
                                      str(root)) from None
            raise
        try:
            (swap / "old").mkdir()
            (swap / "new").mkdir()
            for folder in FOLDERS:
                _copy_tree(staged.root / folder, swap / "new" / folder)
                # An empty place holder makes "old moved aside" true of every folder.
                (root / folder).mkdir(exist_ok=True)
            _fsync_dir(swap / "new")
            for folder in FOLDERS:
                os.rename(root / folder, swap / "old" / folder)
            for folder in FOLDERS:
                os.rename(swap / "new" / folder, root / folder)
            _fsync_dir(swap / "old")
            _fsync_dir(root)
        except Exception:
            _recover(root)
            raise
        os.rename(swap, root / DONE_DIR)  # the commit point
        _fsync_dir(root)
        shutil.rmtree(root / DONE_DIR)
