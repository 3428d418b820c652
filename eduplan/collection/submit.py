"""Submissions: a school's file for a round, validated at once like `eduplan import` and more (its own school
only, the round's year and tables, nothing already approved and locked). A file with any error is not
accepted and nothing is stored; a valid file becomes one submission per table it holds, 待审核 — stored with
its bytes and validated rows, not part of the official figures until approved. A new submission of the same
school × table supersedes the one waiting (or returned), which stays in the history as 已被新提交取代."""

from __future__ import annotations

import hashlib
import json
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..access import audit
from ..ingest.importer import cross_checks, read_files, row_issue
from ..ingest.report import ImportReport, Issue
from ..store import Store
from ..store.locks import UNLOCK_HINT, lock_text, locked_pairs
from ..store.schema import SUBMISSION_TABLE
from .common import (
    COLLECTABLE, STATUS, Actor, check_scope, decorate_submission, log, new_id, now, round_row, school_name, step,
    submission_row,
)
from .errors import CollectionError

INTERNAL = ("_where", "_path", "_letters")  # what the reader adds to a row; not stored


@dataclass
class SubmitResult:
    """What a submission attempt gave: the validation report (errors: nothing stored) and the new submissions."""

    report: ImportReport
    submissions: list[int] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.report.errors and bool(self.submissions)


def submit(store: Store | Callable[[], AbstractContextManager[Store]], actor: Actor, round_id: int, paths: list[Path],
           school_code: str | None = None) -> SubmitResult:
    """Validate `paths` for `school_code` in round `round_id`; store them as 待审核 submissions when there is no
    error at all. A 学校 user submits for its own school only (school_code defaults to it; another is refused).

    store: an open writable Store, or a function giving a context manager that yields one (a running server's
    `WebState.writing`): the files are read and validated before it is entered (validate first, lock after), so
    the store is held only for the checks against it and the write."""
    if not paths:
        raise CollectionError("请选择要提交的文件")
    report, parsed = read_files([Path(p) for p in paths])
    if callable(store) and not isinstance(store, Store):
        with store() as held:
            return _submit(held, actor, round_id, [Path(p) for p in paths], school_code, report, parsed)
    return _submit(store, actor, round_id, [Path(p) for p in paths], school_code, report, parsed)


def _submit(store: Store, actor: Actor, round_id: int, paths: list[Path], school_code: str | None,
            report: ImportReport, parsed: list) -> SubmitResult:
    rnd = round_row(store, round_id)
    if actor.is_school:
        if school_code not in (None, actor.school_code):
            raise CollectionError("学校用户只能提交本校的数据", status=404)
        school_code = actor.school_code
    if not school_code:
        raise CollectionError("请指定提交数据的学校（学校标识码）")
    school = store.dicts("SELECT school_code, school_name, district_code FROM school WHERE school_code = ?",
                         [school_code])
    if not school:
        raise CollectionError(f"库中没有学校标识码为“{school_code}”的学校", status=404)
    if rnd["district_code"] is not None and school[0]["district_code"] != rnd["district_code"]:
        raise CollectionError(f"学校 {school_code} 不属于采集轮次 {round_id} 的区（{rnd['district_code']}）", status=404)
    if not rnd["is_open"]:
        raise CollectionError(f"采集轮次 {round_id} 已结束，不再接收提交；如需补报请联系规划统计人员", status=409)

    report.issues += _round_issues(store, rnd, school_code, parsed)
    # the checks against the store on the school's own rows only: a row of another school already has its error,
    # and checking its references would tell a school which other school codes exist
    report.issues += cross_checks(store, [{name: [r for r in rows if r.get("school_code") == school_code]
                                           for name, rows in t.items()} for _, t in parsed])
    files = {fr.file for fr, _ in parsed}
    if report.errors:
        audit.record(store, actor=actor.name, role=actor.role, action="submit_refused",
                     target=f"采集轮次 {round_id} · 学校 {school_code}", address=actor.address, outcome="失败",
                     detail={"文件": sorted(files) or [Path(p).name for p in paths], "错误数": len(report.errors)})
        return SubmitResult(report)
    if not any(rows for _, tables in parsed for rows in tables.values()):
        raise CollectionError("文件中没有可提交的数据行")

    ids: list[int] = []
    with step(store, "提交采集数据"):
        for (fr, tables), path in zip(parsed, [Path(p) for p in paths]):
            content = path.read_bytes()
            for name, rows in tables.items():
                if not rows:
                    continue
                sid = new_id(store, SUBMISSION_TABLE, "submission_id")
                replaced = store.run(
                    f"SELECT submission_id FROM {SUBMISSION_TABLE} WHERE round_id = ? AND school_code = ? "
                    "AND table_name = ? AND status IN ('pending', 'returned')", [round_id, school_code, name])
                if replaced:
                    store.run(f"UPDATE {SUBMISSION_TABLE} SET status = 'superseded', superseded_by = ? "
                              "WHERE submission_id IN (" + ", ".join(str(r[0]) for r in replaced) + ")", [sid])
                clean = [{k: v for k, v in r.items() if k not in INTERNAL} for r in rows]
                store.run(
                    f"INSERT INTO {SUBMISSION_TABLE} (submission_id, round_id, school_code, table_name, year, status, "
                    'file_name, sha256, content, "rows", row_count, submitted_at, submitted_by) '
                    "VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)",
                    [sid, round_id, school_code, name, rnd["year"], fr.file, hashlib.sha256(content).hexdigest(),
                     content, json.dumps(clean, ensure_ascii=False), len(clean), now(), actor.name])
                log(store, actor, "submit", f"提交 {sid}",
                    {"采集轮次": round_id, "学校": school_code, "表": COLLECTABLE[name].label, "年度": rnd["year"],
                     "文件": fr.file, "行数": len(clean),
                     **({"取代提交": [r[0] for r in replaced]} if replaced else {})})
                ids.append(sid)
    return SubmitResult(report, ids)


