"""Pytest plugin (tests/conftest.py: `pytest_plugins = ["web_live"]`): a real web server and a real browser.

- `web_server` (session): the demo store copied to a temporary folder, the demo users created in the copy
  (`eduplan users demo`), `eduplan serve` started on 127.0.0.1 on a free port (tools/live_server.py) and stopped
  after the session. It has `.url`, `.db`, `.users` (the list users.json holds), `.user(role)`,
  `.credentials(role)` and `.login(httpx_client, username, password)`.
- `client_for` (function): `client_for(role)` → an httpx.Client signed in as that role's first demo user
  (role None: anonymous), closed after the test.
- `browser` (session): Playwright's chromium driving Debian's /usr/bin/chromium headless; skipped with the reason
  when it is missing, a failure instead when WEB_TEST_REQUIRED=1 (.ci/run sets it).

Tests using them are whole-district tests (`demo`, through demo_store) and should be marked `slow`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import live_server  # noqa: E402  (tools/live_server.py)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _required() -> bool:
    return os.environ.get("WEB_TEST_REQUIRED") == "1"


def serving(demo_store: Path, tmp_path_factory, name: str):
    """`eduplan serve` over a fresh copy of the demo store with the demo users, stopped afterwards (a generator for
    fixtures: `yield from serving(...)`). Fails — never skips — when the offline assets are missing."""
    from eduplan.web.assets import missing_message

    problem = missing_message()
    if problem:
        pytest.fail(problem)  # the server refuses to start without them: say what is missing and how to get it
    folder = tmp_path_factory.mktemp(name)
    try:
        db, users = live_server.prepare(demo_store, folder)
        server = live_server.start(db, users=users, log=folder / "server.log")
    except live_server.LiveServerError as e:
        pytest.fail(str(e))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def web_server(demo_store: Path, tmp_path_factory):
    """A live `eduplan serve` over a copy of the demo store with the demo users (see the module docstring)."""
    yield from serving(demo_store, tmp_path_factory, "web")


@pytest.fixture
def client_for(web_server):
    """client_for(role) → an httpx.Client signed in as `role`'s first demo user (None: anonymous)."""
    import httpx

    clients = []

    def make(role: str | None, school_code: str | None = None) -> httpx.Client:
        client = httpx.Client(base_url=web_server.url, timeout=60, follow_redirects=False)
        clients.append(client)
        if role is not None:
            web_server.login(client, *web_server.credentials(role, school_code))
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def browser():
    """Playwright's chromium on Debian's /usr/bin/chromium (headless, no network of its own)."""
    if not CHROMIUM.exists():
        why = f"{CHROMIUM} is missing (install Debian's chromium package: apt-get install chromium)"
        if _required():
            pytest.fail(why + "; WEB_TEST_REQUIRED=1")
        pytest.skip(why)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:  # the [test] extra installs it
        if _required():
            pytest.fail(f"playwright is not installed ({e}); WEB_TEST_REQUIRED=1")
        pytest.skip(f"playwright is not installed ({e}): pip install -e '.[test]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()
