"""Plan targets as yearly paths, each value's status, and a trend projection to the plan's end year.

Targets. For each indicator the plan gives target cells (the tables' target columns, per level where
the plan splits by level) and text targets. Per target year the one whose comparison agrees with
the indicator's direction is used (the strictest if several; e.g. 高中阶段毛入学率 2025: text ≥99.5
rather than the table's "≦100"). Trend targets (逐年只增不减) compare each year with the year before.

Path. A straight line from the baseline (the plan's published value for its baseline year for the
district, the unit's own computed value for zones and schools) to each target in turn:
p(t) = v_b + (T − v_b)·(t − b)/(Y − b), piecewise through the target years.

Targets shown. A value of year t is shown with the next target ahead: the first target whose year is
t or later (an interim target — a target column of a year before the plan's end year — then the final
one), labelled with its year: "2023 中期目标" (inside the plan period), "2025 期末目标" (its end year), "2020
年目标" (outside the period, e.g. the previous plan's last year).

Status (setting status_rule = "path"), for the value v of year t against the final target T:
- 已达成: v satisfies T (the comparison of the final target);
- 按计划: v is on the right side of the path value p(t);
- 有风险: behind the path, but by no more than at_risk_tolerance × |T − v_b|, or the trend projection
  to the target year satisfies T;
- 偏离: behind the path by more, and the projection misses T.
Trend targets: 已达成 when v(t) ≥ v(t−1) (non_decreasing), else 偏离. Qualitative targets: 定性.
Before the baseline year there is no path and no status (the note says so). In the year of an interim
target the note says whether v meets it: "2023 中期目标 ≥95 未达成" (v behind the interim target is behind
the path, so the status is then 有风险 or 偏离). Without a plan there are no targets: every value's
status is 无规划目标.

Projection. Ordinary least squares on the last `projection_window` observed values up to year t (at
least `projection_min_points`), extrapolated to the projection year — the plan's end year (setting `projection_year` overrides it; without
a plan and without the setting there is no projection) — with a two-sided t-distribution prediction
interval at `projection_interval`. Computed for district and zone rows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..plan import Plan
from ..plan.schema import OP_SYMBOL, fmt_num
from ..plan.scope import NO_PLAN
from .schema import Definitions
from .settings import IndicatorSettings

STATUS = ("已达成", "按计划", "有风险", "偏离")
_UP = (">=", ">")
_DOWN = ("<=", "<")


@dataclass
class Target:
    year: int
    op: str
    value: float
    raw: str
    source: str


def satisfies(v: float, op: str, t: float) -> bool:
    return {">=": v >= t, ">": v > t, "<=": v <= t, "<": v < t, "=": math.isclose(v, t)}[op]


def plan_targets(plan: Plan, defs: Definitions) -> dict[tuple[str, str], dict[str, Any]]:
    """(indicator, level or "") -> {targets: [Target], baseline: (year, value) | None, trend, direction}."""
    doc = plan.to_dict()
    direction = {i.id: i.direction for i in defs.indicators}
    found: dict[tuple[str, str], dict[str, Any]] = {}

    def slot(ind: str, level: str = "") -> dict[str, Any]:
        return found.setdefault((ind, level), {"targets": [], "baseline": None, "trend": None,
                                               "direction": direction.get(ind, "up")})

    base_year = doc["meta"]["baseline_year"]
    for table in doc["tables"]:
        kinds = {c["key"]: c for c in table["columns"]}
        for row in table["rows"]:
            for key, cell in row["values"].items():
                if not cell:
                    continue
                col = kinds[key]
                cells = cell["by_level"].items() if cell.get("by_level") else [("", cell)]
                for level, c in cells:
                    if c.get("value") is None:
                        continue
                    if col["kind"] == "target" and c.get("op"):
                        slot(row["id"], level)["targets"].append(
                            Target(col["year"], c["op"], c["value"], c["raw"], f"{table['short_title']}·{col['label']}"))
                    elif col["kind"] == "actual" and col["year"] == base_year:
                        slot(row["id"], level)["baseline"] = (col["year"], c["value"])
    for t in doc["targets"]:
        if t["kind"] == "trend":
            slot(t["indicator"])["trend"] = t["trend"]
        elif t["kind"] == "quantitative" and t.get("op") and t.get("value") is not None:
            year = t.get("year") or doc["meta"]["period"]["end"]
            slot(t["indicator"])["targets"].append(Target(year, t["op"], t["value"], t.get("raw") or "", f"文中目标 {t['id']}"))
    for (ind, _), s in found.items():
        s["targets"] = _choose(s["targets"], s["direction"])
    return found


def _choose(targets: list[Target], direction: str) -> list[Target]:
    by_year: dict[int, list[Target]] = {}
    for t in targets:
        by_year.setdefault(t.year, []).append(t)
    out = []
    for year in sorted(by_year):
        ts = by_year[year]
        good = [t for t in ts if t.op in (_UP if direction == "up" else _DOWN)] or ts
        pick = max(good, key=lambda t: t.value) if direction == "up" else min(good, key=lambda t: t.value)
        out.append(pick)
    return out


def path_value(baseline: tuple[int, float], targets: list[Target], year: int) -> float | None:
    """The path's value in `year`: a straight line from the baseline through each target in turn."""
    wc = _path_weights(baseline[0], targets, year)
    return None if wc is None else wc[0] * baseline[1] + wc[1]


