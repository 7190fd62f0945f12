"""Content as a zip: a stable export, a refusal for every unsafe archive, and an import
that is all or nothing, even when the process dies half-way through applying it."""

from __future__ import annotations

import fcntl
import io
import os
import random
import stat
import struct
import warnings
import zipfile
from pathlib import Path

import pytest

from app.content import bundle
from app.content.bundle import (
    BundleRefused,
    ContentReadOnly,
    Limits,
    apply,
    export_zip,
    read_zip,
    reading,
    recover,
    stage,
)
from app.content.render import render_markdown
from app.content.validate import load_content
from tests.factories.content import write_content

PROJECT = Path(__file__).resolve().parents[3]


@pytest.fixture
def live(tmp_path: Path) -> Path:
    """A writable content directory holding the small valid library."""
    return write_content(tmp_path / "live")


@pytest.fixture
def other(tmp_path: Path) -> bytes:
    """A different valid library, as a zip: the small one with a prompt retitled."""
    root = write_content(tmp_path / "other")
    path = root / "prompts/url-shortener.md"
    path.write_text(path.read_text().replace("title: ", "title: Imported ", 1))
    return export_zip(root)


def zip_of(*entries: tuple[str | zipfile.ZipInfo, bytes], method: int = zipfile.ZIP_DEFLATED,
           ) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive, \
            warnings.catch_warnings():
        # A hostile archive may name a file twice; zipfile only warns when writing one.
        warnings.filterwarnings("ignore", "Duplicate name", UserWarning)
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def with_mode(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def import_into(root: Path, data: bytes, scratch: Path, limits: Limits | None = None) -> None:
    """The whole import as a caller runs it: read, stage, apply."""
    staged = stage(read_zip(data, limits), scratch)
    try:
        apply(staged, root)
    finally:
        staged.discard()


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root, hidden ones too, by path."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


# Export -----------------------------------------------------------------------------


def test_the_same_content_exports_to_the_same_bytes(live):
    first = export_zip(live)
    for path in live.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
        path.chmod(0o700 if path.is_dir() else 0o600)
    assert export_zip(live) == first
    infos = zipfile.ZipFile(io.BytesIO(first)).infolist()
    names = [i.filename for i in infos]
    assert names == sorted(snapshot(live))
    assert {(i.date_time, i.external_attr >> 16) for i in infos} == {
        ((1980, 1, 1, 0, 0, 0), stat.S_IFREG | 0o644)}


def test_export_leaves_out_what_the_loader_skips_and_refuses_links(live, tmp_path):
    (live / "prompts/.notes.md").write_text("private")
    (live / "prompts/sum-two/__pycache__").mkdir()
    (live / "prompts/sum-two/__pycache__/solution.cpython-311.pyc").write_bytes(b"\0")
    (live / "rubrics/README.txt").write_text("not a rubric: the loader ignores it")
    names = zipfile.ZipFile(io.BytesIO(export_zip(live))).namelist()
    assert not [n for n in names if ".notes" in n or "pycache" in n or "README" in n]
    (live / "prompts/sum-two/my notes.md").write_text("read by the loader as a prompt file")
    with pytest.raises(BundleRefused, match='prompts/sum-two/my notes.md: cannot be '
                                            'exported: "my notes.md" is not an allowed'):
        export_zip(live)
    (live / "prompts/sum-two/my notes.md").unlink()
    secret = tmp_path / "secret.txt"
    secret.write_text("not content")
    (live / "rubrics/leak.md").symlink_to(secret)
    with pytest.raises(BundleRefused, match="rubrics/leak.md: is a symbolic link"):
        export_zip(live)


def test_the_library_round_trips_and_passes_content_check(tmp_path):
    data = export_zip(PROJECT)
    files = read_zip(data)  # the default limits take the whole library
    on_disk = {f"{folder}/{name}" for folder in ("prompts", "rubrics")
               for name in snapshot(PROJECT / folder)
               if not any(part.startswith((".", "__")) or part.endswith(".pyc")
                          for part in name.split("/"))}
    assert set(files) == on_disk and len(files) > 200
    staged = stage(files, tmp_path)
    assert [str(p) for p in staged.errors] == []
    assert snapshot(staged.root) == {name: (PROJECT / name).read_bytes() for name in files}
    assert export_zip(staged.root) == data
    # The same revisions: every prompt and rubric hashes as it does in the repository.
    library = load_content(PROJECT)
    assert staged.warnings == library.warnings
    for kind in ("prompts", "rubrics"):
        ours, theirs = getattr(library, kind), getattr(staged.content, kind)
        assert {s: d.content_hash for s, d in theirs.items()} == {
            s: d.content_hash for s, d in ours.items()}


def test_an_import_replaces_the_content_and_exports_what_was_imported(live, other, tmp_path):
    import_into(live, other, tmp_path)
    assert export_zip(live) == other
    assert load_content(live).prompts["url-shortener"].title.startswith("Imported ")
    assert sorted(p.name for p in live.iterdir()) == ["prompts", "rubrics"]


def test_an_import_into_an_empty_directory_creates_the_content(tmp_path, other):
    root = tmp_path / "empty"
    root.mkdir()
    import_into(root, other, tmp_path)
    assert export_zip(root) == other


# Refusals: each names the entry and changes nothing ----------------------------------

GOOD = ("prompts/competencies.md", b"# Competencies\n")


def encrypted() -> bytes:
    """An entry flagged as encrypted (zipfile clears the flag when writing, so it is set
    in the bytes, in the local header and the central directory alike)."""
    data = bytearray(zip_of(("prompts/a.md", b"x")))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature) + offset
        data[at] |= 0x1
    return bytes(data)


