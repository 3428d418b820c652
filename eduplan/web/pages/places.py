"""学位与工程: demand against places per 学区 × 学段 × year for the chosen scenarios (/places), and the key-project
library as a timeline with its warnings and the 年度建设清单 (/projects), each downloadable as the CLI's workbook.

The figures are the library's (eduplan.forecast.run_scenarios, eduplan.projects.build_library / check_library /
annual_list) — the same calls `eduplan forecast` and `eduplan projects` make — computed once per data version
and parameters through `WebState.cached`. The API twins (eduplan/web/api/forecast.py, projects.py) use the
helpers below.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from ...errors import EduplanError
from ..rules import BUREAU
from ..templating import render, xlsx_response

router = APIRouter()

MAX_SCENARIOS = 8
MAX_DELAY_YEARS = 30
LEVEL_ORDER = {"学前": 0, "小学": 1, "初中": 2, "高中": 3, "中职": 4}
DISTRICT_PATTERN = r"^[0-9A-Za-z_.\-]{1,40}$"
SCENARIO_PATTERN = r"^[^\x00-\x1f]{1,80}$"

DistrictQuery = Annotated[str | None, Query(max_length=40, pattern=DISTRICT_PATTERN, description="区县代码（库中有多个区时）")]
ScenarioQuery = Annotated[list[str], Query(max_length=MAX_SCENARIOS,
                                           description="情景代码或名称（可重复），如 births-low、出生低方案、delay-<项目编号>-<N>y；"
                                                       "基准情景总在其中")]
YearQuery = Annotated[int | None, Query(ge=1900, le=2200, description="年度")]
# a page's form may submit an empty year or area (“全部”): text, checked by `page_year`
PageYear = Annotated[str | None, Query(max_length=4, pattern=r"^(\d{4})?$", description="年度（空：全部）")]
AreaQuery = Annotated[str | None, Query(max_length=40, pattern=r"^[0-9A-Za-z_.\-]{0,40}$", description="学区代码（空：全区）")]
AsOfQuery = Annotated[str | None, Query(max_length=10, description="进度核查日期 YYYY-MM-DD（默认今天）")]


class PlacesError(EduplanError):
    """A parameter of the 学位与工程 pages is not valid."""


# ------------------------------------------------------------------ shared helpers (pages and API)


def forecast_settings():
    from ...forecast import ForecastSettings
    from ...settings import load_section

    return load_section("forecast", ForecastSettings)


def district_scopes(state) -> list[Any]:
    """Every district of the store with its plan (eduplan.plan.scope.Scope), cached per data version."""
    from ...plan.scope import scopes

    return state.cached(("places.scopes",), lambda store: scopes(store, None, None, several=True))


def choose_scope(state, district: str | None) -> tuple[Any, list[Any]]:
    """(the district's scope, every district's): the one asked for, else the only one, else the first with a
    bound plan, else the first."""
    found = district_scopes(state)
    if district:
        for s in found:
            if s.district_code == district:
                return s, found
        have = "、".join(s.label for s in found)
        raise PlacesError(f"库中没有区“{district}”；库中的区：{have}")
    with_plan = [s for s in found if s.plan is not None]
    return (with_plan or found)[0], found


def page_year(text: str | None) -> int | None:
    if not text:
        return None
    y = int(text)
    if not 1900 <= y <= 2200:
        raise PlacesError(f"年度应在 1900–2200 之间（当前值：{text}）")
    return y


def parse_as_of(text: str | None) -> date:
    if not text:
        return date.today()
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise PlacesError(f"核查日期应为 YYYY-MM-DD 格式的日期（当前值：{text}）") from None
    if not 1900 <= day.year <= 2200:
        raise PlacesError(f"核查日期应在 1900–2200 年之间（当前值：{text}）")
    return day


def scenario_ids(texts: list[str] | None) -> list[str]:
    """The ids of the scenarios named (id, Chinese name or delay-<project>-<N>y), baseline first, each once."""
    from ...forecast.scenarios import DELAY, find_scenario

    settings = forecast_settings()
    names: list[str] = []
    for v in texts or []:
        names += [x.strip() for x in v.replace("，", ",").split(",") if x.strip()]
    if len(names) > MAX_SCENARIOS:
        raise PlacesError(f"一次最多比较 {MAX_SCENARIOS} 个情景（选了 {len(names)} 个）")
    out = ["baseline"]
    for n in names:
        if len(n) > 80 or re.search(r"[\x00-\x1f]", n):
            raise PlacesError("情景名称过长或含有控制字符")
        sid = find_scenario(n, settings.scenarios)
        m = DELAY.match(sid)
        if m is not None and not 1 <= int(m["years"]) <= MAX_DELAY_YEARS:
            raise PlacesError(f"情景“{sid}”：推迟年数应在 1–{MAX_DELAY_YEARS} 年之间")
        if sid not in out:
            out.append(sid)
    return out


def forecasts(state, scope, ids: list[str], as_of: date) -> list[Any]:
    """The forecasts (baseline first) of `scope`'s district for the scenarios `ids`, cached per data version."""
    from ...forecast import run_scenarios

    def compute(store):
        store.require_data(("school", "enrolment"))
        return run_scenarios(store, ids, forecast_settings(), as_of, scope)

    return state.cached(("places.forecast", scope.district_code, tuple(ids), as_of.isoformat()), compute)


