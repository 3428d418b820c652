"""Boundary tests of the 优质均衡 / 基本均衡 policy numbers (../shared/domain/methods.md §1–§2): a case on each
side of every threshold, worked by hand in the comments, through the public evaluators (evaluate_records,
the checklist). Schools are SchoolRecords built here, so every figure is exact and the tests run in
milliseconds.

Numbers covered: the seven 2017 standards (L1–L7), the school rule "6 of 7 and the rest ≥ 85 %", the single
coefficient thresholds 0.50 (小学) / 0.45 (初中), the 2012 composite thresholds 0.65 / 0.55, the student
weighting of the coefficient, the 1 : 1.1 splitting of a nine-year school's facilities, the 50-pupil
教学点 rule, the school-size ceilings 2000 / 2500 (九年一贯制, 十二年一贯制 义务段) of checklist item G04.
"""

from __future__ import annotations

import math

import pytest

from eduplan.balance import BalanceSettings, SchoolRecord, evaluate_records
from eduplan.balance.checklist import PASS, FAIL, evaluate_checklist_file

SETTINGS = BalanceSettings()
STD = {"小学": {"L1": 4.2, "L2": 1.0, "L3": 0.9, "L4": 4.5, "L5": 7.5, "L6": 2000.0, "L7": 2.3},
       "初中": {"L1": 5.3, "L2": 1.0, "L3": 0.9, "L4": 5.8, "L5": 10.2, "L6": 2500.0, "L7": 2.4}}
TYPE = {"小学": "211", "初中": "311"}


def school(code: str, level: str, pupils: int, **per_student: float) -> SchoolRecord:
    """A one-level school whose per-student values are the level's standards, except those given.
    Raw totals = value × pupils (÷ 100 for the 每百名 indicators L1, L2, L3, L7); L6 is in 元."""
    v = {**STD[level], **per_student}
    teachers = {"teachers": pupils / 10, "qual": v["L1"] * pupils / 100, "backbone": v["L2"] * pupils / 100,
                "pe_art": v["L3"] * pupils / 100, "senior_title": pupils / 20}
    facilities = {"teaching_area": v["L4"] * pupils, "sports_area": v["L5"] * pupils, "equipment": v["L6"] * pupils,
                  "multimedia_rooms": v["L7"] * pupils / 100, "computers": pupils / 10, "books": 30.0 * pupils}
    return SchoolRecord(code, f"学校{code}", TYPE[level], {level: pupils}, {level: teachers}, facilities)


def level_of(records, level, method="2017"):
    return evaluate_records(records, method, SETTINGS).levels[level]


# ------------------------------------------------------------------ the school rule: 6 of 7, the rest ≥ 85 %

@pytest.mark.parametrize("level", ["小学", "初中"])
def test_a_school_exactly_at_every_standard_is_compliant(level):
    lr = level_of([school("1", level, 1000)], level)
    [s] = lr.schools
    # every x_i equals its standard: 7 of 7 reached (a value at the standard reaches it)
    assert (s.met, s.compliant, s.misses) == (7, True, [])
    assert s.values == pytest.approx(STD[level], rel=1e-12)


@pytest.mark.parametrize("level,ind", [(lvl, i) for lvl in ("小学", "初中") for i in STD["小学"]])
def test_each_standard_one_step_below_is_a_miss(level, ind):
    # one indicator 1 % below its standard, the other six at it: 6 reached, the seventh at 99 % ≥ 85 %
    # → still 达标, with one miss whose gap is exactly 1 % of the standard
    std = STD[level][ind]
    lr = level_of([school("1", level, 1000, **{ind: std * 0.99})], level)
    [s] = lr.schools
    assert (s.met, s.compliant) == (6, True)
    [m] = s.misses
    assert (m.indicator, m.standard) == (ind, std)
    assert m.per_student_gap == pytest.approx(std * 0.01, rel=1e-9)
    assert m.ratio == pytest.approx(0.99, rel=1e-12) and m.above_floor is True


