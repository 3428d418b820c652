"""Full-page screenshots of the web application's main pages, per role, for a person to look at (`make screenshots`).

Starts `eduplan serve` on 127.0.0.1 over a copy of the store with the demo users (tools/live_server.py, as the
browser tests do), signs in through the login form as each role in Debian's Chromium (headless, 1366×768, no
request to another host let through) and writes `<page>-<role>.png` under the output folder — the pages of the
role's menu plus one detail page of each kind (an indicator, a school's 优质均衡 position, a school's own view) —
and the public page on a phone (390×844, `public-phone.png`); `index.md` lists them with their addresses.

    .venv/bin/python tools/screenshots.py --db out/demo.duckdb --output out/screenshots
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
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
    """Pages of one browser context: navigate, wait for the charts, write the PNG, remember what was written."""

    def __init__(self, browser, server, output: Path, viewport: dict):
        self.server = server
        self.output = output
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", reduced_motion="reduce",
                                           service_workers="block")
        self.foreign: list[str] = []
        self.context.route("**/*", self._guard)
        self.page = self.context.new_page()
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

    def shoot(self, path: str, name: str) -> list[str]:
        """Open `path`, wait for its charts, write `name`; returns the page's same-origin links."""
        response = self.page.goto(self.server.url + path, wait_until="load")
        try:
            self.page.wait_for_function(CHARTS_SETTLED, timeout=30_000)
        except Exception:  # a chart that never settles is visible on the picture itself
            pass
        self.page.screenshot(path=str(self.output / name), full_page=True)
        self.written.append((name, path, response.status if response else 0))
        return self.page.eval_on_selector_all("a[href^='/']", "els => els.map(e => e.getAttribute('href'))")

    def nav(self) -> list[str]:
        return self.page.eval_on_selector_all("nav.mainnav a[href]", "els => els.map(e => e.getAttribute('href'))")

    def close(self) -> None:
        self.context.close()


def shoot_role(browser, server, output: Path, role: str, school_code: str | None = None) -> Shooter:
    shooter = Shooter(browser, server, output, DESKTOP)
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
    try:
        db, users = live_server.prepare(args.db, folder)
        school = school_with_balance(db, users)
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
                for _, shooter in shooters:
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
    (args.output / "index.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    count = sum(len(s.written) for _, s in shooters)
    print(f"已写入 {count} 张截图到 {args.output}（{time.monotonic() - started:.0f} 秒），清单见 {args.output / 'index.md'}",
          file=sys.stderr)
    if foreign:
        print(f"screenshots：页面试图访问其他主机（已拦截）：{sorted(set(foreign))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
