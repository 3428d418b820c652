"""`eduplan balance`: run the command, then check what it printed or wrote."""

from __future__ import annotations

import json

import openpyxl
import pytest
from typer.testing import CliRunner

from eduplan.cli.app import app
from eduplan.settings import use_settings_file
from test_balance_input import FULL, ROWS, write_csv

runner = CliRunner()


@pytest.fixture(autouse=True)
def _reset_settings():
    yield
    use_settings_file(None)  # --settings points this process at a file; do not leak it into other tests


@pytest.fixture(scope="session")
def db(demo_store):
    return demo_store  # the demo district with the shipped plan bound


def run(*args):
    return runner.invoke(app, ["balance", *map(str, args)], env={"COLUMNS": "200", "EDUPLAN_SETTINGS": ""})


def test_json_per_level(db):
    res = run("--db", db, "--year", 2019, "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["method"] == "2017" and doc["year"] == 2019
    lvl = doc["levels"]["小学"]
    ind = lvl["indicators"][0]
    assert {"mean", "cv", "threshold", "passed"} <= set(ind) and ind["threshold"] == 0.5
    assert lvl["composite"]["value"] == pytest.approx(doc["coefficients"]["小学"])
    school = lvl["schools"][0]
    assert {"values", "compliant", "variance_shares", "misses"} <= set(school)
    shares = [s["variance_shares"]["L1"] for s in lvl["schools"]]
    assert sum(shares) == pytest.approx(1.0)
    assert doc["plan_fixes"] is None and doc["checklist_summary"]


def test_plan_fixes_in_json(db):
    doc = json.loads(run("--db", db, "--year", 2019, "--plan-fixes", "-f", "json").stdout)
    plan = doc["plan_fixes"]
    assert plan["feasible"] and plan["status"] == "optimal"
    assert round(plan["total_cost"], 3) == 5849702.0  # the least cost for 2019 (tests/test_balance_demo.py)
    assert plan["actions"] and plan["binding"] and plan["after"]["小学"]["passed"]


def test_table_output(db):
    res = run("--db", db, "--year", 2019, "--plan-fixes")
    assert res.exit_code == 0, res.output
    for text in ("差异系数", "规划口径综合系数", "拉大差异的学校", "规划目标：义务教育优质均衡系数", "检查清单", "改进方案",
                 "国家标准：优质均衡（教督〔2017〕6号），每项指标校际差异系数 小学 ≤0.50、初中 ≤0.45"):
        assert text in res.stdout


def test_xlsx_output(db, tmp_path):
    out = tmp_path / "b.xlsx"
    res = run("--db", db, "--year", 2019, "--plan-fixes", "--format", "xlsx", "--output", out)
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["概要", "差异系数", "学校", "方差贡献", "改进方案", "检查清单", "说明"]
    assert wb["差异系数"]["A3"].value == "学段" and wb["差异系数"]["H4"].number_format == "0.000"


def test_method_2012(db):
    doc = json.loads(run("--db", db, "--year", 2025, "--method", 2012, "-f", "json").stdout)
    assert doc["method"] == "2012" and len(doc["levels"]["初中"]["indicators"]) == 8
    assert doc["levels"]["初中"]["official_composite"]["threshold"] == 0.55


def test_standalone_input(tmp_path):
    path = write_csv(tmp_path / "学校.csv", FULL, ROWS)
    doc = json.loads(run("--input", path, "-f", "json").stdout)
    assert doc["source"] == "学校.csv" and len(doc["levels"]["小学"]["schools"]) == 3


def test_bad_input_is_a_chinese_error_without_traceback(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][FULL.index("教学及辅助用房面积")] = "很大"
    res = run("--input", write_csv(tmp_path / "bad.csv", FULL, rows))
    assert res.exit_code == 1
    assert "第 2 行" in res.output and "教学及辅助用房面积" in res.output and "Traceback" not in res.output


def test_usage_errors(db, tmp_path):
    res = run("--db", db, "--method", 2012, "--plan-fixes")
    assert res.exit_code == 1 and "2017" in res.output
    res = run("--db", db, "--year", 2040)
    assert res.exit_code == 1 and "2040" in res.output
    res = run("--input", tmp_path / "none.csv", "--year", 2019)
    assert res.exit_code == 1


def test_settings_file_changes_the_composite(db, tmp_path):
    settings = tmp_path / "s.yaml"
    settings.write_text("balance:\n  composite: max\n", encoding="utf-8")
    doc = json.loads(run("--db", db, "--year", 2019, "--settings", settings, "-f", "json").stdout)
    cvs = [i["cv"] for i in doc["levels"]["小学"]["indicators"]]
    assert doc["coefficients"]["小学"] == pytest.approx(max(cvs))
    settings.write_text("balance:\n  no_such_key: 1\n", encoding="utf-8")
    res = run("--db", db, "--year", 2019, "--settings", settings)
    assert res.exit_code == 1 and "no_such_key" in res.output


def test_help_ends_with_an_example():
    res = runner.invoke(app, ["balance", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "例：eduplan balance" in res.output
