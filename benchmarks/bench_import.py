"""Benchmark the foundation path: build the demo district, write its source files, import them into a
fresh DuckDB file (validation + one transaction), re-import (skipped by sha256), correct one school's
file and query the summary again; then how fast each kind of hostile file is refused (each in a child
process, as tests/test_hostile_files.py runs them; that test asserts the message and the memory bound,
this measures the time).

Run: .venv/bin/python benchmarks/bench_import.py   (or `make bench`)
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
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


def hostile_files(tmp: Path) -> dict[str, tuple[float, float, float]]:
    """Kind of hostile file -> (seconds import_files took to refuse it, wall seconds of the whole child process
    with Python's start-up, the child's peak MB)."""
    import xlsxwriter

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from test_hostile_files import CHILD, _bomb

    def far_cell(name: str, row: int, col: int) -> Path:
        p = tmp / name / "分年级学生数.xlsx"
        p.parent.mkdir()
        wb = xlsxwriter.Workbook(str(p))
        ws = wb.add_worksheet("分年级学生数")
        ws.write_row(0, 0, ["统计年度", "学校标识码"])
        ws.write(row, col, "x")
        wb.close()
        return p

    def file(name: str, data: bytes) -> Path:
        p = tmp / name / "学区组团.csv"
        p.parent.mkdir()
        p.write_bytes(data)
        return p

    def link(name: str, target: str) -> Path:
        p = tmp / name / "常住人口分年龄.csv"
        p.parent.mkdir()
        p.symlink_to(target)
        return p

    def fifo(name: str) -> Path:
        p = tmp / name / "学区组团.csv"
        p.parent.mkdir()
        os.mkfifo(p)
        return p

    def bomb(name: str, mb: int, copies: int = 1) -> Path:
        (tmp / name).mkdir()
        return _bomb(tmp / name / "分年级学生数.xlsx", mb, copies=copies)

    cases = {
        "cell at XFD1048576 (5 KB xlsx)": lambda: far_cell("xfd", 1048575, 16383),
        "cell at AMJ100000": lambda: far_cell("amj", 99999, 1023),
        "zip bomb 4 GB": lambda: bomb("bomb1", 4000),
        "zip bomb 2 × 4 GB": lambda: bomb("bomb2", 4000, copies=2),
        "zip member 200 MB (ratio)": lambda: bomb("ratio", 200),
        "/dev/zero behind .csv": lambda: link("zero", "/dev/zero"),
        "FIFO": lambda: fifo("fifo"),
        "CSV of 500k columns (1 MB)": lambda: file("wide", b"a," * 500_000 + b"\n"),
        "CSV field of 3M characters": lambda: file("long", "学区代码,学区名称\nQK01,".encode() + "长".encode() * 3_000_000),
    }
    env = {k: v for k, v in os.environ.items() if k != "EDUPLAN_SETTINGS"}
    out: dict[str, tuple[float, float, float]] = {}
    for label, make_file in cases.items():
        path = make_file()
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", CHILD, str(tmp / f"{len(out)}.duckdb"), str(path)],
                              capture_output=True, text=True, timeout=300, env=env)
        wall = time.perf_counter() - t0
        res = json.loads(proc.stdout)
        assert res["errors"] and not res["written"], (label, res)
        out[label] = (res["seconds"], wall, res["peak_mb"])
    return out


if __name__ == "__main__":
    main()
    with tempfile.TemporaryDirectory() as tmp:
        print("hostile files refused (import_files; whole child process with start-up; child's peak memory):")
        for label, (seconds, wall, peak) in hostile_files(Path(tmp)).items():
            print(f"  {label:38s} {seconds * 1000:9.1f} ms {wall * 1000:9.1f} ms {peak:7.0f} MB")