def area_label(f, area: str) -> str:
    if area == f.inputs.district_code:
        return "全区"
    name = f.inputs.zones.get(area)
    return f"{area} {name}" if name else area


def gap_rows(fs: list[Any], year: int | None = None, area: str | None = None) -> list[dict[str, Any]]:
    """Every scenario's gap rows (need vs places) as flat dicts, in scenario, area, level, year order."""
    out = []
    for f in fs:
        areas = {a: i for i, a in enumerate([*f.inputs.areas, f.inputs.district_code])}
        rows = sorted(f.gap, key=lambda r: (areas.get(r.area, 99), LEVEL_ORDER.get(r.level, 9), r.year))
        for r in rows:
            if (year is not None and r.year != year) or (area is not None and r.area != area):
                continue
            d = r.to_dict()
            out.append({"scenario": f.scenario.id, "scenario_name": f.scenario.name, "area": r.area,
                        "area_name": area_label(f, r.area), "level": r.level, "year": r.year, "need": d["need"],
                        "existing": r.existing, "project_places": r.project_places, "available": r.available,
                        "gap": d["gap"], "shortage": r.shortage, "unplaced": r.unplaced})
    return out


def _level_series(f, area: str, level: str) -> tuple[list[int], list[float], list[int], bool]:
    """(years, need, available, summed) of one area and level; for the district, the sum of its 学区 when the
    level is planned per 学区 (the district's figures of such a level are the sum of its 学区')."""
    rows = sorted((r for r in f.gap if r.area == area and r.level == level), key=lambda r: r.year)
    if rows or area != f.inputs.district_code:
        return [r.year for r in rows], [r.need for r in rows], [r.available for r in rows], False
    need: dict[int, int] = {}
    available: dict[int, int] = {}
    for r in f.gap:
        if r.level == level and r.area in f.inputs.zones:
            need[r.year] = need.get(r.year, 0) + round(r.need)  # the table's figures, added up
            available[r.year] = available.get(r.year, 0) + r.available
    years = sorted(need)
    return years, [need[t] for t in years], [available[t] for t in years], True


def chart_levels(f, area: str) -> list[str]:
    """The levels with figures for `area` (for the district: its own levels and those of its 学区)."""
    areas = {area} | (set(f.inputs.zones) if area == f.inputs.district_code else set())
    return sorted({r.level for r in f.gap if r.area in areas}, key=lambda lv: LEVEL_ORDER.get(lv, 9))


