"""How an answer's revisions are stored: compressed snapshots and small deltas between them.

Autosaves are mostly local edits to a long text, so storing each revision
whole makes an attempt's storage grow with the square of the answer's length.
Instead each revision stores one of:

- a *snapshot*: its UTF-8 text, zlib-compressed (``chain`` 0);
- a *delta* against the revision just before it (``chain`` = its distance
  from the last snapshot): how many characters of the previous text it keeps
  at the start and at the end, and the text that replaces what lies between.

A snapshot is written every ``SNAPSHOT_EVERY`` revisions at the latest, and
whenever a delta would not be smaller than one, so any revision's text is its
snapshot plus at most ``SNAPSHOT_EVERY - 1`` deltas, all among the
``SNAPSHOT_EVERY`` rows numbered up to it: one query reads them.

Plain Python: no database here, so the migration and the bench seed encode
exactly as a save does.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable

# At most this many revisions (one snapshot and the deltas after it) make up a text.
SNAPSHOT_EVERY = 32

_SNAPSHOT = b"S"
_DELTA = b"D"  # the replacing text as UTF-8
_DELTA_ZIPPED = b"Z"  # the replacing text zlib-compressed against the text it replaces
_HEADER = struct.Struct(">II")  # characters kept at the start, at the end
_SHORT = 64  # a new middle up to this many bytes is kept as it is
_WINDOW = 32_768  # how far back zlib's references reach
# A delta smaller than this share of the text is kept without comparing it with
# a snapshot: no snapshot compresses that well, and compressing costs time.
_CLEARLY_SMALL = 16


def snapshot(text: str) -> bytes:
    """The stored form of ``text`` as a snapshot."""
    return _SNAPSHOT + zlib.compress(text.encode("utf-8"))


def _common_prefix(a: str, b: str, limit: int) -> int:
    """The length of the longest common start of ``a`` and ``b``, at most ``limit``.

    A binary search of slice comparisons: each comparison runs in C, so a
    200 KB text takes a few dozen of them, not 200,000 Python steps.
    """
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    """The length of the longest common end of ``a`` and ``b``, at most ``limit``."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle:] == b[len(b) - middle:]:
            low = middle
        else:
            high = middle - 1
    return low


def delta(previous: str, text: str) -> bytes:
    """The stored form of ``text`` as a splice of ``previous``: kept start, kept end, new middle.

    A long new middle (edits in two places keep the text between them in it)
    is compressed with the middle it replaces as zlib's preset dictionary, so
    the unchanged stretch inside it costs a few bytes of back-references.
    """
    shorter = min(len(previous), len(text))
    prefix = _common_prefix(previous, text, shorter)
    suffix = _common_suffix(previous, text, shorter - prefix)
    middle = text[prefix:len(text) - suffix].encode("utf-8")
    header = _HEADER.pack(prefix, suffix)
    if len(middle) > _SHORT:
        packer = zlib.compressobj(zdict=_replaced(previous, prefix, suffix))
        zipped = packer.compress(middle) + packer.flush()
        if len(zipped) < len(middle):
            return _DELTA_ZIPPED + header + zipped
    return _DELTA + header + middle


def _replaced(previous: str, prefix: int, suffix: int) -> bytes:
    """What a delta replaces in ``previous`` (its last 32 KB, zlib's window): a dictionary."""
    return previous[prefix:len(previous) - suffix].encode("utf-8")[-_WINDOW:] or b" "


def encode(previous: str | None, chain: int, text: str) -> tuple[bytes, int]:
    """How to store ``text`` after a revision holding ``previous`` at ``chain``: (data, chain).

    ``previous`` None (the first revision) or a full chain gives a snapshot;
    otherwise a delta, unless the snapshot would be no larger.
    """
    if previous is None or chain + 1 >= SNAPSHOT_EVERY:
        return snapshot(text), 0
    change = delta(previous, text)
    if len(change) * _CLEARLY_SMALL < len(text):
        return change, chain + 1
    whole = snapshot(text)
    return (change, chain + 1) if len(change) < len(whole) else (whole, 0)


def apply(previous: str | None, data: bytes) -> str:
    """The text stored as ``data``, given the text of the revision before it (for a delta)."""
    form, rest = data[:1], data[1:]
    if form == _SNAPSHOT:
        return zlib.decompress(rest).decode("utf-8")
    if previous is None:
        raise ValueError("a delta needs the text of the revision before it")
    prefix, suffix = _HEADER.unpack_from(rest)
    middle = rest[_HEADER.size:]
    if form == _DELTA_ZIPPED:
        unpacker = zlib.decompressobj(zdict=_replaced(previous, prefix, suffix))
        middle = unpacker.decompress(middle) + unpacker.flush()
    elif form != _DELTA:
        raise ValueError(f"unknown stored form {form!r}")
    return previous[:prefix] + middle.decode("utf-8") + previous[len(previous) - suffix:]


def decode(rows: Iterable[tuple[int, bytes]]) -> str:
    """The text of the last of ``rows``: (chain, data) in order, from its snapshot on."""
    rows = list(rows)
    # A window of rows may begin inside an earlier chain: start at the last snapshot.
    start = max((i for i, (chain, _) in enumerate(rows) if chain == 0), default=None)
    if start is None:
        raise ValueError("no snapshot among the stored rows")
    text: str | None = None
    for _, data in rows[start:]:
        text = apply(text, data)
    assert text is not None
    return text
