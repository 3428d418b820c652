"""eduplan.access on real store files: users and roles, the password policy, argon2id hashes, login throttling
(stored, so it survives a restart), sessions (idle and absolute expiry), API tokens and the hash-chained audit log.

The time the library sees is set by the `clock` fixture; hashes use cheap argon2 parameters through the settings
file (one test runs at the defaults and checks the rehash to them)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import duckdb
import pytest

from eduplan import access
from eduplan.access import AccessError, LoginRefused, audit
from eduplan.errors import StoreOutdated
from eduplan.settings import use_settings_file
from eduplan.store import SCHEMA_VERSION, Store, all_tables
from eduplan.store.schema import ACCESS_TABLES

from helpers import SMALL

GOOD = "Rote-Ziegel-2026"  # meets the policy
CLI = "命令行：测试"
CHEAP = "$argon2id$v=19$m=8,t=1,p=1$"


class Clock:
    def __init__(self):
        self.t = datetime(2026, 12, 1, 8, 0, 0)

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kw) -> None:
        self.t += timedelta(**kw)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr("eduplan.access.clock.now", c)
    return c


def cheap_settings(tmp_path, extra: str = ""):
    f = tmp_path / "settings.yaml"
    f.write_text("access:\n  argon2_time_cost: 1\n  argon2_memory_kib: 8\n  argon2_parallelism: 1\n" + extra,
                 encoding="utf-8")
    use_settings_file(f)


@pytest.fixture(autouse=True)
def _cheap(tmp_path):
    cheap_settings(tmp_path)


def with_schools(store: Store) -> None:
    """The small district's district and three schools, as one import batch."""
    rows = {t: [dict(r, source_row=i + 2) for i, r in enumerate(SMALL[t])] for t in ("district", "school")}
    store.write_batch([{"file_name": "学校.xlsx", "sha256": "0" * 64, "tables": rows}], user="测试")


def audit_actions(store) -> list[tuple]:
    return [(r["action"], r["actor"], r["target"], r["outcome"]) for r in reversed(audit.rows(store))]


# ------------------------------------------------------------------ users and passwords


def test_add_user_keeps_only_the_argon2id_hash_and_audits(store, clock):
    u = access.add_user(store, " Zhang.San ", "staff", GOOD, display_name="张三", actor=CLI)
    assert u == access.User(1, "zhang.san", "staff", None, "张三", False) and u.role_label == "规划统计"
    stored = store.one("SELECT * FROM app_user")
    assert stored[5].startswith(CHEAP) and not any(GOOD in str(v) for v in stored)
    assert access.get_user(store, "ZHANG.SAN") == u == access.user_by_id(store, 1)
    assert access.list_users(store) == [u] and access.get_user(store, "nobody") is None
    row = audit.rows(store)[0]
    assert (row["id"], row["actor"], row["role"], row["action"], row["action_label"], row["target"], row["outcome"]) == (
        1, CLI, None, "user_add", "新增用户", "zhang.san", "成功")
    assert row["detail"] == '{"学校代码": null, "显示名": "张三", "角色": "规划统计"}'
    assert row["at"] == datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("username,password,message", [
    ("zhangsan", "Kurz-1", "密码至少需要 12 个字符（现为 6 个）"),
    ("zhangsan", "x" * 200 + "A" * 57, "密码不能超过 256 个字符（现为 257 个）"),
    ("zhangsan", "Mein-zhangsan-1", "密码不能包含用户名“zhangsan”"),
    ("zhangsan", "MEIN-ZHANGSAN-1", "密码不能包含用户名“zhangsan”"),
    ("zhangsan", "123456789012345", "密码不能只由一类字符组成（如全是数字或全是小写字母）：请混用大写字母、小写字母、数字、符号中的至少两类"),
    ("zhangsan", "abcdefghijklmn", "密码不能只由一类字符组成（如全是数字或全是小写字母）：请混用大写字母、小写字母、数字、符号中的至少两类"),
    ("zhangsan", "Password1234", "密码过于常见或过于简单（在常见弱口令表中，或只重复一两个字符），请换一个"),
    ("zhangsan", "1qaz2wsx3edc", "密码过于常见或过于简单（在常见弱口令表中，或只重复一两个字符），请换一个"),
    ("zhangsan", "a1a1a1a1a1a1", "密码过于常见或过于简单（在常见弱口令表中，或只重复一两个字符），请换一个"),
    ("zhangsan", "Tab\there-1234", "密码不能含有控制字符（如换行、制表符）"),
])
def test_password_policy_names_the_rule(username, password, message):
    with pytest.raises(AccessError) as e:
        access.check_password_policy(username, password)
    assert str(e.value) == message


