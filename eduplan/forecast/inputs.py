"""Read what the forecast needs from the store, once, as it stood in the base year B (no look-ahead:
no yearly row after B, no school closure after B, project money and progress as at 31 December B): population, births, residents, enrolment by
学区 and grade, schools with their capacity evidence, staff and money — of one district (a store may
hold several; only that district's schools, 学区, areas and housing are read). Areas are the 学区
(zones) and the district; a school belongs to the zone its school_zone row gives for the year. A blank optional
cell stays None (missing) — 留级生数 and 毕业生数 feed the flow rates only where they were filled in
(eduplan/forecast/enrolment.py), and a sum over a blank cell is None, never a partial total."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from ..errors import EduplanError
from ..model.codes import GRADE_LEVEL
from ..projects.library import PROJECT_TABLES, parse_date, store_rows
from .enrolment import FlowPair
from .population import AGES


class ForecastError(EduplanError):
    """The forecast cannot run on this data or with these settings."""


@dataclass
class SchoolLevel:
    school_code: str
    name: str
    zone: str | None
    level: str
    type_code: str
    pupils: float = 0.0
    classes: int = 0
    classes_over_norm: int | None = 0  # None: some grade left the cell blank
    classes_56plus: int | None = 0
    classes_history: dict[int, int] = field(default_factory=dict)
    design_classes: int | None = None  # the school's, all levels
    classrooms: int | None = None  # the school's, all levels
    school_classes: int = 0  # all levels of the school in the base year
    closed_year: int | None = None


@dataclass
class Inputs:
    district_code: str
    district_name: str
    zones: dict[str, str]  # code → name
    base_year: int
    population: dict[str, dict[int, np.ndarray]]  # area → year → ages 0–22
    births: dict[str, dict[int, float]]
    residents: dict[str, dict[int, float]]
    school_grades: dict[int, dict[str, dict[str, dict[str, float]]]]  # year → school → grade → values
    zone_at: dict[tuple[str, int], str | None]  # (school, year) → zone
    school_levels: list[SchoolLevel]
    staff: dict[str, dict[str, float]]  # level → {"staff", "teachers", "staff_private", "teachers_private"} (base year)
    money: dict[int, dict[str, float]]  # district area_year rows by year
    housing: list[dict[str, Any]]
    opened: dict[str, int | None] = field(default_factory=dict)  # school → recorded 建校年份 (up to the base year)
    private_share: dict[str, float] = field(default_factory=dict)  # level → 民办 share of pupils in the base year

    def unsteady(self, year: int) -> set[tuple[str, str]]:
        return unsteady(self.school_grades, self.opened, year)

    def flow_pairs(self, area: str, n_pairs: int, population: dict[int, np.ndarray]) -> list[FlowPair]:
        """The last `n_pairs` pairs of years (t, t+1) up to the base year, as the flow rates take them: the
        area's grades in t (schools assigned to 学区 as in t+1) and in t+1 — every school of the area —, its
        population in t+1, and the area's sections opening or closing in the pair (`unsteady`): the flow
        rates leave the pair out for their levels, for the whole area (eduplan/forecast/enrolment.py)."""
        out = []
        for t in range(self.base_year - n_pairs, self.base_year):
            if t in self.school_grades and t + 1 in self.school_grades:
                members = self.area_schools(area, t, t + 1) | self.area_schools(area, t + 1)
                left_out = tuple(sorted(sec for sec in self.unsteady(t)
                                        if area == self.district_code or sec[0] in members))
                out.append(FlowPair(self.area_enrolment(area, t, t + 1), self.area_enrolment(area, t + 1),
                                    population.get(t + 1), t, left_out))
        return out

    def area_schools(self, area: str, year: int, geo_year: int | None = None) -> set[str]:
        """The schools with pupils in `year` that `area_enrolment(area, year, geo_year)` counts."""
        geo = year if geo_year is None else geo_year
        if area == self.district_code:
            return set(self.school_grades.get(year, {}))
        return {code for code in self.school_grades.get(year, {})
                if (self.zone_at.get((code, geo)) or self.zone_at.get((code, year))) == area}

    @property
    def areas(self) -> list[str]:
        return list(self.zones)

    def area_enrolment(self, area: str, year: int, geo_year: int | None = None) -> dict[str, dict[str, float]]:
        """Pupils, repeaters and graduates by grade of the area's schools in `year`, the schools assigned
        to 学区 as they stand in `geo_year` (default: `year`; a school absent then keeps its zone of
        `year`). Flow rates compare two years over the same schools, so a school moving between 学区
        is not mistaken for pupils moving."""
        out: dict[str, dict[str, float]] = {}
        members = self.area_schools(area, year, geo_year)
        for code, grades in self.school_grades.get(year, {}).items():
            if code not in members:
                continue
            for g, v in grades.items():
                cell = out.setdefault(g, {"pupils": 0.0, "repeaters": 0.0, "graduates": 0.0})
                for k in cell:
                    cell[k] = None if cell[k] is None or v[k] is None else cell[k] + v[k]
        return out


def library_rows(store, base_year: int) -> dict[str, list[dict[str, Any]]]:
    """The project tables as they stood at the end of the base year: a milestone's actual date after
    31 December of the base year reads as not yet known, and so does money spent in a later year.

    A later year's 年度计划投资 is a schedule: a forward forecast (the base year is the latest year with
    enrolment data) uses it. A forecast from an earlier base year looks back (a backtest, `--base-year`):
    it cannot know when those planned amounts were entered, so it reads no 项目资金 row after the base
    year at all and spreads the remaining investment as it would without them. Either way a forecast
    from base year B is the same whether or not the store holds any yearly row after B."""
    cutoff = date(base_year, 12, 31)
    rows = {t: store_rows(store, t) for t in (*PROJECT_TABLES, "zone", "school")}
    latest = store.one("SELECT max(year) FROM enrolment")[0]
    if latest is not None and base_year < latest:
        rows["project_finance"] = [r for r in rows["project_finance"] if r["year"] <= base_year]
    else:
        rows["project_finance"] = [r if r["year"] <= base_year else {**r, "spent": None}
                                   for r in rows["project_finance"]]
    milestones = []
    for r in rows["project_milestone"]:
        actual = parse_date(r.get("actual_date"))
        milestones.append({**r, "actual_date": None} if actual is not None and actual > cutoff else r)
    rows["project_milestone"] = milestones
    return rows


def unsteady(school_grades: dict[int, dict[str, dict[str, Any]]], opened: dict[str, int | None],
             year: int) -> set[tuple[str, str]]:
    """The (school, level) sections whose opening or closing year falls in the pair (year, year + 1): a
    section opens in the first year it has pupils (or the school's recorded 建校年份) and closes after the
    last year it has pupils, within the years observed. Their one-off transitions (a new school drawing
    pupils from elsewhere: promotion 1.47) are one-offs: the flow rates leave the pair out for the level, in
    every area the section belongs to (eduplan/forecast/enrolment.py)."""
    years = sorted(school_grades)
    if not years:
        return set()
    first_obs, last_obs = years[0], years[-1]
    span: dict[tuple[str, str], list[int]] = {}
    for t in years:
        for code, grades in school_grades[t].items():
            for g in grades:
                sec = span.setdefault((code, GRADE_LEVEL[g]), [t, t])
                sec[0], sec[1] = min(sec[0], t), max(sec[1], t)
    out = set()
    for (code, level), (first, last) in span.items():
        opening = {first} if first > first_obs else set()
        if opened.get(code) is not None and first_obs < opened[code] <= last_obs:
            opening.add(opened[code])
        closing = {last} if last < last_obs else set()
        if opening & {year, year + 1} or closing & {year, year + 1}:
            out.add((code, level))
    return out


def _opt(v) -> float | None:
    return None if v is None else float(v)


def latest_common_year(store, district: str) -> int | None:
    """The latest year with both enrolment (of the district's schools) and population (of the district
    or its 学区): the default base year."""
    row = store.one(
        "SELECT max(e.year) FROM (SELECT DISTINCT year FROM enrolment JOIN school USING (school_code) "
        "WHERE school.district_code = ?) e JOIN (SELECT DISTINCT year FROM population WHERE area_code = ? "
        "OR area_code IN (SELECT zone_code FROM zone WHERE district_code = ?)) p USING (year)",
        [district, district, district])
    return row[0] if row else None


def load_inputs(store, base_year: int | None = None, district_code: str | None = None) -> Inputs:
    """The inputs of `district_code` (None: the store's only district; several → DistrictRequired)."""
    if district_code is None:
        from ..plan.scope import choose_districts

        district_code = choose_districts(store)[0]
    d = store.one("SELECT district_code, district_name FROM district WHERE district_code = ?", [district_code])
    if d is None:
        raise ForecastError(f"数据库中没有区 {district_code} 的“区县”数据；先导入该区的区县、学区和学校数据")
    district = d[0]
    latest = latest_common_year(store, district)
    if latest is None:
        raise ForecastError(f"数据库中没有区 {district} 同一年度的分年级学生数和分年龄人口，无法预测")
    base = base_year or latest
    if base_year is not None and base_year > latest:
        raise ForecastError(f"基年 {base_year} 没有分年级学生数或分年龄人口（最近的为 {latest} 年）")
    zones = {c: n for c, n in store.run("SELECT zone_code, zone_name FROM zone WHERE district_code = ? "
                                        "ORDER BY zone_code", [district])}
    areas = set(zones) | {district}
    own_zones = set(zones)
    population: dict[str, dict[int, np.ndarray]] = defaultdict(dict)
    for area, year, age, n in store.run("SELECT area_code, year, age, population FROM population"):
        if area in areas and year <= base:
            population[area].setdefault(year, np.zeros(AGES))[age] = n
    births: dict[str, dict[int, float]] = defaultdict(dict)
    residents: dict[str, dict[int, float]] = defaultdict(dict)
    money: dict[int, dict[str, float]] = {}
    for r in store.rows("area_year"):
        if r["area_code"] not in areas:
            continue
        if r["year"] > base:
            continue  # nothing after the base year: no stored births, residents or money of later years
        if r.get("births"):
            births[r["area_code"]][r["year"]] = float(r["births"])
        if r.get("residents"):
            residents[r["area_code"]][r["year"]] = float(r["residents"])
        if r["area_code"] == district:
            money[r["year"]] = {k: v for k, v in r.items() if v is not None}
    if not zones or not all(z in population for z in zones):
        zones = {district: d[1] or district}  # no zone-level population: the district is the one area

    schools = {r["school_code"]: r for r in store.rows("school", ["school_code", "school_name", "type_code",
                                                                 "opened_year", "closed_year", "district_code"])}
    member = store.run("SELECT school_code, zone_code, start_year, end_year FROM school_zone")

    def zone_of(code: str, year: int) -> str | None:
        for c, z, s, e in member:
            if c == code and s <= year and (e is None or year <= e):
                return z if z in zones else None
        return None

    school_grades: dict[int, dict[str, dict[str, dict[str, float]]]] = defaultdict(lambda: defaultdict(dict))
    by_school: dict[tuple[str, str], SchoolLevel] = {}
    zone_at: dict[tuple[str, int], str | None] = {}
    for code, year, grade, classes, pupils, rep, grads, over, big in store.run(
            "SELECT school_code, year, grade, classes, pupils, repeaters, graduates, classes_over_norm, "
            "classes_56plus FROM enrolment WHERE year <= ?", [base]):
        s = schools.get(code)
        if s is None or s["district_code"] != district or s["type_code"].startswith("5"):
            continue  # another district's school; special schools are district-wide, outside the flows
        key = (code, year)
        if key not in zone_at:
            zone_at[key] = zone_of(code, year) if district not in zones else district
        z = zone_at[key]
        school_grades[year][code][grade] = {"pupils": float(pupils), "repeaters": _opt(rep), "graduates": _opt(grads)}
        level = GRADE_LEVEL[grade]
        sl = by_school.get((code, level))
        if sl is None:
            closed = s.get("closed_year")  # a closure after the base year was not known then
            sl = by_school[(code, level)] = SchoolLevel(code, s["school_name"], None, level, s["type_code"],
                                                        closed_year=closed if closed and closed <= base else None)
        sl.classes_history[year] = sl.classes_history.get(year, 0) + (classes or 0)
        if year == base:
            sl.zone = z
            sl.pupils += pupils or 0
            sl.classes += classes or 0
            sl.classes_over_norm = None if sl.classes_over_norm is None or over is None else sl.classes_over_norm + over
            sl.classes_56plus = None if sl.classes_56plus is None or big is None else sl.classes_56plus + big
    levels_base = [sl for sl in by_school.values() if sl.classes_history.get(base)]
    fac = {r[0]: r[1:] for r in store.run("SELECT school_code, design_classes, classrooms FROM facilities "
                                          "WHERE year = ?", [base])}
    school_total: dict[str, int] = defaultdict(int)
    for sl in levels_base:
        school_total[sl.school_code] += sl.classes
    for sl in levels_base:
        design, rooms = fac.get(sl.school_code, (None, None))
        sl.design_classes, sl.classrooms, sl.school_classes = design, rooms, school_total[sl.school_code]
    staff: dict[str, dict[str, float]] = defaultdict(
        lambda: {"staff": 0.0, "teachers": 0.0, "staff_private": 0.0, "teachers_private": 0.0})
    for section, own, st, te in store.run(
            "SELECT section, ownership, sum(staff), sum(teachers) FROM teachers JOIN school USING (school_code) "
            "WHERE year = ? AND school.district_code = ? GROUP BY section, ownership", [base, district]):
        suffix = "_private" if own == "民办" else ""
        staff[section][f"staff{suffix}"] += float(st or 0)
        staff[section][f"teachers{suffix}"] += float(te or 0)
    private_share: dict[str, float] = {}
    for level, own, n in store.run(
            "SELECT grade, ownership, sum(pupils) FROM enrolment JOIN school USING (school_code) "
            "WHERE year = ? AND school.district_code = ? AND type_code NOT LIKE '5%' GROUP BY ALL", [base, district]):
        cell = private_share.setdefault(GRADE_LEVEL[level], [0.0, 0.0])
        cell[0] += float(n or 0) if own == "民办" else 0.0
        cell[1] += float(n or 0)
    housing = [r for r in store_rows(store, "housing") if r.get("zone_code") in own_zones]
    shares = {lvl: (p / n if n else 0.0) for lvl, (p, n) in private_share.items()}
    return Inputs(district, d[1] or district, zones, base, dict(population), dict(births), dict(residents),
                  {y: dict(v) for y, v in school_grades.items()}, zone_at, levels_base, dict(staff), money, housing,
                  {c: (r.get("opened_year") if (r.get("opened_year") or 0) <= base else None)
                   for c, r in schools.items() if r["district_code"] == district}, shares)
