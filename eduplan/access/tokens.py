"""API tokens: for scripts, sent as `Authorization: Bearer <secret>`. The secret (“ept_” + 43 random characters) is
shown once when made; the store keeps only its sha256. A token ends when revoked, when it expires, and when its
user is disabled or has the password reset; `last_used` is written at most once a minute."""

from __future__ import annotations

import math
import re
import secrets
from datetime import timedelta
from typing import Any

from ..store import as_utc
from ..store.schema import TOKEN_TABLE, USER_TABLE
from . import audit, clock
from .db import next_id, sha256, transaction
from .errors import AccessError
from .users import User, _user

PREFIX = "ept_"
TOUCH_EVERY = timedelta(minutes=1)
MAX_NAME = 64
MAX_HOURS = 24 * 366
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def create_token(store, user: User, name: str, *, expires_hours: float | None = None,
                 address: str | None = None) -> tuple[int, str]:
    """Make an API token for `user`: (token id, the secret — shown this once). `expires_hours`: None for a token
    that lasts until revoked; else between 1 minute and 366 days. Audited."""
    label = _CONTROL.sub("", name if isinstance(name, str) else "").strip()
    if not label:
        raise AccessError("令牌名称不能为空（写明用途，如“统计脚本”）")
    if len(label) > MAX_NAME:
        raise AccessError(f"令牌名称不能超过 {MAX_NAME} 个字符（现为 {len(label)} 个）")
    if expires_hours is not None and (not isinstance(expires_hours, (int, float)) or math.isnan(expires_hours)
                                      or not 1 / 60 <= expires_hours <= MAX_HOURS):
        raise AccessError(f"令牌有效期应在 1 分钟到 {MAX_HOURS} 小时（366 天）之间，给出的是 {expires_hours} 小时")
    secret = PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    expires = None if expires_hours is None else now + timedelta(hours=expires_hours)
    with transaction(store, "创建 API 令牌"):
        tid = next_id(store, TOKEN_TABLE, "token_id")
        store.run(f"INSERT INTO {TOKEN_TABLE} (token_id, user_id, name, secret_sha256, created_at, expires_at) "
                  "VALUES (?, ?, ?, ?, ?, ?)", [tid, user.id, label, sha256(secret), now, expires])
        audit.append(store, actor=user, action="token_create", target=label, address=address,
                     detail={"令牌编号": tid, "到期（UTC）": expires.isoformat(sep=" ", timespec="seconds")
                             if expires else "吊销前一直有效"})
    return tid, secret


def _rows(store, where: str, params: list) -> list[dict[str, Any]]:
    now = clock.now()
    out = store.dicts(f"SELECT t.token_id AS id, t.user_id, u.username, t.name, t.created_at, t.last_used, "
                      f"t.expires_at, t.revoked_at, t.revoked_by FROM {TOKEN_TABLE} t "
                      f"JOIN {USER_TABLE} u ON u.user_id = t.user_id {where} ORDER BY t.token_id DESC", params)
    for d in out:
        d["revoked"] = d["revoked_at"] is not None
        d["expired"] = d["expires_at"] is not None and d["expires_at"] <= now
        for k in ("created_at", "last_used", "expires_at", "revoked_at"):
            d[k] = as_utc(d[k])
    return out


def list_tokens(store, user: User) -> list[dict[str, Any]]:
    """The user's tokens, newest first: id, name, created_at, last_used, expires_at, revoked (bool), revoked_at,
    revoked_by, expired (bool) — never the secret (times aware UTC)."""
    return _rows(store, "WHERE t.user_id = ?", [user.id])


def all_tokens(store) -> list[dict[str, Any]]:
    """Every user's tokens (for an administrator), newest first, as `list_tokens` with user_id and username."""
    return _rows(store, "", [])


def revoke_token(store, user: User, token_id: int, *, actor: Any = None, address: str | None = None) -> None:
    """Revoke a token: the user's own, or any when `user` is an administrator. A token the user may not revoke is
    “not found”, like one that does not exist. Audited."""
    try:
        tid = int(token_id)
    except (TypeError, ValueError):
        raise AccessError(f"没有编号为 {token_id} 的 API 令牌") from None
    r = store.one(f"SELECT token_id, user_id, name, revoked_at FROM {TOKEN_TABLE} WHERE token_id = ?", [tid])
    if r is None or (r[1] != user.id and user.role != "admin"):
        raise AccessError(f"没有编号为 {tid} 的 API 令牌")
    if r[3] is not None:
        raise AccessError(f"API 令牌 {tid}（{r[2]}）已经吊销")
    who = actor if actor is not None else user
    name, _ = audit.actor_and_role(who)
    with transaction(store, "吊销 API 令牌"):
        store.run(f"UPDATE {TOKEN_TABLE} SET revoked_at = ?, revoked_by = ? WHERE token_id = ?",
                  [clock.now(), name or "", tid])
        audit.append(store, actor=who, action="token_revoke", target=r[2], address=address, detail={"令牌编号": tid})


def token_user(store, secret: Any) -> User | None:
    """The user of a Bearer token; None when unknown, revoked, expired, or the user is disabled."""
    if not isinstance(secret, str) or not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    r = store.one(f"SELECT t.token_id, t.expires_at, t.revoked_at, t.last_used, u.user_id, u.username, u.role, "
                  f"u.school_code, u.display_name, u.disabled FROM {TOKEN_TABLE} t "
                  f"JOIN {USER_TABLE} u ON u.user_id = t.user_id WHERE t.secret_sha256 = ?", [sha256(secret)])
    if r is None or r[2] is not None:
        return None
    now = clock.now()
    if r[1] is not None and r[1] <= now:
        return None
    user = _user(r[4:10])
    if user.disabled:
        return None
    if r[3] is None or now - r[3] >= TOUCH_EVERY:
        with transaction(store, "更新 API 令牌"):
            store.run(f"UPDATE {TOKEN_TABLE} SET last_used = ? WHERE token_id = ?", [now, r[0]])
    return user
