"""A test client that behaves like a browser with a form: it sends the CSRF token."""

from __future__ import annotations

import html
import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def textarea_value(source: str) -> str:
    """The value a browser gives a textarea from its source between the tags: one newline
    right after the start tag is dropped (the HTML parser's rule), then entities decoded."""
    return html.unescape(source[1:] if source.startswith("\n") else source)


class WebClient:
    """Wraps Flask's client; ``post`` adds the page's CSRF token unless told not to."""

    def __init__(self, client: FlaskClient) -> None:
        self.raw = client

    def csrf_token(self) -> str:
        page = self.raw.get("/")
        match = CSRF_META.search(page.get_data(as_text=True))
        assert match, "no csrf-token meta tag on the home page"
        return match.group(1)

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.raw.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, *, csrf: bool = True,
             **kwargs: Any) -> TestResponse:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        return self.raw.post(url, data=data, **kwargs)

    def login(self, email: str, password: str, **extra: Any) -> TestResponse:
        return self.post("/login", {"email": email, "password": password, **extra})

    def logout(self) -> TestResponse:
        return self.post("/logout")