def project(years: np.ndarray, values: np.ndarray, to_year: int, level: float) -> tuple[float, float, float] | None:
    """One series: OLS through (years, values) → (point, low, high) at `to_year` (see project_matrix)."""
    settings = IndicatorSettings(projection_window=len(years), projection_min_points=2, projection_interval=level)
    point, low, high = project_matrix(np.asarray(values, dtype=float)[None, :], np.asarray(years), settings, to_year)
    return None if np.isnan(point[0, -1]) else (float(point[0, -1]), float(low[0, -1]), float(high[0, -1]))


def projection_year(plan: Plan | None, settings: IndicatorSettings) -> int | None:
    """The year trends are projected to: the setting when given, else the plan's end year, else None."""
    if settings.projection_year is not None:
        return settings.projection_year
    return None if plan is None else plan.meta.period.end


def target_text(op: str | None, value: float | None, raw: str | None = None) -> str:
    """“≥95”, “≤0.40”: a comparison as the plan prints it (normalised sign; the decimals of `raw` kept)."""
    if value is None:
        return ""
    m = re.search(r"\d+\.(\d+)", raw or "")
    number = f"{value:.{len(m.group(1))}f}" if m else fmt_num(value)
    return f"{OP_SYMBOL.get(op or '', '') if op != '=' else ''}{number}"


def _path_weights(base_year: int, targets: list[Target], year: int) -> tuple[float, float] | None:
    """path(year) = w · baseline + c: the weight of the baseline and the constant part."""
    points = [(base_year, None)] + [(t.year, t.value) for t in targets if t.year > base_year]
    if len(points) < 2 or year < base_year:
        return None
    for (y0, v0), (y1, v1) in zip(points, points[1:]):
        if year <= y1:
            f = (year - y0) / (y1 - y0)
            if v0 is None:  # first segment starts at the baseline
                return 1 - f, f * v1
            return 0.0, v0 + (v1 - v0) * f
    return 0.0, points[-1][1]


TEXT_COLUMNS = ("target_op", "target_source", "target_label", "target_text", "final_op", "final_text", "status",
                "status_note")
NUM_COLUMNS = ("target", "target_year", "final_target", "final_year", "path", "projection", "projection_low",
               "projection_high", "projection_year")


