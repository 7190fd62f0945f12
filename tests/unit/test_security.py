"""Redirect targets after login must stay on this site."""

from __future__ import annotations

import pytest

from app.security import HEADERS, is_safe_redirect


@pytest.mark.parametrize("target", ["/", "/account", "/admin/users?q=a&page=2",
                                    "/practice?kind=coding", "/interviews/3",
                                    "/join/Ab-9_xyz", "/practice?q=%2F%2Fnot-a-host",
                                    "/" + "a" * 1999])
def test_paths_on_this_site_are_safe(target):
    assert is_safe_redirect(target)


@pytest.mark.parametrize(
    "target",
    [None, "", "https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
     "javascript:alert(1)", "http:/evil.example", "account", "/\r\nLocation: x", "/\tx",
     "////evil.example/x", "///evil.example", "/%2F%2Fevil.example", "/%2f/evil.example",
     "/%5Cevil.example", "/%252F%252Fevil.example", "/%25252F%25252Fevil.example",
     "/%09/evil.example", "/\x00//evil.example", "/%00x", "/\x0b/x", "/\x7f/x", " /x",
     "/\u3000/evil.example", "/a b", "/" + "a" * 2000],
)
def test_other_targets_are_not(target):
    assert not is_safe_redirect(target)


def test_policy_allows_scripts_from_this_origin_only():
    csp = HEADERS["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
