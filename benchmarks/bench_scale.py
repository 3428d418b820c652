"""Scaling of the indicator engine (issue 11): all indicators for every unit and year at 1×, 4× and 16× the city.

The cities are benchmarks/city.py's (1×: 17 districts, 2,601 schools; n×: n copies of every district under
new codes), built once and kept in out/bench/cities/ (later runs reuse them). Per size, a fresh child process
(started from this file with --child) opens the store read-only and runs compute(store, defs) — every declared
indicator, the 优质均衡系数 included, for every district, zone and school and year — and reports:
  first_s   seconds from the child's start (Python start-up and imports included) to that first result;
  warm_s    the median of 3 more calls in the same process (warm_cpu_s: their median CPU time);
  peak_mb   the child's peak resident memory (ru_maxrss).
Before the sizes, one child at 1× runs with the compiled-SQL cache of its own (out/bench/sql-cache) empty:
its first_s is reported as first_cold_s (a store's first ever run); the measured children then find the
compiled SQL there, as a user's later runs do.

Writes out/bench/scale.json ({size: {schools, enrolment_rows, values, warm_s, first_s, peak_mb, …}}) and
prints the growth per school against 1× (time per school at n× ÷ time per school at 1×: ≤ 1 is linear or
better), by wall time and by CPU time (on a shared machine the CPU time is the steadier of the two).

Run: .venv/bin/python benchmarks/bench_scale.py [--sizes 1,4,16] (make bench and make bench-scale run 1,4,16)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "out" / "bench"
SQL_CACHE = OUT / "sql-cache"


def child(path: Path, started: float, runs: int) -> None:
    """In the fresh process: the first result, then `runs` warm ones; one JSON line on stdout."""
    import resource

    from eduplan.indicators import compute, load_definitions
    from eduplan.store import Store

    with Store(path, read_only=True) as store:
        defs = load_definitions()
        values = len(compute(store, defs).values)
        first = time.time() - started
        warm, cpu = [], []
        for _ in range(runs):
            t0, c0 = time.perf_counter(), time.process_time()
            compute(store, defs)
            warm.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"values": values, "first_s": first, "warm_s": statistics.median(warm),
                      "warm_runs_s": warm, "warm_cpu_s": statistics.median(cpu), "peak_mb": peak}))


def run_child(path: Path, runs: int) -> dict:
    env = {**os.environ, "EDUPLAN_CACHE_DIR": str(SQL_CACHE)}
    started = time.time()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(path), "--started",
                           repr(started), "--runs", str(runs)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"child failed on {path}:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,4,16")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cities", type=Path, default=OUT / "cities")
    ap.add_argument("--json", type=Path, default=OUT / "scale.json")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--started", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.started, args.runs)
        return

    from city import cached_city  # benchmarks/city.py (this script's folder is on sys.path)
    from rich.progress import Progress

    sizes = [int(s) for s in args.sizes.split(",")]
    cities = {n: cached_city(args.cities, n, progress=True) for n in sizes}
    results: dict[str, dict] = {}
    shutil.rmtree(SQL_CACHE, ignore_errors=True)
    with Progress() as bar:
        task = bar.add_task("各规模的全部指标（每个规模一个新进程）", total=len(sizes) + 1)
        cold = run_child(cities[sizes[0]][0], 1)  # fills the compiled-SQL cache
        bar.advance(task)
        for n in sizes:
            path, stats = cities[n]
            got = run_child(path, args.runs)
            results[f"{n}x"] = {"copies": n, "schools": stats["schools"], "enrolment_rows": stats["enrolment_rows"],
                                "districts": stats["districts"], "values": got["values"],
                                "warm_s": round(got["warm_s"], 3), "first_s": round(got["first_s"], 3),
                                "peak_mb": round(got["peak_mb"], 1), "warm_cpu_s": round(got["warm_cpu_s"], 3),
                                "warm_runs_s": [round(x, 3) for x in got["warm_runs_s"]]}
            bar.advance(task)
    results[f"{sizes[0]}x"]["first_cold_s"] = round(cold["first_s"], 3)
    import eduplan

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"eduplan from {Path(eduplan.__file__).parent.parent}; load average {os.getloadavg()[0]:.1f}")
    base = results[f"{sizes[0]}x"]
    per_school0 = base["warm_s"] / base["schools"]
    cpu_per_school0 = base["warm_cpu_s"] / base["schools"]
    print(f"{'size':>5s} {'schools':>8s} {'enrolment rows':>15s} {'values':>10s} {'warm s':>8s} {'cpu s':>7s} "
          f"{'first s':>8s} {'first÷warm':>10s} {'peak MB':>8s} {'growth/school (wall, cpu)':>26s}")
    for key, r in results.items():
        growth = (r["warm_s"] / r["schools"]) / per_school0
        growth_cpu = (r["warm_cpu_s"] / r["schools"]) / cpu_per_school0
        r["growth_per_school"] = round(growth, 2)
        r["growth_per_school_cpu"] = round(growth_cpu, 2)
        r["first_over_warm"] = round(r["first_s"] / r["warm_s"], 2)
        print(f"{key:>5s} {r['schools']:8,d} {r['enrolment_rows']:15,d} {r['values']:10,d} {r['warm_s']:8.2f} "
              f"{r['warm_cpu_s']:7.2f} {r['first_s']:8.2f} {r['first_over_warm']:9.2f}× {r['peak_mb']:8.0f} "
              f"{growth:12.2f}× {growth_cpu:12.2f}×")
    print(f"first result with an empty compiled-SQL cache ({sizes[0]}×): {base['first_cold_s']:.2f} s")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written: {args.json}")


if __name__ == "__main__":
    main()
