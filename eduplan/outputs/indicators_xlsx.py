"""The indicator workbook: one sheet per level of the org tree (区, 学区组团, 学校), Chinese headers, every
number in its unit's style (eduplan.sheets: 0.0% for 率, #,##0 for 人, 0.000 for 系数 …), the status
coloured; plus 指标说明 (definitions, sources, and the plan's indicators without data and why) and 说明 (the
sheets, the columns, the method). A store holding several districts gives one workbook with a 所属区
column: each row is judged against its own district's plan (or says 无规划目标)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from ..indicators.report import frame_for_year
from ..plan.scope import NO_PLAN
from ..sheets import Col, Num, Styles, Text, provenance, quantity_style, style_for, workbook, write_notes_sheet, write_table

# (frame column, header, note); the unit's header names the statistical unit of the sheet (区/学区/学校)
COLUMNS = [
    ("name", "指标", "规划指标的名称"),
    ("unit", "计量单位", "数值、目标值、路径值和外推值的计量单位（% 显示为百分数）"),
    ("unit_code", "{code}", "统计单位（区、学区组团或学校）的代码"),
    ("unit_name", "{name}", "统计单位的名称"),
    ("breakdown", "分组", "按办学性质等分组时的组别；空白为合计"),
    ("value", "数值", "= 分子 ÷ 分母 × 系数，按计量单位显示"),
    ("numerator", "分子", "计算数值的分子（人数、班数、面积等）"),
    ("denominator", "分母", "计算数值的分母"),
    ("target_op", "目标比较", "≥：数值不低于目标值为达成；≤：不高于"),
    ("target", "目标值", "当年之后最近的规划目标（中期目标，然后期末目标）"),
    ("target_year", "目标年", "目标值所属的年度"),
    ("target_label", "目标", "目标的名称（中期目标或期末目标）"),
    ("path", "当年路径值", "从基年到目标年按直线推算的当年应达值"),
    ("status", "状态", "已达成、按计划、有风险、偏离，或无规划目标、无数据"),
    ("status_note", "状态说明", "状态的判定依据"),
    ("projection", "{projection}", "按历年趋势外推到规划期末年的值"),
    ("projection_year", "外推年", "外推到的年度"),
    ("projection_low", "外推下限", "外推值的区间下限"),
    ("projection_high", "外推上限", "外推值的区间上限"),
    ("source", "来源", "计算：由库中数据计算；上报：采用上报指标值表的上报值（括号内为上报来源）"),
    ("indicator", "指标代码", "指标的代码（eduplan explain 指标代码 查看口径与各校贡献）"),
    ("district_label", "所属区", "统计单位所属的区（各区按本区绑定的规划评估）"),
]
SHEETS = [("district", "区", "区代码", "区"), ("zone", "学区组团", "学区代码", "学区"),
          ("school", "学校", "学校标识码", "学校")]
STATUS_COLOURS = {"已达成": "#C6EFCE", "按计划": "#DDEBF7", "有风险": "#FFEB9C", "偏离": "#FFC7CE"}
TARGET_OPS = {">=": "≥", "<=": "≤", "==": "=", ">": ">", "<": "<"}
UNIT_VALUED = {"value", "target", "path", "projection", "projection_low", "projection_high"}
YEARS = {"target_year", "projection_year"}


def projection_header(reports: list[dict[str, Any]]) -> str:
    """“2030 外推” when every district projects to the same year; else “规划期末外推” (the 外推年 column says)."""
    years = {r.get("projection_year") for r in reports if r.get("projection_year") is not None}
    return f"{years.pop()} 外推" if len(years) == 1 else "规划期末外推"


def plan_line(report: dict[str, Any]) -> str:
    """“江湾区（420188）规划：<title>” or “…：无规划目标”."""
    d = report.get("district") or {}
    return f"{d.get('label', '')} 规划：{report['plan_title'] or NO_PLAN}"


def source_label(source: Any) -> str:
    """计算 / 上报（来源）: the 来源 column in Chinese."""
    text = str(source or "")
    if text == "computed":
        return "计算"
    if text.startswith("reported"):
        where = text.partition(":")[2].strip()
        return f"上报（{where}）" if where else "上报"
    return text


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and pd.isna(v)) or v == ""


def _cell(col: str, v: Any, unit: str) -> Any:
    if _missing(v):
        return None
    if col in UNIT_VALUED:
        return Num(v, style_for(unit))
    if col in ("numerator", "denominator"):
        return Num(v, quantity_style(v))
    if col in YEARS:
        return Num(int(v), style_for("年度"))
    if col == "status":
        return Text(str(v), fill=STATUS_COLOURS.get(str(v)))
    if col == "source":
        return source_label(v)
    if col == "target_op":
        return TARGET_OPS.get(str(v), str(v))
    return str(v)


def write_indicator_workbook(report: dict[str, Any] | list[dict[str, Any]], path: Path,
                             store: str | Path | None = None, produced: dt.date | None = None,
                             pending: str | None = None) -> Path:
    """The workbook of `report` — one district's report or the per-district reports of one year (see the
    module docstring); `store` names the database in the title rows. `pending`: the figures include pending
    (not yet approved) collection submissions — the title says 含待审核数据 and this text follows the provenance
    line. Every text is written as text, never a formula or link. An unwritable `path` raises OutputError and
    leaves nothing behind."""
    path = Path(path)
    reports = [report] if isinstance(report, dict) else list(report)
    df = frame_for_year(reports)
    year = reports[0]["year"]
    sub = provenance(store, year, None, produced) + "；" + "；".join(plan_line(r) for r in reports)
    title = f"{year} 年 规划指标监测"
    if pending:
        title += "（含待审核数据）"
        sub += "；" + pending
    with workbook(path) as wb:
        st = Styles(wb, "#D9E1F2")
        described: list[tuple[str, Col]] = []
        for utype, label, code_header, name_header in SHEETS:
            names = {"{code}": code_header, "{name}": name_header, "{projection}": projection_header(reports)}
            cols = [Col(names.get(h, h), max_width=40 if c in ("name", "status_note") else 30, note=note)
                    for c, h, note in COLUMNS]
            part = df[df["unit_type"] == utype] if not df.empty else df
            rows = [[_cell(c, rec.get(c), rec.get("unit") or "") for c, _, _ in COLUMNS]
                    for rec in part.to_dict("records")]
            write_table(wb, st, label, cols, rows, f"{title}（{label}）", sub, freeze_cols=2)
            if utype == "district":
                described = [(label, c) for c in cols]
        heads = [Col("指标代码"), Col("指标", max_width=40), Col("计量单位"), Col("规划指标"), Col("数据状态"),
                 Col("说明", max_width=40), Col("口径", max_width=70), Col("依据", max_width=40), Col("所属区")]
        rows = []
        for rep in reports:
            where = (rep.get("district") or {}).get("label", "")
            for ind in rep["indicators"]:
                rows.append([ind["id"], ind["name"], ind["unit"], "是" if ind["in_plan"] else "否", ind["data_status"],
                             ind["reason"] or "", ind["definition"] or "", ind["source"] or "", where])
        write_table(wb, st, "指标说明", heads, rows, f"{title}：指标口径", sub, freeze_cols=2)
        sheets = [(label, f"{name_header}一级：每个{name_header}每个指标（及分组）一行") for _, label, _, name_header in SHEETS]
        sheets.append(("指标说明", "每个指标的口径、依据和数据状态；规划指标没有数据时说明原因"))
        write_notes_sheet(wb, st, title, sub, sheets, described, [
            "数值 = 分子 ÷ 分母 × 系数；百分率（%）以百分数显示，系数保留 3 位小数，人数、班数、金额（元）为整数。",
            "状态：当年数值与当年路径值、目标值比较（已达成、按计划、有风险、偏离）；未绑定规划时为“无规划目标”。",
            "缺失的数据不按 0 计：缺少数据的指标不计算，在“指标说明”中说明原因。",
            "说明与依据中的英文代码为用户录入时使用的代码（设置项、上报指标代码）。",
        ])
    return path
