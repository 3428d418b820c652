"""The evaluation as a document: `to_json` (the JSON of `eduplan balance --format json`) and
`write_workbook` (the workbook to forward: 概要; 差异系数 — the CV table of every level; 学校 — one row
per school and 学段 with the indicators as columns, each cell coloured against its standard; 方差贡献;
改进方案; 检查清单; 说明). 概要 keeps the two criteria apart: 国家标准 (the method's thresholds) and
规划目标 (the district's plan's coefficient targets). Every number is written in its unit's style
(eduplan.sheets: one rule for every workbook)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..sheets import (COEFFICIENT, COUNT, PERCENT_2, SHARE, TWO_DECIMALS, Col, Num, Styles, Text, provenance, put,
                      style_for, workbook, write_notes_sheet, write_table)
from .checklist import summary as checklist_summary
from .data import type_label
from .result import BalanceResult

YES = {True: "达标", False: "未达标", None: "无法判定"}
MET = {True: "已达成", False: "未达成", None: "无法判定"}  # a plan target
BELOW, BELOW_FLOOR, MEETS = "#FFEB9C", "#FFC7CE", "#C6EFCE"  # below the standard; below the floor; meets it
DECIDED = {"data": "数据", "judgement": "判定"}
# the unit of measure of a checklist item's value (the rest are judgements: a value in the threshold's terms)
CHECKLIST_UNITS = {"G03_music_art_rooms": "所", "G04_school_size": "所", "G05_class_size": "班",
                   "G07_special_school_funding": "元", "G08_teacher_salary": "%", "G09_training_360": "%",
                   "G11_rotation": "%", "G12_certification": "%", "Q01_junior_retention": "%",
                   "Q02_disabled_enrolment": "%", "S01_social_recognition": "%"}


def to_json(result: BalanceResult) -> dict[str, Any]:
    doc = result.to_dict()
    if result.checklist is not None:
        doc["checklist_summary"] = checklist_summary(result.checklist)
    return doc


def write_workbook(result: BalanceResult, path: str | Path, store: str | Path | None = None,
                   produced: dt.date | None = None) -> Path:
    """The evaluation as a workbook (see the module docstring); `store` names the database in each sheet's
    title rows. Every name and text from the data is written as text, never a formula or link. An
    unwritable `path` raises OutputError and leaves nothing behind."""
    from . import METHOD_NAMES

    path = Path(path)
    r = result
    who = f"{r.district['label']} " if r.district else ""
    title = f"义务教育均衡评估 — {who}{METHOD_NAMES[r.method]}"
    pct = f"{floor_of(r):.0%}"
    sub = provenance(store if r.source == "store" else None, r.year,
                     None if r.source == "store" else f"文件 {r.source}", produced)
    with workbook(path) as wb:
        st = Styles(wb)
        parts = [("概要", "各学段结论：参评学校数、在校生数、综合系数、差异系数与学校达标情况；说明；规划目标；不参评学校",
                  _overview(wb, st, r, title, sub)),
                 ("差异系数", "每个学段每项指标的全区均值、标准差、差异系数 CV 及其国家标准上限、结论，以及达到标准的学校数与比例",
                  _cv_sheet(wb, st, r, title, sub)),
                 ("学校", f"每所学校（分学段）一行，各项指标的生均值为列；低于标准的单元格为黄色，低于标准 {pct} 的为红色",
                  _schools_sheet(wb, st, r, title, sub)),
                 ("方差贡献", "每所学校对各项指标加权方差的贡献比例（找出拉大差异的学校）",
                  _shares_sheet(wb, st, r, title, sub))]
        if r.plan is not None:
            parts.append(("改进方案", "使全部学校达标、各项差异系数达标的最低成本措施（--plan-fixes）",
                          _plan_sheet(wb, st, r.plan, title, sub)))
        if r.checklist is not None:
            parts.append(("检查清单", "政府保障程度、教育质量、社会认可度与一票否决项：结论、数值与佐证",
                          _checklist_sheet(wb, st, r.checklist, title, sub)))
        method = [
            f"评估方法：{METHOD_NAMES[r.method]}。差异系数 CV = 标准差 S ÷ 全区均值 X̄，按学生数加权。",
            f"2017 优质均衡：每所学校至少 6 项指标达到标准，其余 1 项不低于标准的 {pct}（设置 compliance_floor），学校即达标；"
            "每项指标的校际差异系数小学 ≤ 0.50、初中 ≤ 0.45。",
            "九年一贯制、十二年一贯制学校按学段分别参评：设施（用房、场馆、仪器、教室）按学段在校生比例拆分（设施拆分比例）。",
            "缺失的数据不按 0 计：无法计算的指标、无法判定的学校注明原因。",
        ]
        write_notes_sheet(wb, st, title, sub, [(name, what) for name, what, _ in parts],
                          [(name, c) for name, _, cols in parts for c in cols], method)
    return path


def floor_of(r: BalanceResult) -> float:
    """The compliance floor the result was judged with (2017: the one indicator below its standard must reach
    this share of it): the result's own when it carries one, else the active `balance` settings'."""
    floor = getattr(r, "compliance_floor", None)
    if floor is None:
        from .settings import load_settings

        floor = load_settings().compliance_floor
    return float(floor)


def _misses(s) -> dict[str, Any]:
    """The judged misses of a school by indicator (each knows whether it reaches the floor)."""
    return {m.indicator: m for m in s.misses}


def _level_rows(r: BalanceResult):
    for lvl, lr in r.levels.items():
        for s in lr.schools:
            yield lvl, lr, s


def _overview(wb, st: Styles, r: BalanceResult, title: str, sub: str) -> list[Col]:
    cols = [Col("学段"), Col("参评学校数", "所"), Col("在校生数", "人"), Col("综合系数（规划口径）", "系数"),
            Col("差异系数全部达标（国家标准）"), Col("学校全部达标（国家标准）"), Col("达标学校数", "所"),
            Col("达标学校比例", style=SHARE), Col("无法判定学校数", "所", "缺少数据、无法判定是否达标的学校（缺失不按 0 计）"),
            Col("结论（国家标准）")]
    rows = []
    for lvl, lr in r.levels.items():
        n = len(lr.schools)
        in_2017 = r.method == "2017"
        rows.append([lvl, n, sum(s.pupils for s in lr.schools), lr.composite if lr.composite is not None else "—",
                     YES[lr.cv_passed], YES[lr.schools_passed] if in_2017 else "—",
                     lr.compliant_count if in_2017 else "—", (lr.compliant_count / n) if in_2017 and n else None,
                     getattr(lr, "undecided_count", None) if in_2017 else "—",
                     Text(YES[lr.passed], bad=lr.passed is False)])
    notes: list[str] = []
    if r.notes:
        notes += ["说明："] + [f"  {n}" for n in r.notes] + [""]  # the missing-data notes first
    if r.official:
        limits = "、".join(f"{k} ≤{v:.2f}" for k, v in r.official["thresholds"].items())
        notes.append(f"国家标准：{r.official['document']}，{r.official['rule']} {limits}")
    ws = write_table(wb, st, "概要", cols, rows, title, sub, notes=notes)
    row = 3 + len(rows) + 1 + len(notes) + 1
    ps = r.plan_status
    if ps and (ps["plan"] is None or not ps["checks"]):
        label = "" if ps["plan"] is None else f"（{ps['plan']['title']}）"
        put(ws, row, 0, f"规划目标{label}：{ps['status']}", st.bold)
        row += 2
    elif ps:
        put(ws, row, 0, f"规划目标：{ps['name']}（{ps['plan']['title']}）", st.bold)
        for j, h in enumerate(["年度", "学段", "系数", "目标年", "规划目标", "目标", "是否达到"]):
            put(ws, row + 1, j, h, st.header)
        for i, c in enumerate(ps["checks"], start=row + 2):
            put(ws, i, 0, c["year"], st.fmt(style_for("年度")))
            put(ws, i, 1, c["level"])
            _num(ws, st, i, 2, c["value"], COEFFICIENT)
            put(ws, i, 3, c["target_year"], st.fmt(style_for("年度")))
            put(ws, i, 4, c["target_label"])
            _num(ws, st, i, 5, c["target"], COEFFICIENT)
            put(ws, i, 6, MET[c["met"]])
        row += len(ps["checks"]) + 3
    if r.excluded:
        put(ws, row, 0, "不参评学校", st.bold)
        for j, e in enumerate(r.excluded, start=row + 1):
            put(ws, j, 0, f"{e.name}（{type_label(e.type_code)}）：{e.reason}")
    return cols


def _num(ws, st: Styles, row: int, col: int, value: Any, style) -> None:
    """A number in `style`, or — for a missing one."""
    v = style.value(value)
    put(ws, row, col, v if v is not None else "—", st.fmt(style) if v is not None else None)


def _cv_sheet(wb, st: Styles, r: BalanceResult, title: str, sub: str) -> list[Col]:
    pct = f"{floor_of(r):.0%}"
    cols = [Col("学段"), Col("指标代码"), Col("指标", max_width=40), Col("计量单位"), Col("标准"), Col("全区均值 X̄"),
            Col("标准差 S"), Col("差异系数 CV", "系数"), Col("国家标准上限", "系数"), Col("结论"),
            Col("达到标准的学校数", "所"), Col("达到标准的学校比例", style=SHARE),
            Col(f"低于标准 {pct} 的学校数", "所"), Col("说明", max_width=50)]
    rows, notes = [], []
    for lvl, lr in r.levels.items():
        for ind in lr.indicators:
            style = style_for(ind.spec.unit)
            std = ind.standard
            meets = sum(1 for s in lr.schools if s.values.get(ind.spec.id) is not None
                        and ind.spec.id not in _misses(s)) if std else None
            floor = sum(1 for s in lr.schools if (m := _misses(s).get(ind.spec.id)) is not None
                        and not m.above_floor) if std and r.method == "2017" else None
            rows.append([lvl, ind.spec.id, ind.spec.name, ind.spec.unit,
                         Num(std, style) if std is not None else "—",
                         Num(ind.mean, style) if ind.mean is not None else "—",
                         Num(ind.sd, style) if ind.sd is not None else "—",
                         ind.cv if ind.cv is not None else "—",
                         ind.threshold if ind.threshold is not None else "—",
                         Text(YES[ind.passed] if r.method == "2017" else "—", bad=ind.passed is False),
                         meets if meets is not None else "—",
                         (meets / len(lr.schools)) if meets is not None and lr.schools else None,
                         floor if floor is not None else "—", ind.reason or ""])
        composite = "—" if lr.composite is None else COEFFICIENT.text(lr.composite)
        notes.append(f"{lvl}综合系数（{lr.composite_rule}）：{composite}")
        if r.method == "2012":
            official = "—" if lr.official_composite is None else COEFFICIENT.text(lr.official_composite)
            notes.append(f"{lvl}综合差异系数（8 项均值）：{official}；上限 {lr.official_threshold}；{YES[lr.cv_passed]}")
    notes.append("达到标准的学校比例：达到该项标准的学校占参评学校的比例；2017 方法下每所学校至多 1 项低于标准，"
                 f"且不得低于标准的 {pct}。")
    write_table(wb, st, "差异系数", cols, rows, title, sub, freeze_cols=3, notes=notes)
    return cols


def _code(s) -> str | None:
    """The school's 学校标识码; blank for a supervisor's file without one (its name is then its key)."""
    return None if s.code == s.name else s.code


def _short(spec) -> str:
    return f"{spec.id} {spec.name}（{spec.unit}）"


def _schools_sheet(wb, st: Styles, r: BalanceResult, title: str, sub: str) -> list[Col]:
    pct = f"{floor_of(r):.0%}"
    specs = {}
    for lr in r.levels.values():
        for ind in lr.indicators:
            specs.setdefault(ind.spec.id, ind.spec)
    in_2017 = r.method == "2017"
    cols = [Col("学段", note="学校参评的学段（一贯制学校每个学段一行）"), Col("学校标识码", note="10 位学校标识码"),
            Col("学校名称", max_width=36), Col("办学类型"), Col("学生数", "人", "该学段在校生数"),
            Col("设施拆分比例", style=SHARE, note="一贯制学校的设施按学段在校生比例拆分给本学段的比例")]
    cols += [Col(_short(spec), spec.unit, f"{spec.name}，生均值（{spec.unit}）；低于标准为黄色，低于标准 {pct} 为红色",
                 max_width=16) for spec in specs.values()]
    if in_2017:
        cols += [Col("达标项数", "项", "达到标准的指标数"), Col("学校是否达标", note=f"至少 6 项达到标准、其余不低于 {pct}"),
                 Col("未达标项", max_width=50, note="指标 生均值/标准（达到标准的比例）"), Col("说明", max_width=50)]
    rows = []
    for lvl, lr, s in _level_rows(r):
        std = {i.spec.id: i.standard for i in lr.indicators}
        row: list[Any] = [lvl, _code(s), s.name, type_label(s.type_code), s.pupils, s.facility_share]
        for k, spec in specs.items():
            v = s.values.get(k)
            style = style_for(spec.unit)
            if k not in s.values:
                row.append(None)
            elif v is None:
                row.append(Text("无法计算", fill=None))
            elif in_2017 and std.get(k):
                miss = _misses(s).get(k)  # the judged answer, at the floor the evaluation used
                fill = MEETS if miss is None else (BELOW if miss.above_floor else BELOW_FLOOR)
                row.append(Num(v, style, fill))
            else:
                row.append(Num(v, style))
        if in_2017:
            misses = "；".join(f"{m.indicator} {style_for(specs[m.indicator].unit).text(m.value)}/{m.standard:g}"
                              f"（{m.ratio:.1%}）" for m in s.misses)
            row += [s.met if s.met is not None else "—", Text(YES[s.compliant], bad=s.compliant is False), misses,
                    getattr(s, "reason", None) or ("有指标无法计算，无法判定" if s.compliant is None else "")]
        rows.append(row)
    notes = []
    if in_2017:
        for lvl, lr in r.levels.items():
            n = len(lr.schools)
            parts = []
            for ind in lr.indicators:
                if not ind.standard or not n:
                    continue
                meets = sum(1 for s in lr.schools if s.values.get(ind.spec.id) is not None
                            and ind.spec.id not in _misses(s))
                parts.append(f"{ind.spec.id} {meets}/{n}（{meets / n:.1%}）")
            if parts:
                notes.append(f"{lvl}达到标准的学校：" + "、".join(parts))
        notes.append(f"颜色：绿色 = 达到标准；黄色 = 低于标准但不低于标准的 {pct}；红色 = 低于标准的 {pct}。"
                     f"每所学校至少 6 项达到标准、其余 1 项不低于 {pct}，学校达标。")
    write_table(wb, st, "学校", cols, rows, title, sub, freeze_cols=3, notes=notes)
    return cols


def _shares_sheet(wb, st: Styles, r: BalanceResult, title: str, sub: str) -> list[Col]:
    ids = list(dict.fromkeys(i.spec.id for lr in r.levels.values() for i in lr.indicators))
    cols = [Col("学段"), Col("学校标识码"), Col("学校名称", max_width=36), Col("学生数", "人")]
    cols += [Col(f"{k} 方差贡献", style=SHARE) for k in ids]
    rows = [[lvl, _code(s), s.name, s.pupils, *[s.shares.get(k) for k in ids]] for lvl, _, s in _level_rows(r)]
    write_table(wb, st, "方差贡献", cols, rows, title, sub, freeze_cols=3,
                notes=["方差贡献：该校对该项指标加权方差的贡献占比（同一学段同一指标合计 100%）。"])
    return cols


def _plan_sheet(wb, st: Styles, plan, title: str, sub: str) -> list[Col]:
    cols = [Col("学校标识码"), Col("学校名称", max_width=36), Col("学段"), Col("措施", max_width=40), Col("数量"),
            Col("计量单位"), Col("成本（元）", "元")]
    rows = []
    for a in plan.actions:
        d = a.to_dict()
        rows.append([d["school_code"], d["school_name"], d["level"] or "全校", d["label"],
                     Num(d["amount"], style_for(d["unit"])), d["unit"], d["cost"]])
    notes = [plan.message]
    if plan.total_cost is not None:
        notes.append(f"合计成本：{COUNT.text(plan.total_cost)} 元")
    for label, items in (("起约束作用的条件", [b["message"] for b in plan.binding]),
                         ("不可行的原因", [d["message"] for d in plan.infeasible])):
        if items:
            notes += ["", label] + items
    ws = write_table(wb, st, "改进方案", cols, rows, title, sub, notes=notes)
    if plan.total_cost is not None:
        put(ws, 3 + len(rows), 5, "合计", st.bold)
        put(ws, 3 + len(rows), 6, COUNT.value(plan.total_cost), st.fmt(COUNT))
    return cols


def _item_label(it) -> str:
    """政府保障程度第（一）项: the item as 教督〔2017〕6号 names it."""
    return it.item.label


def _checklist_sheet(wb, st: Styles, items, title: str, sub: str) -> list[Col]:
    cols = [Col("项目"), Col("内容", max_width=50), Col("要求", max_width=24), Col("判定方式"), Col("结论"),
            Col("数值"), Col("计量单位"), Col("说明", max_width=50), Col("佐证材料", max_width=30), Col("评估人"),
            Col("评估日期"), Col("依据", max_width=36), Col("评估项目代码", note="录入“督导评估判定”表时填写的代码")]
    rows = []
    for it in items:
        d = it.to_dict()
        unit = CHECKLIST_UNITS.get(d["id"]) or ("%" if "%" in d["threshold"] else None)
        style = PERCENT_2 if unit == "%" else (style_for(unit) if unit else TWO_DECIMALS)
        rows.append([_item_label(it), d["text"], d["threshold"], DECIDED.get(d["decided"], d["decided"]),
                     Text(d["status"], bad=d["status"] == "未达标"),
                     Num(d["value"], style) if d["value"] is not None else None, unit or "", d["detail"],
                     d["evidence"] or "", d["assessor"] or "", d["assessed_on"] or "", d["source"], d["id"]])
    write_table(wb, st, "检查清单", cols, rows, title, sub, freeze_cols=1,
                notes=["评估项目代码：在“督导评估判定”表中录入判定结论时使用的代码（eduplan template 督导评估判定）。"])
    return cols

