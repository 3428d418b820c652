"""Benchmark the foundation path: build the demo district, write its source files, import them into a
fresh DuckDB file (validation + one transaction), re-import (skipped by sha256), correct one school's
file and query the summary again.

Run: .venv/bin/python benchmarks/bench_import.py   (or `make bench`)
"""

from __future__ import annotations

import platform
import tempfile
import time
from pathlib import Path

from eduplan.demo.run import build, source_files, write_sources
from eduplan.ingest import import_files, write_workbook
from eduplan.plan.binding import use_plan
from eduplan.metrics.summary import district_summary
from eduplan.model import TABLES_BY_NAME
from eduplan.store import Store


def timed(label: str, fn, results: dict):
    t0 = time.perf_counter()
    value = fn()
    results[label] = time.perf_counter() - t0
    return value


def main() -> None:
    r: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = timed("build demo rows", lambda: build(420104), r)
        timed("write 10 source files", lambda: write_sources(data, tmp / "src"), r)
        rows = sum(len(v) for v in data.values())
        with Store(tmp / "bench.duckdb") as store:
            use_plan(store, "qiaokou-2021-2025", "bench")  # as the demo: project categories come from the plan
            rep = timed("import all files (fresh db)", lambda: import_files(store, source_files(tmp / "src"), user="bench"), r)
            assert rep.ok
            timed("re-import same files (skipped)", lambda: import_files(store, source_files(tmp / "src"), user="bench"), r)
            timed("summary query (2019)", lambda: district_summary(store, 2019), r)
            school = data["enrolment"][0]["school_code"]
            fix = [dict(x) for x in data["enrolment"] if x["school_code"] == school and x["year"] == 2019]
            fix[0]["male"] += 1
            fix[0]["pupils"] += 1
            p = write_workbook(TABLES_BY_NAME["enrolment"], tmp / "fix" / "分年级学生数.xlsx", fix)
            timed("import one school's corrected file", lambda: import_files(store, [p], user="bench"), r)
            timed("summary query after correction", lambda: district_summary(store, 2019), r)
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"rows in demo sources: {rows:,}")
    for k, v in r.items():
        print(f"{k:40s} {v * 1000:9.1f} ms")
    print(f"{'import throughput':40s} {rows / r['import all files (fresh db)']:9.0f} rows/s")


if __name__ == "__main__":
    main()