def test_password_policy_accepts_and_follows_the_setting(tmp_path):
    access.check_password_policy("zhangsan", GOOD)
    access.check_password_policy("zhangsan", "教育规划二〇二六年度统计")  # 汉字 and 〇: two kinds
    cheap_settings(tmp_path, "  password_min_length: 20\n")
    with pytest.raises(AccessError, match="^密码至少需要 20 个字符（现为 16 个）$"):
        access.check_password_policy("zhangsan", GOOD)


@pytest.mark.parametrize("kwargs,message", [
    (dict(username="a", role="staff"), "用户名“a”无效：应为 2–64 个字符，只含英文字母、数字和 . _ -，以字母或数字开头"),
    (dict(username="张三", role="staff"), "用户名“张三”无效：应为 2–64 个字符，只含英文字母、数字和 . _ -，以字母或数字开头"),
    (dict(username="lisi", role="root"), "角色“root”不存在；可选：admin（管理员）、staff（规划统计）、inspector（督学）、school（学校）"),
    (dict(username="lisi", role="school"), "“学校”角色的用户须指定所属学校（学校代码，如 --school 4201040001）"),
    (dict(username="lisi", role="school", school_code="9999999999"),
     "学校代码“9999999999”不在库中的学校名录里；学校用户须对应库中的一所学校（见 eduplan schools）"),
    (dict(username="lisi", role="staff", school_code="2420104001"), "只有“学校”角色的用户可以指定学校（给出的学校代码：2420104001）"),
    (dict(username="lisi", role="staff", display_name="名" * 65), "显示名不能超过 64 个字符（现为 65 个）"),
    (dict(username="Admin", role="staff"), "用户名“admin”已存在"),
])
def test_add_user_refusals(store, clock, kwargs, message):
    with_schools(store)
    access.add_user(store, "admin", "admin", GOOD, actor=CLI)
    with pytest.raises(AccessError) as e:
        access.add_user(store, password=GOOD, actor=CLI, **kwargs)
    assert str(e.value) == message
    assert store.one("SELECT count(*) FROM app_user")[0] == 1 and audit.count(store) == 1


def test_school_user_and_role_change(store, clock):
    with_schools(store)
    admin = access.add_user(store, "admin", "admin", GOOD, actor=CLI)
    u = access.add_user(store, "school-2420104001", "school", GOOD, school_code="2420104001", display_name="崇仁路小学",
                        actor=admin)
    assert (u.role, u.school_code, u.role_label) == ("school", "2420104001", "学校")
    secret, _ = access.create_session(store, u, address="10.0.0.5", user_agent="浏览器")
    moved = access.set_role(store, u.username, "school", school_code="2420104002", actor=admin, address="10.0.0.1")
    assert moved.school_code == "2420104002" and access.session_user(store, secret) is None
    row = audit.rows(store, action="role_change")[0]
    assert (row["actor"], row["role"], row["address"]) == ("admin", "admin", "10.0.0.1")
    assert '"原学校代码": "2420104001"' in row["detail"] and '"结束会话数": 1' in row["detail"]
    with pytest.raises(AccessError, match="^不能改变最后一个启用的管理员“admin”的角色：请先新增或启用另一位管理员$"):
        access.set_role(store, "admin", "staff", actor=admin)


# ------------------------------------------------------------------ login and throttling


