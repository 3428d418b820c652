"""City-scale benchmark of the indicator engine (issue 3).

Copies the synthetic city of 17 districts (benchmarks/city.py: each a copy of the demo district generated with
its own seed; ≈ 2,600 schools, 10 years, ≈ 1.7 million pupils; built once into out/bench/cities/) into a
fresh DuckDB file, then times:
  1. computing every declared indicator for every unit (city districts, zones, schools) and year;
  2. the same plus targets, status and projections;
  3. importing one school's corrected enrolment file through the normal import path, and the next
     query showing it (the school's own figures; and one indicator for every unit of the city).
Run: .venv/bin/python benchmarks/bench_indicators.py   (or `make bench`)
"""

from __future__ import annotations

import platform
import shutil
import tempfile
import time
from pathlib import Path

from city import DISTRICTS, cached_city  # benchmarks/city.py (this script's folder is on sys.path)

from eduplan.indicators import IndicatorSettings, compute, load_definitions
from eduplan.indicators.targets import attach
from eduplan.ingest import import_files, write_workbook
from eduplan.model import TABLES_BY_NAME
from eduplan.plan import load_plan
from eduplan.store import Store


def main() -> None:
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # a private copy of the 1× city (built once into out/bench/cities/): this benchmark writes into it
        shutil.copyfile(cached_city(Path(__file__).resolve().parent.parent / "out" / "bench" / "cities", 1,
                                    progress=True)[0], tmp / "city.duckdb")
        with Store(tmp / "city.duckdb") as store:
            counts = store.table_counts()
            schools = store.run("SELECT count(DISTINCT school_code) FROM enrolment")[0][0]
            pupils = store.run("SELECT sum(pupils) FROM enrolment WHERE year = 2019")[0][0]
            years = store.run("SELECT count(DISTINCT year) FROM enrolment")[0][0]
            defs = load_definitions()
            t0 = time.perf_counter()
            compute(store, defs)  # warm-up: imports, and Ibis compiling each query once per process
            timings["first call in a process (compiles the queries)"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            comp = compute(store, defs)
            timings["all indicators, every unit and year"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            attach(comp.values, load_plan(), defs, IndicatorSettings())
            timings["targets, status and projections"] = time.perf_counter() - t0
            values = len(comp.values)

            school = store.run("SELECT school_code FROM school WHERE type_code = '211' ORDER BY 1 LIMIT 1")[0][0]
            cols = [f.name for f in TABLES_BY_NAME["enrolment"].fields]
            rows = [dict(zip(cols, r)) for r in store.run(
                f"SELECT {', '.join(cols)} FROM enrolment WHERE school_code = ? AND year = 2019 ORDER BY grade", [school])]
            rows[0]["male"] += 3
            rows[0]["pupils"] += 3
            fix = write_workbook(TABLES_BY_NAME["enrolment"], tmp / "fix" / "分年级学生数.xlsx", rows)
            other = store.run("SELECT school_code FROM school WHERE school_code <> ? LIMIT 1", [school])[0][0]
            compute(store, defs, school=other)  # warm-up of the one-school queries (another school)
            compute(store, defs, ["pupil_teacher_ratio_primary"])
            before = comp.values
            t0 = time.perf_counter()
            rep = import_files(store, [fix], user="bench")
            t1 = time.perf_counter()
            mine = compute(store, defs, school=school)
            t2 = time.perf_counter()
            compute(store, defs, ["pupil_teacher_ratio_primary"])
            t3 = time.perf_counter()
            assert rep.ok and rep.files[0].written["enrolment"]["updated"] == 1, (rep.to_dict()["errors"][:3], rep.files[0].written)
            old = before[(before.indicator == "pupil_teacher_ratio_primary") & (before.unit_code == school)
                         & (before.year == 2019)].value.iloc[0]
            new = mine.values[(mine.values.indicator == "pupil_teacher_ratio_primary") & (mine.values.year == 2019)
                              & (mine.values.unit_code == school)].value.iloc[0]
            assert new > old
            timings["import one school's corrected file"] = t1 - t0
            timings["next query: that school's figures (all indicators)"] = t2 - t1
            timings["next query: one indicator for every unit of the city"] = t3 - t2
    print(f"machine: {platform.machine()}, {platform.python_version()}")
    print(f"city: {DISTRICTS} districts, {schools:,} schools, {years} years, {pupils:,} pupils in 2019; "
          f"{counts['enrolment']:,} enrolment rows, {counts['teachers']:,} teacher rows, {counts['population']:,} "
          f"population rows")
    print(f"values computed: {values:,}")
    for k, v in timings.items():
        print(f"{k:55s} {v * 1000:9.1f} ms")
    print(f"{'correction visible (import + that school next query)':55s} "
          f"{(timings['import one school' + chr(39) + 's corrected file'] + timings['next query: that school' + chr(39) + 's figures (all indicators)']) * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
