"""The 总览 page (/overview, bureau roles): every plan indicator of the district as a card — value, the target
ahead (interim or final, named), status colour and a sparkline of its yearly values — for a year and a 学区;
the plan's texts (goals with their targets, the task tree with the indicators that measure each task,
safeguards); the table as the CLI's indicator workbook (/overview/xlsx). `warm(state)` computes the latest
year's reports at start-up so that the first visitor does not wait.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from ..rules import BUREAU
from ..state import WebState
from ..templating import render, xlsx_response
from . import indicator as ind_data
from .indicator import K, DistrictQuery, YearQuery

router = APIRouter()
log = logging.getLogger("eduplan.web")
# empty: 全区 (the form's first option)
ZoneQuery = Annotated[str | None, Query(max_length=40, pattern=r"^[0-9A-Za-z_\-]{0,40}$", description="学区代码（默认或空：全区）")]


def zones_of(state: WebState, district: str) -> list[tuple[str, str]]:
    """(code, name) of the district's 学区."""
    return state.cached((K, "zones-of", district), lambda s: [(str(c), str(n or c)) for c, n in s.run(
        "SELECT zone_code, zone_name FROM zone WHERE district_code = ? ORDER BY zone_code", [district])])


def cards(state: WebState, scope: Any, rep: dict[str, Any], unit: tuple[str, str]) -> list[dict[str, Any]]:
    """One card per plan indicator (and per breakdown the plan sets a target for) of `unit`; a district without
    a bound plan gets a card for every indicator with a value there (无规划目标)."""
    index = ind_data.series_index(state, scope)
    out = []
    for ind in rep["indicators"]:
        entries = ind_data.headline_entries(ind, *unit)
        if scope.plan is None:
            if not any(e["value"] is not None for e in entries):
                continue
        elif not ind["in_plan"]:
            continue
        if not entries:
            out.append({"id": ind["id"], "name": ind["name"], "unit": ind["unit"], "value": "—", "target": "",
                        "status": None, "status_label": ind["data_status"], "note": ind["reason"], "spark": None})
            continue
        for e in entries:
            b = e["breakdown"]
            key = (ind["id"], unit[0], unit[1], b["dimension"] if b else "", str(b["value"]) if b else "")
            series = [r for r in index.get(key, []) if r["year"] <= rep["year"]]
            final = (e.get("final_target") or {}).get("value")
            out.append({
                "id": ind["id"], "name": ind["name"] + (f"（{b['value']}）" if b else ""), "unit": ind["unit"],
                "value": ind_data.value_text(e["value"], ind["unit"]),
                "target": ind_data.target_text(e["target"], ind["unit"]),
                "status": e["status"], "status_label": e["status"] or (e["missing"] and "数据不全") or ind["data_status"],
                "note": e["status_note"] or e["missing"] or "",
                "spark": ind_data.spark(series, ind["unit"], final)
                if sum(r["value"] is not None for r in series) > 1 else None,
            })
    return out


def plan_texts(plan: Any, rep: dict[str, Any]) -> dict[str, Any] | None:
    """The plan's goals and task tree, each target or task with the indicators that measure it."""
    if plan is None:
        return None
    names = {i["id"]: i for i in rep["indicators"]}
    targets = {t.id: t for t in plan.targets}

    def measured(ids: list[str]) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        for tid in ids:
            t = targets.get(tid)
            if t is None:
                continue
            i = names.get(t.indicator)
            status = None
            if i is not None:
                tot = [e for e in i["values"] if e["unit_type"] == "district" and e["breakdown"] is None]
                status = tot[0]["status"] if tot else None
            seen.append({"target_id": t.id, "indicator": t.indicator, "name": t.name,
                         "text": t.raw or (t.text(t.unit) if t.value is not None else ""), "year": t.year, "kind": t.kind,
                         "known": i is not None, "status": status})
        return seen

    meta = plan.meta
    return {
        "title": meta.title, "period": f"{meta.period.start}—{meta.period.end}", "status": meta.status,
        "district": meta.district.name, "baseline_year": meta.baseline_year, "note": meta.baseline_note,
        "goals": [{"number": g.number, "title": g.title, "targets": measured(g.targets)} for g in plan.goals],
        "sections": [{"number": s.number, "title": s.title,
                      "tasks": [{"number": t.number, "title": t.title, "summary": t.summary,
                                 "targets": measured(t.targets)} for t in s.tasks]} for s in plan.tasks],
        "safeguards": [{"number": s.number, "title": s.title} for s in plan.safeguards],
        "tables": [{"title": t.title, "rows": len(t.rows)} for t in plan.tables],
    }


