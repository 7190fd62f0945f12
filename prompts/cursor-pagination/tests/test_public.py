import re

import pytest
from solution import InvalidCursor, Paginator, Record

SECRET = b"test-secret-do-not-use"
RECORDS = [
    Record("inv_a", 1000),
    Record("inv_b", 1000),
    Record("inv_c", 1005),
    Record("inv_d", 1010),
    Record("inv_e", 1020),
]


def test_walking_the_pages_returns_every_record_once_in_order():
    pager = Paginator(SECRET)
    first = pager.page(RECORDS, limit=2)
    second = pager.page(RECORDS, cursor=first.next_cursor, limit=2)
    third = pager.page(RECORDS, cursor=second.next_cursor, limit=2)

    assert [r.id for r in first.items] == ["inv_a", "inv_b"]
    assert [r.id for r in second.items] == ["inv_c", "inv_d"]
    assert [r.id for r in third.items] == ["inv_e"]
    assert third.next_cursor is None


def test_cursor_is_url_safe_without_padding():
    cursor = Paginator(SECRET).page(RECORDS, limit=1).next_cursor
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", cursor)


def test_tampered_cursor_raises_invalid_cursor():
    pager = Paginator(SECRET)
    cursor = pager.page(RECORDS, limit=2).next_cursor
    tampered = ("B" if cursor[0] != "B" else "C") + cursor[1:]
    with pytest.raises(InvalidCursor):
        pager.page(RECORDS, cursor=tampered, limit=2)
