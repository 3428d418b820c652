"""Security of the web application as a browser and a script meet it: the security headers on every page, API
answer and error; the session cookie's flags; sessions ended by logout, a password change and inactivity; login
throttling (429 with a growing Retry-After); API tokens as Bearer and revoked; the login redirect kept on this
site; error pages without a traceback.

Tests that change users, sessions or the throttle run on an application over their own copy of the demo store
(`own`); the header checks read the shared `web` application.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from test_web_rules import catalogue, endpoints, fill
from web_fixtures import login, make_web

SESSION = "eduplan_session"
WRONG = "用户名或密码不正确"


@pytest.fixture
def own(demo_store, tmp_path):
    """An application over this test's own copy of the demo store."""
    w = make_web(tmp_path, demo_store)
    yield w
    w.close()


def _csp(response) -> dict[str, list[str]]:
    policy = response.headers.get("content-security-policy", "")
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _header_problems(response, page: bool) -> list[str]:
    """What is missing from a response's security headers (empty: nothing)."""
    problems = []
    csp = _csp(response)
    scripts = csp.get("script-src", csp.get("default-src"))
    if scripts is None:
        problems.append("no script-src / default-src in the Content-Security-Policy")
    elif "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts or "*" in scripts:
        problems.append(f"script-src allows {scripts}")
    if csp.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors is {csp.get('frame-ancestors')}")
    if csp.get("object-src") != ["'none'"]:
        problems.append(f"object-src is {csp.get('object-src')}")
    if response.headers.get("x-content-type-options") != "nosniff":
        problems.append(f"x-content-type-options: {response.headers.get('x-content-type-options')}")
    if response.headers.get("referrer-policy") not in ("same-origin", "no-referrer", "strict-origin",
                                                       "strict-origin-when-cross-origin"):
        problems.append(f"referrer-policy: {response.headers.get('referrer-policy')}")
    if page and "no-store" not in response.headers.get("cache-control", ""):
        problems.append(f"cache-control: {response.headers.get('cache-control')}")
    return problems


# ------------------------------------------------------------------ headers

def test_security_headers_on_every_page_and_api_answer(web):
    """Every GET route of the application, as the bureau's administrator and anonymously; pages and the API."""
    with web.state.reading() as store:
        cat = catalogue(store)
    admin = web.client("admin")
    anonymous = web.client(None)
    wrong = []
    seen = 0
    for ep in endpoints(web.app):
        if ep.method != "GET":
            continue
        path = fill(ep, cat)
        for who, client in (("管理员", admin), ("公众", anonymous)):
            r = client.get(path)
            seen += 1
            for p in _header_problems(r, page=True):
                wrong.append(f"{who} GET {path} ({r.status_code}): {p}")
    assert wrong == [], "\n".join(wrong)
    assert seen >= 10


def _broken(own) -> TestClient:
    """A client of `own`'s application with two routes added that fail inside (a page and an API route)."""
    from eduplan.web.rules import PUBLIC

    def boom():
        raise RuntimeError("secret internal detail /srv/eduplan/app.py line 42")

    own.app.add_api_route("/boom-page", boom, dependencies=[PUBLIC])
    own.app.add_api_route("/api/v1/boom", boom, dependencies=[PUBLIC])
    return TestClient(own.app, raise_server_exceptions=False, follow_redirects=False)


def test_security_headers_on_errors(web):
    school = web.client("school")
    anonymous = web.client(None)
    calls = [
        ("页面不存在", anonymous.get("/no/such/page"), 404),
        ("接口不存在", anonymous.get("/api/v1/no/such/thing"), 404),
        ("未登录接口", anonymous.get("/api/v1/auth/me"), 401),
        ("方法不对", anonymous.put("/login"), 405),
        ("缺 CSRF", anonymous.post("/login", data={"username": "x", "password": "y"}), 403),
        ("参数不对（页面）", school.get("/login?next=" + "x" * 3000), None),
        ("参数不对（接口）", school.delete("/api/v1/auth/tokens/abc", headers={"X-CSRF-Token": school.csrf}), 422),
    ]
    wrong = []
    for what, r, status in calls:
        if status is not None and r.status_code != status:
            wrong.append(f"{what}: status {r.status_code}, expected {status}")
        for p in _header_problems(r, page=True):
            wrong.append(f"{what} ({r.status_code}): {p}")
    assert wrong == [], "\n".join(wrong)


