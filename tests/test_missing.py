"""Missing is missing: a blank optional cell is stored as NULL, and every indicator, rule and check
says 未填报 instead of counting it as 0.

A small district built by hand, imported from real xlsx files (tests/helpers.write_one) in which one
school, 陈家墩小学, leaves its 音乐/美术 teachers and its 音乐/美术 rooms and 教师移动终端数 blank:

  school             classes  pupils  teachers (体育, 音乐, 美术)  rooms (音乐, 美术)  教师移动终端
  S1 崇仁路小学         12      540        30 (2, 1, 1)              1, 1               30
  S2 陈家墩小学          6      240        14 (1, —, —)              —, —               —
  S3 汉西小学            6      270        15 (1, 1, 1)              1, 0 or 1          12
"""

from __future__ import annotations

import math

import openpyxl
import pytest

from eduplan.balance import evaluate_store, load_settings
from eduplan.balance.checklist import FAIL, PENDING
from eduplan.indicators import compute, load_definitions
from eduplan.indicators.explain import explain
from eduplan.indicators.report import build_report
from eduplan.indicators.settings import IndicatorSettings
from eduplan.ingest import import_files
from eduplan.metrics.summary import district_summary
from eduplan.model import TABLES_BY_NAME
from eduplan.plan import load_plan
from helpers import write_one

D = "420104"
S1, S2, S3 = "2420104001", "2420104002", "2420104003"
NAMES = {S1: "崇仁路小学", S2: "陈家墩小学", S3: "汉西小学"}


def _teachers(code, teachers, pe, music, art):
    row = {"year": 2019, "school_code": code, "section": "小学", "staff": teachers + 2, "teachers": teachers,
           "q_postgrad": 1, "q_bachelor": teachers - 2, "q_college": 1, "q_secondary": 0,
           "t_senior_full": 0, "t_senior": 2, "t_first": 5, "t_second": teachers - 7, "t_third": 0, "t_none": 0,
           "pe": pe, "bb_district": 2, "bb_city": 0, "bb_province": 0, "certified": teachers, "trained_360": teachers,
           "rot_eligible": 10, "rot_moved": 1, "rot_backbone": 1}
    if music is not None:  # the key left out: the cell is blank in the workbook
        row.update(music=music, art=art)
    return row


def _facilities(code, music_rooms, art_rooms, devices):
    row = {"year": 2019, "school_code": code, "building_area": 6000.0, "teaching_area": 3000.0,
           "sports_area": 4000.0, "equipment_value": 120.0, "books": 20000, "computers": 60, "classrooms": 12,
           "multimedia_rooms": 12}
    for k, v in (("music_rooms", music_rooms), ("art_rooms", art_rooms), ("teacher_devices", devices)):
        if v is not None:
            row[k] = v
    return row


def _district(art_rooms_s3: int) -> dict[str, list[dict]]:
    return {
        "district": [{"district_code": D, "district_name": "硚口区"}],
        "zone": [{"zone_code": "QK01", "zone_name": "古田组团", "district_code": D}],
        "school": [{"school_code": c, "school_name": n, "type_code": "211", "ownership": "公办", "district_code": D}
                   for c, n in NAMES.items()],
        "school_zone": [{"school_code": c, "zone_code": "QK01", "start_year": 2016} for c in NAMES],
        "enrolment": [
            {"year": 2019, "school_code": S1, "grade": "P1", "classes": 12, "male": 280, "female": 260, "pupils": 540,
             "classes_over_norm": 0},
            {"year": 2019, "school_code": S2, "grade": "P1", "classes": 6, "male": 120, "female": 120, "pupils": 240,
             "classes_over_norm": 0},
            {"year": 2019, "school_code": S3, "grade": "P1", "classes": 6, "male": 140, "female": 130, "pupils": 270,
             "classes_over_norm": 0},
        ],
        "teachers": [_teachers(S1, 30, 2, 1, 1), _teachers(S2, 14, 1, None, None), _teachers(S3, 15, 1, 1, 1)],
        "facilities": [_facilities(S1, 1, 1, 30), _facilities(S2, None, None, None),
                       _facilities(S3, 1, art_rooms_s3, 12)],
    }


