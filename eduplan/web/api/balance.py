"""优质均衡 JSON API: the evaluation as `eduplan balance --format json` (scoped for a 学校 user), one school's
position, the checklist with its recorded judgements, recording a judgement (督学), and the least-cost planner
(bounded). The same helpers, caches and rules as the pages (eduplan/web/pages/balance.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from pydantic import BaseModel, ConfigDict

from ..pages import balance as bp
from ..rules import BUREAU, JUDGES, SIGNED_IN, school_scope

router = APIRouter(prefix="/api/v1", tags=["优质均衡"])


class Detail(BaseModel):
    detail: str


ERRORS = {400: {"model": Detail, "description": "请求无法完成（中文说明）"},
          401: {"model": Detail, "description": "未登录"}, 403: {"model": Detail, "description": "无权访问"},
          404: {"model": Detail, "description": "没有找到"}}


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class IndicatorOut(_Open):
    id: str
    name: str
    unit: str
    computable: bool
    reason: str | None = None
    mean: float | None = None
    sd: float | None = None
    cv: float | None = None
    cv_3dp: float | None = None
    threshold: float | None = None
    standard: float | None = None
    passed: bool | None = None
    schools: int


class MissOut(_Open):
    indicator: str
    name: str
    value: float
    standard: float
    ratio: float
    per_student_gap: float
    total_gap: float
    unit: str
    above_floor: bool


class SchoolOut(_Open):
    code: str
    name: str
    type_code: str
    level: str
    pupils: int
    facility_share: float
    values: dict[str, float | None]
    variance_shares: dict[str, float | None]
    met: int | None = None
    compliant: bool | None = None
    missing: str | None = None
    misses: list[MissOut]


class LevelOut(_Open):
    level: str
    indicators: list[IndicatorOut]
    composite: dict[str, Any]
    official_composite: dict[str, Any] | None = None
    coefficients_passed: bool | None = None
    schools_passed: bool | None = None
    passed: bool | None = None
    school_count: int
    compliant_count: int | None = None
    undecided_count: int | None = None
    pupils: int
    schools: list[SchoolOut]


class ChecklistItemOut(_Open):
    id: str
    dimension: str
    text: str
    threshold: str
    source: str
    how: str
    decided: str
    status: str
    decided_by: str | None = None
    value: float | None = None
    detail: str
    evidence: str | None = None
    assessor: str | None = None
    assessed_on: str | None = None


class BalanceOut(_Open):
    """`eduplan balance --format json` (a 学校 user: its own school's rows only, no checklist)."""

    method: str
    year: int | None
    source: str
    district: dict[str, Any] | None = None
    coefficients: dict[str, float | None]
    official: dict[str, Any] | None = None
    levels: dict[str, LevelOut]
    excluded: list[dict[str, Any]]
    notes: list[str]
    checklist: list[ChecklistItemOut] | None = None
    checklist_summary: dict[str, dict[str, int]] | None = None
    plan_indicator: dict[str, Any] | None = None
    plan_fixes: dict[str, Any] | None = None


@router.get("/balance", dependencies=[SIGNED_IN], response_model=BalanceOut, responses=ERRORS)
def balance(request: Request, year: bp.YearQ = None, district: bp.DistrictQ = None):
    """义务教育优质均衡评估（2017 办法）：与 `eduplan balance --format json` 相同；学校用户只含本校的行。"""
    where = bp.resolve(request, year, district)
    doc = bp.document(bp.web(request), where)
    return bp.scoped_document(doc, school_scope(request))


class PositionIndicator(BaseModel):
    id: str
    name: str
    unit: str
    value: float | None
    standard: float | None
    ratio: float | None
    district_mean: float | None
    status: str  # 达到标准 / 低于标准 / 低于标准的85% / 无法计算
    gap: float | None = None
    gap_unit: str | None = None


class PositionLevel(BaseModel):
    level: str
    pupils: int
    facility_share: float
    met: int | None
    compliant: bool | None
    verdict: str
    missing: str | None
    indicators: list[PositionIndicator]


class ActionOut(BaseModel):
    school_code: str
    school_name: str
    level: str | None
    kind: str
    label: str
    amount: float
    unit: str
    cost: float


class FixesOut(BaseModel):
    status: str
    message: str
    actions: list[ActionOut]
    cost: float | None


class SchoolPositionOut(BaseModel):
    year: int
    district_code: str
    district: str
    code: str
    name: str
    excluded: str | None
    levels: list[PositionLevel]
    fixes: FixesOut | None


CELL_STATUS = {"st-ok": "达到标准", "st-warn": "低于标准", "st-bad": "低于标准的85%", "st-none": "无法计算"}


@router.get("/balance/schools/{code}", dependencies=[SIGNED_IN], response_model=SchoolPositionOut, responses=ERRORS)
def school(request: Request, code: Annotated[str, Path(pattern=bp.SCHOOL_CODE, max_length=40)],
           year: bp.YearQ = None, district: bp.DistrictQ = None):
    """一所学校的优质均衡位置：各项指标的生均值、标准、全区均值，是否达标，改进方案中本校的措施。"""
    school_scope(request).require(code)
    state = bp.web(request)
    if not school_scope(request).all:
        district = None
    elif district is None:
        district = bp._school_district(state, code)
        if district is None:
            raise HTTPException(404, "没有找到该学校")
    where = bp.resolve(request, year, district)
    pos = bp.school_view(state, where, code)
    if pos is None:
        raise HTTPException(404, f"{where.label} {where.year} 年的评估中没有该学校")
    fixes = None
    if pos["levels"]:
        f = bp.school_fixes(state, where, code)
        actions = [ActionOut(school_code=code, school_name=pos["name"], level=a["level"], kind=a["kind"],
                             label=a["label"], amount=a["amount_value"], unit=a["unit"], cost=a["cost_value"])
                   for a in f["actions"]]
        fixes = FixesOut(status=f["status"], message=f["message"], actions=actions, cost=f["cost"])
    levels = [PositionLevel(
        level=lv["level"], pupils=lv["pupils"], facility_share=lv["facility_share"], met=lv["met"],
        compliant=lv["compliant"], verdict=lv["verdict"][0], missing=lv["missing"],
        indicators=[PositionIndicator(id=r["id"], name=r["name"], unit=r["unit"], value=r["value"],
                                      standard=r["standard"], ratio=r["ratio"], district_mean=r["mean"],
                                      status=CELL_STATUS[r["class"]], gap=r["gap"], gap_unit=r["gap_unit"])
                    for r in lv["rows"]]) for lv in pos["levels"]]
    return SchoolPositionOut(year=where.year, district_code=where.code, district=where.label, code=code,
                             name=pos["name"], excluded=pos["excluded"], levels=levels, fixes=fixes)


class RecordedItemOut(ChecklistItemOut):
    label: str
    recorded_by: str | None = None
    recorded_at: str | None = None
    reason: str | None = None
    batch_id: int | None = None
    versions: int = 0


class ChecklistOut(BaseModel):
    year: int
    district_code: str
    district: str
    summary: dict[str, dict[str, int]]
    items: list[RecordedItemOut]


def _checklist(request: Request, where) -> ChecklistOut:
    from ...balance.checklist import summary

    state = bp.web(request)
    items = []
    for i in bp.checklist_view(state, where):
        rec = i.get("record") or {}
        d = bp._jsonable({k: v for k, v in i.items() if k not in ("record", "class", "value_text")})
        items.append(RecordedItemOut(**d, recorded_by=rec.get("user_name"), recorded_at=rec.get("at"),
                                     reason=rec.get("note"), batch_id=rec.get("batch_id"),
                                     versions=rec.get("versions", 0)))
    return ChecklistOut(year=where.year, district_code=where.code, district=where.label,
                        summary=summary(bp.evaluation(state, where).checklist or []), items=items)


@router.get("/balance/checklist", dependencies=[BUREAU], response_model=ChecklistOut, responses=ERRORS)
def checklist(request: Request, year: bp.YearQ = None, district: bp.DistrictQ = None):
    """2017 检查清单：每项的结论、判定方式、佐证；已记录的督导评估判定的记录人、时间、理由与版本数。"""
    return _checklist(request, bp.resolve(request, year, district))


class JudgementOut(BaseModel):
    item: str
    status: str
    changed: bool
    batch_id: int | None
    message: str
    checklist_status: str | None
    versions: int


@router.post("/balance/judgements", dependencies=[JUDGES], response_model=JudgementOut, responses=ERRORS)
def record_judgement(request: Request, body: bp.JudgementInput):
    """录入或修改一项督导评估判定（督学、管理员）：作为一个导入批次写入“督导评估判定”表，理由记入批次说明，并写入审计日志。"""
    where = bp.resolve(request, body.year, body.district)
    done = bp.record_judgement(request, where, body)
    now = next((i for i in _checklist(request, where).items if i.id == done["item"]), None)
    return JudgementOut(item=done["item"], status=done["status"], changed=done["changed"], batch_id=done["batch_id"],
                        message=done["message"], checklist_status=None if now is None else now.status,
                        versions=0 if now is None else now.versions)


class PlannerOut(BaseModel):
    year: int
    district_code: str
    status: str
    feasible: bool
    message: str
    total_cost: float | None
    lower_bound: float | None
    gap: float | None
    budget: float | None
    within_budget: bool | None
    actions: list[ActionOut]
    binding: list[str]
    infeasible: list[str]
    rounds: int
    seconds: float
    after: dict[str, Any] | None


@router.post("/balance/planner", dependencies=[BUREAU], response_model=PlannerOut,
             responses={**ERRORS, 429: {"model": Detail, "description": "另一项测算正在进行"}})
def planner(request: Request, body: bp.PlannerParams):
    """最低成本改进方案（与 `eduplan balance --plan-fixes` 相同）：可指定单位成本、默认上限、按学校的上限、预算与求解时限（≤30 秒）。"""
    from ...errors import EduplanError

    where = bp.resolve(request, body.year, body.district)
    try:
        plan = bp.run_planner(bp.web(request), where, body)
    except EduplanError as e:
        bp.audit_planner(request, where, body, None, "失败", str(e))
        raise
    if plan is None:
        raise HTTPException(429, bp.BUSY)
    bp.audit_planner(request, where, body, plan)
    v = bp.plan_view(plan, body)
    return PlannerOut(year=where.year, district_code=where.code, status=plan.status, feasible=plan.feasible,
                      message=plan.message, total_cost=plan.total_cost, lower_bound=plan.lower_bound, gap=plan.gap,
                      budget=body.budget, within_budget=v["within"],
                      actions=[ActionOut(**a.to_dict()) for a in plan.actions], binding=v["binding"],
                      infeasible=v["infeasible"], rounds=plan.rounds, seconds=round(plan.seconds, 3),
                      after=bp._jsonable(plan.after) if plan.after else None)
