"""A school's own view (/schools/{code}, any signed-in role; a 学校 user only its own code — any other is 404
with nothing about it): its record and 学区 over time, its yearly figures, the indicators computed at school
level by year (what `eduplan school` shows: eduplan.metrics.schools.school_profile), the district's value
beside its own for the year, and a link to its 优质均衡 position. /schools/{code}/xlsx downloads the tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam

from ..rules import SIGNED_IN, school_scope
from ..state import WebState
from ..templating import render, xlsx_response
from . import indicator as ind_data
from .indicator import K, UNIT_CODE

router = APIRouter()
SchoolPath = Annotated[str, PathParam(max_length=40, pattern=UNIT_CODE, description="学校标识码")]
COUNT_UNITS = ("人", "个", "间", "㎡", "所")


def profile(state: WebState, code: str) -> dict[str, Any]:
    """`eduplan school CODE --format json` (404 for a code the store does not hold). Check the caller's
    scope BEFORE calling this."""
    if code not in ind_data.school_districts(state):
        raise HTTPException(404, "没有找到该学校")

    def run(store):
        from ...metrics.schools import school_profile

        return school_profile(store, code, ind_data.settings_and_defs(state)[1])

    return state.cached((K, "school-profile", code), run)


def _fig(v: Any, unit: str) -> str:
    """As `eduplan school` prints a yearly figure: whole numbers for persons, rooms, areas; “—” for no data."""
    if v is None or v != v:
        return "—"
    return f"{v:,.{0 if unit in COUNT_UNITS else 2}f}"


def district_values(state: WebState, district: str | None, year: int | None) -> dict[str, float | None]:
    """indicator id → the district's total in `year` (the report the 指标 pages show); {} without one."""
    scope = next((s for s in ind_data.all_scopes(state) if s.district_code == district), None)
    if scope is None or year is None or year not in ind_data.data_years(state, scope.district_code):
        return {}
    rep = ind_data.report(state, scope, year)
    return {i["id"]: e["value"] for i in rep["indicators"] for e in i["values"]
            if e["unit_type"] == "district" and e["breakdown"] is None}


def view(state: WebState, code: str) -> dict[str, Any]:
    p = profile(state, code)
    s = p["school"]
    years = p["years"]
    last = years[-1] if years else None
    district = district_values(state, s.get("district_code"), last)
    figures = [{"label": f["label"], "unit": f["unit_of_measure"],
                "cells": [_fig(f["values"].get(y), f["unit_of_measure"]) for y in years]} for f in p["figures"]]
    indicators = [{"id": i["id"], "name": i["name"], "unit": i["unit_of_measure"],
                   "cells": [ind_data.fig(i["values"].get(y), i["unit_of_measure"]) for y in years],
                   "district": ind_data.fig(district.get(i["id"]), i["unit_of_measure"]),
                   "missing": sorted(i["missing"].items())} for i in p["indicators"]]
    record = [("学校标识码", s.get("school_code")), ("名称", s.get("school_name")),
              ("办学类型", s.get("type_name") or s.get("type_code")), ("办学性质", s.get("ownership")),
              ("普惠性", s.get("inclusive")), ("所属区", f"{s.get('district_name') or ''}（{s.get('district_code')}）"),
              ("地址", s.get("address")), ("建校年份", s.get("opened_year")), ("停办年份", s.get("closed_year"))]
    return {"school": s, "code": code, "record": [(k, v) for k, v in record if v not in (None, "")],
            "in_balance": in_balance(s.get("type_code")),
            "zones": p["zones"], "years": years, "figures": figures, "indicators": indicators, "last": last}


def in_balance(type_code: str | None) -> bool:
    """Does the school take part in 义务教育优质均衡 (it teaches 小学 or 初中)?"""
    from ...model import levels_of

    try:
        return bool({"小学", "初中"} & set(levels_of(type_code))) if type_code else False
    except KeyError:
        return False


@router.get("/schools/{code}", dependencies=[SIGNED_IN])
def school_page(request: Request, code: SchoolPath):
    school_scope(request).require(code)
    state = request.app.state.web
    return render(request, "school/index.html", view(state, code))


@router.get("/schools/{code}/xlsx", dependencies=[SIGNED_IN])
def school_xlsx(request: Request, code: SchoolPath):
    """The school's yearly figures and indicators as a workbook (eduplan.sheets' forwarded-table look)."""
    school_scope(request).require(code)
    state = request.app.state.web
    p = profile(state, code)
    return xlsx_response(lambda path: write_school_workbook(p, Path(path), state.db.name), f"学校-{code}.xlsx")


def write_school_workbook(p: dict[str, Any], path: Path, store: str) -> Path:
    """One school's yearly figures and school-level indicators (`school_profile`) as a forwarded workbook:
    逐年数据, 学校层级指标 and 说明 (eduplan.sheets' look: title and provenance rows, number styles by unit)."""
    from ...sheets import Col, Num, Styles, provenance, style_for, workbook, write_notes_sheet, write_table

    s = p["school"]
    years = p["years"]
    title = f"{s['school_name']}（{s['school_code']}）"
    sub = provenance(store, f"{years[0]}–{years[-1]}" if years else None)
    tables = {"enrolment": "分年级学生数", "teachers": "专任教师", "facilities": "办学条件"}
    with workbook(path) as wb:
        st = Styles(wb)
        figure_cols = [Col("年度", "年度", note="统计年度")] + [
            Col(f["label"], f["unit_of_measure"], note=f"本校该年{tables.get(f['table'], f['table'])}表中的{f['label']}合计")
            for f in p["figures"]]
        rows = [[y] + [f["values"].get(y) for f in p["figures"]] for y in years]
        write_table(wb, st, "逐年数据", figure_cols, rows, f"{title} 逐年数据", sub)
        indicator_cols = [Col("指标代码", note="指标的代码（eduplan explain 指标代码 --unit 学校标识码 查看口径）"),
                          Col("指标", max_width=40, note="在学校层级计算的指标"),
                          Col("计量单位", note="该行数值的计量单位")] + [
            Col(str(y), note=f"{y} 年的指标值，按该行计量单位显示") for y in years]
        rows = [[i["id"], i["name"], i["unit_of_measure"]]
                + [Num(i["values"].get(y), style_for(i["unit_of_measure"])) for y in years] for i in p["indicators"]]
        write_table(wb, st, "学校层级指标", indicator_cols, rows, f"{title} 学校层级指标", sub, freeze_cols=2)
        write_notes_sheet(
            wb, st, f"{title} 逐年数据与指标", sub,
            [("逐年数据", "每年一行：在校生、班数、招生、毕业生、教职工、专任教师和办学条件"),
             ("学校层级指标", "每个在学校层级计算的指标一行，每年一列")],
            [("逐年数据", c) for c in figure_cols] + [("学校层级指标", c) for c in indicator_cols[:3]],
            ["逐年数据取自库中分年级学生数、专任教师、办学条件三张表本校的行（同 eduplan school）。",
             "指标值 = 分子 ÷ 分母 × 系数，按指标定义在本校的数据上计算；口径见 eduplan explain。",
             "缺失的数据不按 0 计：库中没有某年某表的数据时该格为空。"])
    return path
