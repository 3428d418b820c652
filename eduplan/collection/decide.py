"""The bureau's decisions: approve a submission (it becomes an import batch with lineage to the submission,
the school and both users, and its school × table × year is locked), return it with a comment the school
sees, and unlock approved data with a reason (the school then resubmits). Each decision is one transaction
with its audit row; a decision on a submission that is no longer waiting (approved by another reviewer,
superseded by the school's newer file) is refused, so two reviewers or a resubmission never produce two
batches or lose a submission."""

from __future__ import annotations

from typing import Any

from ..ingest.importer import cross_checks
from ..store import Store, time_label
from ..store.locks import live_locks, lock_text
from ..store.schema import LOCK_TABLE, SUBMISSION_TABLE
from .common import COLLECTABLE, Actor, log, new_id, now, step, submission_row, table_of, text
from .errors import CollectionError
from .overlay import as_file


def _waiting(store: Store, submission_id: int, action: str) -> dict[str, Any]:
    """The submission, which must be 待审核 (read inside the decision's transaction)."""
    s = submission_row(store, submission_id, with_rows=True)
    if s["status"] == "pending":
        return s
    who = f"{s['reviewed_by']} 于 {time_label(s['reviewed_at'])}" if s.get("reviewed_by") else ""
    why = {"approved": f"已由 {who} 审核通过（批次 {s['batch_id']}）",
           "returned": f"已由 {who} 退回",
           "superseded": f"已被学校的新提交 {s['superseded_by']} 取代，请审核最新的提交"}.get(s["status"], s["status_label"])
    raise CollectionError(f"不能{action}提交 {submission_id}：它{why}", status=409)


def _reviewer(actor: Actor, what: str) -> None:
    if actor.is_school or actor.role == "inspector":
        raise CollectionError(f"只有规划统计人员或管理员可以{what}", status=403)


def approve(store: Store, actor: Actor, submission_id: int, comment: str | None = None) -> int:
    """Approve a waiting submission: its rows become an import batch (kind 采集审核入库; the rows of that
    school × year it lacks are removed, their old versions kept in history), the school × table × year is
    locked. Returns the batch id."""
    _reviewer(actor, "审核通过采集数据")
    comment = text(comment, "审核意见")
    with step(store, "审核通过"):
        s = _waiting(store, submission_id, "审核通过")
        key = (s["school_code"], s["table_name"], s["year"])
        lock = live_locks(store, s["table_name"]).get(key)
        if lock is not None:
            raise CollectionError(f"不能审核通过提交 {submission_id}：{lock_text(lock)}", status=409)
        rows = s["rows"]
        for r in rows:  # the checks against the store again: it may have changed since the submission
            r["_where"] = (s["file_name"], COLLECTABLE[s["table_name"]].label)
        problems = [i for i in cross_checks(store, [{s["table_name"]: rows}]) if i.level == "error"]
        for r in rows:
            del r["_where"]
        if problems:
            shown = "；".join(i.text() for i in problems[:5])
            raise CollectionError(f"不能审核通过提交 {submission_id}：数据与库中现有数据不一致——{shown}"
                                  + (f"……共 {len(problems)} 处" if len(problems) > 5 else "")
                                  + "。请退回学校更正", status=409)
        note = (f"采集轮次 {s['round_id']} · 提交 {submission_id} · 学校 {s['school_code']}"
                f"{(' ' + s['school_name']) if s.get('school_name') else ''} · 提交人 {s['submitted_by']} · "
                f"审核人 {actor.name}" + (f" · 审核意见：{comment}" if comment else ""))
        batch = store.write_files([as_file(store, s, note)], actor.name, kind="collection")[0]["batch_id"]
        at = now()
        store.run(f"UPDATE {SUBMISSION_TABLE} SET status = 'approved', reviewed_at = ?, reviewed_by = ?, "
                  "review_comment = ?, batch_id = ? WHERE submission_id = ?", [at, actor.name, comment, batch, submission_id])
        store.run(f"INSERT INTO {LOCK_TABLE} (lock_id, school_code, table_name, year, submission_id, batch_id, "
                  "locked_at, locked_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  [new_id(store, LOCK_TABLE, "lock_id"), *key, submission_id, batch, at, actor.name])
        log(store, actor, "approve", f"提交 {submission_id}",
            {"采集轮次": s["round_id"], "学校": s["school_code"], "表": COLLECTABLE[s["table_name"]].label,
             "年度": s["year"], "批次": batch, "提交人": s["submitted_by"], "审核意见": comment})
    return batch


def return_(store: Store, actor: Actor, submission_id: int, comment: str | None) -> None:
    """Return a waiting submission to its school with a comment (required) the school sees."""
    _reviewer(actor, "退回采集数据")
    comment = text(comment, "退回意见（学校将看到这段说明）", required=True)
    with step(store, "退回提交"):
        s = _waiting(store, submission_id, "退回")
        store.run(f"UPDATE {SUBMISSION_TABLE} SET status = 'returned', reviewed_at = ?, reviewed_by = ?, "
                  "review_comment = ? WHERE submission_id = ?", [now(), actor.name, comment, submission_id])
        log(store, actor, "return", f"提交 {submission_id}",
            {"采集轮次": s["round_id"], "学校": s["school_code"], "表": COLLECTABLE[s["table_name"]].label,
             "年度": s["year"], "退回意见": comment})


def unlock(store: Store, actor: Actor, school_code: str, table: str, year: int, reason: str | None) -> int:
    """Lift the lock on approved data (reason required, audited): the school may then resubmit, and the data may
    be imported or undone again. Returns the lock's id."""
    _reviewer(actor, "解锁已审核的数据")
    name = table_of(table)
    reason = text(reason, "解锁理由", required=True)
    with step(store, "解锁已审核数据"):
        lock = live_locks(store, name).get((school_code, name, year))
        if lock is None:
            raise CollectionError(f"学校 {school_code} 的 {year} 年“{COLLECTABLE[name].label}”没有被锁定，无需解锁",
                                  status=409)
        store.run(f"UPDATE {LOCK_TABLE} SET unlocked_at = ?, unlocked_by = ?, unlock_reason = ? WHERE lock_id = ?",
                  [now(), actor.name, reason, lock["lock_id"]])
        log(store, actor, "unlock", f"学校 {school_code} · {COLLECTABLE[name].label} · {year}",
            {"学校": school_code, "表": COLLECTABLE[name].label, "年度": year, "理由": reason,
             "原审核提交": lock["submission_id"], "原批次": lock["batch_id"]})
    return lock["lock_id"]


def locks(store: Store, live_only: bool = True, school_code: str | None = None) -> list[dict[str, Any]]:
    """Locks (live ones, or all with their unlocks), newest first, with the school's name and the table's label."""
    from ..store import as_utc

    where = ["l.unlocked_at IS NULL"] if live_only else []
    params: list[Any] = []
    if school_code is not None:
        where.append("l.school_code = ?")
        params.append(school_code)
    out = store.dicts(f"SELECT l.*, c.school_name FROM {LOCK_TABLE} l LEFT JOIN school c USING (school_code)"
                      + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY l.lock_id DESC", params)
    for r in out:
        r["table_label"] = COLLECTABLE[r["table_name"]].label if r["table_name"] in COLLECTABLE else r["table_name"]
        r["locked_at"] = as_utc(r["locked_at"])
        r["unlocked_at"] = as_utc(r["unlocked_at"])
    return out
