"""What the forecast and the project library take from the district's plan: categories and the places
their projects add, the preschool target rate, the horizon, the plan's group investment — and only the
district's own projects. Small plans are written inside the tests; numbers are worked by hand."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from eduplan.cli.app import app
from eduplan.forecast import run_forecast
from eduplan.forecast.capacity import capacity_by_area, project_places
from eduplan.forecast.plan_terms import gap_horizon, preschool_rate
from eduplan.plan import load_plan
from eduplan.plan.scope import one_scope
from eduplan.projects import build_library, check_library
from eduplan.store import Store

CS = {"学前": 30, "小学": 45, "初中": 50, "高中": 50, "中职": 50}  # the settings' class sizes

SMALL_PLAN = """\
schema_version: 1
meta:
  id: small-2026-2030
  title: 小区教育规划（2026—2030）（测试）
  district: {code: "990002", name: 小区}
  period: {start: 2026, end: 2030}
  baseline_year: 2025
  status: 测试用
  source: {file: small.txt}
tables:
  - id: main
    title: 主要指标
    short_title: 主要指标表
    cite: {section: "三 表", text: "主要指标"}
    columns:
      - {key: y2025, label: 2025 年实际, year: 2025, kind: actual}
      - {key: y2027, label: 2027 年中期目标, year: 2027, kind: target}
      - {key: y2030, label: 2030 年目标, year: 2030, kind: target}
    rows:
      - seq: 1
        id: preschool_gross_enrolment
        label: 学前三年教育毛入园率
        name: 学前三年教育毛入园率
        unit: "%"
        values: {y2025: "88", y2027: "92", y2030: "95"}
        cite: {section: "三 表 第1行", text: "学前三年教育毛入园率 88 92 95"}
key_projects:
  title: 重点工程
  table_title: 重点工程项目表
  cite: {section: "五", text: "重点项目 2 个，投资约 3.1 亿"}
  stated_total: {count: 2, investment: 3.1, cite: {section: "五", text: "重点项目 2 个，投资约 3.1 亿"}}
  categories:
    - {code: 中小学新建, places: {小学: 24, 初中: 12}, cite: {section: "五", text: "九年一贯制 36 班"}}
    - {code: 校舍维修, places: {}, cite: {section: "五", text: "维修不增加学位"}}
  groups:
    - {id: schools, name: 学校建设, categories: [中小学新建], stated_count: 1, investment: 3.0, completion_year: 2028,
       cite: {section: "五", text: "新建学校 1 所，投资约 3 亿"}}
    - {id: repairs, name: 校舍维修, categories: [校舍维修], stated_count: 1, investment: 0.1, completion_year: 2027,
       cite: {section: "五", text: "维修 1 所，投资约 0.1 亿"}}
  projects:
    - {id: s_nine, name: 东湖学校（九年一贯制）, category: 中小学新建, group: schools, years: [2026, 2027], work: 新建,
       cite: {section: "五 表", text: "东湖学校"}}
    - {id: s_repair, name: 西湖中学维修, category: 校舍维修, group: repairs, years: [2026], work: 维修改造,
       cite: {section: "五 表", text: "西湖中学维修"}}
