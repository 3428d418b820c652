"""Plan targets as yearly paths, each value's status, and a trend projection to the plan's end year.

Targets. For each indicator the plan gives target cells (the tables' target columns, per level where
the plan splits by level) and text targets. Per target year the one whose comparison agrees with
the indicator's direction is used (the strictest if several; e.g. 高中阶段毛入学率 2025: text ≥99.5
rather than the table's "≦100"). Trend targets (逐年只增不减) compare each year with the year before.

Path. A straight line from the baseline (the plan's published value for its baseline year for the
district, the unit's own computed value for zones and schools) through each target in turn, each knot the
tighter of itself and the knot before (a looser interim target holds the path level: path_matrix).

Targets shown. A value of year t is shown with the next target ahead: the first target whose year is
t or later (an interim target — a target column of a year before the plan's end year — then the final
one), labelled with its year: "2023 中期目标" (inside the plan period), "2025 期末目标" (its end year), "2020
年目标" (outside the period, e.g. the previous plan's last year).

Status (setting status_rule = "path"; the decision table of docs/monitoring.md, `judge`): value and path
are compared at the plan's published precision (the most decimals among the indicator's published
baseline and targets); 已达成 when v meets the final target T; 按计划 on the right side of the path; 有风险
behind it by at most at_risk_tolerance × |T − baseline| before T's year; else 偏离. The projection takes no
part. Trend targets: 已达成 when v(t) ≥ v(t−1) (non_decreasing), else 偏离. Before the baseline year there
is no status (the note says so). In the year of an interim target the note says whether v meets it. Without
a plan every value's status is 无规划目标.

Projection (project_matrix). A least-squares line on the last `projection_window` observed values up to
year t (at least `projection_min_points`, else the note 数据年份不足), on the indicator's domain scale —
the squeezed logit for shares, the values for the others — carried to the plan's end year (setting
`projection_year` overrides it; without a plan and without the setting there is no projection), with a
t prediction interval at `projection_interval` whose residual sd has a floor; a point past a bound of the
domain is held there. Computed for district and zone rows.
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
from .schema import DOMAINS, Definitions, DomainSpec
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
        return found.setdefault((ind, level), {"targets": [], "baseline": None, "trend": None, "raws": [],
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
                            Target(col["year"], c["op"], c["value"], c["raw"],
                                   f"{table['short_title'] or table['title']}·{col['label']}"))
                    elif col["kind"] == "actual" and col["year"] == base_year:
                        slot(row["id"], level)["baseline"] = (col["year"], c["value"])
                        slot(row["id"], level)["raws"].append(c.get("raw") or "")
    for t in doc["targets"]:
        if t["kind"] == "trend":
            slot(t["indicator"])["trend"] = t["trend"]
        elif t["kind"] == "quantitative" and t.get("op") and t.get("value") is not None:
            year = t.get("year") or doc["meta"]["period"]["end"]
            slot(t["indicator"])["targets"].append(Target(year, t["op"], t["value"], t.get("raw") or "", f"文中目标 {t['id']}"))
    for (ind, _), s in found.items():
        s["targets"] = _choose(s["targets"], s["direction"])
        s["decimals"] = max(published_decimals(r) for r in [*s.pop("raws"), *(t.raw for t in s["targets"])] or [""])
    return found


def published_decimals(raw: str) -> int:
    """The decimals of the numbers in a published cell or sentence (“21.85” → 2, “≦100” → 0, “达到 99.5%以上” → 1)."""
    return max((len(d) for d in re.findall(r"\d+(?:\.(\d+))?", raw or "")), default=0)


def at_precision(v: np.ndarray | float, decimals: int) -> np.ndarray:
    """`v` rounded half up to `decimals` places (a tiny allowance for binary floats: 21.8499999669 → 21.85)."""
    f = 10.0 ** decimals
    return np.floor(np.asarray(v, dtype=float) * f + 0.5 + 1e-7) / f


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
    """The path's value in `year`: a straight line from the baseline through each target in turn, never
    looser than the point before it (see path_matrix)."""
    p = path_matrix(baseline[0], np.array([baseline[1]], dtype=float), targets, np.array([year]))[0]
    return None if np.isnan(p) else float(p)


def path_matrix(base_year: int, base: np.ndarray, targets: list[Target], years: np.ndarray) -> np.ndarray:
    """Path values for rows with baselines `base` in `years` (NaN before the baseline year). The knots are
    the baseline and each later target, each knot the tighter of itself and the knot before (for a ≥ target
    the larger, for ≤ the smaller): a target looser than what was already reached (0.382 → <0.55) holds the
    path level rather than letting it worsen. Straight lines between knots; after the last one, its value."""
    later = [t for t in targets if t.year > base_year]
    out = np.full(len(years), np.nan)
    if not later:
        return out
    kyears = np.array([base_year] + [t.year for t in later], dtype=float)
    base = np.broadcast_to(np.asarray(base, dtype=float), (len(years),))
    knots = np.column_stack([base, np.tile([t.value for t in later], (len(years), 1))])
    final_op = later[-1].op
    if final_op in _UP:
        knots = np.fmax.accumulate(knots, axis=1)
    elif final_op in _DOWN:
        knots = np.fmin.accumulate(knots, axis=1)
    y = np.asarray(years, dtype=float)
    j = np.clip(np.searchsorted(kyears, y, side="left"), 1, len(kyears) - 1)
    f = np.clip((y - kyears[j - 1]) / (kyears[j] - kyears[j - 1]), 0.0, 1.0)
    r = np.arange(len(years))
    path = knots[r, j - 1] + (knots[r, j] - knots[r, j - 1]) * f
    return np.where(y < base_year, np.nan, path)


def project(years: np.ndarray, values: np.ndarray, to_year: int, settings: IndicatorSettings | None = None,
            domain: DomainSpec | None = None) -> tuple[float, float, float] | None:
    """One series: (point, low, high) at `to_year` from all of (years, values) (see project_matrix); None
    with fewer observed values than `projection_min_points`."""
    settings = (settings or IndicatorSettings()).model_copy(update={"projection_window": int(np.ptp(years)) + 1})
    point, low, high, _ = project_matrix(np.asarray(values, dtype=float)[None, :], np.asarray(years), settings,
                                         to_year, domain)
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


TEXT_COLUMNS = ("target_op", "target_source", "target_label", "target_text", "final_op", "final_text", "status",
                "status_note", "projection_note")
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
        _project_all(df, np.ones(n, dtype=bool), cols, text, defs, settings, projection_year(None, settings))
        for c, v in {**cols, **text}.items():
            df[c] = v
        return df
    targets = plan_targets(plan, defs)
    to_year = projection_year(plan, settings)
    level = np.where(df["bdim"] == "level", df["bval"], "")
    projected = np.zeros(n, dtype=bool)  # rows of indicators with targets: their district/zone series are projected
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
            ok = ~np.isnan(vals) & ~np.isnan(prev) & (years >= plan.meta.baseline_year)
            early = ~np.isnan(vals) & (years < plan.meta.baseline_year)
            text["status_note"][idx[early]] = f"基线年 {plan.meta.baseline_year} 年之前，不判定"
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
        path = path_matrix(base_year, base, tlist, years)
        cols["path"][idx] = path
        span = np.abs(final.value - base)
        span = np.where((span == 0) | np.isnan(span), abs(final.value) or 1.0, span)
        status = judge(vals, path, span, years, final, spec["decimals"], settings.at_risk_tolerance)
        note = np.full(len(idx), None, dtype=object)
        early = (years < base_year) & ~np.isnan(vals)
        status[early] = None  # no path before the baseline: nothing to judge against
        note[early] = f"基线年 {base_year} 年之前，不判定"
        for t in tlist[:-1]:  # interim targets, judged in their own year
            due = (years == t.year) & ~np.isnan(vals)
            if due.any():
                hit = _sat_vec(at_precision(vals[due], spec["decimals"]), t.op, t.value)
                named = f"{plan.target_label(t.year)} {target_text(t.op, t.value, t.raw)}"
                note[due] = np.where(hit, f"{named} 已达成", f"{named} 未达成")
        projected[idx] = True
        text["status"][idx] = status
        text["status_note"][idx] = note
    # projections for district and zone series of every indicator with targets at once; they are shown
    # beside the path and do not change a status
    _project_all(df, projected, cols, text, defs, settings, to_year)
    for c, v in {**cols, **text}.items():
        df[c] = v
    return df


def _project_all(df: pd.DataFrame, sel: np.ndarray, cols: dict[str, np.ndarray], text: dict[str, np.ndarray],
                 defs: Definitions, settings: IndicatorSettings, to_year: int | None) -> None:
    """Project the district and zone series among the rows `sel` of `df` to `to_year` (nothing when None),
    vectorised over series (rows) × years (columns), each indicator on its domain's scale; fills the
    projection columns, or the note 数据年份不足 where a value has too few observed years behind it."""
    if to_year is None:
        return
    mask = sel & df["unit_type"].isin(["district", "zone"]).to_numpy()
    if not mask.any():
        return
    keys = ["indicator", "unit_type", "unit_code", "bdim", "bval"]
    # each row's domain, looked up once per indicator (an indicator not declared falls with the undeclared)
    domain_of = df["indicator"].map({i.id: i.domain or "" for i in defs.indicators}).fillna("").to_numpy()
    for domain_id in sorted({i.domain or "" for i in defs.indicators}):
        spec = DOMAINS.get(domain_id)
        rows = np.flatnonzero(mask & (domain_of == domain_id))
        if not len(rows):
            continue
        psub = df.iloc[rows]
        wide = psub.pivot_table(index=keys, columns="year", values="value", aggfunc="first", dropna=False)
        point, low, high, npts = project_matrix(wide.to_numpy(dtype=float), wide.columns.to_numpy(), settings,
                                                to_year, spec)
        r = wide.index.get_indexer(pd.MultiIndex.from_frame(psub[keys]))
        c = wide.columns.get_indexer(psub["year"])
        ok = ~np.isnan(point[r, c])
        at = rows[ok]
        cols["projection"][at], cols["projection_low"][at], cols["projection_high"][at] = \
            point[r, c][ok], low[r, c][ok], high[r, c][ok]
        cols["projection_year"][at] = to_year
        few = ~ok & psub["value"].notna().to_numpy() & (npts[r, c] < settings.projection_min_points)
        text["projection_note"][rows[few]] = [
            f"数据年份不足（近 {settings.projection_window} 年有 {k} 年，至少 {settings.projection_min_points} 年）"
            for k in npts[r, c][few]]


def _scale(spec: DomainSpec | None, eps: float):
    """The fitting scale of a domain: (to, back, zmin, zmax, relative floor). Shares: the logit of the share
    squeezed towards one half (p′ = ε + (1 − 2ε)·p); every other domain: the values themselves."""
    if spec is not None and spec.low == 0.0 and spec.high == 100.0:
        zmin, zmax = (math.log(eps / (1 - eps)), math.log((1 - eps) / eps)) if eps > 0 else (-np.inf, np.inf)

        def to(y):
            q = eps + (1 - 2 * eps) * np.clip(y / 100.0, 0.0, 1.0)
            with np.errstate(divide="ignore"):
                return np.log(q / (1 - q))

        def back(z):
            return np.clip((1 / (1 + np.exp(-z)) - eps) / (1 - 2 * eps), 0.0, 1.0) * 100.0

        return to, back, zmin, zmax, False
    lo = -np.inf if spec is None or spec.low is None else spec.low
    hi = np.inf if spec is None or spec.high is None else spec.high
    return (lambda y: np.clip(y, lo, hi)), (lambda z: z), lo, hi, True


def project_matrix(v: np.ndarray, years: np.ndarray, settings: IndicatorSettings, to_year: int | None,
                   domain: DomainSpec | None = None, horizon: int | None = None):
    """For every series (row) and every year (column): a straight line fitted by least squares on the last
    `projection_window` observed values up to that year, on the domain's scale (logit for shares), carried
    to `to_year`, with its t-distribution prediction interval at `projection_interval`. The residual
    standard deviation is at least `projection_min_sd` on the logit scale of shares, and
    `projection_min_relative_sd` × the series' mean absolute level (at least 1) on the others, so no interval
    has zero width. A point past a bound of the domain is held
    at the bound and its interval then runs inward from it by the same half-width; interval ends are cut at
    the bounds; a count's point is rounded and its ends widened to whole numbers. Cells with fewer than
    `projection_min_points` observations are NaN. With `horizon` (and `to_year` None) each column is carried
    `horizon` years past its own year instead (the backtest). Returns (point, low, high, observed points)."""
    # the Student t quantile straight from scipy.special (what scipy.stats.t.ppf computes with; importing
    # scipy.stats would add about a second to every `eduplan indicators`)
    from scipy.special import stdtrit

    rows, ncols = v.shape
    point, low, high = (np.full((rows, ncols), np.nan) for _ in range(4 - 1))
    npoints = np.zeros((rows, ncols), dtype=int)
    to_z, back, zmin, zmax, relative = _scale(domain, settings.share_squeeze)
    z_all = to_z(v)
    x_all = years.astype(float)
    for c in range(ncols):
        to = float(to_year) if horizon is None else x_all[c] + horizon
        win = (x_all <= x_all[c]) & (x_all > x_all[c] - settings.projection_window)
        x = np.broadcast_to(x_all[win], (rows, win.sum()))
        y = z_all[:, win]
        m = ~np.isnan(y)
        n = m.sum(axis=1).astype(float)
        npoints[:, c] = n
        ok = ~np.isnan(v[:, c]) & (n >= max(settings.projection_min_points, 2))
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
        floor = settings.projection_min_sd
        if relative:
            floor = settings.projection_min_relative_sd * np.maximum(np.where(m, np.abs(y), 0).sum(axis=1) / np.maximum(n, 1), 1.0)
        s = np.maximum(np.sqrt((resid ** 2).sum(axis=1) / dof), floor)
        se = s * np.sqrt(1 + 1 / np.maximum(n, 1) + np.divide((to - xm) ** 2, sxx, out=np.zeros(rows), where=sxx > 0))
        half = stdtrit(dof, 0.5 + settings.projection_interval / 2) * se
        below, above = p < zmin, p > zmax  # a point past a bound: held there, the interval runs inward from it
        lo = np.where(below, zmin, np.where(above, zmax - half, np.maximum(p - half, zmin)))
        hi = np.where(above, zmax, np.where(below, zmin + half, np.minimum(p + half, zmax)))
        p = np.clip(p, zmin, zmax)
        p, lo, hi = back(p), back(lo), back(hi)
        if domain is not None and domain.integer:
            p, lo, hi = np.round(p), np.floor(lo), np.ceil(hi)
        point[ok, c], low[ok, c], high[ok, c] = p[ok], lo[ok], hi[ok]
    return point, low, high, npoints


def judge(vals: np.ndarray, path: np.ndarray, span: np.ndarray, years: np.ndarray, final: Target, decimals: int,
          tolerance: float) -> np.ndarray:
    """The status of values against the final target and the path, compared at the plan's precision (value
    and path rounded to `decimals`) — the decision table of docs/monitoring.md, in order:
    no value → None; meets the final target → 已达成; on the right side of the path → 按计划; behind it by at
    most `tolerance` × `span` (baseline-to-target distance) before the final year → 有风险; else 偏离. No path
    (before the baseline year) → None. The projection takes no part."""
    v, p = at_precision(vals, decimals), at_precision(path, decimals)
    up = final.op in _UP
    met = _sat_vec(v, final.op, final.value)
    on_path = (v >= p) if up else (v <= p)
    near = np.abs(v - p) <= tolerance * span + 1e-9
    status = np.where(met, "已达成", np.where(on_path, "按计划",
                      np.where((years < final.year) & near, "有风险", "偏离"))).astype(object)
    return np.where(np.isnan(vals) | (np.isnan(path) & ~met), None, status)


def _sat_vec(v: np.ndarray, op: str, t: float) -> np.ndarray:
    return {">=": v >= t, ">": v > t, "<=": v <= t, "<": v < t, "=": np.isclose(v, t)}[op]
