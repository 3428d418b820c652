"""Flow rates pooled over several pairs of years (forecast.flow_year_pairs, default 3), leaving out the pair
years in which a school section opens or closes: a new school's first intake (a one-off transition of
1.47) is not frozen into ten years of projection. Numbers worked by hand."""

from __future__ import annotations

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
    # now: three pairs, N left out of (2023, 2024): τ = (90 + 95 + 100) / (100 + 100 + 100) = 0.95
    pooled = flow_rates(inp.flow_pairs("Z", 3, {}), ("初中",), {}, {})
    assert pooled.transition["初中"] == 0.95
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
    # 东风初级中学 (2420104139) opens in 2025: its first intake is not pooled; before, one pair gave 1.47
    assert qk04.pairs == [2022, 2023, 2024]
    assert "2420104139·初中 2024–2025" in qk04.left_out
    assert round(qk04.transition["初中"], 2) == 1.15