def test_security_headers_on_a_500(own):
    broken = _broken(own)
    wrong = []
    for path in ("/boom-page", "/api/v1/boom"):
        r = broken.get(path)
        assert r.status_code == 500
        wrong += [f"GET {path} (500): {p}" for p in _header_problems(r, page=True)]
    assert wrong == [], "\n".join(wrong)


def test_error_pages_show_no_traceback(own):
    client = _broken(own)
    page = client.get("/boom-page")
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    text = html.unescape(page.text)
    assert "服务器内部错误：已记入服务日志，请联系管理员" in text
    api = client.get("/api/v1/boom")
    assert (api.status_code, api.json()) == (500, {"detail": "服务器内部错误：已记入服务日志，请联系管理员"})
    missing = client.get("/schools/../../etc/passwd")
    for r in (page, api, missing, client.get("/api/v1/auth/tokens/x"), client.get("/no-such-page")):
        body = r.text
        for leak in ("Traceback", "RuntimeError", "secret internal detail", 'File "', ".py", "site-packages"):
            assert leak not in body, f"{r.request.url} ({r.status_code}) shows {leak!r}: {body[:500]}"
    assert "页面不存在" in html.unescape(client.get("/no-such-page").text)


# ------------------------------------------------------------------ the session cookie

def _set_cookie(response, name: str) -> str:
    for value in response.headers.get_list("set-cookie"):
        if value.startswith(name + "="):
            return value
    raise AssertionError(f"no {name} cookie set: {response.headers.get_list('set-cookie')}")


def _flags(cookie: str) -> set[str]:
    return {p.strip().split("=")[0].lower() + ("=" + p.split("=", 1)[1].strip().lower() if p.strip().lower()
                                                 .startswith("samesite") else "")
            for p in cookie.split(";")[1:]}


@pytest.mark.parametrize("base_url, secure", [("http://testserver", False), ("https://testserver", True)])
def test_session_cookie_is_httponly_samesite_and_secure_over_tls(web, base_url, secure):
    client = TestClient(web.app, base_url=base_url, follow_redirects=False)
    name, password = web.user("staff")
    r = login(client, name, password)
    flags = _flags(_set_cookie(r, SESSION))
    assert {"httponly", "samesite=lax", "path"} <= flags
    assert ("secure" in flags) is secure
    csrf_flags = _flags(_set_cookie(TestClient(web.app, base_url=base_url).get("/login"), "eduplan_csrf"))
    assert ("secure" in csrf_flags) is secure and "samesite=lax" in csrf_flags
    if secure:
        assert client.get("/account").headers["strict-transport-security"] == "max-age=31536000"


# ------------------------------------------------------------------ sessions end

def test_logout_ends_the_session(own):
    client = own.client("staff")
    old = client.cookies.get(SESSION)
    assert client.get("/account").status_code == 200
    r = client.post("/logout", data={"csrf": client.csrf})
    assert (r.status_code, r.headers["location"]) == (303, "/")
    assert "Max-Age=0" in _set_cookie(r, SESSION)
    replay = TestClient(own.app, follow_redirects=False, cookies={SESSION: old})  # the old cookie, kept by an attacker
    r = replay.get("/account")
    assert (r.status_code, r.headers["location"]) == (303, "/login?next=%2Faccount")
    assert replay.get("/api/v1/auth/me").status_code == 401


def test_password_change_ends_the_other_sessions(own):
    name, password = own.user("inspector")
    first, second = own.client("inspector"), own.client("inspector")
    cookies = {SESSION: second.cookies.get(SESSION)}
    assert second.get("/api/v1/auth/me").json()["username"] == name
    new = password + "-新的"
    r = first.post("/account/password", data={"old_password": password, "new_password": new,
                                              "new_password2": new, "csrf": first.csrf})
    assert (r.status_code, r.headers["location"]) == (303, "/login")
    for client in (second, TestClient(own.app, follow_redirects=False, cookies=cookies), first):
        assert client.get("/api/v1/auth/me").status_code == 401
        assert client.get("/account").status_code == 303
    # the new password works, the old one does not
    fresh = TestClient(own.app, follow_redirects=False)
    login(fresh, name, new)
    assert fresh.get("/api/v1/auth/me").json()["username"] == name


