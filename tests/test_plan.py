"""The shipped plan as data: exact values from the seed text, the loader and its Chinese errors.

The plan's quotations are checked against tests/data/plan-quotes.txt, the lines of the published plan they
come from (kept in the repository, so the test never depends on a path outside it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eduplan.errors import PlanError
from eduplan.model.codes import REPORTED_BY_CODE
from eduplan.plan import Plan, default_plan_path, load_plan, parse_comparison, parse_plan
from eduplan.plan.schema import Cite, Node

QUOTES = Path(__file__).parent / "data" / "plan-quotes.txt"  # excerpt of the published plan
OTHER = Path(__file__).parent / "data" / "plan-other.yaml"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan()


def cell(plan: Plan, table: str, row: str, col: str):
    tab = plan.table(table)
    assert tab is not None
    return next(r for r in tab.rows if r.id == row).values[col]


# ----------------------------------------------------------------------------------------------
# Metadata
# ----------------------------------------------------------------------------------------------


def test_default_plan_is_shipped_with_the_package():
    p = default_plan_path()
    assert p.name == "qiaokou-2021-2025.yaml" and p.is_file()
    assert load_plan(None).meta.id == "qiaokou-2021-2025"


def test_meta(plan: Plan):
    m = plan.meta
    assert m.title == "硚口区教育事业发展“十四·五”规划（2021—2025）（征求意见稿）"
    assert (m.district.code, m.district.name, m.district.city) == ("420104", "硚口区", "武汉市")
    assert (m.period.start, m.period.end) == (2021, 2025)
    assert m.baseline_year == 2019
    assert m.status == "征求意见稿"
    assert m.source.file == "000_b20f553607603e59.txt"
    assert plan.source_name == "qiaokou-2021-2025.yaml"


# ----------------------------------------------------------------------------------------------
# The two indicator tables
# ----------------------------------------------------------------------------------------------

# seq, id, 目标值, 2019, 2020 预计 — exactly as printed
REVIEW_13TH = [
    (1, "preschool_gross_enrolment", "98.5", "95", "98.5 以上"),
    (2, "compulsory_retention_rate", "98", "100", "100"),
    (3, "disabled_enrolment_rate", "100", "100", "100"),
    (4, "upper_secondary_gross_enrolment", "98.5", "99", "99"),
    (5, "vocational_dual_qualified_teacher_share", "75", "61", "75"),
    (6, "vocational_employment_rate", "98", "98", "98"),
    (7, "principal_standard_rate", "60", "100", "100"),
    (8, "curriculum_compliance_rate", "100", "100", "100"),
    (9, "three_links_two_platforms_rate", "100", "100", "100"),
    (10, "new_labour_schooling_years", "15", "14.64", "15 以上"),
    (11, "labour_force_schooling_years", "14.7", "14.53", "14.7 以上"),
    (12, "compulsory_modernisation_rate", "90", "85", "90"),
]


def test_review_table_rows_exact(plan: Plan):
    tab = plan.table("review_13th")
    assert tab.title == "硚口区“十三·五”教育发展主要指标完成情况"
    got = [(r.seq, r.id, r.values["target"].raw, r.values["y2019"].raw, r.values["y2020"].raw) for r in tab.rows]
    assert got == REVIEW_13TH
    units = [r.unit for r in tab.rows]
    assert units == ["%"] * 9 + ["年", "年", "%"]


def test_review_table_comparisons(plan: Plan):
    t = cell(plan, "review_13th", "new_labour_schooling_years", "target")
    assert (t.op, t.value, t.implied) == (">=", 15.0, True)
    a = cell(plan, "review_13th", "new_labour_schooling_years", "y2019")
    assert (a.op, a.value) == ("=", 14.64)
    e = cell(plan, "review_13th", "new_labour_schooling_years", "y2020")
    assert (e.raw, e.op, e.value, e.implied) == ("15 以上", ">=", 15.0, False)
    p = cell(plan, "review_13th", "preschool_gross_enrolment", "y2020")
    assert (p.op, p.value) == (">=", 98.5)


TARGETS_14TH = [
    ("preschool_gross_enrolment", "%", "95", "98.5", "99"),
    ("upper_secondary_gross_enrolment", "%", "99", "99", "≦100"),
    ("compulsory_balance_coefficient", "系数", "0.382/0.302", "<0.55/<0.5", "<0.5/<0.45"),
    ("senior_teacher_postgraduate_share", "%", "18.6", "25", "28"),
    ("vocational_dual_qualified_teacher_share", "%", "61", "75", "77"),
    ("education_expenditure_share", "%", "21.85", "21.9", "28"),
    ("new_labour_schooling_years", "年", "14.64", "15", "15.1"),
]


def test_14th_table_rows_exact(plan: Plan):
    tab = plan.table("targets_14th")
    assert tab.title == "硚口区“十四·五”教育事业发展主要预期指标"
    got = [(r.id, r.unit, r.values["y2019"].raw, r.values["y2020"].raw, r.values["y2025"].raw) for r in tab.rows]
    assert got == TARGETS_14TH
    assert [c.year for c in tab.columns] == [2019, 2020, 2025]


def test_14th_table_comparisons(plan: Plan):
    hs = cell(plan, "targets_14th", "upper_secondary_gross_enrolment", "y2025")
    assert (hs.op, hs.value, hs.implied) == ("<=", 100.0, False)
    pre = cell(plan, "targets_14th", "preschool_gross_enrolment", "y2025")
    assert (pre.op, pre.value, pre.implied) == (">=", 99.0, True)
    nl = cell(plan, "targets_14th", "new_labour_schooling_years", "y2025")
    assert (nl.op, nl.value) == (">=", 15.1)


def test_balance_coefficient_per_level(plan: Plan):
    def lv(col):
        v = cell(plan, "targets_14th", "compulsory_balance_coefficient", col).by_level
        return {k: (x.op, x.value) for k, x in v.items()}

    assert lv("y2019") == {"小学": ("=", 0.382), "初中": ("=", 0.302)}
    assert lv("y2020") == {"小学": ("<", 0.55), "初中": ("<", 0.5)}
    assert lv("y2025") == {"小学": ("<", 0.5), "初中": ("<", 0.45)}


def test_same_indicator_same_id_in_both_tables(plan: Plan):
    ids13 = {r.id for r in plan.table("review_13th").rows}
    ids14 = {r.id for r in plan.table("targets_14th").rows}
    assert len(ids13) == 12 and len(ids14) == 7
    assert ids13 & ids14 == {
        "preschool_gross_enrolment", "upper_secondary_gross_enrolment",
        "vocational_dual_qualified_teacher_share", "new_labour_schooling_years",
    }


# ----------------------------------------------------------------------------------------------
# Text targets and baselines
# ----------------------------------------------------------------------------------------------

# id -> (indicator, op, value, unit, year, reported_item)
TEXT_TARGETS = {
    "inclusive_share_80": ("inclusive_kindergarten_share", ">=", 80, "%", 2025, None),
    "upper_secondary_995": ("upper_secondary_gross_enrolment", ">=", 99.5, "%", 2025, None),
    "informatisation_100": ("informatisation_compliance_rate", ">=", 100, "%", 2025, "informatisation_compliance_rate"),
    "school_network_full": ("school_network_coverage", ">=", 100, "%", 2025, "school_network_coverage"),
    "class_bandwidth_100m": ("bandwidth_per_class", ">=", 100, "Mbps", 2025, None),
    "wireless_5g_full": ("wireless_5g_school_coverage", ">=", 100, "%", 2025, None),
    "multimedia_classroom_100": ("multimedia_classroom_coverage", ">=", 100, "%", 2025, None),
    "teacher_mobile_terminal_100": ("teacher_mobile_terminal_coverage", ">=", 100, "%", 2025, None),
    "smart_classroom_school_100": ("smart_classroom_school_rate", ">=", 100, "%", 2025, None),
    "star_smart_campus_full": ("star_smart_campus_coverage", ">=", 100, "%", 2025, None),
    "health_knowledge_90": ("health_knowledge_rate", ">=", 90, "%", 2025, "health_knowledge_rate"),
    "sport_skills_all": ("sport_skills_rate", ">=", 100, "%", 2025, "sport_skills_rate"),
    "art_skills_all": ("art_skills_rate", ">=", 100, "%", 2025, "art_skills_rate"),
    "labour_education_half": ("labour_education_share", ">=", 50, "%", 2025, "labour_education_share"),
    "teacher_salary_parity": ("teacher_salary_ratio", ">=", 100, "%", 2025, "teacher_salary_ratio"),
    "myopia_new_below_1": ("myopia_new_rate", "<", 1, "%", 2025, "myopia_new_rate"),
    "height_gain_2cm": ("height_gain_cm", ">=", 2, "厘米", 2025, "height_gain_cm"),
    "free_special_education_15": ("free_special_education_years", ">=", 15, "年", 2025, "free_special_education_years"),
    "education_funding_gdp_4": ("education_funding_gdp_share", ">=", 4, "%", 2025, None),
}


@pytest.mark.parametrize("tid", sorted(TEXT_TARGETS))
def test_text_targets(plan: Plan, tid: str):
    t = plan.target(tid)
    assert t is not None and t.kind == "quantitative"
    assert (t.indicator, t.op, t.value, t.unit, t.year, t.reported_item) == TEXT_TARGETS[tid]
    assert t.cite.section and t.cite.text


def test_qualitative_and_trend_targets(plan: Plan):
    assert plan.target("athletics_championship").kind == "qualitative"
    assert plan.target("preschool_universal").kind == "qualitative"
    for tid in ("education_budget_non_decreasing", "per_pupil_budget_non_decreasing"):
        t = plan.target(tid)
        assert (t.kind, t.trend) == ("trend", "non_decreasing")


def test_every_target_has_an_indicator_and_valid_reported_item(plan: Plan):
    ids = [t.id for t in plan.targets]
    assert len(ids) == len(set(ids))
    for t in plan.targets:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", t.indicator)
        assert t.reported_item is None or t.reported_item in REPORTED_BY_CODE
    for r in (r for tab in plan.tables for r in tab.rows):
        assert r.reported_item is None or r.reported_item in REPORTED_BY_CODE


def test_baselines(plan: Plan):
    by_id = {b.id: b for b in plan.baselines}
    assert (by_id["preschool_ger_13th"].value, by_id["preschool_ger_13th"].year) == (98.5, None)
    assert by_id["inclusive_share_13th"].value == 85.7
    assert (by_id["students_per_computer_13th"].raw, by_id["students_per_computer_13th"].value) == ("7:1", 7)
    assert (by_id["teachers_per_computer_13th"].raw, by_id["teachers_per_computer_13th"].value) == ("1:1", 1)
    assert by_id["kg_projects_completed_13th"].value == by_id["kg_rebuilt_13th"].value == 15
    assert by_id["schools_new_13th"].value == 9
    ve = by_id["vocational_employment_13th"]
    assert (ve.op, ve.value) == (">=", 98)


# ----------------------------------------------------------------------------------------------
# Task tree, projects
# ----------------------------------------------------------------------------------------------


def test_task_tree(plan: Plan):
    assert [s.id for s in plan.tasks] == [f"4.{i}" for i in range(1, 10)]
    assert [s.number for s in plan.tasks] == list("㈠㈡㈢㈣㈤㈥㈦㈧㈨")
    assert [len(s.tasks) for s in plan.tasks] == [3, 3, 4, 3, 4, 3, 4, 2, 3]
    first = plan.tasks[0].tasks[0]
    assert (first.id, first.title) == ("4.1.1", "建立学习型组织的学研机制")
    assert plan.tasks[1].tasks[1].title == "实施“冠军文化”的阳光体育工程"
    for s in plan.tasks:
        for i, t in enumerate(s.tasks, 1):
            assert t.id == f"{s.id}.{i}" and t.number == i and t.summary


def test_projects(plan: Plan):
    kp = plan.key_projects
    counted = [p for p in kp.projects if p.counted]
    assert len(counted) == 35 and kp.stated_total.count == 35 and kp.stated_total.investment == 40.7
    by_group = {g.id: [p for p in counted if p.group == g.id] for g in kp.groups}
    assert {g: len(v) for g, v in by_group.items()} == {"kindergarten": 14, "compulsory": 14, "high_school": 7}
    assert {g.id: (g.stated_count, g.investment) for g in kp.groups} == {
        "kindergarten": (14, 1.293), "compulsory": (14, 33.4), "high_school": (7, 2.09),
    }
    by_name = {p.name: p for p in kp.projects}
    assert by_name["东风村控规初中"].years == [2021, 2022, 2023, 2024]
    assert by_name["硚口区常码头还建地配建小学"].years == [2021, 2022]
    assert by_name["南垸坊小学扩建"].years == [2022, 2023, 2024, 2025]
    assert by_name["硚口区汉西小学异地新建"].years == [2022]
    topped = {p.name for p in counted if p.expected_state == "主体结构封顶"}
    assert topped == {"古田路小学异地新建", "汉正教育园"}
    assert sum(1 for p in by_group["compulsory"] if p.expected_state == "完工") == 12
    assert all(p.years == [2021] or 2021 in p.years for p in by_group["high_school"])  # all 7 listed under 2021


def test_car_parks(plan: Plan):
    parks = [p for p in plan.key_projects.projects if p.category == "地下停车场"]
    assert len(parks) == 3
    assert all(not p.counted and p.group == "high_school" for p in parks)
    by_id = {p.id: p for p in parks}
    assert by_id["park_no11"].years == [2021, 2022, 2023] and by_id["park_no11"].part_of == ["hs_no11"]
    assert by_id["park_binjiang_hanbin"].hosts == ["武汉市十一滨江初级中学", "汉滨小学"]
    assert by_id["park_binjiang_hanbin"].years == [2022, 2023]


def test_sums_declared(plan: Plan):
    assert {s.id: s.code for s in plan.sums} == {
        "key_projects_count": "count-sum",
        "key_projects_investment": "investment-sum",
        "compulsory_completion": "count-sum",
    }


def test_every_quote_is_in_the_seed(plan: Plan):
    seed = re.sub(r"\s+", "", "".join(line for line in QUOTES.read_text(encoding="utf-8").splitlines(True)
                                       if not line.startswith("#")))

    def cites(n):
        if isinstance(n, Cite):
            yield n
        elif isinstance(n, Node):
            for k in type(n).model_fields:
                yield from cites(getattr(n, k))
        elif isinstance(n, (list, tuple)):
            for x in n:
                yield from cites(x)
        elif isinstance(n, dict):
            for x in n.values():
                yield from cites(x)

    all_cites = list(cites(plan))
    assert (len(all_cites), len({c.text for c in all_cites})) == (197, 188)  # 9 passages are cited twice
    missing = [(c.section, c.text) for c in all_cites if re.sub(r"\s+", "", c.text) not in seed]
    assert missing == []


def test_round_trip(plan: Plan):
    again = Plan.model_validate(plan.model_dump())
    assert again.model_dump() == plan.model_dump()


def test_indicator_index(plan: Plan):
    idx = {e["id"]: e for e in plan.indicator_index()}
    assert idx["new_labour_schooling_years"]["reported_item"] == "new_labour_schooling_years"
    assert "tables.review_13th" in idx["preschool_gross_enrolment"]["used_in"]
    assert "tables.targets_14th" in idx["preschool_gross_enrolment"]["used_in"]


# ----------------------------------------------------------------------------------------------
# Comparison parsing
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("98.5 以上", (">=", 98.5)),
    ("≦100", ("<=", 100.0)),
    ("≤100", ("<=", 100.0)),
    ("<0.55", ("<", 0.55)),
    ("不少于 50%", (">=", 50.0)),
    ("不低于 100%", (">=", 100.0)),
    ("达到 90%", (">=", 90.0)),
    ("达到 99.5%以上", (">=", 99.5)),
    ("保持在 80%以上", (">=", 80.0)),
    ("控制在零点几", ("<", 1.0)),
    ("逐步达到 100M", (">=", 100.0)),
    ("14.64", (None, 14.64)),
    ("１５", (None, 15.0)),
])
def test_parse_comparison(raw, expected):
    assert parse_comparison(raw) == expected


@pytest.mark.parametrize("raw", ["", "abc", "1－2 项", "约"])
def test_parse_comparison_rejects(raw):
    with pytest.raises(ValueError):
        parse_comparison(raw)


# ----------------------------------------------------------------------------------------------
# Loader errors (Chinese, with file and line)
# ----------------------------------------------------------------------------------------------

MINI = """\
meta:
  id: t
  title: 测试
  district: {code: "990001", name: 虚构区}
  period: {start: 2026, end: 2030}
  baseline_year: 2024
  status: 测试
  source: {file: x.txt}
