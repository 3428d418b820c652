"""`eduplan users …`: passwords prompted twice (hidden) or read from one line of stdin, never from the command line;
every change in the audit log as “命令行：<OS account>”; the demo users only on a demo store, their passwords only in
the --output file (mode 0600)."""

from __future__ import annotations

import json
import stat

import pytest
from typer.testing import CliRunner

from eduplan import access
from eduplan.access import audit
from eduplan.cli.app import app
from eduplan.settings import use_settings_file
from eduplan.store import Store, os_account

from helpers import SMALL

GOOD = "Rote-Ziegel-2026"
ACTOR = f"命令行：{os_account()}"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _cheap(tmp_path):
    f = tmp_path / "settings.yaml"
    f.write_text("access:\n  argon2_time_cost: 1\n  argon2_memory_kib: 8\n  argon2_parallelism: 1\n", encoding="utf-8")
    use_settings_file(f)


def users(*args: str, input: str | None = None):
    return runner.invoke(app, ["users", *args], input=input, env={"COLUMNS": "250"})


def _store(path, kind: str = "import"):
    rows = {t: [dict(r, source_row=i + 2) for i, r in enumerate(SMALL[t])] for t in ("district", "school")}
    with Store(path) as s:
        s.write_batch([{"file_name": "学校.xlsx", "sha256": "0" * 64, "tables": rows}], user="测试", kind=kind)
    return str(path)


def test_add_prompts_twice_and_audits_the_os_account(db_path):
    db = _store(db_path)
    r = users("add", "ZhangSan", "--role", "staff", "--name", "张三", "--db", db, input=f"{GOOD}\n{GOOD}\n")
    assert r.exit_code == 0, r.output
    assert "已新增用户 zhangsan（规划统计）" in r.stderr and GOOD not in r.output
    with Store(db_path, read_only=True) as s:
        assert access.get_user(s, "zhangsan") == access.User(1, "zhangsan", "staff", None, "张三", False)
        assert [(r["action"], r["actor"], r["target"]) for r in audit.rows(s)] == [("user_add", ACTOR, "zhangsan")]
    r = users("add", "school1", "--role", "school", "--school", "2420104002", "--db", db, input=f"{GOOD}\n{GOOD}\n")
    assert r.exit_code == 0 and "已新增用户 school1（学校，学校 2420104002）" in r.stderr


@pytest.mark.parametrize("args,input,message", [
    (["lisi", "--role", "staff"], f"{GOOD}\nAnders-2026-x\n", "两次输入的密码不一致，未作任何更改"),
    (["lisi", "--role", "staff"], "kurz\n", "密码至少需要 12 个字符（现为 4 个）"),
    (["lisi", "--role", "school"], f"{GOOD}\n{GOOD}\n", "“学校”角色的用户须指定所属学校（学校代码，如 --school 4201040001）"),
    (["lisi", "--role", "staff", "--password-stdin"], "", "--password-stdin：标准输入中没有密码（应为一行文字）"),
    (["li si", "--role", "staff"], "", "用户名“li si”无效：应为 2–64 个字符，只含英文字母、数字和 . _ -，以字母或数字开头"),
])
def test_add_refusals_change_nothing(db_path, args, input, message):
    db = _store(db_path)
    r = users("add", *args, "--db", db, input=input)
    assert r.exit_code == 1 and message in r.stderr and "Traceback" not in r.output
    with Store(db_path, read_only=True) as s:
        assert access.list_users(s) == [] and audit.count(s) == 0


def test_add_refuses_a_missing_store_and_an_unknown_role(tmp_path):
    r = users("add", "lisi", "--role", "staff", "--db", str(tmp_path / "nix.duckdb"), input=f"{GOOD}\n{GOOD}\n")
    assert r.exit_code == 1 and f"数据库文件“{tmp_path / 'nix.duckdb'}”不存在" in r.stderr
    assert not (tmp_path / "nix.duckdb").exists()
    r = users("add", "lisi", "--role", "root", "--db", str(tmp_path / "nix.duckdb"))
    assert r.exit_code == 2 and "--role 的值无效" in r.stderr


def test_stdin_list_disable_enable_reset(db_path):
    db = _store(db_path)
    r = users("add", "wangwu", "--role", "inspector", "--password-stdin", "--db", db, input=GOOD + "\r\n")
    assert r.exit_code == 0, r.output
    with Store(db_path) as s:
        assert access.authenticate(s, "wangwu", GOOD, address="127.0.0.1").username == "wangwu"
        access.create_session(s, access.get_user(s, "wangwu"), address=None, user_agent=None)
    doc = json.loads(users("list", "--db", db, "--format", "json").stdout)
    assert doc["count"] == 1 and "password_hash" not in doc["users"][0] and "$argon2" not in json.dumps(doc)
    u = doc["users"][0]
    assert (u["username"], u["role_label"], u["disabled"], u["sessions"], u["tokens"]) == ("wangwu", "督学", False, 1, 0)
    table = users("list", "--db", db).stdout
    assert "用户（1 个）" in table and "wangwu" in table and "督学" in table and " UTC" in table

    r = users("disable", "WANGWU", "--db", db)
    assert r.exit_code == 0 and "已停用用户 wangwu（其会话已结束、API 令牌已吊销）" in r.stderr
    assert json.loads(users("list", "--db", db, "--format", "json").stdout)["users"][0]["sessions"] == 0
    r = users("disable", "wangwu", "--db", db)
    assert r.exit_code == 1 and "用户“wangwu”已经是停用状态" in r.stderr
    assert users("enable", "wangwu", "--db", db).exit_code == 0

    r = users("reset-password", "wangwu", "--db", db, input="Ganz-Neu-2026!\nGanz-Neu-2026!\n")
    assert r.exit_code == 0 and "已重设用户 wangwu 的密码" in r.stderr
    r = users("reset-password", "nobody", "--db", db, input="Ganz-Neu-2026!\nGanz-Neu-2026!\n")
    assert r.exit_code == 1 and "没有用户“nobody”" in r.stderr
    with Store(db_path) as s:
        assert access.authenticate(s, "wangwu", "Ganz-Neu-2026!", address=None).username == "wangwu"
        assert [(r["action"], r["actor"]) for r in reversed(audit.rows(s))] == [
            ("user_add", ACTOR), ("login", "wangwu"), ("user_disable", ACTOR), ("user_enable", ACTOR),
            ("password_reset", ACTOR), ("login", "wangwu")]


