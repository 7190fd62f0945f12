"""The whiteboard scene saved with a design answer: storage, saves, conflicts, restore, refusals."""

from __future__ import annotations

import json
import random
from http import HTTPStatus

import pytest
from sqlalchemy import func, select

from app.attempts import lifecycle
from app.models import AnswerRevision, AnswerScene, Attempt
from tests.integration.practice.test_attempts import start
from tests.support.web import WebClient


def scene(*labels: str, boxes: int = 1) -> str:
    """A small Excalidraw scene: ``boxes`` rectangles and a text element per label."""
    elements = [{"id": f"box-{n}", "type": "rectangle", "x": 10 * n, "y": 20, "width": 100,
                 "height": 60, "strokeColor": "#1e1e1e", "seed": n + 1, "version": 1}
                for n in range(boxes)]
    elements += [{"id": f"text-{n}", "type": "text", "x": 0, "y": 200 + 30 * n, "width": 80,
                  "height": 20, "text": label, "originalText": label, "fontSize": 20}
                 for n, label in enumerate(labels)]
    return json.dumps({"type": "excalidraw", "version": 2, "source": "https://example.com",
                       "elements": elements, "appState": {"viewBackgroundColor": "#ffffff"}})


def save(client: WebClient, attempt_id: int, body: str, based_on: int, *,
         client_id: str = "tab-a", **extra):
    token = client.csrf_token()
    return client.raw.post(f"/practice/attempts/{attempt_id}/draft",
                           json={"body": body, "based_on": based_on, "client_id": client_id,
                                 **extra},
                           headers={"X-CSRFToken": token})


def stored(db, attempt_id: int) -> list[tuple[int, str, int | None]]:
    db.expire_all()
    return [(r.number, r.body, r.scene_id) for r in db.scalars(
        select(AnswerRevision).where(AnswerRevision.attempt_id == attempt_id)
        .order_by(AnswerRevision.number))]


def scene_rows(db, attempt_id: int) -> int:
    return db.scalar(select(func.count()).select_from(AnswerScene)
                     .where(AnswerScene.attempt_id == attempt_id))


def newest_scene(db, attempt_id: int) -> str | None:
    db.expire_all()
    attempt = db.get(Attempt, attempt_id)
    return lifecycle.scene_of(db, lifecycle.latest_revision(db, attempt, scene=True))


def test_a_scene_is_saved_checked_and_kept_by_text_only_saves(client, db, library, candidate):
    attempt_id = start(client)
    response = save(client, attempt_id, "text", 0, scene=scene("API"))
    assert response.status_code == HTTPStatus.OK
    kept = newest_scene(db, attempt_id)
    # Stored as check_scene rebuilt it: what it drops ("source") is gone.
    assert json.loads(kept)["elements"][1]["text"] == "API"
    assert "source" not in json.loads(kept)
    # A save without a scene (the keyboard, a text-only client) keeps it.
    assert save(client, attempt_id, "text, longer", 1).json["revision"] == 2
    assert newest_scene(db, attempt_id) == kept
    (_, _, first), (_, _, second) = stored(db, attempt_id)
    assert first == second is not None
    assert scene_rows(db, attempt_id) == 1


def test_only_a_changed_scene_makes_a_revision_and_a_scene_is_stored_once(
        client, db, library, candidate):
    attempt_id = start(client)
    save(client, attempt_id, "text", 0, scene=scene("one"))
    # The same text and scene: nothing new.
    assert save(client, attempt_id, "text", 1, scene=scene("one")).json["revision"] == 1
    # Only the scene changed: a new revision.
    assert save(client, attempt_id, "text", 1, scene=scene("one", "two")).json["revision"] == 2
    # Back to the first scene: a new revision pointing at the row already stored.
    assert save(client, attempt_id, "text", 2, scene=scene("one")).json["revision"] == 3
    rows = stored(db, attempt_id)
    assert [body for _, body, _ in rows] == ["text"] * 3
    assert rows[0][2] == rows[2][2] != rows[1][2]
    assert scene_rows(db, attempt_id) == 2
    # Clearing it: "" is no scene.
    assert save(client, attempt_id, "text", 3, scene="").json["revision"] == 4
    assert newest_scene(db, attempt_id) is None
    assert stored(db, attempt_id)[-1][2] is None


