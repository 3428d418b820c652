"""Physical and plausible bounds, declared once with each field (eduplan/model/tables.py): an impossible
value is an import error naming the cell and the rule; an implausible one is imported with a warning
and listed by `eduplan quality`; rules across rows and years (closed schools with pupils, five-fold
jumps) are quality warnings; milestone dates are real calendar dates the projects read back."""

from __future__ import annotations

from datetime import date

import pytest

from eduplan.errors import EduplanError
from eduplan.ingest import import_files
from eduplan.plan.binding import use_plan
from eduplan.projects import build_library, parse_date
from eduplan.quality import run_rules
from helpers import SMALL, write_one, write_small

D = "420104"
S = "2420104001"


def _base():
    return {k: [dict(r) for r in v] for k, v in SMALL.items() if k in ("district", "zone", "school", "school_zone")}


def _fac(year, **kw):
    return {"year": year, "school_code": S, "building_area": 9000.0, "teaching_area": 5000.0, "sports_area": 6000.0,
            "equipment_value": 200.0, "books": 30000, "computers": 100, "classrooms": 24, "multimedia_rooms": 24, **kw}


def test_impossible_values_are_refused_naming_the_cell(store, tmp_path):
    assert import_files(store, write_small(tmp_path / "base", _base()), user="u").ok
    paths = [
        write_one(tmp_path, "facilities", [_fac(2019, classrooms=10**12, teaching_area=1e308)]),
        write_one(tmp_path, "area_year", [{"year": 2019, "area_code": D, "residents": 10**12}]),
        write_one(tmp_path, "housing", [{"housing_name": "汉江湾壹号", "zone_code": "QK01", "households": 10**12,
                                         "completion_year": 2024}]),
    ]
    report = import_files(store, paths, user="u")
    assert not report.ok
    got = {(i.column, i.cell, i.rule) for i in report.errors if i.type == "range-error"}
    assert got == {
        ("普通教室数（间）", "J2", "必填，整数，0–2000"),
        ("教学及辅助用房面积（平方米）", "E2", "必填，数值，0–1000000"),
        ("常住人口总数（人）", "C2", "必填，整数，0–20000000"),
        ("户数（户）", "C2", "必填，整数，0–200000"),
    }
    assert store.run("SELECT count(*) FROM facilities") == [(0,)]


def test_implausible_value_is_a_warning_at_import_and_in_quality(store, tmp_path):
    assert import_files(store, write_small(tmp_path / "base", _base()), user="u").ok
    # 300 普通教室: possible (≤ 2000) but far above the soft maximum 250 — a typing mistake, most likely
    report = import_files(store, [write_one(tmp_path, "facilities", [_fac(2019, classrooms=300)])], user="u")
    assert report.ok
    [warn] = [i for i in report.warnings if i.type == "soft-range"]
    assert (warn.column, warn.cell, warn.value) == ("普通教室数（间）", "J2", 300)
    assert store.run("SELECT classrooms FROM facilities") == [(300,)]
    [finding] = [f for f in run_rules(store) if f.rule == "implausible_value"]
    assert finding.message == ("崇仁路小学（2420104001）2019 年“办学条件”的“普通教室数”为 300 间，通常 ≤250"
                               "（一所中小学：万人学校约 200 个班；2000 间不可能，超过 250 间请核对）；请核对")
    assert finding.rows == [{"table": "facilities", "year": 2019, "school_code": S, "column": "classrooms",
                             "value": 300, "source_row": 2, "batch_id": finding.rows[0]["batch_id"]}]
    # right after the import the cell was already reported: not repeated among the import's quality findings
    assert not [f for f in run_rules(store, {2019}, after_import=True) if f.rule == "implausible_value"]


