"""The public progress page (公开，规划进展发布) at `/` and its JSON twin /api/v1/public: what an anonymous visitor
sees — the district's plan indicators against their targets, the year's progress text — and what they must never
see: a school's code or name, or a figure computed from fewer than `web.small_cell_threshold` pupils or teachers."""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path

import pytest

from helpers import SMALL, cli_json, eduplan, write_small

K = "2420104003"  # SMALL's kindergarten: the only 学前 pupils of the hand-made district


def _text(page: str) -> str:
    """The page's visible text (tags and JSON blocks removed, entities decoded)."""
    page = re.sub(r'<script type="application/json".*?</script>', " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _card(page: str, indicator: str) -> str:
    m = re.search(rf'<article class="card[^"]*" data-indicator="{indicator}">(.*?)</article>', page, flags=re.S)
    assert m, f"no card for {indicator}"
    return _text(m.group(1)).strip()


@pytest.fixture(scope="module")
def cli_report(demo_store: Path) -> dict:
    return cli_json(eduplan("indicators", "--format", "json", "--db", demo_store))


def _district_value(rep: dict, iid: str) -> float:
    ind = next(i for i in rep["indicators"] if i["id"] == iid)
    return next(e["value"] for e in ind["values"] if e["unit_type"] == "district" and e["breakdown"] is None)


def test_public_page_shows_the_district_figure_of_the_command_line(web, cli_report):
    c = web.client(None)
    r = c.get("/")
    assert r.status_code == 200
    value = _district_value(cli_report, "preschool_gross_enrolment")
    card = _card(r.text, "preschool_gross_enrolment")
    assert card.startswith(f"学前三年毛入园率 {value:,.2f} %"), card
    assert f"{cli_report['year']} 年" in _text(r.text)
    assert "硚口区教育事业发展“十四·五”规划（2021—2025）" in _text(r.text)
    assert "规划期 2021—2025 年" in _text(r.text)


def test_progress_text_counts_the_statuses_of_the_plan_indicators(web, cli_report):
    statuses = []
    for ind in cli_report["indicators"]:
        if not ind["in_plan"] or ind["kind"] == "qualitative":
            continue
        entries = [e for e in ind["values"] if e["unit_type"] == "district"]
        total = [e for e in entries if e["breakdown"] is None and e["value"] is not None]
        levels = [e for e in entries if ind["kind"] == "external" and e["breakdown"]
                  and e["breakdown"]["dimension"] == "level"]
        shown = total or levels or [None]
        statuses += [e["status"] if e else None for e in shown]
    done, off = statuses.count("已达成"), statuses.count("偏离")
    assert done and off  # the demo has both
    text = _text(web.client(None).get("/").text)
    words = [f"{done} 项已达成目标"]
    if statuses.count("按计划"):
        words.append(f"{statuses.count('按计划')} 项按计划推进")
    if statuses.count("有风险"):
        words.append(f"{statuses.count('有风险')} 项有未达目标的风险")
    words.append(f"{off} 项偏离规划路径")
    assert f"跟踪 {len(statuses)} 项量化指标：" + "，".join(words) + "。" in text


def test_public_page_names_no_school(web):
    page = web.client(None).get("/").text
    schools = web.schools()
    assert len(schools) > 100
    for s in schools:
        assert s["school_code"] not in page, s
        assert s["school_name"] not in page, s
    assert not re.search(r"\b\d{10}\b", page)


def test_public_page_has_no_inline_script_and_no_login_link_needed(web):
    page = web.client(None).get("/").text
    for tag in re.findall(r"<script[^>]*>", page):
        assert 'type="application/json"' in tag or "src=" in tag, tag
    assert ' on' not in "".join(re.findall(r"<[a-z]+ [^>]*>", page)).replace(" one", "")


def test_public_api_equals_the_page(web, cli_report):
    r = web.client(None).get("/api/v1/public")
    assert r.status_code == 200
    body = r.json()
    assert body["threshold"] == 10
    (d,) = body["districts"]
    assert d["district_code"] == "420104" and d["year"] == cli_report["year"]
    f = next(f for f in d["figures"] if f["id"] == "preschool_gross_enrolment")
    assert f["value"] == _district_value(cli_report, "preschool_gross_enrolment")
    assert f["suppressed"] is False
    assert len(f["series"]) == len(d["years"])
    assert d["progress"][0].startswith(f"{d['year']} 年，硚口区（420104）《")
    s = d["summary"]
    assert s["figures"] == len(d["figures"]) and s["achieved"] + s["off_track"] + s["no_data"] <= s["figures"]
    assert f"跟踪 {s['figures']} 项量化指标：{s['achieved']} 项已达成目标" in d["progress"][0]


def test_public_api_bad_input_is_not_a_500(web):
    c = web.client(None)
    assert c.get("/api/v1/public?year=abc").status_code == 422
    assert c.get("/api/v1/public?year=1800").status_code == 422
    r = c.get("/api/v1/public?district=999999")
    assert r.status_code == 400 and "数据库中没有区“999999”" in r.json()["detail"]
    assert c.get("/api/v1/public?district=%27%3B--").status_code == 422
    r = c.get("/api/v1/public?year=1900")
    assert r.status_code == 200
    assert all(f["value"] is None for f in r.json()["districts"][0]["figures"])


# ------------------------------------------------------------------ small-cell suppression on a hand-made store

def _hand_store(folder: Path, kindergarten_pupils: int) -> Path:
    """SMALL (hand-made 硚口区, 2019) with the kindergarten's K1 of `kindergarten_pupils`, the demo's plan bound."""
    from eduplan.ingest import import_files
    from eduplan.plan.binding import use_plan
    from eduplan.store import Store

    data = copy.deepcopy(SMALL)
    for r in data["enrolment"]:
        if r["school_code"] == K:
            r.update(classes=1, male=kindergarten_pupils // 2, female=kindergarten_pupils - kindergarten_pupils // 2,
                     pupils=kindergarten_pupils)
    src = folder / "src"
    src.mkdir()
    paths = write_small(src, data)
    db = folder / "hand.duckdb"
    with Store(db) as s:
        use_plan(s, "qiaokou-2021-2025", "测试")
        report = import_files(s, paths, user="测试")
        assert report.ok, [i.text() for i in report.errors[:5]]
    return db


@pytest.mark.parametrize("pupils, shown", [(9, None), (10, "3.21")])
def test_figure_from_fewer_than_ten_pupils_is_not_published(tmp_path, pupils, shown):
    from web_fixtures import Web

    # 学前三年毛入园率 = kindergarten pupils ÷ 3–5-year-olds (103 + 104 + 105 = 312) × 100
    web = Web(_hand_store(tmp_path, pupils))
    try:
        c = web.client(None)
        page = c.get("/").text
        card = _card(page, "preschool_gross_enrolment")
        api = c.get("/api/v1/public").json()["districts"][0]
        f = next(f for f in api["figures"] if f["id"] == "preschool_gross_enrolment")
        share = _card(page, "education_expenditure_share")  # no person count: 218.5 ÷ 1000 × 100
        assert share.startswith("公共财政教育支出占公共财政支出的比例 21.85 %"), share
        if shown is None:
            assert card == ("学前三年毛入园率 数据过少，不公布 目标 ≥98.5（2020 年目标） "
                            "由少于 10 名学生的数据算出，数据过少，不公布（小数抑制）"), card
            assert "2.88" not in page  # 9 ÷ 312 × 100
            assert f["value"] is None and f["suppressed"] is True and f["series"] == [None]
            assert f["suppressed_reason"] == "由少于 10 名学生的数据算出，数据过少，不公布（小数抑制）"
            assert "3 项因所依据的学生或教师人数过少不予公布" in _text(page)
            # 普惠性幼儿园覆盖率 rests on the same 9 pupils (numerator and denominator)
            assert "数据过少，不公布" in _card(page, "inclusive_kindergarten_share")
        else:
            assert card.startswith(f"学前三年毛入园率 {shown} %"), card
            assert f["value"] == pytest.approx(1000 / 312) and f["suppressed"] is False
            assert "1 项因所依据的学生或教师人数过少不予公布" in _text(page)  # the 高中 one below
        # no 高中 or 中职 pupil in the district: 高中阶段教育毛入学率 (0 %) rests on 0 pupils
        assert "数据过少，不公布" in _card(page, "upper_secondary_gross_enrolment")
        # a 学段 breakdown is never shown for a computed indicator (one 九年一贯制 school would be its own row)
        assert "智慧教室学校普及率（" not in page
    finally:
        web.close()


def test_persons_of_a_figure_are_read_from_the_declaration():
    from eduplan.indicators import IndicatorSettings, load_definitions
    from eduplan.web.pages.public import person_groups

    defs = load_definitions(IndicatorSettings())

    def groups(iid):
        return [(side, kind, [t.label for t in terms]) for side, kind, terms in person_groups(defs.get(iid))]

    assert groups("preschool_gross_enrolment") == [("分子", "学生", ["在园幼儿数（含全部年龄）"])]
    assert groups("pupil_teacher_ratio_primary") == [("分子", "学生", ["小学在校生"]), ("分母", "教师", ["小学专任教师"])]
    assert groups("senior_teacher_postgraduate_share") == [("分子", "教师", ["高中研究生学历专任教师"]),
                                                           ("分母", "教师", ["高中专任教师"])]
    assert groups("large_class_share_primary") == []  # classes, not persons
    assert groups("bandwidth_per_class") == []
    # the staff of an 编制缺口 are counted although their coefficient is negative
    assert groups("staffing_gap_primary") == [("分子", "学生", ["按 1:19.0 应有教职工"]), ("分子", "教师", ["现有教职工"])]
    # the cohort: the persons counted are the positive terms, not the transfers in and deaths that correct them
    retention = groups("compulsory_retention_rate")
    assert retention[0][:2] == ("分子", "学生") and "一年级学年转入" not in retention[0][2]
    assert retention[1] == ("分母", "学生", ["该年级入小学一年级时（8 年前）的学生数"])


def test_an_empty_store_has_nothing_to_publish_yet(tmp_path):
    from eduplan.store import Store
    from web_fixtures import Web

    db = tmp_path / "empty.duckdb"
    Store(db).close()
    web = Web(db)
    try:
        c = web.client(None)
        r = c.get("/")
        assert r.status_code == 200 and "暂无可发布的数据。" in _text(r.text)
        assert c.get("/api/v1/public").json() == {"threshold": 10, "districts": []}
    finally:
        web.close()


def test_two_districts_each_with_its_own_plan(demo_store, tmp_path):
    """The demo (硚口区) and 江湾区 (its own plan) in one store: one section each, or one chosen."""
    import shutil

    from eduplan.plan.binding import use_plan
    from eduplan.store import Store
    from jiangwan import PLAN, USER, import_sources, write_sources
    from web_fixtures import Web

    db = tmp_path / "two.duckdb"
    shutil.copy(demo_store, db)
    [district] = write_sources(tmp_path / "jw", tables=("district",))
    rest = [p for p in write_sources(tmp_path / "jw") if p != district]
    with Store(db) as store:
        import_sources(store, [district])
        use_plan(store, PLAN, USER)
        import_sources(store, rest)
    web = Web(db)
    try:
        c = web.client(None)
        page = c.get("/").text
        assert re.search(r"<h1>规划进展发布：硚口区、江湾区</h1>", page)
        assert 'id="district-420104"' in page and 'id="district-420188"' in page
        for s in web.schools():
            assert s["school_code"] not in page and s["school_name"] not in page
        api = c.get("/api/v1/public").json()["districts"]
        assert [(d["district_code"], d["plan"]["id"]) for d in api] == [("420104", "qiaokou-2021-2025"),
                                                                         ("420188", "jiangwan-2026-2030")]
        one = c.get("/?district=420188").text
        assert "<h1>江湾区规划进展发布</h1>" in one and 'id="district-420104"' not in one
        assert api[1]["progress"][0].startswith(f"{api[1]['year']} 年，江湾区（420188）《")
    finally:
        web.close()
