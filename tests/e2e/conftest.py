"""End-to-end fixtures: the real app on a local port, driven by Debian's headless Chromium."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from smp_hygiene.app import create_app
from smp_hygiene.extensions import db

# The README's pictures are rewritten only on request (`UPDATE_SCREENSHOTS=1 make test`), so a
# test run leaves the work tree clean; otherwise they go to a scratch folder and are still taken,
# so a page that fails to render still fails the test.
README_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCRATCH_SCREENSHOTS = Path(tempfile.gettempdir()) / "smp_hygiene-screenshots"
SCREENSHOTS = README_SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else SCRATCH_SCREENSHOTS
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:  # `make test` installs it; a silent skip would hide a broken CI
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it.")
    return path


@pytest.fixture
def live_app(tmp_path):
    """A fresh file database per test, shared by the server thread and the test's seeding."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "e2e",
            "APP_ENV": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e2e.sqlite3'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            # A loaded CI machine can take seconds between two scans meant as one double read.
            "DOUBLE_SCAN_SECONDS": 30,
        }
    )
    app.instance_path = str(tmp_path)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_server(live_app):
    """Serve `live_app` on a free port for the length of one test; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A phone-sized page (390 px wide, as at the chair) pointed at the live server."""
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(20_000)  # a loaded CI machine, not a slow app
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Keep a picture of a main page for the README."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, email: str, password: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # The next page loads in full before the test moves on: a request cut off by the test's own
    # next goto leaves the development server with an unclosed file (a ResourceWarning).
    page.wait_for_load_state()