def test_the_85_percent_floor_on_each_side():
    # 小学 L4 生均教学及辅助用房 standard 4.5 ㎡; 85 % of it = 3.825 ㎡.
    # at the floor: 1,000 pupils × 3.825 = 3,825 ㎡ → 6 reached + 1 at 85 % → 达标
    at = level_of([school("1", "小学", 1000, L4=3.825)], "小学").schools[0]
    assert (at.met, at.compliant) == (6, True)
    [m] = at.misses
    # gap per student 4.5 − 3.825 = 0.675 ㎡; for the school's 1,000 pupils 675 ㎡
    assert m.per_student_gap == pytest.approx(0.675, abs=1e-12)
    assert m.total_gap == pytest.approx(675.0, abs=1e-9)
    assert m.above_floor is True
    # one ㎡ less: 3,824 ㎡ → 3.824 < 3.825 → below the floor → 未达标 (6 reached is not enough)
    below = level_of([school("1", "小学", 1000, L4=3.824)], "小学").schools[0]
    assert (below.met, below.compliant) == (6, False)
    assert below.misses[0].above_floor is False
    assert below.misses[0].total_gap == pytest.approx(676.0, abs=1e-9)


def test_6_of_7_is_the_minimum():
    # two indicators at 99 %: 5 reached < 6 → 未达标 although both are above the 85 % floor
    s = level_of([school("1", "初中", 1000, L1=5.3 * 0.99, L7=2.4 * 0.99)], "初中").schools[0]
    assert (s.met, s.compliant) == (5, False)
    assert [m.indicator for m in s.misses] == ["L1", "L7"]
    assert all(m.above_floor for m in s.misses)


def test_level_passes_only_when_every_school_is_compliant():
    ok = school("1", "小学", 1000)
    bad = school("2", "小学", 1000, L4=3.824)  # below the floor (see above); identical schools otherwise
    # L4: x = 4.5 and 3.824 for equal pupils: X̄ = 4.162, S = 0.338, CV = 0.0812 ≤ 0.50 — the coefficients pass
    lr = level_of([ok, bad], "小学")
    assert lr.indicator("L4").cv == pytest.approx(0.338 / 4.162, rel=1e-12)
    assert (lr.cv_passed, lr.schools_passed, lr.passed, lr.compliant_count) == (True, False, False, 1)


# ------------------------------------------------------------------ the single coefficients: 0.50 / 0.45

def pair(level: str, a: float, b: float) -> list[SchoolRecord]:
    """Two schools of 100 pupils each whose L4 (生均教学及辅助用房) is a and b ㎡ per pupil."""
    return [school("1", level, 100, L4=a), school("2", level, 100, L4=b)]


def test_primary_coefficient_at_and_past_050():
    # x = 9 and 3, equal weights: X̄ = 6, S = sqrt(½·3² + ½·3²) = 3, CV = 3 / 6 = 0.50 → within (≤ 0.50)
    at = level_of(pair("小学", 9.0, 3.0), "小学").indicator("L4")
    assert (at.mean, at.sd, at.cv, at.threshold, at.passed) == (6.0, 3.0, 0.5, 0.5, True)
    # x = 9.01 and 2.99: S = 3.01, CV = 3.01 / 6 = 0.50167 > 0.50 → fails
    past = level_of(pair("小学", 9.01, 2.99), "小学")
    assert past.indicator("L4").cv == pytest.approx(3.01 / 6, rel=1e-12)
    assert past.indicator("L4").passed is False
    assert (past.cv_passed, past.passed) == (False, False)


def test_junior_coefficient_at_and_past_045():
    # x = 8.7 and 3.3: X̄ = 6, S = 2.7, CV = 0.45 → within (≤ 0.45)
    at = level_of(pair("初中", 8.7, 3.3), "初中").indicator("L4")
    assert at.cv == pytest.approx(0.45, abs=1e-12)
    assert (at.threshold, at.passed) == (0.45, True)
    # x = 8.71 and 3.29: CV = 2.71 / 6 = 0.45167 > 0.45 → fails for 初中 …
    past = level_of(pair("初中", 8.71, 3.29), "初中").indicator("L4")
    assert past.cv == pytest.approx(2.71 / 6, rel=1e-12) and past.passed is False
    # … while the same spread is within the 小学 threshold 0.50
    assert level_of(pair("小学", 8.71, 3.29), "小学").indicator("L4").passed is True


