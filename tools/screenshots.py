"""Full-page screenshots of the web application's main pages, per role, for a person to look at (`make screenshots`).

Starts `eduplan serve` on 127.0.0.1 over a copy of the store with the demo users (tools/live_server.py, as the
browser tests do), signs in through the login form as each role in Debian's Chromium (headless, 1366×768, no
request to another host let through) and writes `<page>-<role>.png` under the output folder — the pages of the
role's menu plus one detail page of each kind (an indicator, a school's 优质均衡 position, a school's own view) —
and the public page on a phone (390×844, `public-phone.png`). Then it runs one annual collection round (数据采集)
on the copy, as tests/test_web_collection_browser.py does, and shoots each step as `collection-NN-<step>.png`: the
规划统计 user opens a round for the year after the store's last; a 学校 user downloads its pre-filled template,
uploads it with an error (the problems listed), fixes it with a cohort jump and submits; the school's figures
含待审核数据 (the bureau's switch); the review (changed cells highlighted, the quality flag); returned with a comment the school sees; resubmitted, approved and locked; a new
upload refused by the lock; the progress board and the round list; unlocked with a reason, the school may submit
again. `index.md` lists every picture with its address.
The store given is never written: the server works on a copy.

    .venv/bin/python tools/screenshots.py --db out/demo.duckdb --output out/screenshots
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import live_server  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
ROLES = ("admin", "staff", "inspector", "school")
ROLE_LABELS = {"admin": "管理员", "staff": "规划统计", "inspector": "督学", "school": "学校", "anonymous": "公众"}
# one page of each detail kind, found as the first link of its shape on the pages already visited
DETAILS = [("indicator", re.compile(r"^/indicators/[^/?#]+(\?[^#]*)?$")),
           ("balance-position", re.compile(r"^/balance/schools/[^/?#]+(\?[^#]*)?$")),
           ("school", re.compile(r"^/schools/[^/?#]+$")),
           ("project", re.compile(r"^/projects/[^/?#]+(\?[^#]*)?$"))]
CHARTS_SETTLED = """() => Array.from(document.querySelectorAll('[data-chart]')).every(
  el => el.getAttribute('data-chart-ready') === '1' || el.classList.contains('chart-missing'))"""


def slug(path: str) -> str:
    """The file name part of a menu page: / → public, /admin/users → admin-users."""
    return path.strip("/").replace("/", "-") or "public"


class Shooter:
    """Pages of one browser context: navigate, wait for the charts, write the PNG, remember what was written.
    `output` None: nothing is written (a test that shoots only when asked). Requests to other hosts are refused
    and kept in `foreign`; console errors and uncaught page errors in `errors`."""

    def __init__(self, browser, server, output: Path | None, viewport: dict, role: str = ""):
        self.server = server
        self.output = output
        self.role = role
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", reduced_motion="reduce",
                                           service_workers="block", accept_downloads=True)
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._guard)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.written: list[tuple[str, str, int]] = []  # (file, path, HTTP status)

    def _guard(self, route) -> None:
        if route.request.url.startswith(self.server.url + "/") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def sign_in(self, username: str, password: str) -> None:
        self.page.goto(self.server.url + "/login")
        form = self.page.locator('form[action="/login"]')
        form.locator('input[name="username"]').fill(username)
        form.locator('input[name="password"]').fill(password)
        with self.page.expect_navigation(wait_until="load"):
            form.locator('button[type="submit"]').click()
        if urlsplit(self.page.url).path == "/login":
            raise SystemExit(f"screenshots：以 {username} 登录失败：{self.page.locator('main').inner_text()[:300]}")

    def goto(self, path: str):
        """Open `path` (same origin); the response."""
        return self.page.goto(self.server.url + path, wait_until="load")

    def path(self) -> str:
        """The current page's path and query, as a link names it."""
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def snap(self, name: str | None, status: int = 200) -> None:
        """Write the current page as `name` (full page), when there is an output folder and a name."""
        if self.output is None or not name:
            return
        self.page.screenshot(path=str(self.output / name), full_page=True)
        self.written.append((name, self.path(), status))

    def shoot(self, path: str, name: str) -> list[str]:
        """Open `path`, wait for its charts, write `name`; returns the page's same-origin links."""
        response = self.goto(path)
        try:
            self.page.wait_for_function(CHARTS_SETTLED, timeout=30_000)
        except Exception:  # a chart that never settles is visible on the picture itself
            pass
        self.snap(name, response.status if response else 0)
        return self.page.eval_on_selector_all("a[href^='/']", "els => els.map(e => e.getAttribute('href'))")

    def nav(self) -> list[str]:
        return self.page.eval_on_selector_all("nav.mainnav a[href]", "els => els.map(e => e.getAttribute('href'))")

    def close(self) -> None:
        self.context.close()


