"""The hand-written-SQL baseline (benchmarks/hand_sql.py) and the engine give the same figures (issue 11).

On the 1× benchmark city, for each figure the benchmark times (benchmarks/bench_engine_vs_hand.py): the same
key set (year, unit, breakdown, indicator) and values equal to 1e-12. So that the baseline cannot be wrong in
the same way as the engine, the hand SQL is also checked against figures worked by hand: the demo district's
学前三年毛入园率, and the 优质均衡 差异系数 of a four-school district with a 十二年一贯制 and a 完全中学 (the split
weights 1 : 1.1 : 1.32 and 1 : 1.2, which the city does not exercise) and a 教学点 under 50 pupils.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).resolve().parent.parent))  # benchmarks/ (not shadowing the installed eduplan)

from benchmarks import hand_sql  # noqa: E402
from eduplan.indicators import compute, load_definitions  # noqa: E402
from eduplan.store import Store  # noqa: E402

# figure → (the engine's indicator ids, the hand function, the number of values on the 1× city)
FIGURES = {
    "preschool_gross_enrolment": (["preschool_gross_enrolment"], hand_sql.preschool_gross_enrolment, 3570),
    "pupil_teacher_ratio_primary": (["pupil_teacher_ratio_primary"], lambda con: hand_sql.pupil_teacher_ratio(con, "小学"),
                                    9724),
    "six_indicators": (list(hand_sql.SIX), hand_sql.six_indicators, 34935),
    "balance_coefficient": (["compulsory_balance_coefficient"], hand_sql.balance_coefficients, 340),
}


@pytest.fixture(scope="module")
def city(city_store: Path):
    with Store(city_store, read_only=True) as store:
        yield store


@pytest.mark.slow
@pytest.mark.parametrize("figure", list(FIGURES))
def test_engine_equals_hand_sql_on_the_city(city, figure):
    ids, hand, rows = FIGURES[figure]
    engine = compute(city, load_definitions(), ids).values
    got = hand_sql.compare(engine, hand(city.con))
    assert (got["only_engine"], got["only_hand"], got["duplicates"], got["nan_mismatch"]) == (0, 0, 0, 0), got
    assert got["rows"] == rows
    assert got["max_abs"] <= 1e-12 or got["max_rel"] <= 1e-12, got
    if figure != "balance_coefficient":  # integer counts divided in the engine's order: bit for bit
        assert got["identical"], got


def test_hand_preschool_gross_enrolment_worked_by_hand(demo_store: Path):
    # 硚口 (demo) 2019: 在园幼儿 K1 8,113 + K2 7,494 + K3 7,888 = 23,495 (公办 13,054 + 民办 10,441, any age,
    # kindergartens and 附设班); 3–5 岁常住人口 8,540 + 7,888 + 8,303 = 24,731.
    # 23,495 ÷ 24,731 × 100 = 95.0022 %; 民办 10,441 ÷ 24,731 × 100 = 42.2183 % (a sector's part of the rate).
    with Store(demo_store, read_only=True) as store:
        df = hand_sql.preschool_gross_enrolment(store.con)
    rows = df[(df.year == 2019) & (df.unit_code == "420104")].set_index("bval")
    assert rows.loc["", ["numerator", "denominator"]].tolist() == [23495, 24731]
    assert rows.loc["", "value"] == pytest.approx(95.0022, abs=5e-5)
    assert rows.loc["民办", ["numerator", "denominator"]].tolist() == [10441, 24731]
    assert rows.loc["民办", "value"] == pytest.approx(42.2183, abs=5e-5)
    assert rows.loc["公办", "numerator"] == 13054


def _small_district(store: Store) -> None:
    """A: 小学 (211) 400 pupils, 2,000 ㎡; B: 十二年一贯制 (345) 300 / 200 / 100 pupils (小学/初中/高中), 5,000 ㎡;
    C: 完全中学 (341) 500 初中 + 250 高中, 4,000 ㎡; D: 小学教学点 (218) 30 pupils, 10,000 ㎡ (not evaluated).
    2019; no teacher rows (the teacher indicators are missing, never 0)."""
    schools = [("4201990001", "211", {"P1": 400}, 2000.0), ("4201990002", "345", {"P1": 300, "J1": 200, "S1": 100}, 5000.0),
               ("4201990003", "341", {"J1": 500, "S1": 250}, 4000.0), ("4201990004", "218", {"P1": 30}, 10000.0)]
    tables = {
        "district": [{"district_code": "420199", "district_name": "手算区", "source_row": 2}],
        "school": [{"school_code": c, "school_name": f"学校{c[-1]}", "type_code": t, "ownership": "公办",
                    "district_code": "420199", "source_row": 2} for c, t, _, _ in schools],
        "enrolment": [{"year": 2019, "school_code": c, "grade": g, "pupils": n, "source_row": 2}
                      for c, _, grades, _ in schools for g, n in grades.items()],
        "facilities": [{"year": 2019, "school_code": c, "teaching_area": a, "source_row": 2} for c, _, _, a in schools],
    }
    store.write_batch([{"file_name": "手算.xlsx", "sha256": "hand", "tables": tables}], "test")


def test_hand_balance_cv_worked_by_hand():
    # L4 生均教学及辅助用房面积, R_i = the level's share of the school's ㎡, P_i its pupils of the level:
    # 初中: B's share 1.1·200 / (300 + 1.1·200 + 1.32·100) = 220/652 → R_B = 1,687.117 ㎡, x_B = 8.435583;
    #       C's share 500 / (500 + 1.2·250) = 0.625 → R_C = 2,500 ㎡, x_C = 5.0.
    #       P = 700, X̄ = 4,187.117 / 700 = 5.981595; S² = 200/700·(8.435583 − 5.981595)² + 500/700·(5 − 5.981595)²
    #       = 1.720590 + 0.688244 = 2.408834, S = 1.552038; CV = S / X̄ = 0.259469.
    # 小学: A x_A = 2,000 / 400 = 5.0; B's share 300/652 → R_B = 2,300.613 ㎡, x_B = 7.668712 (D, 30 pupils, left out).
    #       X̄ = 4,300.613 / 700 = 6.143734; S² = 400/700·(5 − 6.143734)² + 300/700·(7.668712 − 6.143734)²
    #       = 0.747497 + 0.996673 = 1.744169, S = 1.320670; CV = 0.214962.
    from eduplan.balance import evaluate_records, records_from_store
    from eduplan.balance.settings import BalanceSettings

    with Store.empty() as store:
        _small_district(store)
        cvs = hand_sql.balance_cvs(store.con).set_index(["level", "indicator"])["cv"]
        coefficients = hand_sql.balance_coefficients(store.con).set_index("bval")["value"]
        settings = BalanceSettings()
        evaluated = evaluate_records(records_from_store(store, 2019, settings)[0], "2017", settings, 2019).levels
    assert cvs[("初中", "L4")] == pytest.approx(0.259469, abs=5e-7)
    assert cvs[("小学", "L4")] == pytest.approx(0.214962, abs=5e-7)
    for level in ("小学", "初中"):
        assert cvs[(level, "L4")] == pytest.approx(evaluated[level].indicators[3].cv, abs=1e-15)
        assert math.isnan(cvs[(level, "L1")])  # no teacher rows: missing, never 0
        assert evaluated[level].indicators[0].cv is None
        assert math.isnan(coefficients[level])  # a missing single coefficient leaves the composite missing
