"""The 优质均衡 coefficient series as one database query (eduplan/balance/series_query.py) equals the Python
evaluator (records_from_store → split_units → the method's evaluate) to 1e-12: every single 差异系数 and
the composite, for every district × year × level, both methods, composite mean and max — on the demo, on
a hand-made city of small districts that exercises each rule (below), on the widened hand-worked district
and on the benchmark city (slow). A few coefficients are also worked by hand.

The hand-made store (districts 420104–420107, years 2019 and 2020):

  420104  A 211 小学      P1 150 + P2 150 = 300     teaching area 1,500 ㎡
          N 312 九年一贯制 小学 400, 初中 200        6,200 ㎡ → 小学 400 / (400 + 1.1·200) = 400/620, 初中 220/620
                          (its 初中 section's 专科 q_college is blank: 初中 counts 研究生 + 本科 only)
          J 311 初中      300                       2,700 ㎡
          K 341 完全中学   初中 100, 高中 100         2,200 ㎡ → 初中 100 / (100 + 1.2·100) = 100/220
          T 218 教学点     2019: 49 pupils (out), 2020: 50 pupils (in)   500 ㎡
          E 514 特教       60 小学 pupils, a huge teaching area (out: special school)
          V 361 职业学校   J1 80 (out: vocational), G 111 幼儿园 K1 90 (not compulsory)
  420105  M 211 without a 小学 teachers row in 2019 (L1–L3 unknown); in 2020 its row has a blank 市级骨干
          (L2 unknown); Q 211 complete
  420106  two 小学 with no 骨干 teacher at all: L2's X̄ = 0, its CV undefined
  420107  a kindergarten only: the district and year are reported, both levels unknown
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from eduplan.balance import METHODS
from eduplan.balance.data import records_from_store, split_units, store_years
from eduplan.balance.series import coefficient_series, coefficient_series_by_district, coefficient_series_evaluated
from eduplan.balance.series_query import coefficient_rows
from eduplan.balance.settings import BalanceSettings
from eduplan.store import Store

TOL = 1e-12
D1, D2, D3, D4 = "420104", "420105", "420106", "420107"
S = BalanceSettings()


def evaluated(store, method: str, settings: BalanceSettings) -> dict[tuple, dict[str, float | None]]:
    """(district, year, level) → {indicator id: CV, "composite": x} through the Python evaluator."""
    district_of = dict(store.run("SELECT school_code, district_code FROM school"))
    out = {}
    for year in store_years(store):
        records, _ = records_from_store(store, year, settings)
        groups: dict[str, list] = {}
        for r in records:
            groups.setdefault(district_of[r.code], []).append(r)
        for code, recs in groups.items():
            units, _ = split_units(recs, settings)
            for level, lr in METHODS[method](units, settings).items():
                out[(code, year, level)] = {**{i.spec.id: i.cv for i in lr.indicators}, "composite": lr.composite}
    return out


def queried(store, method: str, settings: BalanceSettings) -> dict[tuple, dict[str, float | None]]:
    return {(r["district_code"], r["year"], r["level"]): {k[3:] if k.startswith("cv_") else k: v
                                                         for k, v in r.items() if k.startswith("cv_") or k == "composite"}
            for r in coefficient_rows(store, method, settings=settings)}


def assert_same(store, method: str, settings: BalanceSettings) -> dict[tuple, dict[str, float | None]]:
    """Every coefficient of the query equals the evaluator's to 1e-12 (unknown where it is unknown)."""
    want, got = evaluated(store, method, settings), queried(store, method, settings)
    assert sorted(got) == sorted(want)
    for key, values in want.items():
        assert list(got[key]) == list(values), key
        for k, v in values.items():
            g = got[key][k]
            assert (g is None) == (v is None), (key, k, g, v)
            if v is not None:
                assert abs(g - v) <= TOL, (key, k, g, v)
    return got