def huge_header_understated() -> bytes:
    """A deflated entry of 2 MB whose central directory claims 10 bytes."""
    data = bytearray(zip_of(("prompts/a.md", b"a" * 2_000_000)))
    central = data.rindex(b"PK\x01\x02")
    data[central + 24:central + 28] = struct.pack("<I", 10)  # uncompressed size
    local = data.index(b"PK\x03\x04")
    data[local + 22:local + 26] = struct.pack("<I", 10)
    return bytes(data)


REFUSED = {
    "absolute path": (zip_of(("/etc/cron.d/x", b"x")), "/etc/cron.d/x",
                      "absolute paths are not allowed"),
    "parent folder": (zip_of(("prompts/../../evil.md", b"x")), "prompts/../../evil.md",
                      "'..' is not allowed"),
    "backslash": (zip_of(("prompts\\..\\evil.md", b"x")), "prompts\\..\\evil.md",
                  "backslash"),
    "drive letter": (zip_of(("C:/prompts/a.md", b"x")), "C:/prompts/a.md", "drive letters"),
    "outside the layout": (zip_of(GOOD, ("app/__init__.py", b"x")), "app/__init__.py",
                           "outside the content layout"),
    "rubric in a sub-folder": (zip_of(("rubrics/old/a.md", b"x")), "rubrics/old/a.md",
                               "outside the content layout"),
    "hidden file": (zip_of(("prompts/.env", b"x")), "prompts/.env", "not starting with '.'"),
    "folder outside the layout": (zip_of(("__MACOSX/", b""), GOOD), "__MACOSX/",
                                  "outside the content layout"),
    "too deep": (zip_of(("prompts/a/b/c/d/e/f.py", b"x")), "prompts/a/b/c/d/e/f.py",
                 "more than 6 folders deep"),
    "too long": (zip_of((f"prompts/{'a' * 300}.md", b"x")), f"prompts/{'a' * 300}.md",
                 "longer than 255 characters"),
    "encrypted": (encrypted(), "prompts/a.md", "is encrypted"),
    "symbolic link": (zip_of((with_mode("prompts/a.md", stat.S_IFLNK | 0o777),
                              b"/etc/passwd")), "prompts/a.md", "is a symbolic link"),
    "pipe": (zip_of((with_mode("prompts/a.md", stat.S_IFIFO | 0o644), b"")), "prompts/a.md",
             "special file"),
    "duplicate name": (zip_of(GOOD, ("prompts/a.md", b"x"), ("prompts/a.md", b"y")),
                       "prompts/a.md", "duplicate name: appears twice"),
    "names differing in case": (zip_of(("prompts/a/Notes.md", b"x"),
                                       ("prompts/a/notes.md", b"y")),
                                "prompts/a/notes.md", 'clashes with "prompts/a/Notes.md"'),
    "file and folder": (zip_of(("prompts/a/b", b"x"), ("prompts/a/b/c.md", b"y")),
                        "prompts/a/b/c.md", '"prompts/a/b" is both a file and a folder'),
    "not UTF-8": (zip_of(("prompts/a.md", "line one\ncafé\n".encode("latin-1"))),
                  "prompts/a.md", "line 2: not valid UTF-8 (byte 0xe9"),
    "NUL byte": (zip_of(("prompts/a.md", b"text\0")), "prompts/a.md", "NUL character"),
    "nested zip by name": (zip_of(("prompts/a/inner.zip", b"x")), "prompts/a/inner.zip",
                           "archives inside the archive"),
    "nested zip by content": (zip_of(("prompts/a/data.json", zip_of(GOOD))),
                              "prompts/a/data.json", "is an archive"),
    "compressed with bzip2": (zip_of(GOOD, method=zipfile.ZIP_BZIP2), GOOD[0],
                              "compression method 12"),
    "a huge file": (zip_of(("prompts/a.md", b"x" * 1_000_001), method=zipfile.ZIP_STORED),
                    "prompts/a.md", "is 1,000,001 bytes; a file may be at most 1,000,000"),
    "a size the header understates": (huge_header_understated(), "prompts/a.md",
                                      "is corrupt"),
    "a zip bomb": (zip_of(("prompts/a.md", b"\n" * 900_000)), "prompts/a.md",
                   "compressed size (at most 100 allowed): a zip bomb?"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_an_unsafe_entry_is_refused_by_name_and_changes_nothing(case, live, tmp_path):
    data, entry, message = REFUSED[case]
    before = snapshot(live)
    with pytest.raises(BundleRefused) as refused:
        import_into(live, data, tmp_path)
    assert refused.value.entry == entry
    assert message in refused.value.message
    assert snapshot(live) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live"]  # nothing staged


def test_ten_thousand_files_are_refused_before_any_is_read(live, tmp_path):
    data = zip_of(*((f"prompts/p{n}.md", b"") for n in range(10_000)))
    before = snapshot(live)
    with pytest.raises(BundleRefused, match="holds 10,000 entries; at most 2,000"):
        import_into(live, data, tmp_path)
    assert snapshot(live) == before


def test_what_the_files_inflate_to_in_all_is_bounded(live, tmp_path):
    data = zip_of(*((f"prompts/p{n}.md", os.urandom(30_000).hex().encode())
                    for n in range(4)))
    with pytest.raises(BundleRefused) as refused:
        import_into(live, data, tmp_path, Limits(total_bytes=150_000))
    assert refused.value.entry == "prompts/p2.md"
    assert "inflate to more than 150,000 bytes in all" in refused.value.message


def test_an_entry_is_read_no_further_than_one_byte_past_its_limit():
    # The bound holds even for an entry the central directory checks let through.
    data = zip_of(("prompts/a.md", b"y" * 5_000), method=zipfile.ZIP_STORED)
    archive = zipfile.ZipFile(io.BytesIO(data))
    with pytest.raises(BundleRefused, match="prompts/a.md: inflates to more than 4,000"):
        bundle._read_entry(archive, archive.infolist()[0], Limits(entry_bytes=4_000), 10_000)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "not a zip archive"),
    (b"# Competencies\n", "not a zip archive"),
    (zip_of(GOOD)[:-30], "not a zip archive"),
    (zip_of(), "the archive holds no content files"),
    (b"PK" + b"\0" * 20_000_001, "the archive is 20,000,003 bytes; at most 20,000,000"),
])
def test_an_archive_that_is_not_a_usable_zip_is_refused(data, message):
    with pytest.raises(BundleRefused, match=message) as refused:
        read_zip(data)
    assert refused.value.entry is None


