"""Demo users: one user per bureau role and one 学校 user per school of a demo store, each with a random password.

Only on a demo store (every import batch of kind 'demo'); running it again gives those users new passwords (ending
their sessions and tokens). The passwords are returned to the caller, which writes them to one file only
(`eduplan users demo --output`); they are stored nowhere else (the store keeps their argon2id hashes).

A demo store has one user per school (about 150): their hashes are made with argon2id at OWASP's minimum parameters
(DEMO_PARAMETERS: t=2, m=19 MiB, p=1; about 8× cheaper than the default), so that `make demo` takes seconds, not
minutes; each is re-made with the settings' parameters at the user's first login (`needs_rehash`). The passwords are
20 random characters (about 120 bits), which no hash cost adds to.
"""

from __future__ import annotations

import secrets
from typing import Any

from ..store.schema import BATCH_TABLE, KINDS, USER_TABLE
from . import audit, clock
from .db import end_user_sessions, next_id, revoke_user_tokens, transaction
from .errors import AccessError
from .passwords import _hasher, check_password_policy
from .settings import AccessSettings, access_settings
from .users import MAX_DISPLAY, ROLES

DEMO_PARAMETERS = (2, 19456, 1)  # argon2id time cost, memory (KiB), parallelism: OWASP's minimum
BUREAU = (("admin", "admin", "示范管理员"), ("staff", "staff", "示范规划统计"), ("inspector", "inspector", "示范督学"))


def school_username(school_code: str) -> str:
    return f"school-{school_code}".lower()


def require_demo_store(store) -> None:
    """Refuse (in Chinese) a store with no batches or with any batch not written by the demo."""
    kinds = store.run(f"SELECT coalesce(kind, 'import'), count(*), min(batch_id) FROM {BATCH_TABLE} "
                      "GROUP BY ALL ORDER BY 3")
    foreign = [(k, n, first) for k, n, first in kinds if k != "demo"]
    if not kinds:
        raise AccessError(f"数据库“{store.path}”中没有任何导入批次，不是示范库；示范用户只建在示范库中"
                          "（先运行 eduplan demo）")
    if foreign:
        k, n, first = foreign[0]
        raise AccessError(f"数据库“{store.path}”不是示范库（批次 {first} 等 {n} 个批次的类型为“{KINDS.get(k, k)}”）；"
                          "示范用户只建在示范库中，真实用户请用 eduplan users add 逐个建立")


def new_password(username: str, settings: AccessSettings) -> str:
    """A random password meeting the policy (20 URL-safe characters from `secrets`)."""
    while True:
        pw = secrets.token_urlsafe(15)
        try:
            check_password_policy(username, pw, settings)
            return pw
        except AccessError:
            continue


def demo_users(store, *, actor: Any, settings: AccessSettings | None = None) -> list[dict[str, Any]]:
    """Create (or give new passwords to) the demo users, in one transaction; [{username, role, school_code,
    password}] — bureau roles first, then the schools by code."""
    s = settings or access_settings()
    require_demo_store(store)
    schools = store.run("SELECT school_code, school_name FROM school ORDER BY school_code")
    specs = [(name, role, None, label) for name, role, label in BUREAU]
    specs += [(school_username(code), "school", code, (name or code)[:MAX_DISPLAY]) for code, name in schools]
    ph = _hasher(*DEMO_PARAMETERS)
    made = [(name, role, code, label, pw, ph.hash(pw))
            for name, role, code, label in specs for pw in [new_password(name, s)]]
    who, _ = audit.actor_and_role(actor)
    now = clock.now()
    with transaction(store, "建立示范用户"):
        uid = next_id(store, USER_TABLE, "user_id")
        for name, role, code, label, _pw, pw_hash in made:
            r = store.one(f"SELECT user_id FROM {USER_TABLE} WHERE username = ?", [name])
            if r is None:
                store.run(f"INSERT INTO {USER_TABLE} (user_id, username, role, school_code, display_name, "
                          "password_hash, disabled, created_at, created_by, password_changed_at) "
                          "VALUES (?, ?, ?, ?, ?, ?, FALSE, ?, ?, ?)", [uid, name, role, code, label, pw_hash, now,
                                                                        who or "", now])
                uid += 1
                audit.append(store, actor=actor, action="user_add", target=name,
                             detail={"角色": ROLES[role], "学校代码": code, "显示名": label, "示范用户": True})
            else:
                store.run(f"UPDATE {USER_TABLE} SET role = ?, school_code = ?, display_name = ?, password_hash = ?, "
                          "disabled = FALSE, password_changed_at = ? WHERE user_id = ?",
                          [role, code, label, pw_hash, now, r[0]])
                audit.append(store, actor=actor, action="password_reset", target=name,
                             detail={"示范用户": True, "结束会话数": end_user_sessions(store, r[0], "password_reset", now),
                                     "吊销令牌数": revoke_user_tokens(store, r[0], who or "", now)})
    return [{"username": name, "role": role, "school_code": code, "password": pw}
            for name, role, code, _label, pw, _h in made]