def test_an_idle_session_expires(own, monkeypatch):
    from eduplan import access
    from eduplan.access import clock

    idle = access.access_settings().session_idle_minutes
    client = own.client("staff")
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=idle - 1))
    assert client.get("/api/v1/auth/me").status_code == 200  # still alive, and seen now
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=2 * idle - 2))
    assert client.get("/api/v1/auth/me").status_code == 200  # idle for less than the limit since the last request
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=3 * idle))
    assert client.get("/api/v1/auth/me").status_code == 401
    r = client.get("/account")
    assert (r.status_code, r.headers["location"]) == (303, "/login?next=%2Faccount")
    monkeypatch.setattr(clock, "now", lambda: start)  # ended for good: the clock going back does not revive it
    assert client.get("/api/v1/auth/me").status_code == 401


# ------------------------------------------------------------------ login throttling

def _attempt(client, name: str, password: str):
    token = client.get("/login").cookies.get("eduplan_csrf") or client.cookies.get("eduplan_csrf")
    return client.post("/login", data={"username": name, "password": password, "csrf": token})


def test_login_throttle_refuses_the_sixth_attempt_and_the_delay_grows(own, monkeypatch):
    from eduplan.access import clock

    name, password = own.user("staff")
    client = TestClient(own.app, follow_redirects=False)
    t = [clock.now()]
    monkeypatch.setattr(clock, "now", lambda: t[0])
    for i in range(5):
        r = _attempt(client, name, "wrong-password")
        assert r.status_code == 401 and WRONG in html.unescape(r.text), i
    r = _attempt(client, name, password)  # the 6th, even with the right password
    assert r.status_code == 429
    assert r.headers["retry-after"] == "1"
    assert "登录失败次数过多，请 1 秒后再试" in html.unescape(r.text)
    assert SESSION not in r.headers.get("set-cookie", "")
    waits = []
    for _ in range(3):  # after each wait one more wrong password: the wait doubles
        t[0] += timedelta(seconds=int(r.headers["retry-after"]))
        assert _attempt(client, name, "wrong-password").status_code == 401
        r = _attempt(client, name, password)
        assert r.status_code == 429
        waits.append(int(r.headers["retry-after"]))
    assert waits == [2, 4, 8]
    t[0] += timedelta(seconds=8)
    assert _attempt(client, name, password).status_code == 303  # the wait is over: the right password signs in


def test_login_throttle_by_address_across_user_names(own, monkeypatch):
    from eduplan.access import clock

    name, password = own.user("admin")
    client = TestClient(own.app, follow_redirects=False)
    t = clock.now()
    monkeypatch.setattr(clock, "now", lambda: t)
    for i in range(5):
        assert _attempt(client, f"nobody{i}", "wrong-password").status_code == 401
    r = _attempt(client, name, password)  # another account, the same address
    assert r.status_code == 429 and r.headers["retry-after"] == "1"


def test_token_login_of_a_script_is_throttled_too(own, monkeypatch):
    from eduplan.access import clock

    name, password = own.user("staff")
    script = TestClient(own.app, follow_redirects=False)
    t = clock.now()
    monkeypatch.setattr(clock, "now", lambda: t)
    for _ in range(5):
        r = script.post("/api/v1/auth/token", json={"username": name, "password": "wrong-password"})
        assert (r.status_code, r.json()) == (401, {"detail": WRONG})
    r = script.post("/api/v1/auth/token", json={"username": name, "password": password})
    assert (r.status_code, r.json()) == (429, {"detail": "登录失败次数过多，请 1 秒后再试"})
    assert r.headers["retry-after"] == "1"
    monkeypatch.setattr(clock, "now", lambda: t + timedelta(seconds=1))
    r = script.post("/api/v1/auth/token", json={"username": name, "password": password})
    assert r.status_code == 200 and r.json()["token_type"] == "bearer"


# ------------------------------------------------------------------ API tokens

