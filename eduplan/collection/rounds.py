"""Collection rounds: which tables schools report for which year, by when (opened and closed by the bureau)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from ..model.tables import YEAR_MAX, YEAR_MIN
from ..store import Store, time_label
from ..store.schema import ROUND_TABLE
from .common import COLLECTABLE, Actor, decorate_round, log, new_id, now, round_row, step, table_of, text
from .errors import CollectionError


def open_round(store: Store, actor: Actor, year: int, tables: list[str], deadline: date,
               district_code: str | None = None, note: str | None = None) -> int:
    """Open a round for `year` (the schools report `tables` by `deadline`); its id. One open round per year and
    district: a second is refused naming the first."""
    if actor.is_school:
        raise CollectionError("学校用户不能开启采集轮次", status=403)
    if not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
        raise CollectionError(f"统计年度“{year}”须为 {YEAR_MIN}–{YEAR_MAX} 之间的整数")
    names = list(dict.fromkeys(table_of(t) for t in tables))
    if not names:
        raise CollectionError("请至少选择一张要采集的表")
    if not isinstance(deadline, date):
        raise CollectionError(f"截止日期“{deadline}”不是日期（格式 2026-10-31）")
    if district_code is not None:
        district_code = district_code.strip() or None
    if district_code is not None and district_code not in {d["district_code"] for d in store.districts()}:
        raise CollectionError(f"库中没有行政区划代码为“{district_code}”的区")
    note = text(note, "说明")
    with step(store, "开启采集轮次"):
        for r in store.dicts(f"SELECT * FROM {ROUND_TABLE} WHERE year = ? AND closed_at IS NULL", [year]):
            if r["district_code"] is None or district_code is None or r["district_code"] == district_code:
                raise CollectionError(
                    f"{year} 年已有进行中的采集轮次 {r['round_id']}（{time_label(r['opened_at'])} 由 {r['opened_by']} 开启）；"
                    "请在该轮次中采集，或先结束它", status=409)
        rid = new_id(store, ROUND_TABLE, "round_id")
        store.run(f"INSERT INTO {ROUND_TABLE} (round_id, year, tables, deadline, district_code, note, opened_at, "
                  "opened_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  [rid, year, json.dumps(names), deadline, district_code, note, now(), actor.name])
        log(store, actor, "round_open", f"采集轮次 {rid}",
            {"年度": year, "表": [COLLECTABLE[n].label for n in names], "截止日期": deadline.isoformat(),
             "区": district_code or "全部", "说明": note})
    return rid


def close_round(store: Store, actor: Actor, round_id: int) -> None:
    """End a round: no more submissions; what is pending can still be reviewed."""
    if actor.is_school:
        raise CollectionError("学校用户不能结束采集轮次", status=403)
    with step(store, "结束采集轮次"):
        r = round_row(store, round_id)
        if not r["is_open"]:
            raise CollectionError(f"采集轮次 {round_id} 已于 {time_label(r['closed_at'])} 由 {r['closed_by']} 结束",
                                  status=409)
        store.run(f"UPDATE {ROUND_TABLE} SET closed_at = ?, closed_by = ? WHERE round_id = ?",
                  [now(), actor.name, round_id])
        log(store, actor, "round_close", f"采集轮次 {round_id}", {"年度": r["year"]})


def reopen_round(store: Store, actor: Actor, round_id: int) -> None:
    """Open an ended round again (closing is not final: a late school may still be let in). Refused when another
    round of the same year and district is open meanwhile."""
    if actor.is_school:
        raise CollectionError("学校用户不能重新开启采集轮次", status=403)
    with step(store, "重新开启采集轮次"):
        r = round_row(store, round_id)
        if r["is_open"]:
            raise CollectionError(f"采集轮次 {round_id} 仍在进行中，无需重新开启", status=409)
        for o in store.dicts(f"SELECT * FROM {ROUND_TABLE} WHERE year = ? AND closed_at IS NULL", [r["year"]]):
            if o["district_code"] is None or r["district_code"] is None or o["district_code"] == r["district_code"]:
                raise CollectionError(f"{r['year']} 年已有进行中的采集轮次 {o['round_id']}，不能再开启轮次 {round_id}",
                                      status=409)
        store.run(f"UPDATE {ROUND_TABLE} SET closed_at = NULL, closed_by = NULL WHERE round_id = ?", [round_id])
        log(store, actor, "round_reopen", f"采集轮次 {round_id}",
            {"年度": r["year"], "原结束时间": time_label(r["closed_at"]), "原结束人": r["closed_by"]})


def rounds(store: Store, open_only: bool = False, district_code: str | None = None) -> list[dict[str, Any]]:
    """Every round, newest first (or only the open ones; or those covering one district)."""
    where = " WHERE closed_at IS NULL" if open_only else ""
    out = [decorate_round(r) for r in store.dicts(f"SELECT * FROM {ROUND_TABLE}{where} ORDER BY round_id DESC")]
    if district_code is not None:
        out = [r for r in out if r["district_code"] in (None, district_code)]
    return out


def round_(store: Store, round_id: int) -> dict[str, Any]:
    """One round (CollectionError 404 when there is none)."""
    return round_row(store, round_id)


def latest_open(store: Store) -> dict[str, Any] | None:
    rs = rounds(store, open_only=True)
    return rs[0] if rs else None
