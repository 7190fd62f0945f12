"""The script rule: markdown may not carry raw HTML that could run or load something.

Content is rendered through a sanitiser (``app.content.render``), so nothing an
author writes can run in a reader's browser. This rule stops such HTML earlier,
at ``flask content check`` and at every import, so the author sees it at its
line instead of finding it silently stripped on the page. Code is exempt: a
fenced code block or an inline code span may show any HTML (a prompt about
cross-site scripting has to), because markdown prints code as text.
"""

from __future__ import annotations

import re

from app.content.model import Problem

# Elements that run code, load a resource or take input, by tag name.
TAGS = ("script", "iframe", "frame", "frameset", "object", "embed", "applet", "style",
        "link", "meta", "base", "form", "input", "button", "textarea", "select", "svg",
        "math", "template", "portal")
_TAG = re.compile(r"</?(" + "|".join(TAGS) + r")(?=[\s/>]|$)", re.IGNORECASE)
# An event handler attribute inside an HTML tag: <img src=x onerror=...>.
_EVENT = re.compile(r"<[A-Za-z][^<>]*?[\s\"'/](on[a-z]+)\s*=", re.IGNORECASE)
# A URL scheme that runs script or inlines a document, where markdown or HTML takes a URL:
# a link or image target, a reference definition, an autolink, or a URL attribute.
_SCHEME = r"\s*(javascript|vbscript|data)\s*:"
_URL = re.compile(
    r"(?:\]\(\s*<?|^\s{0,3}\[[^\]]+\]:\s*<?|<|\b(?:href|src|action|formaction|srcset|poster"
    r"|background|xlink:href)\s*=\s*[\"']?)" + _SCHEME,
    re.IGNORECASE)
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)")


def _outside_code(text: str) -> list[tuple[int, str]]:
    """Each line of ``text`` (numbered from 1) with fenced blocks and code spans blanked."""
    lines: list[tuple[int, str]] = []
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        opened = _FENCE.match(line)
        if fence is not None:
            # A fence closes with the same character, at least as long, and nothing after.
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence) \
                    and not line[opened.end():].strip():
                fence = None
            continue
        if opened:
            fence = opened.group(1)
            continue
        lines.append((number, _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)))
    return lines


def unsafe_html(path: str, text: str) -> list[Problem]:
    """An error at each line of markdown ``text`` holding HTML that could run or load
    something, outside code blocks and code spans; the message names the tag or attribute."""
    problems: list[Problem] = []
    for number, line in _outside_code(text):
        before = len(problems)
        for found in _TAG.finditer(line):
            tag = found.group(1).lower()
            problems.append(Problem(path, number, f"raw HTML <{tag}> is not allowed in content: "
                                                  f"it could run or load something; to show it, "
                                                  f"put it in a code block or `inline code`"))
        for found in _EVENT.finditer(line):
            attribute = found.group(1).lower()
            problems.append(Problem(path, number, f'raw HTML event attribute "{attribute}=" is '
                                                  f"not allowed in content: it runs script; to "
                                                  f"show it, put it in a code block or `inline "
                                                  f"code`"))
        for found in _URL.finditer(line):
            scheme = found.group(1).lower()
            problems.append(Problem(path, number, f'a "{scheme}:" URL is not allowed in '
                                                  f"content: links and images must point at "
                                                  f"http(s), mailto or a relative address"))
        # <script>...</script> on one line is one problem, not one per tag.
        unique = list(dict.fromkeys(p.message for p in problems[before:]))
        problems[before:] = [Problem(path, number, message) for message in unique]
    return problems
