"""The JSON log formatter, the request-id rule and the gunicorn settings file."""

from __future__ import annotations

import json
import logging
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import ConfigError, check_settings, load_settings
from app.logs import JsonFormatter, accepted_request_id, make_formatter

ROOT = Path(__file__).resolve().parents[2]


def _record(message: str, *args: object, exc_info=None, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("archboard.test", logging.WARNING, __file__, 1, message, args,
                               exc_info)
    record.created = 1_780_000_000.25  # 2026-05-28T20:26:40.250Z
    for name, value in extra.items():
        setattr(record, name, value)
    return record


def test_a_record_becomes_one_json_object_with_utc_time_level_logger_and_message():
    line = JsonFormatter().format(_record("saved %s of %d", "draft", 3))
    assert "\n" not in line
    assert json.loads(line) == {"time": "2026-05-28T20:26:40.250+00:00", "level": "WARNING",
                                "logger": "archboard.test", "message": "saved draft of 3"}


def test_access_fields_and_the_request_id_are_carried_when_given():
    entry = json.loads(JsonFormatter().format(_record(
        "GET /x 200", request_id="abc", method="GET", path="/x", status=200, duration_ms=1.5)))
    assert (entry["request_id"], entry["method"], entry["path"], entry["status"],
            entry["duration_ms"]) == ("abc", "GET", "/x", 200, 1.5)


def test_a_message_with_newlines_stays_on_one_line():
    line = JsonFormatter().format(_record('forged\n{"level": "INFO"}'))
    assert line.count("\n") == 0
    assert json.loads(line)["message"] == 'forged\n{"level": "INFO"}'


def test_an_exception_is_logged_as_its_traceback_text():
    try:
        raise ValueError("the detail")
    except ValueError:
        entry = json.loads(JsonFormatter().format(_record("failed", exc_info=sys.exc_info())))
    assert entry["exception"].startswith("Traceback")
    assert "ValueError: the detail" in entry["exception"]


def test_text_format_is_a_plain_formatter():
    formatter = make_formatter("text")
    assert not isinstance(formatter, JsonFormatter)
    assert "archboard.test: hello" in formatter.format(_record("hello"))


@pytest.mark.parametrize("value", ["abc-123", "a.b_c", "x" * 64, "ReqID.2026-12-03_ok"])
def test_a_short_safe_request_id_is_kept(value):
    assert accepted_request_id(value) == value


@pytest.mark.parametrize("value", [None, "", "has space", "x" * 65, "x" * 500, "line\nbreak",
                                   "quote\"", "semi;colon", "é"])
def test_a_hostile_or_missing_request_id_is_replaced_by_a_random_one(value):
    chosen = accepted_request_id(value)
    assert chosen != value
    assert accepted_request_id(chosen) == chosen  # the new one is itself safe
    assert chosen != accepted_request_id(value)  # random, not a constant


def _gunicorn_settings(monkeypatch, **env: str) -> dict:
    for name in ("HOST", "PORT", "WEB_CONCURRENCY", "LOG_FORMAT", "ARCHBOARD_ENV"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_defaults_bind_locally_with_workers_from_the_cores(monkeypatch):
    import os

    settings = _gunicorn_settings(monkeypatch)
    assert settings["bind"] == "127.0.0.1:8000"
    assert settings["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert settings["timeout"] == 30
    assert settings["graceful_timeout"] == 30
    assert settings["keepalive"] == 5
    assert settings["forwarded_allow_ips"] == ""
    assert settings["accesslog"] is None  # the app logs each request itself
    assert "logconfig_dict" not in settings  # text logs outside production


def test_gunicorn_reads_host_port_concurrency_and_json_logs_from_the_environment(monkeypatch):
    settings = _gunicorn_settings(monkeypatch, HOST="0.0.0.0", PORT="9123",  # noqa: S104
                                  WEB_CONCURRENCY="3", ARCHBOARD_ENV="production")
    assert settings["bind"] == "0.0.0.0:9123"
    assert settings["workers"] == 3
    formatter = settings["logconfig_dict"]["formatters"]["generic"]
    assert formatter == {"()": "app.logs.JsonFormatter"}
    assert "logconfig_dict" not in _gunicorn_settings(monkeypatch, ARCHBOARD_ENV="production",
                                                      LOG_FORMAT="text")


def test_log_format_is_json_in_production_and_text_elsewhere_unless_set(tmp_path):
    production = {"ARCHBOARD_ENV": "production", "SECRET_KEY": "k" * 40}
    assert load_settings(production, tmp_path)["LOG_FORMAT"] == "json"
    assert load_settings({"ARCHBOARD_ENV": "development"}, tmp_path)["LOG_FORMAT"] == "text"
    assert load_settings({**production, "LOG_FORMAT": " Text "}, tmp_path)["LOG_FORMAT"] == "text"


def test_an_unknown_log_format_is_refused(tmp_path):
    settings = load_settings({"LOG_FORMAT": "xml"}, tmp_path)
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        check_settings(settings)


def test_a_flask_command_prints_its_own_output_and_no_library_chatter(tmp_path):
    # A command-line user reads the command's answer, not the libraries loading.
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
           "JOBS_SQLITE_PATH": str(tmp_path / "jobs.sqlite"), "SECRET_KEY": "k" * 40}
    done = subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "users", "--help"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: flask users")
    assert done.stderr == ""