def test_unknown_user_and_wrong_password_get_one_message_and_are_recorded(store, clock):
    access.add_user(store, "wangwu", "inspector", GOOD, actor=CLI)
    for name, pw in (("nobody", GOOD), ("wangwu", "Falsch-Passwort-1")):
        with pytest.raises(LoginRefused) as e:
            access.authenticate(store, name, pw, address="10.0.0.9")
        assert (str(e.value), e.value.retry_after) == ("用户名或密码不正确", None)
    assert access.authenticate(store, "WangWu", GOOD, address="10.0.0.9").username == "wangwu"
    assert audit_actions(store)[1:] == [("login_failed", "nobody", "nobody", "失败"),
                                        ("login_failed", "wangwu", "wangwu", "失败"), ("login", "wangwu", "wangwu", "成功")]
    failed = audit.rows(store, action="login_failed")
    assert [r["detail"] for r in failed] == ['{"原因": "用户名或密码不正确"}', '{"原因": "用户名不存在"}']
    assert [r["role"] for r in failed] == ["inspector", None] and failed[0]["address"] == "10.0.0.9"
    assert store.run("SELECT username, address, outcome FROM login_attempt ORDER BY attempt_id") == [
        ("nobody", "10.0.0.9", "failure"), ("wangwu", "10.0.0.9", "failure"), ("wangwu", "10.0.0.9", "success")]


def test_unknown_user_still_spends_one_verification(store, clock, monkeypatch):
    from eduplan.access import passwords

    calls = []
    real = passwords.hasher

    def counting(settings=None):
        ph = real(settings)

        class Counting:
            def verify(self, h, p):
                calls.append(h[:9])
                return ph.verify(h, p)

            def __getattr__(self, name):
                return getattr(ph, name)

        return Counting()

    monkeypatch.setattr(passwords, "hasher", counting)
    with pytest.raises(LoginRefused):
        access.authenticate(store, "nobody", GOOD, address="10.0.0.9")
    assert calls == ["$argon2id"]


def test_throttle_after_five_failures_the_delay_doubles(store, clock):
    access.add_user(store, "zhaoliu", "staff", GOOD, actor=CLI)
    for _ in range(5):
        with pytest.raises(LoginRefused, match="^用户名或密码不正确$"):
            access.authenticate(store, "zhaoliu", "Falsch-Passwort-1", address="10.0.0.1")
        clock.advance(seconds=0.1)
    clock.t = clock.t - timedelta(seconds=0.1)  # the 6th attempt at the time of the 5th failure
    with pytest.raises(LoginRefused) as e:  # the right password, not even checked
        access.authenticate(store, "zhaoliu", GOOD, address="10.0.0.1")
    assert (str(e.value), e.value.retry_after) == ("登录失败次数过多，请 1 秒后再试", 1.0)
    clock.advance(seconds=0.5)
    with pytest.raises(LoginRefused) as e:  # the 7th, within that second: refused too, and the wait does not grow
        access.authenticate(store, "zhaoliu", GOOD, address="10.0.0.2")
    assert (str(e.value), e.value.retry_after) == ("登录失败次数过多，请 1 秒后再试", 0.5)
    clock.advance(seconds=0.5)  # the delay has passed: checked again; a 6th failure doubles it
    with pytest.raises(LoginRefused, match="^用户名或密码不正确$"):
        access.authenticate(store, "zhaoliu", "Falsch-Passwort-1", address="10.0.0.3")
    with pytest.raises(LoginRefused) as e:
        access.authenticate(store, "zhaoliu", GOOD, address="10.0.0.4")
    assert (str(e.value), e.value.retry_after) == ("登录失败次数过多，请 2 秒后再试", 2.0)
    clock.advance(seconds=2)
    assert access.authenticate(store, "zhaoliu", GOOD, address="10.0.0.4").username == "zhaoliu"
    with pytest.raises(LoginRefused) as e:  # a success starts the count again
        access.authenticate(store, "zhaoliu", "Falsch-Passwort-1", address="10.0.0.4")
    assert e.value.retry_after is None
    assert store.run("SELECT outcome, count(*) FROM login_attempt GROUP BY ALL ORDER BY 1") == [
        ("failure", 7), ("refused", 3), ("success", 1)]
    throttled = audit.rows(store, action="login_throttled")
    assert len(throttled) == 3 and throttled[0]["outcome"] == "失败" and throttled[0]["action_label"] == "登录受限（失败次数过多）"
    assert throttled[0]["detail"] == '{"操作": "登录", "须等待秒数": 2}'


