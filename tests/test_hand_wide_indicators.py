"""Plan indicators on the widened hand-worked district (tests/hand_wide.py): the 公办 filter of the 编制缺口,
the 民办 school in the other indicators, the size ceilings (the nine-year school at 2,487 is under 2,500),
the 初中三年巩固率 from transfers and deaths, and the opening and the closing school counted only in
their years and in the zone they belonged to that year. Every figure worked by hand."""

from __future__ import annotations

import math

import pytest

from eduplan.indicators import compute, load_definitions
from eduplan.store import Store
from hand_wide import A, B, C, D, N, O, shared_store

EXACT = dict(rel=1e-12)


@pytest.fixture(scope="module")
def hand_wide_store(tmp_path_factory):
    return shared_store(tmp_path_factory)


@pytest.fixture(scope="module")
def values(hand_wide_store):
    with Store(hand_wide_store, read_only=True) as s:
        return compute(s, load_definitions()).values


def _row(values, indicator, year, unit=("district", D), bdim="", bval=""):
    v = values
    row = v[(v.indicator == indicator) & (v.year == year) & (v.unit_type == unit[0]) & (v.unit_code == unit[1])
            & (v.bdim == bdim) & (v.bval == bval)]
    assert len(row) <= 1
    return None if row.empty else row.iloc[0]


def _value(values, indicator, year, unit=("district", D), bdim="", bval=""):
    row = _row(values, indicator, year, unit, bdim, bval)
    assert row is not None, (indicator, year, unit, bdim, bval)
    return row.value


def test_primary_staffing_gap_counts_only_public_schools(values):
    # 2019 公办 小学: A 1,059 + N 1,687 + O 182 = 2,928 pupils, staff 62 + 95 + 10 = 167 (B 民办: 358, 20 out)
    # 2,928 / 19 − 167 = −12.8947… (with B: 3,286 / 19 − 187 = −14.05)
    assert _value(values, "staffing_gap_primary", 2019) == pytest.approx(2928 / 19 - 167, **EXACT)
    # 2017: A + N + C (2,040 pupils, 130 staff): 4,786 / 19 − 287
    assert _value(values, "staffing_gap_primary", 2017) == pytest.approx(4786 / 19 - 287, **EXACT)
    # zones 2019: QK01 A alone (B is 民办) 1,059 / 19 − 62; QK02 N + O 1,869 / 19 − 105
    assert _value(values, "staffing_gap_primary", 2019, ("zone", "QK01")) == pytest.approx(1059 / 19 - 62, **EXACT)
    assert _value(values, "staffing_gap_primary", 2019, ("zone", "QK02")) == pytest.approx(1869 / 19 - 105, **EXACT)
    # the 民办 school has no 编制缺口 of its own
    assert _row(values, "staffing_gap_primary", 2019, ("school", B)) is None
    assert _value(values, "staffing_gap_primary", 2019, ("school", A)) == pytest.approx(1059 / 19 - 62, **EXACT)
    # 初中 (all 公办): (800 + 597) / 13.5 − (70 + 54)
    assert _value(values, "staffing_gap_junior", 2019) == pytest.approx(1397 / 13.5 - 124, **EXACT)


def test_the_private_school_counts_in_the_pupil_teacher_ratio(values):
    # 2019 小学: 3,286 pupils / (56 + 18 + 86 + 9) = 169 teachers; by 办学性质 民办 358 / 18, 公办 2,928 / 151
    assert _value(values, "pupil_teacher_ratio_primary", 2019) == pytest.approx(3286 / 169, **EXACT)
    assert _value(values, "pupil_teacher_ratio_primary", 2019, bdim="ownership", bval="民办") == pytest.approx(
        358 / 18, **EXACT)
    assert _value(values, "pupil_teacher_ratio_primary", 2019, bdim="ownership", bval="公办") == pytest.approx(
        2928 / 151, **EXACT)
    # the nine-year school's teachers are counted in the section where they teach: 初中 (800 + 597) / (62 + 48)
    assert _value(values, "pupil_teacher_ratio_junior", 2019) == pytest.approx(1397 / 110, **EXACT)
    assert _value(values, "pupil_teacher_ratio_junior", 2019, ("school", N)) == pytest.approx(800 / 62, **EXACT)


# 小学 pupils / 小学 teachers by year and unit. C (2,040 pupils, 120 teachers) has data 2016–2017 and is in
# QK02 in 2016, QK01 in 2017; O (90 pupils in 2018, 182 in 2019; 9 teachers) is in QK02 from 2018.
PRIMARY_RATIO = {
    # year: (district, QK01, QK02)
    2016: (5144 / 280, 1417 / 74, (1687 + 2040) / (86 + 120)),
    2017: (5144 / 280, (1417 + 2040) / (74 + 120), 1687 / 86),
    2018: ((1417 + 1687 + 90) / 169, 1417 / 74, (1687 + 90) / 95),
    2019: (3286 / 169, 1417 / 74, 1869 / 95),
}


