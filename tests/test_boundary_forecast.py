"""Boundary tests of the forecast's policy numbers (../shared/domain/methods.md §4 and the `forecast` settings),
worked by hand: the standard class sizes 45 (小学) / 50 (初中) that turn classes into places, the 编制 norms
1 : 19 / 13.5 / 12.5 (and the settings' 7 for 学前, 16 for 中职) with staff rounded UP (a fraction of a
teacher is a teacher), the 民办 pupils kept out of the public staff count, and the stored 留级生数 that the
flow rates read from the store.

Through the public functions: school_capacities, resource_needs, load_inputs + flow_rates."""

from __future__ import annotations

import pytest

from eduplan.forecast import ForecastSettings
from eduplan.forecast.capacity import school_capacities
from eduplan.forecast.enrolment import flow_rates
from eduplan.forecast.inputs import SchoolLevel, load_inputs
from eduplan.forecast.resources import resource_needs
from eduplan.ingest import import_files
from helpers import write_small

S = ForecastSettings()


# ------------------------------------------------------------------ class size 45 / 50 → places

@pytest.mark.parametrize("level,type_code,places", [
    ("小学", "211", 450),  # 10 classes × 45
    ("初中", "311", 500),  # 10 classes × 50
    ("高中", "342", 500),  # 10 classes × 50
    ("学前", "111", 300),  # 10 classes × 30
])
def test_places_are_classes_times_the_standard_class_size(level, type_code, places):
    def one(pupils: int):
        sl = SchoolLevel("2420104001", "一校", "QK01", level, type_code, pupils=pupils, classes=10,
                         design_classes=10, school_classes=10)
        [cap] = school_capacities([sl], S.class_size, S.capacity_fallback, S.capacity_lookback, 2025)
        return cap
    at = one(places)
    assert (at.classes_allowed, at.basis, at.places, at.over_capacity) == (10.0, "design", places, False)
    # one pupil more than the places → over capacity
    assert one(places + 1).over_capacity is True
    # the average class: places / 10 classes = exactly the norm
    assert at.avg_class_size == places / 10


def test_a_nine_year_school_splits_its_design_classes_by_its_classes_per_level():
    # 312 school designed for 36 classes, running 24 小学 + 12 初中 classes: 小学 24 × 45 = 1,080, 初中 12 × 50 = 600
    levels = [SchoolLevel("2420104002", "九年一贯制", "QK01", lvl, "312", pupils=p, classes=c, design_classes=36,
                          school_classes=36) for lvl, p, c in (("小学", 1080, 24), ("初中", 600, 12))]
    caps = school_capacities(levels, S.class_size, S.capacity_fallback, S.capacity_lookback, 2025)
    assert [(c.level, c.classes_allowed, c.places, c.over_capacity) for c in caps] == [
        ("小学", 24.0, 1080, False), ("初中", 12.0, 600, False)]


# ------------------------------------------------------------------ staffing norms, rounded up

def staff(level: str, pupils: float, private_share: float = 0.0) -> dict:
    rows = resource_needs({level: {2026: pupils}}, {}, {}, {}, {}, {}, 2025, [2026], S, {level: private_share})
    return rows[0]["levels"][level]


@pytest.mark.parametrize("level,at,past", [
    ("小学", 380, 381),  # 380 / 19 = 20 exactly → 20; 381 / 19 = 20.05 → 21 (rounding would give 20)
    ("初中", 270, 271),  # 270 / 13.5 = 20 → 20; 271 / 13.5 = 20.07 → 21
    ("高中", 250, 251),  # 250 / 12.5 = 20 → 20; 251 / 12.5 = 20.08 → 21
    ("学前", 140, 141),  # 140 / 7 = 20 → 20; 141 / 7 = 20.14 → 21
    ("中职", 320, 321),  # 320 / 16 = 20 → 20; 321 / 16 = 20.06 → 21
])
def test_staff_needed_at_and_just_past_the_norm(level, at, past):
    assert staff(level, at)["staff_needed"] == 20
    assert staff(level, past)["staff_needed"] == 21


def test_staff_needed_rounds_up_even_just_above_half():
    # 小学 389 / 19 = 20.47 → 21 (round would give 20); 1 pupil → 1 staff (round would give 0)
    assert staff("小学", 389)["staff_needed"] == 21
    assert staff("小学", 1)["staff_needed"] == 1
    assert staff("小学", 0)["staff_needed"] == 0


def test_private_pupils_are_not_in_the_public_staff_need():
    # 400 小学 pupils, 5 % 民办: 380 public → 380 / 19 = 20 staff; 20 private → ⌈20 / 19⌉ = 2 民办 staff
    v = staff("小学", 400, 0.05)
    assert (v["pupils_public"], v["pupils_private"], v["staff_needed"], v["staff_private_needed"]) == (380, 20, 20, 2)


# ------------------------------------------------------------------ stored repeaters feed the flow rates

D, SCH = "420104", "2420104001"


def _district_with_repeaters():
    # one 小学, 2018 and 2019; 2019 holds the repeaters of the year: 5 in P1, 3 in P2
    def e(year, grade, pupils, rep):
        return {"year": year, "school_code": SCH, "grade": grade, "classes": 4, "male": pupils // 2,
                "female": pupils - pupils // 2, "pupils": pupils, "repeaters": rep}
    return {
        "district": [{"district_code": D, "district_name": "硚口区", "city_name": "武汉市"}],
        "zone": [{"zone_code": "QK01", "zone_name": "古田组团", "district_code": D}],
        "school": [{"school_code": SCH, "school_name": "崇仁路小学", "type_code": "211", "ownership": "公办",
                    "district_code": D}],
        "school_zone": [{"school_code": SCH, "zone_code": "QK01", "start_year": 2010}],
        "enrolment": [e(2018, "P1", 100, 0), e(2018, "P2", 100, 0), e(2018, "P3", 90, 0),
                      e(2019, "P1", 110, 5), e(2019, "P2", 97, 3), e(2019, "P3", 96, 0)],
        "population": [{"year": y, "area_code": D, "age": a, "population": 100} for y in (2018, 2019)
                       for a in range(23)],
    }


def test_forecast_reads_the_stored_repeaters(store, tmp_path):
    report = import_files(store, write_small(tmp_path, _district_with_repeaters()), user="u")
    assert report.ok, [i.text() for i in report.errors]
    inp = load_inputs(store, 2019, D)
    assert inp.school_grades[2019][SCH]["P1"]["repeaters"] == 5.0
    assert inp.school_grades[2019][SCH]["P2"]["repeaters"] == 3.0
    rates = flow_rates(inp.flow_pairs(D, 1, {}), ("小学",))
    # repetition r(P1) = R(P1, 2019) / E(P1, 2018) = 5 / 100; r(P2) = 3 / 100
    assert (rates.repetition["P1"], rates.repetition["P2"]) == (0.05, 0.03)
    # promotion p(P1) = (E(P2, 2019) − R(P2, 2019)) / E(P1, 2018) = (97 − 3) / 100 = 0.94
    assert rates.promotion["P1"] == 0.94
    # p(P2) = (96 − 0) / 100 = 0.96; dropout d(P1) = 1 − 0.94 − 0.05 = 0.01
    assert rates.promotion["P2"] == 0.96
    assert rates.dropout["P1"] == pytest.approx(0.01, abs=1e-12)
