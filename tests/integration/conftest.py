"""Fixtures shared by the integration tests."""

from __future__ import annotations

import pytest

from tests.factories.practice import load_library


@pytest.fixture
def library(db, tmp_path):
    """The small test library (prompts and rubrics), synced into the test database."""
    return load_library(db, tmp_path)