@pytest.mark.parametrize("year", sorted(PRIMARY_RATIO))
def test_opening_and_closing_school_in_their_years_and_zones(values, year):
    district, qk01, qk02 = PRIMARY_RATIO[year]
    assert _value(values, "pupil_teacher_ratio_primary", year) == pytest.approx(district, **EXACT)
    assert _value(values, "pupil_teacher_ratio_primary", year, ("zone", "QK01")) == pytest.approx(qk01, **EXACT)
    assert _value(values, "pupil_teacher_ratio_primary", year, ("zone", "QK02")) == pytest.approx(qk02, **EXACT)
    # a school counts only in the years it has pupils: C 2016–2017 (340 × 6 / 120 = 17), O 2018–2019
    c, o = _row(values, "pupil_teacher_ratio_primary", year, ("school", C)), \
        _row(values, "pupil_teacher_ratio_primary", year, ("school", O))
    assert (c is not None, o is not None) == (year <= 2017, year >= 2018)
    if c is not None:
        assert c.value == 17.0
    if o is not None:
        assert o.value == pytest.approx({2018: 90 / 9, 2019: 182 / 9}[year], **EXACT)


def test_facilities_follow_the_same_membership(values):
    # 多媒体教室覆盖率 2017: QK01 = A + B + J + C rooms (26 + 12 + 13 + 40) / classrooms (26 + 12 + 12 + 48);
    # QK02 = N 62 / 60; 2019: QK01 = A + B + J 51 / 50, QK02 = N + O (62 + 24) / (60 + 24)
    assert _value(values, "multimedia_classroom_coverage", 2017, ("zone", "QK01")) == pytest.approx(
        91 / 98 * 100, **EXACT)
    assert _value(values, "multimedia_classroom_coverage", 2017, ("zone", "QK02")) == pytest.approx(
        62 / 60 * 100, **EXACT)
    assert _value(values, "multimedia_classroom_coverage", 2019, ("zone", "QK01")) == pytest.approx(
        51 / 50 * 100, **EXACT)
    assert _value(values, "multimedia_classroom_coverage", 2019, ("zone", "QK02")) == pytest.approx(
        86 / 84 * 100, **EXACT)
    # 生均教育支出 (all pupils of all levels): 2017 (5,144 + 1,397) pupils, 2019 (3,286 + 1,397)
    assert _value(values, "per_pupil_education_budget", 2017) == pytest.approx(20000 * 10000 / 6541, **EXACT)
    assert _value(values, "per_pupil_education_budget", 2019) == pytest.approx(20000 * 10000 / 4683, **EXACT)


def test_size_ceilings_the_closing_school_over_the_nine_year_school_under(values):
    # C (小学, 2,040 > 2,000) in 2016 (QK02) and 2017 (QK01); N (九年一贯制, 义务段 1,687 + 800 = 2,487 ≤ 2,500)
    # never — at the 2,000 ceiling of a single-level school it would be over in every year
    by_year = {t: _value(values, "oversized_schools", t) for t in (2016, 2017, 2018, 2019)}
    assert by_year == {2016: 1, 2017: 1, 2018: 0, 2019: 0}
    assert _value(values, "oversized_schools", 2016, ("zone", "QK02")) == 1
    assert _value(values, "oversized_schools", 2016, ("zone", "QK01")) == 0
    assert _value(values, "oversized_schools", 2017, ("zone", "QK01")) == 1
    assert _value(values, "oversized_schools", 2017, ("zone", "QK02")) == 0


def test_junior_retention_from_transfers_and_deaths(values):
    # 2019: graduates (J3 row 2019) N 260 + J 197 = 457; the cohort's 转入 on the J1 row of 2017, the J2 row
    # of 2018 and the J3 row of 2019: N 3 + 2 + 1, J 2 + 3 + 1 = 12; 转出 N 5 + 4 + 2, J 3 + 2 + 2 = 18;
    # deaths N 0 + 1 + 0 = 1; 初一 of 2016: 270 + 200 = 470
    # (457 − 12 + 18) / (470 − 1) × 100 = 463 / 469 × 100 = 98.72
    r = _row(values, "junior_retention_rate", 2019)
    assert (r.numerator, r.denominator) == (463, 469)
    assert r.value == pytest.approx(463 / 469 * 100, **EXACT)
    # 2016–2018 would need the 初一 of 2013–2015: no figure
    assert all(math.isnan(_value(values, "junior_retention_rate", t)) for t in (2016, 2017, 2018))


def test_complete_secondary_school_junior_section_over_the_ceiling(tmp_path):
    """methods.md §1.4: 学校规模 小学、初中 ≤ 2,000; a 完全中学 is evaluated by its 初中部 (balance scope_types:
    341 只计初中部), so 3 × 670 = 2,010 初中 pupils (its 400 高中 pupils aside) are over 2,000 — as the
    checklist already says. Indicator and checklist must agree."""
    from eduplan.balance import evaluate_store
    from eduplan.ingest import import_files
    from helpers import write_small

    code = "2420104201"

    def row(grade, pupils, classes):
        return {"year": 2019, "school_code": code, "grade": grade, "classes": classes, "male": pupils // 2,
                "female": pupils - pupils // 2, "pupils": pupils, "classes_over_norm": 0}

    data = {"district": [{"district_code": D, "district_name": "硚口区"}],
            "school": [{"school_code": code, "school_name": "武汉市第十一中学", "type_code": "341", "ownership": "公办",
                        "district_code": D}],
            "enrolment": [row("J1", 670, 14), row("J2", 670, 14), row("J3", 670, 14), row("S1", 400, 8)]}
    with Store(tmp_path / "t.duckdb") as s:
        assert import_files(s, write_small(tmp_path, data), user="统计科").ok
        item = {r.item.id: r for r in evaluate_store(s, 2019).checklist}["G04_school_size"]
        assert (item.status, item.detail) == ("未达标", "超规模学校：武汉市第十一中学（2010 人 > 2000）")
        values = compute(s, load_definitions(), ["oversized_schools"]).values
    assert _value(values, "oversized_schools", 2019) == 1
