"""The web application in a real browser: Playwright driving Debian's Chromium (headless) against a live
`eduplan serve` over a copy of the demo store with the demo users (tests/web_live.py).

Every page opened here is also held to two things a browser alone can show: it makes no request to any other
host (each is intercepted, recorded and refused), and it logs no console error (a Content-Security-Policy
violation, a script error or a failed load is one). Checked: signing in through the login form as each role;
the charts drawn on 总览, 指标, 优质均衡, 学位与工程 (a canvas with painted pixels in every [data-chart]); an
upload with one bad cell on the 数据 page listing that cell's file, sheet, row, column and rule; a 学校 user kept
from another school (404, none of its name); the public page without login (district indicators, charts, no
sideways scrolling on a phone).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.demo]

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
BUREAU_LANDING = "/overview"
ROLE_LABELS = {"admin": "管理员", "staff": "规划统计", "inspector": "督学", "school": "学校"}

# Evaluated in the page: for each [data-chart] element, whether it holds a canvas with painted pixels.
PAINTED = """() => Array.from(document.querySelectorAll('[data-chart]')).map(el => {
  const canvases = Array.from(el.querySelectorAll('canvas'));
  let painted = 0;
  for (const c of canvases) {
    if (!c.width || !c.height) continue;
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
  }
  const source = document.getElementById(el.getAttribute('data-chart'));
  let spec = null;
  try { spec = JSON.parse(source.textContent); } catch (e) {}
  const data = Array.isArray(spec) ? spec : (spec && !spec.series && spec.data) || null;
  return {id: el.getAttribute('data-chart'), cls: el.className, canvases: canvases.length, painted: painted,
          missing: el.classList.contains('chart-missing') ? el.textContent : null,
          empty: el.classList.contains('chart-empty') ? el.textContent : null,
          numbers: data ? data.filter(v => typeof v === 'number').length : null};
})"""


def undrawn(charts: list[dict]) -> list[dict]:
    """The charts not drawn: no canvas or nothing painted — except a sparkline whose data holds no number at
    all, which must say 无数据 instead."""
    return [c for c in charts
            if c["missing"] or (c["empty"] is not None and (c["empty"] != "无数据" or c["numbers"] != 0))
            or (c["empty"] is None and (c["canvases"] == 0 or c["painted"] == 0))]
CHARTS_SETTLED = """() => Array.from(document.querySelectorAll('[data-chart]')).every(
  el => el.getAttribute('data-chart-ready') === '1' || el.classList.contains('chart-missing'))"""


class Watched:
    """A page with what it did wrong: requests to other hosts, console errors, uncaught exceptions."""

    def __init__(self, page, origin: str):
        self.page = page
        self.origin = origin
        self.foreign: list[str] = []
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

    def goto(self, path: str):
        return self.page.goto(self.origin + path, wait_until="load")

    def clean(self) -> dict[str, list[str]]:
        return {"requests to other hosts": self.foreign, "console errors": self.errors}

    def assert_clean(self) -> None:
        assert self.clean() == {"requests to other hosts": [], "console errors": []}


@pytest.fixture
def open_page(browser, web_server):
    """open_page(role=None, school_code=None, viewport=DESKTOP) → a Watched page, signed in through the
    login form when a role is given. Every request to another host is refused and recorded."""
    contexts = []

    def make(role: str | None = None, school_code: str | None = None, viewport: dict = DESKTOP) -> Watched:
        context = browser.new_context(viewport=viewport, locale="zh-CN", reduced_motion="reduce",
                                      service_workers="block")
        contexts.append(context)
        page = context.new_page()
        watched = Watched(page, web_server.url)

        def guard(route):
            if route.request.url.startswith(web_server.url + "/") or route.request.url.startswith("data:"):
                route.continue_()
            else:
                watched.foreign.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        if role is not None:
            sign_in(watched, *web_server.credentials(role, school_code))
        return watched

    yield make
    for context in contexts:
        context.close()


def sign_in(watched: Watched, username: str, password: str, expect_success: bool = True) -> None:
    page = watched.page
    watched.goto("/login")
    form = page.locator('form[action="/login"]')
    form.locator('input[name="username"]').fill(username)
    form.locator('input[name="password"]').fill(password)
    with page.expect_navigation(wait_until="load"):
        form.locator('button[type="submit"]').click()
    if expect_success and urlsplit(page.url).path == "/login":
        raise AssertionError(f"signing in as {username} failed: {page.locator('main').inner_text()[:500]}")


def charts_on(watched: Watched) -> list[dict]:
    watched.page.wait_for_function(CHARTS_SETTLED, timeout=30_000)
    return watched.page.evaluate(PAINTED)


def landing(web_server, role: str) -> str:
    if role == "school":
        return f"/schools/{web_server.user('school')['school_code']}"
    return BUREAU_LANDING


def school_names(demo_sources: Path) -> dict[str, str]:
    """学校标识码 → 学校名称, from the demo's source file (the store the server holds is locked by it)."""
    import openpyxl

    book = openpyxl.load_workbook(demo_sources / "学校基本信息.xlsx", read_only=True)
    try:
        rows = book["学校基本信息"].iter_rows(min_row=2, values_only=True)
        return {str(r[0]): r[1] for r in rows if r[0]}
    finally:
        book.close()


