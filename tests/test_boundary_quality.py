"""Boundary tests of the data-quality rules' thresholds (eduplan/quality), each on both sides, worked by hand,
on one small district imported from real workbooks:

  pupils_jump_without_classes  +50 % or more with no more classes, the year before ≥ 30 pupils
  cohort_jump                  a class changing by more than ±30 % in a year, the year before ≥ 30
  pupil_teacher_ratio_outlier  生师比 outside 4–30
  teaching_area_per_pupil      生均教学及辅助用房 outside 1–40 ㎡
  population_cohort_jump       a birth cohort changing by more than ±25 % in a year, the year before ≥ 100
  teachers_without_pupils      20 teachers or more and no pupils
  year_on_year_jump            ×5 or ÷5 in a year, the year before ≥ 50 pupils
  school_open_period           pupils before the 建校年份 or after the 撤并年份
"""

from __future__ import annotations

import math

import pytest

from eduplan.ingest import import_files
from eduplan.quality import run_rules
from eduplan.store import Store
from helpers import write_small

D = "420104"


def code(n: int) -> str:
    return f"2420104{n:03d}"


Q1, Q2, Q3, Q4, C, T1, T2, W1, W2, Y1, Y2, Y3, Y4, Y5 = (code(n) for n in range(101, 115))
NAMES = {Q1: "一小", Q2: "二小", Q3: "三小", Q4: "四小", C: "五小", T1: "六校", T2: "七校", W1: "八小", W2: "九小",
         Y1: "十小", Y2: "十一小", Y3: "十二小", Y4: "十三小", Y5: "十四小"}
TYPES = {T1: "312", T2: "312"}
YEARS = {Q1: {"opened_year": 2018}, Q2: {"closed_year": 2019}, Q3: {"opened_year": 2019}, Q4: {"closed_year": 2018}}


