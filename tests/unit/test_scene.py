"""The whiteboard scene check: what a candidate's editor sends is bounded, rebuilt from an
allow-list and never carries markup or active content."""

from __future__ import annotations

import copy
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.kinds.scene import (
    MAX_DEPTH,
    MAX_ELEMENTS,
    MAX_POINTS,
    MAX_SCENE_BYTES,
    MAX_TEXT_CHARS,
    SceneRefused,
    check_scene,
    scene_summary,
)


def _base(element_id: str, kind: str, **fields) -> dict:
    """An element as Excalidraw writes it, with the fields every element has."""
    element = {
        "id": element_id, "type": kind, "x": 100, "y": 80.5, "width": 240, "height": 120,
        "angle": 0, "strokeColor": "#1e1e1e", "backgroundColor": "transparent",
        "fillStyle": "solid", "strokeWidth": 2, "strokeStyle": "solid", "roughness": 1,
        "opacity": 100, "groupIds": [], "frameId": None, "index": "a0",
        "roundness": {"type": 3}, "seed": 1_968_410_350, "version": 14,
        "versionNonce": 361_174_001, "isDeleted": False, "boundElements": None,
        "updated": 1_733_212_800_000, "link": None, "locked": False,
    }
    element.update(fields)
    return element


def realistic_scene() -> dict:
    """A small design: two services, an arrow between them, labels, a sketch, a frame."""
    return {
        "type": "excalidraw",
        "version": 2,
        "source": "https://excalidraw.com",
        "elements": [
            _base("frame-1", "frame", width=900, height=500, name="Write path", roundness=None),
            _base("api", "rectangle", frameId="frame-1",
                  boundElements=[{"id": "api-label", "type": "text"},
                                 {"id": "call", "type": "arrow"}]),
            _base("api-label", "text", text="API gateway", originalText="API gateway",
                  fontSize=20, fontFamily=5, textAlign="center", verticalAlign="middle",
                  containerId="api", lineHeight=1.25, autoResize=True, roundness=None),
            _base("db", "ellipse", x=520, backgroundColor="#a5d8ff", fillStyle="hachure"),
            _base("queue", "diamond", x=300, y=300, strokeStyle="dashed", opacity=60),
            _base("call", "arrow", x=340, y=140, width=180, height=0.5, roundness={"type": 2},
                  points=[[0, 0], [90.25, 0.5], [180, 0]], lastCommittedPoint=None,
                  startBinding={"elementId": "api", "focus": 0.1, "gap": 4.5},
                  endBinding={"elementId": "db", "focus": -0.2, "gap": 3},
                  startArrowhead=None, endArrowhead="arrow", elbowed=False),
            _base("underline", "line", x=100, y=220, points=[[0, 0], [240, 0]],
                  startBinding=None, endBinding=None, startArrowhead=None, endArrowhead=None,
                  groupIds=["g1"]),
            _base("sketch", "freedraw", x=600, y=400, points=[[0, 0], [1.5, 2], [3, 3.5]],
                  pressures=[0.5, 0.6, 0.5], simulatePressure=False, groupIds=["g1"]),
        ],
        "appState": {"viewBackgroundColor": "#ffffff", "gridSize": 20, "gridStep": 5,
                     "gridModeEnabled": False, "zoom": {"value": 1}, "scrollX": 10},
        "files": {},
    }


def refused(scene) -> str:
    raw = scene if isinstance(scene, str | bytes) else json.dumps(scene)
    with pytest.raises(SceneRefused) as caught:
        check_scene(raw)
    return caught.value.message


def element_of(**fields) -> dict:
    scene = realistic_scene()
    scene["elements"] = [_base("only", fields.pop("type", "rectangle"), **fields)]
    return scene


# --- a real scene --------------------------------------------------------------------------


def test_a_realistic_scene_round_trips_with_every_drawn_field_kept():
    scene = realistic_scene()
    out = json.loads(check_scene(json.dumps(scene)))
    assert out["type"] == "excalidraw" and out["version"] == 2
    assert [e["id"] for e in out["elements"]] == [e["id"] for e in scene["elements"]]
    arrow = next(e for e in out["elements"] if e["id"] == "call")
    assert arrow["points"] == [[0, 0], [90.25, 0.5], [180, 0]]
    assert arrow["startBinding"] == {"elementId": "api", "focus": 0.1, "gap": 4.5}
    assert arrow["endArrowhead"] == "arrow" and arrow["startArrowhead"] is None
    label = next(e for e in out["elements"] if e["id"] == "api-label")
    assert (label["text"], label["containerId"], label["fontSize"]) == ("API gateway", "api", 20)
    rectangle = next(e for e in out["elements"] if e["id"] == "api")
    assert rectangle["boundElements"] == [{"id": "api-label", "type": "text"},
                                          {"id": "call", "type": "arrow"}]
    assert rectangle["frameId"] == "frame-1" and rectangle["roundness"] == {"type": 3}
    sketch = next(e for e in out["elements"] if e["id"] == "sketch")
    assert sketch["pressures"] == [0.5, 0.6, 0.5] and sketch["groupIds"] == ["g1"]
    assert out["appState"] == {"viewBackgroundColor": "#ffffff", "gridSize": 20,
                               "gridStep": 5, "gridModeEnabled": False}


