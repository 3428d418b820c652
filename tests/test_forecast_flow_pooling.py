"""Flow rates pooled over several pairs of years (forecast.flow_year_pairs, default 3), leaving out the pair
years in which a school section opens or closes — for that level of the whole area: a new school's first
intake (a one-off transition of 1.47) is not frozen into ten years of projection. Numbers worked by hand
(the area-wide rule: tests/test_forecast_unsteady.py)."""

from __future__ import annotations

import pytest

from eduplan.forecast import ForecastSettings
from eduplan.forecast.enrolment import flow_rates
from eduplan.forecast.inputs import Inputs, unsteady


def _row(pupils: float) -> dict[str, float]:
    return {"pupils": pupils, "repeaters": 0.0, "graduates": None}


# School A (学区 Z): 100 pupils in P6 every year; J1 90, 95, 100 in 2022–2024.
# School N (学区 Z) opens in 2024 with 47 pupils in J1, drawn in from elsewhere.
GRADES = {
    2021: {"A": {"P6": _row(100), "J1": _row(88)}},
    2022: {"A": {"P6": _row(100), "J1": _row(90)}},
    2023: {"A": {"P6": _row(100), "J1": _row(95)}},
    2024: {"A": {"P6": _row(100), "J1": _row(100)}, "N": {"J1": _row(47)}},
}


def _inputs(base: int = 2024) -> Inputs:
    zone_at = {(c, t): "Z" for t, schools in GRADES.items() for c in schools}
    return Inputs("D", "区", {"Z": "学区"}, base, {}, {}, {}, GRADES, zone_at, [], {}, {}, [], {"A": None, "N": 2024})


def test_a_section_opening_in_a_pair_is_left_out():
    assert unsteady(GRADES, {}, 2023) == {("N", "初中")}  # N's first year with pupils is 2024
    assert unsteady(GRADES, {}, 2022) == set()
    # A's 初中 has pupils to the last observed year: not closing; N's 建校年份 2024 says the same
    assert unsteady(GRADES, {"N": 2024}, 2023) == {("N", "初中")}


def test_pooled_transition_without_the_opening_school():
    inp = _inputs()
    # before: one pair (2023, 2024), all schools: τ(初中) = (100 + 47) / 100 = 1.47
    one = flow_rates([(
        inp.area_enrolment("Z", 2023, 2024), inp.area_enrolment("Z", 2024), None)], ("初中",), {}, {})
    assert round(one.transition["初中"], 2) == 1.47
    # now: three pairs; N's opening leaves (2023, 2024) out of Z's 初中 for every school (A's J1 100 too —
    # a new school drawing from its own 学区 would otherwise read as a fall at A): τ = (90 + 95) / (100 + 100)
    # = 0.925 (before, N alone left out: (90 + 95 + 100) / 300 = 0.95)
    pooled = flow_rates(inp.flow_pairs("Z", 3, {}), ("初中",), {}, {})
    assert pooled.transition["初中"] == 0.925
    assert (pooled.pairs, pooled.pooled, pooled.left_out) == ([2021, 2022, 2023], {"初中": [2021, 2022]},
                                                              ["N·初中 2023–2024"])
    assert ForecastSettings().flow_year_pairs == 3


def test_a_section_closing_is_left_out_of_its_last_pairs():
    grades = {**GRADES, 2025: {"A": {"P6": _row(100), "J1": _row(100)}, "N": {"J1": _row(40)}},
              2026: {"A": {"P6": _row(100), "J1": _row(100)}}}
    # N has pupils 2024–2025 only: it opens in 2024 and closes after 2025 (its last year with pupils)
    assert [t for t in range(2021, 2026) if ("N", "初中") in unsteady(grades, {}, t)] == [2023, 2024, 2025]


def test_the_demo_new_junior_school_is_left_out(demo_store):
    from datetime import date

    from eduplan.forecast import run_forecast
    from eduplan.store import Store

    with Store(demo_store, read_only=True) as s:
        f = run_forecast(s, "baseline", ForecastSettings(), as_of=date(2025, 12, 31))
    qk04 = f.rates["QK04"]
    # 东风初级中学 (2420104139) opens in 2025: its first intake is not pooled; before, one pair gave 1.47.
    # The 2024–25 pair is left out of QK04's 初中, and a new 小学 in QK04 (2420104138, first pupils 2024)
    # leaves 2023–24 and 2024–25 out of its 小学: the transition P6 → J1 pools the pairs steady for both,
    # 2022–23 alone — J1 2023 1,188 (no repeaters) over P6 2022 1,002 = 1.186, in line with QK04's earlier
    # pairs (1.20–1.28 from 2016–17 to 2021–22: 小升初 from other 学区). Before (the two schools alone left
    # out, three pairs): (1,188 + 1,245 + 1,584 − 416) / (1,002 + 1,042 + 1,075) = 3,601 / 3,119 = 1.15, the
    # 2024–25 pair read without 东风's 416 new pupils while the other schools' J1 fell with them (1,168 / 1,075
    # = 1.09 against 1.19–1.20 in the pairs before).
    assert qk04.pairs == [2022, 2023, 2024]
    assert qk04.left_out == ["2420104138·小学 2023–2024", "2420104138·小学 2024–2025", "2420104139·初中 2024–2025"]
    assert (qk04.pooled["小学"], qk04.pooled["初中"]) == ([2022], [2022, 2023])
    assert qk04.transition["初中"] == pytest.approx(1188 / 1002, rel=1e-12)
