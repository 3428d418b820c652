"""Capacity per school and 学区, projects counted exactly from their in-use year, and the seat gap
(docs/forecast.md §5–§6)."""

from __future__ import annotations

import pytest

from eduplan.forecast.capacity import capacity_by_area, project_places, school_capacities
from eduplan.forecast.gap import compute_gap, summarise_gap
from eduplan.forecast.inputs import SchoolLevel
from eduplan.plan import load_plan
from eduplan.projects import build_library

CS = {"学前": 30, "小学": 45, "初中": 50, "高中": 50, "中职": 50}


def sl(code, level, zone, classes, pupils, type_code="211", **kw) -> SchoolLevel:
    kw.setdefault("school_classes", classes)  # all levels of the school
    return SchoolLevel(code, f"学校{code}", zone, level, type_code, pupils=pupils, classes=classes, **kw)


def test_places_per_school_from_design_classrooms_or_peak_classes():
    rows = [
        sl("A", "小学", "Z1", 24, 1150, design_classes=30, classrooms=40, classes_56plus=2),
        sl("B", "小学", "Z1", 20, 900, classrooms=22),
        sl("C", "小学", "Z2", 18, 800, classes_history={2018: 19, 2019: 21, 2020: 18}),
    ]
    caps = {c.school_code: c for c in school_capacities(rows, CS, "classrooms", 3, 2020)}
    assert caps["A"].places == 30 * 45 and caps["A"].basis == "design"  # design_classes wins
    assert caps["B"].places == 22 * 45 and caps["B"].basis == "classrooms"
    assert caps["C"].places == 21 * 45 and caps["C"].basis == "peak_classes"  # the most classes run 2018–2020
    # over capacity and 大班额 show as such
    assert not caps["A"].over_capacity and caps["A"].to_dict()["big_classes"] == 2
    over = school_capacities([sl("D", "小学", "Z1", 20, 1000, design_classes=20)], CS, "classrooms", 3, 2020)[0]
    assert over.places == 900 and over.over_capacity and over.to_dict()["avg_class_size"] == 50.0
    peak = {c.school_code: c for c in school_capacities(rows, CS, "peak_classes", 3, 2020)}
    assert peak["B"].basis == "peak_classes" and peak["B"].places == 20 * 45


def test_a_school_serving_two_levels_splits_its_design_by_classes():
    # nine-year school: 18 primary + 6 junior classes, design 32 classes → 24 and 8
    p = sl("E", "小学", "Z1", 18, 800, "312", design_classes=32, school_classes=24)
    j = sl("E", "初中", "Z1", 6, 290, "312", design_classes=32, school_classes=24)
    caps = school_capacities([p, j], CS, "classrooms", 3, 2020)
    assert [c.places for c in caps] == [24 * 45, 8 * 50]


def library_with(rows):
    return build_library(plan=load_plan(), rows=rows)


ROWS = {
    "project": [{"project_id": "sch_fayuanxi", "project_name": "法院西控规小学", "category": "中小学配建", "work": "新建",
                 "zone_code": "Z1"}],
    "project_capacity": [{"project_id": "sch_fayuanxi", "level": "小学", "classes_added": 24, "places_added": None}],
    "project_milestone": [{"project_id": "sch_fayuanxi", "milestone": "投入使用", "planned_date": "2024-09-01"}],
}


