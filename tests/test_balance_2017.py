"""The 2017 优质均衡 method (methods.md §1): school compliance, the per-level coefficients against 0.50 /
0.45, splitting schools that span levels, the scope exclusions and the mapping from the store."""

from __future__ import annotations

import pytest

from eduplan.balance import evaluate_records
from eduplan.balance.data import SchoolRecord, facility_shares, records_from_store, split_units
from eduplan.balance.method2017 import compliance
from eduplan.balance.settings import STANDARDS_2017, BalanceSettings

S = BalanceSettings()
# A 小学 section of 1000 pupils exactly at every standard: L1 4.2, L2 1.0, L3 0.9 per 100 pupils,
# L4 4.5 ㎡, L5 7.5 ㎡, L6 2000 元, L7 2.3 rooms per 100 pupils.
AT_STANDARD = dict(teachers=50.0, qual=42.0, backbone=10.0, pe_art=9.0, senior_title=20.0)
FACILITIES = dict(teaching_area=4500.0, sports_area=7500.0, equipment=2_000_000.0, multimedia_rooms=23.0,
                  computers=100.0, books=30000.0)


def school(name: str, type_code: str = "211", pupils=None, sections=None, facilities=None) -> SchoolRecord:
    pupils = pupils or {"小学": 1000}
    sections = sections or {lvl: dict(AT_STANDARD) for lvl in ("小学", "初中") if lvl in pupils}
    return SchoolRecord(name, name, type_code, pupils, sections, dict(facilities or FACILITIES))


def one_school(**facility) -> dict:
    r = evaluate_records([school("甲", facilities={**FACILITIES, **facility})], "2017", S)
    return r.levels["小学"].schools[0]


def test_a_school_at_every_standard_is_compliant():
    s = one_school()
    assert s.met == 7 and s.compliant is True and s.misses == []


def test_six_of_seven_with_the_seventh_at_84_percent_is_not_compliant():
    # sports area 6300 ㎡ / 1000 pupils = 6.3 ㎡ = 84 % of 7.5
    s = one_school(sports_area=6300.0)
    assert s.met == 6 and s.compliant is False
    (miss,) = s.misses
    assert miss.indicator == "L5" and miss.ratio == pytest.approx(0.84) and not miss.above_floor
    assert miss.total_gap == pytest.approx(1200.0)  # ㎡ short of the standard for 1000 pupils


def test_six_of_seven_with_the_seventh_at_86_percent_is_compliant():
    s = one_school(sports_area=6450.0)  # 6.45 / 7.5 = 86 %
    assert s.met == 6 and s.compliant is True
    assert s.misses[0].ratio == pytest.approx(0.86) and s.misses[0].above_floor


def test_exactly_85_percent_counts_as_reaching_the_floor():
    assert one_school(sports_area=6375.0).compliant is True  # 6.375 / 7.5 = 85 % exactly


def test_two_indicators_short_is_not_compliant_even_when_close():
    s = one_school(sports_area=7400.0, teaching_area=4400.0)  # 98.7 % and 97.8 %
    assert s.met == 5 and s.compliant is False


def test_compliance_with_an_unknown_value():
    std = STANDARDS_2017["小学"]
    values = {k: v for k, v in std.items()}
    values["L7"] = None
    assert compliance(values, std, S) == (None, None)  # cannot be decided
    values["L5"], values["L4"] = 0.5 * std["L5"], 0.5 * std["L4"]
    assert compliance(values, std, S)[1] is False  # two misses known: decided


