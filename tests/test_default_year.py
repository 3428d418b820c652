"""One default year: every command taking --year (or --base-year) uses, when it is not given, the latest year
with data in the store (eduplan.plan.scope.resolve_year) and says on stderr which year it chose."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from eduplan.cli.app import app
from eduplan.plan.scope import resolve_year
from eduplan.store import Store

runner = CliRunner()
ENV = {"COLUMNS": "200", "EDUPLAN_PLAN": None, "EDUPLAN_DISTRICT": None, "EDUPLAN_DB": None, "EDUPLAN_SETTINGS": None}
NOTE = "未指定 --year：使用库中有数据的最近年度 2025 年"


def run(db, *args: str):
    res = runner.invoke(app, [*args, "--db", str(db)], env=ENV)
    assert res.exit_code == 0, res.output
    return res


def test_the_latest_year_with_data_is_2025(demo_store):
    with Store(demo_store, read_only=True) as s:
        assert resolve_year(s, None, "420104") == (2025, NOTE)
        assert max(r[0] for r in s.run("SELECT DISTINCT year FROM enrolment")) == 2025


def test_indicators_and_balance_use_the_same_year_and_say_it(demo_store):
    ind = run(demo_store, "indicators", "--format", "json")
    bal = run(demo_store, "balance", "--format", "json")
    assert json.loads(ind.stdout)["year"] == json.loads(bal.stdout)["year"] == 2025
    assert NOTE in ind.stderr and NOTE in bal.stderr
    for res in (run(demo_store, "indicators"), run(demo_store, "balance")):  # the table says it too, on stderr
        assert NOTE in res.stderr and NOTE not in res.stdout
        assert "2025 年" in res.stdout or "2025 学年" in res.stdout


def test_a_given_year_is_used_without_a_note(demo_store):
    res = run(demo_store, "balance", "--year", "2019", "--format", "json")
    assert json.loads(res.stdout)["year"] == 2019 and "未指定 --year" not in res.stderr


def test_projects_default_to_the_latest_year_with_data(demo_store):
    res = run(demo_store, "projects", "--as-of", "2026-06-30")
    assert NOTE in res.stderr
    assert "2025 年度建设清单" in res.stdout


def test_forecast_says_its_base_year(demo_store):
    res = run(demo_store, "forecast", "--as-of", "2026-06-30", "--format", "json")
    assert json.loads(res.stdout)["base_year"] == 2025
    assert "未指定 --base-year：基年为库中在校生和人口都有数据的最近年度 2025 年" in res.stderr


def test_quality_says_it_checks_every_year(demo_store):
    res = run(demo_store, "quality")
    assert "未指定 --year：检查库中全部年度（2016–2025）" in res.stderr
