"""Start-up benchmark: whole `eduplan` processes, as a user runs them, against a bare Python start.

Times (median of 5 runs, after one warm-up run that is not counted) for
- `eduplan --help`,
- `eduplan indicators --year Y --format json` on the demo district (built once with `eduplan demo --db <tmp>`),
- `eduplan import` of one school's file (one small xlsx: that school's 分年级学生数 for a new year, into a fresh
  copy of the demo store each run; the copy is not timed),
and `python -c pass` in the same run; each figure is given with its ratio to the bare start. The aims (issue
10): `--help` within 6× of the bare start, `indicators` ≤ 1.5 s, the one-school import ≤ 1 s.

Each command runs as the console script does (`from eduplan.cli.app import main; main()`) from a neutral
working directory, with the compiled-SQL cache in a temporary folder (warmed by the warm-up run, as after a
user's first run). `--code DIR` (repeatable) runs that checkout's eduplan (PYTHONPATH=DIR; e.g. a
`git worktree` of an older commit) instead of the installed one; with several, their runs alternate (and
the bare start is timed in every round), so a before/after comparison sees the same machine load.
`--json` prints the figures as JSON.

Run: .venv/bin/python benchmarks/bench_startup.py [--code DIR …] [--runs 5] [--json]
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
import tempfile
import time
from datetime import date
from pathlib import Path

AIMS = {"help": ("ratio", 6.0), "indicators": ("seconds", 1.5), "import": ("seconds", 1.0)}
ENTRY = "import sys; sys.argv[0] = 'eduplan'; from eduplan.cli.app import main; main()"


def run_once(argv: list[str], env: dict[str, str], cwd: Path, before=None) -> float:
    if before is not None:
        before()
    t0 = time.perf_counter()
    r = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(argv[3:])} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return elapsed


def one_school_file(demo_db: Path, folder: Path) -> tuple[Path, str, int]:
    """One school's 分年级学生数 for the year after the store's last one, as a filled-in template."""
    from eduplan.ingest import write_workbook
    from eduplan.model import TABLES_BY_NAME
    from eduplan.store import Store

    with Store(demo_db, read_only=True) as s:
        last = s.one("SELECT max(year) FROM enrolment")[0]
        school = s.one("SELECT school_code FROM enrolment WHERE year = ? ORDER BY school_code LIMIT 1", [last])[0]
        rows = s.dicts("SELECT * EXCLUDE (batch_id, source_row) FROM enrolment WHERE year = ? AND school_code = ?",
                       [last, school])
    for r in rows:
        r["year"] = last + 1
    t = TABLES_BY_NAME["enrolment"]
    return write_workbook(t, folder / f"{t.label}-{school}.xlsx", rows), school, len(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--code", type=Path, action="append",
                    help="a checkout whose eduplan to run (PYTHONPATH); repeatable; default: the installed one")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--year", type=int, default=2019)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    codes = [c.resolve() for c in args.code] if args.code else [None]

    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        tmp = Path(tmp)
        work = tmp / "cwd"  # not a checkout: `python -c` puts the working directory first on sys.path
        work.mkdir()
        base_env = {**os.environ, "COLUMNS": "100", "EDUPLAN_USER": "bench"}
        base_env.pop("EDUPLAN_SETTINGS", None)
        base_env.pop("PYTHONPATH", None)

        def env_for(i: int) -> dict[str, str]:
            env = {**base_env, "EDUPLAN_CACHE_DIR": str(tmp / f"cache-{i}")}
            if codes[i] is not None:
                env["PYTHONPATH"] = str(codes[i])
            return env

        demo = tmp / "demo.duckdb"
        subprocess.run([sys.executable, "-c", ENTRY, "demo", "--db", str(demo), "--sources", str(tmp / "src"),
                        "--format", "json"], env=env_for(len(codes) - 1), cwd=work, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        xlsx, school, nrows = one_school_file(demo, tmp)
        target = tmp / "import.duckdb"

        def fresh_copy() -> None:
            shutil.copyfile(demo, target)

        py = [sys.executable, "-c", ENTRY]
        cases = {
            "help": (py + ["--help"], None),
            "indicators": (py + ["indicators", "--db", str(demo), "--year", str(args.year), "--format", "json"], None),
            "import": (py + ["import", str(xlsx), "--db", str(target)], fresh_copy),
        }
        bare_cmd = [sys.executable, "-c", "pass"]
        for i in range(len(codes)):  # warm-up: file system cache, compiled-SQL cache
            for argv, before in cases.values():
                run_once(argv, env_for(i), work, before)
        bare_runs: list[float] = []
        times = {(i, name): [] for i in range(len(codes)) for name in cases}
        for _ in range(args.runs):
            for name, (argv, before) in cases.items():
                bare_runs.append(run_once(bare_cmd, base_env, work))
                for i in range(len(codes)):
                    times[(i, name)].append(run_once(argv, env_for(i), work, before))
    bare = statistics.median(bare_runs)
    results = {}
    for i, code in enumerate(codes):
        label = str(code) if code else "installed"
        results[label] = {}
        for name in cases:
            med = statistics.median(times[(i, name)])
            kind, aim = AIMS[name]
            ratio = med / bare
            results[label][name] = {
                "median_s": round(med, 3), "runs_s": [round(x, 3) for x in times[(i, name)]],
                "ratio_to_bare_python": round(ratio, 1),
                "aim": f"≤ {aim:g}× bare Python" if kind == "ratio" else f"≤ {aim:g} s",
                "met": ratio <= aim if kind == "ratio" else med <= aim}
    doc = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average": [round(x, 1) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "bare_python_s": round(bare, 3), "bare_runs_s": [round(x, 3) for x in bare_runs],
        "one_school_file": f"{xlsx.name} ({nrows} rows, school {school})",
        "results": results,
    }
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    print(f"{doc['date']}  {doc['machine']}  load {doc['load_average']}")
    print(f"python -c pass: {bare * 1000:.0f} ms (median of {len(bare_runs)})")
    labels = {"help": "eduplan --help", "indicators": f"eduplan indicators --year {args.year}",
              "import": f"eduplan import (one school, {nrows} rows)"}
    for label, rs in results.items():
        print(f"code: {label}")
        for name, r in rs.items():
            print(f"  {labels[name]:<38} {r['median_s'] * 1000:>7.0f} ms  {r['ratio_to_bare_python']:>5.1f}×  "
                  f"aim {r['aim']}: {'met' if r['met'] else 'missed'}")


if __name__ == "__main__":
    main()