def test_autosaving_text_does_not_store_the_scene_again(client, db, library, candidate):
    attempt_id = start(client)
    rng = random.Random(7)
    # Labels that do not compress away, so the scene weighs what a real one does.
    board = scene(*(f"{rng.getrandbits(128):032x}" for _ in range(300)), boxes=50)
    save(client, attempt_id, "t", 0, scene=board)
    attempt = db.get(Attempt, attempt_id)
    after_first = lifecycle.stored_answer_bytes(db, attempt)
    # Forty text saves, each sending the unchanged scene as the whiteboard does.
    for number in range(1, 41):
        assert save(client, attempt_id, "t" * (number + 1), number,
                    scene=board).json["revision"] == number + 1
    db.expire_all()
    grown = lifecycle.stored_answer_bytes(db, db.get(Attempt, attempt_id)) - after_first
    assert scene_rows(db, attempt_id) == 1
    # What forty short texts take, not forty scenes (one scene is several KB).
    one_scene = db.scalar(select(func.length(AnswerScene.data))
                          .where(AnswerScene.attempt_id == attempt_id))
    assert one_scene > 8_000
    assert grown < one_scene


def test_a_conflict_carries_the_servers_scene(client, db, library, candidate):
    attempt_id = start(client)
    save(client, attempt_id, "base", 0, client_id="tab-a", scene=scene("A"))
    save(client, attempt_id, "base", 1, client_id="tab-a", scene=scene("A", "B"))
    conflict = save(client, attempt_id, "mine", 1, client_id="tab-b", scene=scene("C"))
    assert conflict.status_code == HTTPStatus.CONFLICT
    current = conflict.json["current"]
    assert current["revision"] == 2 and current["body"] == "base"
    labels = [e["text"] for e in json.loads(current["scene"])["elements"] if e["type"] == "text"]
    assert labels == ["A", "B"]
    assert len(stored(db, attempt_id)) == 2
    # The draft endpoint (a reload's fetch) has it too.
    draft = client.get(f"/practice/attempts/{attempt_id}/draft").json
    assert json.loads(draft["scene"]) == json.loads(current["scene"])


def test_restoring_a_revision_restores_its_scene(client, db, library, candidate):
    attempt_id = start(client)
    save(client, attempt_id, "one", 0, scene=scene("first"))
    save(client, attempt_id, "two", 1, scene=scene("second"))
    response = client.post(f"/practice/attempts/{attempt_id}/revisions/1/restore")
    assert response.status_code == HTTPStatus.FOUND
    rows = stored(db, attempt_id)
    assert rows[-1][:2] == (3, "one") and rows[-1][2] == rows[0][2]
    assert "first" in newest_scene(db, attempt_id)
    assert scene_rows(db, attempt_id) == 2
    # The history shows each version's drawing, read-only, as data and a summary.
    page = client.get(f"/practice/attempts/{attempt_id}/revisions/2").get_data(as_text=True)
    assert "The whiteboard at this version" in page and "<li>second</li>" in page
    assert "js/whiteboard-panel.js" in page


def test_submitting_keeps_the_scene(client, db, library, candidate):
    attempt_id = start(client)
    save(client, attempt_id, "answer", 0, scene=scene("kept"))
    response = client.post(f"/practice/attempts/{attempt_id}/submit",
                           {"body": "answer, final", "based_on": "1", "client_id": "tab-a"})
    assert response.status_code == HTTPStatus.FOUND
    rows = stored(db, attempt_id)
    assert rows[-1][1] == "answer, final" and rows[-1][2] == rows[0][2] is not None


def test_the_workspace_and_draft_carry_the_scene_only_as_json_data(client, db, library,
                                                                    candidate):
    attempt_id = start(client)
    page = client.get(f"/practice/attempts/{attempt_id}").get_data(as_text=True)
    assert "data-whiteboard" in page
    # No scene yet: the page does not load the whiteboard's bundle.
    assert '<script type="module"' not in page and "data-has-scene" not in page
    save(client, attempt_id, "x", 0, scene=scene("<b>bold</b>"))
    page = client.get(f"/practice/attempts/{attempt_id}").get_data(as_text=True)
    assert '<script type="application/json" id="whiteboard-scene">' in page
    assert "<b>bold</b>" not in page
    assert r"\\u003cb\\u003ebold" in page  # escaped once when stored, once by tojson


def test_code_kinds_have_no_whiteboard(client, db, library, candidate):
    attempt_id = start(client, "sum-two")
    page = client.get(f"/practice/attempts/{attempt_id}").get_data(as_text=True)
    assert "data-whiteboard" not in page
    response = save(client, attempt_id, "def f(): pass\n", 0, scene=scene("x"))
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert stored(db, attempt_id) == []
    # Without a scene code saves as before.
    assert save(client, attempt_id, "def f(): pass\n", 0).status_code == HTTPStatus.OK


