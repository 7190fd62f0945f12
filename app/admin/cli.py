"""``flask users``: create accounts, grant roles and make the demo accounts."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.admin.services import set_roles
from app.auth import services
from app.db import get_session
from app.errors import DomainError
from app.models import Role

users_cli = AppGroup("users", help="Accounts and roles.")

# Demo accounts for a laptop: one per role, with passwords printed on start.
DEMO_ACCOUNTS = (
    ("candidate@example.com", "Casey Candidate", "demo-candidate-1", (Role.CANDIDATE,)),
    ("interviewer@example.com", "Ira Interviewer", "demo-interviewer-1",
     (Role.INTERVIEWER, Role.CANDIDATE)),
    ("author@example.com", "Ada Author", "demo-author-1", (Role.AUTHOR, Role.CANDIDATE)),
    ("admin@example.com", "Alex Admin", "demo-admin-1",
     (Role.ADMIN, Role.AUTHOR, Role.INTERVIEWER, Role.CANDIDATE)),
)
ROLE_CHOICE = click.Choice([r.value for r in Role])


@users_cli.command("create")
@click.argument("email")
@click.option("--name", "display_name", required=True, help="Name shown in the app.")
@click.option("--role", "roles", multiple=True, type=ROLE_CHOICE, default=["candidate"],
              show_default=True, help="Role to grant; repeat for several.")
@click.password_option(help="Prompted for when not given.")
def create_command(email: str, display_name: str, roles: tuple[str, ...], password: str) -> None:
    """Create the account EMAIL (e.g. the first admin of a new install)."""
    try:
        user = services.sign_up(get_session(), email=email, display_name=display_name,
                                password=password, roles=tuple(Role(r) for r in roles))
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"created {user.email} with roles: {', '.join(sorted(r.value for r in user.roles))}")


@users_cli.command("grant")
@click.argument("email")
@click.argument("roles", nargs=-1, required=True, type=ROLE_CHOICE)
def grant_command(email: str, roles: tuple[str, ...]) -> None:
    """Add ROLES to the account EMAIL."""
    session = get_session()
    user = services.find_user(session, email)
    if user is None:
        raise click.ClickException(f"no account with email {email}")
    set_roles(session, actor=None, user_id=user.id,
              roles=set(user.roles) | {Role(r) for r in roles})
    click.echo(f"{user.email} now holds: {', '.join(sorted(r.value for r in user.roles))}")


@users_cli.command("demo")
def demo_command() -> None:
    """Create the demo accounts (if missing) and print how to sign in."""
    if current_app.config["ARCHBOARD_ENV"] == "production":
        raise click.ClickException("demo accounts are not created in production")
    session = get_session()
    click.echo("Demo accounts (email / password / roles):")
    for email, name, password, roles in DEMO_ACCOUNTS:
        if services.find_user(session, email) is None:
            services.sign_up(session, email=email, display_name=name,
                                    password=password, roles=roles)
        elif services.authenticate(session, email, password) is None:
            services.set_password(session, email, password)
        click.echo(f"  {email:<26} {password:<20} {', '.join(r.value for r in roles)}")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
