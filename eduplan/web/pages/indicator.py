"""The 指标 pages (/indicators, /indicators/{id}) and the plan-monitoring results the bureau's pages share.

Results come from the same library calls as `eduplan indicators` and `eduplan explain` (build_reports,
targets.attach, indicators.explain.explain), each cached per data version with `state.cached` (key: what
and district, year, unit …) and filtered for the caller's school scope after it is taken from the cache: a
学校 user gets the district's figures and its own school's rows only — no 学区 rows (a 学区 with one school
of a kind would show that school's value), no other school's contribution, no other school named as
lacking data. overview.py, school.py and the JSON API (api/indicators.py, api/schools.py) use the helpers here.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam

from ...plan.scope import NO_PLAN, Scope
from ...sheets import style_for
from ..rules import SIGNED_IN, SchoolScope, school_scope
from ..state import WebState
from ..templating import render, xlsx_response

router = APIRouter()

K = "c-ind"  # the first element of every cache key of this module
INDICATOR_ID = r"^[A-Za-z][A-Za-z0-9_]{0,79}$"
UNIT_CODE = r"^[0-9A-Za-z_\-]{1,40}$"
DISTRICT = r"^[0-9A-Za-z_\-\u4e00-\u9fff（）()]{1,50}$"
YearQuery = Annotated[int | None, Query(ge=1900, le=2200, description="年度（默认：库中有数据的最近年度）")]
DistrictQuery = Annotated[str | None, Query(max_length=50, pattern=DISTRICT,
                                            description="区：行政区划代码或名称（库中只有一个区时可省略）")]
UnitQuery = Annotated[str | None, Query(max_length=40, pattern=UNIT_CODE,
                                        description="统计单位：学区代码或学校标识码（默认：区）")]
IndicatorPath = Annotated[str, PathParam(max_length=80, pattern=INDICATOR_ID, description="指标代码")]
UNIT_LABEL = {"district": "区", "zone": "学区", "school": "学校"}
BDIM_LABEL = {"ownership": "办学性质", "level": "学段"}


# ------------------------------------------------------------------------------------------- the results

def settings_and_defs(state: WebState) -> tuple[Any, Any]:
    """(IndicatorSettings, Definitions) as the CLI loads them (settings file, section indicators)."""
    def load(_store):
        from ...indicators import IndicatorSettings, load_definitions
        from ...settings import load_section

        settings = load_section("indicators", IndicatorSettings)
        return settings, load_definitions(settings)

    return state.cached((K, "defs"), load)


def all_scopes(state: WebState) -> list[Scope]:
    """Every district of the store, each with its bound plan (or none)."""
    from ...plan.scope import scopes

    return state.cached((K, "scopes"), lambda s: scopes(s, None, None, several=True))


def school_districts(state: WebState) -> dict[str, str]:
    """school code → its district code."""
    return state.cached((K, "school-districts"),
                        lambda s: {str(c): str(d) for c, d in s.run("SELECT school_code, district_code FROM school")})


def choose_scope(request: Request, district: str | None = None) -> Scope:
    """The district a page shows: `?district=` (code or name), else the only one, else the first with a
    bound plan. A 学校 user always gets its own school's district (another one is 404)."""
    state = request.app.state.web
    scopes = all_scopes(state)
    scope = school_scope(request)
    if not scope.all:
        own = school_districts(state).get(scope.school_code or "")
        found = [s for s in scopes if s.district_code == own]
        if not found or (district and district not in (own, found[0].district_name)):
            raise HTTPException(404, "没有找到该区")
        return found[0]
    if district:
        for s in scopes:
            if district in (s.district_code, s.district_name):
                return s
        raise HTTPException(404, "数据库中没有该区")
    if len(scopes) == 1:
        return scopes[0]
    return next((s for s in scopes if s.plan is not None), scopes[0])


def data_years(state: WebState, district: str) -> list[int]:
    from ...plan.scope import data_years as years

    return state.cached((K, "years", district), lambda s: years(s, district))


def choose_year(state: WebState, year: int | None, district: str) -> int | None:
    """The asked year, else the latest with data of the district (None: the store has no yearly data)."""
    if year is not None:
        return year
    years = data_years(state, district)
    return years[-1] if years else None


