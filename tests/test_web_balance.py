"""The 优质均衡 workspace of the web application (eduplan/web/pages/balance.py, api/balance.py) on the demo
district: the page's figures are the CLI's, the matrix is coloured by the evaluation's own judgement, a judgement
recorded by a 督学 goes through the versioned batch path (history, audit), the planner runs with chosen costs,
caps and budget and its workbook matches the page, and a 学校 user sees no other school."""

from __future__ import annotations

import html
import re
from io import BytesIO

import pytest
from helpers import cached_cli, cli_json
from web_fixtures import make_web

OWN = "2420104011"  # 武汉市硚口区崇仁路小学
BAOFENG = "2420104016"  # 武汉市硚口区宝丰路小学: 5 of 7 at the standard (L3 95.4 %, L7 99.6 %)
YILIE = "2420104021"  # 武汉市硚口区义烈巷小学: L5 5.01 ㎡/生 against 7.5 — 66.8 %, below the 85 % floor


@pytest.fixture(scope="module")
def cli(demo_store):
    return cached_cli(demo_store)


@pytest.fixture(scope="module")
def own(demo_store, tmp_path_factory):
    """An application over this module's own copy of the demo store (judgements and planner runs write)."""
    w = make_web(tmp_path_factory.mktemp("balance-web"), demo_store)
    yield w
    w.close()


def _table(page: str, table_id: str) -> str:
    m = re.search(rf'<table[^>]*id="{re.escape(table_id)}"[^>]*>(.*?)</table>', page, re.S)
    assert m, f"no table {table_id}"
    return m.group(1)


def _cells(row_html: str) -> list[tuple[str, str]]:
    """(class, text) of each <td> of a row."""
    return [(m.group(1) or "", html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).strip())
            for m in re.finditer(r'<td(?: class="([^"]*)")?[^>]*>(.*?)</td>', row_html, re.S)]


def _row(table_html: str, attr: str, value: str) -> list[tuple[str, str]]:
    m = re.search(rf'<tr[^>]*\s{attr}="{re.escape(value)}"[^>]*>(.*?)</tr>', table_html, re.S)
    assert m, f"no row {attr}={value}"
    return _cells(m.group(1))


def test_page_cvs_are_the_cli_json_figures(web, cli):
    doc = cli_json(cli("balance", "--year", "2019", "--format", "json"))
    c = web.client("inspector")
    page = c.get("/balance?year=2019")
    assert page.status_code == 200
    assert "义务教育优质均衡 — 硚口区（420104），2019 年" in page.text
    for level in ("小学", "初中"):
        table = _table(page.text, f"cv-{level}")
        for ind in doc["levels"][level]["indicators"]:
            cells = _row(table, "data-indicator", ind["id"])
            assert cells[4][1] == f"{ind['cv_3dp']:.3f}", (level, ind["id"])
            assert cells[5][1] == f"{ind['threshold']:.2f}"
    composite = re.findall(r'class="cv-composite" data-level="(..)">([0-9.]+)<', page.text)
    # the plan's published 2019 values (docs/balance.md §4): 0.382 / 0.302
    assert composite == [("小学", "0.382"), ("初中", "0.302")]
    assert doc["levels"]["小学"]["composite"]["value_3dp"] == 0.382
    small = _row(_table(page.text, "cv-小学"), "data-indicator", "L5")
    assert small[1][1].startswith("生均体育运动场馆面积") and small[2][1] == "7.50" and small[3][1] == "11.71"


def test_api_is_the_cli_json_for_the_bureau(web, cli):
    doc = cli_json(cli("balance", "--year", "2019", "--format", "json"))
    got = web.client("staff").get("/api/v1/balance?year=2019").json()
    assert got["coefficients"] == doc["coefficients"]
    assert got["levels"]["小学"]["indicators"] == doc["levels"]["小学"]["indicators"]
    assert [s["code"] for s in got["levels"]["初中"]["schools"]] == [s["code"] for s in doc["levels"]["初中"]["schools"]]
    assert got["checklist_summary"] == doc["checklist_summary"]


