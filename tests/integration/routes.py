"""Every route of the app, with sample arguments, for tests that walk them all."""

from __future__ import annotations

from flask import Flask

# Values for URL parameters, by name, so every rule can be built.
SAMPLE_ARGUMENTS = {"user_id": 1, "filename": "css/app.css", "slug": "url-shortener",
                    "attempt_id": 1, "number": 1, "run_id": 1, "interview_id": 1,
                    "scorecard_id": 1, "request_id": 1, "token": "no-such-invite", "kind": "csv",
                    "key": "deploy-history", "sample_id": 1, "score_id": 1, "check_id": 1,
                    "email_id": 1, "identity_id": 1}


def urls(app: Flask, method: str) -> list[tuple[str, str]]:
    """(endpoint, url) for every rule that accepts ``method``."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if method in (rule.methods or set()):
                args = {name: SAMPLE_ARGUMENTS[name] for name in rule.arguments}
                found.append((rule.endpoint, rule.build(args, append_unknown=False)[1]))
    return sorted(found)
