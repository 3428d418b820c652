"""A store with two districts: the demo (硚口区 420104, the shipped plan bound) and 江湾区 (420188, its own plan).

江湾区 joins the store the way a user adds a district: its 区县 table first (a plan whose district has no
data is refused in a store holding another district), then `plan use` of its plan, then the rest of
its source files. Then every command either reports each district separately with its own plan's
targets, or asks for --district (exit 1, naming both); with `--district 420188` or `--district 江湾区`
a command uses only 江湾区's data and plan.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import cached_cli, cli_json as js, cli_ok as ok
from jiangwan import PLAN, PROJECTS, USER, foreign, import_sources, write_sources

ENV = {"COLUMNS": "250", "EDUPLAN_PLAN": None, "EDUPLAN_DISTRICT": None, "EDUPLAN_DB": None,
       "EDUPLAN_SETTINGS": None}
AS_OF = ["--as-of", "2025-12-31"]
JW_PROJECTS = list(PROJECTS)


@pytest.fixture(scope="module")
def db(demo_store: Path, tmp_path_factory) -> Path:
    from eduplan.plan.binding import use_plan
    from eduplan.store import Store

    folder = tmp_path_factory.mktemp("two-districts")
    path = folder / "two.duckdb"
    shutil.copy(demo_store, path)
    sources = folder / "jiangwan-sources"
    [district] = write_sources(sources, tables=("district",))
    rest = [p for p in write_sources(sources) if p != district]
    with Store(path) as store:
        import_sources(store, [district])
        use_plan(store, PLAN, USER)
        import_sources(store, rest)
        assert [d["district_code"] for d in store.districts()] == ["420104", "420188"]
        assert {b["district_code"]: b["plan_id"] for b in store.plan_bindings()} == {
            "420104": "qiaokou-2021-2025", "420188": "jiangwan-2026-2030"}
    return path


@pytest.fixture(scope="module")
def cli(db: Path):
    return cached_cli(db, ENV)


def asks_for_district(res) -> None:
    """Exit 1 with a message that names both districts and --district."""
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    msg = " ".join(res.output.split())
    for word in ("420104", "硚口区", "420188", "江湾区", "--district"):
        assert word in msg, word


# ------------------------------------------------------------------ without --district


@pytest.mark.parametrize("args", [["explain", "preschool_gross_enrolment"], ["balance"], ["forecast", *AS_OF],
                                  ["projects", *AS_OF]], ids=lambda a: a[0])
def test_one_district_commands_ask_which(cli, args):
    asks_for_district(cli(*args))


def _district_values(doc) -> dict[tuple[str, str, str], dict]:
    """(district code, indicator id, breakdown) → the district-level value record, wherever the JSON puts it."""
    found: dict[tuple[str, str, str], dict] = {}

    def walk(node, indicator=None):
        if isinstance(node, dict):
            if "values" in node and "id" in node:
                indicator = node["id"]
            if node.get("unit_type") == "district" and "final_target" in node and indicator:
                found[(node["unit_code"], indicator, (node.get("breakdown") or {}).get("value") or "")] = node
            for v in node.values():
                walk(v, indicator)
        elif isinstance(node, list):
            for v in node:
                walk(v, indicator)

    walk(doc)
    return found


def test_indicators_separate_districts_or_ask(cli):
    res = cli("indicators", "--year", "2025", "--format", "json")
    if res.exit_code == 1:
        asks_for_district(res)
        return
    values = _district_values(js(res))
    qk = values[("420104", "preschool_gross_enrolment", "")]
    jw = values[("420188", "preschool_gross_enrolment", "")]
    assert qk["final_target"] == {"op": ">=", "value": 99.0, "year": 2025}  # 硚口区's own plan
    assert jw["final_target"] == {"op": ">=", "value": 98.0, "year": 2030}  # 江湾区's own plan
    assert (jw["numerator"], jw["denominator"]) == (4747, 5019)  # only 江湾区's kindergartens and children
    assert (jw["target"]["value"], jw["target"]["year"]) == (96.0, 2028)
    assert values[("420188", "compulsory_balance_coefficient", "小学")]["final_target"]["value"] == 0.40
    assert values[("420104", "compulsory_balance_coefficient", "小学")]["final_target"]["value"] == 0.5
    table = ok(cli("indicators", "--year", "2025"))
    assert "硚口区" in table and "江湾区" in table


def test_summary_separates_districts_or_asks(cli):
    res = cli("summary", "--year", "2025", "--format", "json")
    if res.exit_code == 1:
        asks_for_district(res)
        return
    doc = js(res)
    by_code = {d["district"]["district_code"]: d for d in doc["districts"]}
    assert set(by_code) == {"420104", "420188"}
    jw = next(r for r in by_code["420188"]["levels"] if r["level"] == "学前")
    assert (jw["schools"], jw["pupils"]) == (11, 4747)
    assert by_code["420188"]["figures"]["preschool_gross_enrolment"]["published"] == "94.6"
    table = ok(cli("summary", "--year", "2025"))
    assert "硚口区" in table and "江湾区" in table


# ------------------------------------------------------------------ --district selects


SELECTED = {
    "summary": ["summary"],
    "indicators": ["indicators"],
    "indicators-json": ["indicators", "--format", "json"],
    "explain": ["explain", "preschool_gross_enrolment"],
    "balance": ["balance"],
    "balance-json": ["balance", "--format", "json"],
    "forecast": ["forecast", *AS_OF],
    "forecast-json": ["forecast", *AS_OF, "--format", "json"],
    "projects": ["projects", *AS_OF],
    "projects-json": ["projects", *AS_OF, "--format", "json"],
    "plan-show": ["plan", "show"],
}


# The name resolves to the code before anything is computed: the fast lane selects by name in
# test_selected_explain_and_balance_are_jiangwans; every command by name again is slow (the whole set twice).
BY_CODE_AND_NAME = ["420188", pytest.param("江湾区", marks=pytest.mark.slow)]


@pytest.mark.parametrize("district", BY_CODE_AND_NAME)
@pytest.mark.parametrize("name", list(SELECTED))
def test_district_selects_jiangwan_only(cli, name, district):
    out = ok(cli(*SELECTED[name], "--district", district))
    assert foreign(out) == [], name
    assert "江湾" in out


@pytest.mark.parametrize("district", BY_CODE_AND_NAME)
def test_selected_projects_and_forecast_are_jiangwans(cli, district):
    doc = js(cli("projects", *AS_OF, "--format", "json", "--district", district))
    assert [p["id"] for p in doc["projects"]] == JW_PROJECTS
    assert doc["stated_total"] == {"count": 5, "investment": 6.4}
    fc = js(cli("forecast", *AS_OF, "--format", "json", "--district", district))
    assert sorted({p["id"] for p in fc["baseline"]["projects"]}) == sorted(
        ["jw_kg_lanting", "jw_kg_beiwan", "jw_sch_shiyan", "jw_sch_xingang"])
    assert {g["area"] for g in fc["baseline"]["gap"]} <= {"420188", "JW1", "JW2", "JW3", "JW4"}


def test_selected_explain_and_balance_are_jiangwans(cli):
    doc = js(cli("explain", "preschool_gross_enrolment", "--format", "json", "--district", "420188"))
    assert (doc["year"], doc["unit"]["code"]) == (2025, "420188")
    assert (doc["numerator"], doc["denominator"]) == (4747, 5019)
    bal = js(cli("balance", "--format", "json", "--district", "江湾区"))
    assert sorted(bal["plan_indicator"]["targets"]) == ["2028", "2030"]
    # only 江湾区's schools: 6 小学 + the 九年一贯制 北湾学校; 3 初中 + 北湾学校
    assert {lvl: data["indicators"][0]["schools"] for lvl, data in bal["levels"].items()} == {"小学": 7, "初中": 4}


def test_selecting_the_demo_shows_no_jiangwan_project(cli):
    doc = js(cli("projects", *AS_OF, "--format", "json", "--district", "420104"))
    ids = [p["id"] for p in doc["projects"]]
    assert len(ids) == 38 and not set(ids) & set(JW_PROJECTS)
    assert doc["stated_total"] == {"count": 35, "investment": 40.7}


def test_plan_of_a_district_without_data_is_refused_beside_the_demo(demo_store: Path, tmp_path: Path):
    """Before 江湾区's 区县 table is imported, its plan cannot be bound in the demo's store."""
    from eduplan.cli.app import app
    from eduplan.store import Store

    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_store, db)
    res = CliRunner().invoke(app, ["plan", "use", str(PLAN), "--db", str(db)], env=ENV)
    assert res.exit_code == 1, res.output
    msg = " ".join(res.output.split())
    assert "属于 420188 江湾区" in msg and "只有 420104 硚口区 的数据，未绑定" in msg
    assert "请先导入该区的“区县”表（行政区划代码 420188）" in msg
    with Store(db, read_only=True) as store:
        assert [b["district_code"] for b in store.plan_bindings()] == ["420104"]