def test_many_small_entries_that_inflate_hugely_in_all_are_a_bomb_too():
    # Twenty entries of 60 KB, each too small for the per-entry ratio to be judged.
    data = zip_of(*((f"prompts/p{n}.md", b"\n" * 60_000) for n in range(20)))
    with pytest.raises(BundleRefused, match="times the archive's size"):
        read_zip(data)


def test_a_damaged_zip_is_read_or_refused_never_anything_else(live):
    # Seeded, so every run tries the same 1,500 damaged archives: flipped bytes land in
    # sizes, offsets, versions and names alike.
    base, rng = export_zip(live), random.Random(15)
    for _ in range(1_500):
        data = bytearray(base)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            files = read_zip(bytes(data))
        except BundleRefused as refused:
            assert refused.message
        else:
            assert all(bundle.name_problem(name) is None for name in files)


# Staging: the loader's own checks ----------------------------------------------------


def test_an_import_with_an_invalid_file_reports_path_and_line_and_applies_nothing(live,
                                                                                 tmp_path):
    source = write_content(tmp_path / "source")
    path = source / "prompts/url-shortener.md"
    path.write_text(path.read_text().replace("minutes: 45", "minutes: 45\nrubric: url-shortner"))
    before = snapshot(live)
    staged = stage(read_zip(export_zip(source)), tmp_path)
    assert [str(p) for p in staged.errors] == [
        'prompts/url-shortener.md:6: prompt has no rubric: rubrics/url-shortner.md does not '
        'exist (did you mean "url-shortener"?)']
    with pytest.raises(BundleRefused, match="the import has 1 error"):
        apply(staged, live)
    assert snapshot(live) == before


