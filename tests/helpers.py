"""Small hand-made districts for tests: rows as Python dicts, written as real xlsx/csv files; the demo
district built once per test session (`shared_demo`); the command line run in this process (`eduplan`,
`cached_cli`)."""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from eduplan.ingest import write_csv, write_workbook
from eduplan.model import TABLES_BY_NAME

D = "420104"
# Two zones, three schools: a primary, a nine-year school and a public kindergarten.
SMALL: dict[str, list[dict[str, Any]]] = {
    "district": [{"district_code": D, "district_name": "硚口区", "city_name": "武汉市"}],
    "zone": [{"zone_code": "QK01", "zone_name": "古田组团", "district_code": D},
             {"zone_code": "QK02", "zone_name": "汉正组团", "district_code": D}],
    "school": [
        {"school_code": "2420104001", "school_name": "崇仁路小学", "type_code": "211", "ownership": "公办", "district_code": D},
        {"school_code": "2420104002", "school_name": "陈家墩学校", "type_code": "312", "ownership": "公办", "district_code": D},
        {"school_code": "2420104003", "school_name": "红星幼儿园", "type_code": "111", "ownership": "民办", "inclusive": "是",
         "district_code": D},
    ],
    "school_zone": [
        {"school_code": "2420104001", "zone_code": "QK01", "start_year": 2016},
        {"school_code": "2420104002", "zone_code": "QK01", "start_year": 2016, "end_year": 2019},
        {"school_code": "2420104002", "zone_code": "QK02", "start_year": 2020},
        {"school_code": "2420104003", "zone_code": "QK02", "start_year": 2016},
    ],
    "enrolment": [
        {"year": 2019, "school_code": "2420104001", "grade": "P1", "classes": 4, "male": 90, "female": 85, "pupils": 175},
        {"year": 2019, "school_code": "2420104001", "grade": "P2", "classes": 4, "male": 88, "female": 90, "pupils": 178},
        {"year": 2019, "school_code": "2420104002", "grade": "P1", "classes": 2, "male": 45, "female": 40, "pupils": 85},
        {"year": 2019, "school_code": "2420104002", "grade": "J1", "classes": 2, "male": 50, "female": 48, "pupils": 98},
        {"year": 2019, "school_code": "2420104003", "grade": "K1", "classes": 3, "male": 40, "female": 50, "pupils": 90},
    ],
    "teachers": [
        {"year": 2019, "school_code": "2420104001", "section": "小学", "staff": 25, "teachers": 22, "q_postgrad": 2,
         "q_bachelor": 18, "q_college": 2, "q_secondary": 0},
    ],
    "population": [{"year": 2019, "area_code": D, "age": a, "population": 100 + a} for a in range(0, 23)],
    "area_year": [{"year": 2019, "area_code": D, "residents": 650000, "births": 5000,
                   "public_expenditure": 1000.0, "education_expenditure": 218.5}],
}

FILES = {name: f"{TABLES_BY_NAME[name].label}.xlsx" for name in SMALL}


def write_small(folder: Path, data: dict[str, list[dict[str, Any]]] | None = None) -> list[Path]:
    data = data or SMALL
    paths = []
    for name, rows in data.items():
        paths.append(write_workbook(TABLES_BY_NAME[name], Path(folder) / f"{TABLES_BY_NAME[name].label}.xlsx", rows))
    return paths


def write_one(folder: Path, table: str, rows: list[dict[str, Any]], csv_encoding: str | None = None) -> Path:
    t = TABLES_BY_NAME[table]
    if csv_encoding:
        return write_csv(t, Path(folder) / f"{t.label}.csv", rows, encoding=csv_encoding)
    return write_workbook(t, Path(folder) / f"{t.label}.xlsx", rows)


def cli_ok(res) -> str:
    """The output of a CliRunner result that succeeded without a traceback (else the assertion shows it)."""
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output
    return res.output


def cli_json(res) -> Any:
    """The JSON document a successful CliRunner result printed on stdout."""
    cli_ok(res)
    return json.loads(res.stdout)


def cached_cli(db, env: dict | None = None):
    """run(*args) → the CliRunner result of `eduplan *args --db <db>`, each command line run once."""
    from typer.testing import CliRunner

    from eduplan.cli.app import app

    runner = CliRunner()
    done: dict[tuple[str, ...], Any] = {}

    def run(*args: str):
        if args not in done:
            done[args] = runner.invoke(app, [*args, "--db", str(db)], env=env)
        return done[args]

    return run


def eduplan(*args: Any, env: dict[str, str | None] | None = None):
    """`eduplan *args` run in this process through the installed entry point `eduplan.cli.app.main` (its safety
    net for errors included), with stdout and stderr captured apart: typer's CliRunner `Result` (`exit_code`,
    `stdout`, `stderr`, `output`). `env` sets (or, with None, removes) environment variables for this run only.
    The process-wide settings override (`--settings`) is reset by an autouse fixture in conftest.py."""
    from typer.testing import CliRunner, Result

    from eduplan.cli.app import main

    runner = CliRunner()
    with runner.isolation(env=env) as (stdout, stderr, output):
        argv, sys.argv = sys.argv, ["eduplan", *map(str, args)]
        code, exception = 0, None
        try:
            main()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            exception = e if code else None
        finally:
            sys.argv = argv
            sys.stdout.flush()
            sys.stderr.flush()
        result = (stdout.getvalue(), stderr.getvalue(), output.getvalue())
    return Result(runner, *result, return_value=None, exit_code=code, exception=exception)


@functools.cache
def shared_demo() -> Path:
    """The demo district (seed 420104) as `eduplan demo` makes it — the shipped plan bound, its source files written
    into `<folder>/src` and imported through the user's path as the demo's own batches — built once per test
    process into a temporary folder; returns `<folder>/demo.duckdb`. Tests must not write into it: copy it first.
    (conftest.py serves it as the `demo_store` and `demo_sources` fixtures.)"""
    from eduplan.demo.run import DEMO_USER, build, source_files, write_sources
    from eduplan.ingest import import_files
    from eduplan.plan.binding import use_plan
    from eduplan.store import Store

    folder = Path(tempfile.mkdtemp(prefix="eduplan-shared-demo-"))
    atexit.register(shutil.rmtree, folder, True)
    write_sources(build(420104), folder / "src")
    db = folder / "demo.duckdb"
    with Store(db) as s:
        use_plan(s, "qiaokou-2021-2025", DEMO_USER)  # as `eduplan demo` does
        report = import_files(s, source_files(folder / "src"), user=DEMO_USER, kind="demo")
        assert report.ok, [i.text() for i in report.errors[:10]]
    return db
