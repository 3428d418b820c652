"""Mutation survivors in eduplan/forecast (docs/testing.md, tools/mutation.py): the forecast workbook a bureau
forwards — its sheets, every header and the rows worked by hand on the widened hand district
(tests/hand_wide.py; the figures are derived in tests/test_hand_wide_forecast.py)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from eduplan.forecast import ForecastSettings, run_forecast
from eduplan.forecast.report import write_forecast_xlsx
from eduplan.store import Store
from hand_wide import shared_store


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    db = shared_store(tmp_path_factory)
    with Store(db, read_only=True) as s:
        fc = run_forecast(s, "baseline", ForecastSettings(), as_of=dt.date(2019, 12, 31))
    path = write_forecast_xlsx([fc], tmp_path_factory.mktemp("fc") / "预测.xlsx", produced=dt.date(2026, 1, 1))
    return openpyxl.load_workbook(path)


def _row(ws, n):
    return [v for v in next(ws.iter_rows(min_row=n, max_row=n, values_only=True)) if v is not None]


def _find(ws, *key):
    for r in ws.iter_rows(min_row=4, values_only=True):
        if tuple(r[:len(key)]) == key:
            return [v for v in r if v is not None]
    raise AssertionError(f"{ws.title}: no row {key}")


def test_sheets_and_headers(workbook):
    assert workbook.sheetnames == ["学位缺口汇总", "学位缺口", "人口预测", "在校生预测", "流动率", "学校容量", "项目新增学位",
                                   "千人指标", "资源需求", "经费", "说明与设置", "说明"]
    ages = [f"{a}岁" for a in range(23)]
    assert {ws.title: _row(ws, 3) for ws in workbook if ws.title != "说明"} == {
        "学位缺口汇总": ["学区代码", "学区名称", "学段", "缺位年份", "最大缺位", "首个缺位年", "项目补上缺口的年份", "补缺项目",
                   "缺位年份待建项目"],
        "学位缺口": ["学区代码", "学区名称", "学段", "年度", "学位需求", "现有学位", "项目新增学位", "可用学位", "缺口（需求−可用）",
                 "缺位", "邻区吸收", "无学位儿童", "已投用项目", "待建项目"],
        "人口预测": ["区域代码", "名称", "年度", "类型", *ages],
        "在校生预测": ["区域代码", "名称", "年度", "学段", "在校生", "一年级", "二年级", "三年级", "四年级", "五年级", "六年级"],
        "流动率": ["区域代码", "名称", "年级/项目", "升级率（或入学率、升学率）", "留级率", "辍学率", "净转入率", "说明"],
        "学校容量": ["学校标识码", "学校名称", "学区代码", "学段", "容量班数", "容量依据", "学位", "在校生", "班数", "平均班额", "使用率",
                 "超容量", "大班额班数", "超标准班额班数", "撤并年份"],
        "项目新增学位": ["项目编号", "项目名称", "学区代码", "学段", "新增学位", "投入使用年度", "情景推迟（年）"],
        "千人指标": ["区域代码", "名称", "学段", "年度", "常住人口", "千人指标学位", "学位需求", "每千人需求", "需求÷千人指标"],
        "资源需求": ["年度", "学段", "在校生", "其中公办", "其中民办", "公办需要教职工（编制标准）", "公办现有教职工（基年）",
                 "公办计价教职工（两者较大）", "公办教职工缺口", "民办现有教职工（基年）", "民办需要教职工（编制标准）", "需要班数",
                 "可用班数"],
        "经费": ["年度", "人员经费（公办，万元）", "人员经费（按编制标准，万元）", "公用经费（公办，万元）", "基建投资（万元）", "合计（万元）",
               "教育预算（万元）", "资金缺口（公办，万元）", "资金缺口（按编制标准，万元）"],
        "说明与设置": ["设置项代码", "设置值"],
    }
    assert _row(workbook["资源需求"], 1) == ["硚口区 学位预测（基年 2019 年）：资源需求"]
    assert _row(workbook["资源需求"], 2) == ["年度：2019（基年）；生成日期：2026-01-01；情景：基准情景"]


def test_rows_worked_by_hand(workbook):
    # 在校生 QK01 2019 = 宗关小学 A + 育才民办小学 B per grade: P1 180+60, P2 176+59, P3 178+60, P4 175+60,
    # P5 175+59, P6 175+60 → 240, 235, 238, 235, 234, 235; total 1,059 + 358 = 1,417
    assert _find(workbook["在校生预测"], "QK01", "古田组团", 2019, "小学") == [
        "QK01", "古田组团", 2019, "小学", 1417, 240, 235, 238, 235, 234, 235]
    # 资源需求 小学 2019 (test_hand_wide_forecast): 3,286 pupils, 2,928 公办, 358 民办; ⌈2,928/19⌉ = 155 needed,
    # 167 公办 staff, priced max(155, 167) = 167, gap −12; 民办 20 now, ⌈358/19⌉ = 19 needed; 74 classes needed, 102
    assert _find(workbook["资源需求"], 2019, "小学") == [2019, "小学", 3286, 2928, 358, 155, 167, 167, -12, 20, 19, 74, 102]
    # 流动率 QK01 一年级 (A + B, stationary, four decimals): 240 pupils, 4 repeaters (A 4, B 0) → 4/240 = 0.0167;
    # out (转出 5 + 2) − in (转入 3 + 1) + deaths 0 = 3 → 3/240 = 0.0125 辍学; promoted 240 − 4 − 3 = 233 → 0.9708
    assert _find(workbook["流动率"], "QK01", "古田组团", "小学一年级") == ["QK01", "古田组团", "小学一年级", 0.9708, 0.0167, 0.0125]
    # 学校容量 宗关小学: 24 classes × 45 = 1,080 places, 1,059 pupils in 24 classes → 44.125 → 44.1 a class,
    # 1,059 / 1,080 = 0.98055… → 0.981 used, not over capacity, no class over 45 or 56
    assert _find(workbook["学校容量"], "2420104101") == [
        "2420104101", "宗关小学", "QK01", "小学", 24, "设计办学规模班数", 1080, 1059, 24, 44.1, 0.981, "否", 0, 0]


def test_capital_is_kept_to_a_tenth_of_a_wan():
    # no pupils, no staff, no budget: the year's cost is its capital alone, 1,234.56 万元 → 1,234.6 (one decimal)
    from eduplan.forecast.resources import resource_needs

    (row,) = resource_needs({"小学": {2026: 0.0}}, {}, {}, {}, {}, {2026: 1234.56}, 2025, [2026], ForecastSettings())
    assert (row["capital"], row["total"], row["staff_cost"], row["public_funds"]) == (1234.6, 1234.6, 0.0, 0.0)
    assert (row["budget"], row["financing_gap"]) == (None, None)
