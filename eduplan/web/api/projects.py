"""API: the key-project library with its milestones, delays and 资金预警, and the 年度建设清单 of a year (the /projects
page's figures, the same as `eduplan projects --format json`) — for the bureau roles."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from ..pages.places import AsOfQuery, DistrictQuery, YearQuery, choose_scope, default_year, library_and_findings, parse_as_of
from ..rules import BUREAU

router = APIRouter(prefix="/api/v1", tags=["项目库"])


class Detail(BaseModel):
    detail: str


class MilestoneOut(BaseModel):
    milestone: str
    label: str
    planned: date | None = None
    actual: date | None = None
    late_days: int | None = None


class ProjectOut(BaseModel):
    id: str
    name: str
    category: str
    group: str | None = None
    work: str | None = None
    zone_code: str | None = None
    school_code: str | None = None
    planned_investment: float | None = None  # 万元
    investment_source: str
    places: dict[str, int]
    milestones: list[MilestoneOut]
    plan_in_use_year: int | None = None
    in_use_year: int | None = None
    delay_years: int | None = None


class AnnualOut(BaseModel):
    project_id: str
    name: str
    category: str
    zone_code: str | None = None
    planned_investment: float | None = None
    year_planned: float | None = None
    year_spent: float | None = None
    spent_to_date: float | None = None
    state_at_year_end: str | None = None
    plan_in_use_year: int | None = None
    in_use_year: int | None = None
    warnings: list[str]


class FindingOut(BaseModel):
    code: str
    level: str
    project_id: str | None = None
    message: str


class ProjectsOut(BaseModel):
    district_code: str
    plan: str | None = None
    as_of: date
    year: int
    total_investment: float  # 亿元
    projects: list[ProjectOut]
    annual_list: list[AnnualOut]
    findings: list[FindingOut]


def _project(p) -> ProjectOut:
    from ...model.codes import MILESTONE_ORDER

    d: dict[str, Any] = p.to_dict()
    ms = [MilestoneOut(milestone=m.code, label=m.label, planned=m.planned, actual=m.actual,
                       late_days=(m.actual - m.planned).days if m.actual and m.planned else None)
          for m in sorted(p.milestones.values(), key=lambda m: MILESTONE_ORDER[m.code])]
    return ProjectOut(id=p.id, name=p.name, category=p.category, group=p.group, work=p.work, zone_code=p.zone_code,
                      school_code=p.school_code, planned_investment=p.investment,
                      investment_source=p.investment_source, places={k: v.places for k, v in p.places.items()},
                      milestones=ms, plan_in_use_year=p.plan_in_use_year, in_use_year=p.in_use_year,
                      delay_years=d["delay_years"])


@router.get("/projects", dependencies=[BUREAU], response_model=ProjectsOut,
            responses={400: {"model": Detail}, 401: {"model": Detail}, 403: {"model": Detail}})
def projects(request: Request, year: YearQuery = None, as_of: AsOfQuery = None, district: DistrictQuery = None):
    """重点项目库（节点、延期、投入使用年度）、预警与核查（含资金预警）和某年度的年度建设清单（与 eduplan projects 相同）；
    as_of 为进度核查日期（默认今天）。"""
    from ...projects import annual_list

    state = request.app.state.web
    scope, _ = choose_scope(state, district)
    day = parse_as_of(as_of)
    lib, findings = library_and_findings(state, scope, day)
    year = year if year is not None else default_year(state, scope, day)
    return ProjectsOut(
        district_code=scope.district_code, plan=None if scope.plan is None else scope.plan.meta.title, as_of=day,
        year=year, total_investment=lib.total_investment(), projects=[_project(p) for p in lib.projects],
        annual_list=[AnnualOut(**{k: r[k] for k in AnnualOut.model_fields}) for r in annual_list(lib, year, findings)],
        findings=[FindingOut(code=f.code, level=f.level, project_id=f.project_id, message=f.message) for f in findings])