def computation(state: WebState) -> Any:
    """Every indicator's values for every unit and year (the engine's one computation), names fetched."""
    def run(store):
        from ...indicators import compute

        comp = compute(store, settings_and_defs(state)[1])
        comp.names  # noqa: B018 - fetched now, under the store's lock, not later by a reader
        return comp

    return state.cached((K, "computation"), run)


def report(state: WebState, scope: Scope, year: int) -> dict[str, Any]:
    """The district's indicator report of `year` — exactly what `eduplan indicators --year Y --format json`
    gives for it (UNFILTERED: filter with `scoped_report`)."""
    def run(store):
        from ...indicators.report import build_reports

        settings, defs = settings_and_defs(state)
        return build_reports(store, [scope], defs, settings, year, computation=computation(state))[0]

    return state.cached((K, "report", scope.district_code, year), run)


def series_index(state: WebState, scope: Scope) -> dict[tuple, list[dict[str, Any]]]:
    """(indicator, unit_type, unit_code, bdim, bval) → the unit's rows over the years (value, path, target,
    status, projection …), as targets.attach gives them for the district against its plan."""
    def run(store):
        from ...indicators.report import split_by_district
        from ...indicators.targets import attach

        settings, defs = settings_and_defs(state)
        comp = computation(state)
        vals = split_by_district(store, comp.values)
        vals = vals[vals["district_code"] == scope.district_code] if not vals.empty else vals
        out: dict[tuple, list[dict[str, Any]]] = {}
        if vals.empty:
            return out
        df = attach(vals, scope.plan, defs, settings)
        cols = ["year", "value", "path", "target", "target_year", "target_label", "target_text", "final_target",
                "final_year", "status", "projection", "projection_low", "projection_high", "projection_year"]
        for r in df.sort_values("year").itertuples(index=False):
            key = (r.indicator, r.unit_type, r.unit_code, r.bdim or "", r.bval or "")
            out.setdefault(key, []).append({c: _clean(getattr(r, c)) for c in cols})
        return out

    return state.cached((K, "series", scope.district_code), run)


def explanation(state: WebState, scope: Scope, indicator_id: str, year: int, unit: tuple[str, str]) -> dict[str, Any]:
    """`eduplan explain ID --year Y [--unit U] --format json` (UNFILTERED: filter with `scoped_explain`)."""
    def run(store):
        from ...indicators.explain import explain

        settings, defs = settings_and_defs(state)
        return explain(store, defs, indicator_id, year, unit, scope=scope, settings=settings)

    return state.cached((K, "explain", scope.district_code, indicator_id, year, unit), run)


