"""Whiteboard scenes: the server's check of the Excalidraw scene saved with an answer.

A scene comes from a candidate's browser, so it is data from an untrusted
source: ``check_scene`` bounds its size and shape and rebuilds it from an
allow-list, and ``scene_summary`` reads a checked scene for reviewers' pages
and playback. Nothing in a scene is ever markup: its text is text, which pages
and the whiteboard put on screen as text, never as HTML.

What is dropped, and why: ``link`` on elements, ``customData``, the top-level
``files`` and ``source``, and image, embeddable and iframe elements are how a
scene would carry active content (URLs a reviewer clicks or a frame loads,
embedded files, data the editor does not draw). Deleted elements are dropped
too: nobody sees them, so they would be a place to hide text from reviewers.
Fields outside the allow-lists are dropped; a kept field with a wrong type or
value refuses the whole scene, with a message saying which element and field.

Pure: no Flask and no database (``app.errors`` imports Flask, so the service
saving a scene turns ``SceneRefused`` into ``Invalid``).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

# The limits (docs/security.md, "Whiteboard scenes").
MAX_SCENE_BYTES = 1_000_000      # the scene's JSON as sent, and as stored after the check
MAX_DEPTH = 8                    # nesting of arrays and objects; a real scene uses 5
MAX_ELEMENTS = 5_000
MAX_TEXT_CHARS = 10_000          # per text element (its text, and its original text)
MAX_NAME_CHARS = 200             # a frame's name
MAX_POINTS = 5_000               # per line, arrow or freehand stroke
MAX_REFERENCES = 1_000           # group ids, or bound elements, of one element
MAX_COORDINATE = 1_000_000.0     # |x|, |y|, widths, heights, points, binding gaps
MAX_INTEGER = 2**53 - 1          # largest integer a browser's JSON keeps exactly

ELEMENT_TYPES = ("rectangle", "ellipse", "diamond", "arrow", "line", "text", "freedraw",
                 "frame")
# Elements that carry outside content (an image's file, a page a frame loads): dropped.
DROPPED_TYPES = frozenset({"image", "embeddable", "iframe", "magicframe"})

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_INDEX = re.compile(r"[A-Za-z0-9]{1,64}")  # fractional index: Excalidraw's stacking order
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})|transparent")
# Control characters other than tab, newline and carriage return: nothing draws them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
# A JSON string (closed or running to the end), or a bracket: the depth scan's tokens.
# The closing quote is optional so an unclosed string is one token, not a rescan per quote.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)
# Characters that mean something in HTML or in an inline script: written as escapes,
# so the stored JSON can sit in a page and still holds no markup.
_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}


class SceneRefused(ValueError):
    """A whiteboard scene the server will not store; ``message`` says why, for the candidate."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_scene(raw: str | bytes) -> str:
    """Parse and check a whiteboard scene; return it rebuilt as compact JSON, or refuse it."""
    text = _decode(raw)
    _check_depth(text)
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except SceneRefused:
        raise
    except (ValueError, RecursionError):
        raise SceneRefused("The whiteboard could not be read: it is not valid JSON.") from None
    scene = _scene(data)
    out = _dumps(scene)
    # Escaping can make the stored form longer than what was sent; it is bounded too,
    # so a stored scene always passes the check again.
    if len(out.encode("utf-8")) > MAX_SCENE_BYTES:
        raise _too_large()
    return out


def scene_summary(scene_json: str) -> dict[str, Any]:
    """Count a checked scene's elements by type and list its text labels, in drawing order."""
    data = json.loads(scene_json)
    elements = data.get("elements") if isinstance(data, dict) else None
    counts: Counter[str] = Counter()
    labels: list[str] = []
    # A stored scene was checked when saved; reading it defensively still costs nothing.
    for element in elements if isinstance(elements, list) else ():
        kind = element.get("type") if isinstance(element, dict) else None
        if kind not in ELEMENT_TYPES:
            continue
        counts[kind] += 1
        label = element.get("text") if kind == "text" else None
        if isinstance(label, str) and label.strip():
            labels.append(label.strip())
    return {
        "elements": sum(counts.values()),
        "by_type": {kind: counts[kind] for kind in ELEMENT_TYPES if counts[kind]},
        "labels": labels,
    }