def test_a_projects_places_appear_exactly_from_its_in_use_year():
    lib = library_with(ROWS)
    assert lib.get("sch_fayuanxi").in_use_year == 2024
    places, notes = project_places(lib, 2020, CS)
    fy = [p for p in places if p.project_id == "sch_fayuanxi"]
    assert [(p.zone, p.level, p.places, p.in_use_year) for p in fy] == [("Z1", "小学", 24 * 45, 2024)]
    schools = school_capacities([sl("A", "小学", "Z1", 20, 900, design_classes=20)], CS, "classrooms", 3, 2020)
    cap = capacity_by_area(schools, fy, ["Z1"], "D", ["小学"], [], list(range(2021, 2027)))
    assert [cap[("Z1", "小学")][t].available for t in range(2021, 2027)] == [900, 900, 900, 1980, 1980, 1980]
    assert cap[("Z1", "小学")][2023].projects == [] and cap[("Z1", "小学")][2024].projects == [("sch_fayuanxi", 1080)]
    # delayed by two years (scenario delay-sch_fayuanxi-2y): from 2026 exactly
    late, _ = project_places(lib, 2020, CS, {"sch_fayuanxi": 2})
    late = [p for p in late if p.project_id == "sch_fayuanxi"]
    cap = capacity_by_area(schools, late, ["Z1"], "D", ["小学"], [], list(range(2021, 2027)))
    assert [cap[("Z1", "小学")][t].available for t in range(2021, 2027)] == [900] * 5 + [1980]
    # class-size-tight (40 a class): the project's places shrink with the norm, 1080 × 40/45 = 960
    tight, _ = project_places(lib, 2020, {**CS, "小学": 40})
    assert next(p.places for p in tight if p.project_id == "sch_fayuanxi") == 960


def test_a_project_in_use_by_the_base_year_is_in_the_schools_figures():
    lib = library_with(ROWS)
    places, notes = project_places(lib, 2024, CS, {"sch_fayuanxi": 2})
    assert not any(p.project_id == "sch_fayuanxi" for p in places)
    # the delay cannot move a school already open
    assert notes == ["法院西控规小学 已于 2024 年投入使用（基年 2024 之前），延期设定不影响预测"]


def test_gap_shortage_and_the_projects_that_close_it():
    lib = library_with(ROWS)
    places, _ = project_places(lib, 2020, CS)
    places = [p for p in places if p.project_id == "sch_fayuanxi"]
    schools = school_capacities([sl("A", "小学", "Z1", 20, 900, design_classes=20)], CS, "classrooms", 3, 2020)
    years = [2023, 2024]
    cap = capacity_by_area(schools, places, ["Z1"], "D", ["小学"], [], years)
    need = {("Z1", "小学"): {2023: 1000.0, 2024: 1100.0}}
    rows = {r.year: r for r in compute_gap(need, cap, places, years)}
    # 2023: need 1000 − available 900 = 100 children without a place; the project is pending (2024)
    assert rows[2023].gap == 100 and rows[2023].shortage == 100 and rows[2023].unplaced == 100
    assert rows[2023].pending == [("sch_fayuanxi", 1080, 2024)]
    # 2024: 1100 − 1980 = −880, closed by the project
    assert rows[2024].shortage == 0 and rows[2024].closed_by_projects
    summary = summarise_gap(list(rows.values()))[0]
    assert summary["shortage_years"] == [2023] and summary["closing_projects"] == ["sch_fayuanxi"]


def test_cross_zone_placement_absorbs_into_neighbours_spare_places():
    schools = school_capacities([sl("A", "小学", "Z1", 20, 900, design_classes=20),
                                 sl("B", "小学", "Z2", 20, 800, design_classes=20),
                                 sl("C", "小学", "Z3", 20, 800, design_classes=20)], CS, "classrooms", 3, 2020)
    cap = capacity_by_area(schools, [], ["Z1", "Z2", "Z3"], "D", ["小学"], [], [2021])
    need = {("Z1", "小学"): {2021: 1000.0}, ("Z2", "小学"): {2021: 840.0}, ("Z3", "小学"): {2021: 760.0}}
    # Z1 is 100 short; Z2 has 60 spare, Z3 140
    off = {r.area: r for r in compute_gap(need, cap, [], [2021])}
    assert off["Z1"].unplaced == 100  # default: no cross-学区 placement
    on = {r.area: r for r in compute_gap(need, cap, [], [2021], cross_zone=True)}
    assert on["Z1"].absorbed == pytest.approx(100) and on["Z1"].unplaced == 0 and on["Z1"].shortage == 100
    only_z2 = {r.area: r for r in compute_gap(need, cap, [], [2021], True, {"Z1": ["Z2"]})}
    assert only_z2["Z1"].absorbed == pytest.approx(60) and only_z2["Z1"].unplaced == 40
