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
the rates absorb net transfers between 学区 (a new school drawing pupils in from another 学区 shows as
promotion > 1).

Opening and closing, per area and level: a pair of years in which one of the area's sections (school ×
level) opens or closes (`FlowPair.left_out`, from eduplan/forecast/inputs.py `unsteady`) is left out of
that level's rates of the area — for all its schools, not only the one opening or closing. Leaving out the
school alone would pool the schools that received its pupils (a 撤并 within the 学区) or lost pupils to it
(a new school drawing from its own 学区) over its absence, and read a move inside the area as growth or
loss. The level's grades and its intake pool the other pairs (`FlowRates.pooled`). The transition into a
level reads two levels (the first grade of the level in t+1 over the last grade of its feeder in t), so it
pools only the pairs steady for both: a pair left out for 小学 is left out of the 初中 transition too (a
closing 小学's last leavers, a new 小学's first ones, are the same one-off), and neither level's figures
are read from a pair the other has dropped. A level left without any pair is listed as "unsteady:<level>"
in `fallback` and takes the fallbacks below (no repetition, full promotion, the settings' intake or
transition rate).

Missing is missing: a pair of years enters a grade's rates only when the 留级生数 (and, for the last
grade, 毕业生数) it needs were filled in. A grade without any such pair takes no repetition and full
promotion (or 1 − r at the last grade) and is listed in `fallback` as "missing:<grade>", so the
assumption is visible in the output, never a blank silently read as 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

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


class FlowPair(NamedTuple):
    """One pair of years (t, t+1) of an area: its grades in t (schools assigned to 学区 as in t+1), in t+1,
    its population in t+1, the year t, and the area's (school, level) sections opening or closing in the
    pair — the levels they belong to leave the pair out (module docstring). A plain (before, after,
    population) triple is a steady pair of unknown year."""

    before: YearData
    after: YearData
    population: np.ndarray | None
    year: int | None = None
    left_out: tuple[tuple[str, str], ...] = ()

    @property
    def unsteady_levels(self) -> frozenset[str]:
        return frozenset(level for _, level in self.left_out)


@dataclass
class FlowRates:
    levels: tuple[str, ...]
    repetition: dict[str, float] = field(default_factory=dict)
    promotion: dict[str, float] = field(default_factory=dict)
    dropout: dict[str, float] = field(default_factory=dict)
    intake: dict[str, float] = field(default_factory=dict)  # level → apparent intake rate
    transition: dict[str, float] = field(default_factory=dict)  # level → transition rate into its first grade
    fallback: list[str] = field(default_factory=list)  # rates taken from settings for lack of data
    pairs: list[int] = field(default_factory=list)  # first years t of the pairs (t, t+1) read
    # "school·学段 t–t+1": a section of the area opening or closing, so that 学段's pair is left out (whole area)
    left_out: list[str] = field(default_factory=list)
    pooled: dict[str, list[int]] = field(default_factory=dict)  # level → first years t of the pairs it pools

    def to_dict(self) -> dict[str, Any]:
        return {"repetition": self.repetition, "promotion": self.promotion, "dropout": self.dropout,
                "intake": self.intake, "transition": self.transition, "fallback": self.fallback,
                "pairs": self.pairs, "left_out": self.left_out, "pooled": self.pooled}


def _v(d: YearData, grade: str, key: str) -> float | None:
    """The value of a grade in a year: 0 when the grade has no row (no pupils), None when the row left
    the cell blank (missing)."""
    row = d.get(grade)
    if row is None:
        return 0.0
    v = row.get(key)
    return None if v is None else float(v)


