"""The indicator report for one year and one district: every indicator (declared or named by the district's
plan) per unit of that district, with value = numerator / denominator × factor, the next target ahead
(interim or final, named by its year), path, status and the projection to the plan's end year — and,
for the plan's indicators without data, the reason. A store holding several districts gives one report
per district (`build_reports`), each against its own plan; a district without a plan gets its values
with no targets, status 无规划目标 — never another district's targets. A value missing because some
schools left a term blank carries `missing` (e.g. "2 所学校未填报“音乐专任教师数”…"); such an
indicator's status is 数据不全. Used by `eduplan indicators` (table, json, xlsx) and `make demo`.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..plan import Plan
from ..plan.scope import NO_PLAN, Scope
from ..store import Store
from .engine import Computation, compute
from .schema import Definitions
from .settings import IndicatorSettings
from .targets import attach, projection_year

UNIT_LABEL = {"district": "区", "zone": "学区/组团", "school": "学校"}
BDIM_LABEL = {"ownership": "办学性质", "level": "学段"}


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def plan_indicator_ids(plan: Plan) -> list[dict[str, Any]]:
    """Indicators the plan tracks: every table row and every text target (not review-only facts)."""
    out = []
    for i in plan.indicator_index():
        if any(u.startswith(("tables.", "targets.")) for u in i["used_in"]):
            out.append(i)
    return out


def resolve_unit(store: Store, unit: str, district: str | None = None) -> tuple[str, str]:
    """A unit given by code or name → (unit_type, code). A name several units share (e.g. two districts'
    实验小学) is refused with their codes unless `district` (a code) leaves one."""
    from ..errors import EduplanError

    hits: list[tuple[str, str, str | None]] = []  # (unit_type, code, district)
    for utype, sql in (("district", "SELECT district_code, district_name, district_code FROM district"),
                       ("zone", "SELECT zone_code, zone_name, district_code FROM zone"),
                       ("school", "SELECT school_code, school_name, district_code FROM school")):
        for code, name, owner in store.run(sql):
            if unit == code:
                return utype, code
            if unit == name:
                hits.append((utype, code, owner))
    if district is not None and len(hits) > 1:
        hits = [h for h in hits if h[2] == district] or hits
    if len(hits) == 1:
        return hits[0][0], hits[0][1]
    if hits:
        listed = "、".join(f"{UNIT_LABEL[t]} {c}（区 {d}）" for t, c, d in hits)
        raise EduplanError(f"“{unit}”是多个统计单位的名称：{listed}；请改用代码，或用 --district 指定区")
    raise EduplanError(f"找不到统计单位“{unit}”：请给出行政区划代码、学区代码、学校标识码或其名称")


def unit_districts(store: Store) -> dict[tuple[str, str], str]:
    """(unit_type, code) → the district the unit belongs to: a zone's and a school's own district code."""
    found: dict[tuple[str, str], str] = {}
    for (code,) in store.run("SELECT district_code FROM district"):
        found[("district", code)] = code
    for code, district in store.run("SELECT zone_code, district_code FROM zone"):
        found[("zone", code)] = district
    for code, district in store.run("SELECT school_code, district_code FROM school"):
        found[("school", code)] = district
    return found


def district_of_unit(store: Store, unit: tuple[str, str]) -> str | None:
    """The district a unit (district, zone or school) belongs to."""
    return unit[1] if unit[0] == "district" else unit_districts(store).get(unit)


def split_by_district(store: Store, values: pd.DataFrame) -> pd.DataFrame:
    """`values` with a `district_code` column: each row's district (district rows are their own; a zone
    or school row its unit's district). A row of a unit no table places in a district (e.g. a population
    area code that is not a 学区 of the store) belongs to the store's only district, else to none."""
    if values.empty:
        return values.assign(district_code=pd.Series(dtype=object))
    owner = unit_districts(store)
    districts = {c for t, c in owner if t == "district"} | set(owner.values())
    only = next(iter(districts)) if len(districts) == 1 else None
    codes = [c if t == "district" else owner.get((t, c), only)
             for t, c in zip(values["unit_type"], values["unit_code"])]
    return values.assign(district_code=codes)


