"""The audit page /audit and GET /api/v1/audit: who may read them (管理员、规划统计、督学; not a 学校 user, not
the public), what a failed login leaves there (name, address, reason), the filters and pages, the xlsx export,
and that the log can only be read — no route changes it, and a row changed in the store is reported."""

from __future__ import annotations

import html
import re
from io import BytesIO

import pytest

from web_fixtures import make_web

ADDRESS = "10.20.30.40"


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _rows(page: str) -> list[list[str]]:
    body = re.search(r'<table class="data" id="audit-table">.*?<tbody>(.*?)</tbody>', page, flags=re.S).group(1)
    return [[_text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]


@pytest.fixture(scope="module")
def own(demo_store, tmp_path_factory):
    """An application of this module's own (the tests write logins, audit rows and a tampered row)."""
    w = make_web(tmp_path_factory.mktemp("audit"), demo_store)
    yield w
    w.close()


def _failed_login(w, username: str, address: str = ADDRESS):
    from fastapi.testclient import TestClient

    c = TestClient(w.app, follow_redirects=False, client=(address, 50123))
    page = c.get("/login")
    token = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)
    r = c.post("/login", data={"username": username, "password": "not-the-password", "csrf": token, "next": ""})
    assert r.status_code == 401
    assert "用户名或密码不正确" in r.text


def test_anonymous_is_sent_to_login_and_a_school_user_is_refused(web):
    r = web.client(None).get("/audit?actor=x")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Faudit%3Factor%3Dx"
    assert web.client(None).get("/api/v1/audit").status_code == 401
    school = web.client("school")
    r = school.get("/audit")
    assert r.status_code == 403 and "当前用户（学校）无权访问此页面或接口" in _text(r.text)
    assert school.get("/api/v1/audit").status_code == 403
    assert school.get("/audit/export.xlsx").status_code == 403


@pytest.mark.parametrize("role", ["admin", "staff", "inspector"])
def test_bureau_roles_read_the_log(web, role):
    r = web.client(role).get("/audit")
    assert r.status_code == 200
    assert "哈希链校验通过" in _text(r.text)


def test_failed_login_is_listed_with_its_address(own):
    _failed_login(own, "no-such-user")
    admin = own.client("admin")
    page = admin.get("/audit?outcome=失败&actor=no-such-user").text
    rows = _rows(page)
    assert len(rows) == 1
    _id, at, actor, role, address, action, target, detail, outcome = rows[0]
    assert (actor, role, address, action, target, outcome) == ("no-such-user", "—", ADDRESS, "登录失败", "no-such-user", "失败")
    assert detail == "原因：用户名不存在"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", at)
    # the same row through the API
    body = admin.get("/api/v1/audit", params={"actor": "no-such-user", "action": "login_failed"}).json()
    assert body["total"] == 1
    (row,) = body["rows"]
    assert (row["address"], row["action_label"], row["outcome"]) == (ADDRESS, "登录失败", "失败")
    assert body["chain"]["ok"] is True


def test_filters_and_pages(own):
    from eduplan.access import audit

    with own.state.reading() as store:
        for k in range(60):
            audit.record(store, actor="批量测试", action="download", target=f"文件{k}.xlsx", address="10.0.0.9")
    admin = own.client("admin")
    first = admin.get("/audit?actor=批量测试&action=download")
    assert "共 60 行，第 1/2 页。" in _text(first.text)
    rows = _rows(first.text)
    assert len(rows) == 50 and rows[0][6] == "文件59.xlsx" and rows[-1][6] == "文件10.xlsx"
    second = _rows(admin.get("/audit?actor=批量测试&action=download&page=2").text)
    assert [r[6] for r in second] == [f"文件{k}.xlsx" for k in range(9, -1, -1)]
    assert _rows(admin.get("/audit?actor=批量测试&outcome=失败").text) == [["没有符合条件的记录"]]
    assert "共 0 行" in _text(admin.get("/audit?actor=批量测试&since=2000-01-01&until=2000-12-31").text)
    assert "共 60 行" in _text(admin.get("/audit?actor=批量测试&since=0001-01-01&until=9999-12-31").text)
    api = admin.get("/api/v1/audit", params={"actor": "批量测试", "limit": 7, "offset": 55}).json()
    assert api["total"] == 60 and [r["target"] for r in api["rows"]] == [f"文件{k}.xlsx" for k in range(4, -1, -1)]
    r = admin.get("/audit?action=drop_table")
    assert r.status_code == 400 and "操作“drop_table”不存在" in _text(r.text)
    r = admin.get("/audit?since=昨天")
    assert r.status_code == 400 and "时间“昨天”无法识别" in _text(r.text)


