"""The CLI: --db and EDUPLAN_DB, one JSON document on stdout, non-zero exits with Chinese messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from helpers import SMALL, write_one, write_small

EDUPLAN = [sys.executable, "-m", "eduplan.cli.app"]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    e = {**os.environ, **(env or {})}
    return subprocess.run([*EDUPLAN, *args], capture_output=True, text=True, env=e, timeout=120)


def test_import_then_status_as_json(tmp_path):
    db = tmp_path / "a.duckdb"
    paths = [str(p) for p in write_small(tmp_path / "src")]
    r = run("import", *paths, "--db", str(db), "--format", "json", "--user", "tester")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)  # exactly one JSON document on stdout
    assert doc["ok"] and doc["written"] and doc["errors"] == []
    r = run("db", "status", "--format", "json", env={"EDUPLAN_DB": str(db)})
    status = json.loads(r.stdout)
    assert status["tables"]["school"] == 3 and status["tables"]["enrolment"] == len(SMALL["enrolment"])
    assert {b["user_name"] for b in status["batches"]} == {"tester"}


def test_failed_import_exits_non_zero_and_names_row_and_column(tmp_path):
    db = tmp_path / "a.duckdb"
    src = tmp_path / "src"
    write_small(src)
    rows = [dict(r) for r in SMALL["enrolment"]]
    rows[1]["female"] = "八十"
    bad = write_one(src, "enrolment", rows)
    r = run("import", *[str(p) for p in sorted(src.iterdir())], "--db", str(db))
    assert r.returncode == 1
    assert "第 3 行" in r.stdout and "女生数" in r.stdout and "八十" in r.stdout and bad.name in r.stdout
    assert "Traceback" not in r.stdout + r.stderr
    assert "数据库未作任何更改" in r.stderr
    assert not db.exists()  # a failed import into no store creates none
    # the same problems as an Excel list a clerk can forward
    xlsx = tmp_path / "检查清单.xlsx"
    r = run("import", *[str(p) for p in sorted(src.iterdir())], "--db", str(db), "--report", str(xlsx))
    import openpyxl

    ws = openpyxl.load_workbook(xlsx)["导入检查"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][:4] == ["级别", "文件", "工作表", "行"]
    assert ["错误", bad.name, "分年级学生数", 3] == rows[1][:4] and rows[1][6] == "八十"


def test_missing_database_is_a_clear_error(tmp_path):
    r = run("db", "status", "--db", str(tmp_path / "nope.duckdb"))
    assert r.returncode == 1 and "不存在" in r.stderr and "Traceback" not in r.stderr


def test_summary_json(tmp_path):
    db = tmp_path / "a.duckdb"
    assert run("import", *[str(p) for p in write_small(tmp_path / "src")], "--db", str(db)).returncode == 0
    r = run("summary", "--db", str(db), "--year", "2019", "--format", "json")
    doc = json.loads(r.stdout)
    assert doc["figures"]["education_expenditure_share"] == 21.85
    r = run("summary", "--db", str(db), "--year", "2019")
    assert r.returncode == 0 and "学前三年毛入园率" in r.stdout