def test_matrix_is_coloured_against_the_standard_and_the_floor(web):
    page = web.client("inspector").get("/balance?year=2019").text
    matrix = _table(page, "matrix-小学")
    own = _row(matrix, "data-school", OWN)
    # 学校, 学生数, L1…L7, 达标项数, 学校达标
    assert own[0][1] == "武汉市硚口区崇仁路小学" and own[1][1] == "2,146"
    assert own[2] == ("st-ok", "7.36")  # L1 7.36 ≥ 4.2
    assert own[3] == ("st-warn", "0.98")  # L2 0.98 < 1.0 but ≥ 0.85
    assert own[9][1] == "6" and own[10][1] == "达标"
    yilie = _row(matrix, "data-school", YILIE)
    assert yilie[6] == ("st-bad", "5.01")  # L5 5.01 < 0.85 × 7.5 = 6.375
    assert yilie[10][1] == "未达标"
    assert 'style="' not in matrix
    assert f'href="/balance/schools/{YILIE}?year=2019"' in matrix


def test_school_detail_against_the_standard_the_district_and_the_plan(web):
    page = web.client("staff").get(f"/balance/schools/{YILIE}?year=2019")
    assert page.status_code == 200
    assert "武汉市硚口区义烈巷小学（2420104021）— 优质均衡 2019 年" in page.text
    l5 = _row(_table(page.text, "school-小学"), "data-indicator", "L5")
    # 本校, 标准, 占标准, 全区均值, 差距: 1,420 pupils × 7.5 ㎡ − 7,110 ㎡ = 3,540 ㎡
    assert [c[1] for c in l5[1:]] == ["5.01", "7.50", "66.8%", "11.71", "3,540.0 ㎡"]
    assert l5[1][0] == "num st-bad"
    # the default plan's fix here: 85 % of 7.5 ㎡ for 1,420 pupils = 9,052.5 ㎡, i.e. 1,942.5 ㎡ more at 600 元/㎡
    assert "增加体育运动场馆面积" in page.text and "1,942.5 ㎡" in page.text and "1,165,500" in page.text
    api = web.client("staff").get(f"/api/v1/balance/schools/{YILIE}?year=2019").json()
    lv = api["levels"][0]
    assert (lv["level"], lv["compliant"], lv["verdict"]) == ("小学", False, "未达标")
    l5 = next(i for i in lv["indicators"] if i["id"] == "L5")
    assert l5["status"] == "低于标准的85%" and round(l5["gap"], 6) == 3540.0
    assert [(a["kind"], round(a["amount"], 6), round(a["cost"], 2)) for a in api["fixes"]["actions"]] == [
        ("sports_area", 1942.5, 1165500.0)]


def _other_schools(web) -> list[dict]:
    return [s for s in web.schools() if s["school_code"] != OWN]


def test_school_user_sees_the_district_and_only_its_own_school(web):
    c = web.client("school", school_code=OWN)
    others = _other_schools(web)
    assert len(others) > 50
    for url in ("/balance", "/balance?year=2019", f"/balance/schools/{OWN}", f"/balance/schools/{OWN}?year=2019",
                "/api/v1/balance?year=2019", f"/api/v1/balance/schools/{OWN}", "/balance?district=999999"):
        r = c.get(url)
        assert r.status_code == 200, (url, r.status_code)
        for s in others:
            assert s["school_code"] not in r.text, (url, s["school_code"])
            assert s["school_name"] not in r.text, (url, s["school_name"])
    page = c.get("/balance?year=2019").text
    assert "崇仁路小学" in page and "0.382" in page  # its own row, the district's coefficient
    doc = c.get("/api/v1/balance?year=2019").json()
    assert [s["code"] for s in doc["levels"]["小学"]["schools"]] == [OWN]
    assert doc["levels"]["小学"]["school_count"] == 39 and doc["checklist"] is None and doc["excluded"] == []
    for s in others[:20]:
        assert c.get(f"/balance/schools/{s['school_code']}").status_code == 404
        r = c.get(f"/api/v1/balance/schools/{s['school_code']}")
        assert r.status_code == 404 and r.json() == {"detail": "没有找到该学校"}
    for url in ("/balance/checklist", "/balance/planner", "/balance/download.xlsx", "/api/v1/balance/checklist",
                "/balance/checklist/items/G01_layout"):
        assert c.get(url).status_code == 403, url


