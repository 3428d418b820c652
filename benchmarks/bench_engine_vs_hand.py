"""The indicator engine against hand-written DuckDB SQL (issue 11): same store, same connection, warm.

On the 1× city (benchmarks/city.py; built once and kept in out/bench/cities/), for each figure:
  a. 学前三年毛入园率, district + zone + 办学性质 breakdown     compute(store, defs, ["preschool_gross_enrolment"])
  b. 小学生师比 for every unit                                compute(store, defs, ["pupil_teacher_ratio_primary"])
  c. six indicators (hand_sql.SIX) vs ONE hand-written query   compute(store, defs, six ids)
  d. 优质均衡系数 per district × level × year (7 CVs + mean)   eduplan.balance.coefficient_series_by_district(store)
against the functions of benchmarks/hand_sql.py. Each side runs once to warm up (and the results are
compared: the same keys, values equal to 1e-12), then `--runs` rounds (default 7) alternate the two sides
(engine first in even rounds, hand first in odd ones); the medians are printed with the ratio engine ÷ hand
and written to out/bench/engine_vs_hand.json ({figure: {engine_ms, hand_ms, ratio, equal, …}}).

Run: .venv/bin/python benchmarks/bench_engine_vs_hand.py [--runs 7] [--city FILE] [--json FILE]
To time another checkout's engine with the same baseline: PYTHONPATH=/path/to/checkout .venv/bin/python …
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import hand_sql  # benchmarks/hand_sql.py (this script's folder is on sys.path)
import pandas as pd
from city import cached_city

import eduplan
from eduplan.balance import coefficient_series_by_district
from eduplan.indicators import compute, load_definitions
from eduplan.store import Store

ROOT = Path(__file__).resolve().parent.parent
LABELS = {
    "preschool_gross_enrolment": "学前三年毛入园率（区 + 学区 + 办学性质）",
    "pupil_teacher_ratio_primary": "小学生师比（全部单位）",
    "six_indicators": "6 个指标 vs 一条手写查询",
    "balance_coefficient": "优质均衡系数（区 × 学段 × 年，7 个差异系数 + 均值）",
}


def series_frame(series: dict) -> pd.DataFrame:
    """coefficient_series_by_district's {district: {year: {level: value}}} as rows keyed like compute()."""
    rows = [(int(y), "district", code, "level", lvl, "compulsory_balance_coefficient", v)
            for code, by_year in series.items() for y, by_level in by_year.items() for lvl, v in by_level.items()]
    return pd.DataFrame(rows, columns=hand_sql.KEYS + ["value"])


def figures(store: Store, defs) -> dict:
    """figure → (engine callable returning a frame of values, hand callable returning a frame)."""
    con = store.con
    return {
        "preschool_gross_enrolment": (lambda: compute(store, defs, ["preschool_gross_enrolment"]).values,
                                      lambda: hand_sql.preschool_gross_enrolment(con)),
        "pupil_teacher_ratio_primary": (lambda: compute(store, defs, ["pupil_teacher_ratio_primary"]).values,
                                        lambda: hand_sql.pupil_teacher_ratio(con, "小学")),
        "six_indicators": (lambda: compute(store, defs, list(hand_sql.SIX)).values,
                           lambda: hand_sql.six_indicators(con)),
        "balance_coefficient": (lambda: series_frame(coefficient_series_by_district(store)),
                                lambda: hand_sql.balance_coefficients(con)),
    }


def timed(fn) -> tuple[float, float]:
    """(wall ms, CPU ms of the process — every DuckDB thread included)."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--city", type=Path, default=None, help="a built 1× city (default: out/bench/cities/city-1x.duckdb)")
    ap.add_argument("--json", type=Path, default=ROOT / "out" / "bench" / "engine_vs_hand.json")
    ap.add_argument("--only", default="", help="comma-separated figures (default: all)")
    args = ap.parse_args()
    path = args.city or cached_city(ROOT / "out" / "bench" / "cities", 1, progress=True)[0]
    results = {}
    with Store(path, read_only=True) as store:
        defs = load_definitions()
        figs = figures(store, defs)
        if args.only:
            figs = {k: v for k, v in figs.items() if k in args.only.split(",")}
        checks = {}
        for name, (engine, hand) in figs.items():  # warm-up, and the equality check
            checks[name] = hand_sql.compare(engine(), hand())
        times = {name: {"engine": [], "hand": [], "engine_cpu": [], "hand_cpu": []} for name in figs}
        for r in range(args.runs):
            for name, (engine, hand) in figs.items():
                order = (("engine", engine), ("hand", hand)) if r % 2 == 0 else (("hand", hand), ("engine", engine))
                for side, fn in order:
                    wall, cpu = timed(fn)
                    times[name][side].append(wall)
                    times[name][side + "_cpu"].append(cpu)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"eduplan from {Path(eduplan.__file__).parent.parent}; city {path}; medians of {args.runs} alternating runs")
    print(f"load average {os.getloadavg()[0]:.1f}; wall-time medians (CPU-time ratio beside: steadier when the machine "
          "is shared)")
    print(f"{'figure':44s} {'engine ms':>10s} {'hand ms':>9s} {'ratio':>7s} {'cpu ratio':>9s}  equal (rows; max |Δ|, max rel Δ)")
    for name in figs:
        e, h = statistics.median(times[name]["engine"]), statistics.median(times[name]["hand"])
        ec, hc = statistics.median(times[name]["engine_cpu"]), statistics.median(times[name]["hand_cpu"])
        c = checks[name]
        results[name] = {"label": LABELS[name], "engine_ms": round(e, 2), "hand_ms": round(h, 2),
                         "ratio": round(e / h, 2), "equal": c["equal"], "identical": c["identical"], "rows": c["rows"],
                         "engine_cpu_ms": round(ec, 2), "hand_cpu_ms": round(hc, 2), "cpu_ratio": round(ec / hc, 2),
                         "max_abs_diff": c["max_abs"], "max_rel_diff": c["max_rel"],
                         "engine_runs_ms": [round(x, 2) for x in times[name]["engine"]],
                         "hand_runs_ms": [round(x, 2) for x in times[name]["hand"]]}
        extra = "" if c["equal"] else f"  only engine {c['only_engine']}, only hand {c['only_hand']}, NaN≠ {c['nan_mismatch']}"
        print(f"{LABELS[name]:{44 - sum(1 for ch in LABELS[name] if ord(ch) > 0x2e80)}s} {e:10.1f} {h:9.1f} "
              f"{e / h:6.2f}× {ec / hc:8.2f}×  {c['equal']} ({c['rows']:,}; {c['max_abs']:.1e}, {c['max_rel']:.1e}){extra}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written: {args.json}")


if __name__ == "__main__":
    main()
