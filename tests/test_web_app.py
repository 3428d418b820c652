"""The web skeleton: signing in and out, the account page and API tokens, errors without tracebacks, the offline
API documentation, the result cache per data version, and the CLI's message while the server holds the store."""

from __future__ import annotations

import json
import re

import pytest
from web_fixtures import login, make_web

from eduplan.web.rules import RULES, all_routes, rule_of


def test_login_page_is_chinese_and_carries_a_csrf_field(web):
    c = web.client(None)
    r = c.get("/login")
    assert r.status_code == 200
    assert "<h1>登录</h1>" in r.text and 'name="csrf"' in r.text
    assert r.headers["cache-control"] == "no-store"


def test_login_lands_by_role_and_logout_ends_the_session(web):
    c = web.client("staff")
    assert c.get("/account").status_code == 200
    old = c.cookies.get("eduplan_session")
    r = c.post("/logout", data={"csrf": c.csrf})
    assert r.status_code == 303 and r.headers["location"] == "/"
    # the old cookie no longer signs in
    c.cookies.set("eduplan_session", old)
    r = c.get("/account")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Faccount"


def test_school_user_lands_on_its_own_school(web):
    c = web.client(None)
    code = web.schools()[0]["school_code"]
    name, password = web.user("school", code)
    r = login(c, name, password)
    assert r.headers["location"] == f"/schools/{code}"


def test_wrong_password_names_no_cause_and_is_audited(web):
    from eduplan import access

    c = web.client(None)
    page = c.get("/login")
    token = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)
    name, _ = web.user("inspector")
    r = c.post("/login", data={"username": name, "password": "wrong-password-1", "csrf": token})
    assert r.status_code == 401 and "用户名或密码不正确" in r.text
    with web.state.reading() as store:
        rows = access.audit.rows(store, action="login_failed", actor=name)
    assert rows and rows[0]["outcome"] == "失败" and rows[0]["address"] == "testclient"


def test_login_without_csrf_token_is_refused(web):
    c = web.client(None)
    name, password = web.user("staff")
    r = c.post("/login", data={"username": name, "password": password})
    assert r.status_code == 403 and "CSRF" in r.text
    assert "eduplan_session" not in c.cookies


def test_open_redirect_is_refused(web):
    c = web.client(None)
    name, password = web.user("admin")
    page = c.get("/login")
    token = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)
    r = c.post("/login", data={"username": name, "password": password, "csrf": token, "next": "//evil.example/x"})
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_api_token_from_password_then_bearer_then_revoked(web):
    c = web.client(None)
    name, password = web.user("staff")
    r = c.post("/api/v1/auth/token", json={"username": name, "password": password})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    me = c.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["role"] == "staff" and me.json()["role_label"] == "规划统计"
    tokens = c.get("/api/v1/auth/tokens", headers={"Authorization": f"Bearer {token}"}).json()
    tid = [t["id"] for t in tokens if not t["revoked"]][-1]
    # a bearer call needs no CSRF token
    r = c.delete(f"/api/v1/auth/tokens/{tid}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    r = c.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert "请先登录" in r.json()["detail"]


def test_token_made_on_the_account_page_is_shown_once_and_works(web):
    c = web.client("inspector")
    r = c.post("/account/tokens", data={"name": "统计脚本", "csrf": c.csrf})
    assert r.status_code == 200 and "只显示这一次" in r.text
    secret = re.search(r'<code id="new-token">([^<]+)</code>', r.text).group(1)
    api = web.client(None)
    assert api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"}).json()["role"] == "inspector"
    assert secret not in c.get("/account").text  # never shown again


def test_errors_are_chinese_without_traceback(web):
    c = web.client("staff")
    r = c.get("/no/such/page")
    assert r.status_code == 404 and "页面不存在" in r.text and "Traceback" not in r.text
    r = c.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.json() == {"detail": "页面不存在"}
    r = web.client(None).post("/api/v1/auth/token", json={"username": "x"})
    assert r.status_code == 422 and r.json()["detail"][0]["msg"] == "参数 password 缺少此项"


def test_openapi_document_and_offline_docs_page(web):
    c = web.client(None)
    doc = c.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.") and "/api/v1/auth/token" in doc["paths"]
    page = c.get("/api/v1/docs")
    assert page.status_code == 200 and "POST /api/v1/auth/token" in page.text
    assert "cdn" not in page.text.lower() and "http://" not in page.text and "https://" not in page.text


def test_every_route_declares_one_rule(web):
    from eduplan.web.app import PUBLIC_MOUNTS

    missing = [(getattr(r, "path", r), sorted(getattr(r, "methods", None) or []))
               for r in all_routes(web.app) if getattr(r, "path", None) not in PUBLIC_MOUNTS and rule_of(r) is None]
    assert missing == []
    assert set(RULES) == {"PUBLIC", "SIGNED_IN", "BUREAU", "STAFF", "ADMIN", "JUDGES", "PUPIL_DATA"}


def test_cache_is_kept_per_data_version(web):
    calls = []
    state = web.state
    v = state.version()
    a = state.cached(("test-cache",), lambda s: calls.append(1) or {"n": len(calls)})
    b = state.cached(("test-cache",), lambda s: calls.append(1) or {"n": len(calls)})
    assert a is b and calls == [1] and v.startswith("批次 ") and " · 规划 " in v
    # a write that changes no data keeps the version and the cache
    with state.writing():
        pass
    assert state.version() == v and state.cached(("test-cache",), lambda s: calls.append(1)) is a


@pytest.mark.slow
def test_cli_against_a_store_held_by_the_server_says_what_to_do(tmp_path, demo_store):
    import subprocess
    import sys
    import time

    import httpx

    from helpers import eduplan

    w = make_web(tmp_path, demo_store)
    db = w.db
    w.close()
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "eduplan.cli.app", "serve", "--db", str(db), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()[-2000:]
            time.sleep(0.2)
        r = eduplan("db", "status", "--db", str(db), env={"EDUPLAN_LOCK_WAIT": "0.2"})
        assert r.exit_code == 1
        assert "正由网页服务（eduplan serve，进程" in r.stderr and "请先停止网页服务" in r.stderr
        assert "Traceback" not in r.stderr
    finally:
        proc.terminate()
        proc.wait(10)
