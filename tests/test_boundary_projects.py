"""Boundary tests of the key-project library's tolerances (the `projects` settings), worked by hand:
the delay tolerance of 90 days (a milestone done late, and one planned and not done), the funds-lagging
warning line 70 % (cumulative spending ÷ cumulative yearly plans), the overrun line 10 % (over the planned
total), and the class sizes 45 / 50 / 30 turning a project's classes into places. Through build_library
and check_library on rows built here (no store needed)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from eduplan.projects import ProjectSettings, build_library, check_library

AS_OF = date(2025, 12, 31)
PLANNED = date(2024, 3, 1)


def library(milestones=(), finance=(), capacity=(), investment=None, as_of=AS_OF):
    project = {"project_id": "P1", "project_name": "汉西小学新建", "category": "中小学新改扩", "work": "新建"}
    if investment is not None:
        project["planned_investment"] = investment
    rows = {"project": [project],
            "project_milestone": [{"project_id": "P1", **m} for m in milestones],
            "project_finance": [{"project_id": "P1", **f} for f in finance],
            "project_capacity": [{"project_id": "P1", **c} for c in capacity]}
    return build_library(plan=None, settings=ProjectSettings(), rows=rows, as_of=as_of)


def findings(lib, code):
    return [f for f in check_library(lib) if f.code == code]


# ------------------------------------------------------------------ delay tolerance: 90 days

def test_a_milestone_done_90_days_late_is_within_the_tolerance():
    # 开工 planned 2024-03-01, done 2024-05-30: 90 days late → not flagged (flagged only beyond 90)
    done = PLANNED + timedelta(days=90)
    assert str(done) == "2024-05-30"
    lib = library([{"milestone": "开工", "planned_date": str(PLANNED), "actual_date": str(done)}])
    assert findings(lib, "milestone-late") == []


def test_a_milestone_done_91_days_late_is_flagged():
    # done 2024-05-31: 91 days late → 延期, the message names the milestone, both dates and the days
    lib = library([{"milestone": "开工", "planned_date": "2024-03-01", "actual_date": "2024-05-31"}])
    [f] = findings(lib, "milestone-late")
    assert f.message == "汉西小学新建：开工实际 2024-05-31，比计划 2024-03-01 晚 91 天"
    assert (f.level, f.project_id, f.data["days"]) == ("warning", "P1", 91)


def test_a_milestone_not_done_is_overdue_only_past_90_days():
    # 竣工 planned 2025-10-02, not done: on 2025-12-31 it is 90 days past → not yet overdue
    lib = library([{"milestone": "竣工", "planned_date": "2025-10-02"}])
    assert (AS_OF - date(2025, 10, 2)).days == 90
    assert findings(lib, "milestone-overdue") == []
    # planned 2025-10-01: 91 days past → overdue
    lib = library([{"milestone": "竣工", "planned_date": "2025-10-01"}])
    [f] = findings(lib, "milestone-overdue")
    assert f.message == "汉西小学新建：竣工计划 2025-10-01，截至 2025-12-31 仍未完成（已逾期 91 天）"


# ------------------------------------------------------------------ funds lagging: 70 %

def test_spending_at_70_percent_of_the_yearly_plans_is_not_lagging():
    # 2024 plan 600, spent 400; 2025 plan 400, spent 300: (400 + 300) / (600 + 400) = 70 % → not below 70 %
    lib = library(finance=[{"year": 2024, "planned": 600.0, "spent": 400.0},
                           {"year": 2025, "planned": 400.0, "spent": 300.0}])
    assert findings(lib, "funds-lagging") == []


def test_spending_just_below_70_percent_is_lagging():
    # spent 400 + 290 = 690 of 1,000 = 69 % < 70 % → 资金执行滞后
    lib = library(finance=[{"year": 2024, "planned": 600.0, "spent": 400.0},
                           {"year": 2025, "planned": 400.0, "spent": 290.0}])
    [f] = findings(lib, "funds-lagging")
    assert f.message == ("汉西小学新建：资金执行滞后，截至 2025 年底累计支出 690 万元，为累计年度计划 1,000 万元的 69.0%"
                         "（预警线 70%）")
    assert (f.data["rate"], f.data["threshold"]) == (0.69, 0.7)


def test_lagging_looks_at_the_last_complete_year():
    # as of 2025-06-30 the last complete year is 2024: 400 / 600 = 66.7 % < 70 % → lagging, 2025 not counted
    lib = library(finance=[{"year": 2024, "planned": 600.0, "spent": 400.0},
                           {"year": 2025, "planned": 400.0, "spent": 400.0}], as_of=date(2025, 6, 30))
    [f] = findings(lib, "funds-lagging")
    assert (f.data["year"], f.data["spent"], f.data["planned"]) == (2024, 400.0, 600.0)
    # 420 / 600 = 70 % → not lagging
    lib = library(finance=[{"year": 2024, "planned": 600.0, "spent": 420.0}], as_of=date(2025, 6, 30))
    assert findings(lib, "funds-lagging") == []


# ------------------------------------------------------------------ overrun: 10 %

def test_spending_110_percent_of_the_planned_total_is_not_an_overrun():
    # planned total 1,000 万元; spent 1,100 = +10 % → not above 10 %
    lib = library(finance=[{"year": 2025, "planned": 1100.0, "spent": 1100.0}], investment=1000.0)
    assert findings(lib, "funds-overrun") == []


def test_spending_above_110_percent_of_the_planned_total_is_an_overrun():
    # spent 1,120 = +12 % > 10 % → 超支 against the 计划总投资
    lib = library(finance=[{"year": 2025, "planned": 1120.0, "spent": 1120.0}], investment=1000.0)
    [f] = findings(lib, "funds-overrun")
    assert f.message == "汉西小学新建：超支，累计支出 1,120 万元，超过计划总投资 1,000 万元的 12.0%（预警线 10%）"
    assert f.data["rate"] == pytest.approx(0.12, abs=1e-12) and f.data["basis"] == "计划总投资"


def test_overrun_against_the_yearly_plans_when_no_total_is_known():
    # no 计划总投资: plans 500 + 500 = 1,000; spent 1,100 → not an overrun; 1,101 → +10.1 % → overrun
    ok = library(finance=[{"year": 2024, "planned": 500.0, "spent": 600.0},
                          {"year": 2025, "planned": 500.0, "spent": 500.0}])
    assert findings(ok, "funds-overrun") == []
    over = library(finance=[{"year": 2024, "planned": 500.0, "spent": 600.0},
                            {"year": 2025, "planned": 500.0, "spent": 501.0}])
    [f] = findings(over, "funds-overrun")
    assert (f.data["basis"], f.data["budget"], f.data["spent"]) == ("累计年度计划", 1000.0, 1101.0)


# ------------------------------------------------------------------ classes → places: 45 / 50 / 30

@pytest.mark.parametrize("level,places", [("小学", 2 * 45), ("初中", 2 * 50), ("学前", 2 * 30), ("高中", 2 * 50)])
def test_project_classes_become_places_at_the_standard_class_size(level, places):
    lib = library(capacity=[{"level": level, "classes_added": 2}])
    p = lib.get("P1").places[level]
    assert (p.classes, p.places, p.source) == (2, places, "classes")


# ------------------------------------------------------------------ the rate shown is not the line itself
# Was a product bug (fixed: the rate has one decimal): the messages rounded the rate to a whole
# percent, so a project at 69.6 % is flagged as lagging "为累计年度计划 1,000 万元的 70%（预警线 70%）" and one
# 10.4 % over as "超过…的 10%（预警线 10%）" — the figure shown is the warning line it is said to have crossed.

def test_a_lagging_rate_just_under_the_line_is_not_shown_as_the_line():
    # (400 + 296) / 1,000 = 69.6 % < 70 % → lagging
    lib = library(finance=[{"year": 2024, "planned": 600.0, "spent": 400.0},
                           {"year": 2025, "planned": 400.0, "spent": 296.0}])
    [f] = findings(lib, "funds-lagging")
    assert "的 70%（预警线 70%）" not in f.message


def test_an_overrun_just_past_the_line_is_not_shown_as_the_line():
    # 1,104 / 1,000 − 1 = 10.4 % > 10 % → overrun
    lib = library(finance=[{"year": 2025, "planned": 1104.0, "spent": 1104.0}], investment=1000.0)
    [f] = findings(lib, "funds-overrun")
    assert "的 10%（预警线 10%）" not in f.message