SETTINGS = {
    "default": S,
    "max": BalanceSettings(composite="max"),
    "教学点 60": BalanceSettings(teaching_point_min_pupils=60),
    "equal weights": BalanceSettings(level_weights={"小学": 1.0, "初中": 1.0, "高中": 1.0},
                                     complete_school_weights={"初中": 1.0, "高中": 1.0}),
    "no 218, 361 and 514 listed": BalanceSettings(scope_types=["211", "311", "312", "319", "341", "345", "361", "514"]),
    "341 weighed as others": BalanceSettings(complete_school_types=[]),
    "完全中学 1 : 2": BalanceSettings(complete_school_weights={"初中": 1.0, "高中": 2.0}),
    # a nine-year school as a 教学点 type: its 600 小学 + 初中 pupils count, not only its 400 小学 ones
    "312 as 教学点 under 500": BalanceSettings(teaching_point_types=["218", "312"], teaching_point_min_pupils=500),
}


# ------------------------------------------------------------------ the hand-made store

def _teachers(year, code, section, **over):
    row = {"year": year, "school_code": code, "section": section, "staff": 30, "teachers": 24, "q_postgrad": 2,
           "q_bachelor": 16, "q_college": 4, "q_secondary": 2, "t_senior_full": 0, "t_senior": 4, "t_first": 8,
           "pe": 2, "music": 1, "art": 1, "bb_district": 2, "bb_city": 1, "bb_province": 0}
    row.update(over)
    return row


