"""A second district runs every command on its own plan: 江湾区 (420188, fictional; tests/jiangwan.py and
tests/data/jiangwan/jiangwan-2026-2030.yaml), its plan bound with `plan use` and its data imported
through the templates.

Every output (stdout, stderr, every cell of every workbook) must be free of the shipped plan's district:
no 硚口, 420104, QK0x, none of its project names, no “十三·五”, none of its figures 40.7 / 33.4 / 2.09 /
1.293 亿 or 155,900 万元 — and must show 江湾区's own targets, projects and investment.

Hand-worked numbers (from the generator, tests/jiangwan.py; 2025 is the latest year with data):
- 学前三年毛入园率 2025 = 在园幼儿 ÷ 3–5 岁常住人口 × 100.
  3–5 岁人口: 3 岁 round(1560 × 1.018) = 1,588; 4 岁 round(1620 × 1.024) = 1,659; 5 岁 round(1720 × 1.030) = 1,772;
  together 5,019. 在园幼儿 = each age × 94.6 %: K1 round(1,588 × 0.946) = 1,502, K2 round(1,659 × 0.946) = 1,569,
  K3 round(1,772 × 0.946) = 1,676; together 4,747. 4,747 ÷ 5,019 × 100 = 94.58.
  The next target is the 2028 中期目标 ≥96, the final one ≥98 in 2030 (the plan's end: the projection year).
- 公共财政教育支出占比 2025 = 79,200 ÷ 480,000 × 100 = 16.5 (2028 中期目标 ≥17).
- Key projects (亿元): 学前教育扩容工程 0.36 + 义务教育学校建设工程 5.8 + 校舍安全提升工程 0.24 = 6.4 = the stated total;
  the store's 计划总投资 (万元): 1,800 + 1,800 + 32,000 + 26,000 + 2,400 = 64,000.
- Places (学位 = 班数 × 标准班额 45 小学, 50 初中, 30 幼儿园): 江湾实验学校（九年一贯制） takes its category's
  (中小学新建: 小学 24 班 = 1,080, 初中 12 班 = 600, JW3, in use 2028); 新港小学 its own 小学 18 班 = 810 (JW2, 2030);
  江湾澜庭幼儿园 its category's 学前 9 班 = 270 (JW2, 2027); 北湾幼儿园 the store's 6 班 / 180 (JW4, 2028);
  滨江中学校舍维修 none (校舍维修 adds no places).
- 学前 places needed = 3–5 岁人口 × the plan's rate due next: 96 % for 2026–2028 (2028 中期目标), 98 % for 2029–2030.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import cached_cli, cli_json as js, cli_ok as ok
from jiangwan import foreign, qiaokou_project_names, xlsx_text

ENV = {"COLUMNS": "250", "EDUPLAN_PLAN": None, "EDUPLAN_DISTRICT": None, "EDUPLAN_DB": None,
       "EDUPLAN_SETTINGS": None}
AS_OF = ["--as-of", "2025-12-31"]  # progress checked at the end of the data (no dependence on today)
PROJECT_IDS = ["jw_kg_lanting", "jw_kg_beiwan", "jw_sch_shiyan", "jw_sch_xingang", "jw_repair_binjiang"]


@pytest.fixture(scope="module")
def work(jiangwan_store: Path, tmp_path_factory) -> Path:
    """A folder with a copy of 江湾区's store (commands never touch the session's store)."""
    folder = tmp_path_factory.mktemp("jiangwan-commands")
    shutil.copy(jiangwan_store, folder / "jiangwan.duckdb")
    return folder


@pytest.fixture(scope="module")
def cli(work: Path):
    """run(*args) → the result of `eduplan *args --db <copy>` (each command line run once)."""
    return cached_cli(work / "jiangwan.duckdb", ENV)


# ------------------------------------------------------------------ every output: nothing of 硚口

COMMANDS = {
    "summary": ["summary"],
    "summary-json": ["summary", "--format", "json"],
    "indicators": ["indicators"],
    "indicators-json": ["indicators", "--format", "json"],
    "explain": ["explain", "preschool_gross_enrolment"],
    "explain-json": ["explain", "preschool_gross_enrolment", "--format", "json"],
    "balance": ["balance"],
    "balance-json": ["balance", "--format", "json"],
    "forecast": ["forecast", *AS_OF],
    "forecast-json": ["forecast", *AS_OF, "--format", "json"],
    "projects": ["projects", *AS_OF],
    "projects-json": ["projects", *AS_OF, "--format", "json"],
    "plan-show": ["plan", "show"],
    "plan-show-json": ["plan", "show", "--format", "json"],
    "plan-check": ["plan", "check"],
    "plan-history": ["plan", "history"],
    "db-status": ["db", "status"],
    "quality": ["quality"],
    "template-list": ["template"],
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_output_has_nothing_of_the_shipped_plan(cli, name):
    out = ok(cli(*COMMANDS[name]))
    assert foreign(out) == [], name


WORKBOOKS = {
    "indicators": ["indicators", "--format", "xlsx"],
    "balance": ["balance", "--format", "xlsx"],
    "forecast": ["forecast", *AS_OF, "--format", "xlsx"],
    "projects": ["projects", *AS_OF, "--format", "xlsx"],
}


@pytest.mark.parametrize("name", list(WORKBOOKS))
def test_workbooks_have_nothing_of_the_shipped_plan(cli, work, name):
    path = work / f"{name}.xlsx"
    out = ok(cli(*WORKBOOKS[name], "--output", str(path)))
    assert foreign(out) == []
    text = xlsx_text(path)
    assert "江湾" in text  # the district's name, or its projects' names in the annual list
    assert foreign(text) == [], name


def test_templates_use_the_districts_codes(cli, work):
    """Fill-in templates written for this store: examples in 江湾区's codes (or neutral), none of 硚口's."""
    folder = work / "templates"
    ok(cli("template", "--all", "--output", str(folder)))
    books = sorted(folder.glob("*.xlsx"))
    assert len(books) >= 16
    for book in books:
        text = xlsx_text(book)
        assert foreign(text) == [], book.name
        for word in ("崇仁路小学", "六大组团", "35 个重点项目", "古田组团"):
            assert word not in text, (book.name, word)
    # examples in the store's own codes; the category list is the bound plan's
    schools = xlsx_text(folder / "学校基本信息.xlsx").splitlines()
    assert "420188" in schools and any(line.startswith("21420188") for line in schools)
    assert any(line.startswith("JW") for line in xlsx_text(folder / "学校学区归属.xlsx").splitlines())
    one = work / "重点项目库.xlsx"
    ok(cli("template", "重点项目库", "--output", str(one)))
    text = xlsx_text(one)
    assert foreign(text) == []
    for category in ("幼儿园新建", "中小学新建", "校舍维修"):
        assert category in text.splitlines(), category


def test_export_has_only_the_districts_data(cli, work):
    folder = work / "export"
    ok(cli("export", "--all", "--output", str(folder)))
    books = {p.stem: xlsx_text(p) for p in folder.glob("*.xlsx")}
    assert "江湾区" in books["区县"] and "420188" in books["区县"]
    assert "江湾实验学校" in books["重点项目库"]
    for name, text in books.items():
        assert foreign(text) == [], name


# ------------------------------------------------------------------ targets are 江湾区's


def _indicator(doc: dict, iid: str) -> dict:
    return next(i for i in doc["indicators"] if i["id"] == iid)


def _district_value(ind: dict, breakdown: str | None = None) -> dict:
    rows = [v for v in ind["values"] if v["unit_type"] == "district"
            and (v["breakdown"] or {}).get("value") == breakdown]
    assert len(rows) == 1, rows
    return rows[0]


def test_indicators_default_to_the_latest_year_and_the_bound_plan(cli):
    res = cli("indicators", "--format", "json")
    doc = js(res)
    assert doc["year"] == 2025  # the latest year with data, said on stderr
    assert "2025" in res.output.replace(res.stdout, "")
    assert doc["plan"] == "jiangwan-2026-2030"
    assert doc["projection_year"] == 2030


def test_preschool_rate_against_the_interim_and_final_targets(cli):
    doc = js(cli("indicators", "--format", "json"))
    v = _district_value(_indicator(doc, "preschool_gross_enrolment"))
    assert (v["unit_code"], v["unit_name"]) == ("420188", "江湾区")
    assert (v["numerator"], v["denominator"]) == (4747, 5019)
    assert round(v["value"], 2) == 94.58
    assert (v["target"]["op"], v["target"]["value"], v["target"]["year"]) == (">=", 96.0, 2028)
    assert re.search(r"2028 ?年?中期目标", v["target"]["label"] + v["target"]["source"])
    assert v["final_target"] == {"op": ">=", "value": 98.0, "year": 2030}
    assert v["projection"]["year"] == 2030


def test_expenditure_share_and_coefficient_targets(cli):
    doc = js(cli("indicators", "--format", "json"))
    v = _district_value(_indicator(doc, "education_expenditure_share"))
    assert (v["numerator"], v["denominator"]) == (79200, 480000)
    assert round(v["value"], 2) == 16.5
    assert (v["target"]["op"], v["target"]["value"], v["target"]["year"]) == (">=", 17.0, 2028)
    coef = _indicator(doc, "compulsory_balance_coefficient")
    for level, interim, final in (("小学", 0.45, 0.40), ("初中", 0.40, 0.35)):
        v = _district_value(coef, level)
        assert (v["target"]["op"], v["target"]["value"], v["target"]["year"]) == ("<=", interim, 2028), level
        assert v["final_target"] == {"op": "<=", "value": final, "year": 2030}, level


def test_indicators_table_names_the_interim_target(cli):
    out = ok(cli("indicators"))
    assert "江湾区" in out and "中期目标" in out
    assert "2030" in out and "2025 外推" not in out


def test_explain_names_the_interim_target(cli):
    doc = js(cli("explain", "preschool_gross_enrolment", "--format", "json"))
    assert doc["year"] == 2025 and doc["unit"]["code"] == "420188"
    assert (doc["numerator"], doc["denominator"]) == (4747, 5019)
    [row] = doc["plan"]["rows"]
    assert (row["target"]["value"], row["target"]["year"]) == (96.0, 2028)
    assert row["final_target"]["value"] == 98.0 and row["final_target"]["year"] == 2030
    assert row["projection"]["year"] == 2030
    out = " ".join(ok(cli("explain", "preschool_gross_enrolment")).split())
    assert re.search(r"≥96（2028 ?年?中期目标）", out) and "≥98（2030）" in out
    assert "2030 外推" in out and "2025 外推" not in out


def test_balance_judges_against_the_plans_coefficients(cli):
    doc = js(cli("balance", "--format", "json"))
    assert doc["year"] == 2025
    p = doc["plan_indicator"]
    got = {y: {lvl: (t["op"], t["value"]) for lvl, t in levels.items()} for y, levels in p["targets"].items()}
    assert got == {"2028": {"小学": ("<=", 0.45), "初中": ("<=", 0.40)},
                   "2030": {"小学": ("<=", 0.40), "初中": ("<=", 0.35)}}
    assert p["published"] == {"2025": {"小学": 0.48, "初中": 0.42}}
    # the district's compulsory schools: 6 小学 + the 九年一贯制 北湾学校; 3 初中 + 北湾学校
    assert {lvl: data["indicators"][0]["schools"] for lvl, data in doc["levels"].items()} == {"小学": 7, "初中": 4}
    # the 2025 coefficients (0.259 小学 / 0.277 初中) judged against both of the plan's columns
    assert sorted((c["target_year"], c["level"], c["op"], c["threshold"]) for c in p["checks"]) == [
        (2028, "初中", "<=", 0.40), (2028, "小学", "<=", 0.45), (2030, "初中", "<=", 0.35), (2030, "小学", "<=", 0.40)]
    out = " ".join(ok(cli("balance")).split())
    assert re.search(r"≤0\.45（2028 ?年?中期目标）", out) and re.search(r"≤0\.35（2030 ?年?期末目标）", out)
    assert "<0.55" not in out and "<0.5 " not in out and "<0.45" not in out


def test_summary_is_the_districts(cli):
    res = cli("summary", "--format", "json")
    doc = js(res)
    assert doc["year"] == 2025
    [one] = doc.get("districts", [doc])  # one district in the store
    assert one["district"]["district_code"] == "420188"
    preschool = next(r for r in one["levels"] if r["level"] == "学前")
    assert (preschool["schools"], preschool["pupils"]) == (11, 4747)
    # the headline figures are the plan's own table rows, beside the values its table prints for 2025
    fig = one["figures"]["preschool_gross_enrolment"]
    assert round(fig["value"], 2) == 94.58 and fig["published"] == "94.6"
    assert "upper_secondary_gross_enrolment" in one["figures"] and "large_class_share_primary" in one["figures"]
    out = ok(cli("summary"))
    assert "江湾区" in out and "2025" in out


# ------------------------------------------------------------------ projects and investment are 江湾区's


def test_projects_are_exactly_the_plans_five(cli):
    doc = js(cli("projects", *AS_OF, "--format", "json"))
    assert [p["id"] for p in doc["projects"]] == PROJECT_IDS
    assert doc["stated_total"] == {"count": 5, "investment": 6.4}
    assert [(g["id"], g["stated_count"], g["stated_investment"], g["investment"]) for g in doc["groups"]] == [
        ("preschool", 2, 0.36, 0.36), ("schools", 2, 5.8, 5.8), ("repairs", 1, 0.24, 0.24)]
    assert doc["total_investment"] == 6.4
    money = {p["id"]: p["planned_investment"] for p in doc["projects"]}
    assert money == {"jw_kg_lanting": 1800, "jw_kg_beiwan": 1800, "jw_sch_shiyan": 32000, "jw_sch_xingang": 26000,
                     "jw_repair_binjiang": 2400}
    assert sum(money.values()) == 64000
    shiyan = next(p for p in doc["projects"] if p["id"] == "jw_sch_shiyan")
    assert {k: (v["classes"], v["places"]) for k, v in shiyan["places"].items()} == {"小学": (24, 1080), "初中": (12, 600)}
    out = ok(cli("projects", *AS_OF))
    for name in ("学前教育扩容工程", "义务教育学校建设工程", "校舍安全提升工程", "江湾澜庭幼儿园", "滨江中学校舍维修"):
        assert name in out, name


def test_forecast_uses_the_plans_projects_and_places(cli):
    doc = js(cli("forecast", *AS_OF, "--format", "json"))
    b = doc["baseline"]
    got = sorted((p["id"], p["zone"], p["level"], p["places"], p["in_use_year"]) for p in b["projects"])
    assert got == sorted([
        ("jw_kg_lanting", "JW2", "学前", 270, 2027), ("jw_kg_beiwan", "JW4", "学前", 180, 2028),
        ("jw_sch_shiyan", "JW3", "小学", 1080, 2028), ("jw_sch_shiyan", "JW3", "初中", 600, 2028),
        ("jw_sch_xingang", "JW2", "小学", 810, 2030)])
    gap = {(g["area"], g["level"], g["year"]): g for g in b["gap"]}
    assert gap[("JW3", "小学", 2027)]["project_places"] == 0
    assert gap[("JW3", "小学", 2028)]["project_places"] == 1080
    assert gap[("JW3", "初中", 2028)]["project_places"] == 600
    assert max(y for (_, _, y) in gap) == 2030  # the plan's end year


def test_forecast_capital_is_the_districts_project_money(cli):
    """capital(t) = the year's planned investment of 江湾区's projects (项目资金, 万元; each project's 计划总投资
    spread evenly over the years its plan lists): 2026 = 澜庭 900 + 实验学校 10,666.67 + 维修 1,200 = 12,766.7;
    2027 = 澜庭 900 + 北湾 900 + 实验学校 10,666.67 + 维修 1,200 = 13,666.7; 2028 = 北湾 900 + 实验学校 10,666.66
    + 新港 8,666.67 = 20,233.3; 2029 = 新港 8,666.67; 2030 = 新港 8,666.66. Together 64,000."""
    b = js(cli("forecast", *AS_OF, "--format", "json"))["baseline"]
    capital = {r["year"]: r["capital"] for r in b["resources"]}
    assert capital == {2025: 0.0, 2026: 12766.7, 2027: 13666.7, 2028: 20233.3, 2029: 8666.7, 2030: 8666.7}
    assert b["gap_horizon"] == 2030


def test_forecast_preschool_need_uses_the_plans_rate(cli):
    b = js(cli("forecast", *AS_OF, "--format", "json"))["baseline"]
    pop = {(p["area"], p["year"]): p["ages"] for p in b["population"]}
    gap = {(g["area"], g["level"], g["year"]): g for g in b["gap"]}
    for year, rate in ((2026, 96), (2028, 96), (2029, 98), (2030, 98)):
        children = sum(pop[("JW1", year)][3:6])
        assert abs(gap[("JW1", "学前", year)]["need"] - children * rate / 100) <= 1, (year, rate)


def test_forecast_table_names_no_other_project(cli):
    out = ok(cli("forecast", *AS_OF))
    assert "以下项目未填学区" not in out
    for name in qiaokou_project_names():
        assert name not in out


def test_plan_show_and_check_read_the_bound_plan(cli):
    doc = js(cli("plan", "show", "--format", "json"))
    assert doc["meta"]["id"] == "jiangwan-2026-2030"
    out = ok(cli("plan", "show"))
    assert "十四·五" in out and "十五·五" in out
    check = ok(cli("plan", "check"))
    assert "江湾区" in check and "错误 0" in check


def test_quality_finds_nothing(cli):
    assert "未发现问题" in ok(cli("quality"))


# ------------------------------------------------------------------ never the shipped plan instead

ONE_DISTRICT = [["indicators"], ["explain", "preschool_gross_enrolment"], ["balance"], ["forecast", *AS_OF],
                ["projects", *AS_OF], ["summary"]]


@pytest.mark.parametrize("args", ONE_DISTRICT, ids=lambda a: a[0])
def test_another_districts_plan_file_is_refused(cli, args):
    """--plan of 硚口区's plan on 江湾区's data: refused naming both, never silently used."""
    from eduplan.plan import default_plan_path

    res = cli(*args, "--plan", str(default_plan_path()))
    assert res.exit_code == 1, res.output
    msg = " ".join(res.output.split())
    assert "属于 420104 硚口区" in msg and "420188 江湾区" in msg
    assert "Traceback" not in res.output


@pytest.fixture(scope="module")
def unbound(work: Path) -> Path:
    """江湾区's data without a bound plan (and so without its project library, whose categories need one)."""
    from eduplan.store import Store
    from jiangwan import import_sources, write_sources

    tables = ("district", "zone", "school", "school_zone", "enrolment", "teachers", "facilities", "population",
              "area_year", "reported")
    db = work / "unbound.duckdb"
    with Store(db) as store:
        import_sources(store, write_sources(work / "unbound-sources", tables))
        assert store.plan_bindings() == []
    return db


@pytest.mark.parametrize("args", ONE_DISTRICT, ids=lambda a: a[0])
def test_without_a_bound_plan_values_come_without_targets(unbound, args):
    from eduplan.cli.app import app

    res = CliRunner().invoke(app, [*args, "--db", str(unbound)], env=ENV)
    out = ok(res)
    assert "无规划目标" in out
    assert foreign(out) == []  # no fallback to the shipped plan


def test_without_a_bound_plan_indicators_still_computed(unbound):
    from eduplan.cli.app import app

    res = CliRunner().invoke(app, ["indicators", "--format", "json", "--db", str(unbound)], env=ENV)
    v = _district_value(_indicator(js(res), "preschool_gross_enrolment"))
    assert (v["numerator"], v["denominator"]) == (4747, 5019)
    assert v["target"] is None and v["final_target"] is None