def attach(values: pd.DataFrame, plan: Plan | None, defs: Definitions, settings: IndicatorSettings) -> pd.DataFrame:
    """Add target, path, status and projection columns to computed values (vectorised per indicator;
    the projection loops over district and zone series only). `values` must be of the plan's district
    (the caller splits a store holding several); with `plan` None every value is 无规划目标.

    Columns added: target, target_op, target_year, target_label, target_text, target_source (the next
    target ahead of the row's year), final_target, final_op, final_year, final_text, path, status,
    status_note, projection, projection_low, projection_high, projection_year."""
    df = values.sort_values(["indicator", "unit_type", "unit_code", "bdim", "bval", "year"]).reset_index(drop=True)
    n = len(df)
    cols = {c: np.full(n, np.nan) for c in NUM_COLUMNS}
    text = {c: np.full(n, None, dtype=object) for c in TEXT_COLUMNS}
    if plan is None:
        text["status"][df["value"].notna().to_numpy()] = NO_PLAN
        _project_all(df, np.ones(n, dtype=bool), cols, settings, projection_year(None, settings))
        for c, v in {**cols, **text}.items():
            df[c] = v
        return df
    targets = plan_targets(plan, defs)
    to_year = projection_year(plan, settings)
    level = np.where(df["bdim"] == "level", df["bval"], "")
    projected = np.zeros(n, dtype=bool)  # rows of indicators with targets: their district/zone series are projected
    judged: list[tuple[np.ndarray, np.ndarray, np.ndarray, Target]] = []
    for (ind, lvl), spec in targets.items():
        sel = ((df["indicator"] == ind).to_numpy() & (level == lvl) & df["bdim"].isin(["", "level"]).to_numpy())
        if not sel.any():
            continue
        idx = np.flatnonzero(sel)
        sub = df.iloc[idx]
        vals = sub["value"].to_numpy(dtype=float)
        years = sub["year"].to_numpy()
        if spec["trend"]:
            prev = sub.groupby(["unit_type", "unit_code", "bdim", "bval"])["value"].shift(1).to_numpy(dtype=float)
            ok = ~np.isnan(vals) & ~np.isnan(prev)
            better = vals >= prev if spec["trend"] == "non_decreasing" else vals <= prev
            text["status"][idx[ok]] = np.where(better[ok], "已达成", "偏离")
            cols["target"][idx[ok]] = prev[ok]
            text["target_op"][idx[ok]] = ">=" if spec["trend"] == "non_decreasing" else "<="
            text["target_source"][idx[ok]] = "逐年只增不减（与上一年比）"
            text["target_label"][idx[ok]] = "逐年只增不减" if spec["trend"] == "non_decreasing" else "逐年只减不增"
            continue
        if not spec["targets"]:
            continue
        tlist = spec["targets"]
        final = tlist[-1]
        # the target shown for year y: the first whose year is y or later (else the final one)
        tyears = np.array([t.year for t in tlist])
        ahead = np.minimum(np.searchsorted(tyears, years, side="left"), len(tlist) - 1)
        cols["target"][idx] = np.array([t.value for t in tlist])[ahead]
        cols["target_year"][idx] = tyears[ahead]
        text["target_op"][idx] = np.array([t.op for t in tlist], dtype=object)[ahead]
        text["target_source"][idx] = np.array([t.source for t in tlist], dtype=object)[ahead]
        text["target_label"][idx] = np.array([plan.target_label(t.year) for t in tlist], dtype=object)[ahead]
        text["target_text"][idx] = np.array([target_text(t.op, t.value, t.raw) for t in tlist], dtype=object)[ahead]
        text["final_text"][idx] = target_text(final.op, final.value, final.raw)
        cols["final_target"][idx], cols["final_year"][idx] = final.value, final.year
        text["final_op"][idx] = final.op
        base_year = (spec["baseline"] or (plan.meta.baseline_year, None))[0]
        # baseline: the plan's published value for the district, each unit's own value otherwise
        keys4 = ["unit_type", "unit_code", "bdim", "bval"]
        own = sub.loc[sub["year"] == base_year, keys4 + ["value"]].rename(columns={"value": "_base"})
        base = sub[keys4].merge(own, on=keys4, how="left")["_base"].to_numpy(dtype=float)
        if spec["baseline"] is not None:
            base = np.where(sub["unit_type"].to_numpy() == "district", spec["baseline"][1], base)
        weights = {int(y): _path_weights(base_year, tlist, int(y)) or (np.nan, np.nan) for y in set(years)}
        wc = np.array([weights[int(y)] for y in years]).reshape(-1, 2)
        path = wc[:, 0] * base + wc[:, 1]
        path = np.where(wc[:, 0] == 0, wc[:, 1], path)
        cols["path"][idx] = path
        span = np.abs(final.value - base)
        span = np.where((span == 0) | np.isnan(span), abs(final.value) or 1.0, span)
        up = final.op in _UP
        met = _sat_vec(vals, final.op, final.value)
        on_path = (vals >= path) if up else (vals <= path)
        behind_ok = np.abs(vals - path) <= settings.at_risk_tolerance * span
        status = np.where(met, "已达成", np.where(on_path, "按计划",
                          np.where((years < final.year) & behind_ok, "有风险", "偏离"))).astype(object)
        status = np.where(np.isnan(vals), None, status)
        note = np.full(len(idx), None, dtype=object)
        early = (years < base_year) & ~np.isnan(vals)
        status[early] = None  # no path before the baseline: nothing to judge against
        note[early] = f"基线年 {base_year} 年之前，不判定"
        for t in tlist[:-1]:  # interim targets, judged in their own year
            due = (years == t.year) & ~np.isnan(vals)
            if due.any():
                hit = _sat_vec(vals[due], t.op, t.value)
                named = f"{plan.target_label(t.year)} {target_text(t.op, t.value, t.raw)}"
                note[due] = np.where(hit, f"{named} 已达成", f"{named} 未达成")
        projected[idx] = True
        judged.append((idx, status, years, final))
        text["status_note"][idx] = note
    # projections for district and zone series of every indicator with targets at once (one pivot), then
    # a value behind its path whose projection reaches the final target is 有风险 rather than 偏离
    _project_all(df, projected, cols, settings, to_year)
    for idx, status, years, final in judged:
        proj = cols["projection"][idx]
        rescue = ((status == "偏离") & (years < final.year) & ~np.isnan(proj)
                  & _sat_vec(np.nan_to_num(proj, nan=0.0), final.op, final.value))
        status[rescue] = "有风险"
        text["status"][idx] = status
    for c, v in {**cols, **text}.items():
        df[c] = v
    return df