"""


@pytest.fixture(scope="module")
def small_plan(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "small-2026-2030.yaml"
    path.write_text(SMALL_PLAN, encoding="utf-8")
    return load_plan(path)


ROWS = {  # the store's rows: the plan's two projects in 学区 Z1 of 小区, a project the plan lacks
    "zone": [{"zone_code": "Z1", "district_code": "990002"}],
    "project": [
        {"project_id": "s_nine", "project_name": "东湖学校", "category": "中小学新建", "work": "新建", "zone_code": "Z1"},
        {"project_id": "s_repair", "project_name": "西湖中学维修", "category": "校舍维修", "zone_code": "Z1"},
        {"project_id": "s_extra", "project_name": "南湖小学扩建", "category": "中小学配建", "work": "扩建",
         "zone_code": "Z1", "planned_investment": 5000.0},
    ],
    "project_milestone": [{"project_id": "s_nine", "milestone": "投入使用", "planned_date": "2028-09-01"}],
}


def test_a_nine_year_school_adds_its_categorys_places_in_its_in_use_year(small_plan):
    lib = build_library(plan=small_plan, rows=ROWS, district_code="990002")
    school = lib.get("s_nine")
    assert (school.places_basis, school.in_use_year) == ("category", 2028)
    places, notes = project_places(lib, 2025, CS)
    assert [(p.project_id, p.level, p.places, p.in_use_year) for p in places] == [
        ("s_nine", "小学", 24 * 45, 2028), ("s_nine", "初中", 12 * 50, 2028)]  # 1,080 and 600
    cap = capacity_by_area([], places, ["Z1"], "990002", ["小学", "初中"], [], [2026, 2027, 2028, 2029])
    assert [cap[("Z1", "小学")][t].available for t in (2026, 2027, 2028, 2029)] == [0, 0, 1080, 1080]
    assert [cap[("Z1", "初中")][t].available for t in (2026, 2027, 2028, 2029)] == [0, 0, 600, 600]


def test_a_category_declaring_no_places_adds_none(small_plan):
    lib = build_library(plan=small_plan, rows=ROWS, district_code="990002")
    repair = lib.get("s_repair")
    assert (repair.places, repair.places_basis) == ({}, "none")
    assert "s_repair" not in {p.project_id for p in project_places(lib, 2025, CS)[0]}
    assert not [f for f in check_library(lib, date(2026, 6, 30)) if f.project_id == "s_repair"]


def test_a_store_project_whose_category_the_plan_lacks_is_an_error(small_plan):
    lib = build_library(plan=small_plan, rows=ROWS, district_code="990002")
    extra = lib.get("s_extra")
    assert (extra.group, extra.category_known, extra.places, extra.places_basis) == (None, False, {}, "unknown")
    [f] = [f for f in check_library(lib, date(2026, 6, 30)) if f.code == "unknown-category"]
    assert (f.level, f.project_id) == ("error", "s_extra")
    assert f.message.startswith("南湖小学扩建（s_extra）：项目类别“中小学配建”不是规划《小区教育规划（2026—2030）（测试）》"
                                "的项目类别（规划的类别：中小学新建、校舍维修）")
    # its recorded investment is kept; the plan's groups are shared among the plan's projects only
    assert (extra.investment, extra.investment_source) == (5000.0, "recorded")
    assert {g.id: g.investment for g in lib.group_totals()} == {"schools": 3.0, "repairs": 0.1}
    assert lib.get("s_nine").investment == 30000.0


def test_a_category_whose_places_the_plan_does_not_declare_is_said():
    plan = load_plan(Path(__file__).parent / "data" / "plan-other.yaml")  # categories only named by groups
    lib = build_library(plan=plan, rows={})
    assert lib.get("sch_west").places_basis == "unknown" and lib.get("sch_west").places == {}
    found = {(f.code, f.project_id): f for f in check_library(lib, date(2026, 6, 30))}
    f = found[("places-unknown", "sch_west")]
    assert f.level == "warning" and "新增学位未知" in f.message and "类别“中小学”" in f.message


def test_only_the_districts_own_projects():
    rows = {
        "zone": [{"zone_code": "A1", "district_code": "990002"}, {"zone_code": "B1", "district_code": "990003"}],
        "school": [{"school_code": "2990003001", "district_code": "990003"}],
        "project": [
            {"project_id": "a_school", "project_name": "甲校", "category": "中小学新建", "zone_code": "A1"},
            {"project_id": "b_school", "project_name": "乙校", "category": "中小学新建", "zone_code": "B1"},
            {"project_id": "b_by_school", "project_name": "乙校扩建", "category": "中小学新建",
             "school_code": "2990003001"},
            {"project_id": "nowhere", "project_name": "无处学校", "category": "中小学新建"},
        ],
        "project_capacity": [{"project_id": "b_school", "level": "小学", "classes_added": 12, "places_added": None}],
        "housing": [{"housing_name": "乙苑", "zone_code": "B1", "households": 100, "completion_year": 2026}],
    }
    lib = build_library(plan=None, rows=rows, district_code="990002")
    assert [p.id for p in lib.projects] == ["a_school"]
    assert lib.orphans == []  # 乙校's places belong to 乙's library, not reported as unknown here
    findings = {f.code: f for f in check_library(lib, date(2026, 6, 30))}
    assert findings["project-no-district"].project_id == "nowhere"
    # no plan: listed alone, no group, no invented investment or places
    a = lib.get("a_school")
    assert (a.group, a.investment, a.investment_source, a.places_basis) == (None, None, "missing", "unknown")
    assert lib.group_totals() == [] and findings["no-plan"].level == "info"
    assert "新增学位未知" in findings["no-plan"].message and "甲校" in findings["no-plan"].message


def test_the_preschool_rate_is_the_plans_target(small_plan):
    rate = preschool_rate(small_plan, 100.0)
    assert rate.source == "plan"
    # the target due next: 92 to 2027 (interim), 95 from 2028 and after the plan's end
    assert [rate.rate(t) for t in (2026, 2027, 2028, 2030, 2032)] == [92.0, 92.0, 95.0, 95.0, 95.0]
    assert [t.label for t in rate.targets] == ["2027 中期目标", "2030 期末目标"]
    none = preschool_rate(None, 97.5)
    assert (none.source, none.rate(2027)) == ("settings", 97.5)
    assert none.text() == ("学前学位需求 = 3–5 岁人口 × 97.5%（未绑定规划，用设置 forecast.preschool_target_rate 的值）")


def test_the_horizon_is_the_plans_end_year(small_plan):
    h = gap_horizon(small_plan, 2025)
    assert (h.year, h.basis) == (2030, "2030 年（规划期末；规划期 2026–2030）")
    assert gap_horizon(small_plan, 2030).year == 2035  # the period is over: base year + 5 (no look-ahead)
    assert gap_horizon(None, 2020).basis == "2025 年（未绑定规划：基年 2020 年 + 5 年）"
    assert gap_horizon(small_plan, 2025, 2033).year == 2033  # the setting overrides


# ------------------------------------------------------------------ 江湾区 (tests/jiangwan.py), end to end


@pytest.fixture(scope="module")
def jiangwan(jiangwan_store):
    with Store(jiangwan_store, read_only=True) as s:
        scope = one_scope(s)
        yield s, scope, run_forecast(s, "baseline", as_of=date(2026, 6, 30), scope=scope)


def test_jiangwan_forecast_uses_its_plan(jiangwan):
    store, scope, f = jiangwan
    assert scope.plan.meta.id == "jiangwan-2026-2030"
    assert f.base_year == 2025 and f.gap_years == [2026, 2027, 2028, 2029, 2030]
    assert f.horizon.basis == "2030 年（规划期末；规划期 “十五·五”（2026–2030））"
    # 学前 need = 3–5 岁人口 × 96 % to 2028 (interim target), × 98 % after (final target)
    pop = f.population["JW1"]
    for t, rate in ((2026, 96), (2028, 96), (2029, 98), (2030, 98)):
        assert f.need[("JW1", "学前")][t] == pytest.approx(float(np.sum(pop[t][3:6])) * rate / 100)
    # the plan's projects: 九年一贯制 24 + 12 classes from its category, 新港小学 its own 18, in their zones
    got = {(p.project_id, p.level): (p.zone, p.places, p.in_use_year) for p in f.projects}
    assert got[("jw_sch_shiyan", "小学")] == ("JW3", 1080, 2028)
    assert got[("jw_sch_shiyan", "初中")] == ("JW3", 600, 2028)
    assert got[("jw_sch_xingang", "小学")] == ("JW2", 18 * 45, 2030)
    assert got[("jw_kg_beiwan", "学前")] == ("JW4", 180, 2028)  # the store's 项目新增学位 row
    assert ("jw_repair_binjiang", "小学") not in got and f.notes == []


def invoke(db: Path, *args: str):
    return CliRunner().invoke(app, [*args, "--db", str(db)])


def test_jiangwan_projects_and_forecast_json(jiangwan_store):
    res = invoke(jiangwan_store, "projects", "--as-of", "2026-06-30", "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["scope"]["plan"]["id"] == "jiangwan-2026-2030"
    assert {g["name"]: g["investment"] for g in doc["groups"]} == {
        "学前教育扩容工程": 0.36, "义务教育学校建设工程": 5.8, "校舍安全提升工程": 0.24}
    assert doc["stated_total"] == {"count": 5, "investment": 6.4}
    assert [p["id"] for p in doc["projects"]] == ["jw_kg_lanting", "jw_kg_beiwan", "jw_sch_shiyan", "jw_sch_xingang",
                                                  "jw_repair_binjiang"]
    res = invoke(jiangwan_store, "forecast", "--as-of", "2026-06-30", "--format", "json")
    assert res.exit_code == 0, res.output
    base = json.loads(res.stdout)["baseline"]
    assert base["gap_horizon"] == 2030 and base["preschool_rate"]["source"] == "plan"
    assert [(t["year"], t["value"]) for t in base["preschool_rate"]["targets"]] == [(2028, 96.0), (2030, 98.0)]
    for text in ("硚口", "420104", "QK0", "33.4"):
        assert text not in res.stdout


def test_a_plan_of_another_district_is_refused(jiangwan_store):
    res = invoke(jiangwan_store, "projects", "--plan", str(Path(__file__).parent / "data" / "plan-other.yaml"))
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "虚构区" in res.output and "数据库中没有该区的数据" in res.output


def test_with_the_plan_file_of_the_district(jiangwan_store, small_plan, tmp_path):
    """--plan FILE of the same district replaces the bound plan (here: its preschool target)."""
    text = (Path(__file__).parent / "data" / "jiangwan" / "jiangwan-2026-2030.yaml").read_text(encoding="utf-8")
    other = tmp_path / "jiangwan-changed.yaml"
    other.write_text(text.replace('values: {y2025: "94.6", y2028: "96", y2030: "98"}',
                                  'values: {y2025: "94.6", y2028: "97", y2030: "99"}'), encoding="utf-8")
    db = tmp_path / "jw.duckdb"
    shutil.copy(jiangwan_store, db)
    res = invoke(db, "forecast", "--plan", str(other), "--as-of", "2026-06-30", "--format", "json")
    assert res.exit_code == 0, res.output
    rate = json.loads(res.stdout)["baseline"]["preschool_rate"]
    assert [(t["year"], t["value"]) for t in rate["targets"]] == [(2028, 97.0), (2030, 99.0)]


# ------------------------------------------------------------------ a store holding the demo and 江湾区

PROJECT_TABLES = ("重点项目库", "项目新增学位", "项目进展", "项目资金", "新建住宅项目")


@pytest.fixture(scope="module")
def two_districts(demo_store, tmp_path_factory):
    """The demo store (硚口区, its plan bound) with 江湾区 added: its data, then its plan, then its projects."""
    import jiangwan as jw
    from eduplan.plan.binding import use_plan

    folder = tmp_path_factory.mktemp("two")
    db = folder / "two.duckdb"
    shutil.copy(demo_store, db)
    paths = jw.write_sources(folder / "jiangwan")
    with Store(db) as s:
        jw.import_sources(s, [p for p in paths if p.stem not in PROJECT_TABLES])
        use_plan(s, jw.PLAN, jw.USER)
        jw.import_sources(s, [p for p in paths if p.stem in PROJECT_TABLES])
    return db


def test_two_districts_each_its_own_projects_and_forecast(two_districts, jiangwan_store):
    for command in ("projects", "forecast"):
        res = invoke(two_districts, command)
        assert res.exit_code == 1 and "数据库中有 2 个区：420104 硚口区、420188 江湾区；请用 --district 指定" in \
            res.output.replace("\n", "")
    res = invoke(two_districts, "projects", "--district", "江湾区", "--as-of", "2026-06-30", "--format", "json")
    doc = json.loads(res.stdout)
    assert [p["id"] for p in doc["projects"]] == ["jw_kg_lanting", "jw_kg_beiwan", "jw_sch_shiyan", "jw_sch_xingang",
                                                  "jw_repair_binjiang"]
    assert {g["id"]: g["investment"] for g in doc["groups"]} == {"preschool": 0.36, "schools": 5.8, "repairs": 0.24}
    res = invoke(two_districts, "projects", "--district", "420104", "--as-of", "2026-06-30", "--format", "json")
    ids = [p["id"] for p in json.loads(res.stdout)["projects"]]
    assert len(ids) == 38 and not [i for i in ids if i.startswith("jw_")]
    # 江湾区's forecast in the shared store is the one of its own store
    both = json.loads(invoke(two_districts, "forecast", "--district", "420188", "--as-of", "2026-06-30",
                             "--format", "json").stdout)
    alone = json.loads(invoke(jiangwan_store, "forecast", "--as-of", "2026-06-30", "--format", "json").stdout)
    for doc in (both, alone):
        doc.pop("scope")
        doc["baseline"]["schools"].sort(key=lambda s: (s["school_code"], s["level"]))
    assert both == alone and both["baseline"]["notes"] == []
