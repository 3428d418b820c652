"""The audit log (审计日志): who did what, when, from where, with what outcome — append-only and hash-chained.

Every row holds the previous row's hash and its own sha256 over that hash and its content (id, time, actor,
role, address, action, target, detail, outcome), so a row changed, inserted or removed after it was written
breaks the chain at that row (`verify`). Nothing in eduplan updates or deletes an audit row; the store file is
the trust boundary (whoever can write the file can rewrite the whole chain — `head()` gives the latest hash to
keep elsewhere, e.g. printed in a monthly report, which makes even that detectable).

`record` writes one row in its own transaction; `append` writes one inside the caller's transaction (the
user, password and token changes of eduplan.access use it, so the change and its audit row commit together).
ACTIONS is the one place the Chinese labels of the action codes live.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..store import as_utc, time_label
from ..store.schema import AUDIT_TABLE
from . import clock
from .db import transaction

ACTIONS: dict[str, str] = {
    "login": "登录",
    "login_failed": "登录失败",
    "login_throttled": "登录受限（失败次数过多）",
    "logout": "退出登录",
    "sessions_end": "结束会话",
    "upload": "上传导入",
    "undo": "撤销批次",
    "judgement": "督导评估判定",
    "setting": "修改设置",
    "plan_bind": "绑定规划",
    "backup": "备份数据库",
    "user_add": "新增用户",
    "user_disable": "停用用户",
    "user_enable": "启用用户",
    "role_change": "修改角色",
    "password_reset": "重设密码",
    "password_change": "修改密码",
    "token_create": "创建 API 令牌",
    "token_revoke": "吊销 API 令牌",
    "planner_run": "运行改进方案测算",
    "download": "下载",
    "round_open": "开启采集轮次",
    "round_close": "结束采集轮次",
    "round_reopen": "重新开启采集轮次",
    "submit": "提交采集数据",
    "submit_refused": "采集数据未通过校验",
    "return": "退回提交",
    "approve": "审核通过",
    "unlock": "解锁已审核数据",
}
OUTCOMES = ("成功", "失败")
GENESIS = "0" * 64

# column → Chinese header, in the order of a row (the xlsx export and the audit page use these)
COLUMNS: dict[str, str] = {
    "id": "编号", "at": "时间（UTC）", "actor": "操作人", "role": "角色", "address": "来源地址", "action": "操作",
    "target": "对象", "detail": "详情", "outcome": "结果", "prev_hash": "前一行哈希", "hash": "本行哈希",
}
_SELECT = 'id, "at", actor, role, address, action, target, detail, outcome, prev_hash, hash'
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LIMITS = {"actor": 200, "role": 40, "address": 100, "target": 500}
MAX_DETAIL = 20000


def _text(v: Any, limit: int) -> str | None:
    """Text for a column: control characters removed (a log line cannot forge another), bounded length."""
    if v is None:
        return None
    s = _CONTROL.sub("", str(v))
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _detail(detail: dict | str | None) -> str | None:
    if detail is None:
        return None
    text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def row_hash(prev_hash: str, content: list[Any]) -> str:
    """sha256 (hex) over the previous row's hash, a line feed and the row's content as canonical JSON."""
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + "\n" + body).encode("utf-8")).hexdigest()


def _content(id_: int, at: datetime, actor, role, address, action, target, detail, outcome) -> list[Any]:
    return [id_, at.isoformat(timespec="microseconds"), actor, role, address, action, target, detail, outcome]


def actor_and_role(actor: Any, role: str | None = None) -> tuple[str | None, str | None]:
    """(actor name, role) from a user name or a User (whose role is taken when `role` is not given)."""
    if actor is not None and not isinstance(actor, str) and hasattr(actor, "username"):
        return actor.username, role if role is not None else getattr(actor, "role", None)
    return actor, role


def append(store, *, actor: Any, role: str | None = None, action: str, target: str = "",
           detail: dict | str | None = None, address: str | None = None, outcome: str = "成功") -> int:
    """Append one audit row inside the caller's transaction; its id."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r} (add it to eduplan.access.audit.ACTIONS)")
    if outcome not in OUTCOMES:
        raise ValueError(f"audit outcome must be one of {OUTCOMES}, not {outcome!r}")
    actor, role = actor_and_role(actor, role)
    last = store.one(f"SELECT id, hash FROM {AUDIT_TABLE} ORDER BY id DESC LIMIT 1")
    new_id, prev = (1, GENESIS) if last is None else (last[0] + 1, last[1])
    at = _naive_utc(clock.now())
    values = [_text(actor, _LIMITS["actor"]), _text(role, _LIMITS["role"]), _text(address, _LIMITS["address"]), action,
              _text(target or "", _LIMITS["target"]), _detail(detail), outcome]
    h = row_hash(prev, _content(new_id, at, *values))
    store.run(f"INSERT INTO {AUDIT_TABLE} ({_SELECT}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              [new_id, at, *values, prev, h])
    return new_id


def record(store, *, actor: Any, role: str | None = None, action: str, target: str = "",
           detail: dict | str | None = None, address: str | None = None, outcome: str = "成功") -> int:
    """Write one audit row in its own transaction; its id. `actor`: a user name, a User (its role is taken),
    “命令行：<OS account>”, or None (nobody signed in); `detail`: a dict (stored as JSON text) or text."""
    with transaction(store, "写入审计日志"):
        return append(store, actor=actor, role=role, action=action, target=target, detail=detail,
                      address=address, outcome=outcome)


def _naive_utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc).replace(tzinfo=None) if dt.tzinfo is not None else dt


