"""The indicator engine on a small district built by hand; every figure is worked out in the comments.

District 420104, zones QK01 and QK02, seven schools:
  S1 2420104001 小学 211 公办 (QK01)        S2 2420104002 九年一贯制 312 公办 (QK02)
  S3 2420104003 幼儿园 111 民办 普惠 (QK01)  S4 2420104004 幼儿园 111 民办 非普惠 (QK02)
  S5 2420104005 高级中学 342 公办 (QK02)     S6 2420104006 中职 361 公办 (QK01)
  S7 2420104007 小学 211 公办 (QK01), enrolment only in 2018 (2,100 pupils: over the 2,000 ceiling)
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from eduplan.indicators import IndicatorSettings, compute, load_definitions
from eduplan.indicators.explain import explain
from eduplan.indicators.schema import DOMAINS
from eduplan.indicators.report import build_report
from eduplan.indicators.targets import attach
from eduplan.ingest import import_files
from eduplan.plan import load_plan
from helpers import write_one, write_small

D = "420104"


def _e(year, school, grade, classes, male, female, **kw):
    # a blank cell is missing, not 0: the hand-made schools state their 0 large classes explicitly
    return {"year": year, "school_code": school, "grade": grade, "classes": classes, "male": male, "female": female,
            "pupils": male + female, "classes_over_norm": 0, **kw}


def _t(year, school, section, teachers, staff, q, **kw):
    pg, ba, co, se = q
    # blanks are missing, not 0: the sections state their 0 骨干 and 体育/艺术 teachers explicitly
    zero = {"bb_district": 0, "bb_city": 0, "bb_province": 0, "pe": 0, "music": 0, "art": 0}
    return {"year": year, "school_code": school, "section": section, "teachers": teachers, "staff": staff,
            "q_postgrad": pg, "q_bachelor": ba, "q_college": co, "q_secondary": se, **zero, **kw}


def _f(year, school, bandwidth, mm, rooms, devices, smart):
    return {"year": year, "school_code": school, "building_area": 9000, "teaching_area": 5000, "sports_area": 6000,
            "equipment_value": 200.0, "books": 30000, "computers": 100, "classrooms": rooms, "multimedia_rooms": mm,
            "teacher_devices": devices, "smart_rooms": smart, "bandwidth_mbps": bandwidth}


S1, S2, S3, S4, S5, S6, S7 = (f"242010400{i}" for i in range(1, 8))
POP = {3: (40, 40), 4: (45, 40), 5: (50, 40), 15: (60, 60), 16: (50, 60), 17: (70, 60)}  # age: (QK01, QK02)

DATA = {
    "district": [{"district_code": D, "district_name": "硚口区", "city_name": "武汉市"}],
    "zone": [{"zone_code": "QK01", "zone_name": "古田组团", "district_code": D},
             {"zone_code": "QK02", "zone_name": "汉正组团", "district_code": D}],
    "school": [
        {"school_code": S1, "school_name": "崇仁路小学", "type_code": "211", "ownership": "公办", "district_code": D},
        {"school_code": S2, "school_name": "陈家墩学校", "type_code": "312", "ownership": "公办", "district_code": D},
        {"school_code": S3, "school_name": "红星幼儿园", "type_code": "111", "ownership": "民办", "inclusive": "是",
         "district_code": D},
        {"school_code": S4, "school_name": "金地幼儿园", "type_code": "111", "ownership": "民办", "inclusive": "否",
         "district_code": D},
        {"school_code": S5, "school_name": "武汉市第十一中学", "type_code": "342", "ownership": "公办", "district_code": D},
        {"school_code": S6, "school_name": "武汉市第一职业教育中心", "type_code": "361", "ownership": "公办", "district_code": D},
        {"school_code": S7, "school_name": "汉西小学", "type_code": "211", "ownership": "公办", "district_code": D},
    ],
    "school_zone": [{"school_code": s, "zone_code": z, "start_year": 2010}
                    for s, z in ((S1, "QK01"), (S2, "QK02"), (S3, "QK01"), (S4, "QK02"), (S5, "QK02"), (S6, "QK01"),
                                 (S7, "QK01"))],
    "enrolment": [
        # 2019
        _e(2019, S1, "P1", 4, 95, 85, classes_over_norm=1), _e(2019, S1, "P2", 4, 90, 86),
        _e(2019, S2, "P1", 2, 45, 45), _e(2019, S2, "J1", 2, 52, 48),
        _e(2019, S2, "J3", 2, 50, 46, graduates=97, classes_over_norm=1, transfers_in=2, transfers_out=1, deaths=0),
        _e(2019, S3, "K1", 3, 46, 44), _e(2019, S3, "K2", 3, 44, 44), _e(2019, S4, "K1", 2, 30, 30),
        _e(2019, S5, "S1", 4, 100, 100), _e(2019, S6, "V1", 3, 80, 70),
        # the junior cohort of S2: 初一 in 2016, 初二 in 2017, 初三 in 2018, graduated in 2019. A year's
        # movements are booked a year later on the row of the grade the class was in (the next class's row);
        # its 初三 year's on the 2019 J3 row, beside its graduates
        _e(2016, S2, "J1", 2, 50, 50), _e(2017, S2, "J1", 2, 50, 50, transfers_in=2, transfers_out=3, deaths=0),
        _e(2017, S2, "J2", 2, 50, 49), _e(2018, S2, "J2", 2, 50, 50, transfers_in=1, transfers_out=1, deaths=1),
        _e(2018, S2, "J3", 2, 49, 49),
        # S2's 小学一年级 of 2011 (for the nine-year retention rate of 2019)
        _e(2011, S2, "P1", 2, 50, 48),
        # S7 in 2018 only: 2,100 pupils
        _e(2018, S7, "P1", 25, 530, 520), _e(2018, S7, "P2", 25, 530, 520),
    ],
    "teachers": [
        _t(2019, S1, "小学", 22, 25, (2, 18, 2, 0), bb_district=4, pe=2, music=1, art=1),
        _t(2019, S2, "小学", 6, 7, (0, 5, 1, 0), bb_district=1, pe=1),
        _t(2019, S2, "初中", 12, 14, (1, 11, 0, 0), bb_district=2, pe=1, art=1), _t(2019, S5, "高中", 20, 24, (5, 15, 0, 0)),
        _t(2019, S6, "中职", 10, 12, (1, 8, 1, 0), dual=6),
    ],
    "facilities": [_f(2019, S1, 500, 8, 8, 20, 1), _f(2019, S2, 300, 5, 6, 18, 0), _f(2019, S5, 400, 4, 4, 20, 2),
                   _f(2019, S6, 300, 3, 3, 10, 1)],
    "population": [
        {"year": 2019, "area_code": area, "age": a, "population": n}
        for a in range(23)
        for area, n in ((D, sum(POP.get(a, (50, 50)))), ("QK01", POP.get(a, (50, 50))[0]),
                        ("QK02", POP.get(a, (50, 50))[1]))
    ],
    "area_year": [
        {"year": 2018, "area_code": D, "residents": 650000, "public_expenditure": 95000.0, "education_expenditure": 20000.0},
        {"year": 2019, "area_code": D, "residents": 660000, "public_expenditure": 100000.0,
         "education_expenditure": 21850.0, "teacher_salary": 120000.0, "civil_servant_salary": 118000.0},
    ],
    "reported": [{"year": 2019, "area_code": D, "item": "labour_force_schooling_years", "value": 14.53,
                  "source": "区统计局"}],
}


@pytest.fixture
def district(store, tmp_path):
    report = import_files(store, write_small(tmp_path, DATA), user="统计科")
    assert report.ok, [i.text() for i in report.errors]
    return store


def _value(comp, indicator, year=2019, unit=("district", D), bdim="", bval=""):
    v = comp.values
    row = v[(v.indicator == indicator) & (v.year == year) & (v.unit_type == unit[0]) & (v.unit_code == unit[1])
            & (v.bdim == bdim) & (v.bval == bval)]
    assert len(row) == 1, (indicator, year, unit, len(row))
    return row.iloc[0]


def test_every_indicator_by_hand(district):
    comp = compute(district, load_definitions())
    # 学前三年毛入园率 = (90 + 88 + 60) / (80 + 85 + 90) × 100 = 238 / 255 × 100 = 93.33
    r = _value(comp, "preschool_gross_enrolment")
    assert (r.numerator, r.denominator) == (238, 255) and r.value == pytest.approx(238 / 255 * 100)
    # by zone: QK01 = S3 178 / (40 + 45 + 50) = 178/135; QK02 = S4 60 / 120
    assert _value(comp, "preschool_gross_enrolment", unit=("zone", "QK01")).value == pytest.approx(178 / 135 * 100)
    assert _value(comp, "preschool_gross_enrolment", unit=("zone", "QK02")).value == pytest.approx(50.0)
    # breakdown by 办学性质: all kindergartens are 民办 → 238 / 255
    assert _value(comp, "preschool_gross_enrolment", bdim="ownership", bval="民办").numerator == 238
    # 普惠 share = 178 / 238; 公办园 share = 0 / 238
    assert _value(comp, "inclusive_kindergarten_share").value == pytest.approx(178 / 238 * 100)
    assert _value(comp, "public_kindergarten_share").value == 0
    # 高中阶段毛入学率 = (200 + 150) / (120 + 110 + 130) × 100 = 350 / 360 × 100
    assert _value(comp, "upper_secondary_gross_enrolment").value == pytest.approx(350 / 360 * 100)
    # 高中教师研究生比例 = 5 / 20; 双师型 = 6 / 10
    assert _value(comp, "senior_teacher_postgraduate_share").value == pytest.approx(25.0)
    assert _value(comp, "vocational_dual_qualified_teacher_share").value == pytest.approx(60.0)
    assert _value(comp, "vocational_dual_qualified_teacher_share", unit=("school", S6)).value == pytest.approx(60.0)
    # 生师比: 小学 (180 + 176 + 90) / (22 + 6) = 446 / 28; 初中 (100 + 96) / 12; 高中 200 / 20
    assert _value(comp, "pupil_teacher_ratio_primary").value == pytest.approx(446 / 28)
    assert _value(comp, "pupil_teacher_ratio_junior").value == pytest.approx(196 / 12)
    assert _value(comp, "pupil_teacher_ratio_senior").value == pytest.approx(10.0)
    assert _value(comp, "pupil_teacher_ratio_primary", unit=("school", S1)).value == pytest.approx(356 / 22)
    # 编制缺口 = 在校生 / 标准 − 教职工: 小学 446/19 − (25 + 7); 初中 196/13.5 − 14; 高中 200/12.5 − 24 = −8
    assert _value(comp, "staffing_gap_primary").value == pytest.approx(446 / 19 - 32)
    assert _value(comp, "staffing_gap_junior").value == pytest.approx(196 / 13.5 - 14)
    assert _value(comp, "staffing_gap_senior").value == pytest.approx(-8.0)
    # 大班额: 小学 1 of 4 + 4 + 2 = 10 classes; 初中 1 of 2 + 2 classes
    assert _value(comp, "large_class_share_primary").value == pytest.approx(10.0)
    assert _value(comp, "large_class_share_junior").value == pytest.approx(25.0)
    # 超规模学校: S7 (2,100 > 2,000) in 2018, none in 2019
    assert _value(comp, "oversized_schools", year=2018).value == 1
    assert _value(comp, "oversized_schools").value == 0
    # 初中三年巩固率 (S2), the 初三 year's movements included (issue 9; it was 98 / 99 without them):
    # (97 − 2 − 1 − 2 + 3 + 1 + 1) / (100 − 0 − 1 − 0) × 100 = 97 / 99 × 100
    r = _value(comp, "junior_retention_rate")
    assert (r.numerator, r.denominator) == (97, 99) and r.value == pytest.approx(97 / 99 * 100)
    # 九年巩固率 needs the cohort's movements of 2012–2018 (one 小学一年级 row of 2011 only): no figure
    # (the raw 96 / 98 was shown before issue 9; worked by hand in test_retention.py)
    assert math.isnan(_value(comp, "compulsory_retention_rate").value)
    # 信息化 (中小学 S1, S2, S5 only; S6 中职 is not 中小学):
    # 班均带宽 = (500 + 300 + 400) / (8 + 6 + 4) classes; 多媒体 = (8 + 5 + 4) / (8 + 6 + 4) rooms
    assert _value(comp, "bandwidth_per_class").value == pytest.approx(1200 / 18)
    assert _value(comp, "multimedia_classroom_coverage").value == pytest.approx(17 / 18 * 100)
    # 教师移动终端 = (20 + 18 + 20) / (22 + 6 + 12 + 20); 智慧教室学校 = S1, S5 of S1, S2, S5
    assert _value(comp, "teacher_mobile_terminal_coverage").value == pytest.approx(58 / 60 * 100)
    assert _value(comp, "smart_classroom_school_rate").value == pytest.approx(200 / 3)
    # 经费: 21850 / 100000; 2.185 亿元; 生均 21850 万元 × 10000 / 1230 在校生
    assert _value(comp, "education_expenditure_share").value == pytest.approx(21.85)
    assert _value(comp, "education_budget").value == pytest.approx(2.185)
    assert _value(comp, "per_pupil_education_budget").value == pytest.approx(21850 * 10000 / 1230)
    # 教师工资 / 公务员工资 = 120000 / 118000
    assert _value(comp, "teacher_salary_ratio").value == pytest.approx(120000 / 118000 * 100)
    # a reported value keeps its source
    r = _value(comp, "labour_force_schooling_years")
    assert r.value == 14.53 and r.source == "reported:区统计局"


def test_value_is_numerator_over_denominator_times_factor(district):
    defs = load_definitions()
    comp = compute(district, defs)
    v = comp.values
    ratio = v[v.source.eq("computed") & v.denominator.notna() & v.value.notna()]
    assert len(ratio) > 50
    factors = {i.id: i.factor for i in defs.indicators}
    for r in ratio.itertuples():
        assert r.value == pytest.approx(r.numerator / r.denominator * factors[r.indicator])


def test_settings_change_the_age_band(district):
    s = IndicatorSettings(preschool_ages=(4, 6))
    comp = compute(district, load_definitions(s))
    # 4–6 岁 = (45 + 40) + (50 + 40) + (50 + 50) = 85 + 90 + 100
    assert _value(comp, "preschool_gross_enrolment").denominator == 85 + 90 + 100


def test_status_and_projection(district):
    defs = load_definitions()
    settings = IndicatorSettings()
    v = attach(compute(district, defs).values, load_plan(), defs, settings)
    row = v[(v.indicator == "education_expenditure_share") & (v.year == 2019) & (v.unit_type == "district")].iloc[0]
    # the plan: 21.85 in 2019 → 21.9 in 2020 → 28 in 2025; path(2019) = the baseline 21.85 → on plan.
    # The target shown for 2019 is the next one ahead: 2020's 21.9 (the 十三五 plan's year, outside the
    # 2021–2025 period: “2020 年目标”); the status is judged against the final 28 of 2025
    assert (row.target, row.target_op, row.target_year, row.target_label) == (21.9, ">=", 2020, "2020 年目标")
    assert (row.final_target, row.final_year, row.path, row.status) == (28.0, 2025, pytest.approx(21.85), "按计划")
    # 2019 is not the year of an interim target: no note; two years of data (2018, 2019) are too few to project
    assert row.status_note != row.status_note and row.projection != row.projection  # NaN: none
    # 只增不减: 2.185 亿 in 2019 ≥ 2.0 亿 in 2018
    row = v[(v.indicator == "education_budget") & (v.year == 2019)].iloc[0]
    assert (row.status, row.target) == ("已达成", pytest.approx(2.0))
    # 高中教师研究生比例 25 %: path(2019) = 18.6 → on plan, but not the 2025 target of 28
    row = v[(v.indicator == "senior_teacher_postgraduate_share") & (v.year == 2019) & (v.unit_type == "district")
            & (v.bdim == "")].iloc[0]
    assert row.status == "按计划"


def test_path_and_status_rule():
    from eduplan.indicators.targets import Target, path_value, project

    targets = [Target(2020, ">=", 25.0, "25", "t"), Target(2025, ">=", 28.0, "28", "t")]
    # baseline 18.6 in 2019 → 25 in 2020 → 28 in 2025: 2022 = 25 + 3 × 2/5 = 26.2
    assert path_value((2019, 18.6), targets, 2019) == pytest.approx(18.6)
    assert path_value((2019, 18.6), targets, 2020) == pytest.approx(25.0)
    assert path_value((2019, 18.6), targets, 2022) == pytest.approx(26.2)
    # an exactly linear series no longer gives a zero-width interval (issue 9: the old (7, 7, 7) was wrong):
    # 1, 2, 3, 4 in 2018–2021 (a rate, ≥ 0) → 2025 = 8; residual 0, so s = the floor 0.03 × mean 2.5 = 0.075;
    # se = 0.075 × √(1 + 1/4 + (2025 − 2019.5)² / 5) = 0.075 × √7.3; t(0.9, 2 dof) = 1.885618
    half = 1.885618 * 0.075 * 7.3 ** 0.5
    assert project(np.array([2018, 2019, 2020, 2021]), np.array([1.0, 2.0, 3.0, 4.0]), 2025,
                   domain=DOMAINS["rate"]) == pytest.approx((8.0, 8.0 - half, 8.0 + half), abs=1e-5)
    # three points are fewer than projection_min_points (4): no projection
    assert project(np.array([2019, 2020, 2021]), np.array([1.0, 2.0, 3.0]), 2025, domain=DOMAINS["rate"]) is None


def test_a_corrected_file_changes_exactly_the_dependent_figures(district, tmp_path):
    defs = load_definitions()
    before = compute(district, defs).values.set_index(["indicator", "year", "unit_type", "unit_code", "bdim", "bval"])
    rows = [r for r in copy.deepcopy(DATA["enrolment"]) if r["school_code"] == S4]
    rows[0].update(male=40, pupils=70)  # S4 小班 60 → 70 pupils
    report = import_files(district, [write_one(tmp_path / "fix", "enrolment", rows)], user="金地幼儿园")
    assert report.ok and report.files[0].written["enrolment"]["updated"] == 1
    after = compute(district, defs).values.set_index(before.index.names)
    joined = before[["value"]].rename(columns={"value": "value_b"}).join(
        after[["value"]].rename(columns={"value": "value_a"}), how="outer")
    changed = joined[~((joined.value_b == joined.value_a) | (joined.value_b.isna() & joined.value_a.isna()))]
    assert sorted(changed.index.tolist()) == sorted([
        ("inclusive_kindergarten_share", 2019, "district", D, "", ""),        # 178/238 → 178/248
        ("per_pupil_education_budget", 2019, "district", D, "", ""),          # 1230 → 1240 pupils
        ("preschool_gross_enrolment", 2019, "district", D, "", ""),           # 238/255 → 248/255
        ("preschool_gross_enrolment", 2019, "district", D, "ownership", "民办"),
        ("preschool_gross_enrolment", 2019, "zone", "QK02", "", ""),          # 60/120 → 70/120
        ("preschool_gross_enrolment", 2019, "zone", "QK02", "ownership", "民办"),
    ])
    assert after.loc[("preschool_gross_enrolment", 2019, "district", D, "", "")].value == pytest.approx(248 / 255 * 100)


def test_explain_traces_a_district_figure_to_schools_and_batches(district):
    r = explain(district, load_definitions(), "preschool_gross_enrolment", 2019, ("district", D))
    assert (r["numerator"], r["denominator"]) == (238, 255)
    [num] = r["numerator_terms"]
    assert num["value"] == 238 and num["batches"][0]["file_name"] == "分年级学生数.xlsx"
    assert num["batches"][0]["rows"] == 3 and num["batches"][0]["user"] == "统计科"  # S3 K1, K2 and S4 K1
    assert r["denominator_terms"][0]["batches"][0]["file_name"] == "常住人口分年龄.xlsx"
    schools = {c["unit_code"]: c for c in r["contributions"] if c["unit_type"] == "school"}
    assert set(schools) == {S3, S4}
    assert schools[S3]["share_of_numerator"] == pytest.approx(178 / 238)
    zones = {c["unit_code"]: c["numerator"] for c in r["contributions"] if c["unit_type"] == "zone"}
    assert zones == {"QK01": 178, "QK02": 60}


def test_report_lists_plan_indicators_without_data(district):
    defs = load_definitions()
    rep = build_report(district, load_plan(), defs, IndicatorSettings(), 2019)
    by_id = {i["id"]: i for i in rep["indicators"]}
    assert by_id["preschool_gross_enrolment"]["data_status"] == "已计算"
    assert by_id["labour_force_schooling_years"]["data_status"] == "上报值"
    assert by_id["new_labour_schooling_years"]["data_status"] == "无数据"
    assert "new_labour_schooling_years" in rep["no_data"]
    assert by_id["education_big_data_centre"]["data_status"] == "定性"
    # every indicator the plan tracks is in the report, none silently missing
    from eduplan.indicators.report import plan_indicator_ids

    assert {i["id"] for i in plan_indicator_ids(load_plan())} <= set(by_id)


def test_balance_coefficient_is_per_district_in_a_city_store(store, tmp_path):
    """优质均衡 is a 县域 evaluation: in a store with two districts each gets its own coefficient, and
    the first equals what it is alone."""
    from eduplan.balance import evaluate_store
    from eduplan.plan.scope import DistrictRequired

    assert import_files(store, write_small(tmp_path / "a", DATA), user="u").ok
    alone = compute(store, load_definitions(), ["compulsory_balance_coefficient"]).values
    other = {}
    for name, rows in DATA.items():
        other[name] = []
        for r in rows:
            r = dict(r)
            for k in ("district_code", "area_code"):
                if r.get(k) == D:
                    r[k] = "420105"
            if "school_code" in r:
                r["school_code"] = r["school_code"].replace(D, "420105")
            if "zone_code" in r:
                r["zone_code"] = "HY" + r["zone_code"]
            if name == "district":
                r["district_name"] = "汉阳区"
            other[name].append(r)
    # make the second district unequal: S1 gets half the sports ground
    for r in other["facilities"]:
        if r["school_code"].endswith("001"):
            r["sports_area"] = 3000
    assert import_files(store, write_small(tmp_path / "b", other), user="u").ok
    both = compute(store, load_definitions(), ["compulsory_balance_coefficient"]).values
    v = both[both.year == 2019].set_index(["unit_code", "bval"])["value"]
    a = alone[alone.year == 2019].set_index(["unit_code", "bval"])["value"]
    assert v[(D, "小学")] == pytest.approx(a[(D, "小学")])
    assert v[("420105", "小学")] != pytest.approx(v[(D, "小学")])
    with pytest.raises(DistrictRequired, match="数据库中有 2 个区：420104 硚口区、420105 汉阳区；请用 --district 指定一个"):
        evaluate_store(store, 2019)
    assert evaluate_store(store, 2019, district_code="420105").year == 2019
