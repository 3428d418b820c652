"""The district summary for one year: schools, pupils, classes, teachers, population, finance, and
the headline figures of the district's plan — computed at query time from the store.

Counts use the indicator engine's relations (eduplan/indicators/relations.py: 学段 of each grade, 特教
for special schools); the headline figures ARE the declared indicators (definitions.yaml), computed by
the engine, so each formula lives in one place. Which figures: the rows of the plan's own indicator
tables (in the plan's order), each beside the value the plan prints as actual for that year
(`Plan.published`); a district without a plan gets DEFAULT_FIGURES and no published values.

Missing is missing: a count summed over rows where some school left the cell blank is shown as None
(not the partial sum) and `missing` names the figure and how many schools lack it.
"""

from __future__ import annotations

from typing import Any

from ibis import _

from ..indicators import IndicatorSettings, compute, load_definitions
from ..indicators.relations import build_relations
from ..model import LEVELS, SCHOOL_TYPES
from ..store import Store

# The headline figures of a district without a plan: indicators every district's plan reports.
DEFAULT_FIGURES = (
    "preschool_gross_enrolment", "upper_secondary_gross_enrolment", "senior_teacher_postgraduate_share",
    "vocational_dual_qualified_teacher_share", "education_expenditure_share", "inclusive_kindergarten_share",
)
COMPULSORY_AGES = (6, 14)


def _ratio(num: float | None, den: float | None, factor: float = 100.0) -> float | None:
    if num is None or not den:
        return None
    return num / den * factor


def _scalar(expr) -> Any:
    return expr.to_pyarrow().as_py()


def headline(plan=None, settings: IndicatorSettings | None = None) -> list[dict[str, Any]]:
    """The headline figures: the plan's table rows (first occurrence of each indicator, in the plan's
    order) as {id, name, unit, levels}; without a plan, DEFAULT_FIGURES from the declarations."""
    if plan is not None:
        rows: dict[str, dict[str, Any]] = {}
        for table in plan.tables:
            for r in table.rows:
                rows.setdefault(r.id, {"id": r.id, "name": r.name, "unit": r.unit, "levels": r.levels})
        return list(rows.values())
    defs = load_definitions(settings)
    return [{"id": i, "name": defs.get(i).name, "unit": defs.get(i).unit, "levels": None} for i in DEFAULT_FIGURES]


def _the_district(store: Store) -> str | None:
    """The store's district when there is exactly one; None when there is none; DistrictRequired else."""
    from ..plan.scope import choose_districts

    if not store.districts():
        return None
    return choose_districts(store)[0]


