"""学区 forecasts add up to the district's: 小学 and 初中 are projected per 学区 and the district is their sum;
高中 and 中职 (district-wide, by 中考) are projected for the district and allocated to the 学区 by their
base-year pupils per grade. Before: the district ran its own flows (小学 2030 from 2025: Σ 学区 36,150 vs
district 36,437)."""

from __future__ import annotations

from datetime import date

import pytest

from eduplan.forecast import ForecastSettings, run_forecast
from eduplan.forecast.enrolment import GRADES_OF, allocate, level_total
from eduplan.store import Store


def test_allocation_by_base_year_shares_by_hand():
    # S1 in the base year: zone A 300, zone B 100 → shares 0.75 / 0.25; district S1 in 2026 = 440
    out = allocate({2025: {"S1": 400.0}, 2026: {"S1": 440.0}}, {"A": {"S1": 300.0}, "B": {"S1": 100.0}},
                   ["S1"], 2025)
    assert out == {"A": {2026: {"S1": 330.0}}, "B": {2026: {"S1": 110.0}}}


@pytest.mark.parametrize("base", [2020, 2025])
def test_zones_add_up_to_the_district(demo_store, base):
    with Store(demo_store, read_only=True) as s:
        f = run_forecast(s, "baseline", ForecastSettings(base_year=base), as_of=date(2025, 12, 31))
    d, zones = f.inputs.district_code, f.inputs.areas
    assert len(zones) == 6
    for t in range(base, 2036):
        for lvl in ("小学", "初中", "高中", "中职"):
            for g in GRADES_OF[lvl]:
                assert sum(f.enrolment[z][t][g] for z in zones) == pytest.approx(f.enrolment[d][t][g], abs=1e-6)
    # the need of the gap is the same set of numbers
    for lvl in ("小学", "初中"):
        for t in f.gap_years:
            assert sum(f.gap_row(z, lvl, t).need for z in zones) == pytest.approx(level_total(f.enrolment[d][t], lvl))
    if base == 2025:
        assert round(level_total(f.enrolment[d][2030], "小学")) == round(
            sum(level_total(f.enrolment[z][2030], "小学") for z in zones))