def test_workbook_is_the_cli_workbook(web):
    import openpyxl

    r = web.client("inspector").get("/balance/download.xlsx?year=2019")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(BytesIO(r.content), read_only=True)
    assert wb.sheetnames == ["概要", "差异系数", "学校", "方差贡献", "检查清单", "说明"]
    rows = [row for row in wb["差异系数"].iter_rows(values_only=True) if row and row[0] == "小学"]
    assert len(rows) == 7


def test_checklist_shows_recorded_judgements(web):
    page = web.client("inspector").get("/balance/checklist?year=2019")
    assert page.status_code == 200
    row = _row(_table(page.text, "checklist"), "data-item", "G14_quota_allocation")
    assert row[2][1] == "未达标"
    assert "2019年中考招生计划及优质高中名额分配方案" in row[4][1]
    assert row[5][1].startswith("示范区（eduplan demo）")
    open_item = _row(_table(page.text, "checklist"), "data-item", "Q09_quality_monitoring")
    assert open_item[2][1] == "待评估" and open_item[5][1].split() == ["—", "录入判定"]
    assert 'method="post" action="/balance/checklist"' in page.text  # a 督学 gets the form
    # “修改判定” fills the form with the item's current judgement
    amend = web.client("inspector").get("/balance/checklist?year=2019&item=G14_quota_allocation").text
    assert '<option value="G14_quota_allocation" selected>' in amend
    assert '<option value="未达标" selected>' in amend and 'name="value" inputmode="decimal" maxlength="20" value="45"' in amend
    staff = web.client("staff").get("/balance/checklist?year=2019").text
    assert 'method="post" action="/balance/checklist"' not in staff  # 规划统计 reads, does not judge


def test_judgement_recorded_amended_with_history_and_audit(own):
    from eduplan.access import audit

    c = own.client("inspector")
    form = {"csrf": c.csrf, "year": "2019", "district": "420104", "item": "G14_quota_allocation", "status": "达标",
            "value": "52.5", "evidence": "2019年优质高中名额分配方案（修订）", "assessor": "区教育督导室 赵", "assessed_on": "2019-12-20",
            "reason": "复核名额分配方案后更正"}
    r = c.post("/balance/checklist", data=form)
    assert r.status_code == 303, r.text[-800:]
    page = c.get(r.headers["location"].split("#")[0]).text
    assert "已保存“政府保障程度第（十四）项”的判定" in page
    row = _row(_table(page, "checklist"), "data-item", "G14_quota_allocation")
    assert row[2][1] == "达标" and "（数值 52.50）" in row[4][1]
    # validated as an imported cell is: full-width brackets read as half-width
    assert "佐证：2019年优质高中名额分配方案(修订)" in row[4][1]
    assert row[5][1].startswith("test-inspector，") and "理由：复核名额分配方案后更正" in row[5][1]
    with own.state.reading() as store:
        versions = store.versions("balance_judgement", {"year": 2019, "area_code": "420104", "item": "G14_quota_allocation"})
        rows = audit.rows(store, action="judgement")
    assert [(v["values"]["passed"], v["values"]["value"], v["current"]) for v in versions] == [
        ("否", 45.0, False), ("是", 52.5, True)]
    assert versions[1]["user_name"] == "test-inspector" and versions[1]["note"] == "复核名额分配方案后更正"
    assert rows[-1]["actor"] == "test-inspector" and rows[-1]["target"] == "G14_quota_allocation"
    assert "复核名额分配方案后更正" in rows[-1]["detail"] and '"passed": "否"' in rows[-1]["detail"]
    hist = c.get("/balance/checklist/items/G14_quota_allocation?year=2019").text
    table = _table(hist, "history")
    assert [_cells(m)[3][1] for m in re.findall(r"<tr data-batch=\"\d+\">(.*?)</tr>", table, re.S)] == ["达标", "未达标"]
    assert "已被批次" in table and "现行" in table
    # the same judgement again: nothing written
    again = c.post("/balance/checklist", data=form)
    assert again.status_code == 200 and "与已记录的相同，未作修改" in again.text
    with own.state.reading() as store:
        assert len(store.versions("balance_judgement", {"year": 2019, "area_code": "420104",
                                                        "item": "G14_quota_allocation"})) == 2


