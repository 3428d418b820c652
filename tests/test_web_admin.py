"""The administrator's pages: /admin/users (add, disable/enable, reset a password, change a role — each through
eduplan.access and in the audit log), /admin/settings (the settings in effect and where each comes from) and
/admin/plan (bind an uploaded or shipped plan, as `eduplan plan use`). Only 管理员 reach them."""

from __future__ import annotations

import html
import re
from importlib import resources

import pytest

from web_fixtures import login, make_web

STRONG = "Tiger-Lily-2026"


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).strip()


def _message(page: str) -> str:
    m = re.search(r'<p class="(?:ok|error)-message"[^>]*>(.*?)</p>', page, flags=re.S)
    assert m, "no message on the page"
    return _text(m.group(1))


@pytest.fixture(scope="module")
def own(demo_store, tmp_path_factory):
    """An application of this module's own (the tests add users and bind plans)."""
    w = make_web(tmp_path_factory.mktemp("admin"), demo_store)
    yield w
    w.close()


def _fresh(w):
    from fastapi.testclient import TestClient

    return TestClient(w.app, follow_redirects=False)


def _try_login(w, username: str, password: str):
    c = _fresh(w)
    token = re.search(r'name="csrf" value="([^"]*)"', c.get("/login").text).group(1)
    return c, c.post("/login", data={"username": username, "password": password, "csrf": token, "next": ""})


@pytest.mark.parametrize("path", ["/admin/users", "/admin/settings", "/admin/plan", "/admin/backup"])
def test_only_the_administrator(web, path):
    r = web.client(None).get(path)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    for role in ("staff", "inspector", "school"):
        r = web.client(role).get(path)
        assert r.status_code == 403, role
    assert web.client("admin").get(path).status_code == 200


def test_a_password_that_breaks_the_policy_is_refused_with_the_rule(own):
    admin = own.client("admin")
    form = {"csrf": admin.csrf, "username": "zhang.wei", "role": "staff", "display_name": "张伟"}
    r = admin.post("/admin/users", data={**form, "password": "short1", "password2": "short1"})
    assert r.status_code == 400
    assert _message(r.text) == "未新增用户：密码至少需要 12 个字符（现为 6 个）"
    r = admin.post("/admin/users", data={**form, "password": "zhang.wei-2026", "password2": "zhang.wei-2026"})
    assert _message(r.text) == "未新增用户：密码不能包含用户名“zhang.wei”"
    r = admin.post("/admin/users", data={**form, "password": "abcdefghijklmn", "password2": "abcdefghijklmn"})
    assert _message(r.text).startswith("未新增用户：密码不能只由一类字符组成")
    r = admin.post("/admin/users", data={**form, "password": STRONG, "password2": STRONG + "x"})
    assert _message(r.text) == "未新增用户：两次输入的密码不一致"
    assert 'value="zhang.wei"' in r.text and STRONG not in r.text  # the form is kept, never the password
    added = admin.get("/api/v1/audit", params={"action": "user_add", "outcome": "成功"}).json()["rows"]
    assert "zhang.wei" not in [r["target"] for r in added]
    refused = admin.get("/api/v1/audit", params={"action": "user_add", "outcome": "失败"}).json()["rows"]
    assert [r["target"] for r in refused] == ["zhang.wei"] * 4
    assert "密码至少需要 12 个字符（现为 6 个）" in refused[-1]["detail"]
    assert all("short1" not in r["detail"] and STRONG not in r["detail"] for r in refused)
    _, r = _try_login(own, "zhang.wei", "short1")
    assert r.status_code == 401


def test_add_a_school_user_who_then_signs_in_to_the_school(own):
    admin = own.client("admin")
    code = own.schools()[5]["school_code"]
    base = {"csrf": admin.csrf, "username": "principal.li", "role": "school", "password": STRONG, "password2": STRONG}
    r = admin.post("/admin/users", data={**base, "school_code": "4201049999"})
    assert r.status_code == 400
    assert _message(r.text) == ("未新增用户：学校代码“4201049999”不在库中的学校名录里；学校用户须对应库中的一所学校"
                                "（见 eduplan schools）")
    r = admin.post("/admin/users", data={**base, "school_code": code})
    assert r.status_code == 200
    assert _message(r.text) == f"已新增用户“principal.li”（学校，学校 {code}）"
    row = re.search(r'<tr data-user="principal.li">(.*?)</tr>', r.text, flags=re.S).group(1)
    assert f"{code} {own.schools()[5]['school_name']}" in _text(row)
    _, r = _try_login(own, "principal.li", STRONG)
    assert r.status_code == 303 and r.headers["location"] == f"/schools/{code}"
    added = admin.get("/api/v1/audit", params={"action": "user_add", "actor": "test-admin", "outcome": "成功"}).json()
    assert added["rows"][0]["target"] == "principal.li" and code in added["rows"][0]["detail"]


