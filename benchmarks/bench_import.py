"""Benchmark the foundation path: build the demo district, write its source files, import them into a
fresh DuckDB file (validation + one transaction), re-import (skipped by sha256), correct one school's
file and query the summary again; then how fast each kind of hostile file is refused (each in a child
process, as tests/test_hostile_files.py runs them; that test asserts the message and the memory bound,
this measures the time).

Then the 50k-row enrolment import (issue 11, aim: at least 25,000 validated rows/s): a filled 分年级学生数
template of 50,000 rows (the demo district's schools under ten leading digits, 2016–2025, every grade they
teach), imported through `import_files` into a fresh copy of a store that already holds its district, zones
and schools (median of 3, wall clock); beside it the hand baseline — python-calamine reading the same file
plus one DuckDB insert of its rows, no validation — in the same run, and the ratio; the peak memory of a
child process doing one import (ru_maxrss, interpreter and libraries included; its resident size before
the import is printed beside it); and the same file with errors in five cells (reported, nothing written).
The figures go to out/bench/import.json.

Run: .venv/bin/python benchmarks/bench_import.py   (or `make bench`; `--enrolment` runs only the 50k part)
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
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


# ------------------------------------------------------------------ the 50k-row enrolment import (issue 11)

ENROLMENT_ROWS = 50_000
RUNS = 3
OUT = Path(__file__).resolve().parent.parent / "out" / "bench" / "import.json"
# (row index in the file's data, column, value written, issue type reported): the scattered errors
BAD_CELLS = [(7, "male", "1,0", "number-format"), (12_345, "classes", -3, "range-error"),
             (25_000, "grade", "P9", "code-error"), (38_000, "pupils", 12.5, "type-error"),
             (49_999, "school_code", "12345", "pattern-error")]


def enrolment_rows(n: int = ENROLMENT_ROWS) -> tuple[list[dict], dict[str, list[dict]]]:
    """`n` valid enrolment rows (the demo district's schools copied under ten leading digits) and the rows
    of the tables they refer to (district, zones, the copied schools)."""
    data = build(420104)
    schools = [dict(s, school_code=f"{c}{s['school_code'][1:]}") for c in range(10) for s in data["school"]]
    rows = [dict(r, school_code=f"{c}{r['school_code'][1:]}") for c in range(10) for r in data["enrolment"]]
    assert len(rows) >= n
    return rows[:n], {"district": data["district"], "zone": data["zone"], "school": schools}


def enrolment_files(folder: Path) -> tuple[Path, Path, Path]:
    """(valid 50k file, the same with BAD_CELLS, a store holding the referenced rows)."""
    rows, refs = enrolment_rows()
    table = TABLES_BY_NAME["enrolment"]
    good = write_workbook(table, folder / "good" / "分年级学生数.xlsx", rows)
    bad_rows = [dict(r) for r in rows]
    for i, col, value, _ in BAD_CELLS:
        bad_rows[i][col] = value
    bad = write_workbook(table, folder / "bad" / "分年级学生数.xlsx", bad_rows)
    base = folder / "base.duckdb"
    with Store(base) as store:
        for r in (x for rs in refs.values() for x in rs):
            r.setdefault("source_row", None)
        store.write_batch([{"file_name": "bench-base", "sha256": "bench-base", "tables": refs}], "bench")
    return good, bad, base


def hand_baseline(path: Path, db: Path) -> float:
    """Seconds for the hand path: python-calamine reads the sheet, one DuckDB insert of its rows (no checks)."""
    import duckdb
    import pyarrow as pa
    from python_calamine import CalamineWorkbook

    t0 = time.perf_counter()
    table = TABLES_BY_NAME["enrolment"]
    data = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(table.label).to_python()
    cols = list(zip(*data[1:]))
    arrow = pa.table({f.name: pa.array([None if v == "" else v for v in col]) for f, col in zip(table.fields, cols)})
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE enrolment (year INTEGER, school_code VARCHAR, grade VARCHAR, "
                + ", ".join(f"{f.name} BIGINT" for f in table.fields[3:]) + ")")
    con.register("arrow_rows", arrow)
    con.execute("INSERT INTO enrolment SELECT * FROM arrow_rows")
    n = con.execute("SELECT count(*) FROM enrolment").fetchone()[0]
    con.close()
    seconds = time.perf_counter() - t0
    assert n == ENROLMENT_ROWS, n
    return seconds


PEAK_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from eduplan.ingest import import_files
def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20
before = rss_mb()
rep = import_files(sys.argv[1], [Path(sys.argv[2])], user="bench")
print(json.dumps({"ok": rep.ok, "before_mb": before,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def enrolment_50k() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        good, bad, base = enrolment_files(tmp)
        built = time.perf_counter() - t0
        runs, cpu = [], []
        for k in range(RUNS):
            db = tmp / f"run{k}.duckdb"
            shutil.copy(base, db)
            t0, c0 = time.perf_counter(), time.process_time()
            rep = import_files(db, [good], user="bench")
            runs.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            assert rep.ok and rep.written and rep.files[0].tables == {"enrolment": ENROLMENT_ROWS}, rep.errors[:3]
        hand = [hand_baseline(good, tmp / f"hand{k}.duckdb") for k in range(RUNS)]
        db = tmp / "bad.duckdb"
        shutil.copy(base, db)
        t0 = time.perf_counter()
        rep = import_files(db, [bad], user="bench")
        bad_s = time.perf_counter() - t0
        assert not rep.written and sorted(i.type for i in rep.errors) == sorted(b[3] for b in BAD_CELLS), rep.errors
        db = tmp / "peak.duckdb"
        shutil.copy(base, db)
        proc = subprocess.run([sys.executable, "-c", PEAK_CHILD, str(db), str(good)], capture_output=True,
                              text=True, timeout=600, check=True)
        child = json.loads(proc.stdout)
        assert child["ok"]
        size_mb = good.stat().st_size / 2**20
    seconds, hand_s = statistics.median(runs), statistics.median(hand)
    import duckdb

    return {
        "rows": ENROLMENT_ROWS,
        "seconds": round(seconds, 3),
        "rows_per_s": round(ENROLMENT_ROWS / seconds),
        "peak_mb": round(child["peak_mb"], 1),
        "hand_rows_per_s": round(ENROLMENT_ROWS / hand_s),
        "hand_seconds": round(hand_s, 3),
        "ratio": round(seconds / hand_s, 2),
        "cpu_seconds": round(statistics.median(cpu), 3),
        "runs_seconds": [round(x, 3) for x in runs],
        "hand_runs_seconds": [round(x, 3) for x in hand],
        "with_errors_seconds": round(bad_s, 3),
        "rss_before_import_mb": round(child["before_mb"], 1),
        "peak_method": "ru_maxrss of a child process running one import_files (interpreter and libraries included)",
        "file_mb": round(size_mb, 2),
        "build_seconds": round(built, 1),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, python {platform.python_version()}, "
                   f"duckdb {duckdb.__version__}",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def print_enrolment(res: dict) -> None:
    print(f"50k-row enrolment import ({res['file_mb']} MB xlsx, {res['machine']}, {res['date']}):")
    print(f"  {'validated import (median of 3)':38s} {res['seconds'] * 1000:9.1f} ms {res['rows_per_s']:9,d} rows/s"
          f"   (CPU {res['cpu_seconds']:.2f} s; runs {res['runs_seconds']})")
    print(f"  {'hand: calamine read + DuckDB insert':38s} {res['hand_seconds'] * 1000:9.1f} ms "
          f"{res['hand_rows_per_s']:9,d} rows/s")
    print(f"  {'ratio import / hand':38s} {res['ratio']:9.2f} ×")
    print(f"  {'peak memory (child ru_maxrss)':38s} {res['peak_mb']:9.0f} MB   (resident before the import "
          f"{res['rss_before_import_mb']:.0f} MB)")
    print(f"  {'same file, 5 cells wrong (nothing written)':38s} {res['with_errors_seconds'] * 1000:9.1f} ms")


if __name__ == "__main__":
    if "--enrolment" not in sys.argv[1:]:
        main()
    res = enrolment_50k()
    print_enrolment(res)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written {OUT}")
    if "--enrolment" in sys.argv[1:]:
        sys.exit(0)
    with tempfile.TemporaryDirectory() as tmp:
        print("hostile files refused (import_files; whole child process with start-up; child's peak memory):")
        for label, (seconds, wall, peak) in hostile_files(Path(tmp)).items():
            print(f"  {label:38s} {seconds * 1000:9.1f} ms {wall * 1000:9.1f} ms {peak:7.0f} MB")
