"""九年义务教育巩固率 and 初中三年巩固率 by the official formula (methods.md §3), district only.

A hand-made district follows one cohort from 小学一年级 (2016) to its graduation from 初中 (summer 2024,
reported on the 2025 初三 row). The row (year t, grade g) holds the movements of the class that was in
grade g during school year t−1 (the data model's convention): the cohort's 一年级 year is on the 2017 P1
row, its 初三 year on the 2025 J3 row, beside its graduates.

  A 2420104101 小学 211 (QK01)   B 2420104102 小学 211 (QK02)   C 2420104103 初中 311 (QK02)
  E 2420104104 特殊教育学校 514 (QK01): its pupils are not counted

Cohort movements (转入, 转出, 死亡) per school year, and the counts they lead to:
  A: P1 60 (2016); P1 yr 2,1,0 → P2 61; P2 yr 1,3,0 → P3 59; P3 yr 0,0,0 → P4 59; P4 yr 2,0,1 → P5 60;
     P5 yr 0,2,0 → P6 58; P6 yr 1,1,0 → 58 graduates (2022 P6 row)
  B: P1 40 (2016); P1 yr 0,2,0 → 38; P2 yr 3,0,0 → 41; P3 yr 0,1,0 → 40; P4 yr 1,0,0 → 41; P5 yr 0,0,0 → 41;
     P6 yr 0,1,0 → 40 graduates
  C: J1 97 (2022: 98 primary graduates, one of whom left the district); J1 yr 3,1,0 → J2 99;
     J2 yr 0,2,1 and one unrecorded drop-out → J3 95 (2024); J3 yr 1,2,0 → 94 graduates (2025 J3 row)
Every other row the cohort's rows stand beside carries another class's movements (9 转入 each): a rate
that read the wrong rows would show it.
"""

from __future__ import annotations

import pytest

from eduplan.indicators import compute, load_definitions
from eduplan.indicators.explain import explain
from eduplan.ingest import import_files
from eduplan.store import Store
from helpers import write_small

D = "420104"
A, B, C, E = "2420104101", "2420104102", "2420104103", "2420104104"
GRADES = ["P1", "P2", "P3", "P4", "P5", "P6", "J1", "J2", "J3"]


def _row(year, school, grade, pupils, moves=(9, 0, 0), **kw):
    tin, tout, deaths = moves
    return {"year": year, "school_code": school, "grade": grade, "classes": 2, "male": pupils // 2,
            "female": pupils - pupils // 2, "pupils": pupils, "transfers_in": tin, "transfers_out": tout,
            "deaths": deaths, "graduates": kw.pop("graduates", 0 if grade in ("P6", "J3") else None), **kw}


def _cohort(school, first_year, counts, moves, graduates=None, next_pupils=30):
    """The cohort's rows at one school: its count in each grade and, a year later, the row of that grade
    (another class's pupils) with the cohort's movements of the year; the last one carries its graduates."""
    first = GRADES.index(counts[0][0])
    rows = []
    for k, (grade, pupils) in enumerate(counts):
        rows.append(_row(first_year + k, school, grade, pupils))
    for k, m in enumerate(moves):
        grade = GRADES[first + k]
        extra = {"graduates": graduates} if k == len(moves) - 1 and graduates is not None else {}
        rows.append(_row(first_year + k + 1, school, grade, next_pupils, m, **extra))
    return rows


