"""Fixtures shared by the practice tests: the small library, and a signed-in candidate."""

from __future__ import annotations

import pytest

from tests.factories.practice import load_library
from tests.factories.users import PASSWORD, make_user


@pytest.fixture
def library(db, tmp_path):
    return load_library(db, tmp_path)


@pytest.fixture
def candidate(client, db):
    user = make_user(db)
    client.login(user.email, PASSWORD)
    return user
