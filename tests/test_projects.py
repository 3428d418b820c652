"""The key-project library: all 35 projects of the plan with their years and groups, investment totals
per group equal to the plan's, in-use years, and the checks (delays, 资金预警, the plan's statements)."""

from __future__ import annotations

from datetime import date

import pytest

from eduplan.plan import load_plan
from eduplan.projects import (
    ProjectSettings, annual_list, build_library, check_library, in_use_year, largest_remainder, school_year_of,
)

PLAN = load_plan()  # the shipped plan, passed explicitly: the library never falls back on it

PLAN_YEARS = {  # the plan's table (五 重点工程项目表), a sample
    "kg_hongxing_jiayuan": [2021], "kg_dongfengcun_k1": [2025], "sch_changmatou": [2021, 2022],
    "sch_dongfengcun_junior": [2021, 2022, 2023, 2024], "sch_hanxi_relocation": [2022],
    "sch_nanyuanfang_extension": [2022, 2023, 2024, 2025], "sch_gutianlu_primary_relocation": [2024, 2025],
    "hs_no11": [2021], "hs_no4": [2021, 2022], "park_binjiang_hanbin": [2022, 2023],
}


def test_the_library_holds_all_35_projects_with_years_and_groups():
    lib = build_library(plan=PLAN, rows={})
    counted = [p for p in lib.projects if p.counted]
    assert len(counted) == 35 and len(lib.projects) == 38  # + 3 car parks, part of the high-school group
    by_group = {}
    for p in counted:
        by_group[p.group] = by_group.get(p.group, 0) + 1
    assert by_group == {"kindergarten": 14, "compulsory": 14, "high_school": 7}
    for pid, years in PLAN_YEARS.items():
        assert lib.get(pid).years == years
    assert all(p.category == "地下停车场" for p in lib.projects if not p.counted)
    plan_ids = {p.id for p in load_plan().key_projects.projects}
    assert {p.id for p in lib.projects} == plan_ids


def test_investment_per_group_matches_the_plan_exactly():
    lib = build_library(plan=PLAN, rows={})
    totals = {g.id: g for g in lib.group_totals()}
    # 中小学配建 33.4 亿、改善高中 2.09 亿、幼儿园 1.293 亿
    assert totals["compulsory"].investment == 33.4
    assert totals["high_school"].investment == 2.09
    assert totals["kindergarten"].investment == 1.293
    assert all(g.to_dict()["matches"] for g in totals.values())
    assert lib.total_investment() == pytest.approx(36.783)  # the text's "约 40.7 亿" does not add up (plan check)
    # kindergartens are all 配建 (weight 2): 12,930 万元 / 14 = 923.571… → 0.01 万元 by largest remainder:
    # 1,293,000 cents / 14 = 92,357.14 → 92,357 each, the 2 cents left go to the first two
    kg = [p.investment_cents for p in lib.projects if p.group == "kindergarten"]
    assert kg[:2] == [92358, 92358] and set(kg[2:]) == {92357} and sum(kg) == 1_293_000


def test_recorded_investments_are_kept_and_the_rest_shared():
    rows = {"project": [{"project_id": "sch_hanjiangwan_international", "project_name": "汉江湾国际学校",
                         "category": "中小学配建", "work": "新建", "planned_investment": 45000.0}]}
    lib = build_library(plan=PLAN, rows=rows)
    assert lib.get("sch_hanjiangwan_international").investment == 45000.0
    assert lib.get("sch_hanjiangwan_international").investment_source == "recorded"
    assert {g.id: g.investment for g in lib.group_totals()}["compulsory"] == 33.4


def test_weights_are_a_setting():
    lib = build_library(plan=PLAN, rows={}, settings=ProjectSettings(allocation_weights={}, default_work_weight=1.0))
    comp = [p.investment_cents for p in lib.projects if p.group == "compulsory"]
    assert max(comp) - min(comp) == 1  # equal shares of 334,000 万元 / 14, to the 0.01 万元


def test_largest_remainder_adds_up():
    assert largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(largest_remainder(209_000_0, [1] * 10)) == 209_000_0


def test_in_use_year():
    assert school_year_of(date(2025, 9, 30)) == 2025 and school_year_of(date(2025, 10, 1)) == 2026
    lib = build_library(plan=PLAN, rows={})
    # the plan lists 2021–2022 and expects 完工: in use the next September
    assert lib.get("sch_changmatou").plan_in_use_year == 2023
    # 主体结构封顶 by 2025: two years after the last listed year
    assert lib.get("sch_gutianlu_primary_relocation").plan_in_use_year == 2027
    # 配建 kindergartens are fitted out and open the year they are listed
    assert lib.get("kg_dongfengcun_k1").plan_in_use_year == 2025
    rows = {"project_milestone": [
        {"project_id": "sch_changmatou", "milestone": "竣工", "actual_date": "2023-11-20"},
        {"project_id": "sch_vanke_hanyi", "milestone": "投入使用", "planned_date": "2023-09-01"},
        {"project_id": "sch_vanke_hanyi", "milestone": "开工", "actual_date": "2021-04-01"},
    ]}
    lib = build_library(plan=PLAN, rows=rows)
    assert lib.get("sch_changmatou").in_use_year == 2024 and "竣工" in lib.get("sch_changmatou").in_use_basis
    assert lib.get("sch_vanke_hanyi").in_use_year == 2023
    # as of 2024-03: planned for September 2023 and not in use → not before September 2024
    late = build_library(plan=PLAN, rows=rows, as_of=date(2024, 3, 1))
    assert late.get("sch_vanke_hanyi").in_use_year == 2024
    assert in_use_year(late.get("sch_fayuanxi"), date(2030, 1, 1))[0] == 2024  # nothing on record: the plan's year


