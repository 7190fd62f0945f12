"""Email settings, the text of each email, redaction and the retry schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import create_app
from app.config import ConfigError, check_settings
from app.mail import messages
from app.mail.outbox import retry_wait
from app.mail.settings import SmtpServer, parse_base_url, parse_smtp_url

GOOD_KEY = "k" * 40


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", SmtpServer("mail.example.com", 25)),
        ("smtp://u:p@mail.example.com:587?starttls=1",
         SmtpServer("mail.example.com", 587, starttls=True, username="u", password="p")),
        ("smtps://mailer%40example.com:s%2Fcr%3At@smtp.example.com",
         SmtpServer("smtp.example.com", 465, tls=True, username="mailer@example.com",
                    password="s/cr:t")),
        ("smtp://127.0.0.1:2525?timeout=5&starttls=0", SmtpServer("127.0.0.1", 2525, timeout=5)),
        ("  smtp://[::1]:25/  ", SmtpServer("::1", 25)),
        # A relay on this machine: the password never leaves it.
        ("smtp://relay:pw@localhost:25", SmtpServer("localhost", 25, username="relay",
                                                     password="pw")),
    ],
)
def test_smtp_urls_are_read_with_their_defaults(url, expected):
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mail.example.com:25", "scheme"),
        ("http://mail.example.com", "scheme"),
        ("smtp://", "no host"),
        ("smtp://mail.example.com:99999", "port"),
        ("smtp://mail.example.com:abc", "port"),
        ("smtp://mail.example.com/inbox", "no path"),
        ("smtp://mail.example.com?tls=1", "unknown option"),
        ("smtp://mail.example.com?starttls=maybe", "starttls must be"),
        ("smtps://mail.example.com?starttls=1", "smtps:// is TLS"),
        ("smtp://mail.example.com?timeout=soon", "timeout"),
        ("smtp://mail.example.com?timeout=0", "timeout"),
        ("smtp://:secret@mail.example.com", "user name"),
        ("smtp://me:secret@mail.example.com:587", "in clear"),
    ],
)
def test_malformed_smtp_urls_are_refused_with_the_reason(url, says):
    with pytest.raises(ValueError, match=says):
        parse_smtp_url(url)


def test_the_password_never_appears_in_the_servers_repr():
    assert "hunter2" not in repr(parse_smtp_url("smtp://me:hunter2@mail.example.com?starttls=1"))


def test_base_url_is_checked_and_loses_its_trailing_slash():
    assert parse_base_url("https://archboard.example.com/") == "https://archboard.example.com"
    assert parse_base_url("http://h:8080/prefix") == "http://h:8080/prefix"
    for bad in ("archboard.example.com", "ftp://h", "https://h/?x=1", "https://u@h"):
        with pytest.raises(ValueError):
            parse_base_url(bad)


def test_a_malformed_smtp_url_stops_the_app_at_startup_naming_the_setting(monkeypatch):
    monkeypatch.setenv("SMTP_URL", "smtp://mail.example.com:twentyfive")
    with pytest.raises(ConfigError, match="SMTP_URL: the port"):
        create_app({"ARCHBOARD_ENV": "testing", "SECRET_KEY": GOOD_KEY,
                    "DATABASE_URL": "sqlite://"})


def test_a_malformed_base_url_and_bad_counts_are_refused():
    base = {"ARCHBOARD_ENV": "testing"}
    with pytest.raises(ConfigError, match="BASE_URL"):
        check_settings({**base, "BASE_URL": "archboard.example.com"})
    with pytest.raises(ConfigError, match="MAIL_MAX_ATTEMPTS"):
        check_settings({**base, "MAIL_MAX_ATTEMPTS": 0})
    with pytest.raises(ConfigError, match="SCORECARD_DUE_HOURS"):
        check_settings({**base, "SCORECARD_DUE_HOURS": -1})


def test_the_reset_email_carries_its_link_and_says_how_long_it_works():
    message = messages.password_reset("Ada", "https://a.example/reset/TOKEN", hours=1)
    assert message.subject == "Reset your Archboard password"
    assert message.body.startswith("Hello Ada,\n")
    assert "\nhttps://a.example/reset/TOKEN\n" in message.body
    assert "works once and for 1 hour." in message.body
    assert "If you did not ask for this, ignore this email" in message.body
    assert "for 3 hours." in messages.password_reset("A", "https://x/", hours=3).body


def test_each_notification_says_what_happened_with_one_link():
    link = "https://a.example/x"
    cases = [
        (messages.invitation("Casey", "Olive", "Backend interview", link),
         "Interview invitation: Backend interview", "Olive has invited you"),
        (messages.panel_added("Rita", "Olive", "Interview #4", link),
         "You are on the panel of Interview #4", "Olive has added you to the panel"),
        (messages.feedback_released("Casey", "Backend interview", link),
         "Your feedback is ready: Backend interview", "has released its feedback"),
        (messages.scorecard_due("Rita", "Interview #4", 24, link),
         "Scorecard due: Interview #4", "more than 24 hours ago"),
    ]
    for message, subject, says in cases:
        assert message.subject == subject
        assert says in message.body
        assert message.body.count("https://") == 1
        assert f"\n{link}\n" in message.body


def test_subjects_are_cut_to_what_the_outbox_stores():
    assert len(messages.invitation("C", "O", "t" * 300, "https://x/").subject) == 200


def test_redaction_removes_every_link_and_keeps_the_words():
    body = "Open https://a.example/reset/abc?x=1 now.\nOr http://b.example/join/xyz\n"
    assert messages.redact_links(body) == (
        "Open [link removed after delivery] now.\nOr [link removed after delivery]\n")


def test_retries_wait_longer_each_time_up_to_an_hour():
    waits = [retry_wait(n) for n in range(1, 10)]
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert waits[-1] == timedelta(hours=1)
    assert waits == sorted(waits)