def _facilities(year, code, teaching_area, **over):
    row = {"year": year, "school_code": code, "building_area": 3 * teaching_area, "teaching_area": teaching_area,
           "sports_area": 2 * teaching_area, "equipment_value": teaching_area / 25, "books": 40 * int(teaching_area),
           "computers": int(teaching_area) // 20, "classrooms": 12, "multimedia_rooms": int(teaching_area) // 100}
    row.update(over)
    return row


def hand_tables() -> dict[str, list[dict]]:
    schools = [  # code, name, type, district
        ("2420104001", "A 小学", "211", D1), ("2420104002", "N 九年一贯制", "312", D1), ("2420104003", "J 初中", "311", D1),
        ("2420104004", "K 完全中学", "341", D1), ("2420104005", "T 教学点", "218", D1), ("2420104006", "E 特教", "514", D1),
        ("2420104007", "V 职业学校", "361", D1), ("2420104008", "G 幼儿园", "111", D1),
        ("2420105001", "M 小学", "211", D2), ("2420105002", "Q 小学", "211", D2),
        ("2420106001", "Z1 小学", "211", D3), ("2420106002", "Z2 小学", "211", D3),
        ("2420107001", "H 幼儿园", "111", D4),
    ]
    code = {name.split()[0]: c for c, name, _, _ in schools}
    enrol, teachers, facilities = [], [], []

    def pupils(year, school, grade, n):
        enrol.append({"year": year, "school_code": code[school], "grade": grade, "pupils": n, "classes": 2,
                      "male": n // 2, "female": n - n // 2})

    for y in (2019, 2020):
        pupils(y, "A", "P1", 150), pupils(y, "A", "P2", 150)
        pupils(y, "N", "P1", 400), pupils(y, "N", "J1", 200)
        pupils(y, "J", "J1", 300)
        pupils(y, "K", "J1", 100), pupils(y, "K", "S1", 100)
        pupils(y, "T", "P1", 49 if y == 2019 else 50)
        pupils(y, "E", "P1", 60), pupils(y, "V", "J1", 80), pupils(y, "G", "K1", 90)
        pupils(y, "M", "P1", 200), pupils(y, "Q", "P1", 300)
        pupils(y, "Z1", "P1", 100), pupils(y, "Z2", "P1", 200)
        pupils(y, "H", "K1", 60)
        teachers += [
            _teachers(y, code["A"], "小学"), _teachers(y, code["N"], "小学", q_bachelor=20, pe=3),
            _teachers(y, code["N"], "初中", q_college=None, bb_city=3), _teachers(y, code["J"], "初中", q_postgrad=5),
            _teachers(y, code["K"], "初中", art=3), _teachers(y, code["K"], "高中"), _teachers(y, code["T"], "小学", pe=0),
            _teachers(y, code["E"], "小学", q_bachelor=2), _teachers(y, code["Q"], "小学", bb_district=5),
            _teachers(y, code["Z1"], "小学", bb_district=0, bb_city=0), _teachers(y, code["Z2"], "小学", bb_district=0, bb_city=0),
        ]
        if y == 2020:  # M's row comes in 2020, with a blank 市级骨干
            teachers.append(_teachers(y, code["M"], "小学", bb_city=None))
        facilities += [
            _facilities(y, code["A"], 1500.0), _facilities(y, code["N"], 6200.0), _facilities(y, code["J"], 2700.0),
            _facilities(y, code["K"], 2200.0), _facilities(y, code["T"], 500.0), _facilities(y, code["E"], 90000.0),
            _facilities(y, code["V"], 800.0), _facilities(y, code["M"], 1000.0), _facilities(y, code["Q"], 1800.0),
            _facilities(y, code["Z1"], 700.0), _facilities(y, code["Z2"], 1000.0),
        ]
    return {
        "school": [{"school_code": c, "school_name": n, "type_code": t, "ownership": "公办", "district_code": d}
                   for c, n, t, d in schools],
        "enrolment": enrol, "teachers": teachers, "facilities": facilities,
    }


@pytest.fixture(scope="module")
def hand_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("series-query") / "hand.duckdb"
    tables = hand_tables()
    for rows in tables.values():
        for i, r in enumerate(rows):
            r["source_row"] = i + 2
    with Store(path) as s:
        s.write_batch([{"file_name": "t.xlsx", "sha256": "x", "tables": tables}], user="test")
    return path


@pytest.fixture(scope="module")
def hand(hand_store):
    with Store(hand_store, read_only=True) as s:
        yield s


@pytest.mark.parametrize("method", ["2017", "2012"])
@pytest.mark.parametrize("name", list(SETTINGS))
def test_hand_store_equals_the_evaluator(hand, method, name):
    assert_same(hand, method, SETTINGS[name])


def test_nine_year_school_split_worked_by_hand(hand):
    got = queried(hand, "2017", S)
    # L4 小学 2019 (T has 49 pupils: out; E is a special school: out): A 1,500 ㎡ / 300 = 5 ㎡;
    # N 6,200 ㎡ × 400 / (400 + 1.1 × 200) = 4,000 ㎡ / 400 = 10 ㎡. P = 700, X̄ = 5,500 / 700 = 55/7;
    # S² = (3/7)(5 − 55/7)² + (4/7)(10 − 55/7)² = (3·400 + 4·225) / 343 = 2,100/343; CV = √(2100/343) / (55/7)
    # = √300 / 55 = 2√3 / 11 = 0.31492
    assert got[(D1, 2019, "小学")]["L4"] == pytest.approx(2 * math.sqrt(3) / 11, rel=TOL)
    assert round(got[(D1, 2019, "小学")]["L4"], 5) == 0.31492
    # N split 400 : 200 by head count (not weighted) would give 小学 4,133.3 ㎡ and another coefficient (0.328)
    assert abs(got[(D1, 2019, "小学")]["L4"] - _two(1500, 300, 6200 * 400 / 600, 400)) > 0.01


def test_teaching_point_of_50_pupils_counts(hand):
    got = queried(hand, "2017", S)
    # 2020: T's 50 pupils (500 ㎡ → 10 ㎡) join: P = 750, X̄ = 6,000 / 750 = 8;
    # S² = 0.4·(5 − 8)² + (400/750)·2² + (50/750)·2² = 3.6 + 2.4 = 6; CV = √6 / 8 = 0.30619
    assert got[(D1, 2020, "小学")]["L4"] == pytest.approx(math.sqrt(6) / 8, rel=TOL)
    # with the threshold at 60 T stays out in 2020 too: the 2019 figure again
    got60 = queried(hand, "2017", BalanceSettings(teaching_point_min_pupils=60))
    assert got60[(D1, 2020, "小学")]["L4"] == pytest.approx(2 * math.sqrt(3) / 11, rel=TOL)


def test_complete_school_split_worked_by_hand(hand):
    got = queried(hand, "2017", S)
    # L4 初中: N 6,200 × 220/620 = 2,200 ㎡ / 200 = 11; J 2,700 / 300 = 9; K 2,200 × 100 / (100 + 1.2 × 100)
    # = 1,000 ㎡ / 100 = 10. P = 600, X̄ = 5,900 / 600 = 59/6; S² = (1/3)(7/6)² + (1/2)(5/6)² + (1/6)(1/6)²
    # = 174/216 = 29/36; CV = (√29 / 6) / (59/6) = √29 / 59 = 0.09127
    assert got[(D1, 2019, "初中")]["L4"] == pytest.approx(math.sqrt(29) / 59, rel=TOL)
    # with 完全中学 weights 1 : 2, K keeps 100 / (100 + 2 × 100) = 1/3 of its 2,200 ㎡: 733.3 ㎡ / 100 = 7.333
    got12 = queried(hand, "2017", SETTINGS["完全中学 1 : 2"])
    mean = (2200 + 2700 + 2200 / 3) / 600
    cv = math.sqrt(sum(p / 600 * (x - mean) ** 2 for x, p in ((11, 200), (9, 300), (22 / 3, 100)))) / mean
    assert got12[(D1, 2019, "初中")]["L4"] == pytest.approx(cv, rel=TOL)
    # L6 is L4's ×(元 per ㎡): equipment 万元 = ㎡ / 25 → 400 元 per ㎡, the same CV
    assert got[(D1, 2019, "初中")]["L6"] == pytest.approx(math.sqrt(29) / 59, rel=TOL)


def test_blank_college_count_does_not_matter_for_junior_sections(hand):
    got = queried(hand, "2017", S)
    # N's 初中 row has q_college blank: 初中 L1 counts 研究生 + 本科 (本科及以上) only, so it is known:
    # N 18 / 200, J 21 / 300, K 18 / 100 per 100 pupils → X̄ = 57 / 600 × 100 = 9.5
    x = [(18 * 100 / 200, 200), (21 * 100 / 300, 300), (18 * 100 / 100, 100)]
    mean = 5700 / 600
    cv = math.sqrt(sum(p / 600 * (v - mean) ** 2 for v, p in x)) / mean
    assert got[(D1, 2019, "初中")]["L1"] == pytest.approx(cv, rel=TOL)


def test_missing_teachers_row_and_blank_part_make_the_coefficient_unknown(hand):
    got = queried(hand, "2017", S)
    m19, m20 = got[(D2, 2019, "小学")], got[(D2, 2020, "小学")]
    # 2019: M has no 小学 teachers row → L1, L2, L3 unknown (never 0), the facility ones known; composite unknown
    assert (m19["L1"], m19["L2"], m19["L3"], m19["composite"]) == (None, None, None, None)
    # L4: M 1,000 ㎡ / 200 = 5, Q 1,800 / 300 = 6; X̄ = 5.6, S² = 0.4·0.6² + 0.6·0.4² = 0.24 → CV = √0.24 / 5.6
    assert m19["L4"] == pytest.approx(math.sqrt(0.24) / 5.6, rel=TOL) == pytest.approx(_two(1000, 200, 1800, 300))
    # 2020: its row has a blank 市级骨干 → L2 unknown only; L1 from 22 qualified teachers in each school
    assert m20["L2"] is None and m20["composite"] is None
    assert m20["L1"] == pytest.approx(_two(2200, 200, 2200, 300), rel=TOL)


def test_zero_mean_leaves_the_coefficient_undefined(hand):
    got = queried(hand, "2017", S)
    z = got[(D3, 2019, "小学")]
    # no 骨干 teacher in either school: X̄ = 0 and CV = S / X̄ is undefined, so is the composite
    assert z["L2"] is None and z["composite"] is None
    assert z["L4"] == pytest.approx(_two(700, 100, 1000, 200), rel=TOL)


def test_district_without_compulsory_school_is_reported_unknown(hand):
    series = coefficient_series_by_district(hand, settings=S)
    assert series[D4] == {2019: {"小学": None, "初中": None}, 2020: {"小学": None, "初中": None}}
    assert list(series[D1]) == [2019, 2020] and list(series[D1][2019]) == ["小学", "初中"]
    assert _close(coefficient_series_evaluated(hand, settings=S), series)


def test_series_shapes_equal_the_evaluated_ones(hand):
    for by in (True, False):
        want = coefficient_series_evaluated(hand, settings=S, by_district=by)
        got = coefficient_series_by_district(hand, settings=S) if by else coefficient_series(hand, settings=S)
        assert _close(want, got)
    # one district; a year asked for that the store does not have: unknown (the evaluator: no schools)
    assert _close(coefficient_series(hand, years=[2020, 2030], settings=S, district_code=D1),
                  {2020: coefficient_series_evaluated(hand, settings=S)[D1][2020]})
    assert coefficient_series(hand, years=[2030], settings=S) == {2030: {"小学": None, "初中": None}}


def _two(r1: float, p1: int, r2: float, p2: int) -> float:
    """The weighted CV of two schools by the formula (methods.md §1.2)."""
    p = p1 + p2
    mean = (r1 + r2) / p
    return math.sqrt(p1 / p * (r1 / p1 - mean) ** 2 + p2 / p * (r2 / p2 - mean) ** 2) / mean


def _close(a, b) -> bool:
    """Nested dicts with the same keys in the same order, numbers equal to 1e-12, None where None."""
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_close(a[k], b[k]) for k in a)
    if a is None or b is None:
        return a is b
    return abs(a - b) <= TOL


# ------------------------------------------------------------------ the demo, the widened hand-worked district, the city

@pytest.mark.parametrize("method", ["2017", "2012"])
@pytest.mark.parametrize("composite", ["mean", "max"])
def test_demo_equals_the_evaluator(demo_store, method, composite):
    with Store(demo_store, read_only=True) as s:
        got = assert_same(s, method, BalanceSettings(composite=composite))
    assert len(got) == 2 * 10  # one district, ten years, two levels
    if method == "2017" and composite == "mean":  # the plan's published 2019 figures
        assert (round(got[("420104", 2019, "小学")]["composite"], 3),
                round(got[("420104", 2019, "初中")]["composite"], 3)) == (0.382, 0.302)


def test_hand_wide_district_equals_the_evaluator(tmp_path_factory):
    from hand_wide import shared_store

    with Store(shared_store(tmp_path_factory), read_only=True) as s:
        for method in ("2017", "2012"):
            assert_same(s, method, S)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["2017", "2012"])
@pytest.mark.parametrize("composite", ["mean", "max"])
def test_city_equals_the_evaluator(city_store, method, composite):
    with Store(city_store, read_only=True) as s:
        got = assert_same(s, method, BalanceSettings(composite=composite))
    assert len({k[0] for k in got}) == 17 and len(got) == 17 * 10 * 2
    assert all(v["composite"] is not None for v in got.values())


def test_compiled_sql_kept_on_disk_and_a_damaged_file_compiled_again(hand, tmp_path, monkeypatch):
    import eduplan.balance.series_query as sq

    monkeypatch.setenv("EDUPLAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(sq, "_SQL", {})
    settings = BalanceSettings(teaching_point_min_pupils=45)  # a key of its own
    want = coefficient_rows(hand, "2017", settings=settings)
    (cached,) = (tmp_path / "sql").glob("balance-series-*.json")
    # a fresh process: nothing in memory, the file read, Ibis not asked
    monkeypatch.setattr(sq, "_SQL", {})
    monkeypatch.setattr(sq, "coefficient_query", lambda *a, **k: pytest.fail("compiled again"))
    assert coefficient_rows(hand, "2017", settings=settings) == want
    # a damaged file is compiled again (and rewritten), never trusted
    monkeypatch.undo()
    monkeypatch.setenv("EDUPLAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(sq, "_SQL", {})
    cached.write_text("{not json", encoding="utf-8")
    assert coefficient_rows(hand, "2017", settings=settings) == want
    assert '"sql"' in cached.read_text(encoding="utf-8")
    # with the threshold at 45 T's 49 pupils of 2019 count: 小学 L4 over A (5 ㎡), N (10 ㎡) and T (500 / 49 ㎡)
    row = next(r for r in want if (r["district_code"], r["year"], r["level"]) == (D1, 2019, "小学"))
    mean = 6000 / 749
    cv = math.sqrt(sum(p / 749 * (x - mean) ** 2 for x, p in ((5, 300), (10, 400), (500 / 49, 49)))) / mean
    assert row["cv_L4"] == pytest.approx(cv, rel=TOL)