def test_judgement_inputs_are_validated_in_chinese(own):
    c = own.client("inspector")
    base = {"csrf": c.csrf, "year": "2019", "item": "G01_layout", "status": "达标", "evidence": "布局规划", "reason": "复核"}
    cases = [({"item": "X99_nothing"}, "检查清单中没有项目“X99_nothing”"),
             ({"status": "基本达标"}, "结论“基本达标”不可用：只能是“达标”或“未达标”"),
             ({"reason": ""}, "请填写录入或修改的理由"),
             ({"value": "1,0"}, "数值应为不小于 0 的数字"),
             ({"assessed_on": "2019-02-30"}, "列“评估日期”的值“2019-02-30”不是有效日期"),
             ({"value": "20000000"}, "数值应不大于 10000000")]
    for change, message in cases:
        r = c.post("/balance/checklist", data={**base, **change})
        assert r.status_code == 400, change
        assert message in html.unescape(r.text), (change, r.text[-1500:])
    r = c.post("/balance/checklist", data={**base, "year": "1999"})
    assert r.status_code == 400 and "没有 1999 年的在校生数据" in r.text
    staff = own.client("staff")
    assert staff.post("/balance/checklist", data={**base, "csrf": staff.csrf}).status_code == 403
    assert c.post("/balance/checklist", data={k: v for k, v in base.items() if k != "csrf"}).status_code == 403


def test_judgement_by_api_with_a_bearer_token(own):
    from eduplan import access

    own.user("inspector")
    with own.state.reading() as store:
        user = access.get_user(store, "test-inspector")
        _, secret = access.create_token(store, user, "测试脚本")
    c = own.client(None)
    body = {"year": 2019, "item": "Q09_quality_monitoring", "status": "达标", "value": 0.12,
            "evidence": "2019年义务教育质量监测报告", "reason": "监测报告到达"}
    r = c.post("/api/v1/balance/judgements", json=body, headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["item"], got["status"], got["changed"], got["checklist_status"], got["versions"]) == (
        "Q09_quality_monitoring", "达标", True, "达标", 1)
    items = {i["id"]: i for i in own.client("staff").get("/api/v1/balance/checklist?year=2019").json()["items"]}
    assert items["Q09_quality_monitoring"]["recorded_by"] == "test-inspector"
    assert items["Q09_quality_monitoring"]["reason"] == "监测报告到达"
    data_item = c.post("/api/v1/balance/judgements", headers={"Authorization": f"Bearer {secret}"}, json={
        **body, "item": "G04_school_size", "evidence": "规模核查表", "reason": "核查"}).json()
    # 2019: 崇仁路小学 2,146 and 第十七初级中学 2,047 pupils above 2,000 — the data decides, whatever was judged
    assert data_item["checklist_status"] == "未达标"
    assert data_item["message"].endswith("；此项由数据判定，数据齐全时以数据为准，判定只在数据缺失时采用")
    bad = c.post("/api/v1/balance/judgements", json={**body, "status": "待评估"},
                 headers={"Authorization": f"Bearer {secret}"})
    assert bad.status_code == 400 and "结论“待评估”不可用" in bad.json()["detail"]


