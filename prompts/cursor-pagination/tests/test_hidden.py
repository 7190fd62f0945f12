import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from solution import InvalidCursor, Paginator, Record

SECRET = b"test-secret-do-not-use"


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def signed(payload_bytes, secret=SECRET):
    """Build a cursor exactly as the statement documents it."""
    payload = b64(payload_bytes)
    signature = hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest()
    return f"{payload}.{b64(signature)}"


def walk(pager, records, limit):
    pages, cursor = [], None
    while True:
        page = pager.page(records, cursor=cursor, limit=limit)
        pages.append([r.id for r in page.items])
        cursor = page.next_cursor
        if cursor is None:
            return pages


def make(n, created_at=1000):
    return [Record(f"r{i:03d}", created_at) for i in range(n)]


def test_page_boundary_inside_one_timestamp_neither_skips_nor_repeats():
    records = make(7)
    assert walk(Paginator(SECRET), records, 3) == [
        ["r000", "r001", "r002"],
        ["r003", "r004", "r005"],
        ["r006"],
    ]


def test_exactly_full_last_page_has_no_next_cursor():
    page = Paginator(SECRET).page(make(4), limit=2)
    last = Paginator(SECRET).page(make(4), cursor=page.next_cursor, limit=2)
    assert [r.id for r in last.items] == ["r002", "r003"]
    assert last.next_cursor is None


def test_empty_list_gives_empty_page_without_cursor():
    page = Paginator(SECRET).page([], limit=5)
    assert page.items == []
    assert page.next_cursor is None


def test_records_inserted_before_the_cursor_cause_no_duplicates():
    pager = Paginator(SECRET)
    records = [Record(f"r{i}", 1000 + i) for i in range(6)]
    first = pager.page(records, limit=3)
    grown = sorted(
        records + [Record("new_early", 999), Record("new_mid", 1001)],
        key=lambda r: (r.created_at, r.id),
    )
    second = pager.page(grown, cursor=first.next_cursor, limit=3)
    assert [r.id for r in second.items] == ["r3", "r4", "r5"]


def test_records_inserted_after_the_cursor_are_returned():
    pager = Paginator(SECRET)
    records = [Record(f"r{i}", 1000 + i) for i in range(4)]
    first = pager.page(records, limit=2)
    grown = records + [Record("new_late", 2000)]
    second = pager.page(grown, cursor=first.next_cursor, limit=5)
    assert [r.id for r in second.items] == ["r2", "r3", "new_late"]


def test_deleting_the_last_seen_record_does_not_break_the_next_page():
    pager = Paginator(SECRET)
    records = [Record(f"r{i}", 1000 + i) for i in range(6)]
    first = pager.page(records, limit=3)
    shrunk = [r for r in records if r.id != "r2"]
    second = pager.page(shrunk, cursor=first.next_cursor, limit=3)
    assert [r.id for r in second.items] == ["r3", "r4", "r5"]


def test_limit_above_the_maximum_is_clamped():
    page = Paginator(SECRET, max_page_size=4, default_page_size=2).page(make(10), limit=1000)
    assert len(page.items) == 4
    assert page.next_cursor is not None


def test_default_page_size_is_used_when_limit_is_none():
    page = Paginator(SECRET, max_page_size=50, default_page_size=3).page(make(10))
    assert len(page.items) == 3


def test_limit_below_one_raises_value_error():
    for limit in (0, -5):
        with pytest.raises(ValueError):
            Paginator(SECRET).page(make(3), limit=limit)


def test_cursor_is_valid_for_another_instance_with_the_same_secret():
    cursor = Paginator(SECRET).page(make(5), limit=2).next_cursor
    page = Paginator(SECRET).page(make(5), cursor=cursor, limit=2)
    assert [r.id for r in page.items] == ["r002", "r003"]


def test_cursor_signed_with_another_secret_is_rejected():
    cursor = Paginator(b"other-secret").page(make(5), limit=2).next_cursor
    with pytest.raises(InvalidCursor):
        Paginator(SECRET).page(make(5), cursor=cursor, limit=2)


