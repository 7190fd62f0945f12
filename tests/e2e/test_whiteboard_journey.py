"""The whiteboard in Chromium: a drawing survives going offline and a reload, reviewers see it
read-only and play it back, and a hostile scene is drawn as inert text."""

from __future__ import annotations

import json
import os

from playwright.sync_api import Browser, Page, expect

from app.attempts import lifecycle
from app.models import Attempt
from tests.e2e.pages import sign_in
from tests.e2e.test_accessibility import serious_violations
from tests.factories.interviews import join_and_start, make_interview, make_panel
from tests.factories.practice import load_library, make_attempt
from tests.factories.users import PASSWORD, make_user

SHOTS = os.environ.get("ARCHBOARD_SHOTS")  # a folder to keep screenshots of the pages in


def server_elements(db, attempt_id: int) -> int:
    db.expire_all()
    attempt = db.get(Attempt, attempt_id)
    scene = lifecycle.newest_scene(db, attempt)
    return len(json.loads(scene)["elements"]) if scene else 0


def status(page: Page):
    return page.locator("[data-save-status]")


def drag(page: Page, tool: str, start: tuple[int, int], end: tuple[int, int]) -> None:
    """Pick ``tool`` on the board's toolbar and drag it across the canvas, as a person does."""
    board = page.locator("[data-whiteboard-canvas] canvas.interactive")
    box = board.bounding_box()
    # The icon over the radio takes the click, as it does for a person.
    page.locator("[data-whiteboard-canvas]").get_by_role("radio", name=tool).click(force=True)
    page.mouse.move(box["x"] + start[0], box["y"] + start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + (start[0] + end[0]) / 2, box["y"] + (start[1] + end[1]) / 2,
                    steps=5)
    page.mouse.move(box["x"] + end[0], box["y"] + end[1], steps=5)
    page.mouse.up()
    page.keyboard.press("Escape")


def wait_saved(page: Page, elements: int) -> None:
    """The board handed ``elements`` elements to the autosave, and the save is done."""
    expect(page.locator("[data-whiteboard-canvas]")).to_have_attribute(
        "data-whiteboard-elements", str(elements), timeout=10_000)
    expect(status(page)).to_contain_text("All changes saved at", timeout=20_000)


def test_a_drawing_survives_going_offline_and_a_reload_and_reviewers_see_and_replay_it(
        browser: Browser, server_url: str, db, tmp_path, axe_source):
    load_library(db, tmp_path)
    owner, _ = make_panel(db, reviewers=0)
    interview, _ = make_interview(db, owner, minutes=60)
    candidate = make_user(db, name="Casey Candidate", email="casey@example.com")
    join_and_start(db, interview, candidate)
    attempt_id = interview.items[0].attempt.id

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, server_url, candidate.email, PASSWORD)
    page.goto(f"{server_url}/practice/attempts/{attempt_id}")
    # Not loaded until asked for.
    assert page.evaluate("() => window.ArchboardWhiteboard === undefined")
    page.get_by_role("button", name="Open the whiteboard").click()
    canvas = page.locator("[data-whiteboard-canvas]")
    expect(canvas).to_have_attribute("data-whiteboard-ready", "0", timeout=20_000)
    canvas.scroll_into_view_if_needed()

    drag(page, "Rectangle", (60, 80), (220, 180))
    drag(page, "Rectangle", (420, 80), (580, 180))
    drag(page, "Arrow", (230, 130), (410, 130))
    wait_saved(page, 3)
    assert server_elements(db, attempt_id) == 3

    # The network goes; drawing goes on, and is kept on this device.
    context.set_offline(True)
    drag(page, "Rectangle", (60, 300), (220, 400))
    expect(status(page)).to_contain_text("Offline", timeout=20_000)
    drag(page, "Ellipse", (420, 300), (580, 400))
    expect(page.locator("[data-whiteboard-canvas]")).to_have_attribute(
        "data-whiteboard-elements", "5", timeout=10_000)
    page.wait_for_function(
        """key => { const copy = JSON.parse(localStorage.getItem(key) || "null");
                    return copy && copy.scene && JSON.parse(copy.scene).elements.length === 5; }""",
        arg=f"archboard:attempt:{attempt_id}", timeout=10_000)
    assert server_elements(db, attempt_id) == 3

    # Back online: the drawing is sent; a reload shows all of it.
    context.set_offline(False)
    expect(status(page)).to_contain_text("All changes saved at", timeout=30_000)
    assert server_elements(db, attempt_id) == 5
    page.reload()
    expect(canvas).to_have_attribute("data-whiteboard-ready", "5", timeout=20_000)
    expect(status(page)).to_contain_text("All changes saved")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/workspace.png", full_page=True)

    # The interviewer sees it read-only on the live view.
    reviewer = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    sign_in(reviewer, server_url, owner.email, PASSWORD)
    reviewer.goto(f"{server_url}/interviews/{interview.id}/live")
    view = reviewer.locator("[data-whiteboard-view]")
    expect(view).to_have_attribute("data-whiteboard-ready", "5", timeout=20_000)
    expect(reviewer.locator(".whiteboard-summary")).to_contain_text(
        "The drawing has 5 elements: 3 rectangles, 1 ellipse, 1 arrow.")
    expect(view.locator("[data-testid=toolbar-rectangle]")).to_have_count(0)  # view mode
    # The board is a picture: nothing on it takes focus, and its summary is read instead.
    assert serious_violations(reviewer, axe_source) == []
    if SHOTS:
        reviewer.screenshot(path=f"{SHOTS}/live.png", full_page=True)

    # ...and plays the drawing back, version by version, from the first save to the last.
    db.expire_all()
    attempt = db.get(Attempt, attempt_id)
    first = lifecycle.scene_of(db, lifecycle.get_revision(db, attempt, 1, scene=True))
    first_count = len(json.loads(first)["elements"]) if first else 0
    assert first_count < 5
    reviewer.get_by_role("link", name="Play back the revisions").click()
    player = reviewer.locator("[data-whiteboard-player]")
    expect(player).to_have_attribute("data-whiteboard-ready", "5", timeout=20_000)
    expect(reviewer.locator("[data-frame-drawing]")).to_contain_text(
        "5 elements: 3 rectangles, 1 ellipse, 1 arrow")
    reviewer.locator("[data-scrub]").focus()
    reviewer.keyboard.press("Home")
    expect(reviewer.locator("[data-playback]")).to_have_attribute("data-loaded", "1")
    expect(player).to_have_attribute("data-whiteboard-ready", str(first_count), timeout=20_000)
    reviewer.keyboard.press("Space")  # plays to the newest version
    expect(player).to_have_attribute("data-whiteboard-ready", "5", timeout=30_000)
    expect(player.locator("[data-testid=toolbar-rectangle]")).to_have_count(0)  # view mode
    assert serious_violations(reviewer, axe_source) == []
    if SHOTS:
        reviewer.screenshot(path=f"{SHOTS}/playback.png", full_page=True)
    reviewer.context.close()
    context.close()