def _load(store, folder, art_rooms_s3: int = 0):
    paths = [write_one(folder, name, rows) for name, rows in _district(art_rooms_s3).items()]
    report = import_files(store, paths, user="统计科")
    assert report.ok, [i.text() for i in report.errors]
    return paths


def test_blank_cells_are_stored_as_null(store, tmp_path):
    paths = _load(store, tmp_path)
    # the workbook really has blank cells where 陈家墩小学's 音乐/美术 teachers go
    teachers_xlsx = next(p for p in paths if p.name == "专任教师.xlsx")
    ws = openpyxl.load_workbook(teachers_xlsx)["专任教师"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[headers.index("学校标识码")] == S2)
    assert row[headers.index(TABLES_BY_NAME["teachers"].field("music").header)] is None
    assert store.run("SELECT music, art, pe FROM teachers WHERE school_code = ?", [S2]) == [(None, None, 1)]
    assert store.run("SELECT music_rooms, art_rooms, teacher_devices FROM facilities WHERE school_code = ?",
                     [S2]) == [(None, None, None)]
    assert store.run("SELECT music_rooms, art_rooms FROM facilities WHERE school_code = ?", [S3]) == [(1, 0)]


def test_indicator_with_a_blank_term_has_no_value_and_says_why(store, tmp_path):
    _load(store, tmp_path)
    comp = compute(store, load_definitions(), ["teacher_mobile_terminal_coverage"])
    v = comp.values.set_index(["unit_type", "unit_code", "bdim", "bval"])
    # 崇仁路小学 30 / 30 = 100 %; 汉西小学 12 / 15 = 80 %
    assert v.loc[("school", S1, "", ""), "value"] == pytest.approx(100.0)
    assert v.loc[("school", S3, "", ""), "value"] == pytest.approx(80.0)
    # counting the blank as 0 would give the district (30 + 0 + 12) / (30 + 14 + 15) = 71.19 %: it is missing
    district = v.loc[("district", D, "", "")]
    assert math.isnan(district["value"]) and math.isnan(district["numerator"]) and math.isnan(district["denominator"])
    assert district["missing"] == "1 所学校未填报“教师移动终端数”，不计算（缺失不按 0 计）"
    zone = v.loc[("zone", "QK01", "", "")]
    assert math.isnan(zone["value"]) and zone["missing"] == district["missing"]
    s2 = v.loc[("school", S2, "", "")]
    assert math.isnan(s2["value"]) and s2["missing"] == "本校未填报“教师移动终端数”，不计算（缺失不按 0 计）"
    # the same through the one-school fast path
    one = compute(store, load_definitions(), ["teacher_mobile_terminal_coverage"], school=S2).values
    assert one["missing"].tolist() == ["本校未填报“教师移动终端数”，不计算（缺失不按 0 计）"]

    # the report: status 数据不全 with the reason; the district entry carries `missing`
    report = build_report(store, load_plan(), load_definitions(), IndicatorSettings(), 2019)
    ind = next(i for i in report["indicators"] if i["id"] == "teacher_mobile_terminal_coverage")
    assert ind["data_status"] == "已计算"  # schools S1 and S3 have values
    entry = next(e for e in ind["values"] if e["unit_type"] == "district")
    assert entry["value"] is None and entry["missing"] == district["missing"]

    # explain names the school lacking the term, and its contribution has no value
    doc = explain(store, load_definitions(), "teacher_mobile_terminal_coverage", 2019, ("district", D))
    assert doc["value"] is None and doc["missing"] == district["missing"]
    [num] = doc["numerator_terms"]
    assert num["value"] is None and num["sum_of_filled"] == 42.0  # 30 + 12 filled in
    assert num["missing_schools"] == [{"school_code": S2, "school_name": "陈家墩小学", "rows": 1}]
    [den] = doc["denominator_terms"]
    assert den["value"] == 59.0 and den["missing_schools"] == []
    by_code = {c["unit_code"]: c for c in doc["contributions"]}
    assert by_code[S2]["value"] is None and by_code[S2]["missing"].startswith("本校未填报“教师移动终端数”")
    assert by_code[S3]["value"] == pytest.approx(80.0) and by_code[S3]["missing"] is None


