"""The progress board of a collection round as a workbook to forward — the list the bureau phones round.

`write_board_xlsx(board, path, store_name)` takes the board of eduplan.collection.board and writes, in the
project's look (eduplan.sheets: title and provenance rows, frozen header with a filter, every text cell
written as text): 进度 (one row per school × table, overdue rows in red on a light red fill), 汇总 (per table:
how many schools are in each state) and 说明.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

OVERDUE_FILL = "#FCE4D6"  # light red: a school that still owes the table after the deadline
DEFAULT_STATES = ("未提交", "待审核", "已退回", "已通过")


def _time(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        from ..store import time_label

        return time_label(value)
    return str(value)


def _deadline(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def write_board_xlsx(board: dict[str, Any], path: str | Path, store_name: str) -> Path:
    """Write `board` ({"round", "rows", "counts"[, "states"]}) to `path` as 进度, 汇总 and 说明."""
    from ..sheets import COUNT, Col, Num, Styles, Text, provenance, workbook, write_notes_sheet, write_table

    rnd = board["round"]
    rows = board["rows"]
    states = list(board.get("states") or DEFAULT_STATES)
    overdue = sum(1 for r in rows if r["overdue"])
    title = (f"采集轮次 {rnd['round_id']}：{rnd['year']} 年数据采集进度（截止 {_deadline(rnd['deadline'])}"
             + (f"，{rnd['status_label']}" if rnd.get("status_label") else "") + f"；逾期 {overdue} 项）")
    sub = provenance(store_name, rnd["year"], f"采集轮次 {rnd['round_id']}") + "；时间均为 UTC"

    progress_cols = [
        Col("学校标识码", note="教育部学校（机构）标识码"), Col("学校名称"), Col("表", note="本轮采集的表"),
        Col("状态", note="未提交、待审核、已退回、已通过" + ("、已解锁（审核通过后又解锁，待学校重新提交）" if "已解锁" in states else "")
            + "：该校该表最新一次提交的状态"),
        Col("逾期", note="截止日期已过而该校该表仍未提交、被退回或已解锁待重交：是；整行以浅红色标出"),
        Col("提交时间", note="最新一次提交的时间（UTC，北京时间 = UTC + 8 小时）"), Col("提交人", note="提交的用户"),
        Col("审核人", note="审核通过或退回的用户"), Col("审核意见", max_width=50, note="退回或通过时写下的意见"),
        Col("联系人", note="该校的学校用户（显示名）"),
    ]

    def cell(value: Any, late: bool) -> Any:
        return Text(value, fill=OVERDUE_FILL if late else None, bad=late) if late else value

    progress = [[cell(v, r["overdue"]) for v in (
        r["school_code"], r["school_name"], r.get("table_label") or r["table"], r["state"], "是" if r["overdue"] else "否",
        _time(r.get("submitted_at")), r.get("submitted_by"), r.get("reviewed_by"), r.get("comment"),
        r.get("contacts") or None)] for r in rows]

    labels = {r["table"]: r.get("table_label") or r["table"] for r in rows}
    for name, label in zip(rnd.get("tables", []), rnd.get("table_labels", [])):
        labels.setdefault(name, label)
    summary_cols = [Col("表")] + [Col(s, "所", note=f"状态为“{s}”的学校数") for s in states] + [
        Col("学校数", "所", note="本轮应报送该表的学校数"), Col("逾期", "所", note="截止日期已过仍欠交的学校数")]
    summary = []
    for table, by_state in board["counts"].items():
        late = sum(1 for r in rows if r["table"] == table and r["overdue"])
        summary.append([labels.get(table, table)] + [Num(by_state.get(s, 0), COUNT) for s in states]
                       + [Num(sum(by_state.values()), COUNT), Num(late, COUNT, OVERDUE_FILL if late else None)])

    with workbook(Path(path), {"title": title, "author": "eduplan"}) as wb:
        st = Styles(wb)
        write_table(wb, st, "进度", progress_cols, progress, title, sub, freeze_cols=2,
                    notes=[f"逾期的行以浅红色标出（截止日期 {_deadline(rnd['deadline'])} 已过而仍欠交）。"])
        write_table(wb, st, "汇总", summary_cols, summary, f"{title} 汇总", sub)
        write_notes_sheet(
            wb, st, title, sub,
            [("进度", "本轮每所应报学校、每张表一行：状态、是否逾期、最新一次提交与审核，按表、学校标识码排序"),
             ("汇总", "每张表一行：各状态的学校数、应报学校数和逾期数")],
            [("进度", c) for c in progress_cols] + [("汇总", c) for c in summary_cols],
            ["来源：数据库中的采集轮次与各校提交（网页“数据采集”，或 eduplan collection status）。",
             "应报学校：本轮所属区在该年度开办、未撤并的学校。"])
    return Path(path)