def test_payload_changed_without_resigning_is_rejected():
    cursor = Paginator(SECRET).page(make(5), limit=2).next_cursor
    forged_payload = b64(json.dumps({"created_at": 0, "id": ""}).encode())
    forged = forged_payload + "." + cursor.split(".")[1]
    with pytest.raises(InvalidCursor):
        Paginator(SECRET).page(make(5), cursor=forged, limit=2)


def test_garbage_and_truncated_cursors_are_rejected():
    good = Paginator(SECRET).page(make(5), limit=2).next_cursor
    bad = ["", ".", "abc", "a.b", "a.b.c", good[:-1], good[:-2], good + "x", "é.é"]
    for cursor in bad:
        with pytest.raises(InvalidCursor):
            Paginator(SECRET).page(make(5), cursor=cursor, limit=2)


def test_correctly_signed_payload_of_the_wrong_shape_is_rejected():
    payloads = [
        b"not json",
        b"\xc3\x28",
        b'[1000, "r001"]',
        json.dumps({"created_at": "1000", "id": "r001"}).encode(),
        json.dumps({"created_at": 1000}).encode(),
        json.dumps({"created_at": 1000, "id": 7}).encode(),
        json.dumps({"created_at": True, "id": "r001"}).encode(),
        json.dumps({"created_at": 1000.0, "id": "r001"}).encode(),
    ]
    for payload in payloads:
        with pytest.raises(InvalidCursor):
            Paginator(SECRET).page(make(5), cursor=signed(payload), limit=2)


def test_cursor_built_to_the_documented_format_is_accepted():
    records = [Record("a", 1000), Record("m", 1500), Record("z", 1500), Record("b", 2000)]
    cursor = signed(json.dumps({"created_at": 1500, "id": "m"}).encode())
    page = Paginator(SECRET).page(records, cursor=cursor, limit=10)
    assert [r.id for r in page.items] == ["z", "b"]
    assert page.next_cursor is None


def test_invalid_configuration_raises_value_error():
    for kwargs in ({"secret": b""}, {"secret": SECRET, "max_page_size": 5, "default_page_size": 6}):
        with pytest.raises(ValueError):
            Paginator(**kwargs)


def test_invalid_cursor_is_a_value_error():
    assert issubclass(InvalidCursor, ValueError)


@dataclass(frozen=True)
class Row:
    id: str
    created_at: int


class CountingIndex(Sequence):
    """A million rows sorted by (created_at, id), made on demand, that counts how many are read.

    Three rows share each millisecond. Reading more than ``budget`` rows raises,
    so a scan fails at once instead of reading all of them.
    """

    def __init__(self, size, budget):
        self.size, self.budget, self.reads = size, budget, 0

    def __len__(self):
        return self.size

    def _row(self, index):
        self.reads += 1
        if self.reads > self.budget:
            raise AssertionError(f"read more than {self.budget} of {self.size} records")
        return Row(f"r{index:07d}", 1_000_000 + index // 3)

    def __getitem__(self, index):
        if isinstance(index, int):
            if not -self.size <= index < self.size:
                raise IndexError(index)
            return self._row(index % self.size)
        wanted = slice(index.start, index.stop, index.step)  # a slice, possibly from afar
        return [self._row(i) for i in range(self.size)[wanted]]


def test_a_deep_page_is_found_by_seeking_not_by_reading_every_record_before_it():
    index = CountingIndex(1_000_000, budget=200)
    last_seen = {"created_at": 1_000_000 + 700_000 // 3, "id": "r0700000"}
    cursor = signed(json.dumps(last_seen).encode())
    page = Paginator(SECRET).page(index, cursor=cursor, limit=10)
    assert [r.id for r in page.items] == [f"r{i:07d}" for i in range(700_001, 700_011)]
    assert page.next_cursor is not None
    assert index.reads <= 200  # a binary search reads about 20, plus the page