def test_throttle_by_address_across_names_and_the_cap(store, clock, tmp_path):
    access.add_user(store, "zhaoliu", "staff", GOOD, actor=CLI)
    for i in range(5):
        with pytest.raises(LoginRefused):
            access.authenticate(store, f"guess{i}", GOOD, address="10.9.9.9")
    with pytest.raises(LoginRefused) as e:  # another name from the same address
        access.authenticate(store, "zhaoliu", GOOD, address="10.9.9.9")
    assert e.value.retry_after == 1.0
    assert access.authenticate(store, "zhaoliu", GOOD, address="10.0.0.1").username == "zhaoliu"  # another address
    for _ in range(30):  # failures far apart: the wait is capped at throttle_max_seconds
        clock.advance(hours=1)
        with pytest.raises(LoginRefused, match="^用户名或密码不正确$"):
            access.authenticate(store, "nobody", "x", address="10.8.8.8")
    with pytest.raises(LoginRefused) as e:
        access.authenticate(store, "nobody", "x", address="10.8.8.8")
    assert (str(e.value), e.value.retry_after) == ("登录失败次数过多，请 900 秒后再试", 900.0)
    cheap_settings(tmp_path, "  throttle_max_seconds: 60\n")
    with pytest.raises(LoginRefused) as e:
        access.authenticate(store, "nobody", "x", address="10.8.8.8")
    assert e.value.retry_after == 60.0


def test_throttle_survives_a_restart(db_path, clock):
    with Store(db_path) as s:
        access.add_user(s, "zhaoliu", "staff", GOOD, actor=CLI)
        for _ in range(5):
            with pytest.raises(LoginRefused):
                access.authenticate(s, "zhaoliu", "Falsch-Passwort-1", address="10.0.0.1")
    clock.advance(seconds=0.25)
    with Store(db_path) as s:
        with pytest.raises(LoginRefused) as e:
            access.authenticate(s, "zhaoliu", GOOD, address="10.0.0.7")
        assert e.value.retry_after == 0.75


def test_disabled_user_and_the_last_admin(store, clock):
    admin = access.add_user(store, "admin", "admin", GOOD, actor=CLI)
    u = access.add_user(store, "sunqi", "staff", GOOD, actor=admin)
    secret, _ = access.create_session(store, u, address="10.0.0.1", user_agent="x")
    _, token = access.create_token(store, u, "统计脚本")
    assert access.set_disabled(store, "sunqi", True, actor=admin).disabled is True
    assert access.session_user(store, secret) is None and access.token_user(store, token) is None
    with pytest.raises(LoginRefused, match="^该账户已停用，请联系管理员$"):
        access.authenticate(store, "sunqi", GOOD, address="10.0.0.1")
    with pytest.raises(LoginRefused, match="^用户名或密码不正确$"):  # a wrong password says nothing more
        access.authenticate(store, "sunqi", "Falsch-Passwort-1", address="10.0.0.1")
    with pytest.raises(AccessError, match="^用户“sunqi”已经是停用状态$"):
        access.set_disabled(store, "sunqi", True, actor=admin)
    assert access.set_disabled(store, "sunqi", False, actor=admin).disabled is False
    assert access.authenticate(store, "sunqi", GOOD, address="10.0.0.1").username == "sunqi"
    assert access.token_user(store, token) is None  # tokens revoked by the disabling stay revoked
    with pytest.raises(AccessError, match="^不能停用最后一个启用的管理员“admin”：请先新增或启用另一位管理员$"):
        access.set_disabled(store, "admin", True, actor=admin)
    with pytest.raises(AccessError, match="^没有用户“nobody”$"):
        access.set_disabled(store, "nobody", True, actor=admin)
    row = audit.rows(store, action="user_disable")[0]
    assert row["detail"] == '{"吊销令牌数": 1, "结束会话数": 1}' and row["actor"] == "admin"