def _round_issues(store: Store, rnd: dict[str, Any], school_code: str, parsed: list) -> list[Issue]:
    """The rules of a round beyond an import's: the round's tables only, the submitting school's rows only,
    the round's year only, nothing approved and locked."""
    issues: list[Issue] = []
    for fr, tables in parsed:
        for name, rows in tables.items():
            if not rows:
                continue
            t = COLLECTABLE.get(name)
            first = rows[0]
            if t is None or name not in rnd["tables"]:
                label = t.label if t else name
                asked = "、".join(rnd["table_labels"])
                issues.append(Issue("table-not-in-round", fr.file, sheet=first["_where"][1],
                                    detail=f"工作表是“{label}”，采集轮次 {rnd['round_id']} 只采集：{asked}",
                                    rule="只能提交本轮要求的表"))
                continue
            for r in rows:
                if r["school_code"] != school_code:
                    issues.append(row_issue(r, "not-own-school", t, "school_code", r["school_code"],
                                            f"不是本次提交的学校（{school_code} {school_name(store, school_code) or ''}）"
                                            .replace(" ）", "）"),
                                            rule="每所学校只能提交本校的数据"))
                if r["year"] != rnd["year"]:
                    issues.append(row_issue(r, "wrong-year", t, "year", r["year"],
                                            f"不是采集轮次 {rnd['round_id']} 的统计年度 {rnd['year']}",
                                            rule=f"本轮只采集 {rnd['year']} 年的数据"))
            for lock in locked_pairs(store, name, [(school_code, rnd["year"])]):
                issues.append(row_issue(first, "data-locked", t, "school_code", school_code,
                                        f"{lock_text(lock)}，不能再提交", rule=f"已审核的数据锁定后不得修改；{UNLOCK_HINT}"))
    return issues


def submissions(store: Store, round_id: int | None = None, school_code: str | None = None,
                status: str | None = None, table: str | None = None) -> list[dict[str, Any]]:
    """Submissions, newest first, without their bytes and rows (filters: round, school, status, table)."""
    if status is not None and status not in STATUS:
        raise CollectionError(f"状态“{status}”不存在；可选：" + "、".join(f"{k}（{v}）" for k, v in STATUS.items()))
    where, params = [], []
    for col, v in (("round_id", round_id), ("school_code", school_code), ("status", status), ("table_name", table)):
        if v is not None:
            where.append(f"s.{col} = ?")
            params.append(v)
    sql = ("SELECT s.submission_id, s.round_id, s.school_code, c.school_name, s.table_name, s.year, s.status, "
           "s.file_name, s.sha256, s.row_count, s.submitted_at, s.submitted_by, s.reviewed_at, s.reviewed_by, "
           f"s.review_comment, s.batch_id, s.superseded_by FROM {SUBMISSION_TABLE} s "
           "LEFT JOIN school c USING (school_code)" + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY s.submission_id DESC")
    return [decorate_submission(r) for r in store.dicts(sql, params)]


def submission(store: Store, submission_id: int, actor: Actor | None = None) -> dict[str, Any]:
    """One submission with its rows (a 学校 user: its own school's only — any other is “not found”)."""
    s = submission_row(store, submission_id, with_rows=True)
    if actor is not None:
        check_scope(actor, s["school_code"])
    return s


def submission_file(store: Store, submission_id: int, actor: Actor | None = None) -> tuple[str, bytes]:
    """(file name, bytes) of the file a submission came from."""
    s = submission(store, submission_id, actor)
    return s["file_name"], store.one(f"SELECT content FROM {SUBMISSION_TABLE} WHERE submission_id = ?",
                                     [submission_id])[0]



