"""The plan's single coefficient per level over the years, and its status against the plan's targets.

`coefficient_series` gives, for every year in the store, {小学: x, 初中: y} (per district with
`coefficient_series_by_district`) — the composite of the chosen method's single coefficients (setting
`composite`, default their mean; method default `plan_method`, 2017), every district × year × level computed
in one database query (series_query); `coefficient_series_evaluated` gives the same through the Python
evaluator, for the equality test. `plan_indicator_status` reads the row 义务教育优质均衡系数 (setting
`plan_indicator`) of the district's own plan: its published values and its targets per level and target
year (interim and final), and compares the series with each — the plan's targets (规划目标), kept apart
from the official method's thresholds (国家标准, in the method's result).
"""

from __future__ import annotations

from typing import Any

from .data import records_from_store, split_units, store_years
from .series_query import coefficient_rows
from .settings import LEVELS, BalanceSettings, load_settings


def coefficient_series(store, method: str | None = None, years: list[int] | None = None,
                       settings: BalanceSettings | None = None, district_code: str | None = None,
                       ) -> dict[int, dict[str, float | None]]:
    """{year: {"小学": x, "初中": y}} for every year in the store (or `years`), for one district (or the
    whole store's schools pooled when None) — computed by the database (series_query)."""
    if district_code is not None:
        return coefficient_series_by_district(store, method, years, settings).get(district_code, {})
    rows = coefficient_rows(store, method, years or None, settings, by_district=False)
    got: dict[int, dict[str, float | None]] = {}
    for r in rows:
        got.setdefault(r["year"], {lvl: None for lvl in LEVELS})[r["level"]] = r["composite"]
    # a year asked for but without data has no coefficient (the evaluator: no units, nothing computable)
    return {y: got.get(y, {lvl: None for lvl in LEVELS}) for y in (years or sorted(got))}


def coefficient_series_by_district(store, method: str | None = None, years: list[int] | None = None,
                                   settings: BalanceSettings | None = None,
                                   ) -> dict[str, dict[int, dict[str, float | None]]]:
    """{district: {year: {"小学": x, "初中": y}}}: each district evaluated on its own schools (县域), every
    district × year × level in one query (series_query), for each district and year with enrolment rows."""
    out: dict[str, dict[int, dict[str, float | None]]] = {}
    for r in coefficient_rows(store, method, years or None, settings, by_district=True):
        out.setdefault(r["district_code"], {}).setdefault(r["year"], {lvl: None for lvl in LEVELS})[r["level"]] = \
            r["composite"]
    return out


def coefficient_series_evaluated(store, method: str | None = None, years: list[int] | None = None,
                                 settings: BalanceSettings | None = None, by_district: bool = True,
                                 ) -> dict:
    """The same series through the Python evaluator (records_from_store, split_units, the method's evaluate,
    school compliance included): {district: {year: {level: x}}}, or {year: {level: x}} for the whole store
    when not `by_district`. Slow; kept to hold the query to the evaluator (tests/test_balance_series_query.py)."""
    from . import METHODS

    settings = settings or load_settings()
    method = method or settings.plan_method
    district_of = dict(store.run("SELECT school_code, district_code FROM school"))
    out: dict = {}
    for year in years or store_years(store):
        records, _ = records_from_store(store, year, settings)
        if not by_district:
            units, _ = split_units(records, settings)
            out[year] = {lvl: r.composite for lvl, r in METHODS[method](units, settings).items()}
            continue
        groups: dict[str, list] = {}
        for r in records:
            groups.setdefault(district_of.get(r.code), []).append(r)
        for code, recs in groups.items():
            units, _ = split_units(recs, settings)
            out.setdefault(code, {})[year] = {lvl: r.composite for lvl, r in METHODS[method](units, settings).items()}
    return out


def _text(v) -> str:
    """A target as the plan writes it, normalised (“≤0.40”: the decimals the plan prints are kept)."""
    import re

    from ..plan.schema import OP_SYMBOL

    if v.value is None:
        return v.text()
    m = re.search(r"\d+\.(\d+)", v.raw or "")
    digits = len(m.group(1)) if m else 0
    number = f"{v.value:.{digits}f}" if digits else v.text().lstrip("≥≤<>=")
    return f"{OP_SYMBOL.get(v.op or '', '') if v.op != '=' else ''}{number}"


def plan_indicator_status(series: dict[int, dict[str, float | None]], settings: BalanceSettings | None = None,
                          plan=None, year: int | None = None) -> dict[str, Any]:
    """The plan's coefficient targets (规划目标) and whether the series meets them — thresholds from `plan`
    (the district's own plan), per level and per target year (interim and final), never fixed numbers.

    Checks: every target year with a value is judged against its own target (到期); the evaluated `year`
    (default: the latest with a value), when it is not a target year, against the next target ahead and,
    if that is an interim one, the final one too. Without a plan (or a plan without the row) there are no
    targets: `status` says 无规划目标 (or that the plan does not set one) and `checks` is empty."""
    from ..plan import satisfies
    from ..plan.scope import NO_PLAN

    settings = settings or load_settings()
    doc: dict[str, Any] = {"criterion": "规划目标", "indicator": settings.plan_indicator, "name": None,
                           "plan": None if plan is None else {"id": plan.meta.id, "title": plan.meta.title},
                           "status": None, "published": {}, "targets": {}, "series": series, "checks": []}
    if plan is None:
        return {**doc, "status": NO_PLAN}
    for table in plan.tables:
        row = next((r for r in table.rows if r.id == settings.plan_indicator), None)
        if row is not None:
            break
    else:
        return {**doc, "status": f"规划中没有“{settings.plan_indicator}”（义务教育优质均衡系数）的目标"}
    published: dict[int, dict[str, float | None]] = {}
    targets: dict[int, dict[str, dict[str, Any]]] = {}
    for col in table.columns:
        cell = row.values.get(col.key)
        if cell is None or not cell.by_level:
            continue
        if col.kind == "target":
            targets[col.year] = {lvl: {"op": v.op, "value": v.value, "text": _text(v), "label": plan.target_label(col.year)}
                                 for lvl, v in cell.by_level.items()}
        else:
            published[col.year] = {lvl: v.value for lvl, v in cell.by_level.items()}
    checks = []
    final = max(targets) if targets else None
    have = [y for y, v in series.items() if any(x is not None for x in v.values())]
    at = year if year is not None else max(have, default=None)
    pairs = [(y, y) for y in sorted(targets) if y in series]
    if at is not None and final is not None and at not in targets:
        ahead = min((ty for ty in targets if ty >= at), default=final)
        pairs += [(at, ahead)] + ([(at, final)] if ahead != final else [])
    for y, ty in pairs:
        for lvl, target in targets[ty].items():
            value = series.get(y, {}).get(lvl)
            met = None if value is None or target["value"] is None else satisfies(value, target["op"], target["value"])
            verdict = {True: "已达成", False: "未达成", None: "无法判定"}[met]
            checks.append({"year": y, "target_year": ty, "target_label": target["label"], "level": lvl,
                           "value": value, "target": target["text"], "op": target["op"],
                           "threshold": target["value"], "met": met,
                           "text": f"{lvl} {target['label']} {target['text']} {verdict}"})
    return {**doc, "indicator": row.id, "name": row.name, "status": "规划目标" if targets else "规划未设目标",
            "published": published, "targets": targets, "checks": checks}
