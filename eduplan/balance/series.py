"""The plan's single coefficient per level over the years, and its status against the plan's targets.

`coefficient_series` gives, for every year in the store, {小学: x, 初中: y} (per district with
`coefficient_series_by_district`) — the composite of the chosen
method's single coefficients (setting `composite`, default their mean; method default `plan_method`,
2017). `plan_indicator_status` reads the plan's row 义务教育优质均衡系数 (setting `plan_indicator`):
its published values and its targets per level, and compares the series with each target.
"""

from __future__ import annotations

from typing import Any

from .data import records_from_store, split_units, store_years
from .settings import BalanceSettings, load_settings


def coefficient_series(store, method: str | None = None, years: list[int] | None = None,
                       settings: BalanceSettings | None = None, district_code: str | None = None,
                       ) -> dict[int, dict[str, float | None]]:
    """{year: {"小学": x, "初中": y}} for every year in the store (or `years`), for one district (or the
    whole store when None)."""
    if district_code is not None:
        return coefficient_series_by_district(store, method, years, settings).get(district_code, {})
    from . import METHODS

    settings = settings or load_settings()
    method = method or settings.plan_method
    out: dict[int, dict[str, float | None]] = {}
    for year in years or store_years(store):
        records, _ = records_from_store(store, year, settings)
        units, _ = split_units(records, settings)
        out[year] = {lvl: r.composite for lvl, r in METHODS[method](units, settings).items()}
    return out


def coefficient_series_by_district(store, method: str | None = None, years: list[int] | None = None,
                                   settings: BalanceSettings | None = None,
                                   ) -> dict[str, dict[int, dict[str, float | None]]]:
    """{district: {year: {"小学": x, "初中": y}}}: each district evaluated on its own schools (县域), the
    store read once per year for all districts."""
    from . import METHODS

    settings = settings or load_settings()
    method = method or settings.plan_method
    district_of = dict(store.run("SELECT school_code, district_code FROM school"))
    out: dict[str, dict[int, dict[str, float | None]]] = {}
    for year in years or store_years(store):
        records, _ = records_from_store(store, year, settings)
        groups: dict[str, list] = {}
        for r in records:
            groups.setdefault(district_of.get(r.code), []).append(r)
        for code, recs in groups.items():
            units, _ = split_units(recs, settings)
            out.setdefault(code, {})[year] = {lvl: r.composite for lvl, r in METHODS[method](units, settings).items()}
    return out


def plan_indicator_status(series: dict[int, dict[str, float | None]], settings: BalanceSettings | None = None,
                          plan=None) -> dict[str, Any] | None:
    """The plan row's published values and targets, and for each target year (and the latest year against
    the final target) whether the series meets it. None when the plan has no such row."""
    from ..plan import load_plan, satisfies

    settings = settings or load_settings()
    plan = plan or load_plan()
    for table in plan.tables:
        row = next((r for r in table.rows if r.id == settings.plan_indicator), None)
        if row is not None:
            break
    else:
        return None
    published: dict[int, dict[str, float | None]] = {}
    targets: dict[int, dict[str, dict[str, Any]]] = {}
    for col in table.columns:
        cell = row.values.get(col.key)
        if cell is None or not cell.by_level:
            continue
        if col.kind == "target":
            targets[col.year] = {lvl: {"op": v.op, "value": v.value, "text": v.text()} for lvl, v in cell.by_level.items()}
        else:
            published[col.year] = {lvl: v.value for lvl, v in cell.by_level.items()}
    checks = []
    final = max(targets) if targets else None
    latest = max((y for y, v in series.items() if any(x is not None for x in v.values())), default=None)
    pairs = [(y, y) for y in sorted(targets) if y in series]
    if latest is not None and final is not None and latest != final:
        pairs.append((latest, final))
    for year, ty in pairs:
        for lvl, target in targets[ty].items():
            value = series.get(year, {}).get(lvl)
            met = None if value is None or target["value"] is None else satisfies(value, target["op"], target["value"])
            checks.append({"year": year, "target_year": ty, "level": lvl, "value": value, "target": target["text"],
                           "met": met})
    return {"indicator": row.id, "name": row.name, "published": published, "targets": targets,
            "series": series, "checks": checks}
