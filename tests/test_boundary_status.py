"""Boundary tests of the indicator status and projection settings (IndicatorSettings: at_risk_tolerance 0.25,
projection_min_points 4), worked by hand through the public functions of eduplan.indicators.targets
(path_matrix, judge, project) and the plan's published precision (at_precision).

The example: baseline 2020 = 80.0, final target 2025 ≥ 90.0 (one decimal published). The path rises 2 a year:
2022 → 84.0. The distance baseline → target is 10, so 有风险 means at most 0.25 × 10 = 2.5 behind the path."""

from __future__ import annotations

import numpy as np
import pytest

from eduplan.indicators import IndicatorSettings
from eduplan.indicators.targets import Target, at_precision, judge, path_matrix, project

S = IndicatorSettings()
FINAL_UP = Target(2025, ">=", 90.0, "≥90.0", "表")
FINAL_DOWN = Target(2025, "<", 0.5, "<0.5", "表")


def status_up(value: float, year: int = 2022) -> str | None:
    path = path_matrix(2020, np.array([80.0]), [FINAL_UP], np.array([year]))
    return judge(np.array([value]), path, np.array([10.0]), np.array([year]), FINAL_UP, 1, S.at_risk_tolerance)[0]


def test_the_path():
    assert path_matrix(2020, np.array([80.0]), [FINAL_UP], np.array([2019, 2020, 2022, 2025, 2027])).tolist()[1:] == [
        80.0, 84.0, 90.0, 90.0]


@pytest.mark.parametrize("value,status", [
    (90.0, "已达成"),  # meets the final target ≥ 90
    (89.9, "按计划"),  # ahead of the path 84
    (84.0, "按计划"),  # on the path
    (83.9, "有风险"),  # 0.1 behind
    (81.5, "有风险"),  # 2.5 behind = 0.25 × 10: still 有风险
    (81.4, "偏离"),  # 2.6 behind
])
def test_status_around_the_path_and_the_tolerance(value, status):
    assert status_up(value) == status


def test_status_compares_at_the_published_precision():
    # 81.45 shows as 81.5 at one decimal (half up): 2.5 behind → 有风险; 81.44 shows as 81.4 → 偏离
    assert (status_up(81.45), status_up(81.44)) == ("有风险", "偏离")
    assert at_precision(21.8499999669, 2) == 21.85


def test_no_tolerance_in_the_final_year():
    # in 2025 the path is the target: 89.9 < 90 is 偏离, not 有风险 (there is no year left)
    assert (status_up(90.0, 2025), status_up(89.9, 2025)) == ("已达成", "偏离")


def test_a_strict_target_is_not_met_at_its_value():
    # the plan's 义务教育优质均衡系数 2025 "<0.5": 0.5 does not meet it, 0.49 does (two decimals published)
    path = path_matrix(2020, np.array([0.382]), [FINAL_DOWN], np.array([2025, 2025]))
    got = judge(np.array([0.5, 0.49]), path, np.array([0.118, 0.118]), np.array([2025, 2025]), FINAL_DOWN, 2,
                S.at_risk_tolerance)
    assert got.tolist() == ["偏离", "已达成"]


def test_projection_needs_4_observed_years():
    years = np.array([2016, 2017, 2018, 2019])
    values = np.array([10.0, 12.0, 14.0, 16.0])
    # 3 years: no projection (数据年份不足)
    assert project(years[1:], values[1:], 2025) is None
    # 4 years on a straight line 2 a year: 16 + 6 × 2 = 28 in 2025
    point, low, high = project(years, values, 2025)
    assert point == pytest.approx(28.0, abs=1e-9) and low < 28.0 < high