def test_output_is_compact_stable_and_checks_to_itself():
    scene = realistic_scene()
    out = check_scene(json.dumps(scene, indent=2))
    reordered = {key: scene[key] for key in reversed(scene)}
    reordered["elements"] = [dict(reversed(e.items())) for e in scene["elements"]]
    assert check_scene(json.dumps(reordered)) == out
    assert check_scene(out) == out
    assert check_scene(out.encode()) == out
    assert "\n" not in out and ": " not in out


def test_fields_a_drawing_does_not_need_are_dropped():
    out = json.loads(check_scene(json.dumps(realistic_scene())))
    assert set(out) == {"type", "version", "elements", "appState"}
    arrow = next(e for e in out["elements"] if e["id"] == "call")
    assert "lastCommittedPoint" not in arrow and "elbowed" not in arrow
    assert all("isDeleted" not in e and "link" not in e for e in out["elements"])
    # Only shapes with points keep points; only text keeps text.
    rectangle = element_of(points=[[0, 0]], text="hidden")
    kept = json.loads(check_scene(json.dumps(rectangle)))["elements"][0]
    assert "points" not in kept and "text" not in kept


def test_an_empty_scene_and_a_scene_without_settings_are_fine():
    out = check_scene('{"type":"excalidraw","version":2,"elements":[]}')
    assert json.loads(out) == {"type": "excalidraw", "version": 2, "elements": [],
                               "appState": {}}


# --- active content is dropped --------------------------------------------------------------


def test_links_custom_data_files_and_images_are_dropped():
    scene = realistic_scene()
    scene["elements"][1]["link"] = "javascript:alert(1)"
    scene["elements"][1]["customData"] = {"onclick": "alert(1)"}
    scene["elements"].append(_base("pic", "image", fileId="f1", status="saved", scale=[1, 1]))
    scene["elements"].append(_base("site", "embeddable", link="https://evil.example/"))
    scene["elements"].append(_base("page", "iframe"))
    scene["files"] = {"f1": {"mimeType": "image/svg+xml", "id": "f1",
                             "dataURL": "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+"}}
    out = check_scene(json.dumps(scene))
    for active in ("javascript:", "customData", "onclick", "dataURL", "data:image", "fileId",
                   "evil.example", "files", "excalidraw.com", '"image"', "embeddable"):
        assert active not in out
    assert len(json.loads(out)["elements"]) == len(realistic_scene()["elements"])


def test_deleted_elements_are_dropped_so_no_text_hides_from_reviewers():
    scene = realistic_scene()
    scene["elements"].append(_base("gone", "text", text="the answer key", isDeleted=True))
    out = check_scene(json.dumps(scene))
    assert "the answer key" not in out
    assert "gone" not in [e["id"] for e in json.loads(out)["elements"]]


def test_html_in_labels_stays_inert_text():
    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&amp;</script>'
    scene = element_of(type="text", text=hostile, originalText=hostile)
    scene["elements"].append(_base("f", "frame", name="<b onmouseover=alert(3)>frame</b>"))
    out = check_scene(json.dumps(scene))
    # The text survives exactly, as data ...
    elements = json.loads(out)["elements"]
    assert elements[0]["text"] == hostile and elements[0]["originalText"] == hostile
    assert elements[1]["name"] == "<b onmouseover=alert(3)>frame</b>"
    # ... and the stored JSON holds no markup characters at all, so it can sit in a page.
    for char in "<>&'":
        assert char not in out
    assert "\\u003cscript\\u003e" in out
    assert check_scene(out) == out


def test_unseen_characters_are_removed_and_lone_surrogates_replaced():
    scene = element_of(type="text", text="a\x00b\x1bc\td\ne\ud800f\u2028g")
    out = check_scene(json.dumps(scene))
    assert json.loads(out)["elements"][0]["text"] == "abc\td\ne\ufffdf\u2028g"
    assert "\u2028" not in out and "\\u2028" in out


