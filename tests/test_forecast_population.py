"""Cohort-component population: ageing, survival and net migration, births and new housing, against
small examples worked by hand (methods in docs/forecast.md §1–§2)."""

from __future__ import annotations

import numpy as np
import pytest

from eduplan.forecast.housing import age_weights, housing_additions, occupancy
from eduplan.forecast.population import (
    AGES, age0_ratio, crude_birth_rate, estimate_migration, project_births, project_population, project_residents,
    survival_vector,
)


def ages(**values: float) -> np.ndarray:
    a = np.zeros(AGES)
    for k, v in values.items():
        a[int(k[1:])] = v
    return a


# Two observed years of a small area (ages 0–2 only); survival 0.99 at every age.
SERIES = {2019: ages(a0=100, a1=120, a2=90), 2020: ages(a0=110, a1=104, a2=126, a3=91)}
BIRTHS = {2019: 102.0, 2020: 112.0, 2021: 120.0, 2022: 100.0}
S = survival_vector(0.99, 0.99)


def test_net_migration_by_the_residual_method():
    m = estimate_migration(SERIES, S, 2020, 2)
    # m(1) = [P(2020,1) − s·P(2019,0)] / P(2019,0) = (104 − 0.99·100) / 100 = 5 / 100
    assert m[1] == pytest.approx(0.05)
    # m(2) = (126 − 0.99·120) / 120 = 7.2 / 120
    assert m[2] == pytest.approx(0.06)
    # m(3) = (91 − 0.99·90) / 90 = 1.9 / 90
    assert m[3] == pytest.approx(1.9 / 90)
    assert m[0] == 0 and m[4] == 0  # no one aged 3 in 2019: no rate


def test_ageing_and_migration_over_two_years():
    m = estimate_migration(SERIES, S, 2020, 2)
    k = age0_ratio(SERIES, BIRTHS, 2020, 2)
    # k = (100 + 110) / (102 + 112) = 210 / 214
    assert k == pytest.approx(210 / 214)
    pop = project_population(SERIES[2020], 2020, 2022, S, m, BIRTHS, k)
    # 2021: age 0 = k·B(2021) = 210/214 · 120; age 1 = 110·(0.99 + 0.05) = 114.4; age 2 = 104·(0.99 + 0.06) = 109.2
    assert pop[2021][0] == pytest.approx(210 / 214 * 120)
    assert pop[2021][1] == pytest.approx(114.4)
    assert pop[2021][2] == pytest.approx(109.2)
    # age 3 = 126·(0.99 + 1.9/90); age 4 = 91·(0.99 + 0) (no migration estimate at 4)
    assert pop[2021][3] == pytest.approx(126 * (0.99 + 1.9 / 90))
    assert pop[2021][4] == pytest.approx(91 * 0.99)
    # 2022: age 2 = 114.4·1.05 = 120.12; age 1 = (210/214·120)·1.04
    assert pop[2022][2] == pytest.approx(120.12)
    assert pop[2022][1] == pytest.approx(210 / 214 * 120 * 1.04)
    assert pop[2022][0] == pytest.approx(210 / 214 * 100)


def test_the_oldest_age_leaves_the_table():
    base = ages(a22=500, a21=300)
    pop = project_population(base, 2020, 2021, survival_vector(1.0, 1.0), np.zeros(AGES), {}, 1.0)
    assert pop[2021][22] == 300 and pop[2021].sum() == 300


def test_births_from_the_crude_birth_rate_and_projected_residents():
    births = {2019: 100.0, 2020: 110.0}
    residents = {2019: 10_000.0, 2020: 10_000.0}
    # b = mean(100/10000, 110/10000) = 0.0105
    assert crude_birth_rate(births, residents, 2020, 2) == pytest.approx(0.0105)
    proj_res, g = project_residents({2016: 10_000.0, 2020: 10_000.0 * 1.01 ** 4}, 2020, 2021, None, 5)
    assert g == pytest.approx(0.01)
    assert proj_res[2021] == pytest.approx(10_000 * 1.01 ** 5)
    out = project_births(births, residents, {2021: 10_200.0}, 2020, 2021, 2, 0.0, 1.15, {})
    assert out[2021] == pytest.approx(0.0105 * 10_200 * 1.15)  # births-high: × 1.15
    # births recorded for a year after the base are never read (no look-ahead): the same rule applies
    assert project_births({**births, 2021: 95.0}, residents, {2021: 10_200.0}, 2020, 2021, 2, 0.0, 1.0,
                          {})[2021] == pytest.approx(0.0105 * 10_200)
    # no residents at all: the mean of the recent births, (100 + 110) / 2
    assert project_births(births, {}, {}, 2020, 2021, 2, 0.0, 1.0, {})[2021] == pytest.approx(105.0)


def test_housing_adds_residents_by_age_as_it_fills():
    # 100 households × 2.5 persons = 250 residents, complete in 2021, full in 2 years: half move in 2021, half 2022
    assert occupancy(2021, 2021, 2) == 0.5 and occupancy(2022, 2021, 2) == 1.0 and occupancy(2020, 2021, 2) == 0
    rows = [{"zone_code": "Z", "households": 100, "completion_year": 2021}]
    by_age, cumulative = housing_additions(rows, 2020, 2023, 2.5, 2, 1.0, {"3-3": 0.02})
    assert by_age["Z"][2021][3] == pytest.approx(125 * 0.02) and by_age["Z"][2022][3] == pytest.approx(2.5)
    assert 2023 not in by_age["Z"]
    assert cumulative["Z"] == {2021: 125.0, 2022: 250.0, 2023: 250.0}
    # housing filled before the base year is already in the observed population: nothing added
    early, early_cum = housing_additions([{**rows[0], "completion_year": 2018}], 2020, 2023, 2.5, 2, 1.0, {"3-3": 0.02})
    assert early["Z"] == {} and early_cum["Z"][2023] == 0
    # housing-fast (occupancy factor 0.5): everyone in the completion year
    fast, _ = housing_additions(rows, 2020, 2023, 2.5, 2, 0.5, {"3-3": 0.02})
    assert fast["Z"][2021][3] == pytest.approx(5.0) and 2022 not in fast["Z"]
    # the arrivals then age with the zone
    pop = project_population(np.zeros(AGES), 2020, 2022, survival_vector(1.0, 1.0), np.zeros(AGES), {}, 1.0,
                             by_age["Z"])
    assert pop[2022][4] == pytest.approx(2.5) and pop[2022][3] == pytest.approx(2.5)


def test_age_bands():
    w = age_weights({"0-5": 0.012, "6-11": 0.0095})
    assert w[0] == w[5] == 0.012 and w[6] == w[11] == 0.0095 and w[12] == 0