def _scope_of(scope: Scope | Plan | None) -> Scope | None:
    """A Plan given where a Scope is expected: the plan's own district with that plan (tests, benchmarks)."""
    if scope is None or isinstance(scope, Scope):
        return scope
    d = scope.meta.district
    return Scope(d.code, d.name, scope, "file")


def build_reports(store: Store, scopes: list[Scope], defs: Definitions, settings: IndicatorSettings, year: int,
                  unit: tuple[str, str] | None = None, computation: Computation | None = None) -> list[dict[str, Any]]:
    """One report per district (scope), each of its own units only and against its own plan."""
    comp = computation or compute(store, defs)
    vals = split_by_district(store, comp.values)
    return [_report(comp, vals[vals["district_code"] == s.district_code] if not vals.empty else vals, s, defs,
                    settings, year, unit) for s in scopes]


def build_report(store: Store, scope: Scope | Plan | None, defs: Definitions, settings: IndicatorSettings,
                 year: int, unit: tuple[str, str] | None = None, computation: Computation | None = None,
                 ) -> dict[str, Any]:
    """The report of one district against its plan (`scope`; a bare Plan means the plan's district). With
    None: the store's only district, without a plan."""
    s = _scope_of(scope)
    if s is None:
        from ..plan.scope import scopes as resolve

        s = resolve(store)[0]
    return build_reports(store, [s], defs, settings, year, unit, computation)[0]


def _report(comp: Computation, values: pd.DataFrame, scope: Scope, defs: Definitions, settings: IndicatorSettings,
            year: int, unit: tuple[str, str] | None) -> dict[str, Any]:
    plan = scope.plan
    vals = attach(values, plan, defs, settings) if not values.empty else values
    at_year = vals[vals["year"] == year] if not vals.empty else vals
    if unit is not None and not at_year.empty:
        at_year = at_year[(at_year["unit_type"] == unit[0]) & (at_year["unit_code"] == unit[1])]
    declared = {i.id: i for i in defs.indicators}
    plan_ids = {i["id"]: i for i in plan_indicator_ids(plan)} if plan is not None else {}
    ids = list(declared) + [i for i in plan_ids if i not in declared]
    indicators = []
    for iid in ids:
        ind = declared.get(iid)
        rows = at_year[at_year["indicator"] == iid] if not at_year.empty else at_year
        entries = [_entry(r, comp.names) for r in rows.itertuples()] if len(rows) else []
        has_value = any(e["value"] is not None for e in entries)
        gaps = [e for e in entries if e["missing"]]
        if ind is None:
            status, reason = "无定义", "规划中有此指标，但尚未声明计算口径或上报项"
        elif ind.kind == "qualitative":
            status, reason = "定性", "定性目标：需记录评估判断，不作量化跟踪"
        elif has_value:
            status, reason = ("上报值" if all(str(e["source"]).startswith("reported") for e in entries if e["value"] is not None)
                              else "已计算"), ""
        elif gaps:
            first = next((e for e in gaps if e["unit_type"] == "district"), gaps[0])
            status, reason = "数据不全", f"{first['unit_name']}：{first['missing']}"
        elif ind.kind == "reported":
            status, reason = "无数据", f"本年度未导入上报值（上报指标值表，指标 {ind.reported_item}）"
        elif ind.kind == "external":
            status, reason = "无数据", "本年度无可计算的学校数据，或相应功能未安装"
        else:
            lags = sorted({t.lag for t in ind.terms if t.lag})
            extra = f"；需要 {year - max(lags)} 年起的数据" if lags else ""
            status, reason = "无数据", f"本年度缺少计算所需的数据{extra}"
        indicators.append({
            "id": iid,
            "name": ind.name if ind else plan_ids[iid]["name"],
            "unit": ind.unit if ind else (plan_ids[iid].get("unit") or ""),
            "kind": ind.kind if ind else None,
            "in_plan": iid in plan_ids,
            "data_status": status,
            "reason": reason,
            "definition": ind.definition if ind else "",
            "source": ind.source if ind else "",
            "factor": ind.factor if ind else None,
            "values": entries,
        })
    return {
        "year": year,
        "district": {**scope.to_dict(), "label": scope.label},
        "plan": None if plan is None else plan.meta.id,
        "plan_title": None if plan is None else plan.meta.title,
        "targets": "规划目标" if plan is not None else NO_PLAN,
        "projection_year": projection_year(plan, settings),
        "unit": None if unit is None else {"type": unit[0], "code": unit[1], "name": comp.names.get(unit, unit[1])},
        "settings": settings.model_dump(),
        "indicators": indicators,
        "no_data": [i["id"] for i in indicators if i["in_plan"] and i["data_status"] in ("无数据", "数据不全", "无定义")],
    }


