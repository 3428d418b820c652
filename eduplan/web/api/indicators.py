"""The 指标 API (/api/v1/indicators, /api/v1/indicators/{id}, /api/v1/explain/{id}): the plan's indicators with
value, numerator, denominator, target, status and projection (as `eduplan indicators --format json` gives
them), one indicator's series and table by 学区/学校, and one figure explained (as `eduplan explain --format
json`). Same rules and the same cached results as the pages (pages/indicator.py); a 学校 user gets the
district's figures and its own school's rows only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from ..pages import indicator as ind_data
from ..pages.indicator import DistrictQuery, IndicatorPath, UnitQuery, YearQuery
from ..rules import SIGNED_IN, school_scope

router = APIRouter(prefix="/api/v1", tags=["指标"])
Num = float | None
Scalar = str | int | float | None


class Detail(BaseModel):
    detail: str


class Target(BaseModel):
    op: str | None = None
    value: Num = None
    year: int | None = None
    label: str | None = None
    text: str | None = None
    source: str | None = None


class FinalTarget(BaseModel):
    op: str | None = None
    value: Num = None
    year: int | None = None


class Projection(BaseModel):
    year: int | None = None
    value: Num = None
    low: Num = None
    high: Num = None


class Breakdown(BaseModel):
    dimension: str
    value: Scalar = None


class ValueRow(BaseModel):
    """One unit's figure (区、学区 or 学校; the total or one breakdown) in the year."""

    unit_type: str
    unit_code: str
    unit_name: str | None = None
    breakdown: Breakdown | None = None
    numerator: Num = None
    denominator: Num = None
    value: Num = None
    missing: str | None = None
    source: str | None = None
    target: Target | None = None
    final_target: FinalTarget | None = None
    path: Num = None
    status: str | None = None
    status_note: str | None = None
    projection: Projection | None = None
    projection_note: str | None = None


class IndicatorEntry(BaseModel):
    id: str
    name: str
    unit: str | None = None
    kind: str | None = None
    in_plan: bool | None = None
    data_status: str | None = None
    reason: str | None = None
    definition: str | None = None
    source: str | None = None
    factor: Num = None
    values: list[ValueRow] = []


class PlanInfo(BaseModel):
    id: str | None = None
    title: str | None = None
    period: list[int] | None = None
    origin: str | None = None
    file_name: str | None = None
    sha256: str | None = None
    bound_at: str | None = None
    bound_by: str | None = None


class DistrictInfo(BaseModel):
    district_code: str
    district_name: str | None = None
    plan: PlanInfo | None = None
    label: str | None = None


class UnitInfo(BaseModel):
    type: str
    code: str
    name: str | None = None


class IndicatorsReport(BaseModel):
    """The year's report of one district against its plan (`eduplan indicators --format json`)."""

    year: int
    district: DistrictInfo
    plan: str | None = None
    plan_title: str | None = None
    targets: str | None = None
    projection_year: int | None = None
    unit: UnitInfo | None = None
    settings: dict[str, Any] = {}
    indicators: list[IndicatorEntry]
    no_data: list[str] = []


class SeriesPoint(BaseModel):
    year: int
    breakdown: str = ""
    value: Num = None
    path: Num = None
    target: Num = None
    target_year: int | None = None
    status: str | None = None


class ProjectionBand(BaseModel):
    breakdown: str = ""
    from_year: int
    from_value: Num = None
    year: int | None = None
    value: Num = None
    low: Num = None
    high: Num = None


class IndicatorDetail(BaseModel):
    """One indicator: the unit's series over the years with the target path, the projection from the year,
    and every visible unit's figure in the year (the table by 区, 学区 and 学校)."""

    indicator: IndicatorEntry
    year: int
    district: DistrictInfo
    unit: UnitInfo
    series: list[SeriesPoint]
    projection: list[ProjectionBand]
    rows: list[ValueRow]


class Batch(BaseModel):
    batch_id: int
    rows: int | None = None
    file_name: str | None = None
    sha256: str | None = None
    imported_at: str | None = None
    user: str | None = None
    origin: str | None = Field(None, description="批次来自审核通过的采集提交时：采集轮次、提交、学校、提交人、审核人")


class MissingSchool(BaseModel):
    school_code: str | None = None
    school_name: str | None = None
    area_code: str | None = None
    rows: int | None = None


class Term(BaseModel):
    label: str | None = None
    words: str | None = None
    relation: str | None = None
    relation_label: str | None = None
    expr: str | None = None
    where: str | None = None
    source_year: int | None = None
    coef: Num = None
    value: Num = None
    sum_of_filled: Num = None
    missing_schools: list[MissingSchool] = []
    missing_elsewhere: int = 0
    batches: list[Batch] = []


class Contribution(BaseModel):
    unit_type: str
    unit_code: str
    unit_name: str | None = None
    numerator: Num = None
    denominator: Num = None
    value: Num = None
    share_of_numerator: Num = None
    missing: str | None = None