def test_pupils_after_closing_and_a_fivefold_jump(store, tmp_path):
    data = _base()
    data["school"][0]["closed_year"] = 2018  # 撤并 in 2018, yet pupils in 2019 …
    data["school"][0]["opened_year"] = 1950
    data["enrolment"] = [  # … and 100 → 600 pupils from 2018 to 2019 (6 ×)
        {"year": 2018, "school_code": S, "grade": "P1", "classes": 4, "male": 50, "female": 50, "pupils": 100},
        {"year": 2019, "school_code": S, "grade": "P1", "classes": 14, "male": 300, "female": 300, "pupils": 600},
    ]
    assert import_files(store, write_small(tmp_path, data), user="u").ok
    by_rule = {}
    for f in run_rules(store):
        by_rule.setdefault(f.rule, []).append(f)
    [closed] = by_rule["school_open_period"]
    assert closed.message == "崇仁路小学（2420104001）撤并年份为 2018 年，但 2019 年仍有在校生；请核对撤并年份"
    assert closed.rows[0] == {"table": "enrolment", "year": 2019, "school_code": S}
    [jump] = by_rule["year_on_year_jump"]
    assert jump.message == ("崇仁路小学（2420104001）2019 年在校生 600 人，是上年 100 人的 6.0 倍"
                            "（一年变化 5 倍及以上，多为单位或录入错误）")
    # limited to 2018 (no year before it on record): nothing to compare, nothing flagged
    assert not [f for f in run_rules(store, {2018}) if f.rule == "year_on_year_jump"]


def test_teachers_with_zero_pupils(store, tmp_path):
    data = _base()
    data["enrolment"] = [{"year": 2019, "school_code": S, "grade": "P1", "classes": 0, "male": 0, "female": 0,
                          "pupils": 0}]
    data["teachers"] = [{"year": 2019, "school_code": S, "section": "小学", "staff": 520, "teachers": 500,
                         "q_postgrad": 0, "q_bachelor": 500, "q_college": 0, "q_secondary": 0}]
    assert import_files(store, write_small(tmp_path, data), user="u").ok
    [f] = [f for f in run_rules(store) if f.rule == "teachers_without_pupils"]
    assert f.message == ("崇仁路小学（2420104001）2019 年有 500 名专任教师，但在校生为 0；"
                         "请核对学校标识码、年度，或补充分年级学生数")


def _project_rows(milestones):
    return {
        "project": [{"project_id": "sch_test", "project_name": "古田路小学异地新建", "category": "中小学配建",
                     "work": "异地新建"}],
        "project_milestone": [{"project_id": "sch_test", "milestone": m, **d} for m, d in milestones],
    }


def test_milestone_dates_are_real_dates_and_read_back(store, tmp_path):
    assert import_files(store, write_small(tmp_path / "base", _base()), user="u").ok
    use_plan(store, "qiaokou-2021-2025", "u")  # project categories are checked against the district's plan
    bad = _project_rows([("竣工", {"planned_date": "2021-02-30"})])
    report = import_files(store, [write_one(tmp_path / "bad", n, r) for n, r in bad.items()], user="u")
    [err] = [i for i in report.errors if i.type == "date-error"]
    assert (err.column, err.value, err.detail) == ("计划日期", "2021-02-30", "2021 年 2 月没有 30 日")
    assert err.rule == "可空，日期 YYYY-MM-DD 或 YYYY-MM，2000–2050 年"
    good = _project_rows([("竣工", {"planned_date": "2025-12"}), ("投入使用", {"planned_date": "2026-08-31"})])
    assert import_files(store, [write_one(tmp_path / "good", n, r) for n, r in good.items()], user="u").ok
    assert sorted(store.run("SELECT milestone, planned_date FROM project_milestone")) == [
        ("投入使用", "2026-08-31"), ("竣工", "2025-12")]
    lib = build_library(store)
    p = lib.get("sch_test")
    assert p.milestones["竣工"].planned == date(2025, 12, 1)
    # 投入使用 planned 2026-08-31: serves the 2026 school year (September intake)
    assert (p.in_use_year, p.in_use_basis) == (2026, "投入使用（计划）")


def test_a_bad_stored_date_is_a_clear_error_not_a_crash():
    assert parse_date("2025-12") == date(2025, 12, 1)
    with pytest.raises(EduplanError, match="项目进展中的日期“2021-02-30”不是有效的日期"):
        parse_date("2021-02-30")