HOSTILE_LABEL = '<img src=x onerror="window.pwned = 1"><script>window.pwned = 2</script>'


def test_a_hostile_scene_is_drawn_as_text(browser: Browser, server_url: str, db, tmp_path):
    load_library(db, tmp_path)
    user = make_user(db)
    attempt = make_attempt(db, user, body="An answer.")
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    sign_in(page, server_url, user.email, PASSWORD)
    workspace = f"{server_url}/practice/attempts/{attempt.id}"
    page.goto(workspace)
    scene = {"type": "excalidraw", "version": 2, "elements": [
        {"id": "box", "type": "rectangle", "x": 40, "y": 40, "width": 300, "height": 120,
         "link": "javascript:window.pwned = 3"},
        {"id": "label", "type": "text", "x": 60, "y": 80, "width": 260, "height": 25,
         "text": HOSTILE_LABEL, "originalText": HOSTILE_LABEL, "fontSize": 16},
    ]}
    # Sent through the save endpoint, as a page's script could.
    reply = page.evaluate("""async ([url, scene]) => {
        const response = await window.archboard.fetch(url, {method: "POST",
            headers: {"Content-Type": "application/json"},
            body: JSON.stringify({body: "An answer.", based_on: 1, client_id: "x",
                                  scene: JSON.stringify(scene)})});
        return response.status; }""", [f"{workspace}/draft", scene])
    assert reply == 200
    page.reload()  # the workspace mounts the stored drawing at once
    expect(page.locator("[data-whiteboard-canvas]")).to_have_attribute(
        "data-whiteboard-ready", "2", timeout=20_000)
    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_role("heading", name="Your answer")).to_be_visible()
    view = page.locator("[data-whiteboard-view]")
    expect(view).to_have_attribute("data-whiteboard-ready", "2", timeout=20_000)
    expect(page.locator(".whiteboard-labels")).to_have_text(HOSTILE_LABEL)
    # Click where the linked box was drawn: no link is kept, so nothing opens.
    box = view.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.evaluate("() => window.pwned") is None
    assert page.locator("img[src=x]").count() == 0
    assert page.url.endswith(f"/practice/attempts/{attempt.id}/result")
    assert set(dialogs) <= {"confirm"}  # submitting asks; nothing from the scene alerts
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/result.png", full_page=True)
    page.context.close()