def test_planner_with_costs_caps_and_budget_and_its_workbook(own):
    import openpyxl
    from eduplan.access import audit

    c = own.client("staff")
    form = {"csrf": c.csrf, "year": "2019", "cost_sports_area": "800", "school_caps": f"{BAOFENG} 多媒体教室=0",
            "budget": "5000000", "time_limit": "10"}
    r = c.post("/balance/planner", data=form)
    assert r.status_code == 200, r.text[-1000:]
    total = re.search(r'<strong id="plan-total">([0-9,]+)</strong>', r.text).group(1)
    # 宝丰路小学 may not add a multimedia room: one PE/arts teacher (150,000) instead; 1 backbone teacher (170,000),
    # 2 rooms (120,000) and 9,166.17 ㎡ of sports area at 800 元/㎡ (7,332,936): 7,772,936 元
    assert total == "7,772,936"
    assert "超出预算 5,000,000 元：还差 2,772,936 元" in r.text
    actions = _table(r.text, "plan-actions")
    rows = [[t for _, t in _cells(row)] for row in re.findall(r"<tr>(.*?)</tr>", actions, re.S)][1:]  # no header
    assert rows[-1] == ["合计", total]
    assert ["武汉市硚口区宝丰路小学", "小学", "增加体育艺术专任教师（小学）", "1 人", "150,000"] in rows
    assert ["武汉市硚口区义烈巷小学", "全校", "增加体育运动场馆面积", "1,942.5 ㎡", "1,554,000"] in rows
    assert len(rows) == 8 and not [row for row in rows[:-1] if "宝丰路小学" in row[0] and "多媒体" in row[2]]
    assert f"{BAOFENG} 多媒体教室=0" in r.text  # the form keeps what was typed
    link = html.unescape(re.search(r'href="(/balance/planner\.xlsx\?[^"]+)"', r.text).group(1))
    x = c.get(link)
    assert x.status_code == 200
    wb = openpyxl.load_workbook(BytesIO(x.content), read_only=True)
    assert "改进方案" in wb.sheetnames
    sheet_rows = list(wb["改进方案"].iter_rows(values_only=True))
    total_row = next(row for row in sheet_rows if row and "合计" in row)
    assert f"{round(total_row[total_row.index('合计') + 1]):,}" == total
    with own.state.reading() as store:
        runs = audit.rows(store, action="planner_run")
    assert runs and runs[-1]["actor"] == "test-staff" and '"sports_area": 800.0' in runs[-1]["detail"]
    hits = own.state.hits
    assert c.post("/balance/planner", data=form).status_code == 200
    assert own.state.hits > hits  # the same parameters: the cached plan
    api = c.post("/api/v1/balance/planner", headers={"X-CSRF-Token": c.csrf}, json={
        "year": 2019, "unit_costs": {"sports_area": 800}, "caps": [{"school": BAOFENG, "multimedia_rooms": 0}],
        "budget": 5e6})
    assert api.status_code == 200
    assert f"{round(api.json()['total_cost']):,}" == total and api.json()["within_budget"] is False


def test_planner_without_a_plan_under_the_caps_names_the_school(own):
    c = own.client("staff")
    r = c.post("/balance/planner", data={"csrf": c.csrf, "year": "2019", "school_caps": "武汉市硚口区义烈巷小学 体育场馆=0"})
    assert r.status_code == 200
    assert ("在设定的增加上限下没有可行方案：武汉市硚口区义烈巷小学（小学）的 L5 生均体育运动场馆面积 在增加上限内无法达到标准的 85%"
            in html.unescape(r.text))
    assert 'id="plan-total"' not in r.text


