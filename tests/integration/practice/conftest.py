"""Fixtures shared by the practice tests: a signed-in candidate."""

from __future__ import annotations

import pytest

from tests.factories.users import PASSWORD, make_user


@pytest.fixture
def candidate(client, db):
    user = make_user(db)
    client.login(user.email, PASSWORD)
    return user
