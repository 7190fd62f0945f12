"""Evidence quoted from an answer: a quote counts only if it is text of the answer."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def squash(text: str) -> str:
    """Whitespace runs as one space, trimmed: how quotes are compared with the answer."""
    return re.sub(r"\s+", " ", text).strip()


def plain_text(html: str) -> str:
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    return squash(" ".join(parser.parts))


def quote_in_answer(quote: str, body: str, html: str) -> bool:
    """True when ``quote`` is text of the answer, as written or as the page shows it."""
    wanted = squash(quote)
    return bool(wanted) and (wanted in squash(body) or wanted in plain_text(html))