# ------------------------------------------------------------------ signing in

@pytest.mark.parametrize("role", ["admin", "staff", "inspector", "school"])
def test_sign_in_through_the_form_as_each_role(open_page, web_server, demo_sources, role):
    watched = open_page(role)
    page = watched.page
    assert page.url == web_server.url + landing(web_server, role)
    menu = page.locator(".usermenu").inner_text().splitlines()
    assert menu[0].endswith(f"（{ROLE_LABELS[role]}）") and len(menu[0]) > len(ROLE_LABELS[role]) + 2
    if role == "school":  # a school user is shown by its school's name
        names = school_names(demo_sources)
        assert menu[0] == f"{names[web_server.user('school')['school_code']]}（学校）"
    assert page.locator('form[action="/logout"] button[type="submit"]').inner_text() == "退出"
    watched.assert_clean()


def test_wrong_password_stays_on_the_form_with_a_chinese_message(open_page, web_server):
    watched = open_page()
    sign_in(watched, web_server.user("staff")["username"], "not-the-password", expect_success=False)
    page = watched.page
    assert page.url == web_server.url + "/login"
    assert page.locator('[role="alert"]').inner_text().strip() != ""
    assert re.search(r"[\u4e00-\u9fff]", page.locator('[role="alert"]').inner_text())
    assert page.locator(".usermenu").inner_text().strip() == "登录"
    watched.errors = [e for e in watched.errors if "401" not in e]  # the refused sign-in answers 401
    watched.assert_clean()


# ------------------------------------------------------------------ 总览 and the other chart pages: the charts are drawn

CHART_PAGES = [("staff", "/overview"), ("inspector", "/overview"), ("staff", "/indicators/preschool_gross_enrolment"),
               ("inspector", "/balance"), ("staff", "/places"), ("staff", "/projects")]


@pytest.mark.parametrize("role, path", CHART_PAGES, ids=[f"{r}{p}" for r, p in CHART_PAGES])
def test_charts_are_drawn(open_page, role, path):
    watched = open_page(role)
    response = watched.goto(path)
    assert response.status == 200
    charts = charts_on(watched)
    assert charts, f"{path} has no [data-chart] element"
    assert undrawn(charts) == []
    assert sum(1 for c in charts if c["painted"]) >= 1
    watched.assert_clean()


# ------------------------------------------------------------------ 数据: an upload with one bad cell

BAD_FILE, BAD_SHEET, BAD_ROW, BAD_COLUMN, BAD_VALUE = "办学条件.xlsx", "办学条件", 7, "图书（册）", "八万册"


def test_upload_with_a_bad_cell_shows_its_row_and_column(open_page, demo_sources, tmp_path):
    import openpyxl

    broken = tmp_path / BAD_FILE
    shutil.copyfile(demo_sources / BAD_FILE, broken)
    book = openpyxl.load_workbook(broken)
    sheet = book[BAD_SHEET]
    column = next(c.column for c in sheet[1] if c.value == BAD_COLUMN)
    sheet.cell(row=BAD_ROW, column=column).value = BAD_VALUE
    book.save(broken)

    watched = open_page("staff")
    assert watched.goto("/data").status == 200
    page = watched.page
    assert page.url == watched.origin + "/data"
    form = page.locator("form#upload-form")
    form.locator('input[type="file"]').set_input_files(str(broken))
    with page.expect_navigation(wait_until="load"):
        form.locator('button[type="submit"]').click()
    table = page.locator("table#import-errors")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    rows = [dict(zip(headers, (c.strip() for c in r.locator("td").all_inner_texts())))
            for r in table.locator("tbody tr").all()]
    shown = [{k: r.get(k) for k in ("文件", "工作表", "行", "列", "值")} for r in rows]
    said = page.locator("main").inner_text()[:3000]
    assert {"文件": BAD_FILE, "工作表": BAD_SHEET, "行": str(BAD_ROW), "列": BAD_COLUMN, "值": BAD_VALUE} in shown, said
    assert len(rows) == 1, rows  # the one broken cell, nothing else
    assert rows[0]["规则"] == "必填，整数，0–10000000"  # the rule of 图书（册）, as the import report words it
    report = page.locator('a[href^="/data/reports/"]').first.get_attribute("href")
    download = page.request.get(watched.origin + report)  # the 问题清单 xlsx, as the CLI writes it
    assert download.status == 200 and download.body()[:2] == b"PK"
    watched.assert_clean()


