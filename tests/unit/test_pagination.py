"""Page arithmetic used by every paginated list."""

from __future__ import annotations

import pytest

from app.pagination import Page


@pytest.mark.parametrize(
    ("number", "total", "pages", "first", "last", "prev", "next_"),
    [
        (1, 0, 1, 0, 0, False, False),
        (1, 10, 1, 1, 10, False, False),
        (1, 26, 2, 1, 25, False, True),
        (2, 26, 2, 26, 26, True, False),
        (2, 75, 3, 26, 50, True, True),
    ],
)
def test_page_bounds(number, total, pages, first, last, prev, next_):
    page = Page(items=[], number=number, per_page=25, total=total)
    assert (page.pages, page.first_index, page.last_index) == (pages, first, last)
    assert (page.has_previous, page.has_next) == (prev, next_)