def flow_rates(pairs: list[FlowPair | tuple[YearData, YearData, np.ndarray | None]], levels: tuple[str, ...],
               intake_fallback: dict[str, float] | None = None,
               transition_fallback: dict[str, float] | None = None) -> FlowRates:
    """Rates from the area's pairs of years (FlowPair, or (year t, year t+1, population of year t+1)
    triples); each level pools the pairs not left out for it. See the module docstring."""
    fps = [p if isinstance(p, FlowPair) else FlowPair(*p) for p in pairs]
    rates = FlowRates(levels)
    rates.pairs = [p.year for p in fps if p.year is not None]
    rates.left_out = [f"{code}·{lvl} {p.year}–{p.year + 1}" for p in fps if p.year is not None
                      for code, lvl in sorted(p.left_out) if lvl in levels]
    steady = {level: [p for p in fps if level not in p.unsteady_levels] for level in levels}
    for level in levels:
        rates.pooled[level] = [p.year for p in steady[level] if p.year is not None]
        if fps and not steady[level]:
            rates.fallback.append(f"unsteady:{level}")
        grades = GRADES_OF[level]
        own = [(p.before, p.after, p.population) for p in steady[level]]
        for i, g in enumerate(grades):
            last = i + 1 == len(grades)
            nxt = None if last else grades[i + 1]
            # the pairs whose needed values were filled in (a blank is missing, not 0)
            usable = [(a, b) for a, b, _ in own if _v(b, g, "repeaters") is not None
                      and (last or _v(b, nxt, "repeaters") is not None)]
            if own and not usable:
                rates.fallback.append(f"missing:{g}")
            den = sum(_v(a, g, "pupils") for a, _ in usable)
            rep = sum(_v(b, g, "repeaters") for _, b in usable)
            if not last:
                num, den_p = sum(_v(b, nxt, "pupils") - _v(b, nxt, "repeaters") for _, b in usable), den
            else:  # graduation over the pairs that reported graduates (none reported: 1 − r)
                known = [(a, b) for a, b in usable if _v(b, g, "graduates") is not None]
                grads = [_v(b, g, "graduates") for _, b in known]
                num = sum(grads) if any(grads) else None
                den_p = sum(_v(a, g, "pupils") for a, _ in known)
            if den > 0:
                r = rep / den
                p = num / den_p if num is not None and den_p > 0 else 1.0 - r
            else:
                r, p = 0.0, 1.0
            rates.repetition[g], rates.promotion[g], rates.dropout[g] = r, p, 1.0 - p - r
        first = grades[0]
        if level in ENTRY_AGE:
            entry = [(a, b, pop) for a, b, pop in own if _v(b, first, "repeaters") is not None]
            entrants = sum(_v(b, first, "pupils") - _v(b, first, "repeaters") for _, b, _ in entry)
            base = sum(float(pop[ENTRY_AGE[level]]) for _, _, pop in entry if pop is not None)
            if base > 0 and entrants > 0:
                rates.intake[level] = entrants / base
            else:
                rates.intake[level] = (intake_fallback or {}).get(level, 1.0)
                rates.fallback.append(f"intake:{level}")
        elif level in FEEDER:
            # the pairs steady for the level and for its feeder (P6 of t → J1 of t+1 reads both)
            feeder = FEEDER[level]
            both = [p for p in steady[level] if feeder not in p.unsteady_levels]
            entry = [(p.before, p.after) for p in both if _v(p.after, first, "repeaters") is not None]
            entrants = sum(_v(b, first, "pupils") - _v(b, first, "repeaters") for _, b in entry)
            base = sum(_v(a, GRADES_OF[feeder][-1], "pupils") for a, _ in entry)
            if base > 0 and entrants > 0:
                rates.transition[level] = entrants / base
            else:
                rates.transition[level] = (transition_fallback or {}).get(level, 0.0)
                rates.fallback.append(f"transition:{level}")
    return rates


def project_enrolment(base: dict[str, float], rates: FlowRates, population: dict[int, np.ndarray],
                      base_year: int, last_year: int,
                      given: dict[int, dict[str, float]] | None = None) -> dict[int, dict[str, float]]:
    """Pupils by grade for base_year … last_year (the base year as given). `given` fixes some grades in
    some years (the district's 小学 and 初中 = the sum of its 学区); the other grades flow from them."""
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
        out[t] = {g: max(v, 0.0) for g, v in {**cur, **(given or {}).get(t, {})}.items()}
    return out


def allocate(district: dict[int, dict[str, float]], base: dict[str, dict[str, float]], grades: list[str],
             base_year: int) -> dict[str, dict[int, dict[str, float]]]:
    """Share the district's projection of `grades` among the areas in proportion to their base-year pupils
    in each grade (school-based: a 学区 holds the pupils of its schools), so that the areas add up."""
    out: dict[str, dict[int, dict[str, float]]] = {a: {} for a in base}
    for g in grades:
        total = sum(b.get(g, 0.0) for b in base.values())
        for a, b in base.items():
            share = b.get(g, 0.0) / total if total else 0.0
            for t, by_grade in district.items():
                if t > base_year:
                    out[a].setdefault(t, {})[g] = by_grade.get(g, 0.0) * share
    return out


def level_total(by_grade: dict[str, float], level: str) -> float:
    return sum(by_grade.get(g, 0.0) for g in GRADES_OF[level])