def test_report_status_when_no_unit_has_a_value(store, tmp_path):
    data = _district(0)
    for r in data["facilities"]:
        r.pop("teacher_devices", None)  # nobody fills 教师移动终端数 in
    report = import_files(store, [write_one(tmp_path, n, rows) for n, rows in data.items()], user="u")
    assert report.ok
    doc = build_report(store, load_plan(), load_definitions(), IndicatorSettings(), 2019)
    ind = next(i for i in doc["indicators"] if i["id"] == "teacher_mobile_terminal_coverage")
    assert ind["data_status"] == "数据不全"
    assert ind["reason"] == "硚口区：3 所学校未填报“教师移动终端数”，不计算（缺失不按 0 计）"
    assert "teacher_mobile_terminal_coverage" in doc["no_data"]


def test_checklist_says_unfilled_not_zero(store, tmp_path):
    _load(store, tmp_path, art_rooms_s3=0)
    r = evaluate_store(store, 2019, "2017", load_settings())
    g03 = next(c for c in r.checklist if c.item.id == "G03_music_art_rooms")
    # 汉西小学 needs ⌈6 / 12⌉ = 1 美术 room and has 0: the item fails whatever 陈家墩小学 holds; 陈家墩小学
    # is named as 未填报 (before: "音乐 0、美术 0")
    assert (g03.status, g03.value) == (FAIL, 1.0)
    assert g03.detail == ("专用教室不足的学校：汉西小学（6 班需 1 间，音乐 1、美术 0）；"
                          "未填报的学校：陈家墩小学（音乐、美术专用教室数未填报）")


def test_checklist_cannot_decide_on_blanks_alone(store, tmp_path):
    _load(store, tmp_path, art_rooms_s3=1)
    r = evaluate_store(store, 2019, "2017", load_settings())
    g03 = next(c for c in r.checklist if c.item.id == "G03_music_art_rooms")
    # every school that filled the rooms in has its 1 room each: only the blank could fail it → 待评估
    assert (g03.status, g03.decided_by, g03.value) == (PENDING, None, None)
    assert g03.detail == "无法判定，未填报的学校：陈家墩小学（音乐、美术专用教室数未填报）（未填报不按 0 计）"
    # the resource indicator 体育艺术专任教师 (L3) lacks 陈家墩小学's 音乐 + 美术 teachers: not computable
    level = r.levels["小学"]
    l3 = next(i for i in level.indicators if i.spec.id == "L3")
    assert not l3.computable
    assert l3.reason == "1 所学校缺少“体育艺术专任教师数”数据（陈家墩小学），无法计算（缺失不按 0 计）"
    assert level.cv_passed is None  # the coefficients cannot all be judged while a school's figure is missing
    assert {s.code: s.values["L3"] for s in level.schools}[S2] is None
    assert ("陈家墩小学（2420104002）2019 年小学未填报体育艺术专任教师数的组成项：这些指标缺失（不按 0 计）"
            in r.notes)


def test_summary_sum_over_blanks_is_missing(store, tmp_path):
    _load(store, tmp_path)
    s = district_summary(store, 2019)
    [primary] = s["levels"]
    # 招生数 left blank by all three schools: no total, and a note — not 0
    assert primary["new_entrants"] is None and primary["pupils"] == 1050
    assert s["missing"] == ["小学：3 所学校未填报“招生数”，合计不计算（缺失不按 0 计）"]
    assert s["teachers"][0]["dual"] is None  # 双师型 applies to 中职 only: no total, no note
