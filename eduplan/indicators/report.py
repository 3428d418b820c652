"""The indicator report for one year: every indicator (declared or named by the plan) per unit, with
value = numerator / denominator × factor, target, path, status and projection — and, for the plan's
indicators without data, the reason. A value missing because some schools left a term blank carries
`missing` (e.g. "2 所学校未填报“音乐专任教师数”…"); such an indicator's status is 数据不全. Used by `eduplan indicators` (table, json, xlsx) and `make demo`.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..plan import Plan
from ..store import Store
from .engine import Computation, compute
from .schema import Definitions
from .settings import IndicatorSettings
from .targets import attach

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


def resolve_unit(store: Store, unit: str) -> tuple[str, str]:
    """A unit given by code or name → (unit_type, code)."""
    for utype, sql in (("district", "SELECT district_code, district_name FROM district"),
                       ("zone", "SELECT zone_code, zone_name FROM zone"),
                       ("school", "SELECT school_code, school_name FROM school")):
        for code, name in store.run(sql):
            if unit in (code, name):
                return utype, code
    from ..errors import EduplanError

    raise EduplanError(f"找不到单位“{unit}”：请给出行政区划代码、学区代码、学校标识码或其名称")


def build_report(store: Store, plan: Plan, defs: Definitions, settings: IndicatorSettings, year: int,
                 unit: tuple[str, str] | None = None, computation: Computation | None = None) -> dict[str, Any]:
    comp = computation or compute(store, defs)
    vals = attach(comp.values, plan, defs, settings) if not comp.values.empty else comp.values
    at_year = vals[vals["year"] == year] if not vals.empty else vals
    if unit is not None:
        at_year = at_year[(at_year["unit_type"] == unit[0]) & (at_year["unit_code"] == unit[1])]
    declared = {i.id: i for i in defs.indicators}
    plan_ids = {i["id"]: i for i in plan_indicator_ids(plan)}
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
        "unit": None if unit is None else {"type": unit[0], "code": unit[1], "name": comp.names.get(unit, unit[1])},
        "plan": plan.meta.id,
        "settings": settings.model_dump(),
        "indicators": indicators,
        "no_data": [i["id"] for i in indicators if i["in_plan"] and i["data_status"] in ("无数据", "数据不全", "无定义")],
    }


def _text(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


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
        "target": None if _num(r.target) is None else {
            "op": _text(r.target_op), "value": _num(r.target),
            "year": None if _num(r.target_year) is None else int(r.target_year), "source": _text(r.target_source)},
        "path": _num(r.path),
        "status": _text(r.status),
        "projection": None if _num(r.projection) is None else {
            "year": 2025, "value": _num(r.projection), "low": _num(r.projection_low), "high": _num(r.projection_high)},
    }


def frame_for_year(report: dict[str, Any]) -> pd.DataFrame:
    """The report flattened: one row per indicator × unit × breakdown (for tables and Excel)."""
    rows = []
    for ind in report["indicators"]:
        for e in ind["values"]:
            t = e["target"] or {}
            p = e["projection"] or {}
            rows.append({
                "indicator": ind["id"], "name": ind["name"], "unit": ind["unit"], "unit_type": e["unit_type"],
                "unit_code": e["unit_code"], "unit_name": e["unit_name"],
                "breakdown": "" if not e["breakdown"] else f"{BDIM_LABEL[e['breakdown']['dimension']]}={e['breakdown']['value']}",
                "value": e["value"], "numerator": e["numerator"], "denominator": e["denominator"],
                "target_op": t.get("op"), "target": t.get("value"), "target_year": t.get("year"), "path": e["path"],
                "status": e["status"], "projection": p.get("value"), "projection_low": p.get("low"),
                "projection_high": p.get("high"), "source": e["source"], "missing": e["missing"],
            })
    return pd.DataFrame(rows)