def _project_all(df: pd.DataFrame, sel: np.ndarray, cols: dict[str, np.ndarray], settings: IndicatorSettings,
                 to_year: int | None) -> None:
    """Project the district and zone series among the rows `sel` of `df` to `to_year` (nothing when None),
    vectorised over series (rows) × years (columns); fills the projection columns."""
    if to_year is None:
        return
    mask = sel & df["unit_type"].isin(["district", "zone"]).to_numpy()
    if not mask.any():
        return
    rows = np.flatnonzero(mask)
    psub = df.iloc[rows]
    keys = ["indicator", "unit_type", "unit_code", "bdim", "bval"]
    wide = psub.pivot_table(index=keys, columns="year", values="value", aggfunc="first", dropna=False)
    point, low, high = project_matrix(wide.to_numpy(dtype=float), wide.columns.to_numpy(), settings, to_year)
    r = wide.index.get_indexer(pd.MultiIndex.from_frame(psub[keys]))
    c = wide.columns.get_indexer(psub["year"])
    ok = ~np.isnan(point[r, c])
    at = rows[ok]
    cols["projection"][at], cols["projection_low"][at], cols["projection_high"][at] = \
        point[r, c][ok], low[r, c][ok], high[r, c][ok]
    cols["projection_year"][at] = to_year


def project_matrix(v: np.ndarray, years: np.ndarray, settings: IndicatorSettings, to_year: int):
    """For every series (row) and every year (column): OLS on the last `projection_window` observed
    values up to that year, extrapolated to `to_year`, with its prediction interval. Cells with fewer
    than `projection_min_points` observations are NaN."""
    from scipy.stats import t as student_t

    rows, ncols = v.shape
    point, low, high = (np.full((rows, ncols), np.nan) for _ in range(3))
    x_all = years.astype(float)
    to = float(to_year)
    for c in range(ncols):
        win = (x_all <= x_all[c]) & (x_all > x_all[c] - settings.projection_window)
        x = np.broadcast_to(x_all[win], (rows, win.sum()))
        y = v[:, win]
        m = ~np.isnan(y)
        n = m.sum(axis=1).astype(float)
        ok = ~np.isnan(v[:, c]) & (n >= settings.projection_min_points)
        if not ok.any():
            continue
        xm = np.where(m, x, 0).sum(axis=1) / np.maximum(n, 1)
        ym = np.where(m, y, 0).sum(axis=1) / np.maximum(n, 1)
        dx = np.where(m, x - xm[:, None], 0)
        dy = np.where(m, y - ym[:, None], 0)
        sxx = (dx ** 2).sum(axis=1)
        ok &= sxx > 0
        b = np.divide((dx * dy).sum(axis=1), sxx, out=np.zeros(rows), where=sxx > 0)
        a = ym - b * xm
        p = a + b * to
        resid = np.where(m, y - (a[:, None] + b[:, None] * x), 0)
        dof = np.maximum(n - 2, 1)
        s = np.sqrt((resid ** 2).sum(axis=1) / dof)
        se = s * np.sqrt(1 + 1 / np.maximum(n, 1) + np.divide((to - xm) ** 2, sxx, out=np.zeros(rows), where=sxx > 0))
        q = student_t.ppf(0.5 + settings.projection_interval / 2, dof)
        point[ok, c], low[ok, c], high[ok, c] = p[ok], (p - q * se)[ok], (p + q * se)[ok]
    return point, low, high


def _sat_vec(v: np.ndarray, op: str, t: float) -> np.ndarray:
    return {">=": v >= t, ">": v > t, "<=": v <= t, "<": v < t, "=": np.isclose(v, t)}[op]