# --- limits --------------------------------------------------------------------------------


def test_a_scene_over_the_byte_limit_is_refused_before_parsing():
    huge = '{"type":"excalidraw","version":2,"elements":[],"pad":"' + "x" * MAX_SCENE_BYTES + '"}'
    assert "too large" in refused(huge)
    assert "too large" in refused(huge.encode())
    # Counted in bytes, not characters: three-byte characters fill the limit sooner.
    wide = '{"type":"excalidraw","version":2,"elements":[],"p":"' + "€" * 340_000 + '"}'
    assert "too large" in refused(wide)


def test_a_scene_that_grows_past_the_limit_when_escaped_is_refused():
    # Each "<" is stored as six characters; the stored scene is bounded as well.
    scene = {"type": "excalidraw", "version": 2,
             "elements": [_base(f"t{i}", "text", text="<" * MAX_TEXT_CHARS) for i in range(30)]}
    raw = json.dumps(scene)
    assert len(raw.encode()) < MAX_SCENE_BYTES
    assert "too large" in refused(raw)


def test_too_many_elements_are_refused():
    scene = {"type": "excalidraw", "version": 2,
             "elements": [{"id": f"e{i}", "type": "rectangle"} for i in range(MAX_ELEMENTS + 1)]}
    assert "more than 5,000 elements" in refused(scene)
    scene["elements"].pop()
    assert len(json.loads(check_scene(json.dumps(scene)))["elements"]) == MAX_ELEMENTS


@pytest.mark.parametrize("opening", ["[", "{\"a\":", "[{\"b\":"])
def test_deep_nesting_is_refused_before_parsing_without_a_recursion_error(opening):
    # Counted in one pass before the parser runs: no RecursionError, whatever the depth.
    assert "nested too deeply" in refused(opening * 100_000)


def test_nesting_is_counted_outside_strings_only():
    scene = element_of(type="text", text="[" * 1000 + "{" * 1000)
    assert json.loads(check_scene(json.dumps(scene)))["elements"][0]["text"].startswith("[[[")


def test_nesting_just_past_the_limit_is_refused_and_at_the_limit_parses():
    at_limit = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert "not an Excalidraw scene" in refused(at_limit)  # parsed, then refused for its shape
    assert "nested too deeply" in refused("[" + at_limit + "]")


def test_a_hostile_string_of_quotes_and_backslashes_is_refused_as_invalid_json():
    assert "not valid JSON" in refused('"\\"' * 300_000)


def test_long_text_is_refused():
    assert "longer than 10,000 characters" in refused(
        element_of(type="text", text="x" * (MAX_TEXT_CHARS + 1)))
    assert "longer than 200 characters" in refused(element_of(type="frame", name="n" * 201))
    kept = check_scene(json.dumps(element_of(type="text", text="x" * MAX_TEXT_CHARS)))
    assert len(json.loads(kept)["elements"][0]["text"]) == MAX_TEXT_CHARS


def test_too_many_points_are_refused():
    points = [[i % 100, i % 7] for i in range(MAX_POINTS + 1)]
    for kind in ("arrow", "line", "freedraw"):
        assert '"points" has more than 5,000 entries' in refused(element_of(type=kind,
                                                                            points=points))
    assert "more than 5,000" in refused(element_of(type="freedraw",
                                                   pressures=[0.5] * (MAX_POINTS + 1)))


@pytest.mark.parametrize("raw_value", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_are_refused(raw_value):
    raw = json.dumps(element_of()).replace('"x": 100', f'"x": {raw_value}')
    assert raw_value in raw
    assert "not a number it can store" in refused(raw)


@pytest.mark.parametrize(("field", "literal"), [
    ("x", "1e999"),                  # parsed as infinity
    ("y", "-1e7"),
    ("width", "2e6"),
    ("width", "-5"),
    ("height", "1e300"),
    ("angle", "100"),
    ("opacity", "101"),
    ("strokeWidth", "-1"),
    ("x", '"100"'),
    ("x", "true"),
    ("seed", "1.5"),
    ("version", str(2**60)),
])
def test_coordinates_sizes_and_numbers_must_be_finite_and_in_bounds(field, literal):
    raw = json.dumps(element_of(**{field: 0})).replace(f'"{field}": 0', f'"{field}": {literal}')
    assert f'"{field}": {literal}' in raw
    assert refused(raw).startswith(f'Whiteboard element 1 (rectangle): "{field}" must be')


def test_points_must_be_pairs_of_bounded_numbers():
    assert '"points" must hold points' in refused(element_of(type="line", points=[[0, 0, 0]]))
    assert '"points" must hold points' in refused(element_of(type="line", points=[5]))
    raw = json.dumps(element_of(type="line", points=[[0, 0], [1, 2]])).replace("[1, 2]",
                                                                                "[1e999, 2]")
    assert '"points" must be between' in refused(raw)
    assert '"points" must be between' in refused(element_of(type="line", points=[[0, 2e6]]))


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "#gggggg", "rgb(0,0,0)",
                                    "url(javascript:alert(1))", "#fff;background:url(x)",
                                    "", None, 123])
