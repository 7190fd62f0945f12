"""Rules every template keeps, read from the files themselves."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
SCRIPT_BUTTON = re.compile(r"<button\b[^>]*\btype=\"button\"[^>]*>")


def script_buttons() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in SCRIPT_BUTTON.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((str(path.relative_to(TEMPLATES)), line, match.group(0)))
    return found


def test_buttons_served_by_a_script_wait_for_it():
    """A type="button" does something only once a script has attached to it. It is
    rendered disabled with data-needs-script (app.js enables it when the page's scripts
    have run) or hidden (its script reveals it), so a press can never be lost."""
    buttons = script_buttons()
    assert len(buttons) > 20  # the scan reads the templates
    loose = [f"{path}:{line}" for path, line, tag in buttons
             if not re.search(r"\sdisabled data-needs-script\b", tag)
             and not re.search(r"\shidden[\s>]", tag)]
    assert loose == []


def test_a_textarea_with_text_starts_it_on_a_new_line():
    """A browser drops one newline right after <textarea>: text that begins with a blank
    line would lose it and come back changed on the next save, unless a newline stands
    first for the browser to drop."""
    starts = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<textarea\b(?:[^>{]|\{\{.*?\}\}|\{%.*?%\})*>", text, re.S):
            after = text[match.end():match.end() + 11]
            line = text.count("\n", 0, match.start()) + 1
            starts.append((f"{path.relative_to(TEMPLATES)}:{line}", after))
    assert len(starts) > 10  # the scan reads the templates
    assert [where for where, after in starts
            if not (after.startswith("\n") or after == "</textarea>")] == []
