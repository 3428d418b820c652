"""The 优质均衡 coefficient judged against the district's own plan (规划目标: interim and final targets, per
level), kept apart from the official method's thresholds (国家标准: 2017 每项差异系数 小学 ≤0.50、初中 ≤0.45).

The plan is 江湾区's (tests/data/jiangwan/jiangwan-2026-2030.yaml): 义务教育优质均衡差异系数 2025 actual
0.48/0.42, 2028 中期目标 ≤0.45/≤0.40, 2030 期末目标 ≤0.40/≤0.35.
"""

from __future__ import annotations

import json

import openpyxl
import pytest
from typer.testing import CliRunner

from eduplan.balance import evaluate_store, plan_indicator_status
from eduplan.balance.settings import BalanceSettings
from eduplan.plan import load_plan
from eduplan.store import Store
from jiangwan import PLAN
from test_indicators import D
from test_indicators_plans import D2, two  # noqa: F401  (the two-district store fixture)

# hand-made series: (小学, 初中)
SERIES = {2027: {"小学": 0.47, "初中": 0.43}, 2028: {"小学": 0.44, "初中": 0.41},
          2029: {"小学": 0.42, "初中": 0.38}, 2030: {"小学": 0.40, "初中": 0.36}}


def _checks(status):
    return {(c["year"], c["target_year"], c["level"]): (c["target"], c["met"], c["text"]) for c in status["checks"]}


def test_thresholds_are_the_plans_interim_and_final_targets():
    status = plan_indicator_status(SERIES, BalanceSettings(), load_plan(PLAN), year=2029)
    assert status["criterion"] == "规划目标" and status["plan"]["id"] == "jiangwan-2026-2030"
    assert {y: {lvl: (t["op"], t["value"], t["label"]) for lvl, t in v.items()} for y, v in status["targets"].items()} == {
        2028: {"小学": ("<=", 0.45, "2028 年中期目标"), "初中": ("<=", 0.40, "2028 年中期目标")},
        2030: {"小学": ("<=", 0.40, "2030 年期末目标"), "初中": ("<=", 0.35, "2030 年期末目标")}}
    assert status["published"] == {2025: {"小学": 0.48, "初中": 0.42}}
    assert _checks(status) == {
        # each target year against its own target: 0.44 ≤ 0.45 yes, 0.41 ≤ 0.40 no; 0.40 ≤ 0.40 yes, 0.36 ≤ 0.35 no
        (2028, 2028, "小学"): ("≤0.45", True, "小学 2028 年中期目标 ≤0.45 已达成"),
        (2028, 2028, "初中"): ("≤0.40", False, "初中 2028 年中期目标 ≤0.40 未达成"),
        (2030, 2030, "小学"): ("≤0.40", True, "小学 2030 年期末目标 ≤0.40 已达成"),
        (2030, 2030, "初中"): ("≤0.35", False, "初中 2030 年期末目标 ≤0.35 未达成"),
        # the evaluated year 2029 (no target of its own) against the next target ahead, the final one
        (2029, 2030, "小学"): ("≤0.40", False, "小学 2030 年期末目标 ≤0.40 未达成"),
        (2029, 2030, "初中"): ("≤0.35", False, "初中 2030 年期末目标 ≤0.35 未达成"),
    }


def test_a_year_before_the_interim_is_judged_against_it_and_the_final():
    status = plan_indicator_status(SERIES, BalanceSettings(), load_plan(PLAN), year=2027)
    got = {k: v[1] for k, v in _checks(status).items() if k[0] == 2027}
    # 0.47 > 0.45 and 0.43 > 0.40 (interim); 0.47 > 0.40 and 0.43 > 0.35 (final)
    assert got == {(2027, 2028, "小学"): False, (2027, 2028, "初中"): False,
                   (2027, 2030, "小学"): False, (2027, 2030, "初中"): False}


def test_no_plan_no_targets():
    status = plan_indicator_status(SERIES, BalanceSettings(), None, year=2029)
    assert (status["status"], status["plan"], status["targets"], status["checks"]) == ("无规划目标", None, {}, [])