def test_api_rejects_bad_parameters_without_a_500(web):
    c = web.client("staff")
    for q in ({"limit": 0}, {"limit": 1001}, {"offset": -1}, {"action": "drop"}, {"outcome": "maybe"},
              {"since": "yesterday"}, {"actor": "x" * 201}):
        r = c.get("/api/v1/audit", params=q)
        assert r.status_code == 422, (q, r.status_code, r.text)
    r = c.get("/api/v1/audit", params={"since": "9999-12-31T23:59:59-12:00"})
    assert r.status_code == 400 and r.json()["detail"] == "参数 since 的时间超出可表示的范围"
    assert c.get("/api/v1/audit", params={"since": "0001-01-01T00:00:00"}).status_code == 200


def test_export_holds_the_rows_and_is_itself_recorded(own):
    import openpyxl

    _failed_login(own, "export-check", "10.9.8.7")
    admin = own.client("admin")
    total = admin.get("/api/v1/audit", params={"limit": 1}).json()["total"]
    r = admin.get("/audit/export.xlsx")
    assert r.status_code == 200
    assert "filename*=UTF-8''%E5%AE%A1%E8%AE%A1%E6%97%A5%E5%BF%97-" in r.headers["content-disposition"]
    ws = openpyxl.load_workbook(BytesIO(r.content), read_only=True)["审计日志"]
    cells = [list(row) for row in ws.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(cells) if row[1:3] == ["时间（UTC）", "操作人"])
    rows = [row for row in cells[header + 1:] if isinstance(row[0], (int, float))]
    assert len(rows) == total
    failed = [row for row in rows if row[2] == "export-check"]
    assert len(failed) == 1 and failed[0][4] == "10.9.8.7" and failed[0][5] == "登录失败" and failed[0][8] == "失败"
    # the download is in the log now, with who asked and how many rows
    latest = admin.get("/api/v1/audit", params={"limit": 1, "action": "download"}).json()["rows"][0]
    assert latest["actor"] == "test-admin" and latest["target"] == "审计日志.xlsx"
    assert f'"行数": {total}' in latest["detail"]


def test_no_route_changes_the_log(own):
    from eduplan.web.rules import all_routes

    audit_routes = [r for r in all_routes(own.app) if getattr(r, "path", "").startswith(("/audit", "/api/v1/audit"))]
    assert sorted((r.path, sorted(r.methods)) for r in audit_routes) == [
        ("/api/v1/audit", ["GET"]), ("/audit", ["GET"]), ("/audit/export.xlsx", ["GET"])]
    admin = own.client("admin")
    for method in ("post", "put", "delete", "patch"):
        r = getattr(admin, method)("/api/v1/audit", headers={"X-CSRF-Token": admin.csrf})
        assert r.status_code == 405, method


def test_a_changed_row_breaks_the_chain_on_the_page(demo_store, tmp_path):
    w = make_web(tmp_path, demo_store)
    try:
        admin = w.client("admin")
        with w.state.reading() as store:
            store.run("UPDATE audit_log SET address = '1.1.1.1' WHERE id = 2")
        text = _text(admin.get("/audit").text)
        assert "哈希链校验失败：第 2 行与前一行的哈希不符" in text
        chain = admin.get("/api/v1/audit").json()["chain"]
        assert (chain["ok"], chain["broken_at"]) == (False, 2)
    finally:
        w.close()
