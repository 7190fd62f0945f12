"""Input no database can store, refused at the edge; numbers bounded to the columns' range.

PostgreSQL text cannot hold NUL (U+0000), and a lone UTF-16 surrogate (JSON
``"\\ud800"``) has no UTF-8 form, so neither database can store it. Archboard
refuses such text rather than stripping it: text is never changed behind the
writer's back, and a refusal loses nothing (the workspace keeps the answer in
the editor and in the browser's storage, and says where the character is).

One ``before_request`` hook applies the rule to every request, before any
view or query runs:

- the path: 404, since no stored name can contain such a character;
- query parameters, form fields and every string (or key) of a JSON body:
  422 with a message naming the field, line and column;
- the User-Agent header, stored with each sign-in: 400.

Ids in URLs use a converter bounded to the range of the id columns, so an id
no row can have is 404 before the database sees it. JSON too deeply nested for
the parser counts as malformed JSON, like any other parse error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from app.db import INT_MAX
from app.errors import Invalid

DB_INT_MAX = INT_MAX

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_ASCII_NUMBER = re.compile(r"[0-9]{1,10}")


def unstorable(text: str) -> str | None:
    """What in ``text`` no database can store, and where; None when it can be stored."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    at = found.start()
    line = text.count("\n", 0, at) + 1
    column = at - text.rfind("\n", 0, at)
    char = found.group()
    what = ("a NUL character (U+0000, invisible)" if char == "\x00" else
            f"an unpaired surrogate (U+{ord(char):04X}, half of an encoded character)")
    return f"{what} at line {line}, column {column}"


def whole_number(raw: str | None) -> int | None:
    """``raw`` as an int if it is plain ASCII digits within the id columns' range, else None.

    ``int()`` alone would take "²"-like digits only half the time ("²".isdigit()
    is true, int("²") fails), signs, spaces and underscores, and numbers the
    database cannot compare with.
    """
    if raw is None or not _ASCII_NUMBER.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= DB_INT_MAX else None


def form_number(raw: str | None, message: str) -> int | None:
    """A number field of a form: None when missing or empty, Invalid(``message``) when garbled."""
    if raw is None or raw == "":
        return None
    value = whole_number(raw)
    if value is None:
        raise Invalid(message)
    return value


def digits_up_to(limit: int) -> str:
    """A regular expression matching the decimal numbers 0 to ``limit`` (leading zeros too).

    For 2147483647: up to nine digits, or ten digits that stay at or below the
    limit digit by digit (1xxxxxxxxx, 20xxxxxxxx, 21[0-3]xxxxxxx, ...).
    """
    text = str(limit)
    options = [f"[0-9]{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, digit in enumerate(text):
        low = 1 if i == 0 and len(text) > 1 else 0
        below = int(digit) - 1
        if below >= low:
            rest = len(text) - i - 1
            options.append(text[:i] + (str(low) if below == low else f"[{low}-{below}]")
                           + (f"[0-9]{{{rest}}}" if rest > 1 else "[0-9]" * rest))
    options.append(text)
    return "0*(?:" + "|".join(options) + ")"


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: ASCII digits up to the id columns' maximum.

    The bound is in the pattern, not only in ``max``: a value that fails a
    converter after the path matched makes Werkzeug answer 405 when a rule for
    another method shares the path; a pattern that does not match is a 404.
    """

    regex = digits_up_to(DB_INT_MAX)

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = DB_INT_MAX, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where nesting too deep for the parser is malformed JSON (a ValueError)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def _json_strings(value: Any, name: str = "") -> Iterator[tuple[str, str]]:
    """(field, text) for every string and key in a parsed JSON value, without recursion."""
    stack = [(name, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, child in item.items():
                yield where, key
                stack.append((key if not where else f"{where}.{key}", child))
        elif isinstance(item, list):
            stack.extend((where, child) for child in item)


def _fields() -> Iterator[tuple[str, str]]:
    for source in (request.args, request.form):
        for key, values in source.lists():
            yield key, key
            for value in values:
                yield key, value
    if request.is_json:
        yield from _json_strings(request.get_json(silent=True))


def refuse_unstorable_input() -> None:
    """Refuse a request whose path, parameters, form or JSON hold text no database can store."""
    if unstorable(request.path):
        abort(404)
    if unstorable(request.headers.get("User-Agent", "")):
        abort(400)
    for name, text in _fields():
        problem = unstorable(text)
        if problem:
            field = f"\u201c{name}\u201d" if name else "the request"
            raise Invalid(f"What you sent in {field} contains {problem}. It cannot be "
                          "stored: remove it and try again. Nothing was saved.", field=name)


def init_app(app: Flask) -> None:
    """Bound the id converter, harden JSON parsing and refuse unstorable text.

    Call before any blueprint is registered: rules pick their converters when added.
    """
    app.url_map.converters["int"] = IdConverter
    app.json = JSONProvider(app)
    app.before_request(refuse_unstorable_input)
