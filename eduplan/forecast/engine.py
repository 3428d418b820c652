"""Run one scenario end to end: population → enrolment → need → capacity → gap → resources, and compare
scenarios with the baseline. The store and the project library are read once and shared.

A forecast is of one district (`eduplan.plan.scope.Scope`) and takes from its plan the key projects
(their places and money), the preschool target rate and the horizon (plan_terms.py); without a plan
the store's projects, the settings' rate and the base year + 5 are used, and the notes say so.

No look-ahead: a forecast from base year B reads nothing stored for a later year (inputs.py) and the
project library as it stood on 31 December B (base_library)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from pydantic import ValidationError

from ..plan import Plan
from ..projects import Library, build_library
from ..settings import load_section
from .capacity import (
    AreaCapacity, ProjectPlaces, SchoolCapacity, capacity_by_area, project_places, school_capacities,
)
from .enrolment import GRADES_OF, FlowRates, allocate, flow_rates, level_total, project_enrolment
from .gap import GapRow, compute_gap, summarise_gap
from .housing import housing_additions
from .inputs import ForecastError, Inputs, library_rows, load_inputs
from .plan_terms import Horizon, PreschoolRate, gap_horizon, preschool_rate
from .population import (
    age0_ratio, estimate_migration, project_births, project_population, project_residents, survival_vector,
)
from .resources import capital_by_year, resource_needs
from .scenarios import Scenario, get_scenario
from .settings import ForecastSettings

FLOW_LEVELS = ("小学", "初中", "高中", "中职")


@dataclass
class Forecast:
    scenario: Scenario
    settings: ForecastSettings
    inputs: Inputs
    population: dict[str, dict[int, np.ndarray]]
    residents: dict[str, dict[int, float]]
    births: dict[str, dict[int, float]]
    migration: dict[str, np.ndarray]
    rates: dict[str, FlowRates]
    enrolment: dict[str, dict[int, dict[str, float]]]
    need: dict[tuple[str, str], dict[int, float]]
    schools: list[SchoolCapacity]
    projects: list[ProjectPlaces]
    capacity: dict[tuple[str, str], dict[int, AreaCapacity]]
    gap: list[GapRow]
    yardstick: list[dict[str, Any]]
    resources: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    plan: Plan | None = None
    horizon: Horizon | None = None  # how far the gap is computed, and why
    preschool: PreschoolRate | None = None  # the preschool rate used, and where it comes from

    @property
    def base_year(self) -> int:
        return self.inputs.base_year

    @property
    def gap_years(self) -> list[int]:
        return list(range(self.base_year + 1, self.settings.gap_horizon + 1))

    def gap_row(self, area: str, level: str, year: int) -> GapRow:
        return next(r for r in self.gap if (r.area, r.level, r.year) == (area, level, year))

    def summary(self) -> list[dict[str, Any]]:
        return summarise_gap(self.gap)


def _settings_for(base: ForecastSettings, scenario: Scenario) -> ForecastSettings:
    try:
        return ForecastSettings(**{**base.model_dump(), **scenario.settings})
    except ValidationError as e:
        problems = "；".join(f"{'.'.join(map(str, err['loc']))}：{err['msg']}" for err in e.errors())
        raise ForecastError(f"情景“{scenario.id}”的设置有误：{problems}") from None


def run_forecast(store=None, scenario: str | Scenario = "baseline", settings: ForecastSettings | None = None,
                 library: Library | None = None, inputs: Inputs | None = None, as_of: date | None = None,
                 scope=None) -> Forecast:
    """One scenario of one district (`scope`, an eduplan.plan.scope.Scope; None: the store's only
    district with its bound plan). Pass `library` and `inputs` to reuse them across scenarios."""
    settings = settings or load_section("forecast", ForecastSettings)
    scope = scope or _one_scope(store)
    plan = scope.plan
    inputs = inputs or load_inputs(store, settings.base_year, scope.district_code)
    library = library or base_library(store, plan, inputs.base_year, as_of, scope.district_code)
    sc = scenario if isinstance(scenario, Scenario) else get_scenario(
        scenario, settings.scenarios, {p.id for p in library.projects})
    s = _settings_for(settings, sc)
    # no look-ahead: the horizon rests on the base year (the latest data the forecast reads), not on
    # data stored for later years
    horizon = gap_horizon(plan, inputs.base_year, s.gap_horizon)
    preschool = preschool_rate(plan, s.preschool_target_rate)
    s = s.model_copy(update={"gap_horizon": horizon.year, "preschool_target_rate": preschool.final})
    base, last = inputs.base_year, max(s.horizon, s.gap_horizon)
    district, areas = inputs.district_code, inputs.areas
    notes: list[str] = []

    # -- population
    surv = survival_vector(s.survival_infant, s.survival_child)
    adds, added = housing_additions(inputs.housing, base, last, s.persons_per_household, s.occupancy_years,
                                    s.occupancy_factor, s.housing_age_profile)
    for z in set(adds) - set(areas):
        notes.append(f"新建住宅所在学区 {z} 不在学区列表中，未计入")
    population, residents, births, migration = {}, {}, {}, {}
    for area in areas:
        series = inputs.population.get(area, {})
        if base not in series:
            raise ForecastError(f"区域 {area} 没有 {base} 年的分年龄人口，无法以 {base} 年为基年预测")
        migration[area] = estimate_migration(series, surv, base, s.migration_years)
        residents[area], _ = project_residents(inputs.residents.get(area, {}), base, last, s.residents_growth,
                                               5, added.get(area))
        births[area] = project_births(inputs.births.get(area, {}), inputs.residents.get(area, {}), residents[area],
                                      base, last,
                                      s.births_base_years, s.birth_rate_trend, s.births_factor, series)
        k = age0_ratio(series, inputs.births.get(area, {}), base, s.births_base_years) or 1.0
        observed = {t: v for t, v in series.items() if t < base}
        population[area] = {**observed, **project_population(series[base], base, last, surv, migration[area],
                                                             births[area], k, adds.get(area))}
    if district not in population:
        years = sorted(set.intersection(*(set(population[a]) for a in areas)))
        population[district] = {t: sum(population[a][t] for a in areas) for t in years}
        residents[district] = {t: sum(residents[a].get(t, 0.0) for a in areas) for t in range(base, last + 1)}

    # -- enrolment
    # One set of numbers: 小学 and 初中 are projected per 学区 and the district is their sum; the
    # district-wide levels (高中, 中职) are projected for the district (fed by the summed 初中) and
    # allocated to the 学区 by their base-year pupils per grade.
    rates, enrolment, start = {}, {}, {}
    for area in dict.fromkeys([*areas, district]):
        pairs = inputs.flow_pairs(area, s.flow_year_pairs, population[area])
        rates[area] = flow_rates(pairs, FLOW_LEVELS, s.intake_fallback, s.transition_fallback)  # pairs, left_out
        start[area] = {g: v["pupils"] for g, v in inputs.area_enrolment(area, base).items()}
    zones = [a for a in areas if a != district]
    zone_grades = [g for lvl in FLOW_LEVELS if lvl not in s.district_wide_levels for g in GRADES_OF[lvl]]
    wide_grades = [g for lvl in FLOW_LEVELS if lvl in s.district_wide_levels for g in GRADES_OF[lvl]]
    for area in zones:
        enrolment[area] = project_enrolment(start[area], rates[area], population[area], base, last)
    summed = {t: {g: sum(enrolment[a][t][g] for a in zones) for g in zone_grades} for t in range(base + 1, last + 1)}
    enrolment[district] = project_enrolment(start[district], rates[district], population[district], base, last,
                                            summed if zones else None)
    if zones:
        shares = allocate(enrolment[district], {a: {g: v["pupils"] for g, v in
                                                    inputs.area_enrolment(a, base).items()} for a in zones},
                          wide_grades, base)
        for a in zones:
            for t, by_grade in shares[a].items():
                enrolment[a][t].update(by_grade)

    # -- need
    need: dict[tuple[str, str], dict[int, float]] = {}
    lo, hi = s.preschool_ages
    for level in s.gap_levels:
        for area in ([district] if level in s.district_wide_levels else areas):
            if level == "学前":
                need[(area, level)] = {t: float(population[area][t][lo:hi + 1].sum()) * preschool.rate(t) / 100
                                       for t in range(base, last + 1)}
            else:
                need[(area, level)] = {t: level_total(enrolment[area][t], level) for t in range(base, last + 1)}

    # -- capacity and gap
    schools = school_capacities(inputs.school_levels, s.class_size, s.capacity_fallback, s.capacity_lookback,
                                base, library)
    places, delay_notes = project_places(library, base, s.class_size, sc.delays)
    notes += delay_notes
    unzoned = sorted({p.name for p in places if p.zone not in areas and p.level not in s.district_wide_levels})
    if unzoned and areas != [district]:
        notes.append(f"以下项目未填学区，其学位未计入各学区：{'、'.join(unzoned)}")
    notes += _library_notes(library)
    years = list(range(base + 1, s.gap_horizon + 1))
    cap_levels = list(dict.fromkeys([*s.gap_levels, *FLOW_LEVELS]))
    capacity = capacity_by_area(schools, places, areas, district, cap_levels, s.district_wide_levels,
                                [base, *years])
    gap = compute_gap(need, {k: v for k, v in capacity.items() if k[1] in s.gap_levels}, places, years,
                      s.cross_zone_placement, s.neighbours, district)

    # -- 千人指标 yardstick
    yardstick = []
    for (area, level), by_year in need.items():
        per = s.places_per_1000.get(level)
        for t in [base, *years]:
            r = residents.get(area, {}).get(t)
            if per and r:
                yard = r / 1000 * per
                yardstick.append({"area": area, "level": level, "year": t, "residents": round(r),
                                  "yardstick_places": round(yard), "need": round(by_year[t]),
                                  "need_per_1000": round(by_year[t] / r * 1000, 1), "ratio": round(by_year[t] / yard, 3)})

    # -- resources (district totals)
    all_years = [base, *years]
    pupils: dict[str, dict[int, float]] = {}
    classes_needed: dict[str, dict[int, float]] = {}
    classes_avail: dict[str, dict[int, float]] = {}
    for level in ("学前", *FLOW_LEVELS):
        cs = s.class_size.get(level, 45)
        if level in s.district_wide_levels or level not in s.gap_levels:
            src = [district]
        else:
            src = areas
        if level == "学前":
            series = {t: sum(need.get((a, level), {}).get(t, 0.0) for a in src) for t in all_years}
        else:
            series = {t: sum(level_total(enrolment[a][t], level) for a in src) for t in all_years}
        pupils[level] = series
        classes_needed[level] = {t: sum(math.ceil((need.get((a, level), {}).get(t, 0.0)
                                                   if (a, level) in need else level_total(enrolment[a][t], level)) / cs)
                                        for a in src) for t in all_years}
        classes_avail[level] = {t: sum(capacity[(a, level)][t].available for a in src if (a, level) in capacity) / cs
                                for t in all_years}
    capital = capital_by_year(library, base, all_years, sc.delays)
    resources = resource_needs(pupils, classes_needed, classes_avail, inputs.staff, inputs.money, capital, base,
                               all_years, s, inputs.private_share)
    return Forecast(sc, s, inputs, population, residents, births, migration, rates, enrolment, need, schools,
                    places, capacity, gap, yardstick, resources, notes, plan, horizon, preschool)


def base_library(store, plan: Plan | None, base_year: int, as_of: date | None, district_code: str) -> Library:
    """The project library as it stood at the end of the base year (no look-ahead): money of later years
    and progress recorded after 31 December of the base year are not read, and the as-of date is at
    most that day."""
    as_of = min(as_of or date.today(), date(base_year, 12, 31))
    rows = library_rows(store, base_year) if store is not None else None
    return build_library(store, plan, as_of=as_of, rows=rows, district_code=district_code)


def _one_scope(store):
    from ..plan.scope import one_scope

    return one_scope(store)


def _library_notes(library: Library) -> list[str]:
    """What the forecast cannot count from the project library, said rather than taken as 0."""
    notes = []
    foreign = [f"{p.name}（类别“{p.category}”）" for p in library.projects if library.plan and not p.category_known]
    if foreign:
        notes.append(f"以下项目的类别不在规划中，新增学位无法确定、未计入：{'、'.join(foreign)}（eduplan projects 列出）")
    unknown = [p.name for p in library.projects if p.category_known and p.places_basis == "unknown"]
    if library.plan is None:
        unknown = [p.name for p in library.projects if p.places_basis == "unknown"]
    if unknown:
        notes.append(f"以下项目的新增学位未知（“项目新增学位”表未填，规划也未给出），未计入：{'、'.join(unknown)}")
    missing = [p.name for p in library.projects if p.investment is None and not p.finance]
    if missing:
        notes.append(f"以下项目的计划投资未知（未填且不在规划的分组中），基建投资未计入：{'、'.join(missing)}")
    return notes


# ------------------------------------------------------------------ comparison


def _no_change(f: Forecast, ref: dict[tuple[str, str, int], GapRow]) -> str:
    """Why a scenario changes no shortage: it has no results, or its change of need stays within the
    places to spare (or there is none)."""
    if not f.gap:
        why = "；".join(f.notes) or "没有可计算学位缺口的学区和学段"
        return f"该情景没有结果：{why}"
    need = round(sum(r.need - ref[(r.area, r.level, r.year)].need for r in f.gap if (r.area, r.level, r.year) in ref))
    places = sum(r.available - ref[(r.area, r.level, r.year)].available for r in f.gap
                 if (r.area, r.level, r.year) in ref)
    if need == 0 and places == 0:
        return "学位需求和可用学位都与基准情景相同，缺位无变化"
    years = sorted({r.year for r in f.gap})
    return (f"各学区各年度的缺位与基准情景相同：学位需求合计变化 {need:+,} 人、可用学位合计变化 {places:+,} 个"
            f"（{years[0]}–{years[-1]} 年各年相加），都落在有富余学位的学区和年度，没有改变任何缺位")


def compare(forecasts: list[Forecast]) -> dict[str, Any]:
    """Each scenario against the first (the baseline): the 学区, level and year it pushes into a shortage
    (or deepens one), and by how many places."""
    base = forecasts[0]
    ref = {(r.area, r.level, r.year): r for r in base.gap}
    out = []
    for f in forecasts[1:]:
        changes = []
        for r in f.gap:
            b = ref.get((r.area, r.level, r.year))
            if b is None or r.unplaced == b.unplaced:
                continue
            changes.append({"area": r.area, "level": r.level, "year": r.year, "baseline_shortage": b.unplaced,
                            "scenario_shortage": r.unplaced, "change": r.unplaced - b.unplaced,
                            "available_change": r.available - b.available, "need_change": round(r.need - b.need),
                            "new_shortage": b.unplaced == 0 and r.unplaced > 0})
        out.append({"scenario": f.scenario.id, "name": f.scenario.name, "description": f.scenario.description,
                    "changes": changes,
                    "new_shortages": [c for c in changes if c["new_shortage"]],
                    "total_change": sum(c["change"] for c in changes), "notes": f.notes,
                    "explanation": None if changes else _no_change(f, ref)})
    return {"baseline": base.scenario.id, "scenarios": out}


def run_scenarios(store, names: list[str], settings: ForecastSettings | None = None,
                  as_of: date | None = None, scope=None) -> list[Forecast]:
    """The baseline first, then each named scenario, sharing the inputs and the library; of one district
    (`scope`; None: the store's only district with its bound plan)."""
    settings = settings or load_section("forecast", ForecastSettings)
    scope = scope or _one_scope(store)
    inputs = load_inputs(store, settings.base_year, scope.district_code)
    library = base_library(store, scope.plan, inputs.base_year, as_of, scope.district_code)
    names = ["baseline", *[n for n in names if n != "baseline"]]
    return [run_forecast(store, n, settings, library, inputs, scope=scope) for n in names]