# ------------------------------------------------------------------ a school sees only itself

def test_school_user_cannot_reach_another_school(open_page, web_server, demo_sources):
    names = school_names(demo_sources)
    own = web_server.user("school")["school_code"]
    other = next(code for code in sorted(names) if code != own and names[code] not in names[own])
    watched = open_page("school", own)
    page = watched.page

    mine = watched.goto(f"/schools/{own}")
    assert mine.status == 200
    assert names[own] in page.content()

    response = watched.goto(f"/schools/{other}")
    assert response.status == 404
    assert names[other] not in page.content()
    assert other not in page.locator("main").inner_text()
    watched.errors = [e for e in watched.errors if "404" not in e]  # the refused page itself answers 404
    watched.assert_clean()


# ------------------------------------------------------------------ the public page

def _plan_indicator_ids() -> set[str]:
    from eduplan.indicators import load_definitions

    return {i.id for i in load_definitions().indicators}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_public_page_without_login(open_page, viewport):
    watched = open_page(viewport=viewport)
    response = watched.goto("/")
    page = watched.page
    assert response.status == 200
    assert page.url.endswith("/")  # not sent to the login page
    assert "硚口区" in page.locator("h1").first.inner_text()
    ids = page.locator("[data-indicator]").evaluate_all("els => els.map(e => e.getAttribute('data-indicator'))")
    assert ids, "the public page shows no [data-indicator] element"
    assert set(ids) <= _plan_indicator_ids()
    charts = charts_on(watched)
    assert undrawn(charts) == []
    assert sum(1 for c in charts if c["painted"]) >= 1
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways at {viewport['width']} px: {width}"
    assert page.locator('a[href="/login"]').count() >= 1
    watched.assert_clean()


# ------------------------------------------------------------------ static/app.js: filter, auto-submit, confirmation

def test_table_filter_keeps_the_matching_rows(open_page, web_server):
    watched = open_page("admin")
    assert watched.goto("/admin/users").status == 200
    page = watched.page
    total = page.locator("#users-table tbody tr").count()
    assert total == len(web_server.users)
    code = web_server.user("school")["school_code"]
    page.locator('input[data-filter-table="users-table"]').fill(code)
    visible = page.locator("#users-table tbody tr:not([hidden])")
    assert visible.count() == 1
    assert visible.first.get_attribute("data-user") == web_server.user("school")["username"]
    page.locator('input[data-filter-table="users-table"]').fill("")
    assert page.locator("#users-table tbody tr:not([hidden])").count() == total
    watched.assert_clean()


def test_choosing_a_year_reloads_the_page_for_it(open_page):
    watched = open_page("staff")
    assert watched.goto("/overview").status == 200
    page = watched.page
    with page.expect_navigation(wait_until="load"):
        page.locator('select[name="year"]').select_option("2020")
    assert urlsplit(page.url).query == "year=2020"  # the 学区 at 全区 (empty) is left out of the URL
    assert page.locator("h1").inner_text().endswith("· 2020 年")
    watched.assert_clean()


def test_a_confirmation_refused_sends_nothing(open_page):
    watched = open_page("inspector")
    page = watched.page
    assert watched.goto("/account").status == 200
    form = page.locator('form[action="/account/tokens"]')
    form.locator('input[name="name"]').fill("浏览器测试令牌")
    with page.expect_navigation(wait_until="load"):
        form.locator('button[type="submit"]').click()
    row = page.locator("table.data tbody tr", has_text="浏览器测试令牌")
    assert row.count() == 1 and "有效" in row.inner_text()
    asked: list[str] = []

    def refuse(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)
    row.locator('button[type="submit"]').click()
    page.wait_for_timeout(500)  # a submission would have navigated by now
    assert asked == ["吊销令牌“浏览器测试令牌”？使用它的脚本将无法再调用接口"]
    watched.goto("/account")
    assert "有效" in page.locator("table.data tbody tr", has_text="浏览器测试令牌").inner_text()

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation(wait_until="load"):
        page.locator("table.data tbody tr", has_text="浏览器测试令牌").locator('button[type="submit"]').click()
    assert "已吊销" in page.locator("table.data tbody tr", has_text="浏览器测试令牌").inner_text()
    watched.assert_clean()