# ------------------------------------------------------------------ sessions


def test_session_idle_31_minutes_is_gone_29_is_kept(store, clock):
    u = access.add_user(store, "zhouba", "inspector", GOOD, actor=CLI)
    secret, csrf = access.create_session(store, u, address="10.0.0.1", user_agent="Chromium")
    user, s = access.session_user(store, secret)
    assert user == u and (s.csrf, s.address, s.user_agent, s.user_id) == (csrf, "10.0.0.1", "Chromium", u.id)
    assert s.created_at == s.last_seen == datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    assert store.one("SELECT count(*) FROM app_session WHERE secret_sha256 = ?",
                     [hashlib.sha256(secret.encode()).hexdigest()])[0] == 1
    assert store.one("SELECT count(*) FROM app_session WHERE secret_sha256 = ?", [secret])[0] == 0
    clock.advance(seconds=30)  # within a minute: last_seen not written
    assert access.session_user(store, secret)[1].last_seen == datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    clock.advance(minutes=29)
    assert access.session_user(store, secret)[1].last_seen == datetime(2026, 12, 1, 8, 29, 30, tzinfo=timezone.utc)
    clock.advance(minutes=31)
    assert access.session_user(store, secret) is None
    assert store.one("SELECT ended_reason FROM app_session")[0] == "idle"
    clock.advance(seconds=-60 * 31)
    assert access.session_user(store, secret) is None  # ended stays ended


def test_session_max_hours_logout_and_garbage(store, clock):
    u = access.add_user(store, "zhouba", "inspector", GOOD, actor=CLI)
    secret, _ = access.create_session(store, u, address=None, user_agent=None)
    for _ in range(12 * 4):  # active every 15 minutes for 12 hours
        clock.advance(minutes=15)
        assert access.session_user(store, secret) is not None
    clock.advance(seconds=1)
    assert access.session_user(store, secret) is None
    assert store.one("SELECT ended_reason FROM app_session")[0] == "expired"
    secret, _ = access.create_session(store, u, address="10.0.0.1", user_agent="x")
    access.end_session(store, secret, address="10.0.0.1")
    assert access.session_user(store, secret) is None
    access.end_session(store, secret)  # again: nothing happens
    assert audit_actions(store)[-1] == ("logout", "zhouba", "zhouba", "成功") and audit.count(store, action="logout") == 1
    for junk in (None, "", "x" * 5000, 42, secret + "x"):
        assert access.session_user(store, junk) is None
    a, _ = access.create_session(store, u, address=None, user_agent=None)
    b, _ = access.create_session(store, u, address=None, user_agent=None)
    assert len(access.list_sessions(store, u)) == 2
    assert access.end_sessions(store, u.id) == 2 and access.session_user(store, a) is None
    assert access.session_user(store, b) is None and audit.rows(store)[0]["detail"] == '{"结束会话数": 2}'


def test_password_change_ends_all_sessions_and_a_wrong_old_password_counts(store, clock):
    u = access.add_user(store, "wujiu", "staff", GOOD, actor=CLI)
    s1, _ = access.create_session(store, u, address="10.0.0.1", user_agent="x")
    s2, _ = access.create_session(store, u, address="10.0.0.2", user_agent="y")
    with pytest.raises(AccessError, match="^原密码不正确$"):
        access.change_password(store, u, "Falsch-Passwort-1", "Neues-Passwort-2027", address="10.0.0.1")
    with pytest.raises(AccessError, match="^新密码不能与原密码相同$"):
        access.change_password(store, u, GOOD, GOOD, address="10.0.0.1")
    with pytest.raises(AccessError, match="^密码至少需要 12 个字符（现为 5 个）$"):
        access.change_password(store, u, GOOD, "Kurz1", address="10.0.0.1")
    assert access.session_user(store, s1) is not None
    access.change_password(store, u, GOOD, "Neues-Passwort-2027", address="10.0.0.1")
    assert access.session_user(store, s1) is None and access.session_user(store, s2) is None
    with pytest.raises(LoginRefused):
        access.authenticate(store, "wujiu", GOOD, address="10.0.0.1")
    assert access.authenticate(store, "wujiu", "Neues-Passwort-2027", address="10.0.0.1") == u
    changes = audit.rows(store, action="password_change")
    assert [(r["outcome"], r["detail"]) for r in changes] == [
        ("成功", '{"结束会话数": 2}'), ("失败", '{"原因": "原密码不正确"}')]
    assert store.run("SELECT outcome FROM login_attempt ORDER BY attempt_id") == [
        ("failure",), ("failure",), ("success",)]


