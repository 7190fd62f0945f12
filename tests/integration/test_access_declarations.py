"""Every route says who may call it, and the declaration is enforced."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest

from app.auth.access import ANYONE, SIGNED_IN, AccessRule, rule_for
from app.models import Role
from tests.conftest import make_test_app
from tests.factories.users import PASSWORD, make_user

# Which rule guards which route does not depend on the database.
pytestmark = pytest.mark.db_once


def test_every_route_has_an_access_declaration(app):
    undeclared = [rule.rule for rule in app.url_map.iter_rules()
                  if rule_for(app, rule.endpoint) is None]
    assert undeclared == []


def test_the_declarations_are_the_intended_ones(app):
    declared = {rule.endpoint: rule_for(app, rule.endpoint) for rule in app.url_map.iter_rules()}
    assert declared["admin.users"] == AccessRule(SIGNED_IN, frozenset({Role.ADMIN}))
    assert declared["auth.account"] == AccessRule(SIGNED_IN)
    assert declared["coverage.page"] == AccessRule(
        SIGNED_IN, frozenset({Role.INTERVIEWER, Role.AUTHOR, Role.ADMIN}))
    assert declared["pages.home"] == AccessRule(ANYONE)
    assert declared["static"] == AccessRule(ANYONE)
    assert declared["pages.health"] == AccessRule(ANYONE)
    assert declared["pages.ready"] == AccessRule(ANYONE)


def test_a_route_without_declaration_is_refused_at_request_time(database_url):
    app = make_test_app(database_url)

    @app.get("/forgot-to-declare")
    def forgot_to_declare():
        return "secret"

    response = app.test_client().get("/forgot-to-declare")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert b"secret" not in response.data


def test_flask_access_command_lists_every_route(app):
    result = app.test_cli_runner().invoke(args=["access"])
    assert result.exit_code == 0, result.output
    assert "UNDECLARED" not in result.output
    assert len(result.output.strip().splitlines()) == len(list(app.url_map.iter_rules()))
    assert re.search(r"^/readyz +GET +anyone$", result.output, re.MULTILINE)
    assert re.search(r"^/healthz +GET +anyone$", result.output, re.MULTILINE)


def test_signed_out_get_of_a_private_page_redirects_to_login_with_next(client):
    response = client.get("/account")
    assert response.status_code == HTTPStatus.FOUND
    assert response.headers["Location"].startswith("/login?next=/account")


def test_signed_out_post_to_a_private_route_is_401(client):
    response = client.post("/account/password", {"current_password": "x"})
    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_candidate_cannot_open_admin_pages(client, db):
    user = make_user(db, Role.CANDIDATE, Role.INTERVIEWER, Role.AUTHOR)
    client.login(user.email, PASSWORD)
    assert client.get("/admin/users").status_code == HTTPStatus.FORBIDDEN
    response = client.post(f"/admin/users/{user.id}/roles", {"roles": ["admin"]})
    assert response.status_code == HTTPStatus.FORBIDDEN
    db.expire_all()
    assert Role.ADMIN not in user.roles