def test_a_script_in_markdown_is_refused_at_its_line_and_never_rendered(live, tmp_path):
    source = write_content(tmp_path / "source")
    path = source / "prompts/url-shortener.md"
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    path.write_text(path.read_text().replace("Design a service", f"{hostile}\n\nDesign a "
                                             "service"))
    line = path.read_text().splitlines().index(hostile) + 1
    before = snapshot(live)
    with pytest.raises(BundleRefused, match="the import has 2 error"):
        import_into(live, export_zip(source), tmp_path)
    assert snapshot(live) == before
    staged = stage(read_zip(export_zip(source)), tmp_path)
    assert [(p.path, p.line) for p in staged.errors] == [("prompts/url-shortener.md", line)] * 2
    staged.discard()
    # Were it ever stored, rendering would still strip it.
    html = render_markdown(hostile)
    assert "<script" not in html and "onerror" not in html


def test_stage_refuses_a_path_outside_the_layout_before_writing(tmp_path):
    with pytest.raises(BundleRefused, match="'..' is not allowed"):
        stage({"prompts/../../x.md": "x"}, tmp_path)
    assert list(tmp_path.iterdir()) == []


# Applying: all or nothing ------------------------------------------------------------


class Crash(BaseException):
    """The process dying: no except clause of the code under test runs."""


def crash_on(monkeypatch: pytest.MonkeyPatch, name: str, call: int) -> None:
    """Make the ``call``-th call to os.<name> kill the process before it acts."""
    real, calls = getattr(os, name), []

    def dying(*args, **kwargs):
        calls.append(args)
        if len(calls) == call:
            raise Crash
        return real(*args, **kwargs)

    monkeypatch.setattr(os, name, dying)


