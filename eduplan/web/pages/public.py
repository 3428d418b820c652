"""公开（规划进展发布）: the public progress page at `/` — no login, district-level figures only.

For each district of the store: the bound plan's title and period, every quantitative plan indicator's
district value for the year against its target (status, sparkline of the years with the target line), the
count of indicators by status with a chart, and the year's progress in plain Chinese sentences generated from
those figures. Never a school's or a 学区's row, never a pupil's data.

Small-cell suppression (setting `web.small_cell_threshold`, default 10): a figure computed from fewer than
that many pupils or teachers is not published — its value, status and sparkline point read
“数据过少，不公布”. Which terms count persons is decided from the indicator's declaration and the data model:
a term over `enrolment` (学生) or `teachers` (教师) whose expression reads only columns measured in 人
(在校生数、毕业生数、转入/转出人数、专任教师数、教职工数、研究生学历 …; not 班数 or facilities). For each side
(numerator, denominator) and each kind of person, the persons the side counts are its terms of that kind with
a positive coefficient (the negative ones — transfers in, deaths — correct that count), or, when the kind
has only negative terms (现有教职工 in an 编制缺口), those; the figure is suppressed when any such count is
below the threshold. Reported values (上报值, not computed here) and coefficients computed across schools
(优质均衡系数) rest on no such count and are published as reported or computed.

`public_report(store, …)` builds the content once per data version (the server's cache); the JSON twin is
`GET /api/v1/public` (eduplan/web/api/public.py).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from ...units import decimals  # the command line's decimals by unit
from ..rules import PUBLIC
from ..templating import num, render

router = APIRouter()

SUPPRESSED = "数据过少，不公布"
STATUSES = ("已达成", "按计划", "有风险", "偏离")
STATUS_COLOURS = {"已达成": "#2e8b57", "按计划": "#2f6fb0", "有风险": "#d99a1e", "偏离": "#c0392b"}
PERSON_KINDS = {"enrolment": "学生", "teachers": "教师"}
DISTRICT_PATTERN = r"^[0-9A-Za-z]{1,20}$"


def figure(value: float | None, unit: str | None) -> str:
    """A figure as the page and the command line show it: thousands separated, decimals by unit; “—” for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{decimals(unit)}f}"


# ------------------------------------------------------------------ which terms count persons

def _person_columns() -> dict[str, set[str]]:
    from ...model import TABLES_BY_NAME

    return {rel: {f.name for f in TABLES_BY_NAME[rel].fields if f.unit == "人"} for rel in PERSON_KINDS}


def person_groups(ind: Any) -> list[tuple[str, str, list[Any]]]:
    """(side 分子/分母, kind 学生/教师, the terms whose sum is the persons that side counts) of an indicator."""
    from ...indicators.expr import columns_of

    cols = _person_columns()
    out = []
    for side, terms in (("分子", ind.numerator), ("分母", ind.denominator)):
        by_kind: dict[str, list[Any]] = {}
        for t in terms:
            if t.relation not in PERSON_KINDS:
                continue
            used = columns_of(t.expr)
            if used and used <= cols[t.relation]:
                by_kind.setdefault(PERSON_KINDS[t.relation], []).append(t)
        for kind, ts in by_kind.items():
            positive = [t for t in ts if t.coefficient > 0]
            out.append((side, kind, positive or ts))
    return out


