"""The store side of eduplan.access: one transaction per call, new ids, and the writes several modules share
(ending a user's sessions, revoking a user's tokens)."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

import duckdb

from ..errors import WriteFailed
from ..store.schema import SESSION_TABLE, TOKEN_TABLE
from .errors import AccessError


@contextmanager
def transaction(store, action: str) -> Iterator[None]:
    """One transaction on the store's connection: committed when the block ends, rolled back on any error.
    `action` names the write in Chinese for the error message (“新增用户”)."""
    if getattr(store, "read_only", False):
        raise AccessError(f"数据库“{store.path}”以只读方式打开，无法{action}")
    store._begin()
    try:
        yield
    except duckdb.Error as e:
        store._rollback()
        raise WriteFailed(store._failure(e, action)) from None
    except BaseException:
        store._rollback()
        raise
    store._commit(action)


def next_id(store, table: str, column: str) -> int:
    return store.one(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}")[0]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def end_user_sessions(store, user_id: int, reason: str, now: datetime) -> int:
    """End every live session of a user (inside the caller's transaction); the number ended."""
    n = store.one(f"SELECT count(*) FROM {SESSION_TABLE} WHERE user_id = ? AND ended_at IS NULL", [user_id])[0]
    if n:
        store.run(f"UPDATE {SESSION_TABLE} SET ended_at = ?, ended_reason = ? WHERE user_id = ? AND ended_at IS NULL",
                  [now, reason, user_id])
    return n


def revoke_user_tokens(store, user_id: int, by: str, now: datetime) -> int:
    """Revoke every token of a user not yet revoked (inside the caller's transaction); the number revoked."""
    n = store.one(f"SELECT count(*) FROM {TOKEN_TABLE} WHERE user_id = ? AND revoked_at IS NULL", [user_id])[0]
    if n:
        store.run(f"UPDATE {TOKEN_TABLE} SET revoked_at = ?, revoked_by = ? WHERE user_id = ? AND revoked_at IS NULL",
                  [now, by, user_id])
    return n
