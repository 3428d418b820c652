"""plan check: the findings on the shipped plan, and each rule on a plan made to fail it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from eduplan.plan import Finding, Plan, check_plan, default_plan_path, has_errors, load_plan, parse_plan

OTHER = Path(__file__).parent / "data" / "plan-other.yaml"


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    return check_plan(load_plan())


def by_code(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def shipped_text() -> str:
    return default_plan_path().read_text(encoding="utf-8")


def check_text(text: str) -> list[Finding]:
    return check_plan(parse_plan(text, "t.yaml"))


def check_modified(change) -> list[Finding]:
    """Check the shipped plan after `change(data)` edits its parsed YAML."""
    data = yaml.safe_load(shipped_text())
    change(data)
    return check_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def project(data: dict, pid: str) -> dict:
    return next(p for p in data["key_projects"]["projects"] if p["id"] == pid)


# ----------------------------------------------------------------------------------------------
# The shipped plan
# ----------------------------------------------------------------------------------------------


def test_shipped_plan_has_no_errors(findings):
    assert not has_errors(findings)
    assert all(f.severity in ("error", "warning", "info") for f in findings)
    assert all(f.code and f.message and f.where for f in findings)
    order = {"error": 0, "warning": 1, "info": 2}
    assert [order[f.severity] for f in findings] == sorted(order[f.severity] for f in findings)


def test_investment_sum(findings):
    (f,) = by_code(findings, "investment-sum")
    assert f.severity == "warning"
    assert "36.783" in f.message and "40.7" in f.message and "3.917" in f.message
    assert "qiaokou-2021-2025.yaml 第" in f.where and "五" in f.where


def test_count_sums_pass(findings):
    assert by_code(findings, "count-sum") == []
    assert by_code(findings, "count-mismatch") == []


def test_text_table_mismatch(findings):
    fs = by_code(findings, "text-table-mismatch")
    hs = [f for f in fs if f.subject == "upper_secondary_995"]
    assert len(hs) == 1 and "99.5" in hs[0].message and "≦100" in hs[0].message
    pre = [f for f in fs if f.subject == "preschool_ger_13th"]
    assert len(pre) == 1 and "98.5" in pre[0].message and "95" in pre[0].message
    nl = [f for f in fs if f.subject == "new_labour_schooling_13th"]
    assert len(nl) == 1 and "14.64" in nl[0].message
    assert len(fs) == 3


def test_table_table_mismatch(findings):
    (f,) = by_code(findings, "table-table-mismatch")
    assert f.subject == "upper_secondary_gross_enrolment" and "98.5" in f.message and "99" in f.message


def test_target_met_by_baseline(findings):
    fs = by_code(findings, "target-met-by-baseline")
    subjects = [f.subject for f in fs]
    for ind in ("compulsory_retention_rate", "principal_standard_rate", "inclusive_kindergarten_share",
                "school_network_coverage"):
        assert ind in subjects
    coef = [f for f in fs if f.subject == "compulsory_balance_coefficient"]
    assert len(coef) == 2  # 2020 and 2025 targets, both levels already met in 2019
    coef2025 = next(f for f in coef if "2025" in f.message)
    assert coef2025.severity == "warning" and "0.382" in coef2025.message and "0.302" in coef2025.message
    hs = [f for f in fs if f.subject == "upper_secondary_gross_enrolment"]
    assert {("2020" in f.message, f.severity) for f in hs} >= {(True, "info"), (False, "warning")}
    # maintenance targets are info, not warnings
    assert next(f for f in fs if f.subject == "inclusive_kindergarten_share").severity == "info"
    # not met: 学前 2025 99 vs 98.5; 新增劳动力 15.1 vs 15
    assert "preschool_gross_enrolment" not in subjects and "new_labour_schooling_years" not in subjects


def test_target_direction(findings):
    (f,) = by_code(findings, "target-direction")
    assert f.subject == "upper_secondary_gross_enrolment" and "≦100" in f.message


def test_project_year_range(findings):
    fs = by_code(findings, "project-year-range")
    topped = {f.subject for f in fs if "主体结构封顶" in f.message}
    assert topped == {"sch_gutianlu_primary_relocation", "sch_hanzheng_campus"}
    assert all(f.severity == "warning" for f in fs if f.subject in topped)
    parks = {f.subject for f in fs if f.subject.startswith("park_")}
    assert parks == {"park_no11", "park_no17"}
    assert "sch_changmatou" not in {f.subject for f in fs}  # 2021–2022: contiguous, in period


def test_car_park_membership(findings):
    (f,) = by_code(findings, "project-group-membership")
    assert f.subject == "park_binjiang_hanbin" and f.severity == "info"


def test_no_schema_level_findings(findings):
    for code in ("duplicate-id", "unknown-reported-item", "unknown-reference", "comparison-unparseable",
                 "year-out-of-period", "indicator-inconsistent", "baseline-conflict", "rule-failed"):
        assert by_code(findings, code) == [], code


# ----------------------------------------------------------------------------------------------
# Each rule fires on a broken plan
# ----------------------------------------------------------------------------------------------


def test_investment_sum_passes_when_total_matches():
    fs = check_modified(lambda d: d["key_projects"]["stated_total"].update(investment=36.783))
    assert by_code(fs, "investment-sum") == []


def test_count_sum_and_count_mismatch_fire():
    fs = check_modified(lambda d: d["key_projects"]["stated_total"].update(count=36))
    (f,) = by_code(fs, "count-sum")
    assert f.message == "重点项目数（幼儿园 + 中小学 + 高中 = 总数）：14 + 14 + 7 = 35 个，与所述总数 36 个不符（相差 1 个）"
    assert [f.message for f in by_code(fs, "count-mismatch")] == ["重点项目文中为 36 个，表中列出 35 个（不含附属项目）"]


def test_group_count_mismatch_when_a_project_is_dropped():
    def change(d):
        d["key_projects"]["projects"] = [p for p in d["key_projects"]["projects"] if p["id"] != "kg_fudi"]

    fs = check_modified(change)
    assert [(f.severity, f.subject, f.message) for f in by_code(fs, "count-mismatch")] == [
        ("warning", "kindergarten", "“公益普惠性幼儿园新改扩建工程”文中为 14 所，表中列出 13 所"),
        ("warning", "kindergarten", "“公益普惠性幼儿园新改扩建工程”文中预计 14 所“完工”，表中标为“完工”的有 13 所"),
        ("warning", "key_projects", "重点项目文中为 35 个，表中列出 34 个（不含附属项目）")]


def test_state_count_mismatch():
    def change(d):
        d["key_projects"]["groups"][1]["stated_states"] = {"完工": 11, "主体结构封顶": 3}

    fs = by_code(check_modified(change), "count-mismatch")
    assert len(fs) == 2


def test_duplicate_ids():
    text = shipped_text().replace("id: kg_jindi_k3,", "id: kg_hongxing_jiayuan,")
    (f,) = by_code(check_text(text), "duplicate-id")
    assert f.severity == "error" and "kg_hongxing_jiayuan" in f.message and "t.yaml 第" in f.where


def test_unknown_reported_item():
    text = shipped_text().replace("reported_item: health_knowledge_rate", "reported_item: health_rate")
    (f,) = by_code(check_text(text), "unknown-reported-item")
    assert f.severity == "error" and "health_rate" in f.message


def test_unparseable_comparison_is_an_error_with_line():
    text = shipped_text().replace('y2025: "≦100"', 'y2025: "大约一百"')
    fs = check_text(text)
    (f,) = by_code(fs, "comparison-unparseable")
    assert f.severity == "error" and "大约一百" in f.message and "t.yaml 第" in f.where
    assert has_errors(fs)


def test_level_count_mismatch_is_unparseable():
    text = shipped_text().replace('y2025: "<0.5/<0.45"', 'y2025: "<0.5"')
    assert [(f.severity, f.subject, f.message) for f in by_code(check_text(text), "comparison-unparseable")] == [
        ("error", "compulsory_balance_coefficient", "表“硚口区“十四·五”教育事业发展主要预期指标”中“义务教育优质均衡系数”（y2025）："
                                                    "“<0.5”应有 2 个以“/”分隔的值（小学/初中）")]


def test_year_out_of_period():
    def change(d):
        next(t for t in d["targets"] if t["id"] == "health_knowledge_90")["year"] = 2030

    (f,) = by_code(check_modified(change), "year-out-of-period")
    assert (f.severity, f.message) == ("error", "目标“学生健康知识掌握率”的年份 2030 不在规划期 2021–2025 内")


def test_project_years_out_of_period_and_gaps():
    fs = check_modified(lambda d: project(d, "sch_changmatou").update(years=[2021, 2023, 2026]))
    fs = [f for f in by_code(fs, "project-year-range") if f.subject == "sch_changmatou"]
    assert [(f.severity, f.message) for f in fs] == [
        ("error", "项目“硚口区常码头还建地配建小学”列于 2026 年，超出规划期 2021–2025"),
        ("warning", "项目“硚口区常码头还建地配建小学”所列年份不连续：2021、2023、2026"),
        ("warning", "项目“硚口区常码头还建地配建小学”列至 2026 年，晚于文中“中小学配建”预计完成的 2025 年底")]


def test_unknown_references():
    def change(d):
        d["goals"][4]["targets"] = ["teacher_pay"]
        project(d, "park_no11")["part_of"] = ["hs_no99"]
        project(d, "hs_no4")["group"] = "senior"

    fs = by_code(check_modified(change), "unknown-reference")
    assert {f.subject for f in fs} == {"3.2.5", "park_no11", "hs_no4"}


def test_bad_sum_reference():
    def change(d):
        d["sums"][1]["parts"][0]["ref"] = "key_projects.groups.nursery.investment"

    (f,) = by_code(check_modified(change), "unknown-reference")
    assert f.subject == "key_projects_investment"


def test_baseline_conflict():
    def change(d):
        next(b for b in d["baselines"] if b["id"] == "kg_rebuilt_13th")["value"] = 16

    (f,) = by_code(check_modified(change), "baseline-conflict")
    assert f.subject == "kindergartens_rebuilt_13th" and "16" in f.message


def test_indicator_unit_conflict():
    def change(d):
        next(t for t in d["targets"] if t["id"] == "upper_secondary_995")["unit"] = "人"

    assert by_code(check_modified(change), "indicator-inconsistent")


def test_a_crashing_rule_is_reported_not_raised():
    def broken(plan: Plan):
        raise RuntimeError("boom")

    fs = check_plan(load_plan(), rules=[broken])
    assert [(f.severity, f.code) for f in fs] == [("error", "rule-failed")]


# ----------------------------------------------------------------------------------------------
# Another district, same format
# ----------------------------------------------------------------------------------------------


def test_other_district_checks_clean():
    fs = check_plan(load_plan(OTHER))
    assert [f for f in fs if f.severity != "info"] == []


def test_other_district_sum_rule_is_generic():
    text = OTHER.read_text(encoding="utf-8").replace("investment: 5, completion_year", "investment: 4, completion_year")
    (f,) = by_code(check_plan(parse_plan(text, "plan-other.yaml")), "investment-sum")
    assert "4.5" in f.message and "5.5" in f.message and "plan-other.yaml" in f.where


JIANGWAN = Path(__file__).parent / "data" / "jiangwan" / "jiangwan-2026-2030.yaml"


def _jiangwan(edit) -> list[Finding]:
    return check_plan(parse_plan(edit(JIANGWAN.read_text(encoding="utf-8")), "j.yaml"))


def test_project_categories_come_from_the_plan_and_are_checked():
    assert [f for f in _jiangwan(lambda t: t) if f.code.startswith(("project-category", "unknown-", "places-"))] == []
    # a project whose category the plan does not declare
    found = _jiangwan(lambda t: t.replace("category: 校舍维修", "category: 校舍大修", 1))
    assert [(f.severity, f.code) for f in found if f.code == "unknown-project-category"] == [
        ("error", "unknown-project-category")]
    assert "的类别“校舍大修”不在规划的项目类别中（幼儿园新建、中小学新建、校舍维修）" in next(
        f.message for f in found if f.code == "unknown-project-category")
    # places naming something that is not a 学段, and a category that says nothing about places
    found = _jiangwan(lambda t: t.replace("places: {小学: 24, 初中: 12}", "places: {小学: 24, 九年级: 12}", 1))
    assert [(f.severity, f.subject, f.message) for f in found if f.code == "unknown-level"] == [
        ("error", "中小学新建", "项目类别“中小学新建”的新增班数写了“九年级”，不是学段代码（中职、初中、学前、小学、特教、高中）")]
    found = _jiangwan(lambda t: t.replace("      places: {}\n      cite: {section: \"五、㈢\"", "      cite: {section: \"五、㈢\"", 1))
    [w] = [f for f in found if f.code == "places-unknown"]
    assert w.severity == "warning" and w.message.startswith("项目类别“校舍维修”没有写新增班数（places；不增加学位写 {}），1 个项目也没有写")