DATA = {
    "district": [{"district_code": D, "district_name": "硚口区", "city_name": "武汉市"}],
    "zone": [{"zone_code": "QK01", "zone_name": "古田组团", "district_code": D},
             {"zone_code": "QK02", "zone_name": "汉正组团", "district_code": D}],
    "school": [
        {"school_code": A, "school_name": "古田小学", "type_code": "211", "ownership": "公办", "district_code": D},
        {"school_code": B, "school_name": "汉正小学", "type_code": "211", "ownership": "公办", "district_code": D},
        {"school_code": C, "school_name": "汉正中学", "type_code": "311", "ownership": "公办", "district_code": D},
        {"school_code": E, "school_name": "特殊教育学校", "type_code": "514", "ownership": "公办", "district_code": D},
    ],
    "school_zone": [{"school_code": s, "zone_code": z, "start_year": 2010}
                    for s, z in ((A, "QK01"), (B, "QK02"), (C, "QK02"), (E, "QK01"))],
    "enrolment": [
        *_cohort(A, 2016, [("P1", 60), ("P2", 61), ("P3", 59), ("P4", 59), ("P5", 60), ("P6", 58)],
                 [(2, 1, 0), (1, 3, 0), (0, 0, 0), (2, 0, 1), (0, 2, 0), (1, 1, 0)], graduates=58),
        *_cohort(B, 2016, [("P1", 40), ("P2", 38), ("P3", 41), ("P4", 40), ("P5", 41), ("P6", 41)],
                 [(0, 2, 0), (3, 0, 0), (0, 1, 0), (1, 0, 0), (0, 0, 0), (0, 1, 0)], graduates=40),
        *_cohort(C, 2022, [("J1", 97), ("J2", 99), ("J3", 95)], [(3, 1, 0), (0, 2, 1), (1, 2, 0)], graduates=94,
                 next_pupils=90),
        # the special school's pupils and movements are outside both rates
        *[_row(y, E, "P1", 10, (5, 0, 0)) for y in range(2016, 2024)], _row(2024, E, "J3", 12),
    ],
}


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    folder = tmp_path_factory.mktemp("retention")
    with Store(folder / "r.duckdb") as store:
        report = import_files(store, write_small(folder, DATA), user="统计科")
        assert report.ok, [i.text() for i in report.errors]
    return folder / "r.duckdb"


def _rows(comp, indicator):
    v = comp.values
    return v[(v.indicator == indicator) & (v.bdim == "")]


def test_nine_year_retention_by_hand(district):
    with Store(district) as store:
        comp = compute(store, load_definitions(), ["compulsory_retention_rate"])
    rows = _rows(comp, "compulsory_retention_rate")
    r = rows[(rows.year == 2024) & (rows.unit_type == "district")].iloc[0]
    # 初中毕业班 (初三, 2024) 95; its 一年级 (2016) 60 + 40 = 100 (the special school's 10 and 12 not counted).
    # Movements between the two counts, rows 2017 P1 … 2024 J2:
    #   转入 A 2+1+0+2+0+1 = 6, B 0+3+0+1+0+0 = 4, C 3+0 = 3 → 13 (not the special school's 5)
    #   转出 A 1+3+0+0+2+1 = 7, B 2+0+1+0+0+1 = 4, C 1+2 = 3 → 14;  死亡 A 1, C 1 → 2
    # (95 − 13 + 14) ÷ (100 − 2) × 100 = 96 ÷ 98 × 100 = 97.96 (the raw ratio was 95 ÷ 100 = 95.00)
    assert (r.numerator, r.denominator) == (96, 98)
    assert r.value == pytest.approx(96 / 98 * 100)
    # district only: pupils move between 学区 at 小升初 (A's QK01 cohort is in QK02's 初中)
    assert set(rows.unit_type) == {"district"}


def test_junior_retention_by_hand(district):
    with Store(district) as store:
        comp = compute(store, load_definitions(), ["junior_retention_rate"])
    rows = _rows(comp, "junior_retention_rate")
    r = rows[(rows.year == 2025) & (rows.unit_type == "district")].iloc[0]
    # graduates on the 2025 J3 row: 94; 初一 three years before (2022): 97.
    # Movements of the 初一, 初二 and 初三 years, rows 2023 J1, 2024 J2, 2025 J3 (the last beside the graduates):
    #   转入 3 + 0 + 1 = 4; 转出 1 + 2 + 2 = 5; 死亡 0 + 1 + 0 = 1
    # (94 − 4 + 5) ÷ (97 − 1) × 100 = 95 ÷ 96 × 100 = 98.96 (the one drop-out is the only loss)
    assert (r.numerator, r.denominator) == (95, 96)
    assert r.value == pytest.approx(95 / 96 * 100)
    assert set(rows.unit_type) == {"district"}