def shoot_role(browser, server, output: Path, role: str, school_code: str | None = None) -> Shooter:
    shooter = Shooter(browser, server, output, DESKTOP, role)
    shooter.sign_in(*server.credentials(role, school_code))
    links: list[str] = []
    for path in shooter.nav():
        links += shooter.shoot(path, f"{slug(path) if not path.startswith('/schools/') else 'school'}-{role}.png")
    links += shooter.shoot("/account", f"account-{role}.png")
    for kind, shape in DETAILS:
        if any(name.startswith(kind + "-") for name, _, _ in shooter.written):
            continue
        target = next((link for link in links if shape.match(link)), None)
        if target:
            links += shooter.shoot(target, f"{kind}-{role}.png")
    return shooter


# ------------------------------------------------------------------ a collection round (数据采集)

GRADE_ORDER = ["K1", "K2", "K3", "P1", "P2", "P3", "P4", "P5", "P6", "J1", "J2", "J3", "S1", "S2", "S3", "V1", "V2", "V3"]


def table_rows(page, selector: str) -> list[dict[str, str]]:
    """The rows of an HTML table as {header: cell text}, as a reader of the page sees them."""
    table = page.locator(selector)
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    return [dict(zip(headers, (c.strip() for c in r.locator("td").all_inner_texts())))
            for r in table.locator("tbody tr").all()]


def template_rows(path: Path) -> tuple[str, list[dict[str, Any]]]:
    """(data sheet name, its rows as {header: value, "_row": the Excel row}) of a template workbook: the data
    sheet is the first, its header in row 1."""
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=True)
    try:
        sheet = book.worksheets[0]
        headers = [c.value for c in sheet[1]]
        rows = [{**dict(zip(headers, (c.value for c in r))), "_row": r[0].row}
                for r in sheet.iter_rows(min_row=2) if any(c.value is not None for c in r)]
        return sheet.title, rows
    finally:
        book.close()


def edit_workbook(source: Path, target: Path, edits: list[tuple[int, str, Any]]) -> Path:
    """A copy of `source` with cells of its data sheet changed: (Excel row, column header, value) each."""
    import openpyxl

    target.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.load_workbook(source)
    sheet = book.worksheets[0]
    column = {c.value: c.column for c in sheet[1]}
    for row, header, value in edits:
        sheet.cell(row=row, column=column[header]).value = value
    book.save(target)
    book.close()
    return target


def grade_of(row: dict[str, Any]) -> str:
    """A template row's grade code (the cell shows “P3 小学三年级”)."""
    return str(row["年级"]).split()[0]


def cohort_jump_edits(rows: list[dict[str, Any]],
                      grade: str | None = None) -> tuple[list[tuple[int, str, Any]], dict[str, Any]]:
    """Edits that make a pre-filled 分年级学生数 template report a cohort jump (quality rule cohort_jump): `grade`
    (default: the first grade whose lower grade had ≥ 30 pupils last year, the pre-filled value) gets 1.5 × that
    many pupils (+50 %, over the rule's ±30 %), the boys take the difference (男 + 女 = 在校生), and all its
    classes are over the standard size (超标准班额班数 = 班数). Returns (edits, what was changed)."""
    by_grade = {grade_of(r): r for r in rows}
    for lower, upper in zip(GRADE_ORDER, GRADE_ORDER[1:]):
        if lower[0] != upper[0] or lower not in by_grade or upper not in by_grade or grade not in (None, upper):
            continue
        before = by_grade[lower]["在校生数（人）"]
        if isinstance(before, int) and before >= 30:
            row = by_grade[upper]
            pupils = round(before * 1.5)
            male = pupils - row["女生数（人）"]
            edits = [(row["_row"], "在校生数（人）", pupils), (row["_row"], "男生数（人）", male),
                     (row["_row"], "超标准班额班数（个）", row["班数（个）"])]
            return edits, {"grade": upper, "lower": lower, "lower_pupils": before, "pupils": pupils, "male": male,
                           "classes": row["班数（个）"]}
    raise ValueError("模板中没有可用于制造“同届人数跳变”的相邻年级（上一年低一年级 ≥ 30 人）")