# --- hostile scenes: refused with nothing saved, or stored with the active parts dropped -----


def refused_and_nothing_saved(client, db, attempt_id: int, board: str) -> str:
    response = save(client, attempt_id, "text", 0, scene=board)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert stored(db, attempt_id) == [] and scene_rows(db, attempt_id) == 0
    return response.json["detail"]


def test_a_huge_scene_is_refused(client, db, library, candidate):
    attempt_id = start(client)
    # Just over the 1 MB limit, in a request the server still reads.
    label = "x" * 5_000  # written twice: as text and as originalText
    board = scene(*[label] * 101)
    assert 1_000_000 < len(board) < 1_040_000
    message = refused_and_nothing_saved(client, db, attempt_id, board)
    assert "too large" in message


def test_a_too_deep_scene_is_refused(client, db, library, candidate):
    attempt_id = start(client)
    board = ('{"type":"excalidraw","version":2,"elements":[{"id":"a","type":"rectangle",'
             '"groupIds":' + "[" * 5_000 + "]" * 5_000 + "}]}")
    assert "nested too deeply" in refused_and_nothing_saved(client, db, attempt_id, board)


@pytest.mark.parametrize(("field", "value"), [
    ("x", "12"), ("width", -5), ("strokeColor", "red; background:url(x)"), ("seed", True),
    ("id", "<script>"), ("type", "foreignObject"),
])
def test_a_scene_with_wrong_types_is_refused(client, db, library, candidate, field, value):
    attempt_id = start(client)
    data = json.loads(scene())
    data["elements"][0][field] = value
    message = refused_and_nothing_saved(client, db, attempt_id, json.dumps(data))
    assert "Whiteboard element 1" in message


def test_a_scene_that_is_not_json_or_not_a_scene_is_refused(client, db, library, candidate):
    attempt_id = start(client)
    refused_and_nothing_saved(client, db, attempt_id, "<svg onload=alert(1)>")
    refused_and_nothing_saved(client, db, attempt_id, '{"type":"excalidraw","version":2}')
    # Not text at all: the endpoint's own check.
    response = save(client, attempt_id, "text", 0, scene={"type": "excalidraw"})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert stored(db, attempt_id) == []


def test_active_parts_are_dropped_and_markup_in_labels_is_kept_as_escaped_text(
        client, db, library, candidate):
    attempt_id = start(client)
    data = json.loads(scene("<script>alert(1)</script>", '<img src=x onerror="alert(2)">'))
    data["elements"][0]["link"] = "javascript:alert(3)"
    data["elements"][0]["customData"] = {"html": "<iframe src=//evil>"}
    data["elements"].append({"id": "pic", "type": "image", "fileId": "f1", "x": 0, "y": 0})
    data["elements"].append({"id": "web", "type": "embeddable", "link": "https://evil.example"})
    data["files"] = {"f1": {"dataURL": "data:text/html,<script>alert(4)</script>"}}
    assert save(client, attempt_id, "text", 0,
                scene=json.dumps(data)).status_code == HTTPStatus.OK
    kept = newest_scene(db, attempt_id)
    assert "javascript:" not in kept and "customData" not in kept and '"files"' not in kept
    assert "evil" not in kept and '"image"' not in kept
    # The stored JSON holds no markup characters at all: they are \\u escapes.
    assert "<" not in kept and ">" not in kept
    labels = [e["text"] for e in json.loads(kept)["elements"] if e["type"] == "text"]
    assert labels == ["<script>alert(1)</script>", '<img src=x onerror="alert(2)">']


def test_an_empty_board_is_no_drawing(client, db, library, candidate):
    attempt_id = start(client)
    assert save(client, attempt_id, "text", 0).json["revision"] == 1
    # Opening the whiteboard and drawing nothing changes nothing.
    empty = json.dumps({"type": "excalidraw", "version": 2, "elements": [],
                        "appState": {"viewBackgroundColor": "#ffffff", "gridSize": None}})
    assert save(client, attempt_id, "text", 1, scene=empty).json["revision"] == 1
    assert scene_rows(db, attempt_id) == 0
    # Erasing every element clears the drawing.
    save(client, attempt_id, "text", 1, scene=scene("x"))
    assert save(client, attempt_id, "text", 2, scene=empty).json["revision"] == 3
    assert newest_scene(db, attempt_id) is None