def _where(actor, action, since, until, outcome) -> tuple[str, list[Any]]:
    where, params = [], []
    if actor is not None:
        where.append("actor = ?")
        params.append(actor)
    if action is not None:
        where.append("action = ?")
        params.append(action)
    if since is not None:
        where.append('"at" >= ?')
        params.append(_naive_utc(since))
    if until is not None:
        where.append('"at" < ?')
        params.append(_naive_utc(until))
    if outcome is not None:
        where.append("outcome = ?")
        params.append(outcome)
    return (" WHERE " + " AND ".join(where) if where else ""), params


def rows(store, *, actor: str | None = None, action: str | None = None, since: datetime | None = None,
         until: datetime | None = None, outcome: str | None = None, limit: int = 1000, offset: int = 0
         ) -> list[dict[str, Any]]:
    """Audit rows, newest first, every column (`at` an aware UTC datetime, `detail` the stored JSON text) plus
    `action_label` and `role_label` in Chinese. `since` ≤ at < `until` (aware datetimes, or naive UTC)."""
    where, params = _where(actor, action, since, until, outcome)
    out = store.dicts(f"SELECT {_SELECT} FROM {AUDIT_TABLE}{where} ORDER BY id DESC LIMIT ? OFFSET ?",
                      params + [max(0, int(limit)), max(0, int(offset))])
    from .users import ROLES

    for r in out:
        r["at"] = as_utc(r["at"])
        r["action_label"] = ACTIONS.get(r["action"], r["action"])
        r["role_label"] = ROLES.get(r["role"], r["role"]) if r["role"] else None
    return out


def count(store, *, actor: str | None = None, action: str | None = None, since: datetime | None = None,
          until: datetime | None = None, outcome: str | None = None) -> int:
    """The number of audit rows the same filters as `rows` select."""
    where, params = _where(actor, action, since, until, outcome)
    return store.one(f"SELECT count(*) FROM {AUDIT_TABLE}{where}", params)[0]


def head(store) -> tuple[int, str] | None:
    """(id, hash) of the latest audit row — the value to keep outside the store; None when the log is empty."""
    r = store.one(f"SELECT id, hash FROM {AUDIT_TABLE} ORDER BY id DESC LIMIT 1")
    return None if r is None else (r[0], r[1])


def verify(store) -> tuple[bool, int | None]:
    """Check the hash chain from the first row: (True, None) when intact, else (False, id of the first row whose
    stored previous hash or own hash does not match — the row changed, or the first row after one removed)."""
    cur = store.con.execute(f"SELECT {_SELECT} FROM {AUDIT_TABLE} ORDER BY id")
    prev, expected_id = GENESIS, 1
    while batch := cur.fetchmany(10000):
        for (id_, at, actor, role, address, action, target, detail, outcome, prev_hash, h) in batch:
            if id_ != expected_id or prev_hash != prev or \
                    row_hash(prev_hash, _content(id_, at, actor, role, address, action, target, detail, outcome)) != h:
                cur.fetchall()  # the result must be consumed before the connection runs anything else
                return False, id_
            prev, expected_id = h, id_ + 1
    return True, None


def write_xlsx(rows: list[dict[str, Any]], path: str | Path, store: str | Path | None = None) -> None:
    """The audit rows as a workbook: the 审计日志 sheet (Chinese headers, every text cell written as text, times
    labelled UTC) and its 说明 sheet. `store`: the store file the rows come from, named on line 2."""
    from ..sheets import Col, Styles, provenance, workbook, write_notes_sheet, write_table
    from .users import ROLES

    cols = [Col("编号", "个", "审计日志行号，自 1 起连续"),
            Col(COLUMNS["at"], note="操作时间，协调世界时（UTC），北京时间 = UTC + 8 小时"),
            Col("操作人", note="用户名；命令行上的操作为“命令行：系统账户”；登录失败时为输入的用户名"),
            Col("角色", note="操作人的角色（管理员、规划统计、督学、学校）；命令行和不存在的用户名为空"),
            Col("来源地址", note="网页或接口请求的客户端地址"),
            Col("操作", note="操作类别"),
            Col("对象", note="操作的对象：用户名、文件名、令牌名称等"),
            Col("详情", max_width=80, note="操作的详情（JSON 文本）"),
            Col("结果", note="成功或失败"),
            Col("前一行哈希", note="上一行的“本行哈希”（第 1 行为 64 个 0）"),
            Col("本行哈希", note="前一行哈希与本行内容的 SHA-256；任何一行被改动或删除，自该行起校验失败")]
    table = [[r["id"], time_label(r["at"]), r["actor"], ROLES.get(r["role"], r["role"]) if r["role"] else None,
              r["address"], ACTIONS.get(r["action"], r["action"]), r["target"], r["detail"], r["outcome"],
              r["prev_hash"], r["hash"]] for r in rows]
    title = f"审计日志（{len(rows)} 行）"
    subtitle = provenance(store, None, "审计日志") + "；时间均为 UTC"
    with workbook(path, {"title": "审计日志"}) as wb:
        st = Styles(wb)
        write_table(wb, st, "审计日志", cols, table, title=title, subtitle=subtitle,
                    notes=["审计日志只增不改：每行记录前一行的哈希和本行的 SHA-256，改动或删除任何一行都会使校验在该行失败。"])
        write_notes_sheet(wb, st, title, subtitle, [("审计日志", "登录、退出、上传、撤销、判定、设置、用户与令牌的每次操作，新的在前")],
                          [("审计日志", c) for c in cols],
                          ["来源：数据库中的审计日志（只增不改，以哈希链防篡改；说明见 docs/security.md）。"])