def _clean(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is not None and hasattr(v, "item") and not isinstance(v, str):  # numpy scalars
        v = v.item()
        return None if isinstance(v, float) and math.isnan(v) else v
    return v


# ----------------------------------------------------------------------------------------- the school scope

def visible(entry: dict[str, Any], scope: SchoolScope) -> bool:
    """May this user see a report row (a unit's value)? Bureau: all; a 学校 user: the district's and its own."""
    if scope.all:
        return True
    return entry["unit_type"] == "district" or (entry["unit_type"] == "school" and scope.allows(entry["unit_code"]))


def scoped_report(rep: dict[str, Any], scope: SchoolScope) -> dict[str, Any]:
    """The report with the rows the user may see; a reason naming a unit the user may not see is reworded."""
    if scope.all:
        return rep
    indicators = []
    for ind in rep["indicators"]:
        values = [e for e in ind["values"] if visible(e, scope)]
        reason = ind["reason"]
        if ind["data_status"] == "数据不全":
            gaps = [e for e in values if e["missing"]]
            first = next((e for e in gaps if e["unit_type"] == "district"), gaps[0] if gaps else None)
            reason = f"{first['unit_name']}：{first['missing']}" if first else "部分统计单位缺少计算所需的数据"
        indicators.append({**ind, "values": values, "reason": reason})
    return {**rep, "indicators": indicators}


def scoped_explain(result: dict[str, Any], scope: SchoolScope) -> dict[str, Any]:
    """The explanation with only the user's own school among the contributions and the schools lacking data."""
    if scope.all:
        return result
    out = dict(result)
    out["contributions"] = [c for c in result.get("contributions") or []
                            if c["unit_type"] == "school" and scope.allows(c["unit_code"])]
    for side in ("numerator_terms", "denominator_terms"):
        terms = []
        for t in result.get(side) or []:
            lacking = t.get("missing_schools") or []
            own = [m for m in lacking if ("school_code" not in m) or scope.allows(m.get("school_code"))]
            terms.append({**t, "missing_schools": own, "missing_elsewhere": len(lacking) - len(own)})
        out[side] = terms
    return out


def resolve_unit(request: Request, scope: Scope, unit: str | None) -> tuple[str, str]:
    """`?unit=` (a code) → (unit_type, code) of the district; a 学校 user may ask only the district or its own
    school; a unit of another district, or one the user may not see, is 404 (never named back)."""
    if not unit or unit == scope.district_code:
        return ("district", scope.district_code)
    sscope = school_scope(request)
    if not sscope.all and not sscope.allows(unit):
        raise HTTPException(404, "没有找到该统计单位")
    state = request.app.state.web
    names = computation(state).names
    if ("school", unit) in names and school_districts(state).get(unit) == scope.district_code:
        return ("school", unit)
    zones = state.cached((K, "zones"), lambda s: {str(c): str(d) for c, d in s.run("SELECT zone_code, district_code FROM zone")})
    if sscope.all and zones.get(unit) == scope.district_code:
        return ("zone", unit)
    raise HTTPException(404, "没有找到该统计单位")


def find_indicator(state: WebState, rep: dict[str, Any], indicator_id: str) -> dict[str, Any]:
    for ind in rep["indicators"]:
        if ind["id"] == indicator_id:
            return ind
    raise HTTPException(404, "没有该指标：请从指标列表中选择")


def known_indicator(state: WebState, scope: Scope, indicator_id: str) -> dict[str, Any]:
    """The indicator's id, name, unit, kind, definition — declared or named by the district's plan; 404 for
    any other id (before any computation)."""
    settings, defs = settings_and_defs(state)
    for i in defs.indicators:
        if i.id == indicator_id:
            return {"id": i.id, "name": i.name, "unit": i.unit, "kind": i.kind, "definition": i.definition,
                    "source": i.source, "reason": "", "data_status": "", "values": [], "in_plan": None}
    if scope.plan is not None:
        from ...indicators.report import plan_indicator_ids

        for i in plan_indicator_ids(scope.plan):
            if i["id"] == indicator_id:
                return {"id": i["id"], "name": i["name"], "unit": i.get("unit") or "", "kind": None,
                        "definition": "", "source": "", "reason": "规划中有此指标，但尚未声明计算口径或上报项",
                        "data_status": "无定义", "values": [], "in_plan": True}
    raise HTTPException(404, "没有该指标：请从指标列表中选择")


# ------------------------------------------------------------------------------------------------ formatting

def fig(v: Any, unit: str | None) -> str:
    """A value as the indicator workbook shows it (eduplan.sheets: 95.0% for %, 15.4:1, 16,848 元 …); “—”."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    text = style_for(unit).text(v)
    return text or "—"


def count(v: Any) -> str:
    """A numerator or denominator: whole numbers with separators, else two decimals; “—”."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    f = float(v)
    return f"{f:,.0f}" if f.is_integer() else f"{f:,.2f}"


def shown_with_unit(unit: str | None) -> bool:
    """Does `fig` already carry the unit (% and :1)?"""
    fmt = style_for(unit).num_format
    return fmt.endswith("%") or fmt.endswith('":1"')


def value_text(v: Any, unit: str | None) -> str:
    text = fig(v, unit)
    return text if text == "—" or not unit or shown_with_unit(unit) else f"{text} {unit}"


def chart_decimals(unit: str | None) -> tuple[int, str]:
    """(decimals, suffix) for a chart's `fmt:D:SUFFIX` formatter of raw values in `unit`."""
    st = style_for(unit)
    if st.num_format.endswith("%"):
        return max(st.decimals - 2, 0), "%"
    if st.num_format.endswith('":1"'):
        return st.decimals, ":1"
    return st.decimals, ""


def target_text(t: dict[str, Any] | None, unit: str | None) -> str:
    """“≥98.5%（2020 年目标）”: the target ahead as the plan states it, named by its year; "" for none."""
    if not t:
        return ""
    text = t.get("text") or ""
    if text == "—":
        text = ""
    if unit and text and text[-1].isdigit():
        text += unit if unit in ("%", ":1") else f" {unit}"
    if not text:
        return t.get("label") or ""
    return f"{text}（{t['label']}）" if t.get("label") else text


def breakdown_text(b: dict[str, Any] | None) -> str:
    return "" if not b else str(b["value"])


def headline_entries(ind: dict[str, Any], unit_type: str, unit_code: str) -> list[dict[str, Any]]:
    """The unit's rows a card or list shows: the total, plus each breakdown the plan sets a target for
    (优质均衡系数 小学/初中) — as the CLI's table does."""
    return [e for e in ind["values"] if e["unit_type"] == unit_type and e["unit_code"] == unit_code
            and (e["breakdown"] is None or e["target"] is not None)]


def spark(series: list[dict[str, Any]], unit: str | None, final: Any = None) -> dict[str, Any]:
    d, _ = chart_decimals(unit)
    return {"years": [r["year"] for r in series], "data": [_round(r["value"]) for r in series], "decimals": d,
            "target": _round(final)}


def _round(v: Any, digits: int = 6) -> Any:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else round(float(v), digits)


def row_view(e: dict[str, Any], unit: str | None) -> dict[str, Any]:
    """One report row as a table row shows it."""
    return {
        "unit_type": e["unit_type"], "unit_label": UNIT_LABEL.get(e["unit_type"], e["unit_type"]),
        "unit_code": e["unit_code"], "unit_name": e["unit_name"], "breakdown": breakdown_text(e["breakdown"]),
        "value": value_text(e["value"], unit), "numerator": count(e["numerator"]),
        "denominator": count(e["denominator"]), "target": target_text(e["target"], unit),
        "path": fig(e["path"], unit), "status": e["status"] or "", "status_note": e["status_note"] or "",
        "missing": e["missing"] or "",
        "projection": "" if not e["projection"] else
        f"{fig(e['projection']['value'], unit)}（{fig(e['projection']['low'], unit)}–{fig(e['projection']['high'], unit)}）",
    }


def year_choices(state: WebState, scope: Scope) -> list[int]:
    return list(reversed(data_years(state, scope.district_code)))


# ------------------------------------------------------------------------------------------- the chart

def series_chart(state: WebState, scope: Scope, ind: dict[str, Any], unit: tuple[str, str], year: int) -> dict[str, Any] | None:
    """An ECharts option: the unit's actual values by year, the target path, the plan's targets and the
    projection to the plan's end year with its interval (one set per breakdown the plan sets targets for)."""
    index = series_index(state, scope)
    keys = [k for k in index if k[0] == ind["id"] and k[1] == unit[0] and k[2] == unit[1]]
    main = [k for k in keys if not k[3]]
    targeted = [k for k in keys if k[3] and any(r["target"] is not None for r in index[k])]
    keys = main + sorted(targeted) if main or targeted else sorted(keys)[:1]
    if not keys:
        return None
    d, suffix = chart_decimals(ind["unit"])
    rows_all = [r for k in keys for r in index[k]]
    ends = [r["year"] for r in rows_all]
    ends += [int(r[c]) for r in rows_all for c in ("final_year", "projection_year", "target_year") if r.get(c)]
    years = list(range(min(ends), max(ends) + 1))
    pos = {y: i for i, y in enumerate(years)}
    series: list[dict[str, Any]] = []
    for k in keys:
        rows = index[k]
        label = f"（{k[4]}）" if k[3] else ""
        by_year = {r["year"]: r for r in rows}
        values = [_round(by_year[y]["value"]) if y in by_year else None for y in years]
        series.append({"name": f"实际值{label}", "type": "line", "data": values, "connectNulls": False,
                       "symbolSize": 6})
        path = [_round(by_year[y]["path"]) if y in by_year else None for y in years]
        targets: dict[int, float] = {}
        for r in rows:
            for ty, tv in ((r.get("target_year"), r.get("target")), (r.get("final_year"), r.get("final_target"))):
                if ty and tv is not None and r.get("target_label") not in ("逐年只增不减", "逐年只减不增"):
                    targets[int(ty)] = tv
        if any(p is not None for p in path):
            last = max((y for y in years if path[pos[y]] is not None), default=None)
            if last is not None and targets:  # the path goes on to the targets ahead
                for ty, tv in sorted(targets.items()):
                    if ty > last and ty in pos:
                        path[pos[ty]] = _round(tv)
            series.append({"name": f"目标路径{label}", "type": "line", "data": path, "connectNulls": True,
                           "symbol": "none", "lineStyle": {"type": "dashed", "width": 1.5}})
        if targets:
            series.append({"name": f"规划目标{label}", "type": "scatter", "symbol": "diamond", "symbolSize": 11,
                           "data": [[str(ty), _round(tv)] for ty, tv in sorted(targets.items()) if ty in pos]})
        now = by_year.get(year)
        proj = None if not now or now.get("projection") is None else now
        if proj is not None and proj.get("projection_year") in pos and now.get("value") is not None:
            py = int(proj["projection_year"])
            lo, hi = proj.get("projection_low"), proj.get("projection_high")
            line = [None] * len(years)
            line[pos[year]], line[pos[py]] = _round(now["value"]), _round(proj["projection"])
            series.append({"name": f"外推{label}", "type": "line", "data": line, "connectNulls": True,
                           "lineStyle": {"type": "dotted"}, "symbol": "emptyCircle"})
            if lo is not None and hi is not None:
                base = [None] * len(years)
                width = [None] * len(years)
                for y in range(year, py + 1):
                    f = (y - year) / (py - year) if py > year else 1.0
                    v0 = now["value"]
                    low_y, high_y = v0 + (lo - v0) * f, v0 + (hi - v0) * f
                    base[pos[y]], width[pos[y]] = _round(low_y), _round(high_y - low_y)
                stack = f"band{label}"
                series.append({"name": f"外推区间{label}", "type": "line", "data": base, "stack": stack,
                               "symbol": "none", "lineStyle": {"opacity": 0}, "tooltip": {"show": False},
                               "silent": True})
                series.append({"name": f"外推区间{label}", "type": "line", "data": width, "stack": stack,
                               "symbol": "none", "lineStyle": {"opacity": 0}, "silent": True,
                               "areaStyle": {"opacity": 0.18}, "tooltip": {"show": False}})
    return {
        "animation": False,
        "tooltip": {"trigger": "axis", "valueFormatter": f"fmt:{d}:{suffix}" if suffix else f"fmt:{d}"},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 56, "right": 24, "top": 40, "bottom": 32},
        "xAxis": {"type": "category", "data": [str(y) for y in years], "boundaryGap": False},
        "yAxis": {"type": "value", "scale": True, "name": ind["unit"] or "",
                  "axisLabel": {"formatter": f"fmt:{d}"}},
        "series": series,
    }