def test_reset_password_ends_sessions_and_tokens(store, clock):
    admin = access.add_user(store, "admin", "admin", GOOD, actor=CLI)
    u = access.add_user(store, "zhengshi", "staff", GOOD, actor=admin)
    secret, _ = access.create_session(store, u, address=None, user_agent=None)
    _, token = access.create_token(store, u, "脚本")
    with pytest.raises(AccessError, match="^密码不能包含用户名“zhengshi”$"):
        access.reset_password(store, "zhengshi", "Zhengshi-2026-x", actor=admin)
    access.reset_password(store, "zhengshi", "Ganz-Neu-2026!", actor=admin, address="10.0.0.1")
    assert access.session_user(store, secret) is None and access.token_user(store, token) is None
    assert access.authenticate(store, "zhengshi", "Ganz-Neu-2026!", address=None) == u
    r = audit.rows(store, action="password_reset")[0]
    assert (r["actor"], r["target"], r["detail"]) == ("admin", "zhengshi", '{"吊销令牌数": 1, "结束会话数": 1}')
    assert store.one("SELECT revoked_by FROM api_token")[0] == "admin"


# ------------------------------------------------------------------ API tokens


def test_tokens_hashed_revoked_expired_and_only_ones_own(store, clock):
    admin = access.add_user(store, "admin", "admin", GOOD, actor=CLI)
    u = access.add_user(store, "qianyi", "staff", GOOD, actor=admin)
    other = access.add_user(store, "liner", "inspector", GOOD, actor=admin)
    tid, secret = access.create_token(store, u, " 统计脚本 ")
    assert tid == 1 and secret.startswith("ept_") and len(secret) == 47
    assert store.run("SELECT name, secret_sha256 FROM api_token") == [
        ("统计脚本", hashlib.sha256(secret.encode()).hexdigest())]
    assert access.token_user(store, secret) == u
    clock.advance(minutes=5)
    access.token_user(store, secret)
    listed = access.list_tokens(store, u)
    assert [(t["id"], t["name"], t["revoked"], t["expired"], t["expires_at"]) for t in listed] == [
        (1, "统计脚本", False, False, None)]
    assert listed[0]["last_used"] == datetime(2026, 12, 1, 8, 5, tzinfo=timezone.utc) and "secret" not in str(listed)
    with pytest.raises(AccessError, match="^没有编号为 1 的 API 令牌$"):  # another user's token is "not found"
        access.revoke_token(store, other, 1, actor=other)
    with pytest.raises(AccessError, match="^没有编号为 99 的 API 令牌$"):
        access.revoke_token(store, u, 99, actor=u)
    access.revoke_token(store, u, 1, actor=u)
    assert access.token_user(store, secret) is None
    with pytest.raises(AccessError, match=r"^API 令牌 1（统计脚本）已经吊销$"):
        access.revoke_token(store, u, 1, actor=u)
    tid2, s2 = access.create_token(store, u, "两小时", expires_hours=2)
    clock.advance(hours=2)
    assert access.token_user(store, s2) is None and access.list_tokens(store, u)[0]["expired"] is True
    _, s3 = access.create_token(store, u, "管理员吊销")
    access.revoke_token(store, admin, 3, actor=admin)  # an administrator may revoke any
    assert access.token_user(store, s3) is None and access.list_tokens(store, u)[0]["revoked_by"] == "admin"
    for junk in (None, "", "ept_", "ept_" + "x" * 500, secret.replace("ept_", "xyz_")):
        assert access.token_user(store, junk) is None
    with pytest.raises(AccessError, match="^令牌名称不能为空（写明用途，如“统计脚本”）$"):
        access.create_token(store, u, "  ")
    with pytest.raises(AccessError, match=r"^令牌有效期应在 1 分钟到 8784 小时（366 天）之间，给出的是 0 小时$"):
        access.create_token(store, u, "零", expires_hours=0)
    assert [r["action"] for r in audit.rows(store, actor="qianyi")] == [
        "token_create", "token_create", "token_revoke", "token_create"]
    assert len(access.all_tokens(store)) == 3


