"""The files in deploy/ that docs/deployment.md tells people to install.

They are not run here (no systemd in the test machine); what is checked is
what would break an install that copies them: an example configuration the
app refuses, a setting it does not know, a unit that starts a file or command
the project does not have.
"""

from __future__ import annotations

import configparser
import runpy
import shlex
from pathlib import Path

import pytest

from app import create_app
from app.config import SETTINGS, check_settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CHECKOUT = "/srv/archboard"
# Read by gunicorn.conf.py, not by the app.
GUNICORN_SETTINGS = {"HOST", "PORT", "WEB_CONCURRENCY"}


def example_environment() -> dict[str, str]:
    values = {}
    for number, line in enumerate((DEPLOY / "archboard.env.example").read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, f"archboard.env.example:{number}: not NAME=value"
        values[name] = value
    return values


def unit(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text())
    return parser["Service"]


def test_the_example_environment_names_only_settings_the_app_or_gunicorn_reads():
    known = {setting.name for setting in SETTINGS} | GUNICORN_SETTINGS
    assert set(example_environment()) - known == set()


def test_the_example_environment_is_a_production_configuration_the_app_accepts(tmp_path):
    config = load_settings(example_environment(), tmp_path)
    check_settings(config)
    assert config["ARCHBOARD_ENV"] == "production"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["LOG_FORMAT"] == "json"
    assert config["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert config["RATELIMIT_STORAGE_URI"] == config["REDIS_URL"]


def test_gunicorn_reads_the_example_environment(monkeypatch):
    for name, value in example_environment().items():
        monkeypatch.setenv(name, value)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["bind"] == "127.0.0.1:8000"


@pytest.mark.parametrize("name", ["archboard-web.service", "archboard-worker.service"])
def test_each_unit_reads_the_environment_file_and_runs_from_the_checkout(name):
    service = unit(name)
    assert service["WorkingDirectory"] == CHECKOUT
    assert service["EnvironmentFile"] == "/etc/archboard/archboard.env"
    program = shlex.split(service["ExecStart"])[0]
    assert program.startswith(CHECKOUT + "/.venv/bin/")
    # The program is one the project installs into its virtualenv.
    assert (ROOT / program.removeprefix(CHECKOUT + "/")).exists()


def test_the_web_unit_serves_with_the_projects_gunicorn_config():
    args = shlex.split(unit("archboard-web.service")["ExecStart"])
    assert args[1:] == ["--config", "gunicorn.conf.py", "wsgi:app"]
    assert (ROOT / "gunicorn.conf.py").exists()
    # Migrations are a deploy step of their own, never part of starting a web process.
    assert "db" not in args


def test_the_worker_unit_runs_a_command_the_app_has(tmp_path):
    args = shlex.split(unit("archboard-worker.service")["ExecStart"])
    assert args[1:3] == ["--app", "wsgi"]
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 40,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
                      "JOBS_SQLITE_PATH": str(tmp_path / "jobs.sqlite")})
    assert args[3] in app.cli.commands


def test_the_example_environment_lets_the_worker_build_and_send_its_emails(tmp_path):
    from app.mail.settings import parse_smtp_url

    config = load_settings(example_environment(), tmp_path)
    assert config["SCORECARD_DUE_HOURS"] > 0 and config["BASE_URL"].startswith("https://")
    assert parse_smtp_url(config["SMTP_URL"]).starttls
