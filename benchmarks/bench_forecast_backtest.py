"""Backtest of the school-place forecast (issue 9 §4): project enrolment from 2020 with the data up to 2020
and compare 2021–2025 with the stored values.

For two synthetic districts (the demo, seed 420104, and a second seed), built as `make demo` builds the demo
(source files written and imported through the user's path, after binding the plan), the baseline forecast
from base year 2020 (`eduplan forecast --base-year 2020`; it reads nothing stored after 2020 —
tests/test_forecast_lookahead.py) is compared, for every year 2021–2025, with the stored enrolment:
小学 and 初中 by 学区 (the schools as they stand in 学区 that year), 高中 and 中职 for the district (admitted
district-wide). Reported: mean absolute percentage error (MAPE) by horizon k = year − 2020, per district and
together, against the naive forecast (the base year's enrolment carried forward), and the share of cells where
the forecast beats naive. 学前 is left out: its forecast is a need (3–5 year-olds × the target rate), not an
enrolment.

Run: .venv/bin/python benchmarks/bench_forecast_backtest.py [--seeds 420104,7] [--base 2020] [--flow-year-pairs N]
(about 15 s; --flow-year-pairs overrides the setting forecast.flow_year_pairs, default 3)
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd

from eduplan.forecast import ForecastSettings, load_inputs, run_forecast
from eduplan.forecast.enrolment import level_total
from eduplan.store import Store

ZONE_LEVELS = ("小学", "初中")
DISTRICT_LEVELS = ("高中", "中职")


def demo_store(seed: int, folder: Path) -> Path:
    from eduplan.demo.run import DEMO_USER, build, source_files, write_sources
    from eduplan.ingest import import_files
    from eduplan.plan.binding import use_plan

    write_sources(build(seed), folder / "sources")
    db = folder / "demo.duckdb"
    with Store(db) as s:
        use_plan(s, "qiaokou-2021-2025", DEMO_USER)
        report = import_files(s, source_files(folder / "sources"), user=DEMO_USER, kind="demo")
        assert report.ok, [i.text() for i in report.errors[:5]]
    return db


def cells(db: Path, base: int, settings: ForecastSettings | None = None) -> pd.DataFrame:
    """One row per (area, level, year after the base): forecast, naive (base year carried), observed."""
    settings = (settings or ForecastSettings()).model_copy(update={"base_year": base})
    with Store(db, read_only=True) as s:
        f = run_forecast(s, "baseline", settings, as_of=date(base, 12, 31))
        observed = load_inputs(s, None, f.inputs.district_code)  # every stored year (the truth)
    district, zones = f.inputs.district_code, f.inputs.areas
    last = observed.base_year
    rows = []
    for level in (*ZONE_LEVELS, *DISTRICT_LEVELS):
        for area in (zones if level in ZONE_LEVELS else [district]):
            naive = level_total({g: v["pupils"] for g, v in observed.area_enrolment(area, base).items()}, level)
            for t in range(base + 1, last + 1):
                obs = level_total({g: v["pupils"] for g, v in observed.area_enrolment(area, t).items()}, level)
                if obs > 0:
                    rows.append((area, level, t, t - base, level_total(f.enrolment[area][t], level), naive, obs))
    df = pd.DataFrame(rows, columns=["area", "level", "year", "horizon", "forecast", "naive", "observed"])
    df["ape_forecast"] = (df["forecast"] - df["observed"]).abs() / df["observed"] * 100
    df["ape_naive"] = (df["naive"] - df["observed"]).abs() / df["observed"] * 100
    return df


def by_horizon(df: pd.DataFrame) -> pd.DataFrame:
    g = df.groupby("horizon")
    return pd.DataFrame({"cells": g.size(), "MAPE forecast %": g["ape_forecast"].mean().round(1),
                         "MAPE naive %": g["ape_naive"].mean().round(1),
                         "forecast better %": (g.apply(lambda x: (x["ape_forecast"] < x["ape_naive"]).mean(),
                                                       include_groups=False) * 100).round(0)})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="420104,7")
    ap.add_argument("--base", type=int, default=2020)
    ap.add_argument("--flow-year-pairs", type=int, default=None)
    args = ap.parse_args()
    settings = ForecastSettings()
    if args.flow_year_pairs:
        settings = settings.model_copy(update={"flow_year_pairs": args.flow_year_pairs})
    seeds = [int(s) for s in args.seeds.split(",")]
    t0 = time.perf_counter()
    frames = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            df = cells(demo_store(seed, Path(tmp) / str(seed)), args.base, settings)
            df["seed"] = seed
            frames.append(df)
    all_ = pd.concat(frames)
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}; "
          f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {time.perf_counter() - t0:.0f} s")
    print(f"forecast from {args.base} (flow_year_pairs {settings.flow_year_pairs}): 小学/初中 by 学区, 高中/中职 "
          "district; MAPE by horizon (years after the base)")
    for seed in seeds:
        print(f"\nseed {seed}")
        print(by_horizon(all_[all_["seed"] == seed]).to_string())
    print("\nboth seeds")
    print(by_horizon(all_).to_string())
    print("\nby level, both seeds (MAPE forecast % / naive %)")
    lv = all_.groupby(["level", "horizon"])[["ape_forecast", "ape_naive"]].mean().round(1).unstack("horizon")
    print(lv.to_string())


if __name__ == "__main__":
    main()
