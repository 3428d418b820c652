"""The 学位与工程 pages and their API: the /places figures are `eduplan forecast --format json`'s, the project page
and its 年度建设清单 are `eduplan projects`'s, both download as the CLI's workbooks; bad parameters get Chinese
answers; the results are computed once per data version."""

from __future__ import annotations

import io
import json
import re
from html import unescape

import openpyxl
import pytest
from typer.testing import CliRunner

from eduplan.cli.app import app

runner = CliRunner()


def cli(demo_store, *args: str) -> dict:
    res = runner.invoke(app, [*args, "--format", "json", "--db", str(demo_store)])
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def bureau(web):
    return web.client("inspector")


@pytest.fixture(scope="module")
def forecast_doc(demo_store):
    return cli(demo_store, "forecast", "--scenario", "births-low")


def _row(html: str, scenario: str, area: str, level: str, year: int) -> list[str]:
    m = re.search(rf'<tr data-area="{area}" data-level="{level}" data-year="{year}" data-scenario="{scenario}">(.*?)</tr>',
                  html, re.S)
    assert m, (scenario, area, level, year)
    return [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", m.group(1), re.S)]


def _cli_row(doc: dict, scenario: str, area: str, level: str, year: int) -> dict:
    part = doc["baseline"] if scenario == "baseline" else doc["scenarios"][scenario]
    return next(r for r in part["gap"] if (r["area"], r["level"], r["year"]) == (area, level, year))


def test_places_figures_are_the_forecast_commands(bureau, forecast_doc):
    r = bureau.get("/places", params={"scenario": "births-low", "year": 2028})
    assert r.status_code == 200
    assert 'data-chart="places-chart-0"' in r.text
    for scenario in ("baseline", "births-low"):
        cells = _row(r.text, scenario, "QK05", "初中", 2028)
        want = _cli_row(forecast_doc, scenario, "QK05", "初中", 2028)
        # 情景, 学区, 学段, 年度, 需求, 现有学位, 项目学位, 可用学位, 缺口, 缺位, 无学位儿童
        assert cells[1:4] == ["QK05 韩家墩组团", "初中", "2028"]
        assert cells[4:] == [f"{want[k]:,}" for k in ("need", "existing", "project_places", "available", "gap",
                                                      "shortage", "unplaced")]
    assert _row(r.text, "baseline", "QK05", "初中", 2028)[4] == "5,279"
    # only the year asked for
    assert 'data-year="2027"' not in r.text


def test_district_charts_add_up_the_zones(bureau, forecast_doc):
    r = bureau.get("/places")
    options = {json.loads(unescape(m.group(2)))["title"]["text"]: json.loads(unescape(m.group(2)))
               for m in re.finditer(r'<script type="application/json" id="(places-chart-\d)">(.*?)</script>', r.text, re.S)}
    assert sorted(options) == ["初中：学位需求与可用学位（全区，各学区合计）", "学前：学位需求与可用学位（全区，各学区合计）",
                               "小学：学位需求与可用学位（全区，各学区合计）", "高中：学位需求与可用学位（全区）"]
    junior = options["初中：学位需求与可用学位（全区，各学区合计）"]
    i = junior["xAxis"]["data"].index("2028")
    zones = [g for g in forecast_doc["baseline"]["gap"] if g["level"] == "初中" and g["year"] == 2028]
    assert len(zones) == 6
    assert junior["series"][0]["name"] == "需求·基准情景"
    assert junior["series"][0]["data"][i] == sum(g["need"] for g in zones)
    assert junior["series"][1]["data"][i] == sum(g["available"] for g in zones)
    senior = options["高中：学位需求与可用学位（全区）"]
    row = _cli_row(forecast_doc, "baseline", "420104", "高中", 2028)
    assert senior["series"][0]["data"][senior["xAxis"]["data"].index("2028")] == row["need"]


def test_forecast_api_matches_the_command(bureau, forecast_doc):
    doc = bureau.get("/api/v1/forecast", params={"scenario": "出生低方案", "year": 2028}).json()
    assert [s["id"] for s in doc["scenarios"]] == ["baseline", "births-low"]
    assert doc["base_year"] == forecast_doc["base_year"]
    for s in doc["scenarios"]:
        assert {r["year"] for r in s["gap"]} == {2028}
        row = next(r for r in s["gap"] if (r["area"], r["level"]) == ("QK05", "初中"))
        want = _cli_row(forecast_doc, s["id"], "QK05", "初中", 2028)
        assert {k: row[k] for k in ("need", "available", "unplaced")} == {k: want[k] for k in ("need", "available", "unplaced")}
    assert doc["comparison"][0]["scenario"] == "births-low"


def test_a_project_delay_is_offered_and_kept_as_chosen(bureau, demo_store):
    page = bureau.get("/places")
    offered = re.findall(r'<option value="(delay-[^"]+)">', page.text)
    assert "delay-sch_nanyuanfang_extension-2y" in offered
    r = bureau.get("/places", params={"scenario": "delay-sch_nanyuanfang_extension-2y", "year": 2027})
    assert r.status_code == 200
    assert re.search(r'<input type="checkbox" name="scenario" value="delay-sch_nanyuanfang_extension-2y" checked>', r.text)
    doc = cli(demo_store, "forecast", "--scenario", "delay-sch_nanyuanfang_extension-2y", "--year", "2027")
    want = _cli_row(doc, "delay-sch_nanyuanfang_extension-2y", "QK06", "小学", 2027)
    cells = _row(r.text, "delay-sch_nanyuanfang_extension-2y", "QK06", "小学", 2027)
    assert cells[0] == "sch_nanyuanfang_extension 推迟 2 年"
    assert cells[4:8] == [f"{want[k]:,}" for k in ("need", "existing", "project_places", "available")]


def test_places_workbook_is_the_commands(bureau):
    x = bureau.get("/places.xlsx", params={"scenario": "births-low"})
    assert x.status_code == 200
    names = openpyxl.load_workbook(io.BytesIO(x.content), read_only=True).sheetnames
    assert "学位缺口汇总" in names and "学位缺口汇总（出生低方案）" in names


def test_bad_scenarios_and_dates_get_chinese_answers(bureau):
    r = bureau.get("/places", params={"scenario": "没有这个情景"})
    assert r.status_code == 400 and "情景" in unescape(r.text)
    r = bureau.get("/api/v1/forecast", params={"scenario": "delay-sch_rongchuang_zongguan-99y"})
    assert r.status_code == 400 and r.json()["detail"] == "情景“delay-sch_rongchuang_zongguan-99y”：推迟年数应在 1–30 年之间"
    r = bureau.get("/api/v1/forecast", params={"scenario": "delay-nosuchproject-2y"})
    assert r.status_code == 400 and "不在重点项目库中" in r.json()["detail"]
    r = bureau.get("/api/v1/projects", params={"as_of": "2024-02-30"})
    assert r.status_code == 400 and r.json()["detail"] == "核查日期应为 YYYY-MM-DD 格式的日期（当前值：2024-02-30）"
    r = bureau.get("/projects", params={"year": "12"})
    assert r.status_code == 400


def test_projects_page_is_the_commands_list_as_of_the_date_given(bureau, demo_store):
    doc = cli(demo_store, "projects", "--year", "2023", "--as-of", "2024-01-01")
    r = bureau.get("/projects", params={"year": 2023, "as_of": "2024-01-01"})
    assert r.status_code == 200
    text = unescape(r.text)
    assert f"2023 年度建设清单（{len(doc['annual_list'])} 项" in text
    listed = re.findall(r'<tr data-project="([^"]+)">', re.search(r'id="annual-list".*?</table>', r.text, re.S).group(0))
    assert listed == [a["project_id"] for a in doc["annual_list"]]
    funds = [f["message"] for f in doc["findings"] if f["code"].startswith("funds")]
    assert funds == ["硚口区十七初扩建：超支，累计支出 17,543 万元，超过计划总投资 13,705 万元的 28.0%（预警线 10%）"]
    assert funds[0] in text
    assert 'value="2024-01-01"' in r.text  # the date field shows the date used
    api = bureau.get("/api/v1/projects", params={"year": 2023, "as_of": "2024-01-01"}).json()
    assert [a["project_id"] for a in api["annual_list"]] == listed
    assert [f["message"] for f in api["findings"]] == [f["message"] for f in doc["findings"]]
    x = bureau.get("/projects.xlsx", params={"year": 2023, "as_of": "2024-01-01"})
    assert x.status_code == 200
    assert "年度建设清单" in " ".join(openpyxl.load_workbook(io.BytesIO(x.content), read_only=True).sheetnames)


def test_forecast_is_computed_once_per_data_version(web, bureau):
    bureau.get("/places", params={"scenario": "housing-fast"})
    misses = web.state.misses
    r = bureau.get("/places", params={"scenario": "housing-fast", "year": 2027})
    assert r.status_code == 200
    assert web.state.misses == misses


def test_who_may_see_places_and_projects(web):
    school = web.client("school")
    for url in ("/places", "/projects", "/api/v1/forecast", "/api/v1/projects"):
        assert school.get(url).status_code == 403, url
    assert web.client(None).get("/api/v1/forecast").status_code == 401
    assert web.client("staff").get("/projects").status_code == 200