def _text(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _int(v: Any) -> int | None:
    f = _num(v)
    return None if f is None else int(f)


def _entry(r: Any, names: dict) -> dict[str, Any]:
    return {
        "unit_type": r.unit_type,
        "unit_code": r.unit_code,
        "unit_name": names.get((r.unit_type, r.unit_code), r.unit_code),
        "breakdown": None if not r.bdim else {"dimension": r.bdim, "value": r.bval},
        "numerator": _num(r.numerator),
        "denominator": _num(r.denominator),
        "value": _num(r.value),
        "missing": _text(getattr(r, "missing", None)),  # why there is no value: the terms some schools left blank
        "source": r.source,
        # the next target ahead of the year (an interim one, then the final one), named by its year
        "target": None if _num(r.target) is None else {
            "op": _text(r.target_op), "value": _num(r.target), "year": _int(r.target_year),
            "label": _text(r.target_label), "text": _text(r.target_text), "source": _text(r.target_source)},
        "final_target": None if _num(r.final_target) is None else {
            "op": _text(r.final_op), "value": _num(r.final_target), "year": _int(r.final_year)},
        "path": _num(r.path),
        "status": _text(r.status),
        "status_note": _text(r.status_note),  # e.g. "2023 中期目标 ≥95 未达成"
        "projection": None if _num(r.projection) is None else {
            "year": _int(r.projection_year), "value": _num(r.projection), "low": _num(r.projection_low),
            "high": _num(r.projection_high)},
        "projection_note": _text(getattr(r, "projection_note", None)),  # why there is no projection: 数据年份不足…
    }


def frame_for_year(report: dict[str, Any] | list[dict[str, Any]]) -> pd.DataFrame:
    """The report (or the per-district reports) flattened: one row per district × indicator × unit ×
    breakdown (for tables and Excel)."""
    rows = []
    for rep in ([report] if isinstance(report, dict) else report):
        d = rep.get("district") or {}
        for ind in rep["indicators"]:
            for e in ind["values"]:
                t = e["target"] or {}
                p = e["projection"] or {}
                rows.append({
                    "district_code": d.get("district_code"), "district_label": d.get("label"),
                    "indicator": ind["id"], "name": ind["name"], "unit": ind["unit"], "unit_type": e["unit_type"],
                    "unit_code": e["unit_code"], "unit_name": e["unit_name"],
                    "breakdown": "" if not e["breakdown"] else f"{BDIM_LABEL[e['breakdown']['dimension']]}={e['breakdown']['value']}",
                    "value": e["value"], "numerator": e["numerator"], "denominator": e["denominator"],
                    "target_op": t.get("op"), "target": t.get("value"), "target_year": t.get("year"),
                    "target_label": t.get("label"), "target_text": t.get("text"), "path": e["path"], "status": e["status"],
                    "status_note": e["status_note"], "projection": p.get("value"), "projection_year": p.get("year"),
                    "projection_low": p.get("low"), "projection_high": p.get("high"),
                    "projection_note": e.get("projection_note"), "source": e["source"],
                    "missing": e["missing"],
                })
    return pd.DataFrame(rows)