def test_disable_enable_and_reset_a_password(own):
    from eduplan import access

    admin = own.client("admin")
    with own.state.reading() as store:
        access.add_user(store, "teacher.wang", "staff", STRONG, actor="测试")
    wang, r = _try_login(own, "teacher.wang", STRONG)
    assert r.status_code == 303 and wang.get("/overview").status_code == 200

    r = admin.post("/admin/users/teacher.wang/disable", data={"csrf": admin.csrf})
    assert _message(r.text) == "已停用用户“teacher.wang”：其登录已全部结束，API 令牌已吊销"
    assert wang.get("/overview").status_code == 303  # the session ended
    _, r = _try_login(own, "teacher.wang", STRONG)
    assert r.status_code == 401 and "该账户已停用，请联系管理员" in r.text
    r = admin.post("/admin/users/teacher.wang/disable", data={"csrf": admin.csrf})
    assert r.status_code == 400 and _message(r.text) == "未能停用用户“teacher.wang”：用户“teacher.wang”已经是停用状态"

    r = admin.post("/admin/users/teacher.wang/enable", data={"csrf": admin.csrf})
    assert _message(r.text) == "已启用用户“teacher.wang”"
    wang, r = _try_login(own, "teacher.wang", STRONG)
    assert r.status_code == 303

    r = admin.post("/admin/users/teacher.wang/password",
                   data={"csrf": admin.csrf, "new_password": "123456789012", "new_password2": "123456789012"})
    assert r.status_code == 400
    assert _message(r.text).startswith("未能重设“teacher.wang”的密码：密码不能只由一类字符组成")
    r = admin.post("/admin/users/teacher.wang/password",
                   data={"csrf": admin.csrf, "new_password": "Another-Pass-77", "new_password2": "Another-Pass-77"})
    assert _message(r.text).startswith("已重设用户“teacher.wang”的密码：其登录已全部结束")
    assert wang.get("/overview").status_code == 303
    assert _try_login(own, "teacher.wang", STRONG)[1].status_code == 401
    assert _try_login(own, "teacher.wang", "Another-Pass-77")[1].status_code == 303
    actions = [r["action"] for r in admin.get("/api/v1/audit", params={"actor": "test-admin", "limit": 20}).json()["rows"]
               if r["target"] == "teacher.wang"]
    assert actions == ["password_reset", "password_reset", "user_enable", "user_disable", "user_disable"]


def test_change_a_role(own):
    from eduplan import access

    admin = own.client("admin")
    with own.state.reading() as store:
        access.add_user(store, "inspector.zhao", "inspector", STRONG, actor="测试")
    r = admin.post("/admin/users/inspector.zhao/role", data={"csrf": admin.csrf, "role": "root", "school_code": ""})
    assert r.status_code == 400 and "角色“root”不存在" in _message(r.text)
    r = admin.post("/admin/users/inspector.zhao/role", data={"csrf": admin.csrf, "role": "staff", "school_code": ""})
    assert _message(r.text) == "已把用户“inspector.zhao”的角色改为“规划统计”：其登录已全部结束"
    with own.state.reading() as store:
        assert access.get_user(store, "inspector.zhao").role == "staff"


def test_a_change_needs_the_csrf_token_and_a_valid_name(own):
    admin = own.client("admin")
    assert admin.post("/admin/users/teacher.wang/disable").status_code == 403
    assert admin.post("/admin/users/Bad Name!/disable", data={"csrf": admin.csrf}).status_code == 400
    r = admin.post("/admin/users/nobody.here/disable", data={"csrf": admin.csrf})
    assert r.status_code == 400 and _message(r.text) == "未能停用用户“nobody.here”：没有用户“nobody.here”"


def test_settings_page_shows_values_and_their_source(own, tmp_path):
    from eduplan.settings import use_settings_file

    admin = own.client("admin")
    page = admin.get("/admin/settings").text
    assert "未使用设置文件：全部为默认值" in _text(page)
    web = re.search(r'<section class="panel" id="settings-web">(.*?)</section>', page, flags=re.S).group(1)
    assert "small_cell_threshold 10 默认值 10" in _text(web)
    for section in ("indicators", "balance", "forecast", "projects", "import", "access", "web"):
        assert f'id="settings-{section}"' in page
    f = tmp_path / "settings.yaml"
    f.write_text("web:\n  small_cell_threshold: 5\naccess:\n  password_min_length: 14\n", encoding="utf-8")
    use_settings_file(f)  # reset after the test by conftest.py
    page = admin.get("/admin/settings").text
    assert f"设置文件： {f} （环境变量 EDUPLAN_SETTINGS 或 --settings 指定）" in _text(page)
    web = re.search(r'<section class="panel" id="settings-web">(.*?)</section>', page, flags=re.S).group(1)
    assert "small_cell_threshold 5 设置文件 10" in _text(web)
    acc = re.search(r'<section class="panel" id="settings-access">(.*?)</section>', page, flags=re.S).group(1)
    assert "password_min_length 14 设置文件 12" in _text(acc) and "session_idle_minutes 30 默认值 30" in _text(acc)
    f.write_text("web:\n  small_cell_threshold: 0\n", encoding="utf-8")
    use_settings_file(f)
    page = admin.get("/admin/settings")
    assert page.status_code == 200 and f"设置文件“{f}”有误：web.small_cell_threshold" in _text(page.text)