# ------------------------------------------------------------------------------------------------- pages

def _context(request: Request, district: str | None, year: int | None) -> tuple[WebState, Scope, int | None]:
    state = request.app.state.web
    scope = choose_scope(request, district)
    return state, scope, choose_year(state, year, scope.district_code)


def require_year(request: Request, district: str | None, year: int | None):
    """(state, scope, year): the year must have data in the district (404 naming the years that do)."""
    state = request.app.state.web
    scope = choose_scope(request, district)
    years = data_years(state, scope.district_code)
    if not years:
        raise HTTPException(404, "库中还没有年度数据：请先导入数据")
    if year is None:
        return state, scope, years[-1]
    if year not in years:
        raise HTTPException(404, f"库中没有 {year} 年的数据（有数据的年度：{years[0]}–{years[-1]}）")
    return state, scope, year


def list_view(request: Request, district: str | None, year: int | None) -> dict[str, Any]:
    state, scope, year = _context(request, district, year)
    sscope = school_scope(request)
    rows = []
    nodata = year is not None and year not in data_years(state, scope.district_code)
    if year is not None and not nodata:
        rep = scoped_report(report(state, scope, year), sscope)
        for ind in rep["indicators"]:
            total = headline_entries(ind, "district", scope.district_code)
            own = headline_entries(ind, "school", sscope.school_code) if not sscope.all else []
            for e in total or [None]:
                rows.append({"id": ind["id"], "name": ind["name"] + (f"（{breakdown_text(e['breakdown'])}）"
                                                                    if e and e["breakdown"] else ""),
                             "unit": ind["unit"], "in_plan": ind["in_plan"], "data_status": ind["data_status"],
                             "reason": ind["reason"], "value": value_text(e["value"], ind["unit"]) if e else "—",
                             "target": target_text(e["target"], ind["unit"]) if e else "",
                             "status": (e["status"] if e else None) or "",
                             "own": value_text(own[0]["value"], ind["unit"]) if own and not (e and e["breakdown"]) else ""})
    return {"scope": scope, "year": year, "years": year_choices(state, scope), "districts": all_scopes(state),
            "rows": rows, "own_school": sscope.school_code, "no_plan": NO_PLAN, "nodata": nodata}


