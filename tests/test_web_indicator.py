"""The 指标 pages and API of the web application (eduplan/web/pages/indicator.py, api/indicators.py) on the demo
district: the figures are the CLI's (`eduplan indicators`, `eduplan explain`), the chart carries the series, the
target path and the projection band, the tables and the workbook hold the values, bad input gets a Chinese
answer (never a 500), and a 学校 user sees the district's figures and its own school's only."""

from __future__ import annotations

import html
import json
import re
from io import BytesIO

import pytest
from helpers import cached_cli, cli_json

OWN = "2420104011"  # 武汉市硚口区崇仁路小学
GER = "preschool_gross_enrolment"  # 学前三年毛入园率
PTR = "pupil_teacher_ratio_primary"  # 小学生师比


@pytest.fixture(scope="module")
def cli(demo_store):
    return cached_cli(demo_store)


@pytest.fixture(scope="module")
def staff(web):
    return web.client("staff")


@pytest.fixture(scope="module")
def school(web):
    return web.client("school", school_code=OWN)


@pytest.fixture(scope="module")
def others(web):
    """(code, name) of every school but OWN."""
    return [(s["school_code"], s["school_name"]) for s in web.schools() if s["school_code"] != OWN]


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _table(page: str, table_id: str) -> str:
    m = re.search(rf'<table[^>]*id="{re.escape(table_id)}"[^>]*>(.*?)</table>', page, re.S)
    assert m, f"no table {table_id}"
    return m.group(1)


def _chart(page: str, chart_id: str) -> dict:
    m = re.search(rf'<script type="application/json" id="{re.escape(chart_id)}">(.*?)</script>', page, re.S)
    assert m, f"no chart {chart_id}"
    return json.loads(m.group(1))


def _no_other_school(text: str, others) -> None:
    leaked = [f"{c} {n}" for c, n in others if c in text or (n and n in text)]
    assert not leaked, f"another school appears: {leaked[:5]}"


def test_api_report_is_the_cli_json(staff, cli):
    doc = cli_json(cli("indicators", "--year", "2019", "--format", "json"))
    r = staff.get("/api/v1/indicators?year=2019")
    assert r.status_code == 200
    assert r.json() == doc


def test_api_explain_is_the_cli_json(staff, cli):
    doc = cli_json(cli("explain", GER, "--year", "2019", "--format", "json"))
    r = staff.get(f"/api/v1/explain/{GER}?year=2019")
    assert r.status_code == 200
    assert r.json() == doc
    assert doc["numerator"] == 23495 and doc["denominator"] == 24731


def test_list_page_shows_the_districts_values(staff):
    page = staff.get("/indicators?year=2019")
    assert page.status_code == 200
    row = re.search(rf'<tr data-indicator="{GER}">(.*?)</tr>', _table(page.text, "indicators-plan"), re.S).group(1)
    assert "95.0%" in row and "≥98.5%（2020 年目标）" in row and 'class="st-ok"' in row  # 按计划
    other = _table(page.text, "indicators-other")
    assert f'data-indicator="{PTR}"' in other and "15.4:1" in other  # 小学生师比: not a plan indicator


def test_detail_chart_has_series_path_targets_and_projection(staff):
    page = staff.get(f"/indicators/{GER}?year=2019")
    assert page.status_code == 200
    option = _chart(page.text, "chart-series")
    years = option["xAxis"]["data"]
    assert years[0] == "2016" and years[-1] == "2025"
    series = {s["name"]: s for s in option["series"]}
    actual = series["实际值"]["data"]
    assert actual[years.index("2019")] == pytest.approx(95.002224, abs=1e-6)  # 23,495 ÷ 24,731 × 100
    assert series["目标路径"]["data"][years.index("2019")] == 95.0  # the plan's 2019 baseline
    assert sorted(map(tuple, series["规划目标"]["data"])) == [("2020", 98.5), ("2025", 99.0)]
    band = [s for s in option["series"] if s["name"] == "外推区间"]
    assert len(band) == 2 and band[0]["stack"] == band[1]["stack"]
    lo = band[0]["data"][years.index("2025")]
    assert lo + band[1]["data"][years.index("2025")] > series["外推"]["data"][years.index("2025")] > lo
    assert option["tooltip"]["valueFormatter"] == "fmt:1:%"


def test_detail_tables_by_zone_and_school(staff):
    page = staff.get(f"/indicators/{GER}?year=2019").text
    zones = _text(_table(page, "table-zone"))
    for name in ("古田组团", "宝丰组团", "汉正组团", "长丰组团", "韩家墩组团", "汉水桥组团"):
        assert name in zones
    assert "韩家墩组团 162.3% 6,758 4,163" in zones  # the explain's contribution of QK05
    ptr = staff.get(f"/indicators/{PTR}?year=2019").text
    schools = _text(_table(ptr, "table-school"))
    assert "2420104011 武汉市硚口区崇仁路小学" in schools


