"""Users and roles: accounts of the web application and the API, their passwords, and login.

A user has a unique lower-case name, one role of ROLES (a 学校 user also its school's code), a display name,
an argon2id password hash and a disabled flag. Every change here writes its audit row in the same transaction.
Disabling a user, resetting a password or changing a role ends the user's sessions (and, except for a role
change, revokes the API tokens); a user's own password change ends all their sessions.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from ..store import as_utc
from ..store.schema import ATTEMPT_TABLE, SESSION_TABLE, TOKEN_TABLE, USER_TABLE
from . import audit, clock, throttle
from .db import end_user_sessions, next_id, revoke_user_tokens, transaction
from .errors import AccessError, LoginRefused
from .passwords import MAX_LENGTH, check_password_policy, hash_password, needs_rehash, verify_password
from .settings import AccessSettings, access_settings

ROLES: dict[str, str] = {"admin": "管理员", "staff": "规划统计", "inspector": "督学", "school": "学校"}
WRONG = "用户名或密码不正确"
DISABLED = "该账户已停用，请联系管理员"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MAX_DISPLAY = 64


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    school_code: str | None
    display_name: str | None
    disabled: bool

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def label(self) -> str:
        """The name to show: the display name, else the user name."""
        return self.display_name or self.username


_COLS = "user_id, username, role, school_code, display_name, disabled"


def _user(r: tuple | None) -> User | None:
    return None if r is None else User(r[0], r[1], r[2], r[3], r[4], bool(r[5]))


def normalise(username: Any) -> str:
    """A user name as stored and looked up: trimmed, lower case, control characters removed, at most 100 chars."""
    if not isinstance(username, str):
        return ""
    return _CONTROL.sub("", username).strip().lower()[:100]


def _valid_name(username: str) -> str:
    name = normalise(username)
    if not _NAME.match(name):
        raise AccessError(f"用户名“{username}”无效：应为 2–64 个字符，只含英文字母、数字和 . _ -，以字母或数字开头")
    return name


def _role(role: str) -> str:
    if role not in ROLES:
        raise AccessError(f"角色“{role}”不存在；可选：" + "、".join(f"{k}（{v}）" for k, v in ROLES.items()))
    return role


def _school(store, role: str, school_code: str | None) -> str | None:
    if role != "school":
        if school_code:
            raise AccessError(f"只有“学校”角色的用户可以指定学校（给出的学校代码：{school_code}）")
        return None
    if not school_code:
        raise AccessError("“学校”角色的用户须指定所属学校（学校代码，如 --school 4201040001）")
    code = str(school_code).strip()
    if not store.one("SELECT count(*) FROM school WHERE school_code = ?", [code])[0]:
        raise AccessError(f"学校代码“{code}”不在库中的学校名录里；学校用户须对应库中的一所学校（见 eduplan schools）")
    return code


def _display(display_name: str | None) -> str | None:
    if display_name is None:
        return None
    s = _CONTROL.sub("", display_name).strip()
    if len(s) > MAX_DISPLAY:
        raise AccessError(f"显示名不能超过 {MAX_DISPLAY} 个字符（现为 {len(s)} 个）")
    return s or None


def get_user(store, username: str) -> User | None:
    return _user(store.one(f"SELECT {_COLS} FROM {USER_TABLE} WHERE username = ?", [normalise(username)]))


def user_by_id(store, user_id: int) -> User | None:
    return _user(store.one(f"SELECT {_COLS} FROM {USER_TABLE} WHERE user_id = ?", [int(user_id)]))


def list_users(store) -> list[User]:
    """Every user, by user name."""
    return [_user(r) for r in store.run(f"SELECT {_COLS} FROM {USER_TABLE} ORDER BY username")]


def user_rows(store) -> list[dict[str, Any]]:
    """Every user with the facts an administrator checks (never the hash): user_id, username, role, role_label,
    school_code, display_name, disabled, created_at, created_by, password_changed_at, last_login (aware UTC or
    None), sessions (live), tokens (not revoked, not expired)."""
    now = clock.now()
    out = store.dicts(
        f"SELECT u.user_id, u.username, u.role, u.school_code, u.display_name, u.disabled, u.created_at, u.created_by, "
        f"u.password_changed_at, "
        f"(SELECT max(attempted_at) FROM {ATTEMPT_TABLE} a WHERE a.username = u.username AND a.outcome = 'success') "
        f"AS last_login, "
        f"(SELECT count(*) FROM {SESSION_TABLE} s WHERE s.user_id = u.user_id AND s.ended_at IS NULL) AS sessions, "
        f"(SELECT count(*) FROM {TOKEN_TABLE} t WHERE t.user_id = u.user_id AND t.revoked_at IS NULL "
        f"AND (t.expires_at IS NULL OR t.expires_at > ?)) AS tokens "
        f"FROM {USER_TABLE} u ORDER BY u.username", [now])
    for r in out:
        r["role_label"] = ROLES.get(r["role"], r["role"])
        for k in ("created_at", "password_changed_at", "last_login"):
            r[k] = as_utc(r[k])
    return out


def _require(store, username: str) -> tuple:
    r = store.one(f"SELECT {_COLS}, password_hash FROM {USER_TABLE} WHERE username = ?", [normalise(username)])
    if r is None:
        raise AccessError(f"没有用户“{username}”")
    return r


def add_user(store, username: str, role: str, password: str, *, school_code: str | None = None,
             display_name: str | None = None, actor: Any, address: str | None = None,
             settings: AccessSettings | None = None) -> User:
    """Create a user (the password checked against the policy, stored as its argon2id hash); audited."""
    s = settings or access_settings()
    name, role = _valid_name(username), _role(role)
    code, display = _school(store, role, school_code), _display(display_name)
    check_password_policy(name, password, s)
    if get_user(store, name) is not None:
        raise AccessError(f"用户名“{name}”已存在")
    pw_hash = hash_password(password, s)
    who, _ = audit.actor_and_role(actor)
    now = clock.now()
    with transaction(store, "新增用户"):
        uid = next_id(store, USER_TABLE, "user_id")
        store.run(f"INSERT INTO {USER_TABLE} (user_id, username, role, school_code, display_name, password_hash, "
                  "disabled, created_at, created_by, password_changed_at) VALUES (?, ?, ?, ?, ?, ?, FALSE, ?, ?, ?)",
                  [uid, name, role, code, display, pw_hash, now, who or "", now])
        audit.append(store, actor=actor, action="user_add", target=name, address=address,
                     detail={"角色": ROLES[role], "学校代码": code, "显示名": display})
    return User(uid, name, role, code, display, False)


def _enabled_admins_besides(store, user_id: int) -> int:
    return store.one(f"SELECT count(*) FROM {USER_TABLE} WHERE role = 'admin' AND NOT disabled AND user_id <> ?",
                     [user_id])[0]


def set_disabled(store, username: str, disabled: bool, *, actor: Any, address: str | None = None) -> User:
    """Disable (ending the user's sessions and revoking their API tokens) or enable a user; audited. The last
    enabled administrator cannot be disabled."""
    r = _require(store, username)
    user = _user(r[:6])
    if user.disabled == bool(disabled):
        raise AccessError(f"用户“{user.username}”已经是{'停用' if disabled else '启用'}状态")
    if disabled and user.role == "admin" and not _enabled_admins_besides(store, user.id):
        raise AccessError(f"不能停用最后一个启用的管理员“{user.username}”：请先新增或启用另一位管理员")
    who, _ = audit.actor_and_role(actor)
    now = clock.now()
    with transaction(store, "停用用户" if disabled else "启用用户"):
        store.run(f"UPDATE {USER_TABLE} SET disabled = ? WHERE user_id = ?", [bool(disabled), user.id])
        detail = None
        if disabled:
            detail = {"结束会话数": end_user_sessions(store, user.id, "disabled", now),
                      "吊销令牌数": revoke_user_tokens(store, user.id, who or "", now)}
        audit.append(store, actor=actor, action="user_disable" if disabled else "user_enable", target=user.username,
                     address=address, detail=detail)
    return User(user.id, user.username, user.role, user.school_code, user.display_name, bool(disabled))


def set_role(store, username: str, role: str, *, school_code: str | None = None, actor: Any,
             address: str | None = None) -> User:
    """Change a user's role (and school); ends the user's sessions so that no page keeps the old rights; audited.
    The last enabled administrator keeps the role."""
    r = _require(store, username)
    user = _user(r[:6])
    role = _role(role)
    code = _school(store, role, school_code)
    if (role, code) == (user.role, user.school_code):
        raise AccessError(f"用户“{user.username}”的角色已是“{ROLES[role]}”" + (f"（学校 {code}）" if code else ""))
    if user.role == "admin" and role != "admin" and not user.disabled and not _enabled_admins_besides(store, user.id):
        raise AccessError(f"不能改变最后一个启用的管理员“{user.username}”的角色：请先新增或启用另一位管理员")
    now = clock.now()
    with transaction(store, "修改角色"):
        store.run(f"UPDATE {USER_TABLE} SET role = ?, school_code = ? WHERE user_id = ?", [role, code, user.id])
        ended = end_user_sessions(store, user.id, "role_change", now)
        audit.append(store, actor=actor, action="role_change", target=user.username, address=address,
                     detail={"原角色": ROLES.get(user.role, user.role), "原学校代码": user.school_code,
                             "新角色": ROLES[role], "新学校代码": code, "结束会话数": ended})
    return User(user.id, user.username, role, code, user.display_name, user.disabled)


def reset_password(store, username: str, new_password: str, *, actor: Any, address: str | None = None,
                   settings: AccessSettings | None = None) -> None:
    """Set a user's password (an administrator's reset): ends the user's sessions and revokes their API tokens;
    audited."""
    s = settings or access_settings()
    r = _require(store, username)
    user = _user(r[:6])
    check_password_policy(user.username, new_password, s)
    pw_hash = hash_password(new_password, s)
    who, _ = audit.actor_and_role(actor)
    now = clock.now()
    with transaction(store, "重设密码"):
        store.run(f"UPDATE {USER_TABLE} SET password_hash = ?, password_changed_at = ? WHERE user_id = ?",
                  [pw_hash, now, user.id])
        audit.append(store, actor=actor, action="password_reset", target=user.username, address=address,
                     detail={"结束会话数": end_user_sessions(store, user.id, "password_reset", now),
                             "吊销令牌数": revoke_user_tokens(store, user.id, who or "", now)})


def change_password(store, user: User, old_password: str, new_password: str, *, address: str | None,
                    settings: AccessSettings | None = None) -> None:
    """A user's own password change: the old password must be right (a wrong one counts as a failed login, and
    the login throttle applies); the new one must meet the policy and differ from the old. Ends all the user's
    sessions (sign in again); audited."""
    s = settings or access_settings()
    r = _require(store, user.username)
    current = _user(r[:6])
    now = clock.now()
    wait = throttle.wait(store, current.username, address, now, s)
    if wait > 0:
        _refuse(store, current.username, current.role, address, now, wait, "修改密码")
    if not verify_password(r[6], old_password, s):
        with transaction(store, "记录修改密码"):
            throttle.record(store, current.username, address, "failure", now)
            audit.append(store, actor=current, action="password_change", target=current.username, address=address,
                         outcome="失败", detail={"原因": "原密码不正确"})
        raise AccessError("原密码不正确")
    check_password_policy(current.username, new_password, s)
    if new_password == old_password:
        raise AccessError("新密码不能与原密码相同")
    pw_hash = hash_password(new_password, s)
    with transaction(store, "修改密码"):
        store.run(f"UPDATE {USER_TABLE} SET password_hash = ?, password_changed_at = ? WHERE user_id = ?",
                  [pw_hash, now, current.id])
        audit.append(store, actor=current, action="password_change", target=current.username, address=address,
                     detail={"结束会话数": end_user_sessions(store, current.id, "password_change", now)})


def _refuse(store, name: str, role: str | None, address: str | None, now, wait: float, what: str) -> None:
    """Record a throttled attempt and raise LoginRefused with the seconds to wait."""
    seconds = math.ceil(wait)
    with transaction(store, "记录登录尝试"):
        throttle.record(store, name, address, "refused", now)
        audit.append(store, actor=name, role=role, action="login_throttled", target=name, address=address,
                     outcome="失败", detail={"操作": what, "须等待秒数": seconds})
    raise LoginRefused(f"登录失败次数过多，请 {seconds} 秒后再试", retry_after=wait)


def authenticate(store, username: str, password: str, *, address: str | None,
                 settings: AccessSettings | None = None) -> User:
    """Check a login. Returns the User; raises LoginRefused (“用户名或密码不正确” for an unknown name and a wrong
    password alike; “该账户已停用，请联系管理员” for a disabled account with the right password; “登录失败次数过多，
    请 N 秒后再试” when throttled, with `retry_after` in seconds). Every attempt is recorded (login_attempt and the
    audit log); a hash made with older parameters is re-made."""
    s = settings or access_settings()
    name = normalise(username)
    now = clock.now()
    r = store.one(f"SELECT {_COLS}, password_hash FROM {USER_TABLE} WHERE username = ?", [name])
    role = r[2] if r else None
    wait = throttle.wait(store, name, address, now, s)
    if wait > 0:
        _refuse(store, name, role, address, now, wait, "登录")
    pw = password if isinstance(password, str) and len(password) <= MAX_LENGTH else None
    ok = verify_password(r[6] if r else None, pw or "", s) and pw is not None
    if not ok:
        with transaction(store, "记录登录尝试"):
            throttle.record(store, name, address, "failure", now)
            audit.append(store, actor=name, role=role, action="login_failed", target=name, address=address,
                         outcome="失败", detail={"原因": WRONG if r else "用户名不存在"})
        raise LoginRefused(WRONG)
    user = _user(r[:6])
    if user.disabled:
        with transaction(store, "记录登录尝试"):
            throttle.record(store, name, address, "disabled", now)
            audit.append(store, actor=user, action="login_failed", target=name, address=address, outcome="失败",
                         detail={"原因": "账户已停用"})
        raise LoginRefused(DISABLED)
    new_hash = hash_password(pw, s) if needs_rehash(r[6], s) else None
    with transaction(store, "记录登录"):
        if new_hash:
            store.run(f"UPDATE {USER_TABLE} SET password_hash = ? WHERE user_id = ?", [new_hash, user.id])
        throttle.record(store, name, address, "success", now)
        audit.append(store, actor=user, action="login", target=name, address=address,
                     detail={"重新散列密码": True} if new_hash else None)
    return user