@router.get("/indicators", dependencies=[SIGNED_IN])
def indicators_page(request: Request, year: YearQuery = None, district: DistrictQuery = None):
    return render(request, "indicator/list.html", list_view(request, district, year))


def _unit_context(request: Request, indicator_id: str, district: str | None, year: int | None,
                  unit: str | None) -> tuple[WebState, Any, int | None, Any, tuple[str, str], dict[str, Any]]:
    """What the indicator page and its explain page share: the district, year, the user's scope, the unit asked
    for, and the page context every such page starts from."""
    state, scope, year = _context(request, district, year)
    sscope = school_scope(request)
    ind = known_indicator(state, scope, indicator_id)
    the_unit = resolve_unit(request, scope, unit)
    ctx: dict[str, Any] = {"scope": scope, "year": year, "years": year_choices(state, scope),
                           "districts": all_scopes(state), "ind": ind, "unit": the_unit,
                           "unit_name": computation(state).names.get(the_unit, the_unit[1]),
                           "own_school": sscope.school_code,
                           "nodata": year is not None and year not in data_years(state, scope.district_code)}
    return state, scope, year, sscope, the_unit, ctx


def detail_view(request: Request, indicator_id: str, district: str | None, year: int | None,
                unit: str | None) -> dict[str, Any]:
    state, scope, year, sscope, the_unit, ctx = _unit_context(request, indicator_id, district, year, unit)
    ctx.update({"unit_label": UNIT_LABEL[the_unit[0]], "chart": None, "headline": [], "tables": [],
                "formula": formula(state, indicator_id)})
    if year is None or ctx["nodata"]:
        return ctx
    rep = scoped_report(report(state, scope, year), sscope)
    ind = find_indicator(state, rep, indicator_id)
    ctx["ind"] = ind
    unit_m = ind["unit"]
    ctx["headline"] = [row_view(e, unit_m) for e in headline_entries(ind, *the_unit)]
    ctx["chart"] = series_chart(state, scope, ind, the_unit, year)
    for utype, title in (("district", "区"), ("zone", "各学区"), ("school", "各学校")):
        rows = [row_view(e, unit_m) for e in ind["values"] if e["unit_type"] == utype]
        if rows:
            ctx["tables"].append({"type": utype, "title": title, "rows": rows})
    return ctx