# ------------------------------------------------------------------ the audit log


def test_audit_chain_finds_the_first_changed_row(store, clock):
    for i in range(5):
        audit.record(store, actor=f"user{i}", role="staff", action="upload", target=f"文件{i}.xlsx",
                     detail={"行数": i}, address="10.0.0.1")
        clock.advance(seconds=1)
    assert audit.verify(store) == (True, None)
    rows = store.run('SELECT id, prev_hash, hash FROM audit_log ORDER BY id')
    assert rows[0][1] == "0" * 64 and all(rows[i][1] == rows[i - 1][2] for i in range(1, 5))
    assert audit.head(store) == (5, rows[4][2])
    store.run("""UPDATE audit_log SET detail = '{"行数": 99}' WHERE id = 3""")
    assert audit.verify(store) == (False, 3)
    store.run("""UPDATE audit_log SET detail = '{"行数": 2}' WHERE id = 3""")
    assert audit.verify(store) == (True, None)
    store.run("UPDATE audit_log SET \"at\" = \"at\" + INTERVAL 1 SECOND WHERE id = 4")
    assert audit.verify(store) == (False, 4)
    store.run("UPDATE audit_log SET \"at\" = \"at\" - INTERVAL 1 SECOND WHERE id = 4")
    store.run("DELETE FROM audit_log WHERE id = 2")
    assert audit.verify(store) == (False, 3)


def test_audit_rows_filters_count_and_refusals(store, clock):
    audit.record(store, actor="a", action="upload", target="x", outcome="成功")
    clock.advance(hours=1)
    audit.record(store, actor="b", action="undo", target="批次 3", outcome="失败", detail="文本详情")
    clock.advance(hours=1)
    audit.record(store, actor="a", action="judgement", target="2420104001", detail={"判定": "达标"})
    assert [r["id"] for r in audit.rows(store)] == [3, 2, 1]
    assert [r["id"] for r in audit.rows(store, actor="a")] == [3, 1] and audit.count(store, actor="a") == 2
    assert [r["id"] for r in audit.rows(store, outcome="失败")] == [2]
    since = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    assert [r["id"] for r in audit.rows(store, since=since)] == [3, 2]
    assert [r["id"] for r in audit.rows(store, until=since)] == [1]
    assert [r["id"] for r in audit.rows(store, since=datetime(2026, 12, 1, 17, 0, tzinfo=timezone(timedelta(hours=8))))] == [3, 2]
    assert [r["id"] for r in audit.rows(store, limit=1, offset=1)] == [2]
    assert audit.count(store, action="undo", since=since) == 1 and audit.rows(store, action="undo")[0]["detail"] == "文本详情"
    with pytest.raises(ValueError):
        audit.record(store, actor="a", action="no_such_action")
    with pytest.raises(ValueError):
        audit.record(store, actor="a", action="upload", outcome="ok")
    audit.record(store, actor="evil\x1b[31m\nname", action="download", target="t" * 600)
    r = audit.rows(store, limit=1)[0]
    assert r["actor"] == "evil[31mname" and len(r["target"]) == 500 and audit.verify(store) == (True, None)
    assert set(access.ACTIONS) >= {"login", "login_failed", "logout", "upload", "undo", "judgement", "setting",
                                   "user_add", "user_disable", "user_enable", "password_reset", "password_change",
                                   "token_create", "token_revoke", "planner_run", "download"}


