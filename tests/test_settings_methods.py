"""The defaults of every settings class equal the official figures of ../shared/domain/methods.md where it gives
them. Hermetic: the figures are written here as literals, each with the section and line of methods.md it
comes from (methods.md is outside the repository and is not read). A second part pins the defaults that are
this system's own conventions (no official figure: "本系统约定" in their descriptions), so that changing one
is a deliberate edit of this file too.

Settings classes (the sections of docs/settings.md): IndicatorSettings, BalanceSettings, ForecastSettings,
ProjectSettings, ImportLimits."""

from __future__ import annotations

import pytest

from eduplan.balance import BalanceSettings
from eduplan.forecast import ForecastSettings
from eduplan.indicators import IndicatorSettings
from eduplan.ingest.limits import ImportLimits
from eduplan.projects import ProjectSettings

# ------------------------------------------------------------------ methods.md, as literals

# §1.1 table, lines 17–23: the seven resource-allocation standards, 小学 | 初中
STANDARDS_2017 = {
    "小学": {"L1": 4.2, "L2": 1.0, "L3": 0.9, "L4": 4.5, "L5": 7.5, "L6": 2000.0, "L7": 2.3},
    "初中": {"L1": 5.3, "L2": 1.0, "L3": 0.9, "L4": 5.8, "L5": 10.2, "L6": 2500.0, "L7": 2.4},
}
MIN_MET, FLOOR = 6, 0.85  # §1.1 lines 25–26: "at least 6 of the 7 … the remaining one is at least 85%"
CV_2017 = {"小学": 0.50, "初中": 0.45}  # §1.1 line 28: "≤ 0.50 for 小学 and ≤ 0.45 for 初中"
COMPOSITE_2012 = {"小学": 0.65, "初中": 0.55}  # §2 line 69: "thresholds 小学 ≤ 0.65, 初中 ≤ 0.55"
COMPOSITE_RULE = "mean"  # §2 lines 71–72: "default: the mean of the single coefficients"
LEVEL_WEIGHTS = {"小学": 1.0, "初中": 1.1, "高中": 1.32}  # §1.3 line 49: "1 : 1.1 : 1.32"
COMPLETE_SCHOOL_WEIGHTS = {"初中": 1.0, "高中": 1.2}  # §1.3 line 49: "完全中学 初中 : 高中 = 1 : 1.2"
TEACHING_POINT_MIN = 50  # §1 line 11: "教学点 with fewer than 50 students" are out of scope
SCHOOL_SIZE, THROUGH_SCHOOL_SIZE = 2000, 2500  # §1.4 line 56: "小学、初中 ≤2000 人, 九年一贯制/十二年一贯制 义务段 ≤2500 人"
STAFFING = {"小学": 19.0, "初中": 13.5, "高中": 12.5}  # §4 line 92: "高中 1 : 12.5, 初中 1 : 13.5, 小学 1 : 19"
CLASS_SIZE = {"小学": 45, "初中": 50}  # §4 line 93 (and §1.4 line 56): "小学 45, 初中 50"
PLACES_PER_1000 = {"小学": 55.0, "初中": 25.0, "高中": 15.0}  # §4 line 95: "55 小学, 25 初中, 15 普高 places per 1,000"
PRESCHOOL_AGES = (3, 5)  # §3 line 79: "3–5 岁人口"
UPPER_SECONDARY_AGES = (15, 17)  # §3 line 83: "15–17 岁人口"


def test_balance_defaults_are_the_official_figures():
    s = BalanceSettings()
    assert s.standards == STANDARDS_2017
    assert (s.compliance_min_met, s.compliance_floor) == (MIN_MET, FLOOR)
    assert s.cv_threshold_2017 == CV_2017
    assert s.composite_threshold_2012 == COMPOSITE_2012
    assert s.composite == COMPOSITE_RULE
    assert s.level_weights == LEVEL_WEIGHTS
    assert s.complete_school_weights == COMPLETE_SCHOOL_WEIGHTS
    assert s.teaching_point_min_pupils == TEACHING_POINT_MIN