# --- parsing --------------------------------------------------------------------------------


def _too_large() -> SceneRefused:
    return SceneRefused(f"The whiteboard is too large to save: it is over "
                        f"{MAX_SCENE_BYTES // 1000:,} KB. Remove some drawings and try again.")


def _decode(raw: str | bytes) -> str:
    if isinstance(raw, str):
        # A character is at least one byte: a long string is refused before encoding it.
        too_long = len(raw) > MAX_SCENE_BYTES
        if too_long or len(raw.encode("utf-8", "surrogatepass")) > MAX_SCENE_BYTES:
            raise _too_large()
        return raw
    if len(raw) > MAX_SCENE_BYTES:
        raise _too_large()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SceneRefused("The whiteboard could not be read: it is not UTF-8 text.") from None


def _check_depth(text: str) -> None:
    """Refuse deep nesting before parsing, in one pass and without recursion."""
    depth = 0
    for token in _TOKEN.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise SceneRefused(f"The whiteboard is nested too deeply (more than "
                                   f"{MAX_DEPTH} levels); it is not a scene this editor saves.")
        elif char in "]}":
            depth -= 1


def _refuse_constant(name: str) -> float:
    raise SceneRefused(f"The whiteboard holds {name}, which is not a number it can store.")


def _dumps(scene: dict[str, Any]) -> str:
    out = json.dumps(scene, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    for char, escape in _HTML_ESCAPES.items():
        out = out.replace(char, escape)  # these only ever occur inside strings
    return out


# --- the scene ------------------------------------------------------------------------------


def _scene(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or data.get("type") != "excalidraw":
        raise SceneRefused('The whiteboard is not an Excalidraw scene (its "type" must be '
                           '"excalidraw").')
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= 1000:
        raise SceneRefused('The whiteboard\'s "version" must be a whole number from 1 to 1000.')
    elements = data.get("elements")
    if not isinstance(elements, list):
        raise SceneRefused('The whiteboard has no "elements" list.')
    if len(elements) > MAX_ELEMENTS:
        raise SceneRefused(f"The whiteboard has more than {MAX_ELEMENTS:,} elements; remove "
                           f"some and try again.")
    kept = [_element(element, number)
            for number, element in enumerate(elements, start=1)]
    kept = [element for element in kept if element is not None]
    ids = Counter(element["id"] for element in kept)
    duplicated = sorted(i for i, count in ids.items() if count > 1)
    if duplicated:
        raise SceneRefused(f'The whiteboard has two elements with the id "{duplicated[0]}".')
    app_state = data.get("appState")
    if app_state is not None and not isinstance(app_state, dict):
        raise SceneRefused('The whiteboard\'s "appState" must be an object.')
    return {"type": "excalidraw", "version": version, "elements": kept,
            "appState": _app_state(app_state or {})}


class _Where:
    """Names the place a value came from, for the message that refuses it."""

    def __init__(self, place: str) -> None:
        self.place = place

    def refuse(self, field: str, problem: str) -> SceneRefused:
        return SceneRefused(f'{self.place}: "{field}" {problem}.')


def _app_state(state: Mapping[str, Any]) -> dict[str, Any]:
    where = _Where("The whiteboard's settings")
    kept: dict[str, Any] = {}
    for field, check in _APP_STATE_FIELDS.items():
        if field in state:
            kept[field] = check(state[field], where, field)
    return kept


def _element(element: Any, number: int) -> dict[str, Any] | None:
    if not isinstance(element, dict):
        raise SceneRefused(f"Whiteboard element {number} is not an object.")
    kind = element.get("type")
    if kind in DROPPED_TYPES or element.get("isDeleted") is True:
        return None
    if kind not in ELEMENT_TYPES:
        shown = kind if isinstance(kind, str) and _ID.fullmatch(kind) else "unknown"
        raise SceneRefused(f'Whiteboard element {number} has a type this whiteboard does not '
                           f'draw ("{shown}"); it draws {", ".join(ELEMENT_TYPES)}.')
    where = _Where(f"Whiteboard element {number} ({kind})")
    if "id" not in element:
        raise where.refuse("id", "is missing")
    kept: dict[str, Any] = {}
    for field, check in _FIELDS[kind].items():
        if field in element:
            kept[field] = check(element[field], where, field)
    return kept


# --- field checks: each returns the value to keep, or raises SceneRefused -------------------

_Check = Callable[[Any, _Where, str], Any]


def _number(low: float, high: float) -> _Check:
    def check(value: Any, where: _Where, field: str) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise where.refuse(field, "must be a number")
        if not math.isfinite(value) or not low <= value <= high:
            raise where.refuse(field, f"must be between {low:g} and {high:g}")
        return value
    return check


def _integer(low: int, high: int) -> _Check:
    def check(value: Any, where: _Where, field: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise where.refuse(field, "must be a whole number")
        if not low <= value <= high:
            raise where.refuse(field, f"must be between {low:,} and {high:,}")
        return value
    return check


def _boolean(value: Any, where: _Where, field: str) -> bool:
    if not isinstance(value, bool):
        raise where.refuse(field, "must be true or false")
    return value


def _one_of(*choices: str) -> _Check:
    def check(value: Any, where: _Where, field: str) -> str:
        if value not in choices:
            raise where.refuse(field, f"must be one of {', '.join(choices)}")
        return value
    return check


def _text(limit: int) -> _Check:
    def check(value: Any, where: _Where, field: str) -> str:
        if not isinstance(value, str):
            raise where.refuse(field, "must be text")
        if len(value) > limit:
            raise where.refuse(field, f"is longer than {limit:,} characters")
        # Kept as text: control characters no one can see go, and a lone surrogate
        # (no character at all) becomes the replacement character, so it can be stored.
        return _LONE_SURROGATE.sub("\ufffd", _CONTROL.sub("", value))
    return check


def _colour(value: Any, where: _Where, field: str) -> str:
    if not isinstance(value, str) or not _COLOUR.fullmatch(value):
        raise where.refuse(field, 'must be a colour written #rgb or #rrggbb, or "transparent"')
    return value.lower()


def _identifier(value: Any, where: _Where, field: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise where.refuse(field, "must be an id of 1 to 64 letters, digits, - or _")
    return value


def _nullable(check: _Check) -> _Check:
    def nullable(value: Any, where: _Where, field: str) -> Any:
        return None if value is None else check(value, where, field)
    return nullable


def _list_of(item: _Check, limit: int) -> _Check:
    def check(value: Any, where: _Where, field: str) -> list[Any]:
        if not isinstance(value, list):
            raise where.refuse(field, "must be a list")
        if len(value) > limit:
            raise where.refuse(field, f"has more than {limit:,} entries")
        return [item(entry, where, field) for entry in value]
    return check


def _record(fields: Mapping[str, _Check], required: tuple[str, ...] = ()) -> _Check:
    def check(value: Any, where: _Where, field: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise where.refuse(field, "must be an object")
        for name in required:
            if name not in value:
                raise where.refuse(field, f'has no "{name}"')
        return {name: sub(value[name], where, f"{field}.{name}")
                for name, sub in fields.items() if name in value}
    return check


_coordinate = _number(-MAX_COORDINATE, MAX_COORDINATE)
_size = _number(0, MAX_COORDINATE)


def _point(value: Any, where: _Where, field: str) -> list[int | float]:
    if not isinstance(value, list) or len(value) != 2:
        raise where.refuse(field, "must hold points written [x, y]")
    return [_coordinate(value[0], where, field), _coordinate(value[1], where, field)]


def _indexed(value: Any, where: _Where, field: str) -> str:
    if not isinstance(value, str) or not _INDEX.fullmatch(value):
        raise where.refuse(field, "must be 1 to 64 letters and digits")
    return value


_binding = _nullable(_record({
    "elementId": _identifier,
    "focus": _coordinate,
    "gap": _coordinate,
    "fixedPoint": _nullable(_point),
    "mode": _one_of("inside", "orbit", "skip"),
}, required=("elementId",)))

_ARROWHEADS = ("arrow", "bar", "dot", "circle", "circle_outline", "triangle",
               "triangle_outline", "diamond", "diamond_outline", "crowfoot_one",
               "crowfoot_many", "crowfoot_one_or_many")

# Every element's fields, in the order the stored scene writes them.
_COMMON: dict[str, _Check] = {
    "id": _identifier,
    "type": _one_of(*ELEMENT_TYPES),
    "x": _coordinate,
    "y": _coordinate,
    "width": _size,
    "height": _size,
    "angle": _number(-math.tau, math.tau),
    "strokeColor": _colour,
    "backgroundColor": _colour,
    "fillStyle": _one_of("hachure", "cross-hatch", "solid", "zigzag"),
    "strokeWidth": _number(0, 100),
    "strokeStyle": _one_of("solid", "dashed", "dotted"),
    "roughness": _number(0, 10),
    "opacity": _number(0, 100),
    "roundness": _nullable(_record({"type": _integer(1, 3), "value": _size},
                                   required=("type",))),
    "seed": _integer(0, MAX_INTEGER),
    "version": _integer(0, MAX_INTEGER),
    "versionNonce": _integer(0, MAX_INTEGER),
    "updated": _integer(0, MAX_INTEGER),
    "index": _nullable(_indexed),
    "groupIds": _list_of(_identifier, MAX_REFERENCES),
    "frameId": _nullable(_identifier),
    "boundElements": _nullable(_list_of(_record({"id": _identifier,
                                                 "type": _one_of("arrow", "text")},
                                                required=("id", "type")), MAX_REFERENCES)),
    "locked": _boolean,
}


_LINEAR: dict[str, _Check] = {
    "points": _list_of(_point, MAX_POINTS),
    "startBinding": _binding,
    "endBinding": _binding,
    "startArrowhead": _nullable(_one_of(*_ARROWHEADS)),
    "endArrowhead": _nullable(_one_of(*_ARROWHEADS)),
}

_FIELDS: dict[str, dict[str, _Check]] = {
    "rectangle": _COMMON,
    "ellipse": _COMMON,
    "diamond": _COMMON,
    "arrow": _COMMON | _LINEAR,
    "line": _COMMON | _LINEAR,
    "freedraw": _COMMON | {
        "points": _list_of(_point, MAX_POINTS),
        "pressures": _list_of(_number(0, 1), MAX_POINTS),
        "simulatePressure": _boolean,
    },
    "text": _COMMON | {
        "text": _text(MAX_TEXT_CHARS),
        "originalText": _text(MAX_TEXT_CHARS),
        "fontSize": _number(1, 1000),
        "fontFamily": _integer(1, 100),
        "textAlign": _one_of("left", "center", "right"),
        "verticalAlign": _one_of("top", "middle", "bottom"),
        "containerId": _nullable(_identifier),
        "lineHeight": _number(0.1, 10),
        "autoResize": _boolean,
    },
    "frame": _COMMON | {"name": _nullable(_text(MAX_NAME_CHARS))},
}

_APP_STATE_FIELDS: dict[str, _Check] = {
    "viewBackgroundColor": _colour,
    "gridSize": _nullable(_integer(1, 1000)),
    "gridStep": _integer(1, 1000),
    "gridModeEnabled": _boolean,
}
