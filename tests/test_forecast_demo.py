"""The demo district's places: its project library, a shortage a project closes, and the acceptance
scenario — delaying one of the plan's new primary schools by two years moves a shortage into its 学区
for exactly those years, by the places the project brings (no cross-学区 placement by default)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from eduplan.demo.district import build_district
from eduplan.demo.places import demo_places
from eduplan.forecast import ForecastSettings, compare, run_forecast, run_scenarios
from eduplan.forecast.report import forecasts_doc
from eduplan.plan import load_plan
from eduplan.projects import build_library, check_library
from eduplan.store import Store
from helpers import shared_demo

SEED = 420104
AS_OF = date(2025, 12, 31)  # the demo records progress up to the end of 2025
PLAN_START = ForecastSettings(base_year=2020)  # the plan's base year: its projects all lie ahead
PROJECT = "sch_rongchuang_zongguan"  # 硚口区融创(宗关)配建小学, listed 2021–2023, in use 2024


def demo_db_path() -> Path:
    """The session's shared demo store (helpers.shared_demo; the `demo_store` fixture). Read only."""
    return shared_demo()


@pytest.fixture(scope="module")
def store(demo_store):
    with Store(demo_store, read_only=True) as s:
        yield s


@pytest.fixture(scope="module")
def delay(store):
    return run_scenarios(store, [f"delay-{PROJECT}-2y"], PLAN_START, AS_OF)


@pytest.mark.slow  # builds the demo district twice more
def test_demo_places_are_deterministic():
    a = demo_places(build_district(SEED), SEED)
    b = demo_places(build_district(SEED), SEED)
    assert a == b
    assert len(a["project"]) == 38 and len(a["housing"]) >= 15


def test_the_demo_library(store):
    lib = build_library(store, load_plan(), as_of=AS_OF)
    assert sum(p.counted for p in lib.projects) == 35 and all(p.in_store for p in lib.projects)
    assert all(p.zone_code for p in lib.projects)
    assert {g.id: g.investment for g in lib.group_totals()} == {"kindergarten": 1.293, "compulsory": 33.4,
                                                                "high_school": 2.09}
    codes = {f.code for f in check_library(lib)}
    assert {"milestone-late", "in-use-later-than-plan", "plan-statement", "funds-overrun", "funds-lagging"} <= codes
    assert "unknown-project" not in codes
    rec = lib.get(PROJECT)
    assert (rec.zone_code, rec.in_use_year, rec.places["小学"].places) == ("QK05", 2024, 1350)
    assert lib.get("sch_43_extension").in_use_year == 2027  # slipped a year


def test_a_shortage_the_plans_projects_close(delay):
    base = delay[0]
    summary = {(r["area"], r["level"]): r for r in base.summary()}
    qk05 = summary[("QK05", "小学")]
    # 融创(宗关) housing fills up from 2022: short of primary places until the school opens in 2024
    assert 2023 in qk05["shortage_years"] and 2024 in qk05["closed_years"]
    assert PROJECT in qk05["closing_projects"]
    row = base.gap_row("QK05", "小学", 2023)
    assert row.unplaced == 268 and any(p[0] == PROJECT for p in row.pending)  # need 8,709.009 − available 8,441


def test_delaying_a_new_primary_school_moves_a_shortage_into_its_zone(delay):
    base, late = delay
    places = 1350  # 30 classes × 45
    for year in (2024, 2025):  # in use 2024 in the baseline, 2026 in the scenario
        b, s = base.gap_row("QK05", "小学", year), late.gap_row("QK05", "小学", year)
        assert s.need == b.need
        assert b.available - s.available == places  # the project's places are missing
        assert s.gap - b.gap == pytest.approx(places)
        assert b.unplaced == 0 and s.unplaced == {2024: 492, 2025: 651}[year]  # a shortage appears…
        assert s.unplaced == round(places + b.gap)  # …of the places less the baseline's spare places
    same = [(r.area, r.level, r.year) for r in late.gap
            if base.gap_row(r.area, r.level, r.year).unplaced != r.unplaced]
    assert same == [("QK05", "小学", 2024), ("QK05", "小学", 2025)]  # nowhere else, no other year
    changes = compare(delay)["scenarios"][0]["new_shortages"]
    assert [(c["area"], c["level"], c["year"]) for c in changes] == same
    assert all(c["available_change"] == -places for c in changes)


def test_with_cross_zone_placement_neighbours_absorb_part_of_it(store):
    s = PLAN_START.model_copy(update={"cross_zone_placement": True})
    base, late = run_scenarios(store, [f"delay-{PROJECT}-2y"], s, AS_OF)
    row = late.gap_row("QK05", "小学", 2024)
    assert (row.shortage, round(row.absorbed, 3), row.unplaced) == (492, 492.341, 0)


def test_the_default_forecast_from_the_latest_year(store):
    f = run_forecast(store, "baseline", ForecastSettings(), as_of=AS_OF)
    assert f.base_year == 2025 and f.gap_years == [2026, 2027, 2028, 2029, 2030]
    # 43 中扩建 slipped: its 高中 places count from 2027 in the district-wide row
    hs = f.gap_row("420104", "高中", 2027)
    assert ("sch_43_extension", 600) in hs.projects and f.gap_row("420104", "高中", 2026).projects == []
    assert {r["year"] for r in f.resources} == {2025, 2026, 2027, 2028, 2029, 2030}
    r = f.resources[1]
    # 小学 staff needed 2026 = ⌈46,537 公办 pupils / 19⌉ = ⌈2,449.3⌉ = 2,450 (QK01, with new 小学 in 2023 and 2024,
    # keeps no steady pair and takes the fallback intake 1.0: 小学 2026 47,986 pupils)
    assert (r["year"], r["levels"]["小学"]["staff_needed"], round(r["budget"], 1)) == (2026, 2450, 310051.9)
    assert {y["level"] for y in f.yardstick} >= {"小学", "初中", "高中"}
    doc = forecasts_doc([f])
    assert doc["baseline"]["base_year"] == 2025 and doc["baseline"]["cross_zone_placement"] is False
