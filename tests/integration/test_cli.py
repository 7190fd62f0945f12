"""The command-line tools `make run` and operators use."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Role, User
from tests.factories.users import PASSWORD, make_user


def test_users_demo_creates_one_account_per_role_and_prints_them(app, client, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "demo"])
    assert result.exit_code == 0, result.output
    for email in ("candidate@example.com", "interviewer@example.com", "author@example.com",
                  "admin@example.com"):
        assert email in result.output
    admin = db.scalar(select(User).where(User.email == "admin@example.com"))
    assert admin.roles == set(Role)
    assert client.login("admin@example.com", "demo-admin-1").status_code == 302
    # Running it again is harmless.
    again = runner.invoke(args=["users", "demo"])
    assert again.exit_code == 0
    assert len(db.scalars(select(User)).all()) == 4


def test_users_demo_refuses_in_production(app):
    app.config["ARCHBOARD_ENV"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["users", "demo"])
    finally:
        app.config["ARCHBOARD_ENV"] = "testing"
    assert result.exit_code != 0
    assert "not created in production" in result.output


def test_users_create_makes_the_first_admin(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "Boss@Example.com", "--name", "Boss", "--role", "admin",
              "--role", "interviewer", "--password", "a long enough passphrase"])
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User).where(User.email == "boss@example.com"))
    assert user.roles == {Role.ADMIN, Role.INTERVIEWER}


def test_users_create_explains_a_bad_password(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "x@example.com", "--name", "X", "--password", "short"])
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output


def test_users_grant_adds_roles(app, db):
    user = make_user(db, Role.CANDIDATE, password=PASSWORD)
    result = app.test_cli_runner().invoke(args=["users", "grant", user.email, "author"])
    assert result.exit_code == 0, result.output
    db.expire_all()
    assert user.roles == {Role.CANDIDATE, Role.AUTHOR}


def test_db_upgrade_is_idempotent(app, db):
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "database at head" in result.output
