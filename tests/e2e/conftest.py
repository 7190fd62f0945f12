"""Browser tests: Debian's Chromium driven by Playwright against a live server."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.support.tools import missing_tool

CHROMIUM = os.environ.get("ARCHBOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # needed as root; the test machine is the sandbox
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PROJECT = Path(__file__).resolve().parents[2]
AXE = PROJECT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = pytest.StashKey[tempfile.TemporaryDirectory]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def _pw_artifacts_folder(_pw_artifacts_folder: tempfile.TemporaryDirectory,
                         pytestconfig: pytest.Config) -> tempfile.TemporaryDirectory:
    """pytest-playwright's scratch folder, kept where ``pytest_sessionfinish`` finds it."""
    pytestconfig.stash[ARTIFACTS] = _pw_artifacts_folder
    return _pw_artifacts_folder


def pytest_sessionfinish(session: pytest.Session) -> None:
    # pytest-playwright removes its folder when pytest unconfigures, which a pytest-xdist
    # worker does not reach before it exits; Python would then warn as it removed it.
    folder = session.config.stash.get(ARTIFACTS, None)
    if folder is not None:
        folder.cleanup()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not Path(CHROMIUM).exists():
        missing_tool(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def read_whole(app: Flask):
    """``app`` as a WSGI callable whose responses are read whole and closed before sending.

    The development server leaves a streamed response (a static file) open when the
    browser drops the connection half-way, as it does when a page navigates on; the
    garbage collector then closes the file with a ResourceWarning, which fails
    whichever test happens to be running.
    """
    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@pytest.fixture(scope="session")
def live_server(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test app served over HTTP on a free port, in a background thread.

    The authoring pages save content: the server reads a copy of the project's, never
    the repository's own files (a test may point ``CONTENT_DIR`` at its own tree).
    """
    content = tmp_path_factory.mktemp("content")
    for folder in ("prompts", "rubrics"):
        shutil.copytree(PROJECT / folder, content / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    previous = app.config.get("CONTENT_DIR")
    app.config["CONTENT_DIR"] = str(content)
    server = make_server("127.0.0.1", 0, read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    app.config["CONTENT_DIR"] = previous


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """Used by pytest-playwright; replaces the pytest-base-url plugin (disabled in pyproject)."""
    return live_server


@pytest.fixture
def server_url(live_server: str, db) -> str:
    """The live server's URL, with a clean database for this test."""
    return live_server


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        missing_tool(f"axe-core not built at {AXE} (run make test, which runs npm ci)")
    return AXE.read_text()
