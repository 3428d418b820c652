"""Opening and closing, for the area as a whole (eduplan/forecast/enrolment.py, docs/forecast.md §3): a pair
of years in which one of an area's school sections opens or closes is left out of that level's flow rates
for every school of the area, not only for the school opening or closing — else a 撤并 within a 学区 (or a
new school drawing pupils from its own 学区) is pooled over the school's absence and read as growth (or
loss). The transition into 初中 pools only the pairs steady for 小学 and 初中. Toy 学区, worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from eduplan.forecast.enrolment import flow_rates
from eduplan.forecast.inputs import Inputs
from eduplan.forecast.population import AGES

EXACT = dict(rel=1e-12, abs=1e-12)
LEVELS = ("小学", "初中")


def _row(pupils: float) -> dict[str, float | None]:
    return {"pupils": pupils, "repeaters": 0.0, "graduates": None}


def _school(p1: float, p2: float) -> dict[str, dict[str, float | None]]:
    return {"P1": _row(p1), "P2": _row(p2)}


def _pop(age6: dict[int, float]) -> dict[int, np.ndarray]:
    out = {}
    for t, n in age6.items():
        out[t] = np.zeros(AGES)
        out[t][6] = n
    return out


def _inputs(grades: dict, zone_at: dict | None = None, opened: dict | None = None) -> Inputs:
    """District D with 学区 Z (and Y), base year 2023: three pairs 2020–21, 2021–22, 2022–23."""
    zone_at = zone_at or {(c, t): "Z" for t, schools in grades.items() for c in schools}
    return Inputs("D", "区", {"Z": "学区", "Y": "学区"}, 2023, {}, {}, {}, grades, zone_at, [], {}, {}, [],
                  opened or {})


def test_a_merger_within_the_zone_leaves_its_rates_steady():
    # 学区 Z: A (P1 100, P2 98) and C (P1 50, P2 49), C 撤并 into A from 2022 (A then P1 150, P2 147): Z holds
    # 150 / 147 pupils every year, with 150 six-year-olds — p(P1) = 0.98 and intake 1.0 throughout
    grades = {t: {"A": _school(100, 98), "C": _school(50, 49)} for t in (2020, 2021)}
    grades |= {t: {"A": _school(150, 147)} for t in (2022, 2023)}
    inp = _inputs(grades)
    pop = _pop({t: 150 for t in range(2020, 2024)})
    r = flow_rates(inp.flow_pairs("Z", 3, pop), LEVELS)
    # C's last year with pupils is 2021: its closing touches the pairs 2020–21 and 2021–22, left out for Z's
    # 小学 (A too); the pair 2022–23 (A 150 → P2 147) remains: p(P1) = 147 / 150, intake 150 / 150.
    # Before, C alone was left out: p(P1) = (98 + 147 + 147) / (100 + 100 + 150) = 392 / 350 = 1.12 (the
    # merger read as growth) and intake (100 + 150 + 150) / 450 = 0.889
    assert r.pairs == [2020, 2021, 2022] and r.pooled["小学"] == [2022]
    assert r.left_out == ["C·小学 2020–2021", "C·小学 2021–2022"]
    assert r.promotion["P1"] == pytest.approx(147 / 150, **EXACT)
    assert r.intake["小学"] == pytest.approx(1.0, **EXACT)
    assert r.fallback == ["transition:初中"]  # no 初中 in Z; nothing else taken from the settings


def test_a_new_school_drawing_from_its_own_zone_leaves_its_rates_steady():
    # 学区 Z: A holds 150 / 147 pupils in 2020–2021; N opens in 2022 (建校年份 2022) and draws a third of
    # them: A 100 / 98, N 50 / 49 in 2022–2023 — Z still holds 150 / 147, with 150 six-year-olds
    grades = {t: {"A": _school(150, 147)} for t in (2020, 2021)}
    grades |= {t: {"A": _school(100, 98), "N": _school(50, 49)} for t in (2022, 2023)}
    inp = _inputs(grades, opened={"N": 2022})
    pop = _pop({t: 150 for t in range(2020, 2024)})
    r = flow_rates(inp.flow_pairs("Z", 3, pop), LEVELS)
    # N's opening (2022) touches 2021–22 and 2022–23: left out for Z's 小学; 2020–21 remains: p(P1) =
    # 147 / 150 = 0.98, intake 150 / 150. Before, N alone was left out: p(P1) = (147 + 98 + 98) / (150 + 150
    # + 100) = 343 / 400 = 0.8575 (the move read as loss), intake (150 + 100 + 100) / 450 = 0.778
    assert r.pooled["小学"] == [2020]
    assert r.left_out == ["N·小学 2021–2022", "N·小学 2022–2023"]
    assert r.promotion["P1"] == pytest.approx(147 / 150, **EXACT)
    assert r.intake["小学"] == pytest.approx(1.0, **EXACT)


def test_a_closure_whose_pupils_leave_the_zone_is_left_out_as_before():
    # 学区 Z: A 100 / 98 every year; C 50 / 49 in 2020–2021, then closed, its families gone (旧城改造): the
    # six-year-olds fall from 150 to 100 in 2022. 学区 Y: B 80 / 80 every year, untouched by C
    grades = {t: {"A": _school(100, 98), "B": _school(80, 80)} for t in range(2020, 2024)}
    for t in (2020, 2021):
        grades[t]["C"] = _school(50, 49)
    zone_at = {(c, t): ("Y" if c == "B" else "Z") for t, schools in grades.items() for c in schools}
    inp = _inputs(grades, zone_at)
    pop = _pop({2020: 150, 2021: 150, 2022: 100, 2023: 100})
    z = flow_rates(inp.flow_pairs("Z", 3, pop), LEVELS)
    # Z pools 2022–23 only (A): p(P1) = 98 / 100 as before; intake 100 / 100 = 1.0 (before: A's entrants over
    # the 6-year-olds of 2021–2023 with C's catchment still counted in 2021: 300 / 350 = 0.857)
    assert z.pooled["小学"] == [2022] and z.left_out == ["C·小学 2020–2021", "C·小学 2021–2022"]
    assert z.promotion["P1"] == pytest.approx(98 / 100, **EXACT)
    assert z.intake["小学"] == pytest.approx(1.0, **EXACT)
    # Y holds no section opening or closing: its three pairs stay, p(P1) = 240 / 240
    y = flow_rates(inp.flow_pairs("Y", 3, pop), LEVELS)
    assert y.pooled["小学"] == [2020, 2021, 2022] and y.left_out == []
    assert y.promotion["P1"] == 1.0


def test_a_level_without_a_steady_pair_takes_the_fallbacks_and_says_so():
    # the merger above from base year 2022 with one pair: that pair, 2021–22, touches C's closing — no 小学
    # pair is left: no repetition, full promotion, the settings' intake (and no transition into 初中)
    grades = {t: {"A": _school(100, 98), "C": _school(50, 49)} for t in (2020, 2021)}
    grades |= {t: {"A": _school(150, 147)} for t in (2022, 2023)}
    inp = _inputs(grades)
    inp.base_year = 2022
    r = flow_rates(inp.flow_pairs("Z", 1, _pop({2022: 150})), LEVELS, {"小学": 0.97}, {"初中": 0.99})
    assert (r.pairs, r.pooled["小学"], r.left_out) == ([2021], [], ["C·小学 2021–2022"])
    assert r.fallback == ["unsteady:小学", "intake:小学", "transition:初中"]
    assert (r.intake["小学"], r.promotion["P1"], r.repetition["P1"]) == (0.97, 1.0, 0.0)


def _junior(j1: float) -> dict[str, dict[str, float | None]]:
    return {"J1": _row(j1)}


def test_a_pair_left_out_for_primary_is_left_out_of_the_junior_transition():
    # 学区 Z: 小学 A with 100 in P6 every year; 小学 C with 40 in P6 in 2020–2021, closed after 2021, its
    # families gone; 初中 J takes 95 % of the P6 leavers: J1 2021 = 0.95 × 140 = 133, J1 2022 = 95 (C's last
    # leavers moved away with their families), J1 2023 = 95
    grades = {t: {"A": {"P6": _row(100)}} for t in range(2020, 2024)}
    for t in (2020, 2021):
        grades[t]["C"] = {"P6": _row(40)}
    for t, j1 in {2020: 133, 2021: 133, 2022: 95, 2023: 95}.items():
        grades[t]["J"] = _junior(j1)
    r = flow_rates(_inputs(grades).flow_pairs("Z", 3, {}), LEVELS)
    # 初中 itself is steady in all three pairs; 小学 only in 2022–23 (C's closing touches 2020–21, 2021–22).
    # τ pools the pairs steady for both: 95 / 100 = 0.95. Before (C's P6 left out, J1 kept):
    # (133 + 95 + 95) / 300 = 1.077; with C's P6 kept in every pair: (133 + 95 + 95) / (140 + 140 + 100) = 0.85
    assert (r.pooled["小学"], r.pooled["初中"]) == ([2022], [2020, 2021, 2022])
    assert r.transition["初中"] == pytest.approx(0.95, **EXACT)
