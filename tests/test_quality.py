"""Data-quality rules across rows, tables and years: each fires on a hand-made case and names the rows."""

from __future__ import annotations

import json

from eduplan.ingest import import_files
from eduplan.quality import RULES, run_rules
from helpers import SMALL, eduplan, write_small

D = "420104"
S = "2420104001"


def _data():
    data = {k: [dict(r) for r in v] for k, v in SMALL.items() if k in ("district", "zone", "school", "school_zone")}
    data["enrolment"] = [
        # P1 2018: 100 pupils in 4 classes; 2019: P1 160 in 4 classes, P2 140 (the cohort of 100 grew 40 %)
        {"year": 2018, "school_code": S, "grade": "P1", "classes": 4, "male": 50, "female": 50, "pupils": 100},
        {"year": 2019, "school_code": S, "grade": "P1", "classes": 2, "male": 80, "female": 80, "pupils": 160},
        {"year": 2019, "school_code": S, "grade": "P2", "classes": 2, "male": 70, "female": 70, "pupils": 140},
    ]
    # 2019: 300 pupils and 5 teachers (生师比 60); 100 ㎡ of teaching rooms (0.33 ㎡ per pupil); 2018: nothing
    data["teachers"] = [{"year": 2019, "school_code": S, "section": "小学", "staff": 6, "teachers": 5, "q_postgrad": 0,
                         "q_bachelor": 5, "q_college": 0, "q_secondary": 0}]
    data["facilities"] = [{"year": 2019, "school_code": S, "building_area": 200, "teaching_area": 100, "sports_area": 500,
                           "equipment_value": 10.0, "books": 100, "computers": 5, "classrooms": 4, "multimedia_rooms": 4}]
    # 崇仁路小学 "opened" in 2049 although it has pupils in 2018 and 2019
    data["school"][0]["opened_year"] = 2049
    # 陈家墩学校: 500 初中 teachers in 2019 and no enrolment rows; its teaching rooms fall from 6000 ㎡ (2018)
    # to 1000 ㎡ (2019, 17 % of the year before); its land is 400000 ㎡ (soft maximum 300000)
    S2 = "2420104002"
    data["teachers"].append({"year": 2019, "school_code": S2, "section": "初中", "staff": 520, "teachers": 500,
                             "q_postgrad": 0, "q_bachelor": 500, "q_college": 0, "q_secondary": 0})
    fac = {"school_code": S2, "building_area": 8000, "sports_area": 3000, "equipment_value": 100.0, "books": 1000,
           "computers": 50, "classrooms": 20, "multimedia_rooms": 20}
    # and its 校舍建筑面积 from 8000 ㎡ to 7000 ㎡ (−12.5 %)
    data["facilities"] += [{**fac, "year": 2018, "teaching_area": 6000},
                           {**fac, "year": 2019, "teaching_area": 1000, "land_area": 400000, "building_area": 7000}]
    # the cohort aged 4 in 2018 (100 people) is 200 people aged 5 in 2019
    data["population"] = [{"year": 2018, "area_code": D, "age": 4, "population": 100},
                          {"year": 2019, "area_code": D, "age": 5, "population": 200}]
    return data


def test_each_rule_fires_with_its_rows(store, tmp_path):
    assert import_files(store, write_small(tmp_path, _data()), user="u").ok
    findings = run_rules(store)
    by_rule = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    assert set(by_rule) == {r.id for r in RULES}
    [jump] = by_rule["pupils_jump_without_classes"]
    assert jump.message == "崇仁路小学（2420104001）2019 年在校生 300 人，较上年 100 人增长 200.0%，但班数未增加（4 → 4）"
    assert jump.rows[0]["year"] == 2019
    [cohort] = by_rule["cohort_jump"]
    assert cohort.rows[0]["grade"] == "P2" and cohort.rows[0]["source_row"] == 4
    assert cohort.message == "崇仁路小学（2420104001）2019 年 P2 有 140 人，上一年低一年级为 100 人（变化 +40.0%，超过 ±30%）"
    [ptr] = by_rule["pupil_teacher_ratio_outlier"]
    assert ptr.message == "崇仁路小学（2420104001）2019 年小学 300 名学生、5 名专任教师（生师比 60.00，合理范围 4–30）"
    missing = {(f.rows[0]["table"], f.rows[0]["year"]) for f in by_rule["missing_related_rows"]}
    assert missing == {("teachers", 2018), ("facilities", 2018)}
    [area] = by_rule["teaching_area_per_pupil"]
    assert area.message == ("崇仁路小学（2420104001）2019 年生均教学及辅助用房 0.33 ㎡（合理范围 1–40 ㎡：请核对面积单位是否为平方米）")
    [pop] = by_rule["population_cohort_jump"]
    assert pop.rows[0]["age"] == 5
    assert pop.message == "区域 420104 2019 年 5 岁常住人口 200，上一年 4 岁为 100（变化 +100.0%，超过 ±25%）"
    [value] = by_rule["implausible_value"]
    assert value.message.startswith("陈家墩学校（2420104002）2019 年“办学条件”的“占地面积”为 400000 平方米，通常 ≤300000（"
                                    "一所中小学：最大的校园约 1 平方公里")
    assert value.rows[0]["column"] == "land_area" and value.rows[0]["source_row"] == 4
    [idle] = by_rule["teachers_without_pupils"]
    assert idle.message == ("陈家墩学校（2420104002）2019 年有 500 名专任教师，但没有在校生数据（分年级学生数中没有该校该年的行）；"
                            "请核对学校标识码、年度，或补充分年级学生数")
    [opened] = by_rule["school_open_period"]
    assert opened.message == "崇仁路小学（2420104001）建校年份为 2049 年，但 2018、2019 年已有在校生；请核对建校年份"
    [jump5] = by_rule["year_on_year_jump"]
    assert jump5.message == ("陈家墩学校（2420104002）2019 年教学及辅助用房面积 1000 ㎡，只有上年 6000 ㎡的 17%"
                             "（一年变化 5 倍及以上，多为单位或录入错误）")
    # the 17 % teaching rooms are year_on_year_jump's only; the building's −12.5 % is a shrink
    [shrink] = by_rule["facilities_shrink"]
    assert shrink.message == ("陈家墩学校（2420104002）2019 年校舍建筑面积 7000 ㎡，比上年 8000 ㎡减少 1000 ㎡（-12.5%，"
                              "减少超过 10%）；学校的用地和校舍面积一般不会减少：请核对是否拆除/划出，或单位填错")
    assert shrink.rows == [{"table": "facilities", "year": 2019, "school_code": "2420104002", "column": "building_area",
                            "value": 7000.0, "source_row": 4, "batch_id": shrink.rows[0]["batch_id"]}]
    # limited to a year
    assert all(f.rows[0]["year"] == 2018 for f in run_rules(store, {2018}))


