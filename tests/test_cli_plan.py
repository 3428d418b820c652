"""`eduplan plan show|check` through typer's CliRunner on plan_app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eduplan.cli.plan_cmd import plan_app
from eduplan.plan import default_plan_path

OTHER = Path(__file__).parent / "data" / "plan-other.yaml"
runner = CliRunner()


def run(*args: str, env: dict | None = None):
    """The plan commands on the shipped plan file unless --plan (or EDUPLAN_PLAN) names another: without
    either they read the plan bound in the store, and these tests have none."""
    argv = list(args)
    if "--plan" not in argv and not (env and "EDUPLAN_PLAN" in env):
        argv += ["--plan", str(default_plan_path())]
    return runner.invoke(plan_app, argv, env=env)


@pytest.fixture(scope="module")
def doc() -> dict:
    res = run("show", "--format", "json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)  # one JSON document and nothing else


def rows(doc: dict, table: str) -> dict[str, dict]:
    tab = next(t for t in doc["tables"] if t["id"] == table)
    return {r["id"]: r for r in tab["rows"]}


def test_show_json_top_level(doc):
    assert set(doc) >= {"meta", "tables", "targets", "baselines", "tasks", "key_projects", "sums", "indicators"}
    assert doc["meta"]["district"]["code"] == "420104"
    assert "line" not in doc["meta"] and "__line__" not in doc["meta"]


def test_show_json_has_all_19_table_indicators(doc):
    r13, r14 = rows(doc, "review_13th"), rows(doc, "targets_14th")
    assert len(r13) == 12 and len(r14) == 7
    nl = r13["new_labour_schooling_years"]["values"]
    assert (nl["target"]["raw"], nl["target"]["op"], nl["target"]["value"]) == ("15", ">=", 15.0)
    assert (nl["y2019"]["value"], nl["y2019"]["op"]) == (14.64, "=")
    assert (nl["y2020"]["raw"], nl["y2020"]["op"], nl["y2020"]["value"]) == ("15 以上", ">=", 15.0)
    hs = r14["upper_secondary_gross_enrolment"]["values"]["y2025"]
    assert (hs["raw"], hs["op"], hs["value"]) == ("≦100", "<=", 100.0)
    coef = r14["compulsory_balance_coefficient"]["values"]
    assert coef["y2019"]["by_level"]["小学"]["value"] == 0.382
    assert coef["y2019"]["by_level"]["初中"]["value"] == 0.302
    assert (coef["y2025"]["by_level"]["小学"]["op"], coef["y2025"]["by_level"]["小学"]["value"]) == ("<", 0.5)
    assert (coef["y2025"]["by_level"]["初中"]["op"], coef["y2025"]["by_level"]["初中"]["value"]) == ("<", 0.45)
    assert (coef["y2020"]["by_level"]["小学"]["value"], coef["y2020"]["by_level"]["初中"]["value"]) == (0.55, 0.5)


def test_show_json_targets_tasks_projects(doc):
    targets = {t["id"]: t for t in doc["targets"]}
    assert (targets["upper_secondary_995"]["op"], targets["upper_secondary_995"]["value"]) == (">=", 99.5)
    assert targets["myopia_new_below_1"]["reported_item"] == "myopia_new_rate"
    assert len(doc["tasks"]) == 9 and sum(len(s["tasks"]) for s in doc["tasks"]) == 29
    kp = doc["key_projects"]
    assert len(kp["projects"]) == 38
    assert sum(1 for p in kp["projects"] if p["counted"]) == 35
    assert sum(1 for p in kp["projects"] if p["category"] == "地下停车场") == 3
    investment = {g["id"]: g["investment"] for g in kp["groups"]}
    assert investment == {"kindergarten": 1.293, "compulsory": 33.4, "high_school": 2.09}
    assert kp["stated_total"] == {"count": 35, "investment": 40.7, "unit": "亿元", "cite": kp["stated_total"]["cite"]}


def test_show_table():
    res = run("show")
    assert res.exit_code == 0, res.output
    for text in ("硚口区", "420104", "2021–2025", "主要任务", "十四·五硚口教育重点工程项目表", "汉正教育园"):
        assert text in res.stdout, text


def test_show_section():
    res = run("show", "--section", "tasks")
    assert res.exit_code == 0 and "建立学习型组织的学研机制" in res.stdout and "红星佳苑" not in res.stdout


def test_check_table_exit_0_with_warnings():
    res = run("check")
    assert res.exit_code == 0, res.output
    assert "investment-sum" in res.stdout and "通过" in res.stdout


def test_check_json():
    res = run("check", "--format", "json")
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert doc["ok"] is True
    codes = {f["code"] for f in doc["findings"]}
    assert {"investment-sum", "text-table-mismatch", "target-met-by-baseline", "project-year-range"} <= codes
    f = next(f for f in doc["findings"] if f["code"] == "investment-sum")
    assert set(f) >= {"severity", "code", "message", "where"} and "36.783" in f["message"]


def test_check_exits_1_on_errors(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(default_plan_path().read_text(encoding="utf-8")
                   .replace("reported_item: health_knowledge_rate", "reported_item: nonsense"), encoding="utf-8")
    res = run("check", "--plan", str(bad), "--format", "json")
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert doc["ok"] is False and any(f["code"] == "unknown-reported-item" for f in doc["findings"])
    res = run("check", "--plan", str(bad))
    assert res.exit_code == 1 and "未通过" in res.stdout


def test_plan_option_and_env():
    res = run("show", "--plan", str(OTHER), "--format", "json")
    assert res.exit_code == 0 and json.loads(res.stdout)["meta"]["district"]["code"] == "990001"
    res = run("check", "--format", "json", env={"EDUPLAN_PLAN": str(OTHER)})
    assert res.exit_code == 0 and json.loads(res.stdout)["plan"] == "xugou-2026-2030"


def test_bad_plan_file_gives_chinese_error_no_traceback(tmp_path: Path):
    res = run("show", "--plan", str(tmp_path / "missing.yaml"))
    assert res.exit_code == 1 and "找不到规划文件" in res.stderr and "Traceback" not in res.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("meta:\n  id: x\n", encoding="utf-8")
    res = run("check", "--plan", str(broken))
    assert res.exit_code == 1 and "broken.yaml 第 2 行" in res.stderr and "缺少必填字段" in res.stderr


def test_through_the_main_app():
    """`plan` is a group of the `eduplan` app (a renamed or missing module fails here, it is not skipped)."""
    from eduplan.cli.app import app

    res = runner.invoke(app, ["plan", "check", "--format", "json", "--plan", str(default_plan_path())])
    assert res.exit_code == 0 and json.loads(res.stdout)["ok"] is True
    direct = run("check", "--format", "json")
    assert json.loads(res.stdout) == json.loads(direct.stdout)  # the same command as plan_app's