class CollectionRound:
    """One collection round driven in the browser through the pages a person uses: `staff` (a 规划统计 user:
    opens the round, reviews, returns, approves, reads the board) and `school` (a 学校 user: downloads its
    pre-filled template, uploads). Each step can write its picture (`shot`: a file name)."""

    def __init__(self, staff: Shooter, school: Shooter, folder: Path):
        self.staff, self.school, self.folder = staff, school, folder

    def open_round(self, year: int, tables: list[str], deadline: date, note: str | None = None,
                   shot: str | None = None) -> int:
        """Fill and send the 开启采集轮次 form on /collection; the new round's id (from the board it leads to)."""
        s = self.staff
        s.goto("/collection")
        form = s.page.locator("form#open-round-form")
        form.locator('[data-testid="round-year"]').fill(str(year))
        for table in tables:
            form.locator(f'[data-testid="round-table-{table}"]').check()
        form.locator('[data-testid="round-deadline"]').fill(deadline.isoformat())
        if note:
            form.locator('[data-testid="round-note"]').fill(note)
        s.snap(shot)
        with s.page.expect_navigation(wait_until="load"):
            form.locator('[data-testid="open-round"]').click()
        m = re.fullmatch(r"/collection/rounds/(\d+)", urlsplit(s.page.url).path)
        if not m:
            raise RuntimeError(f"开启采集轮次失败：{s.page.locator('main').inner_text()[:500]}")
        return int(m.group(1))

    def school_round(self, rid: int):
        """The school's panel of round `rid` on /collection (the page must be open)."""
        return self.school.page.locator(f'[data-testid="round"][data-round="{rid}"]')

    def template(self, rid: int, table: str) -> Path:
        """Download the school's pre-filled template of `table` by its link on /collection; the saved file."""
        s = self.school
        s.goto("/collection")
        link = self.school_round(rid).locator(f'tr[data-table="{table}"] [data-testid="template-link"]')
        with s.page.expect_download() as info:
            link.click()
        download = info.value
        path = self.folder / "templates" / download.suggested_filename
        path.parent.mkdir(parents=True, exist_ok=True)
        download.save_as(path)
        return path

    def upload(self, rid: int, paths: list[Path], shot: str | None = None) -> list[int]:
        """Upload `paths` through the school's form of round `rid`; the submission ids the answer lists ([] when
        the files were refused — the problems are on the page)."""
        s = self.school
        s.goto("/collection")
        form = s.page.locator(f"form#upload-form-{rid}")
        form.locator('input[type="file"]').set_input_files([str(p) for p in paths])
        with s.page.expect_navigation(wait_until="load"):
            form.locator('button[type="submit"]').click()
        s.snap(shot)
        return [int(v) for v in s.page.locator("#new-submissions tr[data-submission]").evaluate_all(
            "els => els.map(e => e.getAttribute('data-submission'))")]

    def review(self, sid: int, shot: str | None = None):
        """The staff's review page of submission `sid`; the response."""
        response = self.staff.goto(f"/collection/submissions/{sid}")
        self.staff.snap(shot)
        return response

    def _decide(self, sid: int, button: str, comment: str | None, comment_field: str, shot: str | None) -> None:
        s = self.staff
        if urlsplit(s.page.url).path != f"/collection/submissions/{sid}":
            self.review(sid)
        if comment is not None:
            s.page.locator(comment_field).fill(comment)
        with s.page.expect_navigation(wait_until="load"):
            s.page.locator(f'[data-testid="{button}"]').click()
        s.snap(shot)

    def return_(self, sid: int, comment: str, shot: str | None = None) -> None:
        """Return submission `sid` to the school with `comment` (the review page's 退回 form)."""
        self._decide(sid, "return", comment, '[data-testid="return-comment"]', shot)

    def approve(self, sid: int, comment: str | None = None, shot: str | None = None) -> None:
        """Approve submission `sid` (the review page's 审核通过 form)."""
        self._decide(sid, "approve", comment, '[data-testid="approve-form"] textarea[name="comment"]', shot)

    def unlock(self, sid: int, reason: str, shot: str | None = None) -> None:
        """Unlock the data approved with submission `sid` (its review page's 解锁 form, with `reason`)."""
        s = self.staff
        if urlsplit(s.page.url).path != f"/collection/submissions/{sid}":
            self.review(sid)
        form = s.page.locator('form[data-testid="unlock-form"]')
        form.locator('[data-testid="unlock-reason"]').fill(reason)
        with s.page.expect_navigation(wait_until="load"):
            form.locator('[data-testid="unlock"]').click()
        s.snap(shot)

    def figures_pending(self, on: bool, shot: str | None = None) -> None:
        """Turn the staff's 含待审核数据 switch (the header's button, on the current page) on or off."""
        s = self.staff
        form = s.page.locator('[data-testid="pending-switch"]')
        if (form.locator('input[name="on"]').count() == 1) == on:  # it offers to turn them on: they are off
            with s.page.expect_navigation(wait_until="load"):
                form.locator('button[type="submit"]').click()
        s.snap(shot)

    def board(self, rid: int, shot: str | None = None):
        """The progress board of round `rid`; the response."""
        response = self.staff.goto(f"/collection/rounds/{rid}")
        self.staff.snap(shot)
        return response