def test_import_reports_quality_warnings_but_loads(tmp_path):
    db = tmp_path / "q.duckdb"
    paths = [str(p) for p in write_small(tmp_path / "src", _data())]
    r = eduplan("import", *paths, "--db", db, "--format", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    # after an import, the soft-bound rule is not run again: the import already warned cell by cell
    assert doc["written"] and {f["rule"] for f in doc["quality"]} == {r.id for r in RULES} - {"implausible_value"}
    soft = [i for i in doc["warnings"] if i["type"] == "soft-range"]
    assert len(soft) == 1 and soft[0]["value"] == "400000", soft
    r = eduplan("quality", "--db", db, "--year", "2019")
    assert r.exit_code == 0 and "生师比" in r.stdout


def _facilities(year, school, building, teaching, sports, land=None):
    return {"year": year, "school_code": school, "land_area": land, "building_area": building, "teaching_area": teaching,
            "sports_area": sports, "equipment_value": 100.0, "books": 1000, "computers": 50, "classrooms": 20,
            "multimedia_rooms": 20}


def test_facilities_shrink_thresholds(store, tmp_path):
    """facilities_shrink on both sides of each threshold, worked by hand: a drop of more than 10 % (exactly 10 %
    is not), from at least 500 ㎡ the year before (499 ㎡ is not), consecutive years only, a missing area
    never compared, a drop to 1/5 or less left to year_on_year_jump."""
    A, B = S, "2420104002"
    data = {k: [dict(r) for r in v] for k, v in SMALL.items() if k in ("district", "zone", "school", "school_zone")}
    data["facilities"] = [
        # 建筑 10000 → 9000 (−10 % exactly: no) → 8099 (−10.01 %: yes) → 2021 5000 (2020 missing: no)
        # 运动场馆 500 → 449 (−10.2 % from the floor: yes) → 2019 404 (−10.02 % from 449 < 500: no)
        # 占地 10000 → 2000 (÷5: year_on_year_jump's) → 2019 blank (missing: no)
        _facilities(2017, A, 10000, 5000, 500, 10000), _facilities(2018, A, 9000, 5000, 449, 2000),
        _facilities(2019, A, 8099, 5000, 404), _facilities(2021, A, 5000, 1000, 404, 500),
        # 占地 10000 → 2001 (−80.0 %, still more than 1/5: yes); 教学用房 6000 → 5000 (−16.7 %: yes)
        _facilities(2018, B, 9000, 6000, 3000, 10000), _facilities(2019, B, 9000, 5000, 3000, 2001),
    ]
    assert import_files(store, write_small(tmp_path, data), user="u").ok
    tail = "；学校的用地和校舍面积一般不会减少：请核对是否拆除/划出，或单位填错"
    shrinks = [f for f in run_rules(store) if f.rule == "facilities_shrink"]
    assert [f.message for f in shrinks] == [
        "陈家墩学校（2420104002）2019 年占地面积 2001 ㎡，比上年 10000 ㎡减少 7999 ㎡（-80.0%，减少超过 10%）" + tail,
        "崇仁路小学（2420104001）2019 年校舍建筑面积 8099 ㎡，比上年 9000 ㎡减少 901 ㎡（-10.01%，减少超过 10%）" + tail,
        "陈家墩学校（2420104002）2019 年教学及辅助用房面积 5000 ㎡，比上年 6000 ㎡减少 1000 ㎡（-16.7%，减少超过 10%）" + tail,
        "崇仁路小学（2420104001）2018 年体育运动场馆面积 449 ㎡，比上年 500 ㎡减少 51 ㎡（-10.2%，减少超过 10%）" + tail,
    ]
    assert [(f.rows[0]["column"], f.rows[0]["source_row"]) for f in shrinks] == [
        ("land_area", 7), ("building_area", 4), ("teaching_area", 7), ("sports_area", 3)]
    # the ÷5 drop of 占地面积 is told once, by year_on_year_jump
    assert [f.rows[0]["school_code"] for f in run_rules(store) if f.rule == "year_on_year_jump"
            and f.rows[0]["column"] == "land_area"] == [A]
    # limited to the years asked
    assert [f.rows[0]["column"] for f in run_rules(store, {2018}) if f.rule == "facilities_shrink"] == ["sports_area"]
