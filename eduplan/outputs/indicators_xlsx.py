"""The indicator workbook: one sheet per level of the org tree (区, 学区/组团, 学校), Chinese headers,
number formats, the status coloured; plus 指标说明 (definitions, sources, and the plan's indicators
without data and why)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..indicators.report import frame_for_year
from ..sheets import put, workbook

COLUMNS = [  # (frame column, header, width, kind)
    ("name", "指标", 34, "text"), ("unit", "单位", 7, "text"), ("unit_code", "单位代码", 12, "text"),
    ("unit_name", "单位名称", 22, "text"), ("breakdown", "分组", 12, "text"), ("value", "数值", 11, "num"),
    ("numerator", "分子", 12, "num"), ("denominator", "分母", 12, "num"), ("target_op", "目标比较", 8, "text"),
    ("target", "目标值", 10, "num"), ("target_year", "目标年", 8, "int"), ("path", "当年路径值", 11, "num"),
    ("status", "状态", 8, "status"), ("projection", "2025 外推", 11, "num"), ("projection_low", "外推下限", 11, "num"),
    ("projection_high", "外推上限", 11, "num"), ("source", "来源", 16, "text"), ("indicator", "指标代码", 30, "text"),
]
SHEETS = [("district", "区"), ("zone", "学区组团"), ("school", "学校")]
STATUS_COLOURS = {"已达成": "#C6EFCE", "按计划": "#DDEBF7", "有风险": "#FFEB9C", "偏离": "#FFC7CE"}


def write_indicator_workbook(report: dict[str, Any], path: Path) -> Path:
    """The workbook of `report` (see the module docstring); every text is written as text, never a
    formula or link. An unwritable `path` raises OutputError and leaves nothing behind."""
    path = Path(path)
    df = frame_for_year(report)
    with workbook(path) as wb:
        head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"})
        num = wb.add_format({"num_format": "#,##0.00"})
        integer = wb.add_format({"num_format": "0"})
        status_fmt = {s: wb.add_format({"bg_color": c}) for s, c in STATUS_COLOURS.items()}
        title = wb.add_format({"bold": True, "font_size": 13})
        for utype, label in SHEETS:
            ws = wb.add_worksheet(label)
            put(ws, 0, 0, f"{report['year']} 年 规划指标监测（{label}）  规划：{report['plan']}", title)
            for j, (_, h, w, _) in enumerate(COLUMNS):
                ws.write_string(1, j, h, head)
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
        heads = ["指标代码", "指标", "单位", "规划指标", "数据状态", "说明", "口径", "依据"]
        for j, (h, w) in enumerate(zip(heads, [30, 34, 8, 8, 10, 40, 70, 40])):
            ws.write_string(0, j, h, head)
            ws.set_column(j, j, w)
        for i, ind in enumerate(report["indicators"], start=1):
            vals = [ind["id"], ind["name"], ind["unit"], "是" if ind["in_plan"] else "否", ind["data_status"],
                    ind["reason"], ind["definition"], ind["source"]]
            for j, v in enumerate(vals):
                put(ws, i, j, str(v or ""))
    return path
