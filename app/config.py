"""Every setting Archboard reads, in one place.

Settings come from the environment (twelve-factor), each with a default that is
safe on a laptop. ``load_settings`` turns an environment mapping into the Flask
config; ``check_settings`` refuses configurations that are unsafe to serve.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.mail.settings import parse_base_url, parse_smtp_url

ENVIRONMENTS = ("development", "testing", "production")
LOG_FORMATS = ("text", "json")
MIN_PRODUCTION_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration is unsafe or invalid; the app refuses to start."""


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a boolean (true/false), got {value!r}")


def _int(value: str) -> int:
    return int(value.strip())


def _str(value: str) -> str:
    return value.strip()


def _lower(value: str) -> str:
    return value.strip().lower()


def _domains(value: str) -> tuple[str, ...]:
    """A comma-separated list of email domains, lower-cased, without a leading @."""
    domains = tuple(part.strip().lower().lstrip("@") for part in value.split(","))
    domains = tuple(domain for domain in domains if domain)
    for domain in domains:
        if "." not in domain or " " in domain or "@" in domain:
            raise ValueError(f"expected email domains like example.com, got {domain!r}")
    return domains


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default, parser and meaning."""

    name: str
    default: Any
    parse: Callable[[str], Any]
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ARCHBOARD_ENV",
        "development",
        _str,
        "development, testing or production. Production refuses a missing or short "
        "SECRET_KEY and marks cookies Secure.",
    ),
    Setting(
        "SECRET_KEY",
        None,
        _str,
        "Signs sessions and CSRF tokens. Outside production a random key is created "
        "once in instance/secret_key; in production it must be set (32+ characters).",
    ),
    Setting(
        "DATABASE_URL",
        None,
        _str,
        "SQLAlchemy URL. Default: SQLite at instance/archboard.sqlite. "
        "postgresql://user:pass@host/db uses psycopg 3.",
    ),
    Setting(
        "REDIS_URL",
        None,
        _str,
        "When set, the job queue, rate limits and trusted-device records live in Redis, "
        "shared by every web process and worker; otherwise in a SQLite file and process "
        "memory (one machine).",
    ),
    Setting(
        "JOBS_SQLITE_PATH",
        None,
        _str,
        "Where the job queue keeps its SQLite file when REDIS_URL is unset. Default: "
        "instance/jobs.sqlite. Workers on other machines need REDIS_URL instead.",
    ),
    Setting(
        "WORKER_THREADS",
        2,
        _int,
        "How many code runs one `flask worker` process executes at once.",
    ),
    Setting(
        "WORKER_NICE",
        10,
        _int,
        "How much `flask worker` lowers its CPU priority (nice, 0 to 19), with the code "
        "it runs: rendering saved answers and running tests yield the processor to web "
        "requests on a shared machine.",
    ),
    Setting(
        "RUNS_PER_USER",
        1,
        _int,
        "How many of one person's code runs may execute at once across all workers; "
        "the others wait their turn, which goes round the people waiting, so one "
        "person's runs cannot hold every worker (at least 1).",
    ),
    Setting(
        "RUN_CPU_SECONDS",
        10,
        _int,
        "Processor time one code run may use before it is stopped (verdict: timeout).",
    ),
    Setting(
        "RUN_WALL_SECONDS",
        20,
        _int,
        "Wall-clock time one code run may take before it is stopped (verdict: timeout). "
        "A run still going RUN_STUCK_MARGIN_SECONDS after this belongs to a stopped "
        "worker and is requeued.",
    ),
    Setting(
        "RUN_STUCK_MARGIN_SECONDS",
        60,
        _int,
        "How long past RUN_WALL_SECONDS a run may still be marked running before the "
        "workers' sweep decides its worker stopped and requeues it (at least 0).",
    ),
    Setting(
        "WORKER_SWEEP_SECONDS",
        60,
        _int,
        "How often each `flask worker` does its periodic work: requeue the runs of a "
        "stopped worker, close overdue interviews (at least 1).",
    ),
    Setting(
        "UNSAFE_LOCAL_RUNNER",
        False,
        _bool,
        "DANGEROUS, development only: run candidates' code WITHOUT the bubblewrap "
        "sandbox when bwrap is missing. Off by default; refused in production.",
    ),
    Setting(
        "CONTENT_DIR",
        "",
        _str,
        "The folder holding prompts/ and rubrics/ that the authoring pages read, save to "
        "and import into; empty means the project's own folder.",
    ),
    Setting(
        "CONTENT_READ_ONLY",
        False,
        _bool,
        "Never write content from the browser (content kept in git): authors download "
        "their changes as files or a zip to commit instead. A folder the server cannot "
        "write is treated as read-only either way.",
    ),
    Setting(
        "MAX_CONTENT_LENGTH",
        1_048_576,
        _int,
        "Largest request body in bytes; larger requests get 413.",
    ),
    Setting(
        "IMPORT_MAX_BYTES",
        20_971_520,
        _int,
        "Largest content zip an author may upload on the import page (bytes); only "
        "that page accepts more than MAX_CONTENT_LENGTH.",
    ),
    Setting(
        "LOGIN_RATE_LIMIT",
        "10 per minute",
        _str,
        "Login attempts allowed per client address (and per email) in a window, from "
        "browsers not trusted for the account.",
    ),
    Setting(
        "LOGIN_DEVICE_RATE_LIMIT",
        "20 per 10 minutes",
        _str,
        "Login attempts allowed from one browser that signed in to that account before "
        "(it holds a device cookie), counted apart from the per-address and per-account "
        "limits, so guessing elsewhere never locks the owner out.",
    ),
    Setting(
        "SIGNUP_RATE_LIMIT",
        "20 per hour",
        _str,
        "Sign-ups allowed per client address in a window.",
    ),
    Setting(
        "PREVIEW_RATE_LIMIT",
        "120 per minute",
        _str,
        "Markdown previews allowed per client address in a window. A preview counts one, "
        "plus one per 10 KB of markdown, so only a few answer-sized ones render a minute.",
    ),
    Setting(
        "AUTHORING_RATE_LIMIT",
        "60 per minute",
        _str,
        "Content checks, saves and downloads one author may make in a window (each loads "
        "the whole library; the editor checks about once a second while the author types).",
    ),
    Setting(
        "RUN_RATE_LIMIT",
        "20 per minute",
        _str,
        "Test runs a candidate may request per client address in a window (each one "
        "occupies a worker).",
    ),
    Setting(
        "CHECK_RATE_LIMIT",
        "6 per minute",
        _str,
        "Verify checks an author may ask for per account in a window (each runs a "
        "prompt's solution, starter and mutants on a worker; one at a time per person).",
    ),
    Setting(
        "INTERVIEW_GRACE_SECONDS",
        60,
        _int,
        "After an interview's deadline, how long the server still accepts saves typed "
        "before it (slow networks) before it submits the answers as they are.",
    ),
    Setting(
        "SESSION_DAYS",
        14,
        _int,
        "How long a sign-in lasts on the server before the person must sign in again.",
    ),
    Setting(
        "SESSION_COOKIE_SECURE",
        None,
        _bool,
        "Send cookies over HTTPS only. Default: on in production, off elsewhere.",
    ),
    Setting(
        "TRUSTED_PROXIES",
        0,
        _int,
        "Number of reverse proxies in front of the app whose X-Forwarded-* headers "
        "are trusted (1 behind nginx). 0 trusts none.",
    ),
    Setting(
        "SMTP_URL",
        None,
        _str,
        "Where the worker sends email: smtp://user:pass@host:587?starttls=1 or "
        "smtps://user:pass@host:465 (percent-encode special characters; ?timeout=30). "
        "Unset: emails are written to the log and kept in the admin outbox (development).",
    ),
    Setting(
        "MAIL_FROM",
        "Archboard <archboard@localhost>",
        _str,
        "The From address of every email.",
    ),
    Setting(
        "BASE_URL",
        None,
        _str,
        "The address people open, e.g. https://archboard.example.com, for links in "
        "emails. Required in production. Elsewhere, unset: the host of the request that "
        "queued the email; a worker that sends scorecard reminders refuses to start "
        "without it.",
    ),
    Setting(
        "MAIL_MAX_ATTEMPTS",
        6,
        _int,
        "How many times the worker tries to deliver one email (waiting 1, 2, 4 ... "
        "minutes, at most an hour, between tries) before it stays failed.",
    ),
    Setting(
        "PASSWORD_RESET_HOURS",
        1,
        _int,
        "How long a password-reset link works (it works once).",
    ),
    Setting(
        "SCORECARD_DUE_HOURS",
        24,
        _int,
        "Hours after a candidate submits before each reviewer without a submitted "
        "scorecard is reminded by email (once per interview); 0 sends no reminders.",
    ),
    Setting(
        "FORGOT_PASSWORD_RATE_LIMIT",
        "5 per 15 minutes",
        _str,
        "Password-reset requests allowed per client address, and per email address, "
        "in a window.",
    ),
    Setting(
        "OIDC_ISSUER",
        "",
        _str,
        "Single sign-on: the OpenID Connect provider's issuer URL (its discovery document "
        "is at <issuer>/.well-known/openid-configuration). Set it with OIDC_CLIENT_ID and "
        "OIDC_CLIENT_SECRET, or none of the three (no single sign-on).",
    ),
    Setting(
        "OIDC_CLIENT_ID",
        "",
        _str,
        "Single sign-on: the client id Archboard was registered with at the provider.",
    ),
    Setting(
        "OIDC_CLIENT_SECRET",
        "",
        _str,
        "Single sign-on: the client secret that goes with OIDC_CLIENT_ID.",
    ),
    Setting(
        "OIDC_BUTTON_LABEL",
        "Sign in with single sign-on",
        _str,
        "The text of the single sign-on button on the login page, e.g. Sign in with Acme SSO.",
    ),
    Setting(
        "OIDC_ALLOWED_DOMAINS",
        (),
        _domains,
        "Single sign-on: comma-separated email domains allowed to sign in (e.g. "
        "acme.com,acme.co.uk). Empty allows any, but then a sign-in never joins an "
        "existing password account by its email.",
    ),
    Setting(
        "OIDC_AUTO_CREATE",
        True,
        _bool,
        "Single sign-on: a first sign-in by someone without an account creates a "
        "candidate account; off, only people with an account (or a linked one) get in.",
    ),
    Setting(
        "LOG_FORMAT",
        None,
        _lower,
        "text (one readable line per record, on stderr) or json (one JSON object per "
        "line on stdout, with the request id). Default: json in production, text elsewhere.",
    ),
)


def load_settings(environ: Mapping[str, str], instance_path: str | os.PathLike[str]) -> dict:
    """Read every declared setting from ``environ`` and return a Flask config mapping."""
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.name)
        if raw is None or raw.strip() == "":
            config[setting.name] = setting.default
            continue
        try:
            config[setting.name] = setting.parse(raw)
        except ValueError as error:
            raise ConfigError(f"{setting.name}: {error}") from error

    instance = Path(instance_path)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{instance / 'archboard.sqlite'}"
    config["DATABASE_URL"] = normalise_database_url(config["DATABASE_URL"])
    if config["SESSION_COOKIE_SECURE"] is None:
        config["SESSION_COOKIE_SECURE"] = config["ARCHBOARD_ENV"] == "production"
    if config["SECRET_KEY"] is None and config["ARCHBOARD_ENV"] != "production":
        config["SECRET_KEY"] = _instance_secret(instance)
    if config["LOG_FORMAT"] is None:
        config["LOG_FORMAT"] = default_log_format(config["ARCHBOARD_ENV"])
    config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"] or "memory://"
    if not config["JOBS_SQLITE_PATH"]:
        config["JOBS_SQLITE_PATH"] = str(instance / "jobs.sqlite")
    return config


def default_log_format(env: str) -> str:
    """JSON logs for production (collected by a platform), text for people elsewhere."""
    return "json" if env == "production" else "text"


def normalise_database_url(url: str) -> str:
    """Pick the psycopg 3 driver for PostgreSQL URLs written the usual ways."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_settings(config: Mapping[str, Any]) -> None:
    """Raise ConfigError for a configuration that must not be served."""
    env = config.get("ARCHBOARD_ENV")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"ARCHBOARD_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")
    if config.get("LOG_FORMAT", "text") not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be text or json, got {config.get('LOG_FORMAT')!r}")
    if config.get("RUNS_PER_USER", 1) < 1:
        raise ConfigError("RUNS_PER_USER must be at least 1, or no run would ever start")
    for name in ("RUN_CPU_SECONDS", "RUN_WALL_SECONDS"):
        if config.get(name, 1) < 1:
            raise ConfigError(f"{name} must be at least 1, or every run would time out")
    if config.get("RUN_STUCK_MARGIN_SECONDS", 0) < 0:
        raise ConfigError("RUN_STUCK_MARGIN_SECONDS must be at least 0")
    if config.get("WORKER_SWEEP_SECONDS", 1) < 1:
        raise ConfigError("WORKER_SWEEP_SECONDS must be at least 1")
    for name, parse in (("SMTP_URL", parse_smtp_url), ("BASE_URL", parse_base_url)):
        if config.get(name):
            try:
                parse(config[name])
            except ValueError as error:
                raise ConfigError(f"{name}: {error}") from error
    if config.get("MAIL_MAX_ATTEMPTS", 1) < 1:
        raise ConfigError("MAIL_MAX_ATTEMPTS must be at least 1, or no email would be sent")
    if config.get("PASSWORD_RESET_HOURS", 1) < 1:
        raise ConfigError("PASSWORD_RESET_HOURS must be at least 1")
    if config.get("SCORECARD_DUE_HOURS", 0) < 0:
        raise ConfigError("SCORECARD_DUE_HOURS must be 0 (no reminders) or more")
    _check_oidc(config)
    if env == "production" and config.get("UNSAFE_LOCAL_RUNNER"):
        raise ConfigError("UNSAFE_LOCAL_RUNNER runs candidates' code without a sandbox and is "
                          "refused in production")
    if env == "production":
        key = config.get("SECRET_KEY") or ""
        if len(key) < MIN_PRODUCTION_SECRET_LENGTH:
            raise ConfigError(
                "refusing to start in production without a real SECRET_KEY: set it to "
                f"{MIN_PRODUCTION_SECRET_LENGTH} or more random characters, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        if not config.get("BASE_URL"):
            # Without it a link in an email takes the host of the request that caused it,
            # and whoever sends that request chooses the Host header: a reset link for
            # someone else's account could point at the sender's own site.
            raise ConfigError(
                "refusing to start in production without BASE_URL: links in emails must "
                "not take their host from a request; set it to the address people open, "
                "e.g. https://archboard.example.com")


OIDC_TRIPLE = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")


def oidc_enabled(config: Mapping[str, Any]) -> bool:
    """True when single sign-on is configured (check_settings saw all three or none)."""
    return bool(config.get("OIDC_ISSUER"))


def _check_oidc(config: Mapping[str, Any]) -> None:
    given = [name for name in OIDC_TRIPLE if config.get(name)]
    if given and len(given) < len(OIDC_TRIPLE):
        missing = [name for name in OIDC_TRIPLE if name not in given]
        raise ConfigError(
            f"single sign-on needs {', '.join(OIDC_TRIPLE)} together: {', '.join(given)} "
            f"set but {', '.join(missing)} missing (set all three, or none to turn it off)"
        )
    issuer = config.get("OIDC_ISSUER") or ""
    if issuer and not issuer.startswith(("https://", "http://")):
        raise ConfigError(f"OIDC_ISSUER must be an http(s) URL, got {issuer!r}")
    if issuer.startswith("http://") and config.get("ARCHBOARD_ENV") == "production":
        raise ConfigError("OIDC_ISSUER must use https in production: the provider's keys "
                          "and tokens must not travel in the clear")


def _instance_secret(instance: Path) -> str:
    """A random key kept in the instance folder, so laptop sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Created with owner-only permissions: the key signs every session cookie.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
