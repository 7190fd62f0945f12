"""After login and sign-up, ``next`` only ever leads to a page of this site.

Every hostile target is tried on the login and sign-up pages, signed in and
signed out, by GET and by POST (in the form and in the query string); each
must end on the default page. Legitimate targets keep working.
"""

from __future__ import annotations

import itertools
import re
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories.users import PASSWORD, make_user
from tests.support.web import WebClient

# Where ``next`` may lead is decided on the URL alone, whichever database is behind it.
pytestmark = pytest.mark.db_once

HOSTILE = [
    "////evil.example/x",
    "///evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/%252F%252Fevil.example",
    "http://evil.example",
    "https:evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "/\t/evil.example",
    "/%09/evil.example",
    "/\r\nLocation: https://evil.example",
    "/\n/evil.example",
    "/%00//evil.example",
    "/\x0b/evil.example",
    "/\x7f/evil.example",
    "\x01//evil.example",
    " //evil.example",
    "/\u3000/evil.example",
    "/" + "a" * 5000,
    "/" + "%2F" * 2000 + "evil.example",
]
LEGITIMATE = ["/practice?kind=coding", "/interviews/3", "/join/Ab-9_xyz", "/account"]
NEXT_FIELD = re.compile(r'<input id="next" name="next" type="hidden" value="([^"]*)">')
_emails = itertools.count(1)


def hidden_next(response) -> str:
    """The ``next`` a rendered login or sign-up form will send back."""
    match = NEXT_FIELD.search(response.get_data(as_text=True))
    assert match, "no hidden next field on the page"
    return match.group(1)


def assert_same_site(location: str) -> None:
    """A Location a browser resolves to this site: one leading slash, printable ASCII."""
    assert location.startswith("/") and location[1:2] not in ("/", "\\"), location
    assert all(0x21 <= ord(ch) <= 0x7E for ch in location), location


def sign_up(client: WebClient, target: str, *, in_query: bool) -> object:
    data = {"display_name": "Dana Doe", "email": f"dana{next(_emails)}@example.com",
            "password": "a long passphrase", "confirm": "a long passphrase"}
    if in_query:
        return client.post("/signup", data, query_string={"next": target})
    return client.post("/signup", {**data, "next": target})


def landings(client: WebClient, email: str, target: str) -> dict[str, str]:
    """Where each way of passing ``target`` leads: scenario -> Location (or form value)."""
    seen: dict[str, str] = {}
    assert client.login(email, PASSWORD).status_code == HTTPStatus.FOUND
    seen["login GET, signed in"] = client.get("/login", query_string={"next": target}) \
        .headers["Location"]
    seen["login POST, signed in"] = client.post("/login", {}, query_string={"next": target}) \
        .headers["Location"]
    seen["sign-up GET, signed in"] = client.get("/signup", query_string={"next": target}) \
        .headers["Location"]
    seen["sign-up POST, signed in"] = sign_up(client, target, in_query=False).headers["Location"]
    client.logout()

    seen["login form, signed out"] = hidden_next(
        client.get("/login", query_string={"next": target}))
    seen["sign-up form, signed out"] = hidden_next(
        client.get("/signup", query_string={"next": target}))
    seen["login POST (form), signed out"] = client.login(email, PASSWORD, next=target) \
        .headers["Location"]
    client.logout()
    seen["login POST (query), signed out"] = client.post(
        "/login", {"email": email, "password": PASSWORD}, query_string={"next": target}
    ).headers["Location"]
    client.logout()
    for in_query in (False, True):
        response = sign_up(client, target, in_query=in_query)
        assert response.status_code == HTTPStatus.FOUND
        location = response.headers["Location"]
        assert urlsplit(location).path == "/login"
        # The login page the sign-up sends you to passes on only what it was given.
        page = client.get(location)
        seen[f"sign-up POST ({'query' if in_query else 'form'}), signed out"] = \
            parse_qs(urlsplit(location).query).get("next", [""])[0]
        assert hidden_next(page) == seen[
            f"sign-up POST ({'query' if in_query else 'form'}), signed out"]
    return seen


@pytest.mark.parametrize("target", HOSTILE, ids=[repr(t[:40]) for t in HOSTILE])
def test_hostile_next_targets_end_on_the_home_page(client, db, target):
    user = make_user(db)
    seen = landings(client, user.email, target)
    # Forms and the sign-up's hand-over to the login page carry no target at all ...
    carried = {scenario: seen.pop(scenario) for scenario in list(seen)
               if scenario.endswith("form, signed out") or
               scenario.startswith("sign-up POST (")}
    assert carried == dict.fromkeys(carried, "")
    # ... and every redirect goes to the home page.
    for location in seen.values():
        assert_same_site(location)
    assert seen == dict.fromkeys(seen, "/")


def test_a_target_holding_a_nul_is_refused_before_any_redirect(client, db):
    # NUL can be stored by no database: the edge refuses it (app/inputs.py), so
    # no redirect is even considered.
    user = make_user(db)
    target = "/\x00//evil.example"
    answers = [client.get("/login", query_string={"next": target}),
               client.get("/signup", query_string={"next": target}),
               client.post("/login", {"email": user.email, "password": PASSWORD,
                                      "next": target}),
               sign_up(client, target, in_query=False)]
    assert client.login(user.email, PASSWORD).status_code == HTTPStatus.FOUND
    answers.append(client.get("/login", query_string={"next": target}))
    assert [a.status_code for a in answers] == [HTTPStatus.UNPROCESSABLE_ENTITY] * 5
    assert all("Location" not in a.headers for a in answers)


@pytest.mark.parametrize("target", LEGITIMATE)
def test_same_site_targets_still_work(client, db, target):
    user = make_user(db)
    seen = landings(client, user.email, target)
    assert seen.pop("sign-up GET, signed in") == "/"  # signed in: sign-up has nothing to do
    assert seen.pop("sign-up POST, signed in") == "/"
    assert seen == dict.fromkeys(seen, target)
