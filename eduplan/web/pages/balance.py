"""优质均衡 workspace (督学): the district's weighted CVs per level against the 国家标准, the school × indicator
matrix against the standards and the 85 % floor, one school's position, the 2017 checklist with the recorded
judgements (督学 record and amend them through the store's versioned batch path, with a reason), and the
least-cost improvement planner with chosen unit costs, caps and budget — all from eduplan.balance, the same
calls as `eduplan balance`; results cached per data version (state.cached). A 学校 user sees the district's
figures and its own school only. The API twin (eduplan/web/api/balance.py) uses the helpers of this module.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...errors import EduplanError
from ..rules import BUREAU, JUDGES, SIGNED_IN, current_user, school_scope
from ..templating import render, xlsx_response

router = APIRouter()
log = logging.getLogger("eduplan.web")

LEVELS = ("小学", "初中")
SCHOOL_CODE = r"^[0-9A-Za-z_-]{1,40}$"
ITEM_ID = r"^[A-Za-z0-9_.-]{1,40}$"
YearQ = Annotated[int | None, Query(ge=1900, le=2200, description="年度（默认：该区有数据的最近年度）")]
DistrictQ = Annotated[str | None, Query(max_length=60, description="区（代码或名称；库中只有一个区时可省略）")]
PASS, FAIL, PENDING = "达标", "未达标", "待评估"
STATUS_TO_PASSED = {PASS: "是", FAIL: "否"}  # the checklist's vocabulary → the store's 是否 code
PLANNER_TIME_DEFAULT, PLANNER_TIME_MAX = 10.0, 30.0
_planner_slot = threading.BoundedSemaphore(1)  # one solver run at a time (2 cores serve every user)


# ------------------------------------------------------------------ where: district and year


@dataclass(frozen=True)
class Where:
    """The district and year a page shows, and the choices for the selectors."""

    scope: Any  # eduplan.plan.scope.Scope
    year: int
    years: list[int]
    districts: list[tuple[str, str]]  # (code, label)

    @property
    def code(self) -> str:
        return self.scope.district_code

    @property
    def label(self) -> str:
        return self.scope.label

    def query(self, **extra: Any) -> str:
        """The query string keeping this district and year (plus `extra`)."""
        params = {"year": self.year, **({"district": self.code} if len(self.districts) > 1 else {}), **extra}
        return urlencode({k: v for k, v in params.items() if v is not None})


def plain(text: str) -> str:
    """Text safe to echo in a message: no control characters, no lone surrogates (a JSON body may carry them)."""
    return re.sub(r"[\x00-\x1f\x7f\ud800-\udfff]", "", text)


def web(request: Request):
    return request.app.state.web


def _all_scopes(state) -> list[Any]:
    from ...plan.scope import scopes

    return state.cached(("balance", "scopes"), lambda store: scopes(store, None, None, several=True))


def _school_district(state, code: str) -> str | None:
    def compute(store):
        row = store.one("SELECT district_code FROM school WHERE school_code = ?", [code])
        return None if row is None else row[0]

    return state.cached(("balance", "school-district", code), compute)


def resolve(request: Request, year: int | None, district: str | None) -> Where:
    """The district (a 学校 user: its school's; else the one asked, the only one, or the first with a bound
    plan) and the year (default: the district's latest year with data)."""
    from ...plan.scope import data_years

    state = web(request)
    sc = school_scope(request)
    found = _all_scopes(state)
    if not found:
        raise EduplanError("数据库中还没有任何区县数据：请先导入数据")
    if not sc.all:
        own = _school_district(state, sc.school_code) if sc.school_code else None
        chosen = next((s for s in found if s.district_code == own), None)
        if chosen is None:
            raise HTTPException(404, "没有找到本校所在区的数据")
    elif district:
        text = plain(district).strip()
        hits = [s for s in found if s.district_code == text] or [s for s in found if s.district_name == text]
        if len(hits) != 1:
            have = "、".join(s.label for s in found)
            raise EduplanError(f"数据库中没有区“{text}”；库中的区：{have}")
        chosen = hits[0]
    else:
        chosen = next((s for s in found if s.plan is not None), found[0])
    years = state.cached(("balance", "years", chosen.district_code), lambda store: data_years(store, chosen.district_code))
    if not years:
        raise EduplanError(f"{chosen.label} 还没有在校生数据：请先导入数据")
    if year is None:
        year = years[-1]
    elif year not in years:
        raise EduplanError(f"{chosen.label} 没有 {year} 年的在校生数据（已有：{years[0]}–{years[-1]} 年）")
    shown = [(s.district_code, s.label) for s in found] if sc.all else [(chosen.district_code, chosen.label)]
    return Where(chosen, year, years, shown)


# ------------------------------------------------------------------ the evaluation (cached, unfiltered)


def evaluation(state, where: Where):
    """The 2017 evaluation of the district and year (eduplan.balance.evaluate_store, as `eduplan balance`)."""
    from ...balance import evaluate_store, load_settings

    scope = where.scope
    return state.cached(("balance", "eval", where.code, where.year),
                        lambda store: evaluate_store(store, where.year, "2017", load_settings(), scope=scope))


def _jsonable(doc: Any) -> Any:
    """The JSON document as `--format json` prints it (keys as text, non-finite numbers as null)."""
    def clean(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, dict):
            return {str(k): clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        return x

    return clean(json.loads(json.dumps(doc, ensure_ascii=False, default=str)))


def document(state, where: Where) -> dict[str, Any]:
    """`eduplan balance --format json` of the district and year (cached, unfiltered)."""
    from ...balance.report import to_json

    result = evaluation(state, where)
    return state.cached(("balance", "json", where.code, where.year), lambda _store: _jsonable(to_json(result)))


def scoped_document(doc: dict[str, Any], scope) -> dict[str, Any]:
    """The document as a user may see it: a 学校 user gets the district's figures and its own school's rows
    only (no other school's rows, exclusions, notes naming schools, checklist or plan)."""
    if scope.all:
        return doc
    out = dict(doc)
    out["levels"] = {lvl: {**ld, "schools": [s for s in ld["schools"] if scope.allows(s["code"])]}
                     for lvl, ld in doc["levels"].items()}
    out["excluded"] = [e for e in doc.get("excluded", []) if scope.allows(e.get("code"))]
    out["notes"] = []
    out["checklist"] = None
    out["checklist_summary"] = None
    out["plan_fixes"] = None
    return out


# ------------------------------------------------------------------ presentation helpers


def fmt(v: Any, unit: str | None = None) -> str:
    """A value by its unit, as the workbooks write it (eduplan.sheets); “—” for missing."""
    from ...sheets import style_for

    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return style_for(unit).text(v)


def cv_text(v: Any) -> str:
    return "—" if v is None else f"{v:.3f}"


VERDICT = {True: ("达标", "st-ok"), False: ("未达标", "st-bad"), None: ("无法判定", "st-warn")}


def cell_class(school, ind) -> str:
    """A matrix cell against the standard and the floor — the evaluation's own judgement (its misses)."""
    v = school.values.get(ind.spec.id)
    if v is None or not ind.standard:
        return "st-none"
    miss = next((m for m in school.misses if m.indicator == ind.spec.id), None)
    if miss is None:
        return "st-ok"
    return "st-warn" if miss.above_floor else "st-bad"


def cv_chart(level: str, lr, threshold: float | None) -> dict[str, Any]:
    """An ECharts bar chart of the level's single CVs with the threshold as a line."""
    data = []
    for ind in lr.indicators:
        colour = "#9aa5b1" if ind.cv is None else ("#2f9e44" if ind.passed else "#d9480f")
        data.append({"value": None if ind.cv is None else round(ind.cv, 4), "itemStyle": {"color": colour}})
    series: dict[str, Any] = {"type": "bar", "name": "差异系数", "data": data, "barMaxWidth": 36,
                              "label": {"show": True, "position": "top", "formatter": "fmt:3"}}
    if threshold is not None:
        series["markLine"] = {"symbol": "none", "lineStyle": {"color": "#c92a2a", "type": "dashed"},
                              "label": {"formatter": f"上限 {threshold:.2f}", "position": "insideEndTop"},
                              "data": [{"yAxis": threshold, "name": "国家标准上限"}]}
    top = max([threshold or 0] + [i.cv or 0 for i in lr.indicators])
    return {
        "title": {"text": f"{level}：各项指标校际差异系数", "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "valueFormatter": "fmt:3"},
        "grid": {"left": 48, "right": 24, "top": 48, "bottom": 64},
        "xAxis": {"type": "category", "data": [f"{i.spec.id} {_short_name(i.spec.name)}" for i in lr.indicators],
                  "axisLabel": {"interval": 0, "rotate": 30, "fontSize": 11}},
        "yAxis": {"type": "value", "name": "差异系数", "min": 0, "max": round(top * 1.15 + 0.01, 2)},
        "series": [series],
    }


def _short_name(name: str) -> str:
    for prefix in ("每百名学生拥有", "生均"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def level_view(level: str, lr, scope, where: Where) -> dict[str, Any]:
    """What the /balance page shows of one level (the matrix rows filtered for the user)."""
    threshold = next((i.threshold for i in lr.indicators if i.threshold is not None), None)
    indicators = [{
        "id": i.spec.id, "name": i.spec.name, "unit": i.spec.unit, "standard": fmt(i.standard, i.spec.unit),
        "mean": fmt(i.mean, i.spec.unit), "sd": fmt(i.sd, i.spec.unit), "cv": cv_text(i.cv),
        "threshold": "—" if i.threshold is None else f"{i.threshold:.2f}",
        "verdict": VERDICT[i.passed] if i.computable else (i.reason or "无法计算", "st-warn"),
    } for i in lr.indicators]
    rows = []
    for s in scope.only(lr.schools, key="code"):
        rows.append({
            "code": s.code, "name": s.name, "pupils": f"{s.pupils:,}",
            "cells": [(fmt(s.values.get(i.spec.id), i.spec.unit), cell_class(s, i)) for i in lr.indicators],
            "met": "—" if s.met is None else str(s.met), "verdict": VERDICT[s.compliant], "missing": s.reason,
            "href": f"/balance/schools/{s.code}?{where.query()}",
        })
    floor = lr.compliance_floor or 0.85
    return {
        "level": level, "indicators": indicators, "rows": rows, "school_count": len(lr.schools),
        "pupils": f"{sum(s.pupils for s in lr.schools):,}", "compliant": lr.compliant_count,
        "undecided": lr.undecided_count, "composite": cv_text(lr.composite),
        "cv_verdict": VERDICT[lr.cv_passed], "schools_verdict": VERDICT[lr.schools_passed],
        "verdict": VERDICT[lr.passed], "threshold": "—" if threshold is None else f"{threshold:.2f}",
        "chart_id": f"cv-{'primary' if level == '小学' else 'junior'}", "chart": cv_chart(level, lr, threshold),
        "floor": f"{floor:.0%}",
    }


def base_context(request: Request, where: Where, **extra: Any) -> dict[str, Any]:
    sc = school_scope(request)
    user = current_user(request)
    return {"where": where, "scope": sc, "bureau": sc.all,
            "judges": user is not None and user.role in ("admin", "inspector"), **extra}


# ------------------------------------------------------------------ pages: the evaluation


@router.get("/balance", dependencies=[SIGNED_IN])
def balance_page(request: Request, year: YearQ = None, district: DistrictQ = None):
    """The district's CVs against the thresholds, the matrix, the plan's coefficient targets."""
    state = web(request)
    where = resolve(request, year, district)
    result = evaluation(state, where)
    sc = school_scope(request)

    def views(_store):  # the formatted tables, per district, year and what the user may see
        return ([level_view(lvl, lr, sc, where) for lvl, lr in result.levels.items() if lr.schools],
                _contributors(result) if sc.all else [])

    levels, contributors = state.cached(
        ("balance", "page", where.code, where.year, len(where.districts), "*" if sc.all else sc.school_code), views)
    ps = result.plan_status or {}
    return render(request, "balance/index.html", base_context(
        request, where, result=result, levels=levels, plan_status=ps, checks=ps.get("checks") or [],
        official=result.official or {}, notes=result.notes if sc.all else [],
        excluded=result.excluded if sc.all else [], contributors=contributors))


def _contributors(result, n: int = 3) -> list[dict[str, Any]]:
    """Per level and indicator the schools contributing most to the weighted variance (bureau only)."""
    out = []
    for lvl, lr in result.levels.items():
        names = {s.code: s.name for s in lr.schools}
        for ind in lr.indicators:
            if not ind.computable:
                continue
            top = sorted((s for s in ind.schools if s.share is not None), key=lambda s: -s.share)[:n]
            out.append({"level": lvl, "id": ind.spec.id, "name": ind.spec.name, "cv": cv_text(ind.cv),
                        "schools": [(s.code, names.get(s.code, s.code), fmt(s.x, ind.spec.unit), f"{s.share:.1%}")
                                    for s in top]})
    return out


@router.get("/balance/download.xlsx", dependencies=[BUREAU])
def balance_xlsx(request: Request, year: YearQ = None, district: DistrictQ = None):
    """The workbook of `eduplan balance --format xlsx` (balance/report.write_workbook)."""
    from ...balance.report import write_workbook

    state = web(request)
    where = resolve(request, year, district)
    result = evaluation(state, where)
    return xlsx_response(lambda path: write_workbook(result, path, store=state.db), f"均衡评估-{where.code}-{where.year}.xlsx")


# ------------------------------------------------------------------ one school


def school_position(result, code: str) -> dict[str, Any] | None:
    """One school's values against the standards and the district's averages, per level it is evaluated in;
    None when the school is not in the evaluation (excluded: its reason)."""
    levels = []
    name = None
    for lvl, lr in result.levels.items():
        s = next((x for x in lr.schools if x.code == code), None)
        if s is None:
            continue
        name = s.name
        rows = []
        for i in lr.indicators:
            v = s.values.get(i.spec.id)
            miss = next((m for m in s.misses if m.indicator == i.spec.id), None)
            rows.append({
                "id": i.spec.id, "name": i.spec.name, "unit": i.spec.unit, "value": v, "value_text": fmt(v, i.spec.unit),
                "standard": i.standard, "standard_text": fmt(i.standard, i.spec.unit),
                "ratio": None if v is None or not i.standard else v / i.standard,
                "ratio_text": "—" if v is None or not i.standard else f"{v / i.standard:.1%}",
                "mean": i.mean, "mean_text": fmt(i.mean, i.spec.unit), "class": cell_class(s, i),
                "gap": None if miss is None else miss.total_gap, "gap_unit": None if miss is None else miss.unit,
                "gap_text": "" if miss is None else f"{fmt(miss.total_gap, miss.unit)} {miss.unit}",
                "share": s.shares.get(i.spec.id),
            })
        levels.append({"level": lvl, "pupils": s.pupils, "facility_share": s.facility_share, "met": s.met,
                       "compliant": s.compliant, "verdict": VERDICT[s.compliant], "missing": s.reason, "rows": rows,
                       "type_code": s.type_code})
    excluded = next((e for e in result.excluded if getattr(e, "code", None) == code), None)
    if not levels and excluded is None:
        return None
    return {"code": code, "name": name or getattr(excluded, "name", code), "levels": levels,
            "excluded": None if excluded is None else excluded.reason}


def school_chart(level: dict[str, Any]) -> dict[str, Any]:
    """The school's values and the district's averages as shares of the standard (100 % = the standard)."""
    ids = [r["id"] for r in level["rows"]]
    mine = [None if r["ratio"] is None else round(100 * r["ratio"], 1) for r in level["rows"]]
    avg = [None if r["mean"] is None or not r["standard"] else round(100 * r["mean"] / r["standard"], 1)
           for r in level["rows"]]
    return {
        "title": {"text": f"{level['level']}：本校与全区均值（标准 = 100%）", "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "valueFormatter": "fmt:1:%"},
        "legend": {"bottom": 0},
        "grid": {"left": 48, "right": 24, "top": 48, "bottom": 56},
        "xAxis": {"type": "category", "data": ids},
        "yAxis": {"type": "value", "name": "占标准 %", "min": 0},
        "series": [
            {"type": "bar", "name": "本校", "data": mine, "barMaxWidth": 28,
             "markLine": {"symbol": "none", "data": [{"yAxis": 100, "name": "标准"}, {"yAxis": 85, "name": "85%"}],
                          "lineStyle": {"type": "dashed", "color": "#c92a2a"},
                          "label": {"formatter": "{b}", "position": "insideEndTop"}}},
            {"type": "bar", "name": "全区均值", "data": avg, "barMaxWidth": 28},
        ],
    }


def school_fixes(state, where: Where, code: str) -> dict[str, Any]:
    """The default planner run's actions at one school (the planner's per-school fix), or why there is none
    (cached, except the answer that another run holds the solver)."""
    key = ("balance", "school-fixes", where.code, where.year, code)
    try:
        return state.cached(key, _miss)
    except _NotCached:
        pass
    found = _school_fixes(state, where, code)
    return found if found["status"] == "busy" else state.cached(key, lambda _store: found)


def _school_fixes(state, where: Where, code: str) -> dict[str, Any]:
    try:
        plan = run_planner(state, where, PlannerParams())
    except EduplanError as e:
        return {"status": "error", "message": f"改进方案无法测算：{e}", "actions": [], "cost": None}
    if plan is None:
        return {"status": "busy", "message": "另一项改进方案测算正在进行，稍后刷新本页可见本校措施", "actions": [], "cost": None}
    mine = [a for a in plan.actions if a.school_code == code]
    return {"status": plan.status, "message": plan.message if plan.feasible else f"改进方案：{plan.message}",
            "feasible": plan.feasible,
            "actions": [{"label": a.label, "amount": a.amount_text(), "cost": fmt(a.cost, "元"), "kind": a.kind,
                         "level": a.level, "amount_value": a.amount, "cost_value": a.cost,
                         "unit": a.to_dict()["unit"]} for a in mine],
            "cost": sum(a.cost for a in mine) if mine else 0.0}


def school_view(state, where: Where, code: str) -> dict[str, Any] | None:
    """school_position with its charts, cached per district, year and school."""
    result = evaluation(state, where)

    def build(_store):
        pos = school_position(result, code)
        for lv in (pos or {}).get("levels", []):
            lv["chart"] = school_chart(lv)
            lv["chart_id"] = f"school-{'primary' if lv['level'] == '小学' else 'junior'}"
        return pos

    return state.cached(("balance", "school", where.code, where.year, code), build)


@router.get("/balance/schools/{code}", dependencies=[SIGNED_IN])
def school_page(request: Request, code: Annotated[str, Path(pattern=SCHOOL_CODE, max_length=40)],
                year: YearQ = None, district: DistrictQ = None):
    """One school's 优质均衡 position: values against the standard and the district's averages, what it lacks."""
    school_scope(request).require(code)
    state = web(request)
    if not school_scope(request).all:
        district = None
    elif district is None:  # the school's own district
        district = _school_district(state, code)
        if district is None:
            raise HTTPException(404, "没有找到该学校")
    where = resolve(request, year, district)
    pos = school_view(state, where, code)
    if pos is None:
        raise HTTPException(404, f"{where.label} {where.year} 年的评估中没有该学校")
    fixes = school_fixes(state, where, code) if pos["levels"] else None
    return render(request, "balance/school.html", base_context(request, where, pos=pos, fixes=fixes))


# ------------------------------------------------------------------ the checklist and judgements


def checklist_view(state, where: Where) -> list[dict[str, Any]]:
    """The checklist of the evaluation with, for each recorded judgement, who recorded it, when, and why."""
    result = evaluation(state, where)
    code, year = where.code, where.year

    from ...balance.report import CHECKLIST_UNITS
    from ...store import history_table, time_label

    def recorded(store):
        rows = store.dicts(
            "SELECT j.item, j.batch_id, b.user_name, b.imported_at, b.note, b.kind, b.file_name "
            "FROM balance_judgement j LEFT JOIN import_batch b USING (batch_id) WHERE j.year = ? AND j.area_code = ?",
            [year, code])
        amended = {r[0]: r[1] for r in store.run(
            f"SELECT item, count(*) FROM {history_table('balance_judgement')} WHERE year = ? AND area_code = ? "
            "GROUP BY item",
            [year, code])}
        return {r["item"]: {**r, "at": time_label(r["imported_at"]), "versions": 1 + amended.get(r["item"], 0)}
                for r in rows}

    marks = state.cached(("balance", "judgements", code, year), recorded)
    items = []
    for it in result.checklist or []:
        d = it.to_dict()
        d["label"] = it.item.label
        d["class"] = {PASS: "st-ok", FAIL: "st-bad"}.get(it.status, "st-warn")
        d["record"] = marks.get(it.item.id)
        unit = CHECKLIST_UNITS.get(it.item.id)
        d["value_text"] = "—" if it.value is None else fmt(it.value, unit) + (f" {unit}" if unit else "")
        items.append(d)
    return items


def checklist_items() -> dict[str, Any]:
    from ...balance.checklist_items import ITEMS

    return {i.id: i for i in ITEMS}


class JudgementInput(BaseModel):
    """A judgement recorded or amended by a 督学: the checklist item, its status and evidence, and the reason."""

    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=1900, le=2200, description="年度")
    district: str | None = Field(None, max_length=60, description="区（代码或名称；库中只有一个区时可省略）")
    item: str = Field(min_length=1, max_length=40, description="检查清单项目代码，如 G01_layout")
    status: str = Field(min_length=1, max_length=10, description="结论：达标 或 未达标")
    value: float | None = Field(None, ge=0, le=10_000_000, allow_inf_nan=False, description="数值（可空）")
    evidence: str = Field(min_length=1, max_length=500, description="佐证材料（文件名、文号或调查报告等）")
    assessor: str | None = Field(None, max_length=100, description="评估人（默认：当前用户）")
    assessed_on: str | None = Field(None, max_length=10, description="评估日期 YYYY-MM-DD（可空）")
    reason: str = Field(min_length=1, max_length=500, description="录入或修改的理由（记入批次说明）")


def _clean_text(v: str | None) -> str | None:
    if v is None:
        return None
    v = re.sub(r"[\ud800-\udfff]", "", re.sub(r"[\x00-\x1f\x7f]", " ", v)).strip()
    return v or None


def record_judgement(request: Request, where: Where, body: JudgementInput) -> dict[str, Any]:
    """Validate and write one judgement row as a batch of its own (the import path: the row validated like an
    imported balance_judgement row, written with store.write_batch; the reason is the batch's note, the user
    its user_name), then the audit row. Returns {item, status, batch_id (None: unchanged), message}."""
    from ... import access
    from ...ingest.readers import RawSheet
    from ...ingest.validate import validate_sheet
    from ...model import TABLES_BY_NAME

    user = current_user(request)
    items = checklist_items()
    problems = []
    item = plain(body.item).strip()
    if item not in items:
        problems.append(f"检查清单中没有项目“{item}”（项目代码如 G01_layout，见检查清单的“代码”列）")
    status = plain(body.status).strip()
    if status not in STATUS_TO_PASSED:
        problems.append(f"结论“{status}”不可用：只能是“达标”或“未达标”（待评估 = 没有判定）")
    reason = _clean_text(body.reason)
    if not reason:
        problems.append("请填写录入或修改的理由")
    evidence = _clean_text(body.evidence)
    if not evidence:
        problems.append("请填写佐证材料")
    if problems:
        raise EduplanError("督导评估判定未保存：" + "；".join(problems))
    table = TABLES_BY_NAME["balance_judgement"]
    assessor = _clean_text(body.assessor) or (user.display_name or user.username)
    values = {"year": str(where.year), "area_code": where.code, "item": item, "passed": STATUS_TO_PASSED[status],
              "value": "" if body.value is None else format(Decimal(repr(float(body.value))), "f"), "evidence": evidence,
              "assessor": assessor, "assessed_on": _clean_text(body.assessed_on) or ""}
    headers = [f.header for f in table.fields]
    raw = RawSheet("网页录入", None, 1, headers, [(2, [values[f.name] for f in table.fields])])
    rows, issues = validate_sheet(raw, table)
    errors = [i for i in issues if i.level == "error"]
    if errors or not rows:
        raise EduplanError("督导评估判定未保存：" + "；".join(i.message for i in errors or issues))
    row = rows[0]
    state = web(request)
    address = request.client.host if request.client else None
    fields = ("passed", "value", "evidence", "assessor", "assessed_on")
    with state.writing() as store:
        old = store.dicts("SELECT passed, value, evidence, assessor, CAST(assessed_on AS VARCHAR) AS assessed_on "
                          "FROM balance_judgement WHERE year = ? AND area_code = ? AND item = ?",
                          [where.year, where.code, item])
        before = old[0] if old else None
        if before is not None and all(_same(before[f], row[f]) for f in fields):
            return {"item": item, "status": status, "batch_id": None, "changed": False,
                    "message": f"“{items[item].label}”的判定与已记录的相同，未作修改"}
        content = json.dumps({**row, "user": user.username, "reason": reason,
                              "at": datetime.now(timezone.utc).isoformat()}, ensure_ascii=False, sort_keys=True)
        name = f"网页录入：督导评估判定 {item}（{where.year} 年，{where.code}）"
        files = [{"file_name": name, "file_path": None, "sha256": hashlib.sha256(content.encode()).hexdigest(),
                  "tables": {"balance_judgement": [row]}}]
        written = store.write_batch(files, user.username, kind="import", note=reason)
        batch_id = written[0]["batch_id"]
        access.audit.record(store, actor=user, action="judgement", target=item, address=address, detail={
            "year": where.year, "district": where.code, "status": status, "value": row["value"],
            "evidence": evidence, "assessor": assessor, "assessed_on": row["assessed_on"], "reason": reason,
            "batch_id": batch_id, "before": None if before is None else {f: before[f] for f in fields}})
    verb = "修改" if before is not None else "录入"
    note = ("；此项由数据判定，数据齐全时以数据为准，判定只在数据缺失时采用" if items[item].decided == "data" else "")
    return {"item": item, "status": status, "batch_id": batch_id, "changed": True,
            "message": f"已{verb}“{items[item].label}”的判定：{status}（批次 {batch_id}）{note}"}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return (None if a in ("", None) else str(a)) == (None if b in ("", None) else str(b))


def judgement_history(state, where: Where, item: str) -> list[dict[str, Any]]:
    """Every version of the item's judgement row (store.versions), newest first."""
    key = {"year": where.year, "area_code": where.code, "item": item}
    versions = state.cached(("balance", "history", where.code, where.year, item),
                            lambda store: store.versions("balance_judgement", key))
    from ...store import time_label

    out = []
    for v in reversed(versions):
        vals = v["values"]
        out.append({**v, "at": time_label(v["imported_at"]),
                    "status": {"是": PASS, "否": FAIL}.get(vals.get("passed"), vals.get("passed")),
                    "evidence": vals.get("evidence"), "assessor": vals.get("assessor"),
                    "assessed_on": vals.get("assessed_on"), "value": vals.get("value"),
                    "changed_fields": [c for c in v["changed"] if c not in ("year", "area_code", "item")]})
    return out


@router.get("/balance/checklist", dependencies=[BUREAU])
def checklist_page(request: Request, year: YearQ = None, district: DistrictQ = None,
                   saved: Annotated[str | None, Query(max_length=40, pattern=ITEM_ID)] = None,
                   item: Annotated[str | None, Query(max_length=40, pattern=ITEM_ID)] = None):
    """The checklist; `item` fills the judgement form with that item's current judgement (to amend it)."""
    where = resolve(request, year, district)
    message = None
    items = checklist_items()
    if saved is not None and saved in items:
        message = f"已保存“{items[saved].label}”的判定" + (
            "；此项由数据判定，数据齐全时以数据为准，判定只在数据缺失时采用" if items[saved].decided == "data" else "")
    form = None
    if item is not None and item in items:
        form = {"item": item}
        current = next((i for i in checklist_view(web(request), where) if i["id"] == item), None)
        if current is not None and current["decided_by"] == "judgement":
            form.update({"status": current["status"], "evidence": current["evidence"] or "",
                         "value": "" if current["value"] is None else f"{current['value']:g}"})
    return _checklist(request, where, message=message, form=form)


def _checklist(request: Request, where: Where, status_code: int = 200, **extra: Any):
    from ...balance.checklist import summary

    state = web(request)
    items = checklist_view(state, where)
    result = evaluation(state, where)
    user = current_user(request)
    form = {"item": "", "status": "", "value": "", "evidence": "", "assessor": user.display_name or user.username,
            "assessed_on": datetime.now(timezone.utc).date().isoformat(), "reason": ""}
    form.update(extra.pop("form", {}) or {})
    ctx = base_context(request, where, items=items, summary=summary(result.checklist or []), form=form,
                       item_choices=[(i["id"], f"{i['label']} {i['text']}") for i in items],
                       **{"message": None, "error": None, **extra})
    return render(request, "balance/checklist.html", ctx, status_code=status_code)


@router.post("/balance/checklist", dependencies=[JUDGES])
async def checklist_record(request: Request):
    """Record or amend a judgement (form: year, district, item, status, value, evidence, assessor, assessed_on,
    reason); errors are shown above the form with what was typed."""
    form = await request.form()
    return await run_in_threadpool(_checklist_record, request, form)  # the store and its lock: not in the event loop


def _checklist_record(request: Request, form: Any):
    typed = {k: (form.get(k) if isinstance(form.get(k), str) else "") for k in
             ("year", "district", "item", "status", "value", "evidence", "assessor", "assessed_on", "reason")}
    year = _int_or_none(typed["year"])
    where = resolve(request, year if year is not None and 1900 <= year <= 2200 else None, typed["district"] or None)
    try:
        if year is None or year != where.year:
            raise EduplanError(f"年度“{typed['year']}”不正确：请从页面上的年度中选择")
        value = None
        if typed["value"].strip():
            value = _number(typed["value"], "数值")
        body = JudgementInput(year=where.year, district=where.code, item=typed["item"][:40], status=typed["status"][:10],
                              value=value, evidence=typed["evidence"][:500] or " ", assessor=typed["assessor"][:100] or None,
                              assessed_on=typed["assessed_on"][:10] or None, reason=typed["reason"][:500] or " ")
        done = record_judgement(request, where, body)
    except ValidationError as e:
        return _checklist(request, where, 400, error="督导评估判定未保存：" + _validation_text(e), form=typed)
    except EduplanError as e:
        return _checklist(request, where, 400, error=str(e), form=typed)
    if not done["changed"]:
        return _checklist(request, where, message=done["message"], form=typed)
    return RedirectResponse(f"/balance/checklist?{where.query(saved=done['item'])}#item-{done['item']}", status_code=303)


@router.get("/balance/checklist/items/{item}", dependencies=[BUREAU])
def judgement_page(request: Request, item: Annotated[str, Path(pattern=ITEM_ID, max_length=40)],
                   year: YearQ = None, district: DistrictQ = None):
    """One checklist item: its current status and every version of its recorded judgement."""
    items = checklist_items()
    if item not in items:
        raise HTTPException(404, f"检查清单中没有项目“{item}”")
    where = resolve(request, year, district)
    state = web(request)
    current = next((i for i in checklist_view(state, where) if i["id"] == item), None)
    history = judgement_history(state, where, item)
    return render(request, "balance/item.html", base_context(request, where, item=items[item], current=current,
                                                             history=history))


# ------------------------------------------------------------------ the planner


class CapsInput(BaseModel):
    """Upper bounds on what the planner may add at a school (empty: no bound; 0: cannot add)."""

    model_config = ConfigDict(extra="forbid")

    teachers: int | None = Field(None, ge=0, le=100_000, description="可增加的专任教师总数（人）")
    backbone_teachers: int | None = Field(None, ge=0, le=100_000, description="可增加的县级以上骨干教师数（人）")
    pe_art_teachers: int | None = Field(None, ge=0, le=100_000, description="可增加的体育、艺术专任教师数（人）")
    teaching_area: float | None = Field(None, ge=0, le=10_000_000, allow_inf_nan=False, description="可增加的教学及辅助用房面积（㎡）")
    sports_area: float | None = Field(None, ge=0, le=10_000_000, allow_inf_nan=False, description="可增加的体育运动场馆面积（㎡）")
    equipment: float | None = Field(None, ge=0, le=10_000_000_000, allow_inf_nan=False, description="可增加的教学仪器设备值（元）")
    multimedia_rooms: int | None = Field(None, ge=0, le=100_000, description="可增加的网络多媒体教室数（间）")


class SchoolCapsInput(CapsInput):
    school: str = Field(min_length=1, max_length=60, description="学校标识码或学校名称")


class CostsInput(BaseModel):
    """Unit costs (元); empty: the setting's value."""

    model_config = ConfigDict(extra="forbid")

    teacher: float | None = Field(None, ge=0.01, le=1e9, allow_inf_nan=False, description="高于规定学历专任教师（元/人·年）")
    backbone_teacher: float | None = Field(None, ge=0.01, le=1e9, allow_inf_nan=False, description="县级以上骨干教师（元/人·年）")
    pe_art_teacher: float | None = Field(None, ge=0.01, le=1e9, allow_inf_nan=False, description="体育艺术专任教师（元/人·年）")
    teaching_area: float | None = Field(None, ge=0.01, le=1e9, allow_inf_nan=False, description="教学及辅助用房（元/㎡）")
    sports_area: float | None = Field(None, ge=0.01, le=1e9, allow_inf_nan=False, description="体育运动场馆（元/㎡）")
    equipment: float | None = Field(None, ge=0.01, le=1e3, allow_inf_nan=False, description="教学仪器设备（元/元）")
    multimedia_room: float | None = Field(None, ge=0.01, le=1e9, allow_inf_nan=False, description="网络多媒体教室（元/间）")


class PlannerParams(BaseModel):
    """The planner's parameters (as the `balance` settings `eduplan balance --plan-fixes` reads: unit_costs,
    default_caps, caps), the budget to compare the cost with, and the time limit (bounded)."""

    model_config = ConfigDict(extra="forbid")

    year: int | None = Field(None, ge=1900, le=2200, description="年度（默认：最近年度）")
    district: str | None = Field(None, max_length=60, description="区（代码或名称）")
    unit_costs: CostsInput = Field(default_factory=CostsInput)
    default_caps: CapsInput = Field(default_factory=CapsInput)
    caps: list[SchoolCapsInput] = Field(default_factory=list, max_length=300, description="按学校设定的增加上限")
    budget: float | None = Field(None, ge=0, le=1e13, allow_inf_nan=False, description="预算（元）：与方案成本比较")
    time_limit: float = Field(PLANNER_TIME_DEFAULT, ge=1, le=PLANNER_TIME_MAX, allow_inf_nan=False,
                              description=f"求解时限（秒，1–{PLANNER_TIME_MAX:g}）")

    def key(self) -> str:
        return self.model_dump_json(exclude={"year", "district"})


COST_LABELS = {"teacher": "高于规定学历专任教师（元/人·年）", "backbone_teacher": "县级以上骨干教师（元/人·年）",
               "pe_art_teacher": "体育艺术专任教师（元/人·年）", "teaching_area": "教学及辅助用房（元/㎡）",
               "sports_area": "体育运动场馆（元/㎡）", "equipment": "教学仪器设备（元/元）",
               "multimedia_room": "网络多媒体教室（元/间）"}
CAP_LABELS = {"teachers": "专任教师（人）", "backbone_teachers": "骨干教师（人）", "pe_art_teachers": "体育艺术教师（人）",
              "teaching_area": "教学用房（㎡）", "sports_area": "体育场馆（㎡）", "equipment": "仪器设备（元）",
              "multimedia_rooms": "多媒体教室（间）"}
# the words a person may type for a cap in the per-school lines (Chinese first, the setting's key too)
CAP_WORDS = {"专任教师": "teachers", "教师": "teachers", "骨干教师": "backbone_teachers", "骨干": "backbone_teachers",
             "体育艺术教师": "pe_art_teachers", "体艺教师": "pe_art_teachers", "教学用房": "teaching_area",
             "用房": "teaching_area", "体育场馆": "sports_area", "场馆": "sports_area", "仪器设备": "equipment",
             "设备": "equipment", "多媒体教室": "multimedia_rooms", "教室": "multimedia_rooms",
             **{k: k for k in CAP_LABELS}}
_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def _number(text: str, label: str) -> float:
    """A number as typed: digits with an optional decimal part; anything else (1,0 / 1e3 / −5) is refused."""
    t = text.strip()
    if not _NUMBER.fullmatch(t) or len(t) > 20:
        raise EduplanError(f"{label}应为不小于 0 的数字（如 150000 或 4.5，不带千分位逗号）：“{t[:30]}”")
    return float(t)


def _int_or_none(text: str | None) -> int | None:
    t = (text or "").strip()
    return int(t) if t.isdigit() and len(t) <= 6 else None


def _validation_text(e: ValidationError) -> str:
    labels = {**COST_LABELS, **CAP_LABELS, "budget": "预算", "time_limit": "求解时限", "school": "学校",
              "year": "年度", "item": "项目代码", "status": "结论", "value": "数值", "evidence": "佐证材料",
              "assessor": "评估人", "assessed_on": "评估日期", "reason": "理由"}
    words = {"greater_than": "应大于 {gt}", "greater_than_equal": "应不小于 {ge}", "less_than_equal": "应不大于 {le}",
             "int_from_float": "应为整数", "int_parsing": "应为整数", "string_too_long": "过长",
             "string_too_short": "不能为空", "too_long": "条目过多（最多 {max_length} 条）", "finite_number": "应为有限的数"}
    out = []
    for err in e.errors():
        loc = [str(x) for x in err.get("loc", ())]
        where = "、".join(labels.get(x, x) for x in loc[-1:]) or "参数"
        text = words.get(err.get("type", ""), "不正确")
        try:
            text = text.format(**(err.get("ctx") or {}))
        except (KeyError, IndexError):
            pass
        out.append(f"{where}{text}")
    return "；".join(out)


def params_from_form(form: Any) -> PlannerParams:
    """The planner's parameters from a form or a query string (the same names); EduplanError in Chinese."""
    def get(name: str) -> str:
        v = form.get(name)
        return v if isinstance(v, str) else ""

    costs, caps, problems = {}, {}, []
    for name, label in COST_LABELS.items():
        if get(f"cost_{name}").strip():
            try:
                costs[name] = _number(get(f"cost_{name}"), f"单位成本“{label}”")
            except EduplanError as e:
                problems.append(str(e))
    for name, label in CAP_LABELS.items():
        if get(f"cap_{name}").strip():
            try:
                caps[name] = _number(get(f"cap_{name}"), f"默认上限“{label}”")
            except EduplanError as e:
                problems.append(str(e))
    school_caps = []
    try:
        school_caps = parse_school_caps(get("school_caps"))
    except EduplanError as e:
        problems.append(str(e))
    budget = time_limit = None
    try:
        budget = _number(get("budget"), "预算") if get("budget").strip() else None
    except EduplanError as e:
        problems.append(str(e))
    try:
        time_limit = _number(get("time_limit"), "求解时限") if get("time_limit").strip() else PLANNER_TIME_DEFAULT
    except EduplanError as e:
        problems.append(str(e))
    year = get("year").strip()
    if year and _int_or_none(year) is None:
        problems.append(f"年度应为整数：“{year[:10]}”")
    if problems:
        raise EduplanError("改进方案参数有误：" + "；".join(problems))
    for k in ("teachers", "backbone_teachers", "pe_art_teachers", "multimedia_rooms"):
        if k in caps:
            if caps[k] != int(caps[k]):
                raise EduplanError(f"改进方案参数有误：默认上限“{CAP_LABELS[k]}”应为整数")
            caps[k] = int(caps[k])
    try:
        return PlannerParams(year=_int_or_none(year), district=get("district").strip()[:60] or None,
                             unit_costs=CostsInput(**costs), default_caps=CapsInput(**caps), caps=school_caps,
                             budget=budget, time_limit=time_limit)
    except ValidationError as e:
        raise EduplanError("改进方案参数有误：" + _validation_text(e)) from None


def parse_school_caps(text: str) -> list[SchoolCapsInput]:
    """Lines “<学校标识码或名称> 体育场馆=0 教师=5” (Chinese words or the setting's keys; ，,；; or spaces)."""
    out = []
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    if len(lines) > 300:
        raise EduplanError(f"按学校的上限最多 300 行（现有 {len(lines)} 行）")
    for n, line in enumerate(lines, 1):
        parts = [p for p in re.split(r"[\s,，;；]+", line.replace("：", " ").replace(":", " ")) if p]
        school, pairs = parts[0], parts[1:]
        if not pairs or "=" in school:
            raise EduplanError(f"按学校的上限第 {n} 行“{line[:60]}”：应为“学校标识码或名称 项目=数值”，如“2420104011 体育场馆=0”")
        caps: dict[str, float] = {}
        for p in pairs:
            word, _, value = p.partition("=")
            key = CAP_WORDS.get(word.strip())
            if key is None:
                raise EduplanError(f"按学校的上限第 {n} 行：不认识的项目“{word[:20]}”；可用：{'、'.join(w for w in CAP_WORDS if not w.isascii())}")
            v = _number(value, f"按学校的上限第 {n} 行“{word}”")
            if key in ("teachers", "backbone_teachers", "pe_art_teachers", "multimedia_rooms"):
                if v != int(v):
                    raise EduplanError(f"按学校的上限第 {n} 行“{word}”应为整数")
                v = int(v)
            caps[key] = v
        try:
            out.append(SchoolCapsInput(school=school[:60], **caps))
        except ValidationError as e:
            raise EduplanError(f"按学校的上限第 {n} 行：" + _validation_text(e)) from None
    return out


def school_caps_text(params: PlannerParams) -> str:
    words = {v: k for k, v in reversed(list(CAP_WORDS.items())) if not k.isascii()}
    lines = []
    for c in params.caps:
        vals = c.model_dump(exclude={"school"}, exclude_none=True)
        lines.append(c.school + " " + " ".join(f"{words.get(k, k)}={v:g}" for k, v in vals.items()))
    return "\n".join(lines)


def planner_settings(params: PlannerParams, result):
    """The balance settings with the chosen unit costs, caps and time limit; the schools named in the caps
    must be schools of the evaluation (by 学校标识码 or name)."""
    from ...balance import load_settings
    from ...balance.settings import ActionCaps

    base = load_settings()
    known = {}
    for lr in result.levels.values():
        for s in lr.schools:
            known[s.code] = s.code
            known[s.name] = s.code
    caps = dict(base.caps)
    unknown = [plain(c.school) for c in params.caps if c.school not in known]
    if unknown:
        raise EduplanError(f"改进方案参数有误：{'、'.join(unknown[:5])} 不是本区 {result.year} 年参评的学校（填学校标识码或学校名称）")
    defaults = ActionCaps(**{**base.default_caps.model_dump(), **params.default_caps.model_dump(exclude_none=True)})
    for c in params.caps:
        caps[known[c.school]] = ActionCaps(**c.model_dump(exclude={"school"}, exclude_none=True))
    costs = base.unit_costs.model_copy(update=params.unit_costs.model_dump(exclude_none=True))
    limit = min(params.time_limit, PLANNER_TIME_MAX, base.planner_time_limit)
    return base.model_copy(update={"unit_costs": costs, "default_caps": defaults, "caps": caps,
                                   "planner_time_limit": limit})


class _NotCached(Exception):
    pass


def _miss(_store):
    raise _NotCached()


def run_planner(state, where: Where, params: PlannerParams, wait: float = 0.0, computed: Any = None):
    """The least-cost plan for the district and year with `params` (cached per parameters). The solver runs
    outside the store's lock (it needs only the records), one run at a time: None when another run holds the
    slot for longer than `wait` seconds. `computed(plan)` is called when the plan was computed (not cached)."""
    from ...balance import plan_fixes

    result = evaluation(state, where)
    settings = planner_settings(params, result)
    key = ("balance", "plan", where.code, where.year, params.key())
    try:
        return state.cached(key, _miss)
    except _NotCached:
        pass
    got = _planner_slot.acquire(timeout=wait) if wait > 0 else _planner_slot.acquire(blocking=False)
    if not got:
        return None
    try:
        plan = plan_fixes(result.records, settings)
    except EduplanError:
        raise
    except Exception:  # noqa: BLE001 - the solver's own failure: logged, answered in Chinese (never a 500)
        log.exception("planner failed for %s %s with %s", where.code, where.year, params.key())
        raise EduplanError("改进方案求解失败（已记入服务日志）：请换一组单位成本或上限重试，或联系系统管理员") from None
    finally:
        _planner_slot.release()
    if computed is not None:
        computed(plan)
    return state.cached(key, lambda _store: plan)


def plan_view(plan, params: PlannerParams) -> dict[str, Any]:
    """What the planner page shows of a plan: totals, the budget comparison, actions per school."""
    budget = params.budget
    within = None if budget is None or plan.total_cost is None else plan.total_cost <= budget + 1e-6
    return {
        "status": plan.status, "feasible": plan.feasible, "message": plan.message,
        "total": plan.total_cost, "total_text": fmt(plan.total_cost, "元"),
        "lower_text": fmt(plan.lower_bound, "元"), "gap_text": "—" if plan.gap is None else f"{plan.gap:.2%}",
        "rounds": plan.rounds, "seconds": f"{plan.seconds:.1f}",
        "budget_text": fmt(budget, "元"), "within": within,
        "budget_line": None if within is None else (
            f"在预算 {fmt(budget, '元')} 元之内，结余 {fmt(budget - plan.total_cost, '元')} 元" if within else
            f"超出预算 {fmt(budget, '元')} 元：还差 {fmt(plan.total_cost - budget, '元')} 元（最低成本方案仍超预算）"),
        "actions": [{**a.to_dict(), "amount_text": a.amount_text(), "cost_text": fmt(a.cost, "元")} for a in plan.actions],
        "by_school": [{**s, "cost_text": fmt(s["cost"], "元")} for s in plan.by_school()],
        "binding": [b["message"] for b in plan.binding],
        "infeasible": [d["message"] for d in plan.infeasible],
        "after": plan.after or {},
    }


def _planner_form(params: PlannerParams) -> dict[str, str]:
    """The form fields of `params` (also the download link's query)."""
    out = {f"cost_{k}": ("" if v is None else f"{v:g}") for k, v in params.unit_costs.model_dump().items()}
    out.update({f"cap_{k}": ("" if v is None else f"{v:g}") for k, v in params.default_caps.model_dump().items()})
    out["school_caps"] = school_caps_text(params)
    out["budget"] = "" if params.budget is None else f"{params.budget:.0f}" if params.budget == int(params.budget) else f"{params.budget}"
    out["time_limit"] = f"{params.time_limit:g}"
    return out


def _planner_page(request: Request, where: Where, params: PlannerParams, plan=None, error: str | None = None,
                  status_code: int = 200):
    from ...balance import load_settings

    base = load_settings()
    form = _planner_form(params)
    defaults = {k: fmt(v) for k, v in base.unit_costs.model_dump().items()}
    query = where.query(**{k: v for k, v in form.items() if v})
    return render(request, "balance/planner.html", base_context(
        request, where, form=form, cost_labels=COST_LABELS, cap_labels=CAP_LABELS, defaults=defaults,
        plan=None if plan is None else plan_view(plan, params), error=error, download=f"/balance/planner.xlsx?{query}",
        time_max=f"{PLANNER_TIME_MAX:g}", settings_caps=len(base.caps)), status_code=status_code)


@router.get("/balance/planner", dependencies=[BUREAU])
def planner_page(request: Request, year: YearQ = None, district: DistrictQ = None):
    where = resolve(request, year, district)
    return _planner_page(request, where, PlannerParams())


def audit_planner(request: Request, where: Where, params: PlannerParams, plan, outcome: str = "成功",
                  error: str | None = None) -> None:
    from ... import access

    user = current_user(request)
    detail = {"year": where.year, "district": where.code, "params": json.loads(params.key()),
              "status": None if plan is None else plan.status,
              "total_cost": None if plan is None else plan.total_cost}
    if error:
        detail["error"] = error
    with web(request).reading() as store:
        access.audit.record(store, actor=user, action="planner_run", target=f"{where.code} {where.year}",
                            detail=detail, address=request.client.host if request.client else None, outcome=outcome)


BUSY = "另一项改进方案测算正在进行，请稍后重试"


@router.post("/balance/planner", dependencies=[BUREAU])
async def planner_run(request: Request):
    form = await request.form()
    return await run_in_threadpool(_planner_run, request, form)  # the solver and the store: in a worker thread


def _planner_run(request: Request, form: Any):
    year = _int_or_none(form.get("year") if isinstance(form.get("year"), str) else None)
    district = form.get("district") if isinstance(form.get("district"), str) else None
    where = resolve(request, year if year is not None and 1900 <= year <= 2200 else None, (district or "")[:60] or None)
    try:
        params = params_from_form(form)
    except EduplanError as e:
        return _planner_page(request, where, PlannerParams(), error=str(e), status_code=400)
    try:
        plan = run_planner(web(request), where, params)
    except EduplanError as e:
        audit_planner(request, where, params, None, "失败", str(e))
        return _planner_page(request, where, params, error=str(e), status_code=400)
    if plan is None:
        return _planner_page(request, where, params, error=BUSY, status_code=429)
    audit_planner(request, where, params, plan)
    return _planner_page(request, where, params, plan=plan)


@router.get("/balance/planner.xlsx", dependencies=[BUREAU])
def planner_xlsx(request: Request, year: YearQ = None, district: DistrictQ = None):
    """The workbook of `eduplan balance --plan-fixes --format xlsx` for the chosen parameters."""
    from ...balance.report import write_workbook

    where = resolve(request, year, district)
    params = params_from_form(request.query_params)
    state = web(request)
    plan = run_planner(state, where, params, wait=PLANNER_TIME_MAX + 5,
                       computed=lambda p: audit_planner(request, where, params, p))
    if plan is None:
        raise HTTPException(429, BUSY)
    result = replace(evaluation(state, where), plan=plan)
    return xlsx_response(lambda path: write_workbook(result, path, store=state.db),
                         f"改进方案-{where.code}-{where.year}.xlsx")


def warm(state) -> None:
    """The latest year's evaluation of the default district, computed at start-up."""
    from ...plan.scope import data_years

    found = _all_scopes(state)
    if not found:
        return
    chosen = next((s for s in found if s.plan is not None), found[0])
    years = state.cached(("balance", "years", chosen.district_code), lambda store: data_years(store, chosen.district_code))
    if years:
        evaluation(state, Where(chosen, years[-1], years, [(s.district_code, s.label) for s in found]))