def test_demo_users_only_on_a_demo_store_passwords_only_in_the_file(tmp_path):
    out = tmp_path / "out" / "demo-users.json"
    r = users("demo", "--db", _store(tmp_path / "real.duckdb"), "--output", str(out))
    assert r.exit_code == 1 and not out.exists()
    assert (f"数据库“{tmp_path / 'real.duckdb'}”不是示范库（批次 1 等 1 个批次的类型为“导入”）；"
            "示范用户只建在示范库中，真实用户请用 eduplan users add 逐个建立") in r.stderr

    db = _store(tmp_path / "demo.duckdb", kind="demo")
    r = users("demo", "--db", db, "--output", str(out))
    assert r.exit_code == 0, r.output
    assert "已建立示范用户 6 个（管理员、规划统计、督学各 1 个，学校 3 个）" in r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    first = json.loads(out.read_text(encoding="utf-8"))
    assert [(u["username"], u["role"], u["school_code"]) for u in first] == [
        ("admin", "admin", None), ("staff", "staff", None), ("inspector", "inspector", None),
        ("school-2420104001", "school", "2420104001"), ("school-2420104002", "school", "2420104002"),
        ("school-2420104003", "school", "2420104003")]
    assert all(u["password"] not in r.output for u in first) and len({u["password"] for u in first}) == 6
    with Store(tmp_path / "demo.duckdb") as s:  # OWASP's minimum argon2id parameters, re-made at the first login
        assert {h[:31] for h, in s.run("SELECT password_hash FROM app_user")} == {"$argon2id$v=19$m=19456,t=2,p=1$"}
        for u in first:
            assert access.authenticate(s, u["username"], u["password"], address=None).role == u["role"]
        assert access.get_user(s, "school-2420104003").display_name == "红星幼儿园"
        assert {h[:27] for h, in s.run("SELECT password_hash FROM app_user")} == {"$argon2id$v=19$m=8,t=1,p=1$"}
        secret, _ = access.create_session(s, access.get_user(s, "admin"), address=None, user_agent=None)

    out.chmod(0o644)
    r = users("demo", "--db", db, "--output", str(out))  # again: new passwords, the file rewritten
    assert r.exit_code == 0, r.output
    second = json.loads(out.read_text(encoding="utf-8"))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [u["username"] for u in second] == [u["username"] for u in first]
    assert all(a["password"] != b["password"] for a, b in zip(first, second))
    with Store(tmp_path / "demo.duckdb") as s:
        assert len(access.list_users(s)) == 6 and access.session_user(s, secret) is None
        with pytest.raises(access.LoginRefused):
            access.authenticate(s, "admin", first[0]["password"], address=None)
        assert access.authenticate(s, "admin", second[0]["password"], address=None).username == "admin"
        assert audit.count(s, action="user_add") == 6 and audit.count(s, action="password_reset") == 6
        assert audit.verify(s) == (True, None)
    assert [p.name for p in out.parent.iterdir()] == ["demo-users.json"]  # no temporary file left


def test_verify_audit(db_path):
    db = _store(db_path)
    r = users("verify-audit", "--db", db)
    assert r.exit_code == 0 and r.stdout.strip() == "审计日志完整：共 0 行，哈希链校验通过"
    users("add", "wangwu", "--role", "staff", "--password-stdin", "--db", db, input=GOOD + "\n")
    users("disable", "wangwu", "--db", db)
    with Store(db_path, read_only=True) as s:
        head = audit.head(s)
    r = users("verify-audit", "--db", db)
    assert r.exit_code == 0 and r.stdout.strip() == f"审计日志完整：共 2 行，哈希链校验通过；最新一行编号 2，哈希 {head[1]}"
    with Store(db_path) as s:
        s.run("UPDATE audit_log SET actor = '别人' WHERE id = 1")
    r = users("verify-audit", "--db", db)
    assert r.exit_code == 1 and ("审计日志校验失败：第 1 行的哈希与内容或前一行不符——该行（或它之前的一行）在写入后被改动或删除；"
                                 "请用备份核对") in r.stderr
    doc = json.loads(users("verify-audit", "--db", db, "--format", "json").stdout)
    assert doc == {"ok": False, "rows": 2, "first_bad_id": 1, "head_id": 2, "head_hash": head[1]}


def test_list_at_80_columns_cuts_no_school_code(db_path):
    """The review lesson "output cut at 80 columns": the rich table once showed a school code as 242010…."""
    db = _store(db_path)
    r = users("add", "school-2420104002", "--role", "school", "--school", "2420104002", "--name", "武汉市硚口区示范学校",
              "--db", db, input=f"{GOOD}\n{GOOD}\n")
    assert r.exit_code == 0, r.output
    table = runner.invoke(app, ["users", "list", "--db", db], env={"COLUMNS": "80"}).stdout
    assert "2420104002" in table and "…" not in table
