"""Projections stay inside their indicator's domain, never have a zero-width interval, and need enough years
(issue 9 §1). Every figure is worked by hand in the test.

Method (docs/monitoring.md, "Projection"): a least-squares line on the last `projection_window` values, on
the logit scale for shares (squeezed by ε towards one half), on the values themselves otherwise; residual
standard deviation at least a floor; t prediction interval at 80 %; a point past a bound is held there and
its interval runs inward from it by the same half-width.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from eduplan.indicators import IndicatorSettings, load_definitions
from eduplan.indicators.schema import DOMAINS
from eduplan.indicators.targets import project

T_1DOF = 3.077684  # t(0.90) with 1 degree of freedom
T_2DOF = 1.885618  # t(0.90) with 2 degrees of freedom


def _expit(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def test_a_share_is_projected_on_the_logit_scale():
    """20 %, 50 %, 80 % in 2017–2019 (ε = 0, three points allowed): logits −ln 4, 0, ln 4 — a line of slope
    ln 4 a year, no residual. To 2020: logit = 2 ln 4 = ln 16 → 16/17 = 94.1176 %. The residual sd is the
    floor 0.15; se = 0.15 × √(1 + 1/3 + (2020 − 2018)²/2) = 0.15 × √(10/3); half-width = t(0.9, 1) × se."""
    s = IndicatorSettings(share_squeeze=0.0, projection_min_points=3)
    point, low, high = project(np.array([2017, 2018, 2019]), np.array([20.0, 50.0, 80.0]), 2020, s, DOMAINS["share"])
    half = T_1DOF * 0.15 * math.sqrt(10 / 3)
    assert point == pytest.approx(100 * 16 / 17)
    assert low == pytest.approx(100 * _expit(math.log(16) - half))   # half = 0.8429: expit(1.9297) = 87.32 %
    assert high == pytest.approx(100 * _expit(math.log(16) + half))  # expit(3.6154) = 97.38 %
    assert (round(low, 2), round(high, 2)) == (87.32, 97.38)
    # a straight line on the percentage scale would give 110 %: 20, 50, 80, 110
    assert high < 100


def test_a_share_at_100_stays_at_100_with_an_interval_below_it():
    """100, 100, 100, 100: the squeezed logit is constant, the point is exactly 100, the interval runs below."""
    point, low, high = project(np.arange(2016, 2020), np.full(4, 100.0), 2025, domain=DOMAINS["share"])
    assert point == pytest.approx(100.0) and high == pytest.approx(100.0) and 99.0 < low < 100.0


def test_a_falling_share_never_goes_below_zero():
    """学生近视新增率 1.2, 1.0, 0.8, 0.6 (2016–2019) to 2025: the old straight line read −0.6 %."""
    point, low, high = project(np.arange(2016, 2020), np.array([1.2, 1.0, 0.8, 0.6]), 2025, domain=DOMAINS["share"])
    assert 0.0 < low < point < high < 0.6


def test_a_rate_past_zero_is_held_at_zero_with_its_interval_inward():
    """10, 7, 4, 1 in 2016–2019 (a rate ≥ 0): the line reaches −17 in 2025, so the point is held at 0; the
    interval runs from 0 up by the half-width: s = floor 0.03 × mean |y| 5.5 = 0.165; se = 0.165 × √(1 + 1/4 +
    (2025 − 2017.5)²/5) = 0.165 × √12.5; half = t(0.9, 2) × se = 1.100005."""
    got = project(np.arange(2016, 2020), np.array([10.0, 7.0, 4.0, 1.0]), 2025, domain=DOMAINS["rate"])
    half = T_2DOF * 0.165 * math.sqrt(12.5)
    assert got == pytest.approx((0.0, 0.0, half))
    assert round(half, 4) == 1.1


def test_a_count_is_a_whole_number_with_whole_number_ends():
    """超规模学校数 0, 1, 1, 2 (2016–2019) to 2021: line 0.4 + 0.6·(t − 2016)… point 2.9 → 3; ends widened
    to whole numbers (floor of the low, ceiling of the high)."""
    point, low, high = project(np.arange(2016, 2020), np.array([0.0, 1.0, 1.0, 2.0]), 2021, domain=DOMAINS["count"])
    assert point == 3.0 and low == math.floor(low) and high == math.ceil(high) and low < point < high


def test_no_projection_from_fewer_years_than_the_setting():
    """Default 4 observed years: three are too few; with projection_min_points = 3 they suffice."""
    years, values = np.array([2017, 2018, 2019]), np.array([90.0, 91.0, 92.0])
    assert project(years, values, 2025, domain=DOMAINS["rate"]) is None
    point, low, high = project(years, values, 2025, IndicatorSettings(projection_min_points=3), DOMAINS["rate"])
    assert point == pytest.approx(98.0, abs=1e-9) and low < point < high  # the line 90, 91, 92 carried six years on
    assert IndicatorSettings().projection_min_points == 4


def test_every_quantitative_indicator_declares_its_domain():
    defs = load_definitions()
    undeclared = [i.id for i in defs.indicators if i.kind != "qualitative" and i.domain is None]
    assert undeclared == []
    by_id = {i.id: i.domain for i in defs.indicators}
    assert (by_id["education_expenditure_share"], by_id["preschool_gross_enrolment"], by_id["oversized_schools"],
            by_id["compulsory_balance_coefficient"], by_id["labour_force_schooling_years"],
            by_id["staffing_gap_primary"]) == ("share", "rate", "count", "coefficient", "years", "signed")