def district_summary(store: Store, year: int, district_code: str | None = None, plan=None,
                     settings: IndicatorSettings | None = None) -> dict[str, Any]:
    """The summary of `district_code` (default: the store's only district) in `year`, with the headline
    figures of `plan` (the district's plan; None: DEFAULT_FIGURES, no published values)."""
    con = store.ibis()
    district_code = district_code or _the_district(store)
    if district_code is None:
        return {"year": year, "district": None, "empty": True}
    settings = settings or IndicatorSettings()
    d = con.table("district").filter(_.district_code == district_code).to_pyarrow().to_pylist()
    rels = build_relations(store)
    enr = rels["enrolment"].filter((_.year == year) & (_.district_code == district_code))
    teachers = rels["teachers"].filter((_.year == year) & (_.district_code == district_code))
    pop = con.table("population").filter((_.year == year) & (_.area_code == district_code))
    area = con.table("area_year").filter((_.year == year) & (_.area_code == district_code))

    missing: list[str] = []
    by_level = (enr.group_by("level")
                .aggregate(schools=_.school_code.nunique(), pupils=_.pupils.sum(), classes=_.classes.sum(),
                           female=_.female.sum(), **_complete(enr, "new_entrants"))
                .to_pyarrow().to_pylist())
    t_by = (teachers.group_by("section")
            .aggregate(staff=_.staff.sum(), teachers=_.teachers.sum(), postgrad=_.q_postgrad.sum(),
                       **_complete(teachers, "dual"))
            .to_pyarrow().to_pylist())
    order = {c: i for i, c in enumerate(LEVELS.values)}
    by_level.sort(key=lambda r: order[r["level"]])
    t_by.sort(key=lambda r: order[r["section"]])
    _settle(by_level, "level", {"new_entrants": "招生数"}, missing)
    for r in t_by:  # 双师型 is reported for 中职 only (docs/data-model.md): elsewhere a blank is no news
        if r["section"] != "中职" and r["dual__blank"]:
            r["dual"], r["dual__blank"] = None, 0
    _settle(t_by, "section", {"dual": "双师型教师数"}, missing)
    tsec = {r["section"]: r for r in t_by}
    for r in by_level:
        t = tsec.get(r["level"])
        r["teachers"] = t["teachers"] if t else None
        r["pupil_teacher_ratio"] = _ratio(r["pupils"], r["teachers"], 1.0) if t else None

    # schools by type (those with pupils this year)
    active = enr.select("school_code", "type_code", "ownership").distinct()
    by_type = active.group_by(["type_code", "ownership"]).aggregate(n=_.count()).to_pyarrow().to_pylist()
    for r in by_type:
        r["type_label"] = SCHOOL_TYPES.label_of(r["type_code"])
    by_type.sort(key=lambda r: (r["type_code"], r["ownership"]))

    def pop_band(lo: int, hi: int) -> int | None:
        return _scalar(pop.filter((_.age >= lo) & (_.age <= hi)).population.sum())

    # zones: membership effective in `year`
    sz = con.table("school_zone")
    sz = sz.filter((_.start_year <= year) & (_.end_year.isnull() | (_.end_year >= year)))
    zones = con.table("zone").filter(_.district_code == district_code)
    ez = enr.join(sz.select("school_code", "zone_code"), "school_code")
    by_zone = (ez.group_by("zone_code").aggregate(schools=_.school_code.nunique(), pupils=_.pupils.sum())
               .join(zones.select("zone_code", "zone_name"), "zone_code")
               .order_by("zone_code").to_pyarrow().to_pylist())

    fin = area.to_pyarrow().to_pylist()
    fin = fin[0] if fin else {}
    ages = {f"{lo}-{hi}": (lo, hi) for lo, hi in (settings.preschool_ages, COMPULSORY_AGES,
                                                   settings.upper_secondary_ages)}
    figures = _figures(store, year, district_code, plan, settings)
    return {
        "year": year,
        "district": d[0] if d else {"district_code": district_code},
        "schools_by_type": by_type,
        "levels": by_level,
        "teachers": t_by,
        "zones": by_zone,
        "population": {**{k: pop_band(*band) for k, band in ages.items()}, "0-22": pop_band(0, 22),
                       "residents": fin.get("residents"), "births": fin.get("births")},
        "finance": {k: fin.get(k) for k in ("public_expenditure", "education_expenditure")},
        "plan": None if plan is None else {"id": plan.meta.id, "title": plan.meta.title},
        "figures": figures,
        "missing": missing,
    }


def _figures(store: Store, year: int, district_code: str, plan, settings: IndicatorSettings) -> dict[str, Any]:
    """id → {name, unit, value, by_level, published}: the headline figures computed for the district.
    A figure with levels (e.g. 小学/初中) has by_level and value None; one the engine does not declare
    has value None. published: what the plan prints as actual for `year` (None: the plan prints none)."""
    defs = load_definitions(settings)
    declared = {i.id for i in defs.indicators}
    heads = headline(plan, settings)
    ids = [h["id"] for h in heads if h["id"] in declared]
    v = compute(store, defs, ids).values if ids else None
    published = plan.published(year) if plan is not None else {}
    out: dict[str, Any] = {}
    for h in heads:
        value, by_level = None, None
        if v is not None and h["id"] in declared:
            mine = v[(v["indicator"] == h["id"]) & (v["year"] == year) & (v["unit_type"] == "district")
                     & (v["unit_code"] == district_code)]
            if h["levels"]:
                got = {r.bval: _number(r.value) for r in mine[mine["bdim"] == "level"].itertuples()}
                by_level = {lvl: got.get(lvl) for lvl in h["levels"]}
            else:
                whole = [_number(x) for x in mine[mine["bdim"] == ""]["value"]]
                value = whole[0] if whole else None
        out[h["id"]] = {"name": h["name"], "unit": h["unit"], "value": value, "by_level": by_level,
                        "published": published.get(h["id"]) if plan is not None else None}
    return out


def _number(x: Any) -> float | None:
    """An engine value as a float; None for no data (None or NaN)."""
    return None if x is None or x != x else float(x)


def _complete(t, col: str) -> dict:
    """Aggregates for an optional column: its sum and the number of schools that left it blank."""
    return {col: t[col].sum(), f"{col}__blank": t.school_code.nunique(where=t[col].isnull())}


def _settle(rows: list[dict], by: str, labels: dict[str, str], missing: list[str]) -> None:
    """A sum over rows some school left blank is not the total: None, and a note in `missing`."""
    for r in rows:
        for col, label in labels.items():
            blank = r.pop(f"{col}__blank", 0) or 0
            if blank:
                r[col] = None
                missing.append(f"{r[by]}：{blank} 所学校未填报“{label}”，合计不计算（缺失不按 0 计）")
