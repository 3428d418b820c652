"""Backtest of the indicator projections (issue 9 §1): are the nominal 80 % intervals honest?

For two synthetic districts (the demo, seed 420104, and a second seed), built as `make demo` builds the demo
(source files written and imported through the user's path, after binding the plan), every district and
学区 series of every declared indicator (breakdowns included) is projected from each year t to t + k using
only the values up to t — the same function `eduplan indicators` uses (targets.project_matrix, each
indicator on its domain's scale, settings from IndicatorSettings) — and compared with the stored value of
t + k. Reported: the share of outcomes inside the interval by horizon k, per district and together, by
unit level, and the share of projections outside the domain (must be 0) and of zero-width intervals (0).

Run: .venv/bin/python benchmarks/bench_projection_backtest.py [--seeds 420104,7] [--min-sd 0.1]
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from eduplan.indicators import IndicatorSettings, compute, load_definitions
from eduplan.indicators.schema import DOMAINS
from eduplan.indicators.targets import project_matrix
from eduplan.store import Store

KEYS = ["indicator", "unit_type", "unit_code", "bdim", "bval"]


def demo_values(seed: int, folder: Path) -> pd.DataFrame:
    """Every indicator value of the synthetic district built with `seed` (through the import path)."""
    from eduplan.demo.run import DEMO_USER, build, source_files, write_sources
    from eduplan.ingest import import_files
    from eduplan.plan.binding import use_plan

    write_sources(build(seed), folder / "sources")
    with Store(folder / "demo.duckdb") as s:
        use_plan(s, "qiaokou-2021-2025", DEMO_USER)
        report = import_files(s, source_files(folder / "sources"), user=DEMO_USER, kind="demo")
        assert report.ok, [i.text() for i in report.errors[:5]]
        return compute(s, load_definitions()).values


def backtest(values: pd.DataFrame, settings: IndicatorSettings) -> pd.DataFrame:
    """One row per (series, origin year t, horizon k) with an observed outcome: point, low, high, outcome."""
    defs = load_definitions(settings)
    domain_of = {i.id: i.domain for i in defs.indicators}
    vals = values[values["unit_type"].isin(["district", "zone"])]
    out = []
    for domain_id in sorted({d for d in domain_of.values() if d}):
        sub = vals[vals["indicator"].map(domain_of) == domain_id]
        if sub.empty:
            continue
        wide = sub.pivot_table(index=KEYS, columns="year", values="value", aggfunc="first", dropna=False)
        v, years = wide.to_numpy(dtype=float), wide.columns.to_numpy()
        for k in range(1, len(years)):
            point, low, high, _ = project_matrix(v, years, settings, None, DOMAINS[domain_id], horizon=k)
            for c in range(len(years) - k):
                outcome = v[:, c + k]
                ok = ~np.isnan(point[:, c]) & ~np.isnan(outcome)
                for i in np.flatnonzero(ok):
                    out.append((*wide.index[i], domain_id, int(years[c]), k, point[i, c], low[i, c], high[i, c],
                                outcome[i]))
    df = pd.DataFrame(out, columns=[*KEYS, "domain", "origin", "horizon", "point", "low", "high", "outcome"])
    df["inside"] = (df["low"] <= df["outcome"] + 1e-9) & (df["outcome"] <= df["high"] + 1e-9)
    lo = df["domain"].map(lambda d: DOMAINS[d].low if DOMAINS[d].low is not None else -np.inf)
    hi = df["domain"].map(lambda d: DOMAINS[d].high if DOMAINS[d].high is not None else np.inf)
    df["outside_domain"] = ((df[["point", "low", "high"]].lt(lo, axis=0)) | (df[["point", "low", "high"]].gt(hi, axis=0))).any(axis=1)
    df["zero_width"] = df["high"] <= df["low"]
    return df


def summary(df: pd.DataFrame) -> pd.DataFrame:
    g = df.groupby("horizon")
    return pd.DataFrame({"n": g.size(), "coverage_%": (g["inside"].mean() * 100).round(1)})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="420104,7")
    ap.add_argument("--min-sd", type=float, default=None, help="override projection_min_sd")
    args = ap.parse_args()
    settings = IndicatorSettings() if args.min_sd is None else IndicatorSettings(projection_min_sd=args.min_sd)
    seeds = [int(s) for s in args.seeds.split(",")]
    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            folder = Path(tmp) / str(seed)
            folder.mkdir()
            df = backtest(demo_values(seed, folder), settings)
            df["seed"] = seed
            results.append(df)
    allr = pd.concat(results, ignore_index=True)
    print(f"projection backtest — {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
          f"{time.perf_counter() - started:.1f} s")
    print(f"settings: window {settings.projection_window}, min points {settings.projection_min_points}, "
          f"interval {settings.projection_interval:.0%}, min sd {settings.projection_min_sd}, "
          f"share squeeze {settings.share_squeeze}")
    table = pd.concat({f"seed {s}": summary(allr[allr.seed == s]) for s in seeds} | {"all": summary(allr)}, axis=1)
    print("\ncoverage of the nominal interval by horizon (k years ahead):")
    print(table.to_string())
    print("\nby unit level:")
    print(allr.groupby(["unit_type"])["inside"].agg(["size", "mean"]).rename(columns={"mean": "coverage"})
          .assign(coverage=lambda d: (d.coverage * 100).round(1)).to_string())
    print("\nby domain:")
    print(allr.groupby(["domain"])["inside"].agg(["size", "mean"]).rename(columns={"mean": "coverage"})
          .assign(coverage=lambda d: (d.coverage * 100).round(1)).to_string())
    print(f"\nall horizons: {len(allr)} projections, {allr.inside.mean():.1%} inside; "
          f"outside the domain: {int(allr.outside_domain.sum())}; zero-width intervals: {int(allr.zero_width.sum())}")


if __name__ == "__main__":
    main()