def test_a_script_signs_in_with_a_token_and_loses_it_when_revoked(own):
    name, password = own.user("school")
    script = TestClient(own.app, follow_redirects=False)
    r = script.post("/api/v1/auth/token", json={"username": name, "password": password})
    assert r.status_code == 200
    bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
    me = script.get("/api/v1/auth/me", headers=bearer).json()
    assert (me["username"], me["role"]) == (name, "school")
    token_id = script.get("/api/v1/auth/tokens", headers=bearer).json()[0]["id"]
    assert script.delete(f"/api/v1/auth/tokens/{token_id}", headers=bearer).status_code == 200
    assert script.get("/api/v1/auth/me", headers=bearer).status_code == 401


def test_api_token_works_as_bearer_and_a_revoked_one_does_not(own):
    browser = own.client("staff")
    name = own.user("staff")[0]
    r = browser.post("/api/v1/auth/tokens", json={"name": "脚本"}, headers={"X-CSRF-Token": browser.csrf})
    assert r.status_code == 200
    secret = r.json()["access_token"]
    script = TestClient(own.app, follow_redirects=False, headers={"Authorization": f"Bearer {secret}"})
    assert script.get("/api/v1/auth/me").json()["username"] == name
    # a bearer call needs no CSRF token (it carries no cookie)
    r = script.post("/api/v1/auth/tokens", json={"name": "第二个"})
    assert r.status_code == 200
    listed = {t["name"]: t for t in browser.get("/api/v1/auth/tokens").json()}
    token_id = listed["脚本"]["id"]
    assert listed["脚本"]["revoked"] is False
    r = browser.delete(f"/api/v1/auth/tokens/{token_id}", headers={"X-CSRF-Token": browser.csrf})
    assert r.json() == {"detail": f"已吊销令牌 {token_id}"}
    r = script.get("/api/v1/auth/me")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert script.get("/account").status_code == 303  # nor does it open a page
    assert TestClient(own.app, headers={"Authorization": "Bearer " + "x" * 43}).get("/api/v1/auth/me").status_code == 401


def test_a_token_of_another_user_cannot_be_revoked(own):
    staff, school = own.client("staff"), own.client("school")
    r = staff.post("/api/v1/auth/tokens", json={"name": "局里的"}, headers={"X-CSRF-Token": staff.csrf})
    secret = r.json()["access_token"]
    token_id = staff.get("/api/v1/auth/tokens").json()[0]["id"]
    r = school.delete(f"/api/v1/auth/tokens/{token_id}", headers={"X-CSRF-Token": school.csrf})
    assert r.status_code == 404
    assert TestClient(own.app, headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/auth/me").status_code == 200


# ------------------------------------------------------------------ the login redirect stays on this site

@pytest.mark.parametrize("target", ["//evil.example", "//evil.example/overview", "https://evil.example/",
                                    "/\\evil.example", "\\\\evil.example", "http:/evil.example", "evil.example",
                                    "/%0d%0aSet-Cookie:x=1", "javascript:alert(1)"])
def test_login_redirect_to_another_site_goes_home(own, target):
    name, password = own.user("staff")
    client = TestClient(own.app, follow_redirects=False)
    page = client.get("/login?next=" + quote(target, safe=""))
    token = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)
    r = client.post("/login", data={"username": name, "password": password, "csrf": token, "next": target})
    assert r.status_code == 303
    location = r.headers["location"]
    assert location == "/" or (location.startswith("/") and not location.startswith(("//", "/\\"))
                               and "\n" not in location and "\r" not in location), location
    if target.startswith(("//", "https:", "http:", "\\", "javascript:", "evil")):
        assert location == "/"
    # signed in, /login?next=… redirects the same way
    r = client.get("/login?next=" + quote(target, safe=""))
    assert r.status_code == 303 and r.headers["location"] == location


def test_login_redirect_within_the_site_is_kept(own):
    name, password = own.user("staff")
    client = TestClient(own.app, follow_redirects=False)
    r = client.get("/account")
    assert r.headers["location"] == "/login?next=%2Faccount"
    page = client.get(r.headers["location"])
    token = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)
    r = client.post("/login", data={"username": name, "password": password, "csrf": token, "next": "/account"})
    assert (r.status_code, r.headers["location"]) == (303, "/account")
