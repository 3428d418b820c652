"""A school's own view (eduplan/web/pages/school.py, api/schools.py) on the demo district: the page and the
API give what `eduplan school` gives; a 学校 user reaches its own school only — another school's page is a 404
that says nothing about it — and the register lists its own school alone."""

from __future__ import annotations

import html
import re
from io import BytesIO

import pytest
from helpers import cached_cli, cli_json

OWN = "2420104011"  # 武汉市硚口区崇仁路小学
OTHER = "2420104001"  # 武汉市第十一中学


@pytest.fixture(scope="module")
def cli(demo_store):
    return cached_cli(demo_store)


@pytest.fixture(scope="module")
def school(web):
    return web.client("school", school_code=OWN)


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_page_shows_the_cli_profile(web, cli):
    doc = cli_json(cli("school", OTHER, "--format", "json"))
    page = web.client("inspector").get(f"/schools/{OTHER}")
    assert page.status_code == 200
    text = _text(page.text)
    assert "武汉市第十一中学（2420104001）" in text
    assert "办学类型 高级中学 办学性质 公办" in text and "学区：汉正组团（QK03，2016–至今）" in text
    pupils = next(f for f in doc["figures"] if f["key"] == "pupils")["values"]
    assert pupils["2019"] == 2034
    assert "在校生 人 1,805 1,861 1,935 2,034" in text
    ratio = next(i for i in doc["indicators"] if i["id"] == "pupil_teacher_ratio_senior")
    assert ratio["values"]["2019"] == pytest.approx(2034 / 183)
    assert "普通高中生师比 （:1） 11.1:1 11.1:1 11.1:1 11.1:1" in text
    district = web.client("staff").get("/api/v1/indicators?year=2025").json()
    senior = next(i for i in district["indicators"] if i["id"] == "pupil_teacher_ratio_senior")
    total = next(e["value"] for e in senior["values"] if e["unit_type"] == "district" and e["breakdown"] is None)
    row = re.search(r'<tr data-indicator="pupil_teacher_ratio_senior">(.*?)</tr>', page.text, re.S).group(1)
    assert _text(row).strip().endswith(f"{total:.1f}:1")  # the district's 2025 value beside the school's years
    assert "/balance/schools/" not in page.text and "不参加义务教育优质均衡评估" in text  # a 高级中学
    assert f'href="/balance/schools/{OWN}"' in web.client("inspector").get(f"/schools/{OWN}").text


def test_api_profile_is_the_cli_json(web, cli):
    doc = cli_json(cli("school", OWN, "--format", "json"))
    r = web.client("staff").get(f"/api/v1/schools/{OWN}")
    assert r.status_code == 200
    assert r.json() == doc


def test_api_register(web, cli):
    doc = cli_json(cli("schools", "--format", "json"))
    r = web.client("admin").get("/api/v1/schools")
    assert r.status_code == 200
    assert r.json() == doc and doc["count"] == 153


def test_school_user_sees_its_own_school_only(school, web):
    assert school.get(f"/schools/{OWN}").status_code == 200
    names = {s["school_code"]: s["school_name"] for s in web.schools()}
    for url in (f"/schools/{OTHER}", f"/schools/{OTHER}/xlsx", f"/api/v1/schools/{OTHER}", "/schools/9999999999"):
        r = school.get(url)
        assert r.status_code == 404, url
        assert OTHER not in r.text and names[OTHER] not in r.text
    r = school.get("/api/v1/schools")
    assert r.json()["count"] == 1 and r.json()["schools"][0]["school_code"] == OWN
    # the same answer for a school that exists and one that does not: nothing is confirmed
    assert school.get(f"/api/v1/schools/{OTHER}").json() == school.get("/api/v1/schools/9999999999").json()


def test_xlsx_has_the_yearly_figures(school):
    from openpyxl import load_workbook

    r = school.get(f"/schools/{OWN}/xlsx")
    assert r.status_code == 200
    wb = load_workbook(BytesIO(r.content))
    assert wb.sheetnames[:2] == ["逐年数据", "学校层级指标"]
    rows = list(wb["逐年数据"].iter_rows(values_only=True))
    header = rows[2]
    assert header[:2] == ("年度", "在校生")
    by_year = {row[0]: row for row in rows[3:] if isinstance(row[0], int)}
    p = school.get(f"/api/v1/schools/{OWN}").json()
    pupils = next(f for f in p["figures"] if f["key"] == "pupils")["values"]
    assert by_year[2019][1] == pupils["2019"]


def test_bad_codes(web):
    staff = web.client("staff")
    assert staff.get("/schools/9999999999").status_code == 404
    assert staff.get("/api/v1/schools/9999999999").json() == {"detail": "没有找到该学校"}
    assert staff.get("/api/v1/schools/%27%3B--").status_code == 422
    assert staff.get("/api/v1/schools/" + "1" * 41).status_code == 422