def test_explain_page_names_terms_batches_and_contributions(staff, cli):
    doc = cli_json(cli("explain", GER, "--year", "2019", "--format", "json"))
    page = staff.get(f"/indicators/{GER}/explain?year=2019")
    assert page.status_code == 200
    text = _text(page.text)
    assert "在园幼儿数（含全部年龄） ÷ 3–5 岁常住人口 × 100" in text
    assert "分子（合计 23,495）" in text and "分母（合计 24,731）" in text
    batch = doc["numerator_terms"][0]["batches"][0]
    assert f"导入批次 #{batch['batch_id']} 分年级学生数.xlsx（{batch['rows']} 行，示范区（eduplan demo），{batch['imported_at']}）" in text
    contrib = _text(_table(page.text, "explain-contributions"))
    assert "韩家墩组团（QK05） 6,758 4,163 162.3% 28.8%" in contrib


def test_xlsx_download_has_the_values(staff):
    from openpyxl import load_workbook

    r = staff.get(f"/indicators/{GER}/xlsx?year=2019")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(r.content))
    assert wb.sheetnames[:3] == ["区", "学区组团", "学校"]
    rows = [[c.value for c in row] for row in wb["区"].iter_rows()]
    total = [row for row in rows if row[0] == "学前三年毛入园率" and row[4] in (None, "")]
    assert total and total[0][5] == 0.95  # 95.0 % written as the fraction Excel shows with %
    zones = {row[2] for row in wb["学区组团"].iter_rows(values_only=True)}
    assert {"QK01", "QK06"} <= zones


def test_bad_input_gets_a_chinese_answer(staff):
    r = staff.get("/api/v1/indicators/no_such_indicator")
    assert r.status_code == 404 and r.json() == {"detail": "没有该指标：请从指标列表中选择"}
    r = staff.get("/api/v1/indicators?year=3000")
    assert r.status_code == 422 and r.json()["detail"][0]["msg"] == "参数 year 太大"
    r = staff.get("/api/v1/indicators?year=1950")
    assert r.status_code == 404 and r.json() == {"detail": "库中没有 1950 年的数据（有数据的年度：2016–2025）"}
    r = staff.get(f"/api/v1/explain/{GER}?unit={OWN}")  # a rate not computed for a school
    assert r.status_code == 400 and "不在学校层级计算" in r.json()["detail"]
    assert staff.get("/api/v1/indicators/%3Cscript%3E").status_code == 422
    assert staff.get(f"/api/v1/indicators/{GER}?unit=NOPE").status_code == 404
    page = staff.get(f"/indicators/{GER}?year=1950")
    assert page.status_code == 200 and "库中没有 1950 年的数据" in page.text
    assert staff.get("/indicators/nope").status_code == 404


def test_school_user_sees_its_own_school_and_the_district_only(school, others):
    page = school.get(f"/indicators/{PTR}?year=2019")
    assert page.status_code == 200
    text = _text(page.text)
    assert "2420104011 武汉市硚口区崇仁路小学" in _text(_table(page.text, "table-school"))
    assert 'id="table-zone"' not in page.text  # a 学区 row can be one school's figure
    _no_other_school(text, others)
    for url in ("/indicators?year=2019", f"/indicators/{PTR}/explain?year=2019", f"/indicators/{GER}/explain?year=2019",
                "/api/v1/indicators?year=2019", f"/api/v1/indicators/{PTR}?year=2019",
                f"/api/v1/explain/{PTR}?year=2019", f"/api/v1/indicators/{PTR}?year=2019&unit={OWN}"):
        r = school.get(url)
        assert r.status_code == 200, url
        _no_other_school(html.unescape(r.text), others)
    listed = school.get("/indicators?year=2019").text
    row = re.search(rf'<tr data-indicator="{PTR}">(.*?)</tr>', listed, re.S).group(1)
    assert _text(row).split()[:4] == ["小学生师比", ":1", "15.4:1", "13.6:1"]  # the district's, then 2,146 ÷ 158
    rows = school.get(f"/api/v1/indicators/{PTR}?year=2019").json()["rows"]
    assert {(r["unit_type"], r["unit_code"]) for r in rows} == {("district", "420104"), ("school", OWN)}


def test_school_user_cannot_ask_for_another_unit(school, others):
    code = others[0][0]
    for url in (f"/indicators/{PTR}?unit={code}", f"/indicators/{PTR}?unit=QK01", f"/api/v1/indicators/{PTR}?unit={code}",
                f"/api/v1/explain/{PTR}?unit={code}", f"/indicators/{PTR}/explain?unit=QK01"):
        r = school.get(url)
        assert r.status_code == 404, url
        assert code not in r.text
    r = school.get(f"/indicators/{GER}/xlsx?year=2019")
    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(r.content))
    assert [row for row in wb["学区组团"].iter_rows(min_row=4, values_only=True) if any(row)] == []


def test_anonymous_is_sent_to_login(web):
    c = web.client(None)
    r = c.get("/indicators")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert c.get("/api/v1/indicators").status_code == 401
