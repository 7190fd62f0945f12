"""Settings from the environment, and refusals to serve unsafe configurations."""

from __future__ import annotations

import stat

import pytest

from app import create_app
from app.config import ConfigError, check_settings, load_settings, normalise_database_url

GOOD_KEY = "k" * 40


def test_laptop_defaults(tmp_path):
    config = load_settings({}, tmp_path)
    assert config["ARCHBOARD_ENV"] == "development"
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'archboard.sqlite'}"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["SESSION_COOKIE_SECURE"] is False
    assert len(config["SECRET_KEY"]) >= 32


def test_instance_secret_is_created_once_owner_only_and_reused(tmp_path):
    first = load_settings({}, tmp_path)["SECRET_KEY"]
    second = load_settings({}, tmp_path)["SECRET_KEY"]
    assert first == second
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_redis_url_moves_rate_limits_to_redis(tmp_path):
    config = load_settings({"REDIS_URL": "redis://127.0.0.1:6379/0"}, tmp_path)
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://u@h:5433/db", "postgresql+psycopg://u@h:5433/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.sqlite", "sqlite:////tmp/x.sqlite"),
    ],
)
def test_database_urls_use_psycopg3(given, expected):
    assert normalise_database_url(given) == expected


def test_typed_settings_report_the_variable_at_fault(tmp_path):
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SECURE"):
        load_settings({"SESSION_COOKIE_SECURE": "maybe"}, tmp_path)
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH"):
        load_settings({"MAX_CONTENT_LENGTH": "lots"}, tmp_path)


def test_production_without_secret_key_refuses_to_start(tmp_path):
    config = load_settings({"ARCHBOARD_ENV": "production"}, tmp_path)
    assert config["SECRET_KEY"] is None
    assert not (tmp_path / "secret_key").exists()
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        check_settings(config)


def test_production_with_short_secret_key_refuses_to_start(tmp_path):
    config = load_settings({"ARCHBOARD_ENV": "production", "SECRET_KEY": "dev"}, tmp_path)
    with pytest.raises(ConfigError, match="32 or more"):
        check_settings(config)


def test_create_app_refuses_production_with_default_secret(monkeypatch):
    monkeypatch.setenv("ARCHBOARD_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app({"DATABASE_URL": "sqlite://"})


def test_production_without_base_url_refuses_to_start(tmp_path):
    """Links in emails (a password reset's above all) never take a request's Host there."""
    config = load_settings({"ARCHBOARD_ENV": "production", "SECRET_KEY": GOOD_KEY}, tmp_path)
    with pytest.raises(ConfigError, match="without BASE_URL"):
        check_settings(config)
    check_settings(load_settings({"ARCHBOARD_ENV": "production", "SECRET_KEY": GOOD_KEY,
                                  "BASE_URL": "https://archboard.example.com"}, tmp_path))


def test_production_with_real_secret_starts_with_secure_cookies(monkeypatch):
    monkeypatch.setenv("ARCHBOARD_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("BASE_URL", "https://archboard.example.com")
    app = create_app({"DATABASE_URL": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_unknown_environment_is_refused(tmp_path):
    config = load_settings({"ARCHBOARD_ENV": "staging"}, tmp_path)
    with pytest.raises(ConfigError, match="ARCHBOARD_ENV"):
        check_settings(config)


def test_runs_per_user_defaults_to_one_and_refuses_zero(tmp_path):
    assert load_settings({}, tmp_path)["RUNS_PER_USER"] == 1
    config = load_settings({"RUNS_PER_USER": "0"}, tmp_path)
    with pytest.raises(ConfigError, match="RUNS_PER_USER"):
        check_settings(config)


@pytest.mark.parametrize("name", ["RUN_CPU_SECONDS", "RUN_WALL_SECONDS"])
def test_run_time_limits_below_a_second_are_refused(name, tmp_path):
    config = load_settings({name: "1"}, tmp_path)
    check_settings(config)
    config[name] = 0
    with pytest.raises(ConfigError, match=name):
        check_settings(config)


def test_a_stuck_margin_below_zero_and_a_sweep_below_a_second_are_refused(tmp_path):
    config = load_settings({"RUN_STUCK_MARGIN_SECONDS": "0", "WORKER_SWEEP_SECONDS": "1"},
                           tmp_path)
    check_settings(config)
    for name, value in (("RUN_STUCK_MARGIN_SECONDS", -1), ("WORKER_SWEEP_SECONDS", 0)):
        with pytest.raises(ConfigError, match=name):
            check_settings({**config, name: value})
OIDC = {"OIDC_ISSUER": "https://sso.acme.test/realms/staff", "OIDC_CLIENT_ID": "archboard",
        "OIDC_CLIENT_SECRET": "s3cret"}


def test_single_sign_on_is_off_by_default_and_on_with_its_three_settings(tmp_path):
    config = load_settings({}, tmp_path)
    check_settings(config)
    assert (config["OIDC_ISSUER"], config["OIDC_ALLOWED_DOMAINS"]) == ("", ())
    assert config["OIDC_AUTO_CREATE"] is True
    config = load_settings({**OIDC, "OIDC_ALLOWED_DOMAINS": " Acme.test, @acme.co.uk ,"},
                           tmp_path)
    check_settings(config)
    assert config["OIDC_ALLOWED_DOMAINS"] == ("acme.test", "acme.co.uk")


@pytest.mark.parametrize("missing", sorted(OIDC))
def test_single_sign_on_needs_all_three_settings_or_none(tmp_path, missing):
    config = load_settings({k: v for k, v in OIDC.items() if k != missing}, tmp_path)
    with pytest.raises(ConfigError, match=f"{missing} missing"):
        check_settings(config)


def test_single_sign_on_refuses_a_plain_http_issuer_in_production_and_bad_domains(tmp_path):
    config = load_settings({**OIDC, "OIDC_ISSUER": "http://sso.acme.test",
                            "ARCHBOARD_ENV": "production", "SECRET_KEY": GOOD_KEY,
                            "BASE_URL": "https://archboard.example.com"}, tmp_path)
    with pytest.raises(ConfigError, match="OIDC_ISSUER must use https in production"):
        check_settings(config)
    with pytest.raises(ConfigError, match="OIDC_ALLOWED_DOMAINS: expected email domains"):
        load_settings({"OIDC_ALLOWED_DOMAINS": "acme"}, tmp_path)