UNLOCK_REASON = "学校发现三年级转入学生漏报，申请更正"


def shoot_collection(browser, server, output: Path, school_code: str, year: int, folder: Path,
                     shooters: list[Shooter]) -> None:
    """Run one collection round of `year` for `school_code`'s 分年级学生数 and shoot each step (see the module
    docstring); the two shooters (规划统计, 学校) are appended to `shooters` first, so that what was written
    before a failure is still listed."""
    staff = Shooter(browser, server, output, DESKTOP, "staff")
    shooters.append(staff)
    staff.sign_in(*server.credentials("staff"))
    school = Shooter(browser, server, output, DESKTOP, "school")
    shooters.append(school)
    school.sign_in(*server.credentials("school", school_code))
    rnd = CollectionRound(staff, school, folder)
    rid = rnd.open_round(year, ["enrolment"], date.today() + timedelta(days=30),
                         note="请先核对预填的上一年数据，再按本学年实际填写", shot="collection-01-open-round.png")
    school.shoot("/collection", "collection-02-school-round.png")
    template = rnd.template(rid, "enrolment")
    _, rows = template_rows(template)
    bad = edit_workbook(template, folder / "bad" / template.name, [(rows[0]["_row"], "在校生数（人）", "三百二十")])
    rnd.upload(rid, [bad], shot="collection-03-problems.png")
    edits, change = cohort_jump_edits(rows)
    fixed = edit_workbook(template, folder / "fixed" / template.name, edits)
    sid = rnd.upload(rid, [fixed], shot="collection-04-submitted.png")[0]
    staff.goto(f"/schools/{school_code}")
    rnd.figures_pending(True, shot="collection-05-pending-figures.png")
    rnd.figures_pending(False)
    rnd.review(sid, shot="collection-06-review.png")
    rnd.return_(sid, f"{change['grade']} 在校生 {change['pupils']} 人，比去年 {change['lower']} 的 {change['lower_pupils']} 人"
                     "多出一半，请核对转入人数和班额后重新提交")
    school.shoot("/collection", "collection-07-returned.png")
    sid = rnd.upload(rid, [fixed])[0]
    rnd.approve(sid, shot="collection-08-approved.png")
    school.shoot(f"/schools/{school_code}", "collection-09-school-page.png")
    rnd.upload(rid, [fixed], shot="collection-10-locked.png")
    rnd.board(rid, shot="collection-11-board.png")
    staff.shoot("/collection", "collection-12-rounds.png")
    rnd.unlock(sid, UNLOCK_REASON, shot="collection-13-unlocked.png")
    school.shoot("/collection", "collection-14-school-after-unlock.png")


