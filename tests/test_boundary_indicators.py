"""Boundary tests of the indicator engine's policy numbers, on a small district imported from real workbooks,
every figure worked by hand: the 编制 norms 1 : 19 / 13.5 / 12.5 (staffing gaps exactly 0 at the norm and
1/19 one pupil past it; 公办 schools only — a 民办 小学 is left out), the 生师比, and the school-size ceilings
2000 (小学, 初中) and 2500 (九年一贯制 / 十二年一贯制 义务段) of `oversized_schools`.

District 420104, zones QK01 / QK02:
  2019 (staffing)  A 211 公办 380 P1, 20 staff, 20 teachers     B 211 民办 190 P1, 5 staff, 5 teachers
                   C 311 公办 270 J1, 20 staff                   D 342 公办 250 S1, 20 staff
                   E 211 公办 381 P1, 20 staff
  2018 (sizes)     F 211 2,000   G 311 2,001   H 312 1,500 + 1,000 = 2,500   I 312 1,200 + 801 = 2,001
                   J 312 1,500 + 1,001 = 2,501   K 345 1,500 + 1,000 (+ 800 高中) = 2,500 义务段
"""

from __future__ import annotations

import pytest

from eduplan.indicators import IndicatorSettings, compute, load_definitions
from eduplan.ingest import import_files
from eduplan.store import Store
from helpers import write_small

D = "420104"
A, B, C, DD, E, F, G, H, I, J, K = (f"24201040{i:02d}" for i in range(1, 12))
SCHOOLS = [  # code, name, type, ownership, zone
    (A, "甲小学", "211", "公办", "QK01"), (B, "乙小学", "211", "民办", "QK01"), (C, "丙中学", "311", "公办", "QK02"),
    (DD, "丁高中", "342", "公办", "QK02"), (E, "戊小学", "211", "公办", "QK02"), (F, "己小学", "211", "公办", "QK01"),
    (G, "庚中学", "311", "公办", "QK01"), (H, "辛学校", "312", "公办", "QK01"), (I, "壬学校", "312", "公办", "QK02"),
    (J, "癸学校", "312", "公办", "QK02"), (K, "子学校", "345", "公办", "QK02"),
]


