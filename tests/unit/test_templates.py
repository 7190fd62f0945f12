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