def test_colours_must_be_hex_or_transparent(colour):
    message = refused(element_of(strokeColor=colour))
    assert '"strokeColor" must be a colour' in message
    scene = realistic_scene()
    scene["appState"]["viewBackgroundColor"] = colour
    assert "settings" in refused(scene)


def test_good_colours_are_kept_in_lower_case():
    out = check_scene(json.dumps(element_of(strokeColor="#ABC", backgroundColor="#A5D8FF")))
    element = json.loads(out)["elements"][0]
    assert (element["strokeColor"], element["backgroundColor"]) == ("#abc", "#a5d8ff")


@pytest.mark.parametrize("kind", ["script", "svg", "html", "", None, 5])
def test_unknown_element_types_are_refused(kind):
    scene = element_of()
    scene["elements"][0]["type"] = kind
    message = refused(scene)
    assert "a type this whiteboard does not draw" in message
    assert "<" not in message


def test_ids_must_be_short_strings_of_safe_characters():
    for bad in ["", "a" * 65, "a b", "<x>", "x\"y", 7, None]:
        assert '"id" must be an id' in refused(element_of(id=bad))
    assert '"containerId" must be an id' in refused(element_of(type="text", containerId="a/b"))
    assert '"groupIds" must be an id' in refused(element_of(groupIds=["ok", "not ok"]))
    assert '"startBinding.elementId"' in refused(
        element_of(type="arrow", startBinding={"elementId": "<b>", "focus": 0, "gap": 1}))
    scene = element_of()
    del scene["elements"][0]["id"]
    assert '"id" is missing' in refused(scene)


def test_two_elements_with_one_id_are_refused():
    scene = realistic_scene()
    scene["elements"].append(copy.deepcopy(scene["elements"][1]))
    assert 'two elements with the id "api"' in refused(scene)


@pytest.mark.parametrize(("field", "value"), [
    ("fillStyle", "pattern"), ("strokeStyle", "wavy"), ("locked", "yes"),
    ("groupIds", "g1"), ("boundElements", [{"id": "a", "type": "image"}]),
    ("roundness", {"value": 3}), ("index", "a 0"),
])
def test_enumerations_and_structures_are_checked(field, value):
    assert f'"{field}' in refused(element_of(**{field: value}))


@pytest.mark.parametrize(("scene", "message"), [
    ([], "is not an Excalidraw scene"),
    ('"excalidraw"', "is not an Excalidraw scene"),  # a JSON string, not an object
    ({"type": "tldraw", "version": 2, "elements": []}, "is not an Excalidraw scene"),
    ({"type": "excalidraw", "version": "2", "elements": []}, '"version" must be a whole'),
    ({"type": "excalidraw", "version": 0, "elements": []}, '"version" must be a whole'),
    ({"type": "excalidraw", "version": 2}, 'no "elements" list'),
    ({"type": "excalidraw", "version": 2, "elements": {}}, 'no "elements" list'),
    ({"type": "excalidraw", "version": 2, "elements": [], "appState": []},
     '"appState" must be an object'),
    ({"type": "excalidraw", "version": 2, "elements": ["rectangle"]},
     "element 1 is not an object"),
])
def test_the_top_level_must_be_an_excalidraw_scene(scene, message):
    assert message in refused(scene)


def test_text_that_is_not_json_or_not_utf8_is_refused():
    assert "not valid JSON" in refused("{'type': 'excalidraw'}")
    assert "not valid JSON" in refused("")
    assert "not UTF-8" in refused(b'{"type":"excalidraw","x":"\xff"}')


# --- summary --------------------------------------------------------------------------------


def test_summary_counts_elements_by_type_and_lists_labels_in_order():
    scene = realistic_scene()
    scene["elements"].append(_base("note", "text", text="  Cache: write-through  "))
    scene["elements"].append(_base("blank", "text", text="   "))
    scene["elements"].append(_base("pic", "image"))
    summary = scene_summary(check_scene(json.dumps(scene)))
    assert summary == {
        "elements": 10,
        "by_type": {"rectangle": 1, "ellipse": 1, "diamond": 1, "arrow": 1, "line": 1,
                    "text": 3, "freedraw": 1, "frame": 1},
        "labels": ["API gateway", "Cache: write-through"],
    }


