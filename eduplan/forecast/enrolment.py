"""Enrolment by grade: flow rates from two consecutive years (UNESCO reconstructed cohort) and the
projection that applies them.

For grade g with E(g, t) pupils and R(g, t+1) repeaters the next year:

    r(g) = R(g, t+1) / E(g, t)                                     repetition
    p(g) = [E(g+1, t+1) − R(g+1, t+1)] / E(g, t)                   promotion (within the level)
    p(last) = G(t+1) / E(last, t)                                  graduation (G: graduates reported
                                                                   on the final grade next year; else 1 − r)
    d(g) = 1 − p(g) − r(g)                                         dropout (negative: net transfers in)

Entry: the first grade of 小学 takes i · P(t+1, 6) new entrants (i the apparent intake rate
[E(P1, t+1) − R(P1, t+1)] / P(t+1, 6)); the first grade of 初中 / 高中 / 中职 takes τ · E(last grade of
the level below, t) (τ the transition rate [E(first, t+1) − R(first, t+1)] / E(last below, t)). Then

    E(first, t+1) = entrants(t+1) + r(first) · E(first, t)
    E(g, t+1)     = p(g−1) · E(g−1, t) + r(g) · E(g, t)

With several pairs of years, numerators and denominators are summed before dividing. At 学区 level
the rates absorb net transfers between 学区 (a new school drawing pupils in shows as promotion > 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

GRADES_OF: dict[str, tuple[str, ...]] = {
    "小学": tuple(f"P{i}" for i in range(1, 7)),
    "初中": ("J1", "J2", "J3"),
    "高中": ("S1", "S2", "S3"),
    "中职": ("V1", "V2", "V3"),
}
ENTRY_AGE = {"小学": 6}
FEEDER = {"初中": "小学", "高中": "初中", "中职": "初中"}  # level whose last grade feeds the first grade

YearData = dict[str, dict[str, float]]  # grade → {"pupils", "repeaters", "graduates"}


@dataclass
class FlowRates:
    levels: tuple[str, ...]
    repetition: dict[str, float] = field(default_factory=dict)
    promotion: dict[str, float] = field(default_factory=dict)
    dropout: dict[str, float] = field(default_factory=dict)
    intake: dict[str, float] = field(default_factory=dict)  # level → apparent intake rate
    transition: dict[str, float] = field(default_factory=dict)  # level → transition rate into its first grade
    fallback: list[str] = field(default_factory=list)  # rates taken from settings for lack of data

    def to_dict(self) -> dict[str, Any]:
        return {"repetition": self.repetition, "promotion": self.promotion, "dropout": self.dropout,
                "intake": self.intake, "transition": self.transition, "fallback": self.fallback}


def _v(d: YearData, grade: str, key: str) -> float:
    return float((d.get(grade) or {}).get(key) or 0.0)


def flow_rates(pairs: list[tuple[YearData, YearData, np.ndarray | None]], levels: tuple[str, ...],
               intake_fallback: dict[str, float] | None = None,
               transition_fallback: dict[str, float] | None = None) -> FlowRates:
    """Rates from (year t, year t+1, population of year t+1) triples; see the module docstring."""
    rates = FlowRates(levels)
    for level in levels:
        grades = GRADES_OF[level]
        for i, g in enumerate(grades):
            den = sum(_v(a, g, "pupils") for a, _, _ in pairs)
            rep = sum(_v(b, g, "repeaters") for _, b, _ in pairs)
            if i + 1 < len(grades):
                nxt = grades[i + 1]
                num = sum(_v(b, nxt, "pupils") - _v(b, nxt, "repeaters") for _, b, _ in pairs)
            else:
                grads = [_v(b, g, "graduates") for _, b, _ in pairs]
                num = sum(grads) if any(grads) else None
            if den > 0:
                r = rep / den
                p = num / den if num is not None else 1.0 - r
            else:
                r, p = 0.0, 1.0
            rates.repetition[g], rates.promotion[g], rates.dropout[g] = r, p, 1.0 - p - r
        first = grades[0]
        entrants = sum(_v(b, first, "pupils") - _v(b, first, "repeaters") for _, b, _ in pairs)
        if level in ENTRY_AGE:
            base = sum(float(pop[ENTRY_AGE[level]]) for _, _, pop in pairs if pop is not None)
            if base > 0 and entrants > 0:
                rates.intake[level] = entrants / base
            else:
                rates.intake[level] = (intake_fallback or {}).get(level, 1.0)
                rates.fallback.append(f"intake:{level}")
        elif level in FEEDER:
            last = GRADES_OF[FEEDER[level]][-1]
            base = sum(_v(a, last, "pupils") for a, _, _ in pairs)
            if base > 0 and entrants > 0:
                rates.transition[level] = entrants / base
            else:
                rates.transition[level] = (transition_fallback or {}).get(level, 0.0)
                rates.fallback.append(f"transition:{level}")
    return rates


def project_enrolment(base: dict[str, float], rates: FlowRates, population: dict[int, np.ndarray],
                      base_year: int, last_year: int) -> dict[int, dict[str, float]]:
    """Pupils by grade for base_year … last_year (the base year as given)."""
    out = {base_year: {g: float(base.get(g, 0.0)) for lvl in rates.levels for g in GRADES_OF[lvl]}}
    for t in range(base_year + 1, last_year + 1):
        prev, cur = out[t - 1], {}
        for level in rates.levels:
            grades = GRADES_OF[level]
            first = grades[0]
            if level in ENTRY_AGE:
                pop = population.get(t)
                entrants = rates.intake[level] * (float(pop[ENTRY_AGE[level]]) if pop is not None else 0.0)
            else:
                entrants = rates.transition[level] * prev.get(GRADES_OF[FEEDER[level]][-1], 0.0)
            cur[first] = entrants + rates.repetition[first] * prev[first]
            for below, g in zip(grades, grades[1:]):
                cur[g] = rates.promotion[below] * prev[below] + rates.repetition[g] * prev[g]
        out[t] = {g: max(v, 0.0) for g, v in cur.items()}
    return out


def level_total(by_grade: dict[str, float], level: str) -> float:
    return sum(by_grade.get(g, 0.0) for g in GRADES_OF[level])
