"""The cluster test: the app as production runs it, several processes behind nginx."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

# The browser as the e2e tests launch it (Debian's Chromium, their arguments), and their
# care of pytest-playwright's scratch folder under pytest-xdist.
from tests.e2e.conftest import (  # noqa: F401 (fixtures and a hook, found by name)
    _pw_artifacts_folder,
    browser_type_launch_args,
    pytest_sessionfinish,
)

CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    # Kept so the cluster fixture knows, in its teardown, whether to print the logs.
    report = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    return report
