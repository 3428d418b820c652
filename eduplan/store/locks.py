"""Locks on approved data (collection_lock): which school × table × year the bureau has approved and locked.

The annual collection (eduplan.collection) writes and lifts the locks; this module only reads them, so that
every write path below it refuses to change locked rows: the import (`eduplan import`, the web 数据 upload)
and undo. A lock is live while `unlocked_at` is NULL. Only tables whose key holds both `year` and
`school_code` can be locked (LOCKABLE).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from ..model import TABLES, TABLES_BY_NAME
from . import time_label
from .schema import LOCK_TABLE, history_table, q

if TYPE_CHECKING:
    from . import Store

LOCKABLE = tuple(t.name for t in TABLES if {"year", "school_code"} <= set(t.key))


def live_locks(store: "Store", table: str | None = None) -> dict[tuple[str, str, int], dict[str, Any]]:
    """(school_code, table, year) -> the live lock row."""
    sql = f"SELECT * FROM {LOCK_TABLE} WHERE unlocked_at IS NULL"
    params: list[Any] = []
    if table is not None:
        sql += " AND table_name = ?"
        params.append(table)
    return {(r["school_code"], r["table_name"], r["year"]): r for r in store.dicts(sql, params)}


def lock_text(lock: dict[str, Any]) -> str:
    """“学校 4201040001 的 2025 年“分年级学生数”已于 … 由 王五 审核通过并锁定（提交 3，批次 17）”."""
    t = TABLES_BY_NAME[lock["table_name"]]
    return (f"学校 {lock['school_code']} 的 {lock['year']} 年“{t.label}”已于 {time_label(lock['locked_at'])} 由 "
            f"{lock['locked_by']} 审核通过并锁定（提交 {lock['submission_id']}，批次 {lock['batch_id']}）")


UNLOCK_HINT = "如确需修改，请规划统计人员先解锁并说明理由（网页“数据采集”或 eduplan collection unlock），再由学校重新提交"


def locked_pairs(store: "Store", table: str, pairs: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
    """The live locks of `table` among (school_code, year) pairs."""
    if table not in LOCKABLE:
        return []
    locks = live_locks(store, table)
    if not locks:
        return []
    return [locks[k] for k in sorted({(s, table, y) for s, y in pairs}) if k in locks]


def batches_touching_locks(store: "Store", batch_ids: Iterable[int]) -> list[tuple[int, dict[str, Any]]]:
    """(batch, lock) for every live lock whose school × table × year one of the batches wrote or superseded."""
    out = []
    ids = sorted(set(int(b) for b in batch_ids))
    if not ids or not store.one(f"SELECT count(*) FROM {LOCK_TABLE} WHERE unlocked_at IS NULL")[0]:
        return out
    in_ids = ", ".join(map(str, ids))
    for name in LOCKABLE:
        h = q(history_table(name))
        rows = store.run(
            f"SELECT DISTINCT t.b, l.lock_id FROM ("
            f"  SELECT school_code, year, batch_id AS b FROM {q(name)} WHERE batch_id IN ({in_ids})"
            f"  UNION SELECT school_code, year, batch_id FROM {h} WHERE batch_id IN ({in_ids})"
            f"  UNION SELECT school_code, year, superseded_by FROM {h} WHERE superseded_by IN ({in_ids})) t "
            f"JOIN {LOCK_TABLE} l ON l.school_code = t.school_code AND l.year = t.year AND l.table_name = ? "
            f"AND l.unlocked_at IS NULL ORDER BY 1, 2", [name])
        locks = {r["lock_id"]: r for r in store.dicts(f"SELECT * FROM {LOCK_TABLE} WHERE table_name = ?", [name])}
        out += [(b, locks[lid]) for b, lid in rows]
    return out