def test_planner_inputs_are_bounded_and_chinese(own):
    c = own.client("staff")
    base = {"csrf": c.csrf, "year": "2019"}
    for change, message in [({"cost_teacher": "abc"}, "单位成本“高于规定学历专任教师（元/人·年）”应为不小于 0 的数字"),
                            ({"time_limit": "600"}, "求解时限应不大于 30"),
                            ({"school_caps": "nobody 体育场馆=0"}, "nobody 不是本区 2019 年参评的学校"),
                            ({"school_caps": f"{YILIE} 土地=0"}, "不认识的项目“土地”"),
                            ({"cap_teachers": "1.5"}, "应为整数")]:
        r = c.post("/balance/planner", data={**base, **change})
        assert r.status_code == 400, change
        assert message in html.unescape(r.text), (change, r.text[-1500:])
    api = c.post("/api/v1/balance/planner", headers={"X-CSRF-Token": c.csrf}, json={"time_limit": 3600})
    assert api.status_code == 422
    assert own.client("school", school_code=OWN).post("/api/v1/balance/planner", json={}).status_code == 403


def test_api_errors_are_json_not_500(web):
    c = web.client("staff")
    assert c.get("/api/v1/balance?year=1999").json() == {
        "detail": "硚口区（420104） 没有 1999 年的在校生数据（已有：2016–2025 年）"}
    assert c.get("/api/v1/balance?district=江湾区").status_code == 400
    assert c.get("/api/v1/balance?year=99999").status_code == 422
    assert c.get("/api/v1/balance/schools/..%2F..").status_code in (404, 422)
    assert c.get("/api/v1/balance/schools/9999999999").status_code == 404


@pytest.fixture(scope="module")
def two(demo_store, tmp_path_factory):
    """An application over the demo store with 江湾区 (420188, its own plan) added as a user adds a district."""
    import shutil

    import jiangwan as jw
    from web_fixtures import Web

    from eduplan.plan.binding import use_plan
    from eduplan.store import Store

    folder = tmp_path_factory.mktemp("balance-two")
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


def test_two_districts_each_evaluated_apart(two):
    from eduplan.balance import evaluate_store
    from eduplan.plan.scope import one_scope

    c = two.client("inspector")
    page = c.get("/balance")  # several districts: a selector; 江湾区 by name or code
    assert page.status_code == 200
    assert '<option value="420188">江湾区（420188）</option>' in page.text
    doc = c.get("/api/v1/balance?district=江湾区").json()
    year = doc["year"]
    with two.state.reading() as store:
        want = evaluate_store(store, year, scope=one_scope(store, "420188"))
    assert doc["district"]["district_code"] == "420188"
    assert doc["coefficients"] == want.coefficients
    codes = {s.code for lr in want.levels.values() for s in lr.schools}
    assert {s["code"] for lv in doc["levels"].values() for s in lv["schools"]} == codes
    assert not [s for s in codes if s.startswith("2420104")]
    page = c.get(f"/balance?district=420188&year={year}")
    assert f"义务教育优质均衡 — 江湾区（420188），{year} 年" in page.text
    assert "武汉市硚口区" not in page.text
    # a judgement is recorded for the district asked, not the other one
    r = c.post("/balance/checklist", data={"csrf": c.csrf, "year": str(year), "district": "420188",
                                           "item": "G01_layout", "status": "未达标", "evidence": "布局规划未批复",
                                           "reason": "江湾区督导"})
    assert r.status_code == 303 and "district=420188" in r.headers["location"]
    with two.state.reading() as store:
        got = store.run("SELECT area_code, passed FROM balance_judgement WHERE item = 'G01_layout' AND year = ?", [year])
    assert ("420188", "否") in got and ("420104", "否") not in got
    # a 江湾区 school's user is shown 江湾区 whatever it asks for
    school = sorted(codes)[0]
    s = two.client("school", school_code=school)
    page = s.get("/balance?district=420104")
    assert page.status_code == 200 and "江湾区（420188）" in page.text and "硚口区" not in page.text
