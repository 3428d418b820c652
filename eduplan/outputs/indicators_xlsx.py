"""The indicator workbook: one sheet per level of the org tree (区, 学区/组团, 学校), Chinese headers,
number formats, the status coloured; plus 指标说明 (definitions, sources, and the plan's indicators
without data and why). A store holding several districts gives one workbook with a 所属区 column: each
row is judged against its own district's plan (or says 无规划目标)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..indicators.report import frame_for_year
from ..plan.scope import NO_PLAN
from ..sheets import put, workbook

COLUMNS = [  # (frame column, header, width, kind)
    ("name", "指标", 34, "text"), ("unit", "单位", 7, "text"), ("unit_code", "单位代码", 12, "text"),
    ("unit_name", "单位名称", 22, "text"), ("breakdown", "分组", 12, "text"), ("value", "数值", 11, "num"),
    ("numerator", "分子", 12, "num"), ("denominator", "分母", 12, "num"), ("target_op", "目标比较", 8, "text"),
    ("target", "目标值", 10, "num"), ("target_year", "目标年", 8, "int"), ("target_label", "目标", 14, "text"),
    ("path", "当年路径值", 11, "num"), ("status", "状态", 10, "status"), ("status_note", "状态说明", 26, "text"),
    ("projection", "外推", 11, "num"), ("projection_year", "外推年", 8, "int"), ("projection_low", "外推下限", 11, "num"),
    ("projection_high", "外推上限", 11, "num"), ("source", "来源", 16, "text"), ("indicator", "指标代码", 30, "text"),
    ("district_label", "所属区", 18, "text"),  # last: the first columns keep the layout users forward
]
SHEETS = [("district", "区"), ("zone", "学区组团"), ("school", "学校")]
STATUS_COLOURS = {"已达成": "#C6EFCE", "按计划": "#DDEBF7", "有风险": "#FFEB9C", "偏离": "#FFC7CE"}


def projection_header(reports: list[dict[str, Any]]) -> str:
    """“2030 外推” when every district projects to the same year; else “规划期末外推” (the 外推年 column says)."""
    years = {r.get("projection_year") for r in reports if r.get("projection_year") is not None}
    return f"{years.pop()} 外推" if len(years) == 1 else "规划期末外推"


def plan_line(report: dict[str, Any]) -> str:
    """“江湾区（420188）规划：<title>” or “…：无规划目标”."""
    d = report.get("district") or {}
    return f"{d.get('label', '')} 规划：{report['plan_title'] or NO_PLAN}"


def write_indicator_workbook(report: dict[str, Any] | list[dict[str, Any]], path: Path) -> Path:
    """The workbook of `report` — one district's report or the per-district reports of one year (see the
    module docstring); every text is written as text, never a formula or link. An unwritable `path`
    raises OutputError and leaves nothing behind."""
    path = Path(path)
    reports = [report] if isinstance(report, dict) else list(report)
    df = frame_for_year(reports)
    headers = {"projection": projection_header(reports)}
    with workbook(path) as wb:
        head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"})
        num = wb.add_format({"num_format": "#,##0.00"})
        integer = wb.add_format({"num_format": "0"})
        status_fmt = {s: wb.add_format({"bg_color": c}) for s, c in STATUS_COLOURS.items()}
        title = wb.add_format({"bold": True, "font_size": 13})
        for utype, label in SHEETS:
            ws = wb.add_worksheet(label)
            put(ws, 0, 0, f"{reports[0]['year']} 年 规划指标监测（{label}）  "
                          + "；".join(plan_line(r) for r in reports), title)
            for j, (col, h, w, _) in enumerate(COLUMNS):
                ws.write_string(1, j, headers.get(col, h), head)
                ws.set_column(j, j, w)
            ws.freeze_panes(2, 2)
            part = df[df["unit_type"] == utype] if not df.empty else df
            for i, rec in enumerate(part.to_dict("records"), start=2):
                for j, (col, _, _, kind) in enumerate(COLUMNS):
                    v = rec.get(col)
                    if v is None or (isinstance(v, float) and pd.isna(v)) or v == "":
                        continue
                    if kind == "num":
                        put(ws, i, j, float(v), num)
                    elif kind == "int":
                        put(ws, i, j, int(v), integer)
                    elif kind == "status":
                        put(ws, i, j, str(v), status_fmt.get(v))
                    else:
                        put(ws, i, j, str(v))
            ws.autofilter(1, 0, max(2, len(part) + 1), len(COLUMNS) - 1)
        ws = wb.add_worksheet("指标说明")
        heads = ["指标代码", "指标", "单位", "规划指标", "数据状态", "说明", "口径", "依据", "所属区"]
        for j, (h, w) in enumerate(zip(heads, [30, 34, 8, 8, 10, 40, 70, 40, 18])):
            ws.write_string(0, j, h, head)
            ws.set_column(j, j, w)
        i = 1
        for rep in reports:
            where = (rep.get("district") or {}).get("label", "")
            for ind in rep["indicators"]:
                vals = [ind["id"], ind["name"], ind["unit"], "是" if ind["in_plan"] else "否",
                        ind["data_status"], ind["reason"], ind["definition"], ind["source"], where]
                for j, v in enumerate(vals):
                    put(ws, i, j, str(v or ""))
                i += 1
    return path