def _shipped_text() -> str:
    return (resources.files("eduplan.plan") / "data" / "qiaokou-2021-2025.yaml").read_text(encoding="utf-8")


def test_bind_an_uploaded_plan(demo_store, tmp_path):
    w = make_web(tmp_path, demo_store)
    try:
        admin = w.client("admin")
        text = _shipped_text()
        assert "（征求意见稿）" in text
        title = "title: 硚口区教育事业发展“十四·五”规划（2021—2025）"
        changed = text.replace(f"{title}（征求意见稿）", f"{title}（正式稿）", 1)
        version = w.state.version()
        r = admin.post("/admin/plan", data={"csrf": admin.csrf},
                       files={"file": ("硚口区规划-正式稿.yaml", changed.encode("utf-8"), "application/x-yaml")})
        assert r.status_code == 200
        assert _message(r.text) == ("已把“硚口区教育事业发展“十四·五”规划（2021—2025）（正式稿）”（硚口区规划-正式稿.yaml）"
                                    "绑定到 硚口区（420104），绑定编号 2；各页面即按此规划评估")
        assert w.state.version() != version  # every cached result of the old plan dropped
        assert "（正式稿）" in _text(w.client(None).get("/").text)
        row = admin.get("/api/v1/audit", params={"action": "plan_bind", "limit": 1}).json()["rows"][0]
        assert (row["actor"], row["target"], row["outcome"]) == ("test-admin", "硚口区规划-正式稿.yaml", "成功")
        assert '"绑定编号": 2' in row["detail"] and '"取代绑定": 1' in row["detail"]

        r = admin.post("/admin/plan", data={"csrf": admin.csrf, "shipped": "qiaokou-2021-2025"})
        assert "绑定编号 3" in _message(r.text)  # the shipped version back
        r = admin.post("/admin/plan", data={"csrf": admin.csrf, "shipped": "qiaokou-2021-2025"})
        assert _message(r.text) == "随程序提供的规划 qiaokou-2021-2025 与 硚口区 当前绑定的规划内容相同，未作改动"

        r = admin.post("/admin/plan", data={"csrf": admin.csrf},
                       files={"file": ("plan.yaml", b"meta: [unclosed", "application/x-yaml")})
        assert r.status_code == 400 and _message(r.text).startswith("未绑定：")
        r = admin.post("/admin/plan", data={"csrf": admin.csrf},
                       files={"file": ("plan.xlsx", b"PK\x03\x04", "application/octet-stream")})
        assert _message(r.text) == "未绑定：文件“plan.xlsx”不是规划文件：规划应为 .yaml 或 .yml 文件（eduplan template plan 生成模板）"
        r = admin.post("/admin/plan", data={"csrf": admin.csrf},
                       files={"file": ("big.yaml", b"#" * (2 * 1024 * 1024 + 1), "application/x-yaml")})
        assert _message(r.text) == "未绑定：规划文件“big.yaml”超过 2 MB，未读取；规划文件通常只有几十 KB"
        r = admin.post("/admin/plan", data={"csrf": admin.csrf})
        assert _message(r.text) == "未绑定：请选择要上传的规划文件（.yaml），或选择一个随程序提供的规划"
        with w.state.reading() as store:
            assert [b["binding_id"] for b in store.plan_bindings()] == [3]
        failed = admin.get("/api/v1/audit", params={"action": "plan_bind", "outcome": "失败"}).json()
        assert failed["total"] == 4
    finally:
        w.close()


def test_download_a_backup_while_the_server_holds_the_store(own, tmp_path):
    from eduplan.store import Store
    from eduplan.store.backup import read_manifest, restore

    admin = own.client("admin")
    assert admin.post("/admin/backup").status_code == 403  # no CSRF token
    r = admin.post("/admin/backup", data={"csrf": admin.csrf})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    name = re.search(r'filename="(eduplan-backup-\d{8}-\d{6}\.zip)"', r.headers["content-disposition"]).group(1)
    zipped = tmp_path / name
    zipped.write_bytes(r.content)
    manifest = read_manifest(zipped)
    with own.state.reading() as store:
        schools = store.one("SELECT count(*) FROM school")[0]
        users = store.one("SELECT count(*) FROM app_user")[0]
    assert manifest["tables"]["school"]["rows"] == schools == 153
    restored = tmp_path / "restored.duckdb"
    restore(zipped, restored)
    with Store(restored, read_only=True) as s:
        assert s.one("SELECT count(*) FROM school")[0] == schools
        assert s.one("SELECT count(*) FROM app_user")[0] == users
    row = admin.get("/api/v1/audit", params={"action": "backup", "limit": 1}).json()["rows"][0]
    assert (row["actor"], row["target"], row["outcome"]) == ("test-admin", name, "成功")
    import hashlib

    assert hashlib.sha256(r.content).hexdigest() in row["detail"]
    page = admin.get("/admin/backup").text
    assert name in page