def test_audit_xlsx_text_stays_text(store, clock, tmp_path):
    from openpyxl import load_workbook

    audit.record(store, actor="=HYPERLINK(\"http://x\")", role="staff", action="upload", target="=1+1",
                 detail={"文件": "+SUM(A1)"}, address="10.0.0.1")
    path = tmp_path / "审计.xlsx"
    audit.write_xlsx(audit.rows(store), path)
    ws = load_workbook(path).active
    assert ws.title == "审计日志" and ws["A1"].value == "审计日志（1 行）"
    assert [c.value for c in ws[3]] == ["编号", "时间（UTC）", "操作人", "角色", "来源地址", "操作", "对象", "详情",
                                        "结果", "前一行哈希", "本行哈希"]
    row = [c.value for c in ws[4]]
    assert row[:9] == [1, "2026-12-01 08:00:00 UTC", "=HYPERLINK(\"http://x\")", "规划统计", "10.0.0.1", "上传导入",
                       "=1+1", '{"文件": "+SUM(A1)"}', "成功"]
    assert ws["C4"].data_type == "s" and ws["G4"].data_type == "s"


# ------------------------------------------------------------------ the store: the access tables (schema 4), upgrade, backup


def test_schema_4_tables_and_upgrade_from_3(db_path, clock):
    with Store(db_path) as s:
        assert s.schema_version() == SCHEMA_VERSION == 5 and set(ACCESS_TABLES) <= set(all_tables())
    con = duckdb.connect(str(db_path))
    for t in ACCESS_TABLES:
        con.execute(f"DROP TABLE {t}")
    con.execute("UPDATE eduplan_meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreOutdated):
        Store(db_path, read_only=True)
    with Store(db_path) as s:
        assert s.opened_version == 3 and s.schema_version() == SCHEMA_VERSION
        assert access.add_user(s, "admin", "admin", GOOD, actor=CLI).id == 1


def test_backup_restore_keeps_users_sessions_and_the_audit_chain(db_path, tmp_path, clock):
    from eduplan.store.backup import backup, restore, verify

    with Store(db_path) as s:
        u = access.add_user(s, "admin", "admin", GOOD, actor=CLI)
        secret, _ = access.create_session(s, u, address="10.0.0.1", user_agent="x")
        _, token = access.create_token(s, u, "脚本")
        with pytest.raises(LoginRefused):
            access.authenticate(s, "admin", "Falsch-Passwort-1", address="10.0.0.1")
    manifest = backup(db_path, tmp_path / "b.zip")
    assert {t: manifest["tables"][t]["rows"] for t in ACCESS_TABLES} == {
        "app_user": 1, "app_session": 1, "api_token": 1, "login_attempt": 1, "audit_log": 3}
    restore(tmp_path / "b.zip", tmp_path / "r.duckdb")
    assert verify(tmp_path / "r.duckdb").ok
    with Store(tmp_path / "r.duckdb") as s:
        assert access.list_users(s) == [u] and audit.verify(s) == (True, None) and audit.count(s) == 3
        assert access.session_user(s, secret)[0] == u and access.token_user(s, token) == u
        assert access.authenticate(s, "admin", GOOD, address="10.0.0.1") == u
        assert audit.verify(s) == (True, None) and audit.count(s) == 4


def test_default_parameters_and_the_rehash_at_login(store, clock):
    """At the settings' defaults (RFC 9106's second set): a hash made with other parameters is re-made at login."""
    access.add_user(store, "admin", "admin", GOOD, actor=CLI)  # cheap parameters (the test settings)
    use_settings_file(None)
    assert access.access_settings().argon2_memory_kib == 65536
    assert access.authenticate(store, "admin", GOOD, address=None).username == "admin"
    assert store.one("SELECT password_hash FROM app_user")[0].startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert audit.rows(store, action="login")[0]["detail"] == '{"重新散列密码": true}'
    access.authenticate(store, "admin", GOOD, address=None)
    assert audit.rows(store, action="login")[0]["detail"] is None