targets:
  - id: a
    indicator: a
    name: 指标甲
    raw: 达到 90%
    year: 2030
    cite: {section: "一", text: "甲"}
"""


def test_mini_plan_loads():
    p = parse_plan(MINI, "mini.yaml")
    assert p.targets[0].op == ">=" and p.targets[0].value == 90 and p.targets[0].line == 10


def test_error_names_file_and_line():
    bad = MINI.replace("year: 2030", "year: 二〇三〇")
    with pytest.raises(PlanError) as e:
        parse_plan(bad, "mini.yaml")
    msg = str(e.value)
    assert "mini.yaml 第 14 行" in msg and "targets[0].year" in msg and "应为整数" in msg


def test_all_problems_listed_together():
    bad = MINI.replace("    name: 指标甲\n", "    nmae: 指标甲\n").replace("baseline_year: 2024", "baseline_year: x")
    with pytest.raises(PlanError) as e:
        parse_plan(bad, "mini.yaml")
    msg = str(e.value)
    assert "3 处问题" in msg
    assert "第 6 行" in msg and "未知字段" in msg and "缺少必填字段" in msg


def test_duplicate_key_and_syntax_error():
    with pytest.raises(PlanError, match="键“title”重复"):
        parse_plan(MINI.replace("  title: 测试\n", "  title: 测试\n  title: 又一个\n"), "mini.yaml")
    with pytest.raises(PlanError, match="YAML 语法错误"):
        parse_plan(MINI + "  - [unclosed\n", "mini.yaml")


def test_missing_file(tmp_path: Path):
    with pytest.raises(PlanError, match="找不到规划文件"):
        load_plan(tmp_path / "nope.yaml")


def test_shipped_yaml_with_a_type_error_points_at_its_line(tmp_path: Path):
    text = default_plan_path().read_text(encoding="utf-8")
    lines = text.splitlines()
    n = next(i for i, line in enumerate(lines) if "stated_count: 14" in line)
    lines[n] = lines[n].replace("14", "十四")
    f = tmp_path / "broken.yaml"
    f.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(PlanError) as e:
        load_plan(f)
    assert f"broken.yaml 第 {n + 1} 行" in str(e.value)


def test_other_district_plan_loads():
    p = load_plan(OTHER)
    assert p.meta.district.code == "990001" and (p.meta.period.start, p.meta.period.end) == (2026, 2030)
    coef = p.tables[0].rows[1].values["y2030"].by_level
    assert {k: (v.op, v.value) for k, v in coef.items()} == {"小学": ("<=", 0.5), "初中": ("<=", 0.45)}
    assert p.target("myopia_new_below_1").year == 2030  # defaults to the plan's end year
