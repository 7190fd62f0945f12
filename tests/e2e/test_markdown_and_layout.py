"""The markdown preview draws diagrams and keeps scripts inert; the layout works on a phone."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_preview_draws_a_mermaid_diagram_and_never_runs_injected_script(page: Page,
                                                                         server_url: str):
    page.goto(f"{server_url}/help/markdown")
    preview = page.locator("#markdown-preview")
    expect(preview.locator(".mermaid svg")).to_be_visible()  # the example's diagram

    source = page.get_by_label("Markdown")
    source.fill(
        "## Queue\n\n"
        "```mermaid\nsequenceDiagram\n  API->>Queue: enqueue\n  Queue-->>Worker: deliver\n```\n\n"
        "<img src=x onerror=\"window.pwned=1\"> <script>window.pwned=2</script>\n\n"
        "[click](javascript:window.pwned=3)\n"
    )
    expect(preview.get_by_role("heading", name="Queue")).to_be_visible()
    expect(preview.locator(".mermaid svg")).to_be_visible()
    expect(preview.locator(".mermaid svg")).to_contain_text("enqueue")
    preview.get_by_text("click").click()
    assert page.evaluate("window.pwned") is None
    assert preview.locator("img, script").count() == 0


def test_phone_layout_collapses_the_menu_behind_a_keyboard_usable_button(page: Page,
                                                                          server_url: str):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server_url)
    menu = page.get_by_role("button", name="Menu")
    nav_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Writing help")
    expect(nav_link).to_be_hidden()
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav_link).to_be_visible()
    page.keyboard.press("Escape")
    expect(nav_link).to_be_hidden()
    expect(menu).to_be_focused()


def test_skip_link_is_the_first_stop_and_jumps_to_the_content(page: Page, server_url: str):
    page.goto(server_url)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server_url}/#main")