def test_a_mermaid_diagram_is_imported_and_the_keyboard_is_never_trapped(
        browser: Browser, server_url: str, db, tmp_path):
    load_library(db, tmp_path)
    user = make_user(db)
    attempt = make_attempt(db, user)  # the phase template, with its ```mermaid flowchart
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, server_url, user.email, PASSWORD)
    page.goto(f"{server_url}/practice/attempts/{attempt.id}")
    # The preview arrives after the page and then draws its diagram, each moving the board
    # down; a click aimed before that lands elsewhere, so wait for the page to settle.
    expect(page.locator("[data-preview]").get_by_role("img", name="Diagram")).to_be_visible()
    page.get_by_role("button", name="Open the whiteboard").click()
    canvas = page.locator("[data-whiteboard-canvas]")
    expect(canvas).to_have_attribute("data-whiteboard-ready", "0", timeout=20_000)
    page.get_by_role("button", name="Import diagram from mermaid").click()
    expect(page.locator("[data-whiteboard-status]")).to_contain_text(
        "from the mermaid diagram", timeout=30_000)
    expect(status(page)).to_contain_text("All changes saved at", timeout=20_000)
    imported = server_elements(db, attempt.id)
    assert imported >= 3  # the template's client, API and database, and arrows
    assert canvas.get_attribute("data-whiteboard-elements") == str(imported)

    # Without a mermaid block the button says so and changes nothing.
    page.get_by_label("Your answer, in markdown").fill("No diagram here.")
    page.get_by_role("button", name="Import diagram from mermaid").click()
    expect(page.locator("[data-whiteboard-status]")).to_contain_text(
        "There is no ```mermaid block")

    # Tab from the answer goes through the whiteboard and out the other side.
    page.get_by_label("Your answer, in markdown").focus()
    seen_board = False
    for _ in range(120):
        page.keyboard.press("Tab")
        where = page.evaluate("""() => {
            const el = document.activeElement;
            if (el.closest("[data-whiteboard-canvas]")) return "board";
            return el.closest("footer") ? "footer" : "page"; }""")
        seen_board = seen_board or where == "board"
        if where == "footer":
            break
    assert seen_board and where == "footer"
    page.context.close()


def server_types(db, attempt_id: int) -> list[str]:
    db.expire_all()
    scene = lifecycle.newest_scene(db, db.get(Attempt, attempt_id))
    return sorted(e["type"] for e in json.loads(scene)["elements"]) if scene else []


def test_two_tabs_drawing_resolve_the_conflict_for_text_and_drawing_together(
        browser: Browser, server_url: str, db, tmp_path):
    load_library(db, tmp_path)
    user = make_user(db)
    attempt = make_attempt(db, user, body="Shared start.")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    first, second = context.new_page(), context.new_page()
    for page in (first, second):
        page.on("dialog", lambda dialog: dialog.accept())
    sign_in(first, server_url, user.email, PASSWORD)
    url = f"{server_url}/practice/attempts/{attempt.id}"
    for page in (first, second):
        page.goto(url)
        page.get_by_role("button", name="Open the whiteboard").click()
        expect(page.locator("[data-whiteboard-canvas]")).to_have_attribute(
            "data-whiteboard-ready", "0", timeout=20_000)

    drag(first, "Rectangle", (60, 80), (220, 180))
    wait_saved(first, 1)
    assert server_types(db, attempt.id) == ["rectangle"]

    # The second tab draws on the older version: the dialog offers both, and keeping
    # mine keeps my drawing with my text.
    drag(second, "Ellipse", (300, 80), (460, 180))
    dialog = second.get_by_role("dialog", name="This answer changed somewhere else")
    expect(dialog).to_be_visible(timeout=15_000)
    expect(dialog.locator("[data-conflict-scene]")).to_contain_text(
        "1 element here, 1 element in the saved version")
    dialog.get_by_role("button", name="Keep mine").click()
    expect(status(second)).to_contain_text("All changes saved at", timeout=20_000)
    assert server_types(db, attempt.id) == ["ellipse"]

    # The first tab is now behind: taking the saved version puts that drawing on its board.
    drag(first, "Rectangle", (60, 300), (220, 400))
    dialog = first.get_by_role("dialog", name="This answer changed somewhere else")
    expect(dialog).to_be_visible(timeout=15_000)
    dialog.get_by_role("button", name="Use the saved version").click()
    expect(status(first)).to_contain_text("All changes saved")
    assert server_types(db, attempt.id) == ["ellipse"]
    first.reload()
    expect(first.locator("[data-whiteboard-canvas]")).to_have_attribute(
        "data-whiteboard-ready", "1", timeout=20_000)
    context.close()