def test_summary_of_hostile_labels_is_the_text_itself():
    out = check_scene(json.dumps(element_of(type="text", text="<script>x</script>")))
    assert scene_summary(out)["labels"] == ["<script>x</script>"]


def test_summary_of_an_empty_scene():
    out = check_scene('{"type":"excalidraw","version":2,"elements":[]}')
    assert scene_summary(out) == {"elements": 0, "by_type": {}, "labels": []}


# --- property: whatever is accepted checks to itself ----------------------------------------

_ids = st.text("abcXYZ019_-", min_size=1, max_size=6)
_numbers = st.one_of(st.integers(-2_000_000, 2_000_000),
                     st.floats(allow_nan=False, allow_infinity=False, width=64))
_strings = st.text(max_size=30)
_values = st.one_of(st.none(), st.booleans(), _numbers, _strings, _ids,
                    st.sampled_from(["#fff", "#A5D8FF", "transparent", "solid", "arrow",
                                     "center", "top"]))
_coordinates = st.one_of(st.integers(-1_000_000, 1_000_000), st.floats(-1e6, 1e6))


def _mostly(valid):
    """Usually a value the check accepts, sometimes any value at all."""
    return st.integers(0, 19).flatmap(lambda n: valid if n else _values)


_elements = st.fixed_dictionaries(
    {"id": _ids,
     "type": st.sampled_from(["rectangle", "ellipse", "diamond", "arrow", "line", "text",
                              "freedraw", "frame", "image"])},
    optional={
        "x": _mostly(_coordinates), "y": _mostly(_coordinates),
        "width": _mostly(st.floats(0, 1e6)), "angle": _mostly(st.floats(-6, 6)),
        "strokeColor": _mostly(st.sampled_from(["#fff", "#A5D8FF", "transparent"])),
        "fillStyle": _mostly(st.sampled_from(["solid", "hachure"])),
        "opacity": _mostly(st.integers(0, 100)),
        "text": _mostly(st.text(max_size=40)), "name": st.one_of(st.none(), _strings),
        "link": _strings, "extra": _values,
        "points": st.lists(st.lists(_coordinates, min_size=2, max_size=2), max_size=4),
        "pressures": st.lists(st.floats(0, 1), max_size=4),
        "groupIds": st.lists(_ids, max_size=3), "containerId": st.one_of(st.none(), _ids),
        "startBinding": st.one_of(st.none(), st.fixed_dictionaries(
            {"elementId": _ids}, optional={"focus": _mostly(st.floats(-1, 1)),
                                           "gap": _mostly(_coordinates)})),
        "boundElements": st.one_of(st.none(), st.lists(st.fixed_dictionaries(
            {"id": _ids, "type": st.sampled_from(["arrow", "text"])}), max_size=2)),
        "seed": _mostly(st.integers(0, 2**31)), "isDeleted": st.booleans(),
        "fontFamily": _mostly(st.integers(1, 9)),
        "endArrowhead": _mostly(st.sampled_from([None, "arrow", "bar"])),
        "roundness": st.one_of(st.none(), st.fixed_dictionaries({"type": st.integers(1, 3)})),
    })
_scenes = st.fixed_dictionaries(
    {"type": st.just("excalidraw"), "version": st.integers(1, 3),
     "elements": st.lists(_elements, max_size=6, unique_by=lambda e: e["id"])},
    optional={"appState": st.fixed_dictionaries({}, optional={
        "viewBackgroundColor": _mostly(st.sampled_from(["#fff", "#123456"])),
        "gridSize": _mostly(st.one_of(st.none(), st.integers(1, 100))), "zoom": _values})})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_scenes)
def test_an_accepted_scene_checks_to_itself_and_a_refused_one_says_why(scene):
    try:
        out = check_scene(json.dumps(scene))
    except SceneRefused as error:
        assert error.message
        return
    assert check_scene(out) == out
    assert not any(char in out for char in "<>&'")
    parsed = json.loads(out)
    for element in parsed["elements"]:
        assert element["type"] != "image" and "link" not in element and "extra" not in element
        assert all(not isinstance(v, float) or math.isfinite(v) for v in element.values())


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_any_input_is_accepted_or_refused_never_an_unexpected_error(raw):
    try:
        out = check_scene(raw)
    except SceneRefused:
        return
    assert check_scene(out) == out
