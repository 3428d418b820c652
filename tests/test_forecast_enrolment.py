"""Flow rates from two consecutive years of grade data (UNESCO reconstructed cohort) and a two-year
projection, against a small example worked by hand (docs/forecast.md §3)."""

from __future__ import annotations

import numpy as np
import pytest

from eduplan.forecast.enrolment import GRADES_OF, flow_rates, level_total, project_enrolment
from eduplan.forecast.population import AGES


def year(pupils: dict[str, float], repeaters: dict[str, float] | None = None, graduates: dict[str, float] | None = None):
    return {g: {"pupils": p, "repeaters": (repeaters or {}).get(g, 0.0), "graduates": (graduates or {}).get(g, 0.0)}
            for g, p in pupils.items()}


def pop(age6: float) -> np.ndarray:
    a = np.zeros(AGES)
    a[6] = age6
    return a


# Year t = 2019 and t+1 = 2020 of one 学区 (小学 and 初中 only).
Y2019 = year({"P1": 100, "P2": 95, "P3": 90, "P4": 90, "P5": 85, "P6": 80, "J1": 70, "J2": 70, "J3": 65})
Y2020 = year({"P1": 110, "P2": 97, "P3": 96, "P4": 88, "P5": 90, "P6": 86, "J1": 82, "J2": 69, "J3": 70},
             repeaters={"P1": 5, "P2": 3, "P3": 2, "J1": 2},
             graduates={"P6": 78, "J3": 64})
POP2020 = pop(105)


def rates():
    return flow_rates([(Y2019, Y2020, POP2020)], ("小学", "初中"))


def test_rates_from_two_years_of_grade_data():
    r = rates()
    # P1: repetition r = R(P1,2020)/E(P1,2019) = 5/100; promotion p = (E(P2,2020) − R(P2,2020))/E(P1,2019)
    #     = (97 − 3)/100 = 0.94; dropout d = 1 − 0.94 − 0.05 = 0.01
    assert r.repetition["P1"] == pytest.approx(0.05)
    assert r.promotion["P1"] == pytest.approx(0.94)
    assert r.dropout["P1"] == pytest.approx(0.01)
    # P2: r = 3/95; p = (96 − 2)/95 = 94/95; d = 1 − 97/95 = −2/95 (net transfers in)
    assert r.repetition["P2"] == pytest.approx(3 / 95)
    assert r.promotion["P2"] == pytest.approx(94 / 95)
    assert r.dropout["P2"] == pytest.approx(-2 / 95)
    # P3: r = 2/90; p = (88 − 0)/90
    assert r.promotion["P3"] == pytest.approx(88 / 90) and r.repetition["P3"] == pytest.approx(2 / 90)
    # last grade of a level: graduation = graduates reported on P6 in 2020 / E(P6, 2019) = 78/80
    assert r.promotion["P6"] == pytest.approx(78 / 80)
    assert r.promotion["J3"] == pytest.approx(64 / 65)
    # intake into P1: (E(P1,2020) − R(P1,2020)) / P(2020, 6) = (110 − 5)/105 = 1.0
    assert r.intake["小学"] == pytest.approx(1.0)
    # transition P6 → J1: (E(J1,2020) − R(J1,2020)) / E(P6,2019) = (82 − 2)/80 = 1.0
    assert r.transition["初中"] == pytest.approx(1.0)
    # J1: r = 2/70; p = 69/70
    assert r.promotion["J1"] == pytest.approx(69 / 70) and r.repetition["J1"] == pytest.approx(2 / 70)


def test_two_year_projection():
    r = rates()
    population = {2021: pop(120), 2022: pop(100)}
    out = project_enrolment({g: v["pupils"] for g, v in Y2020.items()}, r, population, 2020, 2022)
    # 2021: P1 = i·P(2021,6) + r(P1)·E(P1,2020) = 1.0·120 + 0.05·110 = 125.5
    assert out[2021]["P1"] == pytest.approx(125.5)
    # P2 = p(P1)·E(P1,2020) + r(P2)·E(P2,2020) = 0.94·110 + 3/95·97 = 103.4 + 3.06316 = 106.46316
    assert out[2021]["P2"] == pytest.approx(0.94 * 110 + 3 / 95 * 97)
    # P3 = p(P2)·E(P2,2020) + r(P3)·E(P3,2020) = 94/95·97 + 2/90·96
    assert out[2021]["P3"] == pytest.approx(94 / 95 * 97 + 2 / 90 * 96)
    # J1 = τ·E(P6,2020) + r(J1)·E(J1,2020) = 1.0·86 + 2/70·82
    assert out[2021]["J1"] == pytest.approx(86 + 2 / 70 * 82)
    # 2022: P1 = 1.0·100 + 0.05·125.5 = 106.275; P2 = 0.94·125.5 + 3/95·P2(2021)
    assert out[2022]["P1"] == pytest.approx(106.275)
    assert out[2022]["P2"] == pytest.approx(0.94 * 125.5 + 3 / 95 * out[2021]["P2"])
    # J2 in 2022 = p(J1)·J1(2021) + r(J2)·J2(2021) (no J2 repeaters: r = 0)
    assert out[2022]["J2"] == pytest.approx(69 / 70 * out[2021]["J1"])
    assert level_total(out[2021], "初中") == pytest.approx(sum(out[2021][g] for g in GRADES_OF["初中"]))


def test_several_pairs_pool_numerators_and_denominators():
    y2018 = year({"P1": 50})
    y2019 = year({"P1": 100, "P2": 48})
    # pooled: p(P1) = [E(P2,2019) + E(P2,2020) − R(P2,2020)] / [E(P1,2018) + E(P1,2019)] = (48 + 97 − 3) / 150
    # intake = [(100 − 0) + (110 − 5)] / [P(2019,6) + P(2020,6)] = 205 / 205
    r = flow_rates([(y2018, y2019, pop(100)), (Y2019, Y2020, POP2020)], ("小学",))
    assert r.promotion["P1"] == pytest.approx((48 + 97 - 3) / (50 + 100))
    assert r.intake["小学"] == pytest.approx((100 + 105) / (100 + 105))


def test_fallbacks_when_an_area_has_no_pupils():
    r = flow_rates([(year({}), year({}), pop(100))], ("小学", "初中"), {"小学": 0.98}, {"初中": 0.97})
    assert r.intake["小学"] == 0.98 and r.transition["初中"] == 0.97
    assert r.promotion["P1"] == 1.0 and r.repetition["P1"] == 0.0
    assert "intake:小学" in r.fallback
