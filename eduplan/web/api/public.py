"""GET /api/v1/public: the public page's figures as JSON (no login) — exactly what `/` publishes.

A suppressed figure (small-cell suppression, see eduplan/web/pages/public.py) has `value` null, `suppressed`
true and the reason; nothing below the district is ever given.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from ..pages.public import DISTRICT_PATTERN, cached_report
from ..rules import PUBLIC

router = APIRouter(prefix="/api/v1", tags=["公开"])


class Detail(BaseModel):
    detail: str


class Target(BaseModel):
    op: str | None = None
    value: float | None = None
    year: int | None = None
    label: str | None = None
    text: str | None = None


class Figure(BaseModel):
    id: str
    name: str
    unit: str
    level: str | None = None
    value: float | None
    value_text: str
    suppressed: bool
    suppressed_reason: str | None = None
    no_data_reason: str | None = None
    source: str
    target: Target | None = None
    target_text: str
    status: str | None = None
    status_note: str | None = None
    series: list[float | None]


class PlanInfo(BaseModel):
    id: str
    title: str
    period: list[int]


class Summary(BaseModel):
    figures: int = Field(description="量化指标（含分学段的）个数")
    achieved: int = Field(description="已达成")
    on_track: int = Field(description="按计划")
    at_risk: int = Field(description="有风险")
    off_track: int = Field(description="偏离")
    no_status: int = Field(description="有数值但无可对照的目标")
    no_data: int = Field(description="本年度无数据")
    suppressed: int = Field(description="人数过少，不公布")
    qualitative: int = Field(description="定性目标个数")

    @classmethod
    def of(cls, s: dict) -> "Summary":
        return cls(figures=s["figures"], achieved=s["已达成"], on_track=s["按计划"], at_risk=s["有风险"],
                   off_track=s["偏离"], no_status=s["no_status"], no_data=s["no_data"], suppressed=s["suppressed"],
                   qualitative=s["qualitative"])


class District(BaseModel):
    district_code: str
    district_name: str | None = None
    label: str
    year: int
    years: list[int]
    plan: PlanInfo | None = None
    progress: list[str]
    summary: Summary
    figures: list[Figure]
    qualitative: list[str]


class PublicReport(BaseModel):
    threshold: int
    districts: list[District]


@router.get("/public", dependencies=[PUBLIC], response_model=PublicReport,
            responses={400: {"model": Detail}})
def public(request: Request,
           year: Annotated[int | None, Query(ge=1900, le=2200, description="年度（默认：各区有数据的最近年度）")] = None,
           district: Annotated[str | None, Query(pattern=DISTRICT_PATTERN, max_length=20,
                                                 description="区的行政区划代码（默认：全部）")] = None):
    """规划进展发布：各区规划主要指标的区级数值、目标与状态，与公开页面相同；人数过少的数不公布（value 为 null，
    suppressed 为 true 并说明原因）。"""
    report = cached_report(request.app.state.web, year, district or None)
    return PublicReport(threshold=report["threshold"], districts=[
        District(**{k: sec[k] for k in District.model_fields if k in sec and k != "summary"},
                 summary=Summary.of(sec["summary"])) for sec in report["districts"]])
