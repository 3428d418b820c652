"""New housing: each project adds residents by age as it fills up after completion.

    occ(t)    = clip((t − c + 1) / Y, 0, 1)                     share occupied in year t (completion c)
    N(t)      = R · (occ(t) − occ(t − 1))                       residents moving in during year t
    H(t, a)   = N(t) · w(a)                                     of whom aged a (w: settings.housing_age_profile)

R = the recorded full-occupancy residents, else households × persons per household; Y = the
project's occupancy years (else the setting) × the scenario's occupancy factor. Only moves after the
base year are added: those before it are already in the observed population.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .population import AGES


def occupancy(year: int, completion: int, years: float) -> float:
    return float(min(max((year - completion + 1) / years, 0.0), 1.0))


def age_weights(profile: dict[str, float]) -> np.ndarray:
    """Per-age share w(a) from bands like {"0-5": 0.012} (each single age of the band gets the value)."""
    w = np.zeros(AGES)
    for band, share in profile.items():
        lo, _, hi = band.partition("-")
        for a in range(int(lo), int(hi or lo) + 1):
            if 0 <= a < AGES:
                w[a] = share
    return w


def full_residents(row: dict[str, Any], persons_per_household: float) -> float:
    if row.get("residents"):
        return float(row["residents"])
    return float(row["households"]) * float(row.get("persons_per_household") or persons_per_household)


def housing_additions(rows: list[dict[str, Any]], base_year: int, last_year: int, persons_per_household: float,
                      occupancy_years: int, occupancy_factor: float, profile: dict[str, float]
                      ) -> tuple[dict[str, dict[int, np.ndarray]], dict[str, dict[int, float]]]:
    """Per zone: the by-age arrivals of each year after the base year, and the cumulative residents
    added since the base year (for residents totals and births)."""
    w = age_weights(profile)
    by_age: dict[str, dict[int, np.ndarray]] = {}
    cumulative: dict[str, dict[int, float]] = {}
    for r in rows:
        z = r["zone_code"]
        total = full_residents(r, persons_per_household)
        years = max((r.get("occupancy_years") or occupancy_years) * occupancy_factor, 0.25)
        c = r["completion_year"]
        zone_age = by_age.setdefault(z, {})
        zone_cum = cumulative.setdefault(z, {})
        for t in range(base_year + 1, last_year + 1):
            moving_in = total * (occupancy(t, c, years) - occupancy(t - 1, c, years))
            if moving_in:
                zone_age[t] = zone_age.get(t, np.zeros(AGES)) + moving_in * w
            zone_cum[t] = zone_cum.get(t, 0.0) + total * (occupancy(t, c, years) - occupancy(base_year, c, years))
    return by_age, cumulative
