"""Browser sessions: a random secret in the cookie, only its sha256 in the store, a CSRF token per session.

A session ends on logout, on the user's password change or reset, on disabling the user or changing the role,
after `session_idle_minutes` without a request, and `session_max_hours` after login. `last_seen` is written at
most once a minute, to keep writes low.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..store import as_utc
from ..store.schema import SESSION_TABLE, USER_TABLE
from . import audit, clock
from .db import end_user_sessions, next_id, sha256, transaction
from .settings import AccessSettings, access_settings
from .users import User, _user

TOUCH_EVERY = timedelta(minutes=1)
MAX_SECRET = 200
MAX_AGENT = 300


@dataclass(frozen=True)
class Session:
    id: int
    user_id: int
    csrf: str
    created_at: datetime  # aware UTC
    last_seen: datetime  # aware UTC
    address: str | None
    user_agent: str | None


def create_session(store, user: User, *, address: str | None, user_agent: str | None) -> tuple[str, str]:
    """Start a session for `user` (after `authenticate`): (the secret for the cookie, the CSRF token)."""
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = clock.now()
    agent = (user_agent or "")[:MAX_AGENT] or None
    with transaction(store, "建立会话"):
        store.run(f"INSERT INTO {SESSION_TABLE} (session_id, secret_sha256, user_id, csrf, created_at, last_seen, "
                  "address, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  [next_id(store, SESSION_TABLE, "session_id"), sha256(secret), user.id, csrf, now, now,
                   address, agent])
    return secret, csrf


def _find(store, secret: Any) -> tuple | None:
    if not isinstance(secret, str) or not secret or len(secret) > MAX_SECRET:
        return None
    return store.one(
        f"SELECT s.session_id, s.user_id, s.csrf, s.created_at, s.last_seen, s.address, s.user_agent, s.ended_at, "
        f"u.user_id, u.username, u.role, u.school_code, u.display_name, u.disabled "
        f"FROM {SESSION_TABLE} s JOIN {USER_TABLE} u ON u.user_id = s.user_id WHERE s.secret_sha256 = ?",
        [sha256(secret)])


def session_user(store, secret: Any, settings: AccessSettings | None = None) -> tuple[User, Session] | None:
    """The user and session of a cookie's secret; None when unknown, ended, idle longer than
    `session_idle_minutes`, older than `session_max_hours`, or the user is disabled."""
    r = _find(store, secret)
    if r is None or r[7] is not None:
        return None
    s = settings or access_settings()
    now = clock.now()
    sid, created, seen = r[0], r[3], r[4]
    reason = ("expired" if now - created > timedelta(hours=s.session_max_hours)
              else "idle" if now - seen > timedelta(minutes=s.session_idle_minutes) else None)
    if reason:
        with transaction(store, "结束会话"):
            store.run(f"UPDATE {SESSION_TABLE} SET ended_at = ?, ended_reason = ? WHERE session_id = ?",
                      [now, reason, sid])
        return None
    user = _user(r[8:14])
    if user.disabled:
        return None
    if now - seen >= TOUCH_EVERY:
        with transaction(store, "更新会话"):
            store.run(f"UPDATE {SESSION_TABLE} SET last_seen = ? WHERE session_id = ?", [now, sid])
        seen = now
    return user, Session(sid, r[1], r[2], as_utc(created), as_utc(seen), r[5], r[6])


def end_session(store, secret: Any, *, address: str | None = None) -> None:
    """Log out: end the session of this secret (recorded in the audit log as 退出登录); nothing for an unknown or
    ended one."""
    r = _find(store, secret)
    if r is None or r[7] is not None:
        return
    with transaction(store, "退出登录"):
        store.run(f"UPDATE {SESSION_TABLE} SET ended_at = ?, ended_reason = 'logout' WHERE session_id = ?",
                  [clock.now(), r[0]])
        audit.append(store, actor=_user(r[8:14]), action="logout", target=r[9], address=address)


def end_sessions(store, user_id: int, *, actor: Any = None, address: str | None = None) -> int:
    """End every live session of a user (“log out everywhere”, or an administrator's action); the number ended.
    Audited (the actor defaults to the user)."""
    with transaction(store, "结束会话"):
        n = end_user_sessions(store, user_id, "ended", clock.now())
        if n:
            r = store.one(f"SELECT username, role FROM {USER_TABLE} WHERE user_id = ?", [user_id])
            who = actor if actor is not None else (r[0] if r else None)
            role = None if actor is not None else (r[1] if r else None)
            audit.append(store, actor=who, role=role, action="sessions_end", target=r[0] if r else str(user_id),
                         address=address, detail={"结束会话数": n})
    return n


def list_sessions(store, user: User) -> list[dict[str, Any]]:
    """The user's live sessions, newest first: id, created_at, last_seen, address, user_agent (never the secret)."""
    out = store.dicts(f"SELECT session_id AS id, created_at, last_seen, address, user_agent FROM {SESSION_TABLE} "
                      "WHERE user_id = ? AND ended_at IS NULL ORDER BY session_id DESC", [user.id])
    for d in out:
        d["created_at"], d["last_seen"] = as_utc(d["created_at"]), as_utc(d["last_seen"])
    return out