def test_the_coefficient_is_weighted_by_enrolment():
    # L4 totals R = 1,000 ㎡ and 900 ㎡ for P = 100 and 300 pupils: x = 10 and 3.
    # weighted (methods.md §1.2): X̄ = 1,900 / 400 = 4.75; S² = ¼·(10 − 4.75)² + ¾·(3 − 4.75)²
    #   = ¼·27.5625 + ¾·3.0625 = 6.890625 + 2.296875 = 9.1875; CV = sqrt(9.1875) / 4.75 = 0.638117…
    # unweighted it would be X̄ = 6.5, S = 3.5, CV = 0.538; the sample (n − 1) form 0.761
    recs = [school("1", "小学", 100, L4=10.0), school("2", "小学", 300, L4=3.0)]
    ind = level_of(recs, "小学").indicator("L4")
    assert ind.mean == pytest.approx(4.75, abs=1e-12)
    assert ind.sd == pytest.approx(math.sqrt(9.1875), abs=1e-12)
    assert ind.cv == pytest.approx(math.sqrt(9.1875) / 4.75, abs=1e-12)
    assert round(ind.cv, 3) == 0.638 and ind.passed is False  # 0.638 > 0.50
    # the variance shares: 6.890625 / 9.1875 = 0.75 and 2.296875 / 9.1875 = 0.25
    assert [s.share for s in ind.schools] == pytest.approx([0.75, 0.25], abs=1e-12)


# ------------------------------------------------------------------ 2012: composite 0.65 / 0.55

def pair_2012(level: str, high: float, low: float) -> list[SchoolRecord]:
    """Two schools of 100 pupils; every one of the eight raw totals is `high` at the first and `low` at the
    second, so each of the eight coefficients is (high − low) / (high + low) and so is their mean."""
    recs = []
    for code, k in (("1", high), ("2", low)):
        teachers = {q: k for q in ("teachers", "qual", "backbone", "pe_art", "senior_title")}
        facilities = {q: k for q in ("teaching_area", "sports_area", "equipment", "multimedia_rooms", "computers",
                                     "books")}
        recs.append(SchoolRecord(code, f"学校{code}", TYPE[level], {level: 100}, {level: teachers}, facilities))
    return recs


@pytest.mark.parametrize("level,at,past,threshold", [
    # 小学: 165 and 35 per 100 pupils → X̄ = 1, S = 0.65, CV = 0.65 each, composite 0.65 → ≤ 0.65 passes;
    #        166 and 34 → 0.66 > 0.65 fails
    ("小学", (165.0, 35.0), (166.0, 34.0), 0.65),
    # 初中: 155 and 45 → 0.55 passes; 156 and 44 → 0.56 > 0.55 fails
    ("初中", (155.0, 45.0), (156.0, 44.0), 0.55),
])
def test_2012_composite_at_and_past_the_threshold(level, at, past, threshold):
    lr = level_of(pair_2012(level, *at), level, "2012")
    assert len(lr.indicators) == 8 and all(i.cv == pytest.approx(threshold, abs=1e-12) for i in lr.indicators)
    assert lr.official_composite == pytest.approx(threshold, abs=1e-12)
    assert (lr.official_threshold, lr.cv_passed, lr.passed) == (threshold, True, True)
    lr = level_of(pair_2012(level, *past), level, "2012")
    assert lr.official_composite == pytest.approx(threshold + 0.01, abs=1e-12)
    assert (lr.cv_passed, lr.passed) == (False, False)


def test_2012_junior_composite_056_passes_for_primary():
    # the 初中 case just past 0.55 (0.56) is well within the 小学 threshold 0.65
    lr = level_of(pair_2012("小学", 156.0, 44.0), "小学", "2012")
    assert lr.official_composite == pytest.approx(0.56, abs=1e-12) and lr.passed is True


# ------------------------------------------------------------------ nine-year schools: the 1 : 1.1 split

def test_nine_year_school_splits_facilities_one_to_1_1():
    # a 312 school with A = 1,000 小学 and B = 500 初中 pupils and 10,500 ㎡ of teaching rooms:
    # 小学 share A / (A + 1.1·B) = 1,000 / 1,550; 初中 share 550 / 1,550
    # → 小学 10,500 × 1,000 / 1,550 = 6,774.19 ㎡ = 6.77419 ㎡/生; 初中 10,500 × 550 / 1,550 / 500 = 7.45161 ㎡/生
    t = {"teachers": 10.0, "qual": 50.0, "backbone": 10.0, "pe_art": 9.0, "senior_title": 5.0}
    r = SchoolRecord("9", "九年一贯制学校", "312", {"小学": 1000, "初中": 500}, {"小学": dict(t), "初中": dict(t)},
                     {"teaching_area": 10_500.0, "sports_area": 0.0, "equipment": 0.0, "multimedia_rooms": 0.0,
                      "computers": 0.0, "books": 0.0})
    res = evaluate_records([r], "2017", SETTINGS)
    assert res.levels["小学"].schools[0].facility_share == pytest.approx(1000 / 1550, abs=1e-12)
    assert res.levels["小学"].schools[0].values["L4"] == pytest.approx(10_500 / 1550, abs=1e-12)
    assert res.levels["初中"].schools[0].values["L4"] == pytest.approx(10_500 * 550 / 1550 / 500, abs=1e-12)