def formula(state: WebState, indicator_id: str) -> str:
    """How the value is computed, in words (“在园幼儿数 ÷ 3–5 岁常住人口 × 100”); "" for a non-ratio."""
    from ...indicators.explain import formula_words

    defs = settings_and_defs(state)[1]
    ind = next((i for i in defs.indicators if i.id == indicator_id), None)
    return formula_words(ind) if ind is not None and ind.kind == "ratio" else ""


def explain_view(x: dict[str, Any], unit: str | None) -> dict[str, Any]:
    """The explanation with its numbers formatted for the page."""
    def terms(side: str) -> list[dict[str, Any]]:
        return [{**t, "value_text": count(t["value"]) if t["value"] is not None else
                 ("—" if t.get("sum_of_filled") is None else f"—（已填报部分合计 {count(t['sum_of_filled'])}）")}
                for t in x.get(side) or []]

    contributions = [{**c, "unit_label": UNIT_LABEL.get(c["unit_type"], c["unit_type"]),
                      "numerator_text": count(c["numerator"]), "denominator_text": count(c["denominator"]),
                      "value_text": value_text(c["value"], unit),
                      "share_text": "—" if c["share_of_numerator"] is None else f"{c['share_of_numerator'] * 100:.1f}%"}
                     for c in x.get("contributions") or []]
    plan_rows = []
    plan = x.get("plan") or {}
    for r in plan.get("rows") or []:
        p = r.get("projection")
        plan_rows.append({"breakdown": r["breakdown"], "value": value_text(r["value"], unit),
                          "target": target_text(r["target"], unit),
                          "final": target_text({**r["final_target"], "label": f"{r['final_target']['year']} 年"}, unit)
                          if r.get("final_target") else "",
                          "path": fig(r["path"], unit), "status": r["status"] or "", "status_note": r["status_note"] or "",
                          "projection": "" if not p else f"{p['year']} 年 {fig(p['value'], unit)}"
                                                         f"（{fig(p['low'], unit)}–{fig(p['high'], unit)}）"})
    by_level = x.get("value_by_level") or {}
    return {**x, "value_text": value_text(x.get("value"), unit),
            "by_level": [(k, value_text(v, unit)) for k, v in by_level.items()],
            "numerator_text": count(x.get("numerator")), "denominator_text": count(x.get("denominator")),
            "num_terms": terms("numerator_terms"), "den_terms": terms("denominator_terms"),
            "contrib": contributions, "plan_rows": plan_rows, "plan_title": plan.get("title"),
            "plan_none": plan.get("status") == NO_PLAN}