def test_balance_scope_leaves_out_special_and_vocational_schools():
    # §1 lines 10–11: every compulsory school except 特殊教育学校 (5xx) and 职业学校 (36x); §6 line 122–125 codes
    s = BalanceSettings()
    assert not [t for t in s.scope_types if t.startswith(("5", "36"))]
    assert {"211", "311", "312", "345"} <= set(s.scope_types)  # 小学, 初中, 九年一贯制, 十二年一贯制
    assert s.teaching_point_types == ["218"]  # §6 line 122: 218 小学教学点


def test_indicator_defaults_are_the_official_figures():
    s = IndicatorSettings()
    assert s.preschool_ages == PRESCHOOL_AGES
    assert s.upper_secondary_ages == UPPER_SECONDARY_AGES
    assert s.staffing_norms == STAFFING
    assert (s.school_size_ceiling, s.through_school_size_ceiling) == (SCHOOL_SIZE, THROUGH_SCHOOL_SIZE)


def test_forecast_defaults_are_the_official_figures():
    s = ForecastSettings()
    assert {k: s.class_size[k] for k in CLASS_SIZE} == CLASS_SIZE
    assert {k: s.staffing_norms[k] for k in STAFFING} == STAFFING
    assert {k: s.places_per_1000[k] for k in PLACES_PER_1000} == PLACES_PER_1000
    assert s.preschool_ages == PRESCHOOL_AGES


def test_project_class_sizes_are_the_official_figures():
    s = ProjectSettings()
    assert {k: s.class_size[k] for k in CLASS_SIZE} == CLASS_SIZE


def test_class_sizes_agree_across_sections():
    # the forecast's places and the projects' classes → places use one norm per level
    assert ForecastSettings().class_size == ProjectSettings().class_size


# ------------------------------------------------------------------ this system's conventions (not in methods.md)

@pytest.mark.parametrize("model,field,value", [
    # the key-project checks (projects/settings.py, "本系统约定")
    (ProjectSettings, "delay_tolerance_days", 90),
    (ProjectSettings, "execution_lag_threshold", 0.7),
    (ProjectSettings, "overrun_threshold", 0.10),
    # 学前 / 高中 / 中职 class sizes: 《幼儿园工作规程》 average 30; 高中, 中职 50
    (ForecastSettings, "class_size", {"学前": 30, "小学": 45, "初中": 50, "高中": 50, "中职": 50}),
    # 大班额: 56 and more (教育统计口径)
    (ForecastSettings, "big_class_size", 56),
    # 学前 1 : 7 (《幼儿园教职工配备标准（暂行）》 wide end), 中职 1 : 16 (verify)
    (ForecastSettings, "staffing_norms", {"学前": 7.0, "小学": 19.0, "初中": 13.5, "高中": 12.5, "中职": 16.0}),
    (ForecastSettings, "flow_year_pairs", 3),
    # indicator status and projection (docs/monitoring.md)
    (IndicatorSettings, "at_risk_tolerance", 0.25),
    (IndicatorSettings, "projection_min_points", 4),
    (IndicatorSettings, "projection_window", 5),
    # the import limits (ingest/limits.py)
    (ImportLimits, "max_file_mb", 100.0),
    (ImportLimits, "max_unzipped_mb", 300.0),
    (ImportLimits, "max_zip_ratio", 250.0),
    (ImportLimits, "max_zip_members", 10_000),
    (ImportLimits, "max_rows", 300_000),
    (ImportLimits, "max_columns", 256),
    (ImportLimits, "max_cells", 6_000_000),
    (ImportLimits, "max_cell_chars", 5_000),
], ids=lambda v: getattr(v, "__name__", v) if not isinstance(v, dict) else "")
def test_convention_defaults(model, field, value):
    assert getattr(model(), field) == value
