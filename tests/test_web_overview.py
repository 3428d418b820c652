"""The 总览 page (eduplan/web/pages/overview.py) on the demo district: each plan indicator's card shows the
CLI's value, target and status with a sparkline of its years; a 学区 shows that 学区's figures; the plan's goals
and task tree link the indicators that measure them; the workbook is the CLI's; only bureau roles may see it;
the start-up warm-up computes the latest year once."""

from __future__ import annotations

import html
import json
import re
from io import BytesIO

import pytest
from helpers import cached_cli, cli_json

GER = "preschool_gross_enrolment"  # 学前三年毛入园率


@pytest.fixture(scope="module")
def cli(demo_store):
    return cached_cli(demo_store)


@pytest.fixture(scope="module")
def staff(web):
    return web.client("staff")


def _cards(page: str) -> dict[str, list[str]]:
    """indicator id → the card(s) of the page (HTML)."""
    out: dict[str, list[str]] = {}
    for m in re.finditer(r'<div class="card [^"]*" data-indicator="([^"]+)">(.*?)\n  </div>', page, re.S):
        out.setdefault(m.group(1), []).append(m.group(2))
    return out


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def test_cards_show_the_cli_values(staff, cli):
    from eduplan.sheets import style_for

    doc = cli_json(cli("indicators", "--year", "2019", "--format", "json"))
    page = staff.get("/overview?year=2019")
    assert page.status_code == 200
    cards = _cards(page.text)
    plan = [i for i in doc["indicators"] if i["in_plan"]]
    assert set(cards) == {i["id"] for i in plan}
    for ind in plan:
        total = [e for e in ind["values"] if e["unit_type"] == "district" and e["breakdown"] is None]
        if total and total[0]["value"] is not None:
            shown = re.search(r"data-value>([^<]*)<", cards[ind["id"]][0]).group(1)
            assert shown.startswith(style_for(ind["unit"]).text(total[0]["value"])), ind["id"]
    ger = _text(cards[GER][0])
    assert ger.startswith("学前三年毛入园率 95.0% 目标 ≥98.5%（2020 年目标） 按计划")
    assert 'class="card st-ok"' in page.text
    # the balance coefficient: one card per 学段 the plan sets a target for
    assert [_text(c).split(" ")[0] for c in cards["compulsory_balance_coefficient"]] == [
        "义务教育优质均衡系数（初中）", "义务教育优质均衡系数（小学）"]
    assert "本年度未导入上报值" in _text(cards["education_funding_gdp_share"][0])  # no data: said why


def test_card_sparkline_holds_the_years_up_to_the_chosen_one(staff):
    page = staff.get("/overview?year=2019").text
    card = _cards(page)[GER][0]
    spark_id = re.search(r'data-chart="(spark-\d+)"', card).group(1)
    spec = json.loads(re.search(rf'id="{spark_id}">(.*?)</script>', page, re.S).group(1))
    assert spec["years"] == [2016, 2017, 2018, 2019]
    assert spec["data"][-1] == pytest.approx(95.002224, abs=1e-6)
    assert spec["target"] == 99.0  # the final target, as a dashed line


def test_zone_cards_are_the_zones_figures(staff, cli):
    doc = cli_json(cli("indicators", "--year", "2019", "--unit", "QK05", "--format", "json"))
    ger = next(i for i in doc["indicators"] if i["id"] == GER)
    value = next(e["value"] for e in ger["values"] if e["breakdown"] is None)
    page = staff.get("/overview?year=2019&zone=QK05")
    assert page.status_code == 200
    assert "规划监测总览 · 韩家墩组团 · 2019 年" in _text(page.text)
    assert value == pytest.approx(162.33485, abs=1e-4)
    assert _text(_cards(page.text)[GER][0]).startswith("学前三年毛入园率 162.3%")
    assert staff.get("/overview?zone=QK99").status_code == 404
    whole = staff.get("/overview?year=2019&zone=")  # the form's 全区
    assert whole.status_code == 200 and "规划监测总览 · 硚口区 · 2019 年" in _text(whole.text)


def test_plan_texts_and_task_tree_link_the_indicators(staff):
    page = staff.get("/overview?year=2019").text
    plan = page[page.index('id="plan"'):]
    text = _text(plan)
    assert "规划期 2021—2025；征求意见稿；基年 2019 年" in text
    assert "⑵ 切实推进“五育”并举，突出德育实效" in text
    task = plan[plan.index("提供公益普惠优质安全的学前教育"):plan.index("发展优质均衡的义务教育")]
    assert '<a href="/indicators/inclusive_kindergarten_share?year=2019">' in task
    assert "保持在 80%以上（2025 年）" in _text(task) and "已达成" in _text(task)
    assert "㈣ 建立督导评测长效机制" in text  # safeguards


def test_xlsx_is_the_cli_workbook(staff, cli, tmp_path):
    from openpyxl import load_workbook

    r = staff.get("/overview/xlsx?year=2019")
    assert r.status_code == 200
    web_wb = load_workbook(BytesIO(r.content))
    out = tmp_path / "cli.xlsx"
    res = cli("indicators", "--year", "2019", "--format", "xlsx", "--output", str(out))
    assert res.exit_code == 0, res.output
    cli_wb = load_workbook(out)
    assert web_wb.sheetnames == cli_wb.sheetnames
    for name in ("区", "学区组团", "学校", "指标说明"):
        web_rows = list(web_wb[name].iter_rows(min_row=3, values_only=True))  # row 2: provenance (database name)
        cli_rows = list(cli_wb[name].iter_rows(min_row=3, values_only=True))
        assert web_rows == cli_rows, name
    ger = [row for row in web_wb["区"].iter_rows(values_only=True) if row[0] == "学前三年毛入园率" and not row[4]]
    assert ger[0][5] == 0.95


