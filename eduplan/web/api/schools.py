"""The 学校 API: the school register (/api/v1/schools — bureau roles: every school; a 学校 user: its own only)
and one school's record, yearly figures and school-level indicators (/api/v1/schools/{code}, as `eduplan
school CODE --format json`; another school's code is 404 for a 学校 user).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from ..pages import indicator as ind_data
from ..pages.school import SchoolPath, profile
from ..rules import SIGNED_IN, school_scope

router = APIRouter(prefix="/api/v1", tags=["学校"])


class Detail(BaseModel):
    detail: str


class SchoolRow(BaseModel):
    """A school of the register (`eduplan schools --format json`)."""

    school_code: str
    school_name: str | None = None
    type_code: str | None = None
    type_name: str | None = None
    ownership: str | None = None
    inclusive: str | None = None
    district_code: str | None = None
    district_name: str | None = None
    opened_year: int | None = None
    closed_year: int | None = None
    zone_code: str | None = None
    zone_name: str | None = None
    years: list[int] = []


class Register(BaseModel):
    schools: list[SchoolRow]
    count: int


class ZoneSpan(BaseModel):
    zone_code: str | None = None
    zone_name: str | None = None
    start_year: int | None = None
    end_year: int | None = None


class Figure(BaseModel):
    key: str
    label: str
    unit_of_measure: str | None = None
    table: str | None = None
    values: dict[int, float | None] = {}


class SchoolIndicator(BaseModel):
    id: str
    name: str
    unit_of_measure: str | None = None
    values: dict[int, float | None] = {}
    missing: dict[int, str] = {}


class SchoolProfile(BaseModel):
    """One school across years (`eduplan school CODE --format json`)."""

    school: dict[str, Any]
    zones: list[ZoneSpan] = []
    years: list[int] = []
    figures: list[Figure] = []
    indicators: list[SchoolIndicator] = []


ERRORS = {401: {"model": Detail}, 403: {"model": Detail}, 404: {"model": Detail}}


def register(state) -> list[dict[str, Any]]:
    def run(store):
        from ...metrics.schools import list_schools

        return list_schools(store)

    return state.cached((ind_data.K, "school-register"), run)


@router.get("/schools", dependencies=[SIGNED_IN], response_model=Register, responses=ERRORS)
def schools(request: Request):
    """学校名录：代码、名称、办学类型、办学性质、所属学区和有数据的年度（学校用户只含本校）。"""
    rows = school_scope(request).only(register(request.app.state.web))
    return Register(schools=rows, count=len(rows))


@router.get("/schools/{code}", dependencies=[SIGNED_IN], response_model=SchoolProfile, responses=ERRORS)
def school(request: Request, code: SchoolPath):
    """一所学校：基本信息、学区归属、逐年的在校生、班数、教师和办学条件，以及学校层级指标逐年的值。"""
    school_scope(request).require(code)
    return profile(request.app.state.web, code)
