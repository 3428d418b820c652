"""Mutation survivors in eduplan/projects (docs/testing.md, tools/mutation.py): the group totals as the JSON of
`eduplan projects --format json` gives them, and the forwarded workbook's sheets, headers and notes, each
against the shipped plan worked by hand."""

from __future__ import annotations

import datetime as dt

import openpyxl

from eduplan.plan import load_plan
from eduplan.projects import build_library, check_library
from eduplan.projects.report import library_doc, write_projects_xlsx

PLAN = load_plan()  # the shipped 硚口 plan (五 重点工程项目表)


def test_group_totals_in_the_json_document():
    # The plan's table: 14 幼儿园 (1.293 亿), 14 中小学配建 (33.4 亿), 7 高中 projects (2.09 亿) + 3 地下停车场
    # that belong to the 高中 group but do not count toward its 7 → projects 10, counted 7. With no store rows,
    # every investment is the plan's allocation, so each group's total equals the stated figure exactly.
    doc = library_doc(build_library(plan=PLAN, rows={}), 2025, [])
    assert doc["groups"] == [
        {"id": "kindergarten", "name": "公益普惠性幼儿园新改扩建工程", "stated_count": 14, "counted": 14,
         "projects": 14, "stated_investment": 1.293, "investment": 1.293, "matches": True},
        {"id": "compulsory", "name": "中小学配建", "stated_count": 14, "counted": 14, "projects": 14,
         "stated_investment": 33.4, "investment": 33.4, "matches": True},
        {"id": "high_school", "name": "改善高中阶段学校办学条件", "stated_count": 7, "counted": 7, "projects": 10,
         "stated_investment": 2.09, "investment": 2.09, "matches": True},
    ]
    # 35 projects, "共投资约 40.7 亿" as stated; the groups add up to 1.293 + 33.4 + 2.09 = 36.783 亿
    assert doc["stated_total"] == {"count": 35, "investment": 40.7}
    assert round(doc["total_investment"], 6) == 36.783
    assert doc["year"] == 2025 and doc["findings"] == []


def _workbook(tmp_path):
    lib = build_library(plan=PLAN, rows={}, as_of=dt.date(2025, 12, 31))
    path = write_projects_xlsx(lib, 2025, check_library(lib), tmp_path / "清单.xlsx", produced=dt.date(2026, 1, 1))
    return openpyxl.load_workbook(path)


def _row(ws, n):
    return [c for c in next(ws.iter_rows(min_row=n, max_row=n, values_only=True))]


def test_workbook_sheets_and_headers(tmp_path):
    wb = _workbook(tmp_path)
    assert wb.sheetnames == ["2025年度建设清单", "预警与核查", "分组合计", "项目库", "项目进展", "项目资金", "说明"]
    headers = {ws.title: [v for v in _row(ws, 3) if v is not None] for ws in wb if ws.title != "说明"}
    assert headers == {
        "2025年度建设清单": ["项目编号", "项目名称", "类别", "学区代码", "建设方式", "规划年份", "当年列入规划",
                        "计划总投资（万元）", "当年计划投资（万元）", "当年支出（万元）", "累计支出（万元）", "当年节点",
                        "年末状态", "新增学位", "规划推算投入使用", "预计投入使用", "预警"],
        "预警与核查": ["级别", "类型", "项目编号", "说明"],
        "分组合计": ["分组", "规划所数", "项目数（计数）", "项目数（含不计数）", "规划投资（亿元）", "项目库合计（亿元）", "一致"],
        "项目库": ["项目编号", "项目名称", "类别", "分组", "建设方式", "学区代码", "学校标识码", "规划年份", "计入规划所数",
                "计划总投资（万元）", "投资来源", "新增学位", "规划推算投入使用", "预计投入使用", "依据"],
        "项目进展": ["项目编号", "项目名称", "节点", "计划日期", "实际日期", "说明"],
        "项目资金": ["项目编号", "项目名称", "年度", "年度计划投资（万元）", "实际支出（万元）"],
    }
    ws = wb["2025年度建设清单"]
    assert _row(ws, 1)[0] == "2025 年度建设清单与重点项目库：2025年度建设清单"
    assert _row(ws, 2)[0] == "年度：2025；生成日期：2026-01-01；截至 2025-12-31"
    # 分组合计: amounts in 亿元 at two decimals (1.293 → 1.29), 一致 是 (the allocation equals the plan)
    assert [_row(wb["分组合计"], n) for n in (4, 5, 6)] == [
        ["公益普惠性幼儿园新改扩建工程", 14, 14, 14, 1.29, 1.29, "是"],
        ["中小学配建", 14, 14, 14, 33.4, 33.4, "是"],
        ["改善高中阶段学校办学条件", 7, 7, 10, 2.09, 2.09, "是"],
    ]
    # a kindergarten 配建 in 2021: 12,930 万元 / 14 by largest remainder → the first two 923.58, the rest 923.57;
    # 9 classes × 30 places (学前) = 270; no store row, so the in-use year is the plan's year
    assert _row(wb["项目库"], 4) == ["kg_hongxing_jiayuan", "红星佳苑配建幼儿园", "幼儿园新改扩", "公益普惠性幼儿园新改扩建工程",
                                  "配建", None, None, "2021", "是", 923.58, "按规划分摊", "学前 270", 2021, 2021,
                                  "规划所列年份推算"]
    # no finding: the 预警与核查 sheet says so in its note
    assert _row(wb["预警与核查"], 5)[0] == "没有预警，也没有核查发现的问题。"


def test_workbook_notes_list_each_sheet_and_its_units(tmp_path):
    ws = _workbook(tmp_path)["说明"]
    rows = [tuple(v for v in r if v is not None) for r in ws.iter_rows(values_only=True)]
    sheets = rows[rows.index(("工作表", "内容")) + 1:][:6]
    assert sheets == [
        ("2025年度建设清单", "2025 年在建、列入规划或有节点、资金、投入使用的项目"),
        ("预警与核查", "进度、资金与规划核对发现的问题"),
        ("分组合计", "规划各项目分组的所数与投资，与项目库合计的核对"),
        ("项目库", "全部重点项目：类别、分组、投资、新增学位、投入使用年度"),
        ("项目进展", "每个项目各节点的计划与实际日期"),
        ("项目资金", "每个项目各年度的计划投资与实际支出"),
    ]
    units = rows[rows.index(("工作表", "列", "计量单位", "定义")) + 1:]
    units = units[:units.index(())]
    assert ("分组合计", "规划投资（亿元）", "亿元") in units and ("项目资金", "年度", "年度") in units
    assert len(units) == 17  # 6 on the year's list, 5 on 分组合计, 3 on 项目库, 3 on 项目资金
