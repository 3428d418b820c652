"""`eduplan forecast` and `eduplan projects`: run the command, then check the result through the API."""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest
from typer.testing import CliRunner

from eduplan.cli.app import app
from eduplan.forecast import ForecastSettings, compare, run_scenarios
from eduplan.store import Store
from helpers import shared_demo

runner = CliRunner()
DELAY = "delay-sch_rongchuang_zongguan-2y"
pytestmark = pytest.mark.usefixtures("demo_store")  # built once per session; invoke() reads helpers.shared_demo()


def invoke(*args: str):
    """The command on the session's shared demo store (read only; conftest resets --settings after each test)."""
    return runner.invoke(app, [*args, "--db", str(shared_demo())])


def test_forecast_json_is_one_document_matching_the_api():
    res = invoke("forecast", "--base-year", "2020", "--scenario", DELAY, "--as-of", "2025-12-31", "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["base_year"] == 2020 and doc["baseline"]["scenario"]["id"] == "baseline"
    new = doc["comparison"]["scenarios"][0]["new_shortages"]
    with Store(shared_demo(), read_only=True) as s:
        api = compare(run_scenarios(s, [DELAY], ForecastSettings(base_year=2020), date(2025, 12, 31)))
    assert new == api["scenarios"][0]["new_shortages"]
    assert [(c["area"], c["year"]) for c in new] == [("QK05", 2024), ("QK05", 2025)]
    assert DELAY in doc["scenarios"]
    gap = doc["baseline"]["gap"]
    assert {r["level"] for r in gap} == {"学前", "小学", "初中", "高中"}


def test_forecast_table_and_year_detail():
    res = invoke("forecast", "--base-year", "2020", "--scenario", f"{DELAY},births-low", "--year", "2024",
                 "--as-of", "2025-12-31")
    assert res.exit_code == 0, res.output
    for text in ("学位缺口", "QK05", "2024 年明细", "情景比较", "资源需求", "不跨学区安置"):
        assert text in res.stdout


def test_forecast_xlsx(tmp_path):
    path = tmp_path / "f.xlsx"
    res = invoke("forecast", "--scenario", "class-size-tight", "--format", "xlsx", "--output", str(path),
                 "--as-of", "2025-12-31")
    assert res.exit_code == 0, res.output
    names = openpyxl.load_workbook(path, read_only=True).sheetnames
    for sheet in ("学位缺口汇总", "学位缺口", "情景比较", "人口预测", "在校生预测", "流动率", "学校容量", "千人指标",
                  "资源需求", "经费", "说明与设置"):
        assert sheet in names


def test_forecast_errors_are_short_chinese_messages():
    res = invoke("forecast", "--scenario", "no-such-scenario")
    assert res.exit_code == 1 and "没有名为" in res.output and "Traceback" not in res.output
    res = invoke("forecast", "--scenario", "delay-no_such_project-2y")
    assert res.exit_code == 1 and "不在重点项目库中" in res.output


def test_list_scenarios():
    res = invoke("forecast", "--list-scenarios", "--format", "json")
    ids = {s["id"] for s in json.loads(res.stdout)}
    assert {"baseline", "births-high", "births-low", "housing-fast", "housing-slow", "class-size-tight"} <= ids


def test_settings_file_turns_on_cross_zone_placement(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("forecast:\n  cross_zone_placement: true\n  scenarios:\n"
                 "    - {id: births-very-low, name: 出生很低, settings: {births_factor: 0.7}}\n", encoding="utf-8")
    res = invoke("forecast", "--settings", str(f), "--scenario", "births-very-low", "--format", "json",
                 "--as-of", "2025-12-31")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["baseline"]["cross_zone_placement"] is True and "births-very-low" in doc["scenarios"]


def test_projects_json_and_annual_list():
    res = invoke("projects", "--year", "2025", "--as-of", "2025-12-31", "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert {g["id"]: g["investment"] for g in doc["groups"]} == {"kindergarten": 1.293, "compulsory": 33.4,
                                                                 "high_school": 2.09}
    assert sum(p["counted"] for p in doc["projects"]) == 35
    listed = {r["project_id"] for r in doc["annual_list"]}
    assert {"sch_gutianlu_primary_relocation", "sch_hanzheng_campus", "kg_dongfengcun_k1"} <= listed
    codes = {f["code"] for f in doc["findings"]}
    assert "plan-statement" in codes and "funds-lagging" in codes


def test_projects_table_and_xlsx(tmp_path):
    res = invoke("projects", "--year", "2023", "--as-of", "2025-12-31")
    assert res.exit_code == 0, res.output
    assert "重点项目分组合计" in res.stdout and "2023 年度建设清单" in res.stdout and "预警" in res.stdout
    path = tmp_path / "p.xlsx"
    res = invoke("projects", "--year", "2024", "--as-of", "2025-12-31", "--format", "xlsx", "--output", str(path))
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == ["2024年度建设清单", "预警与核查", "分组合计", "项目库", "项目进展", "项目资金", "说明"]
    assert wb["项目库"].max_row == 41  # title, provenance, header + 38 records