@router.get("/overview", dependencies=[BUREAU])
def overview(request: Request, year: YearQuery = None, district: DistrictQuery = None, zone: ZoneQuery = None):
    state = request.app.state.web
    scope = ind_data.choose_scope(request, district)
    year = ind_data.choose_year(state, year, scope.district_code)
    zones = zones_of(state, scope.district_code)
    unit = ("district", scope.district_code)
    if zone:
        if zone not in dict(zones):
            raise HTTPException(404, "该区没有这个学区")
        unit = ("zone", zone)
    ctx: dict[str, Any] = {"scope": scope, "year": year, "years": ind_data.year_choices(state, scope),
                           "districts": ind_data.all_scopes(state), "zones": zones, "zone": zone,
                           "unit_name": dict(zones).get(zone, scope.district_name or scope.district_code),
                           "cards": [], "plan": None, "own_school": None,
                           "nodata": year is not None and year not in ind_data.data_years(state, scope.district_code)}
    if year is not None and not ctx["nodata"]:
        ctx.update(page_data(state, scope, year, unit))
    return render(request, "overview/index.html", ctx)


def page_data(state: WebState, scope: Any, year: int, unit: tuple[str, str]) -> dict[str, Any]:
    """The cards and the plan's texts of one district, year and unit — derived once per data version."""
    def build(_store):
        rep = ind_data.report(state, scope, year)
        return {"cards": cards(state, scope, rep, unit), "plan": plan_texts(scope.plan, rep),
                "projection_year": rep["projection_year"]}

    return state.cached((K, "overview", scope.district_code, year, unit), build)


@router.get("/overview/xlsx", dependencies=[BUREAU])
def overview_xlsx(request: Request, year: YearQuery = None, district: DistrictQuery = None):
    """The year's indicator workbook of the district — the same as `eduplan indicators --format xlsx`."""
    from ...outputs.indicators_xlsx import write_indicator_workbook

    state, scope, year = ind_data.require_year(request, district, year)
    rep = ind_data.report(state, scope, year)
    from ..state import PENDING

    pending = (f"含待审核数据：包含 {state.pending_count()} 份尚未审核的采集提交，不是正式数据"
               if PENDING.get() else None)
    return xlsx_response(lambda p: write_indicator_workbook(rep, Path(p), store=state.db.name, pending=pending),
                         f"规划指标监测-{scope.district_code}-{year}{'-含待审核数据' if pending else ''}.xlsx")


def warm(state: WebState) -> None:
    """The latest year's report and yearly series of every district, computed once at start-up (and the
    templates compiled, the explain module imported, so that no first visitor pays for them)."""
    import importlib

    from ..templating import templates

    importlib.import_module("eduplan.indicators.explain")  # formula_words on every 指标 page

    for name in ("overview/index.html", "indicator/list.html", "indicator/detail.html", "indicator/explain.html",
                 "school/index.html"):
        templates.get_template(name)
    try:
        scopes = ind_data.all_scopes(state)
    except Exception:  # noqa: BLE001 - an empty store: the pages say so
        log.info("warm-up: no district in the store")
        return
    for scope in scopes:
        year = ind_data.choose_year(state, None, scope.district_code)
        if year is None:
            continue
        ind_data.report(state, scope, year)
        ind_data.series_index(state, scope)
        zones_of(state, scope.district_code)
        page_data(state, scope, year, ("district", scope.district_code))  # the default /overview
