"""Cohort-component projection of the resident population by single year of age 0–22, per area.

    P(t+1, a+1) = P(t, a) · (s(a) + m(a+1)) + H(t+1, a+1)       a = 0 … 21
    P(t+1, 0)   = k · B(t+1) + H(t+1, 0)

s(a) survival from age a to a+1 (a setting), m(a) the net migration rate into age a per person one
year younger a year before, estimated from the observed series by the residual method, k the ratio of
the age-0 count to the year's births (observed), B births, H new residents of new housing
(housing.py). Ages above 22 leave the table. Every function here is pure (numpy in, numpy out).
"""

from __future__ import annotations

import numpy as np

AGES = 23  # single years 0–22, as the population table holds them


def survival_vector(infant: float, child: float) -> np.ndarray:
    """s(a) for a = 0 … 21: survival from age a to a+1."""
    s = np.full(AGES - 1, child, dtype=float)
    s[0] = infant
    return s


def estimate_migration(series: dict[int, np.ndarray], survival: np.ndarray, last_year: int,
                       n_years: int) -> np.ndarray:
    """Net migration rate m(a), a = 1 … 22 (m(0) = 0), from the last `n_years` observed years:

        m(a) = Σ_t [P(t+1, a) − s(a−1) · P(t, a−1)] / Σ_t P(t, a−1)

    over the consecutive pairs (t, t+1) inside the window. Positive: net moving in."""
    m = np.zeros(AGES)
    num = np.zeros(AGES - 1)
    den = np.zeros(AGES - 1)
    for t in range(last_year - n_years + 1, last_year):
        if t in series and t + 1 in series:
            num += series[t + 1][1:] - survival * series[t][:-1]
            den += series[t][:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        m[1:] = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)
    return m


def age0_ratio(series: dict[int, np.ndarray], births: dict[int, float], last_year: int, n_years: int) -> float | None:
    """k = Σ P(t, 0) / Σ B(t) over the last observed years that have both (None when none do)."""
    years = [t for t in range(last_year - n_years + 1, last_year + 1) if t in series and births.get(t)]
    if not years:
        return None
    return float(sum(series[t][0] for t in years) / sum(births[t] for t in years))


def project_population(base: np.ndarray, base_year: int, last_year: int, survival: np.ndarray,
                       migration: np.ndarray, births: dict[int, float], k: float,
                       additions: dict[int, np.ndarray] | None = None) -> dict[int, np.ndarray]:
    """Population by age for base_year … last_year (the base year as given)."""
    out = {base_year: np.asarray(base, dtype=float)}
    for t in range(base_year + 1, last_year + 1):
        prev = out[t - 1]
        cur = np.zeros(AGES)
        cur[1:] = prev[:-1] * (survival + migration[1:])
        cur[0] = k * births.get(t, 0.0)
        if additions and t in additions:
            cur += additions[t]
        out[t] = np.maximum(cur, 0.0)
    return out


def crude_birth_rate(births: dict[int, float], residents: dict[int, float], last_year: int,
                     n_years: int) -> float | None:
    """Mean of B(t) / R(t) over the last observed years that have both."""
    rates = [births[t] / residents[t] for t in range(last_year - n_years + 1, last_year + 1)
             if births.get(t) and residents.get(t)]
    return sum(rates) / len(rates) if rates else None


def project_births(births: dict[int, float], observed: dict[int, float], residents: dict[int, float], base_year: int,
                   last_year: int, n_years: int, trend: float, factor: float,
                   series: dict[int, np.ndarray]) -> dict[int, float]:
    """Births for base_year+1 … last_year:

    B(t) = b · (1 + trend)^(t − base) · R(t) · factor with b the recent crude birth rate (observed births
    over observed residents) and R(t) the projected residents; without residents, the mean of the recent
    births (or of the age-0 counts). One rule for every year after the base: births recorded for a later
    year are never read (no look-ahead)."""
    cbr = crude_birth_rate(births, observed, base_year, n_years)
    recent = [births[t] for t in range(base_year - n_years + 1, base_year + 1) if births.get(t)]
    if not recent:
        recent = [float(series[t][0]) for t in range(base_year - n_years + 1, base_year + 1) if t in series]
    flat = sum(recent) / len(recent) if recent else 0.0
    out = {}
    for t in range(base_year + 1, last_year + 1):
        if cbr is not None and residents.get(t):
            out[t] = cbr * (1 + trend) ** (t - base_year) * residents[t] * factor
        else:
            out[t] = flat * (1 + trend) ** (t - base_year) * factor
    return out


def project_residents(observed: dict[int, float], base_year: int, last_year: int, growth: float | None,
                      n_years: int, housing: dict[int, float] | None = None) -> tuple[dict[int, float], float]:
    """R(t) = R(base) · (1 + g)^(t − base) + housing residents added since the base year.
    g: given, else the mean annual growth over the last observed years. Returns (R, g)."""
    if base_year not in observed:
        return {}, 0.0
    if growth is None:
        first = min((t for t in observed if t >= base_year - n_years + 1), default=base_year)
        growth = (observed[base_year] / observed[first]) ** (1 / (base_year - first)) - 1 if first < base_year else 0.0
    out = {base_year: float(observed[base_year])}
    for t in range(base_year + 1, last_year + 1):
        out[t] = observed[base_year] * (1 + growth) ** (t - base_year) + (housing or {}).get(t, 0.0)
    return out, growth