def test_nine_year_school_split_by_1_to_1_1():
    # 600 primary and 400 junior pupils: weighted 600 and 1.1 × 400 = 440 → shares 600/1040 and 440/1040.
    # Teaching area 10400 ㎡ → 小学 6000 ㎡ (10 ㎡/生), 初中 4400 ㎡ (11 ㎡/生).
    rec = school("九年", "312", pupils={"小学": 600, "初中": 400},
                 facilities={**FACILITIES, "teaching_area": 10400.0})
    assert facility_shares(rec, S) == pytest.approx({"小学": 600 / 1040, "初中": 440 / 1040})
    units, _ = split_units([rec], S)
    by_level = {u.level: u for u in units}
    assert by_level["小学"].totals["teaching_area"] == pytest.approx(6000.0)
    assert by_level["初中"].totals["teaching_area"] == pytest.approx(4400.0)
    r = evaluate_records([rec], "2017", S)
    assert r.levels["小学"].schools[0].values["L4"] == pytest.approx(10.0)
    assert r.levels["初中"].schools[0].values["L4"] == pytest.approx(11.0)
    # teachers stay in their own section: 42 qualified per section → 7.0 and 10.5 per 100 pupils
    assert r.levels["小学"].schools[0].values["L1"] == pytest.approx(7.0)
    assert r.levels["初中"].schools[0].values["L1"] == pytest.approx(10.5)


def test_complete_school_and_twelve_year_school_weights():
    # 完全中学 初中 500, 高中 500: 1 : 1.2 → 初中 share 500 / 1100
    full = school("完中", "341", pupils={"初中": 500, "高中": 500})
    assert facility_shares(full, S)["初中"] == pytest.approx(500 / 1100)
    # 十二年一贯制 100 : 100 : 100 pupils → weights 1 : 1.1 : 1.32 → 小学 100 / 342
    twelve = school("十二年", "345", pupils={"小学": 100, "初中": 100, "高中": 100})
    assert facility_shares(twelve, S)["小学"] == pytest.approx(100 / 342)
    units, _ = split_units([full, twelve], S)
    assert sorted((u.name, u.level) for u in units) == [("十二年", "初中"), ("十二年", "小学"), ("完中", "初中")]


def test_weights_are_a_setting():
    rec = school("九年", "312", pupils={"小学": 600, "初中": 400})
    equal = BalanceSettings(level_weights={"小学": 1.0, "初中": 1.0, "高中": 1.0})
    assert facility_shares(rec, equal)["小学"] == pytest.approx(0.6)


def test_scope_exclusions():
    recs = [school("特教", "514", pupils={"小学": 80, "初中": 40}),
            school("职教", "361", pupils={"初中": 0}),
            school("教学点小", "218", pupils={"小学": 49}),
            school("教学点大", "218", pupils={"小学": 50}),
            school("幼儿园", "111", pupils={"小学": 0}),
            school("高中", "342", pupils={"高中": 900}),
            school("小学", "211")]
    units, excluded = split_units(recs, S)
    assert {u.name for u in units} == {"教学点大", "小学"}
    reasons = {e.name: e.reason for e in excluded}
    assert reasons["特教"].startswith("特殊教育学校") and reasons["教学点小"].startswith("教学点学生不足 50")
    assert "幼儿园" not in reasons and "高中" not in reasons  # not compulsory, nothing to report
    assert split_units(recs, BalanceSettings(teaching_point_min_pupils=60))[0][0].name == "小学"


def test_level_passes_only_with_every_coefficient_within_threshold():
    # two 小学 schools, equal size, sports 10 and 5 ㎡/生 → X̄ 7.5, S 2.5, CV 1/3 ≤ 0.50;
    # the second misses only L5 at 67 % → not compliant → the level fails on schools, not on CVs
    a = school("甲", facilities={**FACILITIES, "sports_area": 10000.0})
    b = school("乙", facilities={**FACILITIES, "sports_area": 5000.0})
    lr = evaluate_records([a, b], "2017", S).levels["小学"]
    l5 = lr.indicator("L5")
    assert (l5.mean, l5.sd, l5.cv) == pytest.approx((7.5, 2.5, 1 / 3))
    assert l5.passed and lr.cv_passed and lr.schools_passed is False and lr.passed is False
    # sports 12.5 and 2.5 → X̄ 7.5, S 5, CV 0.667 > 0.50
    b2 = school("乙", facilities={**FACILITIES, "sports_area": 2500.0})
    a2 = school("甲", facilities={**FACILITIES, "sports_area": 12500.0})
    l5 = evaluate_records([a2, b2], "2017", S).levels["小学"].indicator("L5")
    assert l5.cv == pytest.approx(2 / 3) and l5.passed is False
    # the composite (plan coefficient) is the mean of the seven: six are 0, L5 is 2/3 → 2/21
    assert evaluate_records([a2, b2], "2017", S).levels["小学"].composite == pytest.approx(2 / 21)