def test_the_second_district_store(jiangwan_store):
    """江湾区 2025 (its latest year): judged against its plan's 2028 interim and 2030 final targets; the
    official thresholds stay the method's own 0.50/0.45."""
    with Store(jiangwan_store, read_only=True) as s:
        r = evaluate_store(s, 2025, "2017", BalanceSettings(), checklist=False)
    assert r.district["district_code"] == "420188" and r.district["plan"]["id"] == "jiangwan-2026-2030"
    assert r.official == {"criterion": "国家标准", "method": "2017", "document": "优质均衡（教督〔2017〕6号）",
                          "rule": "每项指标校际差异系数", "thresholds": {"小学": 0.50, "初中": 0.45}}
    got = {(c["year"], c["target_year"], c["level"]): c["target"] for c in r.plan_status["checks"]}
    assert got == {(2025, 2028, "小学"): "≤0.45", (2025, 2028, "初中"): "≤0.40",
                   (2025, 2030, "小学"): "≤0.40", (2025, 2030, "初中"): "≤0.35"}
    for c in r.plan_status["checks"]:  # each check compares the composite of its level with its threshold
        assert c["value"] == pytest.approx(r.levels[c["level"]].composite)
        assert c["met"] is (c["value"] <= c["threshold"])


runner = CliRunner()
ENV = {"COLUMNS": "250", "EDUPLAN_PLAN": None, "EDUPLAN_DISTRICT": None, "EDUPLAN_DB": None, "EDUPLAN_SETTINGS": None}


def run(*args):
    from eduplan.cli.app import app

    return runner.invoke(app, ["balance", *map(str, args)], env=ENV)


def test_cli_balance_needs_one_district(two):  # noqa: F811
    db, folder = two
    res = run("--db", db, "--year", 2019)
    assert res.exit_code == 1
    assert f"数据库中有 2 个区：{D} 硚口区、{D2} 汉阳区；请用 --district 指定一个" in " ".join(res.output.split())
    # 汉阳区 has no plan bound: the official criterion only, said so
    res = run("--db", db, "--year", 2019, "--district", D2)
    assert res.exit_code == 0, res.output
    assert f"规划目标：无规划目标（汉阳区（{D2}） 未绑定规划；只按国家标准评估" in res.stdout
    assert "国家标准：优质均衡（教督〔2017〕6号），每项指标校际差异系数 小学 ≤0.50、初中 ≤0.45" in res.stdout
    doc = json.loads(run("--db", db, "--year", 2019, "--district", D2, "-f", "json").stdout)
    assert doc["district"]["district_code"] == D2 and doc["plan_indicator"]["status"] == "无规划目标"
    # its plan given as a file: that plan judges it (plan B sets no coefficient target)
    doc = json.loads(run("--db", db, "--year", 2019, "--district", D2, "--plan", folder / "b.yaml", "-f", "json").stdout)
    assert doc["plan_indicator"]["plan"]["id"] == "b-2019-2023"
    assert doc["plan_indicator"]["status"] == "规划中没有“compulsory_balance_coefficient”（义务教育优质均衡系数）的目标"


def test_cli_balance_workbook_keeps_the_criteria_apart(jiangwan_store, tmp_path):
    out = tmp_path / "b.xlsx"
    res = run("--db", jiangwan_store, "--format", "xlsx", "--output", out)
    assert res.exit_code == 0, res.output
    assert "未指定 --year：使用库中有数据的最近年度 2025 年" in res.output
    ws = openpyxl.load_workbook(out)["概要"]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "义务教育均衡评估 — 江湾区（420188） 优质均衡（教督〔2017〕6号）" in cells
    assert "国家标准：优质均衡（教督〔2017〕6号），每项指标校际差异系数 小学 ≤0.50、初中 ≤0.45" in cells
    assert "规划目标：义务教育优质均衡差异系数（江湾区教育事业发展“十五·五”规划（2026—2030）（测试用虚构示例））" in cells
    assert cells.count("2028 年中期目标") == 2 and cells.count("2030 年期末目标") == 2


def test_explain_of_the_coefficient_names_its_targets(jiangwan_store):
    """`explain compulsory_balance_coefficient`: the per-level values are the evaluation's composites, and the
    plan's view names the 2028 interim and the 2030 final targets of each level."""
    from eduplan.cli.app import app

    with Store(jiangwan_store, read_only=True) as s:
        r = evaluate_store(s, 2025, "2017", BalanceSettings(), checklist=False)
    res = runner.invoke(app, ["explain", "compulsory_balance_coefficient", "--db", str(jiangwan_store), "-f", "json"],
                        env=ENV)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["unit"] == {"type": "district", "code": "420188", "name": "江湾区"}
    assert doc["value_by_level"] == {lvl: pytest.approx(r.levels[lvl].composite) for lvl in ("小学", "初中")}
    rows = [(x["breakdown"], x["target"]["text"], x["target"]["label"], x["final_target"]["text"]) for x in doc["plan"]["rows"]]
    assert rows == [("小学", "≤0.45", "2028 年中期目标", "≤0.40"), ("初中", "≤0.40", "2028 年中期目标", "≤0.35")]