def test_explain_lists_the_cohort_terms(district):
    with Store(district) as store:
        r = explain(store, load_definitions(), "compulsory_retention_rate", 2024, ("district", D))
    assert r["value"] == pytest.approx(96 / 98 * 100)
    num = {t["label"]: (t["source_year"], t["coef"], t["value"]) for t in r["numerator_terms"]}
    assert num["初中毕业班（初三）学生数"] == (2024, 1.0, 95)
    assert num["一年级学年转入"] == (2017, -1.0, 2)  # A's 2 (B's 0; the special school's 5 not counted)
    assert num["六年级学年转出"] == (2022, 1.0, 2)  # A 1 + B 1, on the 2022 P6 rows beside the graduates
    assert num["初二学年转出"] == (2024, 1.0, 2)
    assert len(num) == 17
    den = {t["label"]: (t["source_year"], t["value"]) for t in r["denominator_terms"]}
    assert den["该年级入小学一年级时（8 年前）的学生数"] == (2016, 100)
    assert den["四年级学年死亡"] == (2020, 1) and len(den) == 9
    # the zones' parts add up to the district's, but a zone's ratio is not shown
    zones = {c["unit_code"]: (c["numerator"], c["denominator"], c["value"]) for c in r["contributions"]
             if c["unit_type"] == "zone"}
    # QK01 (A): 0 − 6 + 7 = 1 over 60 − 1 = 59; QK02 (B, C): 95 − 7 + 7 = 95 over 40 − 1 = 39
    assert zones == {"QK01": (1, 59, None), "QK02": (95, 39, None)}
    with Store(district) as store, pytest.raises(Exception, match="不在学区层级计算"):
        explain(store, load_definitions(), "compulsory_retention_rate", 2024, ("zone", "QK01"))


def test_demo_district_values_are_the_transfer_adjusted_ratios(demo_store):
    with Store(demo_store, read_only=True) as store:
        comp = compute(store, load_definitions(), ["compulsory_retention_rate", "junior_retention_rate"])

        def total(col: str, year: int, grade: str) -> int:
            return store.one(f"SELECT sum({col}) FROM enrolment JOIN school USING (school_code) WHERE year = ? "
                             "AND grade = ? AND type_code NOT LIKE '5%'", [year, grade])[0]

        # 九年: 初三 2024 over 一年级 2016, the cohort's movements on rows 2017 P1, 2018 P2, …, 2024 J2
        steps = list(zip(range(2017, 2025), GRADES[:8]))
        tin = sum(total("transfers_in", y, g) for y, g in steps)
        tout = sum(total("transfers_out", y, g) for y, g in steps)
        deaths = sum(total("deaths", y, g) for y, g in steps)
        j3, p1 = total("pupils", 2024, "J3"), total("pupils", 2016, "P1")
        nine = 100 * (j3 - tin + tout) / (p1 - deaths)
        # 初中三年: graduates on the 2024 J3 rows over 初一 2021; movements on rows 2022 J1, 2023 J2, 2024 J3
        steps3 = [(2022, "J1"), (2023, "J2"), (2024, "J3")]
        tin3 = sum(total("transfers_in", y, g) for y, g in steps3)
        tout3 = sum(total("transfers_out", y, g) for y, g in steps3)
        deaths3 = sum(total("deaths", y, g) for y, g in steps3)
        junior = 100 * (total("graduates", 2024, "J3") - tin3 + tout3) / (total("pupils", 2021, "J1") - deaths3)
    rows = _rows(comp, "compulsory_retention_rate")
    assert rows[(rows.year == 2024) & (rows.unit_type == "district")].iloc[0].value == pytest.approx(nine)
    assert 99.0 < nine < 100.0 and 100 * j3 / p1 > 100.5  # adjusted ≈ 99.4 %; the raw ratio was 100.92 %
    assert set(rows.unit_type) == {"district"}
    rows = _rows(comp, "junior_retention_rate")
    assert rows[(rows.year == 2024) & (rows.unit_type == "district")].iloc[0].value == pytest.approx(junior)
    assert set(rows.unit_type) == {"district"}
