"""`eduplan users …`: the users of the web application and the API — add, list, disable, enable, reset a password,
and the demo store's users. Thin wrappers over eduplan.access; every change is recorded in the audit log with the
actor “命令行：<OS account>”. Passwords are prompted (hidden, twice) or read from one line of stdin
(--password-stdin), never taken from the command line. Registered in cli/app.py."""

from __future__ import annotations

import enum
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import StoreError
from .render import Col, Grid
from .common import DEFAULT_DB, DEMO_DB, DbOption, Format, FormatOption, emit_json, err, handle_errors, out, safe

users_app = typer.Typer(help="用户与角色：新增、列出、停用、启用、重设密码（网页与 API 的登录）；校验审计日志", no_args_is_help=True)


class Role(str, enum.Enum):
    admin = "admin"
    staff = "staff"
    inspector = "inspector"
    school = "school"


UserArg = Annotated[str, typer.Argument(help="用户名（英文字母、数字和 . _ -，不区分大小写）", metavar="用户名",
                                        show_default=False)]
StdinOption = Annotated[bool, typer.Option(
    "--password-stdin", help="从标准输入读一行作为密码（供脚本使用；不回显、不出现在命令行上）")]
DemoDbOption = Annotated[Path, typer.Option(
    "--db", envvar="EDUPLAN_DEMO_DB", help="示范区自己的数据库文件（默认 out/demo.duckdb；环境变量 EDUPLAN_DEMO_DB）")]


def actor() -> str:
    """The audit log's actor for a change made on the command line."""
    from ..store import os_account

    return f"命令行：{os_account()}"


def _existing(db: Path):
    """The store at `db`, opened for writing; refused when the file does not exist (never creates an empty one)."""
    from ..store import Store

    if not db.exists():
        raise StoreError(f"数据库文件“{db}”不存在；请用 --db 指向已有的数据库")
    return Store(db)


def _password(username: str, from_stdin: bool) -> str:
    """The new password: one line of stdin, or prompted twice with hidden input (checked against the policy)."""
    from ..access import AccessError, check_password_policy

    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise AccessError("--password-stdin：标准输入中没有密码（应为一行文字）")
        return line.removesuffix("\n").removesuffix("\r")
    pw = typer.prompt("新密码（输入时不显示）", hide_input=True, prompt_suffix="：")
    check_password_policy(username, pw)
    if typer.prompt("再输入一次", hide_input=True, prompt_suffix="：") != pw:
        raise AccessError("两次输入的密码不一致，未作任何更改")
    return pw