def last_year(db: Path) -> int:
    """The store's last year of 分年级学生数 (read from the copy before the server holds it)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return int(con.execute("SELECT max(year) FROM enrolment").fetchone()[0])
    finally:
        con.close()


def school_with_balance(db: Path, users: list[dict]) -> str | None:
    """A demo school user's school in 义务教育优质均衡 (a 小学 or 初中: type 211/311), for the richer school
    pictures; read from the copy before the server holds it. None: the first school user."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        codes = {r[0] for r in con.execute("SELECT school_code FROM school WHERE type_code IN ('211', '311')").fetchall()}
    finally:
        con.close()
    return next((u["school_code"] for u in users if u["role"] == "school" and u["school_code"] in codes), None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path("out/demo.duckdb"), help="the store (copied; default %(default)s)")
    parser.add_argument("--output", type=Path, default=Path("out/screenshots"), help="folder (default %(default)s)")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"screenshots：找不到 {CHROMIUM}（请安装 Debian 的 chromium 软件包：apt-get install chromium）", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    args.output.mkdir(parents=True, exist_ok=True)
    for old in args.output.glob("*.png"):
        old.unlink()
    folder = Path(tempfile.mkdtemp(prefix="eduplan-screenshots-"))
    shooters: list[tuple[str, Shooter]] = []
    round_shooters: list[Shooter] = []
    failed = ""
    try:
        db, users = live_server.prepare(args.db, folder)
        school = school_with_balance(db, users) or next(u["school_code"] for u in users if u["role"] == "school")
        year = last_year(db) + 1
        with live_server.start(db, users=users, log=folder / "server.log") as server, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            try:
                anonymous = Shooter(browser, server, args.output, DESKTOP)
                anonymous.shoot("/", "public-anonymous.png")
                anonymous.shoot("/login", "login-anonymous.png")
                shooters.append(("anonymous", anonymous))
                phone = Shooter(browser, server, args.output, PHONE)
                phone.shoot("/", "public-phone.png")
                shooters.append(("anonymous（手机 390×844）", phone))
                for role in ROLES:
                    shooters.append((role, shoot_role(browser, server, args.output, role,
                                                      school if role == "school" else None)))
                # last: the round writes into the copy (a new year for one school)
                try:
                    shoot_collection(browser, server, args.output, school, year, folder / "collection", round_shooters)
                except Exception as e:  # noqa: BLE001 - the pictures of the other pages are kept and listed
                    failed = f"数据采集轮次未能走完（{type(e).__name__}: {str(e)[:500]}）"
                for shooter in [s for _, s in shooters] + round_shooters:
                    shooter.close()
            finally:
                browser.close()
    except live_server.LiveServerError as e:
        print(f"screenshots：{e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    lines = ["# 页面截图", "", f"由 `tools/screenshots.py --db {args.db}` 生成（{time.strftime('%Y-%m-%d %H:%M')}，"
             f"1366×768 全页；公开页另有手机 390×844）。", "", "| 文件 | 角色 | 地址 | HTTP |", "|---|---|---|---|"]
    foreign = []
    for role, shooter in shooters:
        label = ROLE_LABELS.get(role, role)
        lines += [f"| [{name}]({name}) | {label} | `{path}` | {status} |" for name, path, status in shooter.written]
        foreign += shooter.foreign
    lines += ["", f"## 数据采集：一个完整的采集轮次（{year} 年分年级学生数，学校 {school}）", "",
              "规划统计开启轮次；学校下载预填模板，上传有错误的文件（列出问题），改正（同届人数跳变）后提交；规划统计打开“含待审核数据”"
              "看学校页；审核页标出与上年不同的单元格和质量提示；退回并写意见，学校看到意见后重新提交；审核通过并锁定（学校页出现新年度"
              "的数据）；锁定后再次上传被拒绝；进度看板和轮次列表；说明理由解锁后学校可以重新提交。", "", "| 文件 | 角色 | 地址 | HTTP |", "|---|---|---|---|"]
    shots = sorted((name, ROLE_LABELS[s.role], path, status) for s in round_shooters for name, path, status in s.written)
    lines += [f"| [{name}]({name}) | {label} | `{path}` | {status} |" for name, label, path, status in shots]
    foreign += [url for s in round_shooters for url in s.foreign]
    (args.output / "index.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    count = sum(len(s.written) for _, s in shooters) + len(shots)
    print(f"已写入 {count} 张截图到 {args.output}（{time.monotonic() - started:.0f} 秒），清单见 {args.output / 'index.md'}",
          file=sys.stderr)
    if failed:
        print(f"screenshots：{failed}", file=sys.stderr)
    if foreign:
        print(f"screenshots：页面试图访问其他主机（已拦截）：{sorted(set(foreign))}", file=sys.stderr)
    return 1 if failed or foreign else 0


if __name__ == "__main__":
    sys.exit(main())