def _e(year, school, grade, pupils, classes=None):
    return {"year": year, "school_code": school, "grade": grade, "classes": classes or math.ceil(pupils / 45),
            "male": pupils // 2, "female": pupils - pupils // 2, "pupils": pupils, "classes_over_norm": 0}


def _t(school, section, teachers):
    return {"year": 2019, "school_code": school, "section": section, "teachers": teachers, "staff": teachers,
            "q_postgrad": 0, "q_bachelor": teachers, "q_college": 0, "q_secondary": 0}


def _f(school, teaching_area):
    return {"year": 2019, "school_code": school, "building_area": 9000.0, "teaching_area": teaching_area,
            "sports_area": 3000.0, "equipment_value": 200.0, "books": 30000, "computers": 100, "classrooms": 24,
            "multimedia_rooms": 24}


# population of the district: 100 at every age in 2018 except 99 at age 5; in 2019 the cohorts aged 1–4 and 6
# become 125 (+25 %), 126 (+26 %), 75 (−25 %), 74 (−26 %) and 200 (from 99: below the floor of 100)
POP_2019 = {1: 125, 2: 126, 3: 75, 4: 74, 6: 200}

DATA = {
    "district": [{"district_code": D, "district_name": "硚口区", "city_name": "武汉市"}],
    "school": [{"school_code": c, "school_name": n, "type_code": TYPES.get(c, "211"), "ownership": "公办",
                "district_code": D, **YEARS.get(c, {})} for c, n in NAMES.items()],
    "enrolment": [
        # pupils_jump_without_classes (4 classes both years)
        _e(2018, Q1, "P1", 100, 4), _e(2019, Q1, "P1", 150, 4),  # +50 % → flagged
        _e(2018, Q2, "P1", 100, 4), _e(2019, Q2, "P1", 149, 4),  # +49 % → not
        _e(2018, Q3, "P1", 29, 1), _e(2019, Q3, "P1", 60, 1),  # from 29 (< 30) → not
        _e(2018, Q4, "P1", 30, 1), _e(2019, Q4, "P1", 45, 1),  # from 30, +50 % → flagged
        # cohort_jump: 2018 P1–P5 → 2019 P2–P6
        _e(2018, C, "P1", 100), _e(2018, C, "P2", 100), _e(2018, C, "P3", 100), _e(2018, C, "P4", 100),
        _e(2018, C, "P5", 29),
        _e(2019, C, "P2", 130), _e(2019, C, "P3", 131), _e(2019, C, "P4", 70), _e(2019, C, "P5", 69),
        _e(2019, C, "P6", 60),
        # pupil_teacher_ratio_outlier: two nine-year schools, 10 teachers per section
        _e(2019, T1, "P1", 300), _e(2019, T1, "J1", 301), _e(2019, T2, "P1", 40), _e(2019, T2, "J1", 39),
        # year_on_year_jump (classes rise with the pupils: not a pupils_jump_without_classes)
        _e(2018, Y1, "P1", 50, 2), _e(2019, Y1, "P1", 250, 6),  # × 5.0 → flagged
        _e(2018, Y2, "P1", 50, 2), _e(2019, Y2, "P1", 249, 6),  # × 4.98 → not
        _e(2018, Y3, "P1", 49, 2), _e(2019, Y3, "P1", 245, 6),  # × 5 from 49 (< 50) → not
        _e(2018, Y4, "P1", 100, 3), _e(2019, Y4, "P1", 20, 1),  # ÷ 5 → flagged
        _e(2018, Y5, "P1", 100, 3), _e(2019, Y5, "P1", 21, 1),  # ÷ 4.76 → not
    ],
    "teachers": [_t(T1, "小学", 10), _t(T1, "初中", 10), _t(T2, "小学", 10), _t(T2, "初中", 10),
                 _t(W1, "小学", 20), _t(W2, "小学", 19)],
    # teaching_area_per_pupil: T1 601 pupils, T2 79; Q1 150, Q2 149 (2019)
    "facilities": [_f(T1, 601.0),  # 1.0 ㎡ → not
                   _f(T2, 78.0),  # 0.987 ㎡ → flagged
                   _f(Q1, 6000.0),  # 40.0 ㎡ → not
                   _f(Q2, 5961.0)],  # 40.007 ㎡ → flagged
    "population": [{"year": 2018, "area_code": D, "age": a, "population": 99 if a == 5 else 100} for a in range(23)]
                  + [{"year": 2019, "area_code": D, "age": a, "population": POP_2019.get(a, 100)} for a in range(23)],
}


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("boundary-quality")
    with Store(folder / "s.duckdb") as s:
        report = import_files(s, write_small(folder, DATA), user="统计科")
        assert report.ok, [i.text() for i in report.errors]
        out: dict[str, list] = {}
        for f in run_rules(s):
            out.setdefault(f.rule, []).append(f)
        return out


def schools(findings, rule) -> list[str]:
    return sorted({r["school_code"] for f in findings.get(rule, []) for r in f.rows if r.get("school_code")})


def test_pupils_jump_without_classes(findings):
    assert schools(findings, "pupils_jump_without_classes") == [Q1, Q4]
    msgs = sorted(f.message for f in findings["pupils_jump_without_classes"])
    assert msgs == [f"一小（{Q1}）2019 年在校生 150 人，较上年 100 人增长 50.0%，但班数未增加（4 → 4）",
                    f"四小（{Q4}）2019 年在校生 45 人，较上年 30 人增长 50.0%，但班数未增加（1 → 1）"]


def test_cohort_jump(findings):
    # P2 130 from 100 (+30 %, not more) and P4 70 (−30 %) are within; P3 131 and P5 69 are beyond;
    # P6 60 from 29 is below the floor of 30
    got = sorted((f.rows[0]["grade"], f.message) for f in findings["cohort_jump"])
    assert got == [("P3", f"五小（{C}）2019 年 P3 有 131 人，上一年低一年级为 100 人（变化 +31.0%，超过 ±30%）"),
                   ("P5", f"五小（{C}）2019 年 P5 有 69 人，上一年低一年级为 100 人（变化 -31.0%，超过 ±30%）")]


def test_pupil_teacher_ratio_outlier(findings):
    # 小学 300 / 10 = 30 and 40 / 10 = 4 are within 4–30; 初中 301 / 10 = 30.1 and 39 / 10 = 3.9 are not
    got = sorted((f.rows[0]["school_code"], f.rows[0]["section"], f.message) for f in findings["pupil_teacher_ratio_outlier"])
    assert got == [(T1, "初中", f"六校（{T1}）2019 年初中 301 名学生、10 名专任教师（生师比 30.10，合理范围 4–30）"),
                   (T2, "初中", f"七校（{T2}）2019 年初中 39 名学生、10 名专任教师（生师比 3.90，合理范围 4–30）")]


def test_teaching_area_per_pupil(findings):
    # 601 / 601 = 1.0 and 6,000 / 150 = 40.0 are within 1–40 ㎡; 78 / 79 = 0.987 and 5,961 / 149 = 40.007 are not
    assert schools(findings, "teaching_area_per_pupil") == [Q2, T2]
    # shown with two decimals, so a figure just past the line is not shown as the line itself
    assert sorted(f.message for f in findings["teaching_area_per_pupil"]) == [
        f"七校（{T2}）2019 年生均教学及辅助用房 0.99 ㎡（合理范围 1–40 ㎡：请核对面积单位是否为平方米）",
        f"二小（{Q2}）2019 年生均教学及辅助用房 40.01 ㎡（合理范围 1–40 ㎡：请核对面积单位是否为平方米）"]


def test_population_cohort_jump(findings):
    # ages 1 (125, +25 %) and 3 (75, −25 %) are within; 2 (126) and 4 (74) beyond; 6 (200 from 99) under the floor
    got = sorted((f.rows[0]["age"], f.message) for f in findings["population_cohort_jump"])
    assert got == [(2, "区域 420104 2019 年 2 岁常住人口 126，上一年 1 岁为 100（变化 +26.0%，超过 ±25%）"),
                   (4, "区域 420104 2019 年 4 岁常住人口 74，上一年 3 岁为 100（变化 -26.0%，超过 ±25%）")]


def test_teachers_without_pupils(findings):
    # 20 teachers and no pupils → flagged; 19 → not
    [f] = findings["teachers_without_pupils"]
    assert f.message == (f"八小（{W1}）2019 年有 20 名专任教师，但没有在校生数据（分年级学生数中没有该校该年的行）；"
                         "请核对学校标识码、年度，或补充分年级学生数")


def test_year_on_year_jump(findings):
    got = sorted(f.message for f in findings["year_on_year_jump"] if f.rows[0]["column"] == "pupils")
    assert got == [f"十三小（{Y4}）2019 年在校生 20 人，只有上年 100 人的 20%（一年变化 5 倍及以上，多为单位或录入错误）",
                   f"十小（{Y1}）2019 年在校生 250 人，是上年 50 人的 5.0 倍（一年变化 5 倍及以上，多为单位或录入错误）"]


def test_school_open_period(findings):
    # 一小 opened 2018 with pupils 2018–2019, 二小 closed 2019 with pupils to 2019: fine.
    # 三小 opened 2019 has pupils in 2018; 四小 closed 2018 has pupils in 2019
    got = sorted(f.message for f in findings["school_open_period"])
    assert got == [f"三小（{Q3}）建校年份为 2019 年，但 2018 年已有在校生；请核对建校年份",
                   f"四小（{Q4}）撤并年份为 2018 年，但 2019 年仍有在校生；请核对撤并年份"]