def _e(year, school, grade, pupils):
    return {"year": year, "school_code": school, "grade": grade, "classes": max(1, pupils // 45),
            "male": pupils // 2, "female": pupils - pupils // 2, "pupils": pupils, "classes_over_norm": 0}


def _t(school, section, staff):
    return {"year": 2019, "school_code": school, "section": section, "teachers": staff, "staff": staff,
            "q_postgrad": 0, "q_bachelor": staff, "q_college": 0, "q_secondary": 0}


DATA = {
    "district": [{"district_code": D, "district_name": "硚口区", "city_name": "武汉市"}],
    "zone": [{"zone_code": "QK01", "zone_name": "古田组团", "district_code": D},
             {"zone_code": "QK02", "zone_name": "汉正组团", "district_code": D}],
    "school": [{"school_code": c, "school_name": n, "type_code": t, "ownership": o, "district_code": D}
               for c, n, t, o, _ in SCHOOLS],
    "school_zone": [{"school_code": c, "zone_code": z, "start_year": 2010} for c, *_, z in SCHOOLS],
    "enrolment": [
        _e(2019, A, "P1", 380), _e(2019, B, "P1", 190), _e(2019, C, "J1", 270), _e(2019, DD, "S1", 250),
        _e(2019, E, "P1", 381),
        _e(2018, F, "P1", 1000), _e(2018, F, "P2", 1000),
        _e(2018, G, "J1", 1001), _e(2018, G, "J2", 1000),
        _e(2018, H, "P1", 1500), _e(2018, H, "J1", 1000),
        _e(2018, I, "P1", 1200), _e(2018, I, "J1", 801),
        _e(2018, J, "P1", 1500), _e(2018, J, "J1", 1001),
        _e(2018, K, "P1", 1500), _e(2018, K, "J1", 1000), _e(2018, K, "S1", 800),
    ],
    "teachers": [_t(A, "小学", 20), _t(B, "小学", 5), _t(C, "初中", 20), _t(DD, "高中", 20), _t(E, "小学", 20)],
}


@pytest.fixture(scope="module")
def values(tmp_path_factory):
    folder = tmp_path_factory.mktemp("boundary-indicators")
    with Store(folder / "s.duckdb") as s:
        report = import_files(s, write_small(folder, DATA), user="统计科")
        assert report.ok, [i.text() for i in report.errors]
        ids = ["staffing_gap_primary", "staffing_gap_junior", "staffing_gap_senior", "pupil_teacher_ratio_primary",
               "oversized_schools"]
        return compute(s, load_definitions(), ids).values


def value(v, indicator, year=2019, unit=("district", D), bdim="", bval=""):
    row = v[(v.indicator == indicator) & (v.year == year) & (v.unit_type == unit[0]) & (v.unit_code == unit[1])
            & (v.bdim == bdim) & (v.bval == bval)]
    assert len(row) == 1, (indicator, year, unit, len(row))
    return float(row.iloc[0]["value"])


def test_staffing_gap_is_zero_exactly_at_the_norm(values):
    # A: 380 / 19 − 20 = 0; C: 270 / 13.5 − 20 = 0; D: 250 / 12.5 − 20 = 0
    assert value(values, "staffing_gap_primary", unit=("school", A)) == pytest.approx(0.0, abs=1e-9)
    assert value(values, "staffing_gap_junior", unit=("school", C)) == pytest.approx(0.0, abs=1e-9)
    assert value(values, "staffing_gap_senior", unit=("school", DD)) == pytest.approx(0.0, abs=1e-9)


def test_staffing_gap_one_pupil_past_the_norm(values):
    # E: 381 / 19 − 20 = 1/19 = 0.0526 (缺编, positive)
    assert value(values, "staffing_gap_primary", unit=("school", E)) == pytest.approx(1 / 19, abs=1e-9)


def test_staffing_gap_counts_public_schools_only(values):
    # district: 公办 小学 A + E = 761 pupils, 40 staff → 761 / 19 − 40 = 1/19 = 0.0526.
    # The 民办 小学 B (190 pupils, 5 staff) is left out; counted, it would give 951 / 19 − 45 = 5.05
    assert value(values, "staffing_gap_primary") == pytest.approx(1 / 19, abs=1e-9)
    # zone QK01 holds A (公办) and B (民办): 380 / 19 − 20 = 0, not 570 / 19 − 25 = 5
    assert value(values, "staffing_gap_primary", unit=("zone", "QK01")) == pytest.approx(0.0, abs=1e-9)


def test_pupil_teacher_ratio(values):
    # 小学 district: (380 + 190 + 381) / (20 + 5 + 20) = 951 / 45 = 21.133; A alone 380 / 20 = 19.0
    assert value(values, "pupil_teacher_ratio_primary") == pytest.approx(951 / 45, abs=1e-9)
    assert value(values, "pupil_teacher_ratio_primary", unit=("school", A)) == pytest.approx(19.0, abs=1e-12)
    # by ownership: 公办 761 / 40 = 19.025, 民办 190 / 5 = 38
    assert value(values, "pupil_teacher_ratio_primary", bdim="ownership", bval="公办") == pytest.approx(19.025)
    assert value(values, "pupil_teacher_ratio_primary", bdim="ownership", bval="民办") == pytest.approx(38.0)


def test_oversized_schools_2000_and_2500(values):
    # over the ceiling in 2018: G (311, 2,001 > 2,000) and J (312, 2,501 > 2,500) — 2 schools.
    # Not over: F (2,000), H (2,500), I (312 with 2,001 ≤ 2,500), K (345: 2,500 义务段, 高中 not counted)
    assert value(values, "oversized_schools", year=2018) == 2.0
    # by zone: QK01 holds F, G, H → 1 (G); QK02 holds I, J, K → 1 (J)
    assert value(values, "oversized_schools", year=2018, unit=("zone", "QK01")) == 1.0
    assert value(values, "oversized_schools", year=2018, unit=("zone", "QK02")) == 1.0


def test_ceilings_and_norms_are_the_settings_defaults():
    s = IndicatorSettings()
    assert (s.school_size_ceiling, s.through_school_size_ceiling) == (2000, 2500)
    assert s.staffing_norms == {"小学": 19.0, "初中": 13.5, "高中": 12.5}