def test_junior_threshold_is_0_45():
    # 初中 sports 14.79 and 5.61 ㎡ for equal enrolments → X̄ 10.2, CV 4.59/10.2 = 0.45 exactly: passes
    a = school("甲", "311", pupils={"初中": 1000}, facilities={**FACILITIES, "sports_area": 14790.0})
    b = school("乙", "311", pupils={"初中": 1000}, facilities={**FACILITIES, "sports_area": 5610.0})
    l5 = evaluate_records([a, b], "2017", S).levels["初中"].indicator("L5")
    assert l5.cv == pytest.approx(0.45) and l5.passed and l5.threshold == 0.45


def _rows(store, tables: dict) -> None:
    for name, rows in tables.items():
        for i, r in enumerate(rows):
            r.setdefault("source_row", i + 2)
    store.write_batch([{"file_name": "t.xlsx", "sha256": "x", "tables": tables}], user="test")


def test_mapping_from_the_store(store):
    # one nine-year school: 小学 600, 初中 400 pupils; per section q_postgrad 2, q_bachelor 30, q_college 10,
    # bb 3 + 1 + 1, pe 3 music 2 art 1; facilities 10400 ㎡ teaching, 260 万元 equipment
    _rows(store, {
        "school": [{"school_code": "2420104999", "school_name": "九年", "type_code": "312", "ownership": "公办",
                    "district_code": "420104"}],
        "enrolment": [{"year": 2019, "school_code": "2420104999", "grade": g, "pupils": n, "classes": 2,
                       "male": n // 2, "female": n - n // 2} for g, n in (("P1", 600), ("J1", 400))],
        "teachers": [{"year": 2019, "school_code": "2420104999", "section": sec, "staff": 50, "teachers": 45,
                      "q_postgrad": 2, "q_bachelor": 30, "q_college": 10, "q_secondary": 3, "t_senior_full": 1,
                      "t_senior": 5, "t_first": 14, "pe": 3, "music": 2, "art": 1, "bb_district": 3, "bb_city": 1,
                      "bb_province": 1} for sec in ("小学", "初中")],
        "facilities": [{"year": 2019, "school_code": "2420104999", "building_area": 20000.0, "teaching_area": 10400.0,
                        "sports_area": 8000.0, "equipment_value": 260.0, "books": 30000, "computers": 100,
                        "classrooms": 20, "multimedia_rooms": 26}],
    })
    records, notes = records_from_store(store, 2019, S)
    assert notes == []
    (rec,) = records
    assert rec.sections["小学"]["qual"] == 42  # 研究生 + 本科 + 专科 (专科及以上)
    assert rec.sections["初中"]["qual"] == 32  # 研究生 + 本科 (本科及以上)
    assert rec.sections["小学"]["backbone"] == 5 and rec.sections["初中"]["pe_art"] == 6
    assert rec.sections["小学"]["senior_title"] == 20  # 正高级 + 高级 + 一级
    assert rec.facilities["equipment"] == pytest.approx(2_600_000.0)  # 万元 → 元
    r = evaluate_records(records, "2017", S)
    p, j = r.levels["小学"].schools[0].values, r.levels["初中"].schools[0].values
    assert p["L1"] == pytest.approx(7.0) and j["L1"] == pytest.approx(8.0)
    assert p["L6"] == pytest.approx(2_600_000 * 600 / 1040 / 600)  # 2500 元 each
    assert j["L7"] == pytest.approx(26 * 440 / 1040 / 400 * 100)
