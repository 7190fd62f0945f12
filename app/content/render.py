"""The one way markdown becomes HTML in Archboard: rendered, then sanitised.

Python-Markdown passes raw HTML straight through, so its output is always
cleaned by nh3 with the allow-list below before anyone sees it. Mermaid
fences become ``<div class="mermaid">`` blocks holding the escaped diagram
source; the browser draws them with mermaid's strict security level.
"""

from __future__ import annotations

import html
import logging
import re
import threading

import markdown
import nh3
from markupsafe import Markup
from pymdownx import superfences

from app.content.bounds import BoundedWork, bounded_html

log = logging.getLogger(__name__)

EXTENSIONS = [
    "tables",
    "footnotes",
    "sane_lists",
    "pymdownx.superfences",
    "pymdownx.tasklist",
    "pymdownx.tilde",
]
EXTENSION_CONFIGS = {
    "pymdownx.superfences": {
        "custom_fences": [
            {"name": "mermaid", "class": "mermaid", "format": superfences.fence_div_format}
        ]
    },
    "pymdownx.tasklist": {"custom_checkbox": False},
}

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "input", "kbd", "li", "ol", "p",
    "pre", "s", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}
ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "code": {"class"},
    "span": {"class"},
    "li": {"id"},
    "sup": {"id"},
    "input": {"type", "checked", "disabled"},
    "th": {"align", "style"},
    "td": {"align", "style"},
    "ol": {"start"},
}
CLASSES = {
    "div": {"mermaid", "highlight", "footnote"},
    "ul": {"task-list"},
    "li": {"task-list-item"},
    "a": {"footnote-ref", "footnote-backref"},
}
# Attributes the renderer sets itself. Task-list checkboxes have no label of
# their own, so they are named for screen readers.
ADDED_ATTRIBUTES = {"input": {"aria-label": "Checklist item"}}
URL_SCHEMES = {"http", "https", "mailto"}
# Footnotes need ids to link to; only their own shape is kept, so an answer
# cannot name elements the page's scripts look up.
FOOTNOTE_ID = re.compile(r"^fn(ref)?:[\w-]{1,40}$")
ALIGN_STYLE = re.compile(r"^text-align:\s*(left|right|center);?$")


def _filter_attribute(tag: str, name: str, value: str) -> str | None:
    if name == "id":
        return value if FOOTNOTE_ID.match(value) else None
    if name == "style":
        return value if ALIGN_STYLE.match(value.strip()) else None
    if tag == "input" and name == "type":
        return value if value == "checkbox" else None
    return value


_local = threading.local()


def _parser() -> markdown.Markdown:
    # Building a parser loads every extension, which costs more than most
    # renders; parsers are not thread-safe, so each thread keeps its own.
    # BoundedWork comes last: it adjusts the other extensions' processors.
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = markdown.Markdown(extensions=[*EXTENSIONS, BoundedWork()],
                                   extension_configs=EXTENSION_CONFIGS, output_format="html")
        _local.parser = parser
    return parser


def render_markdown(text: str) -> Markup:
    """Render untrusted markdown to HTML that is safe to put in any page.

    The parser's work is bounded (``app.content.bounds``): its time grows about
    linearly with the size of the text, whatever the text's shape. It never
    raises: answers are saved with their HTML, and no answer may fail to save
    because of what it says.
    """
    parser = _parser()
    try:
        raw = parser.reset().convert(text)
    except Exception:
        # A conversion that failed half-way leaves the parser's state broken:
        # never reuse it. Show the text as it is rather than fail the page.
        _local.parser = None
        log.exception("markdown could not be rendered; showing it as text")
        raw = f"<pre>{html.escape(text)}</pre>"
    except BaseException:
        _local.parser = None
        raise
    return Markup(sanitise(raw))  # noqa: S704 - sanitised


def sanitise(raw: str) -> str:
    """``raw`` HTML cleaned by nh3 with the allow-list above (nesting bounded first)."""
    return nh3.clean(
        bounded_html(raw),
        tags=TAGS,
        attributes=ATTRIBUTES,
        allowed_classes=CLASSES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values=ADDED_ATTRIBUTES,
        strip_comments=True,
    )