def _float(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def suppressed_kinds(ind: Any, row: dict[str, Any] | None, term_ids: dict, threshold: int) -> list[str]:
    """The kinds of persons (学生/教师) of which the figure's term row counts fewer than `threshold` (empty: publish).
    A count that cannot be read (no term row) suppresses too: never publish what cannot be checked."""
    from ...indicators.engine import term_key

    kinds = []
    for _side, kind, terms in person_groups(ind):
        values = [_float(row.get(term_ids[term_key(t)])) if row is not None else None for t in terms]
        if any(v is None for v in values) or sum(values) < threshold:
            if kind not in kinds:
                kinds.append(kind)
    return kinds


def suppression_reason(kinds: list[str], threshold: int) -> str:
    return f"由少于 {threshold} 名{'或'.join(kinds)}的数据算出，{SUPPRESSED}（小数抑制）"


# ------------------------------------------------------------------ the content

def computation(store: Any) -> tuple[Any, Any, Any, Any]:
    """(definitions, indicator settings, the computation of every indicator, its district-level term rows)."""
    from ...indicators import IndicatorSettings, load_definitions
    from ...indicators.engine import compute
    from ...settings import load_section

    settings = load_section("indicators", IndicatorSettings)
    defs = load_definitions(settings)
    comp = compute(store, defs)
    terms = comp.terms
    terms = terms[(terms["unit_type"] == "district") & (terms["bdim"] == "")] if len(terms) else terms
    return defs, settings, comp, terms


def _term_rows(terms: Any) -> dict[tuple[int, str], dict[str, Any]]:
    if not len(terms):
        return {}
    return {(int(r["year"]), str(r["unit_code"])): r for r in terms.to_dict("records")}


def _target_text(t: dict[str, Any] | None, unit: str) -> str:
    if not t:
        return ""
    from ...plan.schema import OP_SYMBOL

    text = t.get("text") or f"{OP_SYMBOL.get(t.get('op'), t.get('op') or '')}{figure(t.get('value'), unit)}"
    return f"{text}（{t['label']}）" if t.get("label") else text


def _series(comp_values: Any, iid: str, code: str, bdim: str, bval: str) -> dict[int, dict[str, Any]]:
    v = comp_values
    sel = v[(v["indicator"] == iid) & (v["unit_type"] == "district") & (v["unit_code"] == code)
            & (v["bdim"] == bdim) & (v["bval"].fillna("") == bval)]
    return {int(r["year"]): r for r in sel.to_dict("records")}


def _district_section(store: Any, scope: Any, year: int, year_note: str | None, years: list[int], defs: Any,
                      settings: Any, comp: Any, term_rows: dict, threshold: int) -> dict[str, Any]:
    from ...indicators.report import build_reports

    code = scope.district_code
    plan = scope.plan
    report = build_reports(store, [scope], defs, settings, year, None, comp)[0]
    declared = {i.id: i for i in defs.indicators}
    figures: list[dict[str, Any]] = []
    qualitative: list[str] = []
    values = comp.values
    values = values[values["unit_type"] == "district"] if len(values) else values
    for ind in report["indicators"]:
        if not ind["in_plan"]:
            continue
        if ind["kind"] == "qualitative":
            qualitative.append(ind["name"])
            continue
        entries = [e for e in ind["values"] if e["unit_type"] == "district" and e["unit_code"] == code]
        total = [e for e in entries if e["breakdown"] is None]
        # an indicator computed per 学段 only (the 优质均衡 coefficient) is shown per 学段; other breakdowns never
        # (a 学段 or 办学性质 group of one or two schools would be those schools' own figures)
        levels = [e for e in entries if ind["kind"] == "external" and e["breakdown"] is not None
                  and e["breakdown"]["dimension"] == "level"]
        chosen = total if total and (total[0]["value"] is not None or not levels) else levels
        if not chosen:
            chosen = [None]
        for e in chosen:
            figures.append(_figure(ind, e, declared.get(ind["id"]), code, year, years, values, term_rows, threshold,
                                   comp.term_ids))
    counts = {s: sum(1 for f in figures if f["status"] == s) for s in STATUSES}
    summary = {
        "figures": len(figures),
        **counts,
        "no_status": sum(1 for f in figures if f["value"] is not None and f["status"] is None),
        "no_data": sum(1 for f in figures if f["value"] is None and not f["suppressed"]),
        "suppressed": sum(1 for f in figures if f["suppressed"]),
        "qualitative": len(qualitative),
    }
    section = {
        "district_code": code,
        "district_name": scope.district_name,
        "label": scope.label,
        "year": year,
        "year_note": year_note,
        "years": years,
        "plan": None if plan is None else {"id": plan.meta.id, "title": plan.meta.title,
                                           "period": [plan.meta.period.start, plan.meta.period.end]},
        "figures": figures,
        "qualitative": qualitative,
        "summary": summary,
    }
    section["progress"] = progress_text(section)
    return section


def _figure(ind: dict[str, Any], e: dict[str, Any] | None, decl: Any, code: str, year: int, years: list[int],
            values: Any, term_rows: dict, threshold: int, term_ids: dict) -> dict[str, Any]:
    unit = ind["unit"] or ""
    name = ind["name"]
    bdim, bval = "", ""
    if e is not None and e["breakdown"] is not None:
        bdim, bval = e["breakdown"]["dimension"], str(e["breakdown"]["value"])
        name = f"{name}（{bval}）"
    computed = e is not None and e["source"] == "computed" and decl is not None and decl.kind == "ratio" and not bdim

    def hidden(y: int) -> list[str]:
        return suppressed_kinds(decl, term_rows.get((y, code)), term_ids, threshold) if decl is not None else []

    value = e["value"] if e is not None else None
    kinds = hidden(year) if computed and value is not None else []
    suppressed = bool(kinds)
    series_rows = _series(values, ind["id"], code, bdim, bval) if len(values) else {}
    series = []
    for y in years:
        r = series_rows.get(y)
        v = _float(r["value"]) if r is not None else None
        if v is not None and decl is not None and decl.kind == "ratio" and not bdim and \
                str(r.get("source")) == "computed" and hidden(y):
            v = None
        series.append(v)
    target = e["target"] if e is not None else None
    final = e["final_target"] if e is not None else None
    status = None if suppressed or e is None else e["status"]
    return {
        "id": ind["id"],
        "name": name,
        "unit": unit,
        "level": bval or None,
        "value": None if suppressed else value,
        "value_text": SUPPRESSED if suppressed else figure(value, unit),
        "suppressed": suppressed,
        "suppressed_reason": suppression_reason(kinds, threshold) if suppressed else None,
        "no_data_reason": None if value is not None or suppressed else "本年度暂无数据",
        "source": "上报值" if e is not None and str(e["source"]).startswith("reported") else "计算值",
        "target": target,  # the plan's own (public) number, shown even beside a suppressed value
        "target_text": _target_text(target, unit),
        "final_target": final,
        "status": status if status in STATUSES else None,
        "status_note": None if suppressed or e is None else e["status_note"],
        "series": series,
        "decimals": decimals(unit),
    }


def progress_text(section: dict[str, Any]) -> list[str]:
    """The year's progress in plain sentences, from the section's figures."""
    s = section["summary"]
    year = section["year"]
    plan = section["plan"]
    if plan is None:
        return [f"{section['label']}尚未绑定教育发展规划，暂无可发布的规划指标进展。"]
    start, end = plan["period"]
    first = (f"{year} 年，{section['label']}《{plan['title']}》（{start}—{end} 年）跟踪 {s['figures']} 项量化指标")
    parts = []
    words = {"已达成": "已达成目标", "按计划": "按计划推进", "有风险": "有未达目标的风险", "偏离": "偏离规划路径"}
    for st in STATUSES:
        if s[st]:
            parts.append(f"{s[st]} 项{words[st]}")
    sentences = [first + ("：" + "，".join(parts) + "。" if parts else "。")]
    extra = []
    if s["no_status"]:
        extra.append(f"{s['no_status']} 项有数值但本年度无可对照的目标")
    if s["no_data"]:
        extra.append(f"{s['no_data']} 项暂无本年度数据")
    if s["suppressed"]:
        extra.append(f"{s['suppressed']} 项因所依据的学生或教师人数过少不予公布")
    if extra:
        sentences.append("另有 " + "，".join(extra) + "。")
    if s["qualitative"]:
        sentences.append(f"规划中还有 {s['qualitative']} 项定性目标，需专门评估，不作量化跟踪。")
    if year > end:
        sentences.append(f"{year} 年已在规划期（{start}—{end} 年）之后，对照的是规划期末目标。")
    return sentences


def status_chart(section: dict[str, Any]) -> dict[str, Any]:
    """An ECharts option: the number of indicators by status (a horizontal bar per status)."""
    s = section["summary"]
    labels, counts = list(STATUSES), [s[x] for x in STATUSES]
    colours = [STATUS_COLOURS[x] for x in STATUSES]
    for label, key in (("无可对照目标", "no_status"), ("暂无数据", "no_data"), ("不公布", "suppressed")):
        if s[key]:  # the other groups only when there are some
            labels.append(label)
            counts.append(s[key])
            colours.append("#aab3bf")
    return {
        "animation": False,
        "grid": {"left": 90, "right": 30, "top": 10, "bottom": 20},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": labels[::-1]},
        "series": [{"type": "bar", "name": "指标数", "label": {"show": True, "position": "right"},
                    "data": [{"value": c, "itemStyle": {"color": col}} for c, col in zip(counts, colours)][::-1]}],
    }


def public_report(store: Any, threshold: int, year: int | None = None, district: str | None = None,
                  computed: tuple | None = None) -> dict[str, Any]:
    """The public page's content: one section per district (or the one asked for) for `year` (default: each
    district's latest year with data)."""
    from ...plan.scope import data_years, known_districts, resolve_year, scopes

    if district is None and not known_districts(store):
        return {"threshold": threshold, "districts": []}  # an empty store: nothing to publish yet
    defs, settings, comp, terms = computed or computation(store)
    rows = _term_rows(terms)
    sections = []
    for scope in scopes(store, district, None, several=True):
        years = data_years(store, scope.district_code)
        if year is None and not years:
            continue  # a district with a plan bound and no data yet
        y, note = resolve_year(store, year, scope.district_code)
        sections.append(_district_section(store, scope, y, note, years, defs, settings, comp, rows, threshold))
    return {"threshold": threshold, "districts": sections}


def cached_report(state: Any, year: int | None, district: str | None) -> dict[str, Any]:
    threshold = state.settings.small_cell_threshold
    comp = state.cached(("public", "computation"), computation)
    return state.cached(("public", "report", year, district, threshold),
                        lambda store: public_report(store, threshold, year, district, comp))


def warm(state: Any) -> None:
    """Compute the page of the default year before the first visitor asks."""
    cached_report(state, None, None)


@router.get("/", dependencies=[PUBLIC])
def public_page(request: Request,
                year: Annotated[str | None, Query(pattern=r"^(19\d\d|2[01]\d\d|2200)?$", description="年度（空：最近年度）")] = None,
                district: Annotated[str | None, Query(pattern=r"^([0-9A-Za-z]{1,20})?$", max_length=20)] = None):
    # an empty field (the form's 最近年度 / all districts, submitted without script) is the default, not an error
    year = int(year) if year else None
    district = district or None
    state = request.app.state.web
    report = cached_report(state, year, district)
    from ...plan.scope import known_districts

    districts = state.cached(("public-districts",), known_districts)  # not a store read per visit
    charts = {}
    for sec in report["districts"]:
        charts[f"status-{sec['district_code']}"] = status_chart(sec)
        for k, f in enumerate(sec["figures"]):
            t = (f["final_target"] or {}).get("value")
            charts[f"spark-{sec['district_code']}-{k}"] = {"data": f["series"], "years": sec["years"], "target": t,
                                                           "decimals": f["decimals"]}
    return render(request, "public/index.html", {
        "report": report, "charts": charts,
        "all_years": sorted({y for sec in report["districts"] for y in sec["years"]}, reverse=True), "districts": districts, "chosen_district": district, "year": year,
        "suppressed_text": SUPPRESSED, "num": num,
    })