def explain_page_view(request: Request, indicator_id: str, district: str | None, year: int | None,
                      unit: str | None) -> dict[str, Any]:
    state, scope, year, sscope, the_unit, ctx = _unit_context(request, indicator_id, district, year, unit)
    ctx.update({"explain": None, "explain_error": None})
    ind = ctx["ind"]
    if year is None or ctx["nodata"] or ind["kind"] is None:
        return ctx
    from ...errors import EduplanError

    try:
        ctx["explain"] = explain_view(scoped_explain(explanation(state, scope, indicator_id, year, the_unit), sscope),
                                      ind["unit"])
    except EduplanError as e:
        ctx["explain_error"] = str(e)
    return ctx


@router.get("/indicators/{indicator_id}/explain", dependencies=[SIGNED_IN])
def explain_page(request: Request, indicator_id: IndicatorPath, year: YearQuery = None,
                 district: DistrictQuery = None, unit: UnitQuery = None):
    """One figure taken apart — the same as `eduplan explain ID --year Y [--unit U]`."""
    return render(request, "indicator/explain.html", explain_page_view(request, indicator_id, district, year, unit))


@router.get("/indicators/{indicator_id}", dependencies=[SIGNED_IN])
def indicator_page(request: Request, indicator_id: IndicatorPath, year: YearQuery = None,
                   district: DistrictQuery = None, unit: UnitQuery = None):
    return render(request, "indicator/detail.html", detail_view(request, indicator_id, district, year, unit))


def only_indicator(rep: dict[str, Any], indicator_id: str) -> dict[str, Any]:
    return {**rep, "indicators": [i for i in rep["indicators"] if i["id"] == indicator_id]}


@router.get("/indicators/{indicator_id}/xlsx", dependencies=[SIGNED_IN])
def indicator_xlsx(request: Request, indicator_id: IndicatorPath, year: YearQuery = None,
                   district: DistrictQuery = None):
    """The indicator's tables (区, 学区, 学校 — as the user may see them) in the CLI's indicator workbook."""
    from ...outputs.indicators_xlsx import write_indicator_workbook

    state, scope, year = require_year(request, district, year)
    known_indicator(state, scope, indicator_id)
    rep = only_indicator(scoped_report(report(state, scope, year), school_scope(request)), indicator_id)
    return xlsx_response(lambda p: write_indicator_workbook(rep, Path(p), store=state.db.name),
                         f"指标-{indicator_id}-{year}.xlsx")