@pytest.mark.parametrize(("name", "call", "survives"), [
    ("open", 3, "old"),     # while the new files are copied beside the live ones
    ("rename", 1, "old"),   # before the old prompts/ is moved aside
    ("rename", 2, "old"),   # prompts/ moved aside, rubrics/ not yet
    ("rename", 3, "old"),   # both aside, the new not in
    ("rename", 4, "old"),   # new prompts/ in, new rubrics/ not yet
    ("rename", 5, "old"),   # both new in place, before the commit point
    ("rmdir", 1, "new"),    # after the commit point, while the old is deleted
])
def test_a_crash_while_applying_leaves_the_old_content_or_the_new(
        name, call, survives, live, other, tmp_path, monkeypatch):
    old = export_zip(live)
    staged = stage(read_zip(other), tmp_path)
    crash_on(monkeypatch, name, call)
    with pytest.raises(Crash):
        apply(staged, live)
    monkeypatch.undo()
    # Whatever the moment, the content on disk is either invalid (a folder is missing,
    # so no sync takes it) or exactly one whole version: never a mix.
    content = load_content(live)
    if content.ok:
        assert export_zip(live) in (old, other)
    recover(live)
    assert export_zip(live) == (old if survives == "old" else other)
    assert sorted(p.name for p in live.iterdir()) == ["prompts", "rubrics"]
    # And the next import goes through.
    apply(staged, live)
    assert export_zip(live) == other


def test_a_crash_while_recovering_is_recovered_again(live, other, tmp_path, monkeypatch):
    old = export_zip(live)
    staged = stage(read_zip(other), tmp_path)
    crash_on(monkeypatch, "rename", 4)
    with pytest.raises(Crash):
        apply(staged, live)
    monkeypatch.undo()
    crash_on(monkeypatch, "rename", 2)  # recovery puts prompts/ back, then dies
    with pytest.raises(Crash):
        recover(live)
    monkeypatch.undo()
    recover(live)
    assert export_zip(live) == old


def test_a_failure_while_applying_puts_the_old_content_back_at_once(live, other, tmp_path,
                                                                    monkeypatch):
    before = snapshot(live)
    staged = stage(read_zip(other), tmp_path)
    real, calls = os.rename, []

    def failing(source, target):
        calls.append(source)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        return real(source, target)

    monkeypatch.setattr(os, "rename", failing)
    with pytest.raises(OSError, match="No space left"):
        apply(staged, live)
    monkeypatch.undo()
    assert snapshot(live) == before


def test_a_read_only_content_directory_is_refused_and_unchanged(live, other, tmp_path,
                                                                monkeypatch):
    before = snapshot(live)
    staged = stage(read_zip(other), tmp_path)
    live.chmod(0o555)
    # Root may write to any folder; a read-only mount is what it cannot write.
    if os.geteuid() == 0:
        monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    try:
        with pytest.raises(ContentReadOnly, match="read-only"):
            apply(staged, live)
    finally:
        live.chmod(0o755)
    assert snapshot(live) == before


def test_no_import_is_applied_while_the_content_is_being_read(live):
    fd = os.open(live, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with reading(live), pytest.raises(BlockingIOError):
            # The lock apply takes, asked for without waiting.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free once the reader is done
    finally:
        os.close(fd)


def test_a_writer_excludes_readers_and_other_writers_until_it_is_done(live):
    fd = os.open(live, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with bundle.writing(live):
            # A reader's shared lock and a writer's or an import's exclusive one both wait.
            for mode in (fcntl.LOCK_SH, fcntl.LOCK_EX):
                with pytest.raises(BlockingIOError):
                    fcntl.flock(fd, mode | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # free once the writer is done
    finally:
        os.close(fd)


def test_a_name_is_shown_with_its_control_characters_escaped_and_cut_short():
    name = "prompts/a\nprompts/b.md:1: fine\x1b[2J" + "x" * 1_000
    with pytest.raises(BundleRefused) as refused:
        read_zip(zip_of((name, b"x")))
    assert refused.value.entry == name
    shown = str(refused.value)
    assert shown.startswith("prompts/a\\nprompts/b.md:1: fine\\x1b[2Jxxx")
    assert "\n" not in shown and "\x1b" not in shown and len(shown) < 700
