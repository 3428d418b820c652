"""The 含待审核数据 switch of the web application (eduplan.web.state, pages/switch.py): off by default; a bureau user
turns it on with a cookie, every figure page then computes with the pending submissions applied (and says so),
nothing of them is stored, the public page never shows them, a school user cannot turn it on."""

from __future__ import annotations

import re
from datetime import date

import pytest

from eduplan import collection as c
from eduplan.ingest.template import write_workbook
from eduplan.model import TABLES_BY_NAME
from web_fixtures import make_web

BANNER = 'data-testid="pending-banner"'


@pytest.fixture(scope="module")
def app(demo_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pending")
    w = make_web(folder, demo_store)
    with w.state.writing() as store:
        last = store.one("SELECT max(year) FROM enrolment")[0]
        code = store.one("SELECT min(school_code) FROM enrolment WHERE year = ?", [last])[0]
        rows = store.dicts("SELECT * FROM enrolment WHERE school_code = ? AND year = ?", [code, last])
        for r in rows:
            r["year"] = last + 1
        path = write_workbook(TABLES_BY_NAME["enrolment"], folder / "分年级学生数.xlsx", rows)
        rid = c.open_round(store, c.Actor("t", "staff"), last + 1, ["enrolment"], date(last + 1, 10, 31))
        assert c.submit(store, c.Actor("s", "school", code), rid, [path]).accepted
    w.code, w.year = code, last + 1
    yield w
    w.close()


def years_of(html: str) -> list[int]:
    head = re.search(r"<thead><tr><th>项目</th><th>计量单位</th>(.*?)</tr></thead>", html, re.S).group(1)
    return [int(y) for y in re.findall(r'<th class="num">(\d{4})</th>', head)]


def test_figures_include_pending_submissions_only_when_switched_on(app):
    staff = app.client("staff")
    page = staff.get(f"/schools/{app.code}")
    assert page.status_code == 200 and BANNER not in page.text
    assert app.year not in years_of(page.text)  # approved data only: no row of the pending year
    assert "含待审核数据（1 份）" in page.text  # the switch, with the number waiting
    r = staff.post("/figures/pending", data={"csrf": staff.csrf, "on": "true", "next": f"/schools/{app.code}"})
    assert r.status_code == 303 and r.headers["location"] == f"/schools/{app.code}"
    page = staff.get(f"/schools/{app.code}")
    assert BANNER in page.text and "本页数字包含 1 份尚未审核的采集提交" in page.text
    assert years_of(page.text)[-1] == app.year  # the pending year's figures are shown
    public = staff.get("/")
    assert BANNER not in public.text  # never on the public page
    with app.state.reading() as store:
        assert store.one("SELECT count(*) FROM enrolment WHERE year = ?", [app.year])[0] == 0  # nothing stored
    staff.post("/figures/pending", data={"csrf": staff.csrf, "next": f"/schools/{app.code}"})
    page = staff.get(f"/schools/{app.code}")
    assert BANNER not in page.text and app.year not in years_of(page.text)


def test_a_school_user_has_no_switch_and_its_cookie_is_ignored(app):
    school = app.client("school", school_code=app.code)
    assert school.post("/figures/pending", data={"csrf": school.csrf, "on": "true"}).status_code == 403
    school.cookies.set("eduplan_pending", "1")
    page = school.get(f"/schools/{app.code}")
    assert BANNER not in page.text and app.year not in years_of(page.text)
    assert 'data-testid="pending-switch"' not in page.text


def test_the_switch_only_goes_back_to_this_site(app):
    staff = app.client("staff")
    r = staff.post("/figures/pending", data={"csrf": staff.csrf, "on": "true", "next": "//evil.example/x"})
    assert r.headers["location"] == "/overview"


def test_the_overview_workbook_says_it_includes_pending_data(app):
    import io

    import openpyxl

    staff = app.client("staff")
    staff.post("/figures/pending", data={"csrf": staff.csrf, "on": "true", "next": "/overview"})
    r = staff.get("/overview/xlsx")
    assert r.status_code == 200 and "%E5%90%AB%E5%BE%85%E5%AE%A1%E6%A0%B8%E6%95%B0%E6%8D%AE" in \
        r.headers["content-disposition"]  # …-含待审核数据.xlsx
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert ws["A1"].value == f"{app.year} 年 规划指标监测（含待审核数据）（区）"  # the pending year is the latest
    assert "含待审核数据：包含 1 份尚未审核的采集提交，不是正式数据" in ws["A2"].value
    staff.post("/figures/pending", data={"csrf": staff.csrf, "next": "/overview"})
    ws = openpyxl.load_workbook(io.BytesIO(staff.get("/overview/xlsx").content)).worksheets[0]
    assert "含待审核数据" not in ws["A1"].value + ws["A2"].value


def test_the_collection_page_with_submissions_waiting_does_not_claim_pending_figures(app):
    """The 数据采集 page lists the submissions waiting; that list once took the banner's place in the page context,
    so the banner said 含待审核数据 with the switch off."""
    staff = app.client("staff")
    page = staff.get("/collection")
    assert page.status_code == 200 and 'data-testid="pending"' in page.text  # the waiting list is there …
    assert BANNER not in page.text  # … and the figures are not said to include it
    staff.post("/figures/pending", data={"csrf": staff.csrf, "on": "true", "next": "/collection"})
    assert BANNER in staff.get("/collection").text
