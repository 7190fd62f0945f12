"""Finding the outside tools tests drive, and what to do when one is missing."""

from __future__ import annotations

import os
import socket

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing_tool(reason: str) -> None:
    """Skip the test for want of a tool; in CI (CI=true) that is a failure instead."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: a skipped test group counts as a failure)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
