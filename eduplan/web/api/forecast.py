"""API: the 学位预测 — demand against places per 学区 × 学段 × year for the chosen scenarios (the /places page's
figures, the same as `eduplan forecast --format json`'s gap rows) — for the bureau roles."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from ..pages.places import (
    DistrictQuery, ScenarioQuery, YearQuery, choose_scope, forecasts, gap_rows, scenario_ids,
)
from ..rules import BUREAU

router = APIRouter(prefix="/api/v1", tags=["学位"])


class Detail(BaseModel):
    detail: str


class GapOut(BaseModel):
    area: str
    area_name: str
    level: str
    year: int
    need: int
    existing: int
    project_places: int
    available: int
    gap: int
    shortage: int
    unplaced: int


class SummaryOut(BaseModel):
    area: str
    level: str
    shortage_years: list[int]
    max_shortage: int | None = None
    closed_years: list[int]
    closing_projects: list[str]


class ScenarioOut(BaseModel):
    id: str
    name: str
    description: str
    gap: list[GapOut]
    summary: list[SummaryOut]
    notes: list[str]


class ChangeOut(BaseModel):
    area: str
    level: str
    year: int
    baseline_shortage: int
    scenario_shortage: int
    change: int
    available_change: int
    new_shortage: bool


class ComparisonOut(BaseModel):
    scenario: str
    name: str
    changes: list[ChangeOut]
    total_change: int
    explanation: str | None = None


class ForecastOut(BaseModel):
    district_code: str
    district_name: str | None = None
    plan: str | None = None
    base_year: int
    gap_years: list[int]
    as_of: date
    zones: dict[str, str]
    scenarios: list[ScenarioOut]
    comparison: list[ComparisonOut]


def _summary(s: dict[str, Any]) -> SummaryOut:
    return SummaryOut(area=s["area"], level=s["level"], shortage_years=list(s.get("shortage_years") or []),
                      max_shortage=s.get("max_shortage"), closed_years=list(s.get("closed_years") or []),
                      closing_projects=[str(x) for x in s.get("closing_projects") or []])


@router.get("/forecast", dependencies=[BUREAU], response_model=ForecastOut,
            responses={400: {"model": Detail}, 401: {"model": Detail}, 403: {"model": Detail}})
def forecast(request: Request, scenario: ScenarioQuery = [], year: YearQuery = None,  # noqa: B006
             district: DistrictQuery = None):
    """学位需求与供给：各学区 × 学段 × 年度的需求、现有学位、项目学位、可用学位、缺口、缺位与无学位儿童，
    基准情景及所选情景（与 eduplan forecast 相同；year 只保留该年度的行）。"""
    from ...forecast import compare

    state = request.app.state.web
    scope, _ = choose_scope(state, district)
    today = date.today()
    fs = forecasts(state, scope, scenario_ids(scenario), today)
    base = fs[0]
    out = []
    for f in fs:
        out.append(ScenarioOut(id=f.scenario.id, name=f.scenario.name, description=f.scenario.description,
                               gap=[GapOut(**{k: r[k] for k in GapOut.model_fields}) for r in gap_rows([f], year)],
                               summary=[_summary(s) for s in f.summary()], notes=list(f.notes)))
    comparison = []
    if len(fs) > 1:
        for c in compare(fs)["scenarios"]:
            comparison.append(ComparisonOut(
                scenario=c["scenario"], name=c["name"], total_change=c["total_change"], explanation=c["explanation"],
                changes=[ChangeOut(**{k: ch[k] for k in ChangeOut.model_fields}) for ch in c["changes"]]))
    return ForecastOut(district_code=base.inputs.district_code, district_name=base.inputs.district_name,
                       plan=None if scope.plan is None else scope.plan.meta.title, base_year=base.base_year,
                       gap_years=list(base.gap_years), as_of=today, zones=dict(base.inputs.zones), scenarios=out,
                       comparison=comparison)