# ------------------------------------------------------------------ scope: 教学点 under 50 pupils

def test_teaching_point_of_50_is_evaluated_and_of_49_is_not():
    def point(n):
        r = school("7", "小学", n)
        r.type_code = "218"
        return r
    res = evaluate_records([school("1", "小学", 1000), point(50)], "2017", SETTINGS)
    # 50 pupils: not "fewer than 50" → in scope, two 小学 units
    assert [s.code for s in res.levels["小学"].schools] == ["1", "7"] and res.excluded == []
    res = evaluate_records([school("1", "小学", 1000), point(49)], "2017", SETTINGS)
    assert [s.code for s in res.levels["小学"].schools] == ["1"]
    assert [(e.code, e.reason) for e in res.excluded] == [("7", "教学点学生不足 50 人，不参评")]


# ------------------------------------------------------------------ G04 school size: 2000 / 2500

def size_item(records):
    [item] = [i for i in evaluate_checklist_file(records, SETTINGS) if i.item.id == "G04_school_size"]
    return item.status, item.value, item.detail


def sized(code: str, type_code: str, **pupils: int) -> SchoolRecord:
    return SchoolRecord(code, f"学校{code}", type_code, dict(pupils), {}, {})


@pytest.mark.parametrize("type_code,level", [("211", "小学"), ("311", "初中")])
def test_school_size_2000(type_code, level):
    # 2,000 pupils: not over the ceiling → 达标; 2,001 → 未达标 naming the school and the ceiling
    assert size_item([sized("1", type_code, **{level: 2000})]) == (PASS, 0.0, "所有学校规模符合")
    assert size_item([sized("1", type_code, **{level: 2001})]) == (FAIL, 1.0, "超规模学校：学校1（2001 人 > 2000）")


def test_nine_year_school_size_2500():
    # a 九年一贯制 school is held to 2,500 (义务段): 1,500 + 1,000 = 2,500 → 达标; 2,001–2,500 is not
    # over (it would be for a 小学); 1,500 + 1,001 = 2,501 → 未达标
    assert size_item([sized("9", "312", 小学=1500, 初中=1000)]) == (PASS, 0.0, "所有学校规模符合")
    assert size_item([sized("9", "312", 小学=1200, 初中=801)]) == (PASS, 0.0, "所有学校规模符合")
    assert size_item([sized("9", "312", 小学=1500, 初中=1001)]) == (FAIL, 1.0, "超规模学校：学校9（2501 人 > 2500）")


def test_twelve_year_school_counts_only_its_compulsory_pupils():
    # 十二年一贯制 345: 1,500 小学 + 1,000 初中 = 2,500 义务段 (the 800 高中 pupils are not counted) → 达标
    assert size_item([sized("12", "345", 小学=1500, 初中=1000, 高中=800)]) == (PASS, 0.0, "所有学校规模符合")
    assert size_item([sized("12", "345", 小学=1500, 初中=1001, 高中=800)]) == (
        FAIL, 1.0, "超规模学校：学校12（2501 人 > 2500）")


def test_the_ceilings_are_the_indicator_settings(tmp_path):
    # a bureau that lowers the nine-year ceiling to 2,000 in its settings file fails a 2,001-pupil 九年一贯制
    # school in the checklist too (one setting for the indicator oversized_schools and item G04)
    from eduplan.settings import use_settings_file

    f = tmp_path / "settings.yaml"
    f.write_text("indicators:\n  through_school_size_ceiling: 2000\n  school_size_ceiling: 1500\n", encoding="utf-8")
    use_settings_file(f)
    try:
        assert size_item([sized("9", "312", 小学=1200, 初中=801)]) == (FAIL, 1.0, "超规模学校：学校9（2001 人 > 2000）")
        assert size_item([sized("1", "211", 小学=1501)]) == (FAIL, 1.0, "超规模学校：学校1（1501 人 > 1500）")
        assert size_item([sized("1", "211", 小学=1500)]) == (PASS, 0.0, "所有学校规模符合")
    finally:
        use_settings_file(None)
    assert size_item([sized("9", "312", 小学=1200, 初中=801)]) == (PASS, 0.0, "所有学校规模符合")
