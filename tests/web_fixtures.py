"""In-process fixtures for the web application (a pytest plugin module, loaded by conftest.py).

`web` (session): the application over a COPY of the demo store, entered once (its lifespan holds the copy
read-write), with users made on demand. `web.client(role)` gives a FastAPI TestClient signed in through the
login form as that role (a fresh cookie jar each call); `web.client("school", school_code=...)` as that school's
user; `web.client(None)` anonymous. `client.csrf` is the session's CSRF token (from the page's meta tag).
Tests that write data, users or throttling state make their own app with `make_web(tmp_path, demo_store)`.
"""

from __future__ import annotations

import re
import secrets
import shutil
from pathlib import Path
from typing import Any

import pytest

_META = re.compile(r'<meta name="csrf-token" content="([^"]*)"')
_FIELD = re.compile(r'name="csrf" value="([^"]*)"')


class Web:
    """One application over one store copy, and the users made for it (username → password)."""

    def __init__(self, db: Path):
        from fastapi.testclient import TestClient

        from eduplan.web.app import create_app

        self.db = db
        self.app = create_app(db, warm=False)
        self._owner = TestClient(self.app)
        self._owner.__enter__()  # runs the lifespan: the store is opened read-write and held
        self.passwords: dict[str, str] = {}
        self.users: dict[str, Any] = {}

    @property
    def state(self):
        return self.app.state.web

    def close(self) -> None:
        self._owner.__exit__(None, None, None)

    def schools(self) -> list[dict[str, Any]]:
        with self.state.reading() as store:
            return store.dicts("SELECT school_code, school_name FROM school ORDER BY school_code")

    def user(self, role: str, school_code: str | None = None) -> tuple[str, str]:
        """(username, password) of a user with `role` (made the first time it is asked for)."""
        from eduplan import access

        if role == "school" and school_code is None:
            school_code = self.schools()[0]["school_code"]
        name = f"school-{school_code}" if role == "school" else f"test-{role}"
        if name not in self.passwords:
            password = "Pw-" + secrets.token_urlsafe(12)
            with self.state.reading() as store:
                self.users[name] = access.add_user(store, name, role, password, school_code=school_code,
                                                   display_name=f"测试{access.ROLES[role]}", actor="测试")
            self.passwords[name] = password
        return name, self.passwords[name]

    def client(self, role: str | None = None, school_code: str | None = None, base_url: str = "http://testserver"):
        from fastapi.testclient import TestClient

        c = TestClient(self.app, base_url=base_url, follow_redirects=False)
        if role is None:
            c.get("/login")
            c.csrf = c.cookies.get("eduplan_csrf")
            return c
        username, password = self.user(role, school_code)
        login(c, username, password)
        return c


def login(c, username: str, password: str):
    """Sign `c` in through the login form; sets `c.csrf` to the session's token. Returns the POST's response."""
    page = c.get("/login")
    m = _FIELD.search(page.text)
    assert m, f"the login page has no CSRF field: {page.status_code} {page.text[:300]}"
    r = c.post("/login", data={"username": username, "password": password, "csrf": m.group(1), "next": ""})
    assert r.status_code == 303, f"login of {username} failed: {r.status_code} {r.text[:500]}"
    c.csrf = page_csrf(c)
    return r


def page_csrf(c) -> str:
    m = _META.search(c.get("/account").text)
    assert m, "no csrf meta tag on /account"
    return m.group(1)


def make_web(folder: Path, demo_store: Path) -> Web:
    """An application over a fresh copy of the demo store in `folder` (call .close() when done)."""
    db = Path(folder) / "web.duckdb"
    shutil.copy(demo_store, db)
    return Web(db)


@pytest.fixture(scope="session")
def web(demo_store: Path, tmp_path_factory) -> Web:
    w = make_web(tmp_path_factory.mktemp("web"), demo_store)
    yield w
    w.close()