def test_places_from_the_plan_where_the_store_is_silent():
    lib = build_library(plan=PLAN, rows={})
    # the category's classes (幼儿园新改扩: 学前 9) × 30
    assert {k: v.places for k, v in lib.get("kg_fudi").places.items()} == {"学前": 9 * 30}
    assert lib.get("kg_fudi").places_basis == "category"
    # each 中小学配建 project's own classes in the plan
    assert {k: v.places for k, v in lib.get("sch_changmatou").places.items()} == {"小学": 24 * 45}
    assert {k: v.places for k, v in lib.get("sch_dongfengcun_junior").places.items()} == {"初中": 24 * 50}
    assert {k: v.places for k, v in lib.get("sch_hanzheng_campus").places.items()} == {"小学": 24 * 45, "初中": 12 * 50}
    assert lib.get("sch_hanzheng_campus").places_basis == "plan"
    # categories declaring no places
    assert lib.get("hs_no11").places == {} and lib.get("park_no11").places == {}
    assert lib.get("hs_no11").places_basis == "none"


CHECK_ROWS = {
    "project_milestone": [
        # 开工 eight months late
        {"project_id": "sch_43_extension", "milestone": "开工", "planned_date": "2022-04-15", "actual_date": "2022-12-20"},
        # 竣工 planned, not done, long overdue
        {"project_id": "sch_43_extension", "milestone": "竣工", "planned_date": "2025-06-30"},
        {"project_id": "sch_43_extension", "milestone": "投入使用", "planned_date": "2026-09-01"},
        {"project_id": "sch_changmatou", "milestone": "竣工", "planned_date": "2022-12-20", "actual_date": "2022-12-28"},
        {"project_id": "no_such_project", "milestone": "开工", "planned_date": "2022-01-01"},
    ],
    "project_finance": [
        {"project_id": "sch_43_extension", "year": 2024, "planned": 10000.0, "spent": 4000.0},
        {"project_id": "sch_43_extension", "year": 2025, "planned": 10000.0, "spent": 6000.0},
        {"project_id": "hs_no11", "year": 2021, "planned": 2000.0, "spent": 2500.0},
    ],
}


def test_checks_flag_delays_money_and_the_plans_statements():
    lib = build_library(plan=PLAN, rows=CHECK_ROWS, as_of=date(2025, 12, 31))
    found = {(f.code, f.project_id) for f in check_library(lib)}
    assert ("unknown-project", "no_such_project") in found
    assert ("milestone-late", "sch_43_extension") in found  # 249 days > 90
    assert ("milestone-late", "sch_changmatou") not in found  # 8 days: within tolerance
    assert ("milestone-overdue", "sch_43_extension") in found  # 竣工 planned 2025-06-30, 184 days ago
    # 资金预警: (4000 + 6000) / (10000 + 10000) = 50 % < 70 %
    assert ("funds-lagging", "sch_43_extension") in found
    # 2,500 spent > 2,090 万元 (its share of 2.09 亿) × 1.10 = 2,299
    assert ("funds-overrun", "hs_no11") in found
    assert ("in-use-later-than-plan", "sch_changmatou") not in found  # 竣工 2022-12 → in use 2023, as planned
    msgs = {f.code: f.message for f in check_library(lib)}
    assert "50.0%" in msgs["funds-lagging"]
    # the plan expects 43 中扩建 完工 by the end of 2025; recorded: 开工 only
    assert ("expected-state-missed", "sch_43_extension") in found
    # "预计 2025 年底 12 所学校完工": 1 recorded (常码头) → flagged
    statement = next(f for f in check_library(lib) if f.code == "plan-statement" and f.data["group_id"] == "compulsory")
    assert statement.data["count"] == 12 and statement.data["actual"] == 1


def test_overrun_against_the_total_budget():
    rows = {"project_finance": [{"project_id": "hs_no11", "year": 2021, "planned": 2000.0, "spent": 2500.0}]}
    lib = build_library(plan=PLAN, rows=rows, as_of=date(2025, 12, 31))
    f = next(f for f in check_library(lib) if f.code == "funds-overrun")
    # allocated 2,090 万元 (2.09 亿 over 10 equal-weight records); 2,500 > 2,090 × 1.10 = 2,299
    assert f.project_id == "hs_no11" and f.data["basis"] == "计划总投资" and f.data["budget"] == 2090.0


def test_annual_list():
    lib = build_library(plan=PLAN, rows=CHECK_ROWS, as_of=date(2025, 12, 31))
    rows = annual_list(lib, 2022, check_library(lib))
    ids = {r["project_id"] for r in rows}
    # the plan lists under 2022: 2 kindergartens, 10 schools, 4 high schools and the 3 car parks
    listed = {p.id for p in lib.projects if 2022 in p.years}
    assert len(listed) == 19 and listed <= ids
    r43 = next(r for r in rows if r["project_id"] == "sch_43_extension")
    assert r43["listed_this_year"] and r43["milestones"][0]["milestone"] == "开工"
    assert any("晚" in w for w in r43["warnings"])
