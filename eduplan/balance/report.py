"""The evaluation as a document: `to_json` (the JSON of `eduplan balance --format json`) and
`write_workbook` (an xlsx with Chinese headers and number formats: 概要, one sheet per level, 学校
(every school × indicator with its variance share), 改进方案 and 检查清单). 概要 keeps the two criteria
apart: 国家标准 (the method's thresholds) and 规划目标 (the district's plan's coefficient targets)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..sheets import put, put_row, workbook
from .checklist import summary as checklist_summary
from .data import type_label
from .result import BalanceResult

YES = {True: "达标", False: "未达标", None: "无法判定"}
MET = {True: "已达成", False: "未达成", None: "无法判定"}  # a plan target


def to_json(result: BalanceResult) -> dict[str, Any]:
    doc = result.to_dict()
    if result.checklist is not None:
        doc["checklist_summary"] = checklist_summary(result.checklist)
    return doc


def write_workbook(result: BalanceResult, path: str | Path) -> Path:
    """The evaluation as a workbook; every name and text from the data is written as text, never a
    formula or link. An unwritable `path` raises OutputError and leaves nothing behind."""
    path = Path(path)
    with workbook(path) as wb:
        f = {
            "h": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}),
            "title": wb.add_format({"bold": True, "font_size": 14}),
            "cv": wb.add_format({"num_format": "0.000"}),
            "num": wb.add_format({"num_format": "#,##0.00"}),
            "int": wb.add_format({"num_format": "#,##0"}),
            "pct": wb.add_format({"num_format": "0.0%"}),
            "bad": wb.add_format({"font_color": "#C00000"}),
            "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        }
        _overview(wb, f, result)
        for level, lr in result.levels.items():
            _level_sheet(wb, f, result, level, lr)
        _schools_sheet(wb, f, result)
        if result.plan is not None:
            _plan_sheet(wb, f, result.plan)
        if result.checklist is not None:
            _checklist_sheet(wb, f, result.checklist)
    return path


def _header(ws, f, row: int, headers: list[str], widths: list[int] | None = None) -> None:
    for c, h in enumerate(headers):
        put(ws, row, c, h, f["h"])
        if widths:
            ws.set_column(c, c, widths[c])


def _overview(wb, f, r: BalanceResult) -> None:
    from . import METHOD_NAMES

    ws = wb.add_worksheet("概要")
    who = f"{r.district['label']} " if r.district else ""
    put(ws, 0, 0, f"义务教育均衡评估 — {who}{METHOD_NAMES[r.method]}", f["title"])
    put(ws, 1, 0, f"数据：{'数据库 ' + str(r.year) + ' 学年' if r.source == 'store' else r.source}")
    if r.official:
        limits = "、".join(f"{k} ≤{v:.2f}" for k, v in r.official["thresholds"].items())
        put(ws, 2, 0, f"国家标准：{r.official['document']}，{r.official['rule']} {limits}")
    _header(ws, f, 3, ["学段", "参评学校数", "在校生数", "综合系数（规划口径）", "差异系数是否全部达标（国家标准）",
                       "学校全部达标（国家标准）", "达标学校数", "结论（国家标准）"], [10, 12, 12, 20, 20, 14, 12, 12])
    for i, (lvl, lr) in enumerate(r.levels.items(), start=4):
        put(ws, i, 0, lvl)
        put(ws, i, 1, len(lr.schools), f["int"])
        put(ws, i, 2, sum(s.pupils for s in lr.schools), f["int"])
        put(ws, i, 3, lr.composite, f["cv"]) if lr.composite is not None else put(ws, i, 3, "—")
        put(ws, i, 4, YES[lr.cv_passed])
        put(ws, i, 5, YES[lr.schools_passed] if r.method == "2017" else "—")
        put(ws, i, 6, lr.compliant_count if r.method == "2017" else "—")
        put(ws, i, 7, YES[lr.passed], f["bad"] if lr.passed is False else None)
    row = 4 + len(r.levels) + 1
    ps = r.plan_status
    if ps and (ps["plan"] is None or not ps["checks"]):
        title = "" if ps["plan"] is None else f"（{ps['plan']['title']}）"
        put(ws, row, 0, f"规划目标{title}：{ps['status']}", f["title"])
        row += 2
    elif ps:
        put(ws, row, 0, f"规划目标：{ps['name']}（{ps['plan']['title']}）", f["title"])
        _header(ws, f, row + 1, ["年度", "学段", "系数", "目标年", "规划目标", "目标", "是否达到"])
        for j, c in enumerate(ps["checks"], start=row + 2):
            put_row(ws, j, 0, [c["year"], c["level"]])
            put(ws, j, 2, c["value"], f["cv"]) if c["value"] is not None else put(ws, j, 2, "—")
            put_row(ws, j, 3, [c["target_year"], c["target_label"], c["target"], MET[c["met"]]])
        row += len(ps["checks"]) + 3
    for label, items in (("不参评学校", [f"{e.name}（{type_label(e.type_code)}）：{e.reason}" for e in r.excluded]),
                         ("说明", r.notes)):
        if items:
            put(ws, row, 0, label, f["title"])
            for j, text in enumerate(items, start=row + 1):
                put(ws, j, 0, text)
            row += len(items) + 2


def _level_sheet(wb, f, r: BalanceResult, level: str, lr) -> None:
    ws = wb.add_worksheet(level)
    heads = ["指标", "名称", "单位", "标准", "全区均值 X̄", "标准差 S", "差异系数 CV", "国家标准上限", "结论", "说明"]
    _header(ws, f, 0, heads, [6, 36, 14, 10, 12, 12, 12, 8, 10, 30])
    for i, ind in enumerate(lr.indicators, start=1):
        put_row(ws, i, 0, [ind.spec.id, ind.spec.name, ind.spec.unit])
        for c, v, fmt in ((3, ind.standard, "num"), (4, ind.mean, "num"), (5, ind.sd, "num"), (6, ind.cv, "cv"),
                          (7, ind.threshold, "num")):
            put(ws, i, c, v, f[fmt]) if v is not None else put(ws, i, c, "—")
        put(ws, i, 8, YES[ind.passed] if r.method == "2017" else "—", f["bad"] if ind.passed is False else None)
        put(ws, i, 9, ind.reason or "")
    row = len(lr.indicators) + 2
    put(ws, row, 0, "综合系数", f["h"])
    put(ws, row, 1, lr.composite, f["cv"]) if lr.composite is not None else put(ws, row, 1, "—")
    if r.method == "2012":
        put(ws, row + 1, 0, "综合差异系数（8 项均值）", f["h"])
        put(ws, row + 1, 1, lr.official_composite, f["cv"]) if lr.official_composite is not None else None
        put(ws, row + 1, 2, f"上限 {lr.official_threshold}；{YES[lr.cv_passed]}")
    row += 3
    ids = [i.spec.id for i in lr.indicators]
    heads = ["学校标识码", "学校名称", "办学类型", "学生数", *[f"{k} 生均" for k in ids]]
    if r.method == "2017":
        heads += ["达标项数", "学校是否达标", "未达标项"]
    _header(ws, f, row, heads)
    for j, s in enumerate(lr.schools, start=row + 1):
        put_row(ws, j, 0, [s.code, s.name, type_label(s.type_code)])
        put(ws, j, 3, s.pupils, f["int"])
        for c, k in enumerate(ids, start=4):
            v = s.values.get(k)
            put(ws, j, c, v, f["num"]) if v is not None else put(ws, j, c, "—")
        if r.method == "2017":
            c = 4 + len(ids)
            put(ws, j, c, s.met if s.met is not None else "—")
            put(ws, j, c + 1, YES[s.compliant], f["bad"] if s.compliant is False else None)
            put(ws, j, c + 2, "；".join(f"{m.indicator} {m.value:.2f}/{m.standard:g}（{m.ratio:.1%}）" for m in s.misses))


def _schools_sheet(wb, f, r: BalanceResult) -> None:
    ws = wb.add_worksheet("学校")
    _header(ws, f, 0, ["学段", "学校标识码", "学校名称", "学生数", "设施拆分比例", "指标", "生均值", "标准", "达标比例",
                       "方差贡献"], [6, 14, 30, 10, 12, 6, 12, 10, 10, 10])
    row = 1
    for lvl, lr in r.levels.items():
        std = {i.spec.id: i.standard for i in lr.indicators}
        for s in lr.schools:
            for k, v in s.values.items():
                put_row(ws, row, 0, [lvl, s.code, s.name])
                put(ws, row, 3, s.pupils, f["int"])
                put(ws, row, 4, s.facility_share, f["pct"])
                put(ws, row, 5, k)
                if v is not None:
                    put(ws, row, 6, v, f["num"])
                if std.get(k):
                    put(ws, row, 7, std[k], f["num"])
                    if v is not None:
                        put(ws, row, 8, v / std[k], f["pct"])
                share = s.shares.get(k)
                if share is not None:
                    put(ws, row, 9, share, f["pct"])
                row += 1
    ws.autofilter(0, 0, max(row - 1, 1), 9)


def _plan_sheet(wb, f, plan) -> None:
    ws = wb.add_worksheet("改进方案")
    put(ws, 0, 0, plan.message, f["title"])
    _header(ws, f, 2, ["学校标识码", "学校名称", "学段", "措施", "数量", "单位", "成本（元）"], [14, 30, 8, 30, 12, 6, 14])
    row = 3
    for a in plan.actions:
        d = a.to_dict()
        put_row(ws, row, 0, [d["school_code"], d["school_name"], d["level"] or "全校", d["label"]])
        put(ws, row, 4, d["amount"], f["num"])
        put(ws, row, 5, d["unit"])
        put(ws, row, 6, d["cost"], f["int"])
        row += 1
    if plan.total_cost is not None:
        put(ws, row, 5, "合计", f["h"])
        put(ws, row, 6, plan.total_cost, f["int"])
        row += 2
    for label, items in (("起约束作用的条件", [b["message"] for b in plan.binding]),
                         ("不可行的原因", [d["message"] for d in plan.infeasible])):
        if items:
            put(ws, row, 0, label, f["title"])
            for j, text in enumerate(items, start=row + 1):
                put(ws, j, 0, text)
            row += len(items) + 2


def _checklist_sheet(wb, f, items) -> None:
    ws = wb.add_worksheet("检查清单")
    _header(ws, f, 0, ["项目代码", "维度", "内容", "要求", "判定方式", "结论", "数值", "说明", "佐证材料", "评估人", "评估日期", "依据"],
            [24, 12, 50, 18, 10, 8, 10, 50, 30, 14, 12, 30])
    for i, r in enumerate(items, start=1):
        d = r.to_dict()
        put_row(ws, i, 0, [d["id"], d["dimension"], d["text"], d["threshold"],
                            {"data": "数据", "judgement": "判定"}[d["decided"]]])
        put(ws, i, 5, d["status"], f["bad"] if d["status"] == "未达标" else None)
        if d["value"] is not None:
            put(ws, i, 6, d["value"], f["num"])
        put_row(ws, i, 7, [d["detail"], d["evidence"] or "", d["assessor"] or "", d["assessed_on"] or "", d["source"]])