class PlanTarget(BaseModel):
    op: str | None = None
    value: Num = None
    year: int | None = None
    label: str | None = None
    text: str | None = None


class PlanRow(BaseModel):
    breakdown: str = ""
    value: Num = None
    target: PlanTarget | None = None
    final_target: PlanTarget | None = None
    path: Num = None
    status: str | None = None
    status_note: str | None = None
    projection: Projection | None = None


class PlanView(BaseModel):
    district: str | None = None
    plan: str | None = None
    title: str | None = None
    status: str | None = None
    rows: list[PlanRow] = []


class Explanation(BaseModel):
    """One figure taken apart (`eduplan explain --format json`)."""

    model_config = ConfigDict(extra="ignore")

    indicator: str
    name: str
    unit_of_measure: str | None = None
    year: int
    unit: UnitInfo
    definition: str | None = None
    source: str | None = None
    factor: Num = None
    formula: str | None = None
    numerator: Num = None
    denominator: Num = None
    value: Num = None
    value_by_level: dict[str, Num] | None = None
    missing: str | None = None
    reported: dict[str, str | None] | None = None
    numerator_terms: list[Term] = []
    denominator_terms: list[Term] = []
    contributions: list[Contribution] = []
    batches: list[Batch] | None = None
    plan: PlanView | None = None
    district: DistrictInfo | None = None


ERRORS = {401: {"model": Detail}, 403: {"model": Detail}, 404: {"model": Detail}, 400: {"model": Detail}}


@router.get("/indicators", dependencies=[SIGNED_IN], response_model=IndicatorsReport, responses=ERRORS)
def indicators(request: Request, year: YearQuery = None, district: DistrictQuery = None):
    """规划指标监测：每个指标的数值、分子、分母、目标、状态和外推（同 eduplan indicators --format json；学校用户只含区和本校）。

    库中有多个区时用 district 指定一个区（默认：唯一的区，否则第一个绑定了规划的区）；年度默认为有数据的最近年度，没有数据的年度答 404。"""
    state, scope, year = ind_data.require_year(request, district, year)
    return ind_data.scoped_report(ind_data.report(state, scope, year), school_scope(request))


@router.get("/indicators/{indicator_id}", dependencies=[SIGNED_IN], response_model=IndicatorDetail, responses=ERRORS)
def indicator(request: Request, indicator_id: IndicatorPath, year: YearQuery = None, district: DistrictQuery = None,
              unit: UnitQuery = None):
    """一个指标：统计单位（默认区）逐年的数值与目标路径、从该年外推到规划期末的值及区间，以及该年各单位（区、学区、学校）的数值表。"""
    state, scope, year = ind_data.require_year(request, district, year)
    ind_data.known_indicator(state, scope, indicator_id)
    the_unit = ind_data.resolve_unit(request, scope, unit)
    rep = ind_data.scoped_report(ind_data.report(state, scope, year), school_scope(request))
    ind = ind_data.find_indicator(state, rep, indicator_id)
    index = ind_data.series_index(state, scope)
    series, bands = [], []
    for key, rows in sorted(index.items(), key=lambda kv: kv[0][3:]):
        if key[:3] != (indicator_id, *the_unit):
            continue
        label = str(key[4]) if key[3] else ""
        for r in rows:
            series.append(SeriesPoint(year=r["year"], breakdown=label, value=r["value"], path=r["path"],
                                      target=r["target"], target_year=r["target_year"], status=r["status"]))
            if r["year"] == year and r.get("projection") is not None:
                bands.append(ProjectionBand(breakdown=label, from_year=year, from_value=r["value"],
                                            year=r["projection_year"], value=r["projection"],
                                            low=r["projection_low"], high=r["projection_high"]))
    return IndicatorDetail(indicator={**ind, "values": []}, year=year, district=rep["district"],
                           unit={"type": the_unit[0], "code": the_unit[1],
                                 "name": ind_data.computation(state).names.get(the_unit)},
                           series=series, projection=bands, rows=ind["values"])


@router.get("/explain/{indicator_id}", dependencies=[SIGNED_IN], response_model=Explanation, responses=ERRORS,
            response_model_exclude_unset=True)
def explain(request: Request, indicator_id: IndicatorPath, year: YearQuery = None, district: DistrictQuery = None,
            unit: UnitQuery = None):
    """解释一个数：口径、计算方法、分子和分母各项、各下级单位的贡献（学校用户只含本校）、来源导入批次和规划目标（同 eduplan explain --format json）。"""
    state, scope, year = ind_data.require_year(request, district, year)
    ind = ind_data.known_indicator(state, scope, indicator_id)
    if ind["kind"] is None:
        raise HTTPException(404, "该指标尚未声明计算口径，无法解释")
    the_unit = ind_data.resolve_unit(request, scope, unit)
    return ind_data.scoped_explain(ind_data.explanation(state, scope, indicator_id, year, the_unit),
                                   school_scope(request))