def level_chart(fs: list[Any], area: str, level: str) -> dict[str, Any] | None:
    """An ECharts option: need and available places of one area and level per year, one pair of lines a scenario."""
    series = []
    years: list[int] = []
    summed = False
    for f in fs:
        years_f, need, available, summed = _level_series(f, area, level)
        if not years_f:
            continue
        years = years_f
        series.append({"name": f"需求·{f.scenario.name}", "type": "line", "data": [round(x) for x in need]})
        series.append({"name": f"可用学位·{f.scenario.name}", "type": "line", "step": "end",
                       "lineStyle": {"type": "dashed"}, "data": available})
    if not series:
        return None
    where = area_label(fs[0], area) + ("，各学区合计" if summed else "")
    return {
        "title": {"text": f"{level}：学位需求与可用学位（{where}）", "left": "center", "top": 2,
                  "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "axis", "valueFormatter": "fmt:0"},
        "legend": {"top": 28, "type": "scroll"},
        "grid": {"left": 64, "right": 24, "top": 84, "bottom": 32},
        "xAxis": {"type": "category", "data": [str(y) for y in years]},
        "yAxis": {"type": "value", "name": "学位", "scale": True, "axisLabel": {"formatter": "fmt:0"}},
        "series": series,
    }


def library_and_findings(state, scope, as_of: date) -> tuple[Any, list[Any]]:
    """The district's key-project library and its checks as of `as_of`, cached per data version."""
    from ...projects import build_library, check_library

    def compute(store):
        lib = build_library(store, plan=scope.plan, as_of=as_of, district_code=scope.district_code)
        return lib, check_library(lib, as_of)

    return state.cached(("places.projects", scope.district_code, as_of.isoformat()), compute)


def default_year(state, scope, as_of: date) -> int:
    """The latest year with data of the district (as the CLI), else the check date's year."""
    from ...errors import StoreError
    from ...plan.scope import resolve_year

    def compute(store):
        try:
            return resolve_year(store, None, scope.district_code)[0]
        except StoreError:
            return None

    found = state.cached(("places.default_year", scope.district_code), compute)
    return as_of.year if found is None else found


# ------------------------------------------------------------------ /places


def _scenario_choices(chosen: list[str], fs: list[Any]) -> list[dict[str, Any]]:
    from ...forecast import all_scenarios

    known = all_scenarios(forecast_settings().scenarios)
    out = [{"id": s.id, "name": s.name, "description": s.description, "checked": s.id in chosen}
           for s in known.values()]
    names = {f.scenario.id: f.scenario for f in fs}
    for sid in chosen:  # generated delay-… scenarios
        if sid not in known and sid in names:
            out.append({"id": sid, "name": names[sid].name, "description": names[sid].description, "checked": True})
    return out


def _delay_choices(base) -> list[dict[str, Any]]:
    """The projects bringing places (the forecast's), for the “project delayed by N years” scenarios."""
    seen: dict[str, dict[str, Any]] = {}
    for p in base.projects:
        if p.places and p.project_id not in seen:
            seen[p.project_id] = {"id": p.project_id, "name": p.name, "in_use_year": p.in_use_year,
                                  "options": [(f"delay-{p.project_id}-{n}y", f"推迟 {n} 年") for n in (1, 2, 3)]}
    return list(seen.values())


@router.get("/places", dependencies=[BUREAU])
def places_page(request: Request, scenario: ScenarioQuery = [], district: DistrictQuery = None,  # noqa: B006
                area: AreaQuery = None, year: PageYear = None):
    state = request.app.state.web
    year = page_year(year)
    scope, all_scopes = choose_scope(state, district)
    ids = scenario_ids(scenario)
    fs = forecasts(state, scope, ids, date.today())
    base = fs[0]
    areas = [(a, area_label(base, a)) for a in [base.inputs.district_code, *base.inputs.areas]]
    area = area or None
    if area is not None and area not in dict(areas):
        raise PlacesError(f"区 {scope.label} 没有学区“{area}”")
    chart_area = area or base.inputs.district_code
    levels = chart_levels(base, chart_area)
    charts = [(f"places-chart-{i}", opt) for i, lv in enumerate(levels)
              if (opt := level_chart(fs, chart_area, lv)) is not None]
    rows = gap_rows(fs, year)
    from ...forecast import compare

    comparison = compare(fs)["scenarios"] if len(fs) > 1 else []
    query = request.url.query
    return render(request, "places/index.html", {
        "scope": scope, "districts": all_scopes, "district": district, "scenarios": _scenario_choices(ids, fs), "delays": _delay_choices(base),
        "forecasts": fs, "base": base, "areas": areas, "area": area, "chart_area": chart_area, "charts": charts,
        "rows": rows, "year": year, "years": base.gap_years, "comparison": comparison,
        "xlsx_url": "/places.xlsx" + (f"?{query}" if query else ""), "as_of": date.today(),
    })


@router.get("/places.xlsx", dependencies=[BUREAU])
def places_xlsx(request: Request, scenario: ScenarioQuery = [], district: DistrictQuery = None):  # noqa: B006
    from ...forecast.report import write_forecast_xlsx

    state = request.app.state.web
    scope, _ = choose_scope(state, district)
    fs = forecasts(state, scope, scenario_ids(scenario), date.today())
    return xlsx_response(lambda p: write_forecast_xlsx(fs, p, store=state.db.name),
                         f"学位预测-{scope.district_code}-{fs[0].base_year}.xlsx")


# ------------------------------------------------------------------ /projects


def timeline_chart(lib) -> dict[str, Any] | None:
    """An ECharts option: each project's milestones on a time axis, planned (hollow) and actual (filled)."""
    from ...model.codes import MILESTONE_ORDER

    projects = [p for p in lib.projects if p.milestones]
    if not projects:
        return None
    names = [p.name for p in projects]
    planned, actual = [], []
    for p in projects:
        for m in sorted(p.milestones.values(), key=lambda m: MILESTONE_ORDER[m.code]):
            if m.planned is not None:
                planned.append({"name": m.label, "value": [m.planned.isoformat(), p.name]})
            if m.actual is not None:
                late = m.planned is not None and m.actual > m.planned
                item: dict[str, Any] = {"name": m.label, "value": [m.actual.isoformat(), p.name]}
                if late:
                    item["itemStyle"] = {"color": "#c0392b"}
                actual.append(item)
    return {
        "title": {"text": "项目节点：计划（空心）与实际（实心，红色为晚于计划）", "left": "center", "top": 2,
                  "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "item"},
        "legend": {"top": 28},
        "grid": {"left": 190, "right": 30, "top": 70, "bottom": 40},
        "xAxis": {"type": "time"},
        "yAxis": {"type": "category", "data": names, "inverse": True, "axisLabel": {"width": 170, "overflow": "truncate"}},
        "series": [
            {"name": "计划", "type": "scatter", "symbol": "emptyCircle", "symbolSize": 9, "data": planned},
            {"name": "实际", "type": "scatter", "symbolSize": 9, "itemStyle": {"color": "#2f6fb0"}, "data": actual},
        ],
    }


def project_rows(lib, findings) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per project for the timeline table: milestones in order with their delay, in-use years, warnings."""
    from ...model.codes import MILESTONE_ORDER, MILESTONES

    warn: dict[str, int] = {}
    for f in findings:
        if f.project_id and f.level != "info":
            warn[f.project_id] = warn.get(f.project_id, 0) + 1
    rows = []
    for p in lib.projects:
        ms = []
        for code in MILESTONE_ORDER:
            m = p.milestones.get(code)
            if m is None:
                ms.append(None)
                continue
            late = (m.actual - m.planned).days if m.actual and m.planned else None
            overdue = m.actual is None and m.planned is not None and lib.as_of is not None and m.planned < lib.as_of
            ms.append({"planned": m.planned, "actual": m.actual, "late_days": late, "overdue": overdue})
        d = p.to_dict()
        rows.append({"id": p.id, "name": p.name, "zone": p.zone_code, "category": p.category, "work": p.work,
                     "milestones": ms, "plan_in_use_year": p.plan_in_use_year, "in_use_year": p.in_use_year,
                     "delay_years": d["delay_years"], "warnings": warn.get(p.id, 0),
                     "investment": p.investment})
    return rows, [MILESTONES.label_of(c) for c in MILESTONE_ORDER]


FUNDS = ("funds-lagging", "funds-unreported", "funds-overrun", "group-investment-exceeds")


@router.get("/projects", dependencies=[BUREAU])
def projects_page(request: Request, year: PageYear = None, as_of: AsOfQuery = None, district: DistrictQuery = None):
    from ...projects import annual_list

    state = request.app.state.web
    year = page_year(year)
    scope, all_scopes = choose_scope(state, district)
    day = parse_as_of(as_of)
    lib, findings = library_and_findings(state, scope, day)
    year = year if year is not None else default_year(state, scope, day)
    rows, milestone_labels = project_rows(lib, findings)
    chart = timeline_chart(lib)
    query = request.url.query
    return render(request, "places/projects.html", {
        "scope": scope, "districts": all_scopes, "district": district, "lib": lib, "as_of": day, "year": year,
        "annual": annual_list(lib, year, findings), "projects": rows, "milestone_labels": milestone_labels,
        "chart": chart, "chart_height": max(260, 90 + 24 * len([p for p in lib.projects if p.milestones])),
        "funds": [f for f in findings if f.code in FUNDS],
        "delays": [f for f in findings if f.code not in FUNDS and f.level != "info"],
        "notes": [f for f in findings if f.level == "info"],
        "groups": lib.group_totals(),
        "xlsx_url": "/projects.xlsx" + (f"?{query}" if query else ""),
    })


@router.get("/projects.xlsx", dependencies=[BUREAU])
def projects_xlsx(request: Request, year: PageYear = None, as_of: AsOfQuery = None, district: DistrictQuery = None):
    from ...projects.report import write_projects_xlsx

    state = request.app.state.web
    year = page_year(year)
    scope, _ = choose_scope(state, district)
    day = parse_as_of(as_of)
    lib, findings = library_and_findings(state, scope, day)
    year = year if year is not None else default_year(state, scope, day)
    return xlsx_response(lambda p: write_projects_xlsx(lib, year, findings, p, store=state.db.name),
                         f"年度建设清单-{year}.xlsx")


def warm(state) -> None:
    """Compute the default forecast (baseline of the default district, today) and today's project library."""
    scope, _ = choose_scope(state, None)
    forecasts(state, scope, ["baseline"], date.today())
    library_and_findings(state, scope, date.today())