def test_only_bureau_roles(web):
    for role in ("admin", "inspector"):
        assert web.client(role).get("/overview?year=2019").status_code == 200
    assert web.client("school", school_code="2420104011").get("/overview").status_code == 403
    assert web.client("school", school_code="2420104011").get("/overview/xlsx").status_code == 403
    r = web.client(None).get("/overview")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Foverview"


def test_year_without_data(staff):
    page = staff.get("/overview?year=1950")
    assert page.status_code == 200 and "库中没有 1950 年的数据" in page.text
    assert staff.get("/overview?year=99999").status_code == 400
    r = staff.get("/overview/xlsx?year=1950")
    assert r.status_code == 404 and "有数据的年度：2016–2025" in html.unescape(r.text)


def test_warm_computes_the_latest_year_once(web):
    from eduplan.web.pages import indicator as ind_data
    from eduplan.web.pages.overview import warm

    state = web.state
    warm(state)
    misses = state.misses
    scope = ind_data.all_scopes(state)[0]
    rep = ind_data.report(state, scope, 2025)
    ind_data.series_index(state, scope)
    warm(state)
    assert state.misses == misses  # nothing computed again
    assert web.client("staff").get("/overview").status_code == 200
    assert state.misses == misses  # the default page: all of it computed by the warm-up
    assert rep["year"] == 2025 and rep is ind_data.report(state, scope, 2025)


@pytest.fixture(scope="module")
def two(demo_store, tmp_path_factory):
    """An application over the demo store with 江湾区 (420188, its own plan) added."""
    import shutil

    import jiangwan as jw
    from web_fixtures import Web

    from eduplan.plan.binding import use_plan
    from eduplan.store import Store

    folder = tmp_path_factory.mktemp("two-web")
    db = folder / "two.duckdb"
    shutil.copy(demo_store, db)
    projects = ("重点项目库", "项目新增学位", "项目进展", "项目资金", "新建住宅项目")
    paths = [p for p in jw.write_sources(folder / "jiangwan") if p.stem not in projects]
    with Store(db) as s:
        jw.import_sources(s, paths)
        use_plan(s, jw.PLAN, jw.USER)
    w = Web(db)
    yield w
    w.close()


def test_two_districts_each_against_its_own_plan(two):
    from eduplan.sheets import style_for

    c = two.client("staff")
    page = c.get("/overview")  # several districts: the first with a bound plan, and a selector
    assert page.status_code == 200
    assert '<option value="420188">江湾区（420188）</option>' in page.text
    page = c.get("/overview?district=420188&year=2024")
    assert page.status_code == 200
    assert "规划监测总览 · 江湾区 · 2024 年" in _text(page.text)
    doc = c.get("/api/v1/indicators?district=江湾区&year=2024").json()
    assert doc["district"]["district_code"] == "420188" and doc["plan"] != "qiaokou-2021-2025"
    ger = next(i for i in doc["indicators"] if i["id"] == GER)
    total = next(e for e in ger["values"] if e["unit_type"] == "district" and e["breakdown"] is None)
    card = _text(_cards(page.text)[GER][0])
    assert card.startswith(f"学前三年毛入园率 {style_for('%').text(total['value'])}")
    assert {e["unit_code"] for e in ger["values"] if e["unit_type"] == "zone"} == {"JW1", "JW2", "JW3", "JW4"}
    # a 学区 of the other district is not a unit of this one
    assert c.get(f"/indicators/{GER}?district=420104&unit=JW1").status_code == 404
    assert c.get("/overview?district=420104&zone=JW1").status_code == 404
    assert c.get("/overview?district=420999").status_code == 404


def test_a_district_without_a_plan_shows_every_indicator_with_a_value(demo_store, tmp_path):
    """No plan bound (the binding removed from a copy): a card for each indicator with a value, 无规划目标."""
    import shutil

    from web_fixtures import Web

    from eduplan.store import Store

    db = tmp_path / "noplan.duckdb"
    shutil.copy(demo_store, db)
    with Store(db) as s:
        s.run("DELETE FROM plan_binding")
    w = Web(db)
    try:
        page = w.client("staff").get("/overview?year=2019")
        assert page.status_code == 200
        assert "规划：未绑定规划：显示有数值的全部监测指标，无规划目标" in _text(page.text)
        cards = _cards(page.text)
        ptr = _text(cards["pupil_teacher_ratio_primary"][0])  # not a plan indicator: shown now
        assert ptr.startswith("小学生师比 15.4:1 无规划目标")
        assert _text(cards[GER][0]).startswith("学前三年毛入园率 95.0% 无规划目标")
        assert "compulsory_retention_rate" not in cards  # no value in 2019
        assert 'class="card st-none"' in page.text and "st-ok" not in "".join(c for v in cards.values() for c in v)
    finally:
        w.close()