@users_app.command("add")
@handle_errors
def users_add(
    username: UserArg,
    role: Annotated[Role, typer.Option("--role", help="角色：admin 管理员、staff 规划统计、inspector 督学、school 学校",
                                       show_default=False)],
    school: Annotated[Optional[str], typer.Option("--school", help="学校用户所属学校的 10 位学校标识码（仅 --role school）")] = None,
    name: Annotated[Optional[str], typer.Option("--name", help="显示名（如 张三、某某小学）")] = None,
    password_stdin: StdinOption = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """新增用户（网页与 API 的登录账户）；密码提示输入两次，不回显。

    密码至少 12 个字符（设置 access.password_min_length），不能包含用户名，不能只由一类字符组成，不能是常见弱口令。

    库中只保存密码的 argon2id 散列；脚本可用 --password-stdin 从标准输入读一行。此操作记入审计日志。
    例：eduplan users add zhangsan --role staff --name 张三
    """
    from ..access import add_user, get_user
    from ..access.users import _valid_name

    with _existing(db) as store:
        uname = _valid_name(username)
        if get_user(store, uname) is not None:
            from ..access import AccessError

            raise AccessError(f"用户名“{uname}”已存在")
        pw = _password(uname, password_stdin)
        user = add_user(store, uname, role.value, pw, school_code=school, display_name=name, actor=actor())
    err.print(f"已新增用户 {safe(user.username)}（{user.role_label}"
              + (f"，学校 {safe(user.school_code)}" if user.school_code else "") + "）")


@users_app.command("list")
@handle_errors
def users_list(db: DbOption = DEFAULT_DB, fmt: FormatOption = Format.table) -> None:
    """列出全部用户（角色、学校、状态、最近登录；不显示密码散列）。

    各列：用户名、角色、学校、显示名、状态、最近登录（UTC）、未结束的网页会话数、有效的 API 令牌数。
    例：eduplan users list --format json
    """
    from ..access import user_rows
    from ..store import Store, time_label

    with Store(db, read_only=True) as store:
        rows = user_rows(store)
    if fmt == Format.json:
        emit_json({"users": rows, "count": len(rows)})
        return
    if not rows:
        out.print("库中还没有用户；用 eduplan users add 新增。")
        return
    # the project's page-fitted table (eduplan.cli.render.Grid): at 80 columns texts wrap, a code is never cut
    t = Grid(Col("用户名", "name"), Col("角色"), Col("学校", "name"), Col("显示名", "name", drop=2), Col("状态"),
             Col("最近登录", drop=1), Col("会话", "num"), Col("令牌", "num"), title=f"用户（{len(rows)} 个）",
             note="终端较窄：{dropped}未显示（加宽终端，或用 --format json 查看全部）")
    for r in rows:
        t.add_row(safe(r["username"]), r["role_label"], safe(r["school_code"] or "—"), safe(r["display_name"] or "—"),
                  "停用" if r["disabled"] else "启用", time_label(r["last_login"]) if r["last_login"] else "从未登录",
                  str(r["sessions"]), str(r["tokens"]))
    t.print()


@users_app.command("disable")
@handle_errors
def users_disable(username: UserArg, db: DbOption = DEFAULT_DB) -> None:
    """停用用户：不能再登录，会话立即结束，API 令牌全部吊销。

    最后一个启用的管理员不能停用。记入审计日志。
    例：eduplan users disable zhangsan
    """
    from ..access import set_disabled

    with _existing(db) as store:
        user = set_disabled(store, username, True, actor=actor())
    err.print(f"已停用用户 {safe(user.username)}（其会话已结束、API 令牌已吊销）")


@users_app.command("enable")
@handle_errors
def users_enable(username: UserArg, db: DbOption = DEFAULT_DB) -> None:
    """重新启用停用的用户（停用时吊销的 API 令牌不恢复）。

    记入审计日志。

    例：eduplan users enable zhangsan
    """
    from ..access import set_disabled

    with _existing(db) as store:
        user = set_disabled(store, username, False, actor=actor())
    err.print(f"已启用用户 {safe(user.username)}")


@users_app.command("reset-password")
@handle_errors
def users_reset_password(username: UserArg, password_stdin: StdinOption = False, db: DbOption = DEFAULT_DB) -> None:
    """重设用户的密码：其会话全部结束，API 令牌全部吊销。

    新密码提示输入两次（不回显），或用 --password-stdin 从标准输入读一行。记入审计日志。

    例：eduplan users reset-password zhangsan
    """
    from ..access import AccessError, get_user, reset_password

    with _existing(db) as store:
        user = get_user(store, username)
        if user is None:
            raise AccessError(f"没有用户“{username}”")
        reset_password(store, user.username, _password(user.username, password_stdin), actor=actor())
    err.print(f"已重设用户 {safe(user.username)} 的密码（其会话已结束、API 令牌已吊销）")


@users_app.command("verify-audit")
@handle_errors
def users_verify_audit(db: DbOption = DEFAULT_DB, fmt: FormatOption = Format.table) -> None:
    """校验审计日志的哈希链，报出第一处被改动或删除的行。

    任何一行在写入后被改动或删除时，报出第一处并以退出码 1 结束。
    通过时给出最新一行的编号和哈希：另行保存（如打印在月报上），日后可核对日志的末尾也未被截去。
    例：eduplan users verify-audit --db 库.duckdb
    """
    from ..access import audit
    from ..store import Store

    with Store(db, read_only=True) as store:
        ok, bad = audit.verify(store)
        rows, head = audit.count(store), audit.head(store)
    if fmt == Format.json:
        emit_json({"ok": ok, "rows": rows, "first_bad_id": bad, "head_id": head[0] if head else None,
                   "head_hash": head[1] if head else None})
    elif ok:
        out.print(f"审计日志完整：共 {rows} 行，哈希链校验通过" + (f"；最新一行编号 {head[0]}，哈希 {head[1]}" if head else ""))
    else:
        err.print(f"[bold red]审计日志校验失败：[/]第 {bad} 行的哈希与内容或前一行不符——该行（或它之前的一行）在写入后"
                  "被改动或删除；请用备份核对")
    if not ok:
        raise typer.Exit(1)


def write_private_json(path: Path, doc) -> None:
    """Write `doc` as JSON to `path`, readable by its owner only (mode 0600), replacing the file when complete."""
    from ..sheets import output_file

    with output_file(path) as tmp:
        os.chmod(tmp, 0o600)  # before a byte is written (the file is still empty)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, indent=2)
            f.write("\n")


@users_app.command("demo")
@handle_errors
def users_demo(
    output: Annotated[Path, typer.Option("--output", help="写出示范用户及其密码的 JSON 文件（仅本人可读，权限 0600）")]
    = Path("out/demo-users.json"),
    db: DemoDbOption = DEMO_DB,
) -> None:
    """为示范库建立各角色的示范用户，随机密码只写入 --output 文件。

    管理员、规划统计、督学各一个（admin、staff、inspector），每所学校一个学校用户（school-学校代码）。
    只用于示范库（全部导入批次都由 eduplan demo 写入），否则拒绝执行。

    用户名、角色、学校代码和密码只写到 --output 指定的文件（权限 0600），不出现在屏幕上；再次运行会给这些用户换新密码
    （结束其会话、吊销其令牌）并重写该文件。记入审计日志。
    例：eduplan users demo --output out/demo-users.json
    """
    from ..access.demo import demo_users
    from ..sheets import check_output

    check_output(output)
    with _existing(db) as store:
        users = demo_users(store, actor=actor())
    write_private_json(output, users)
    n_school = sum(u["role"] == "school" for u in users)
    err.print(f"已建立示范用户 {len(users)} 个（管理员、规划统计、督学各 1 个，学校 {n_school} 个）；"
              f"用户名和密码已写入 {safe(output)}（仅本人可读）")
