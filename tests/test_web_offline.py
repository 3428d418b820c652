"""No byte from the internet: every page the application serves refers only to itself.

For anonymous callers and each role, the pages reachable from the start page and the menu are crawled
breadth-first (GET only, same-origin links, bounded; /logout and downloads skipped) on a live server over the
demo store (tests/web_live.py): none may answer an error (a 4xx link is a broken link), and each HTML page is
parsed (html.parser): every URL it would load or navigate to (src, href, action, formaction, srcset, poster, data,
ping, meta refresh, style url()) must be a relative, same-origin URL; no inline script other than JSON data
blocks, no on*= handler attribute, no javascript: URL. The style sheets and scripts the pages load are fetched too: no url()/@import of another host in CSS, no
import/fetch of another host in JS. Every response carries the security headers (CSP without 'unsafe-inline'
or 'unsafe-eval' in script-src, frame-ancestors 'none', nosniff, a referrer policy).

The checker itself is tested first on small hand-written pages, and the pinned-asset installer
(tools/fetch_assets.py, eduplan/web/assets.py) on a tarball made in the test.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import sys
import tarfile
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import fetch_assets  # noqa: E402  (tools/fetch_assets.py)

# ------------------------------------------------------------------ the checker

URL_ATTRIBUTES = {"src", "href", "action", "formaction", "poster", "data", "ping", "background", "manifest",
                  "xlink:href", "icon", "longdesc", "codebase", "archive", "cite"}
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""", re.I)
JS_REMOTE = re.compile(r"""
    (?: \bimport\s*\(?\s* | \bfrom\s* | \bfetch\s*\(\s* | \bimportScripts\s*\(\s*
      | \bnew\s+(?:WebSocket|EventSource|Worker)\s*\(\s* | \.open\s*\(\s*['"][A-Z]+['"]\s*,\s* )  # what loads
    ['"`]((?:https?:|wss?:)?//[^'"`]+)  # a URL of another host""", re.X)
JSON_REMOTE = re.compile(r"""(image://|url\()\s*['"]?((?:https?:)?//[^'")\s]+)""", re.I)


def url_problem(url: str) -> str | None:
    """Why `url` is not a relative same-origin URL (None when it is). data: is allowed (inline images)."""
    value = url.strip()
    if not value or value.startswith("#"):
        return None
    if value.startswith(("//", "\\\\", "/\\", "\\/")):
        return "protocol-relative URL of another host"
    parts = urlsplit(value)
    if parts.scheme:
        if parts.scheme.lower() == "data":
            return None
        if parts.scheme.lower() == "javascript":
            return "javascript: URL"
        return f"absolute URL ({parts.scheme}:)"
    if parts.netloc:
        return "URL with a host"
    return None


class PageScan(HTMLParser):
    """Collects the problems of one HTML page and the same-origin links to follow."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.links: list[tuple[str, bool]] = []  # (url, is a download)
        self.assets: list[str] = []  # style sheets and scripts the page loads
        self._script: str | None = None  # the type of the <script> being read
        self._style = False
        # GET forms as a browser submits them untouched: (action, [(name, value)])
        self.get_forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._form: list[tuple[str, str]] | None = None
        self._select: tuple[str, list[tuple[str, bool]]] | None = None  # (name, [(option value, selected)])
        self._select_required = False
        self._option: list | None = None  # [value or None, text, selected] of the <option> being read

    def _check(self, tag: str, attr: str, url: str) -> None:
        why = url_problem(url)
        if why:
            self.problems.append(f"<{tag} {attr}={url!r}>: {why}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        for name, value in a.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>: inline event handler")
            elif name in URL_ATTRIBUTES:
                self._check(tag, name, value)
            elif name in ("srcset", "imagesrcset"):
                for candidate in value.split(","):
                    if candidate.strip():
                        self._check(tag, name, candidate.strip().split()[0])
            elif name == "style":
                for m in CSS_URL.finditer(value):
                    self._check(tag, "style url()", m.group(2) or m.group(4))
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            target = re.search(r"url\s*=\s*['\"]?([^'\"]+)", a.get("content", ""), re.I)
            if target:
                self._check(tag, "http-equiv=refresh", target.group(1))
        if tag == "base":
            self.problems.append("<base>: changes where every relative URL points")
        if tag == "script":
            kind = a.get("type", "").lower()
            if "src" in a:
                self.assets.append(a["src"])
                self._script = "src"
            else:
                self._script = kind or "text/javascript"
                if kind != "application/json":
                    self.problems.append(f"<script type={kind or '(none)'!r}> without src: inline script")
        if tag == "style":
            self._style = True
        if tag == "link" and "stylesheet" in a.get("rel", "").lower() and a.get("href"):
            self.assets.append(a["href"])
        if tag == "a" and a.get("href"):
            self.links.append((a["href"], "download" in a))
        self._form_start(tag, a)

    def _form_start(self, tag: str, a: dict[str, str]) -> None:
        if tag == "form" and a.get("method", "get").lower() == "get":
            self._form = []
            self.get_forms.append((a.get("action", ""), self._form))
        elif self._form is None or "disabled" in a:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                if "required" in a and not a.get("value"):
                    self._blocked()
                self._form.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name") and "multiple" not in a:
            self._select = (a["name"], [])
            self._select_required = "required" in a
        elif tag == "option" and self._select is not None:
            self._close_option()  # </option> may be left out
            self._option = [a.get("value"), "", "selected" in a]

    def _blocked(self) -> None:
        """A required field is empty: a browser does not submit this form as it stands."""
        if self.get_forms and self.get_forms[-1][1] is self._form:
            self.get_forms.pop()

    def _close_option(self) -> None:
        if self._option is not None and self._select is not None:
            value, text, selected = self._option
            self._select[1].append((text.strip() if value is None else value, selected))
        self._option = None

    def _form_end(self, tag: str) -> None:
        if tag == "option":
            self._close_option()
        elif tag == "select" and self._select is not None and self._form is not None:
            self._close_option()
            name, options = self._select
            chosen = [v for v, selected in options if selected] or [v for v, _ in options[:1]]
            self._form.extend((name, v) for v in chosen[-1:])
            if self._select_required and not "".join(chosen[-1:]):
                self._blocked()
            self._select = None
        elif tag == "form":
            self._form = None

    def handle_endtag(self, tag: str) -> None:
        self._form_end(tag)
        if tag == "script":
            self._script = None
        if tag == "style":
            self._style = False

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option[1] += data
        if self._script == "application/json":
            for m in JSON_REMOTE.finditer(data):
                self.problems.append(f"chart data {m.group(1)}{m.group(2)!r}: remote resource")
        elif self._script == "src" and data.strip():
            self.problems.append("<script src> with inline content")
        if self._style:
            for m in CSS_URL.finditer(data):
                self._check("style", "url()", m.group(2) or m.group(4))


def scan_html(html: str) -> PageScan:
    scan = PageScan()
    scan.feed(html)
    scan.close()
    return scan


def css_problems(text: str) -> list[str]:
    return [f"url({u!r}): {why}" for m in CSS_URL.finditer(text)
            if (why := url_problem(u := (m.group(2) or m.group(4))))]


def js_problems(text: str) -> list[str]:
    return [f"loads {m.group(1)!r}" for m in JS_REMOTE.finditer(text)]


def header_problems(headers) -> list[str]:
    found = []
    csp = headers.get("content-security-policy", "")
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    script = directives.get("script-src") or directives.get("default-src", "")
    if not csp:
        found.append("no Content-Security-Policy")
    elif not script:
        found.append("CSP without script-src or default-src")
    elif "'unsafe-inline'" in script or "'unsafe-eval'" in script or "*" in script.split():
        found.append(f"CSP allows inline/eval/any script: {script}")
    if csp and directives.get("frame-ancestors", "").split()[1:] != ["'none'"]:
        found.append(f"CSP frame-ancestors is not 'none': {directives.get('frame-ancestors')!r}")
    if headers.get("x-content-type-options", "").lower() != "nosniff":
        found.append("X-Content-Type-Options is not nosniff")
    if headers.get("referrer-policy", "").lower() not in ("no-referrer", "same-origin", "strict-origin",
                                                          "strict-origin-when-cross-origin"):
        found.append(f"Referrer-Policy missing or weak: {headers.get('referrer-policy')!r}")
    return found


# ------------------------------------------------------------------ the checker, on hand-written pages

CLEAN = """<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/static/app.css">
<script src="/static/app.js" defer></script></head><body>
<a href="/overview?year=2019#top">总览</a> <a href="indicators/x">相对</a> <a href="#k">锚</a>
<img src="data:image/png;base64,AAAA" alt=""> <form method="post" action="/data/upload"><button>上传</button></form>
<div class="chart" data-chart="c1"></div><script type="application/json" id="c1">{"series": [{"data": [1, 2]}]}</script>
<style>.x { background: url(/static/x.png) }</style></body></html>"""

DIRTY = """<html><head><link rel="stylesheet" href="https://cdn.example.com/x.css">
<script src="//cdn.example.com/echarts.js"></script><script>alert(1)</script>
<meta http-equiv="refresh" content="5; url=http://example.com/"></head><body>
<a href="javascript:alert(1)">x</a> <button onclick="go()">y</button> <img srcset="/a.png 1x, https://x.example/b.png 2x">
<form action="http://example.com/post"></form> <video poster="https://x.example/p.jpg"></video>
<object data="//x.example/o.swf"></object> <div style="background:url('https://x.example/bg.png')"></div>
<script type="application/json" id="c">{"graphic": {"style": {"image": "image://https://x.example/i.png"}}}</script>
<style>@import "https://fonts.example/css";</style></body></html>"""


def test_checker_passes_a_clean_page():
    scan = scan_html(CLEAN)
    assert scan.problems == []
    assert scan.assets == ["/static/app.css", "/static/app.js"]
    assert scan.links == [("/overview?year=2019#top", False), ("indicators/x", False), ("#k", False)]


def test_checker_names_every_external_reference_inline_script_and_handler():
    assert scan_html(DIRTY).problems == [
        "<link href='https://cdn.example.com/x.css'>: absolute URL (https:)",
        "<script src='//cdn.example.com/echarts.js'>: protocol-relative URL of another host",
        "<script type='(none)'> without src: inline script",
        "<meta http-equiv=refresh='http://example.com/'>: absolute URL (http:)",
        "<a href='javascript:alert(1)'>: javascript: URL",
        "<button onclick=…>: inline event handler",
        "<img srcset='https://x.example/b.png'>: absolute URL (https:)",
        "<form action='http://example.com/post'>: absolute URL (http:)",
        "<video poster='https://x.example/p.jpg'>: absolute URL (https:)",
        "<object data='//x.example/o.swf'>: protocol-relative URL of another host",
        "<div style url()='https://x.example/bg.png'>: absolute URL (https:)",
        "chart data image://'https://x.example/i.png': remote resource",
        "<style url()='https://fonts.example/css'>: absolute URL (https:)",
    ]


def test_checker_on_css_and_js():
    assert css_problems("a{background:url(/static/a.png)} b{background:url(data:image/png;base64,AA)}") == []
    assert css_problems("@import url('https://fonts.example/a.css'); i{src:url(//x.example/f.woff2)}") == [
        "url('https://fonts.example/a.css'): absolute URL (https:)",
        "url('//x.example/f.woff2'): protocol-relative URL of another host",
    ]
    assert js_problems('var ns="http://www.w3.org/2000/svg"; fetch("/api/v1/x"); import("./m.js")') == []
    assert js_problems('fetch("https://api.example/x"); import x from "//cdn.example/m.js"; '
                       'new WebSocket("wss://x.example/s")') == [
        "loads 'https://api.example/x'", "loads '//cdn.example/m.js'", "loads 'wss://x.example/s'"]


def test_get_forms_are_read_as_a_browser_submits_them():
    scan = scan_html("""<form method="get" action="/overview"><select name="year"><option>2024<option selected>2025
    </select><select name="zone"><option value="">全区</option><option value="QK01">一</option></select>
    <input type="search" name="q"><input type="checkbox" name="all" value="1"><input type="checkbox" name="x" checked>
    <input type="date" name="since" value="2020-01-01"><button type="submit" name="go">看</button></form>
    <form method="post" action="/data/upload"><input name="csrf" value="t"></form><form><input name="p" value="2"></form>
    <form action="/data/history"><input name="key" required></form>""")  # a required field empty: not submitted
    assert scan.get_forms == [
        ("/overview", [("year", "2025"), ("zone", ""), ("q", ""), ("x", "on"), ("since", "2020-01-01")]),
        ("", [("p", "2")]),
    ]


def test_page_shapes_of_the_crawl():
    assert _pattern("/") == "/"
    assert _pattern("/admin/users") == "/admin/users"
    assert _pattern("/indicators/preschool_gross_enrolment/explain") == "/indicators/*/explain"
    assert _pattern("/schools/2420104001") == "/schools/*"
    assert _pattern("/balance/checklist/items/G01_layout") == "/balance/checklist/items/*"


def test_checker_on_headers():
    good = {"content-security-policy": "default-src 'self'; script-src 'self'; frame-ancestors 'none'",
            "x-content-type-options": "nosniff", "referrer-policy": "same-origin"}
    assert header_problems(good) == []
    bad = {"content-security-policy": "script-src 'self' 'unsafe-inline'; frame-ancestors *",
           "referrer-policy": "unsafe-url"}
    assert header_problems(bad) == [
        "CSP allows inline/eval/any script: script-src 'self' 'unsafe-inline'",
        "CSP frame-ancestors is not 'none': 'frame-ancestors *'",
        "X-Content-Type-Options is not nosniff",
        "Referrer-Policy missing or weak: 'unsafe-url'",
    ]
    assert header_problems({}) == ["no Content-Security-Policy", "X-Content-Type-Options is not nosniff",
                                   "Referrer-Policy missing or weak: None"]


# ------------------------------------------------------------------ the pinned assets and their installer

def _fake_asset(tmp_path: Path, body: bytes = b"console.log(1);\n"):
    """A tarball shaped like an npm package, and the Asset record pinning it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in (("package/dist/lib.min.js", body), ("package/LICENSE", b"MIT\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    data = buffer.getvalue()
    tarball = tmp_path / "lib-1.0.0.tgz"
    tarball.write_bytes(data)
    assets = fetch_assets.assets
    asset = assets.Asset(
        name="lib", version="1.0.0", url="https://registry.npmjs.org/lib/-/lib-1.0.0.tgz",
        integrity="sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(), licence="MIT",
        members=(assets.Member("package/dist/lib.min.js", "lib.min.js", hashlib.sha256(body).hexdigest()),
                 assets.Member("package/LICENSE", "lib-LICENSE.txt", hashlib.sha256(b"MIT\n").hexdigest())))
    return tarball, asset


@pytest.fixture
def fake_asset(tmp_path, monkeypatch):
    tarball, asset = _fake_asset(tmp_path)
    monkeypatch.setattr(fetch_assets.assets, "ASSETS", (asset,))
    return tarball, asset


def test_install_from_a_local_tarball_then_nothing_to_do(fake_asset, tmp_path):
    tarball, _ = fake_asset
    vendor = tmp_path / "vendor"
    assert fetch_assets.fetch(vendor, tarball, None) == [f"lib 1.0.0 已安装到 {vendor}（2 个文件，校验通过）"]
    assert (vendor / "lib.min.js").read_bytes() == b"console.log(1);\n"
    assert (vendor / "lib-LICENSE.txt").read_bytes() == b"MIT\n"
    before = (vendor / "lib.min.js").stat().st_mtime_ns
    tarball.unlink()  # present and right: the tarball is not even looked for
    assert fetch_assets.fetch(vendor, tarball, None) == [f"lib 1.0.0 已就绪（{vendor}）"]
    assert (vendor / "lib.min.js").stat().st_mtime_ns == before
    assert fetch_assets.assets.missing_message(vendor) is None


def test_install_from_a_folder_holding_the_tarball(fake_asset, tmp_path):
    vendor = tmp_path / "vendor"
    fetch_assets.fetch(vendor, tmp_path, None)
    assert sorted(p.name for p in vendor.iterdir()) == ["lib-LICENSE.txt", "lib.min.js"]


def test_a_tarball_with_another_checksum_installs_nothing(fake_asset, tmp_path):
    _, asset = fake_asset
    (tmp_path / "other").mkdir()
    other, _ = _fake_asset(tmp_path / "other", body=b"evil();\n")  # same name, other content
    vendor = tmp_path / "vendor"
    with pytest.raises(fetch_assets.FetchError) as e:
        fetch_assets.fetch(vendor, other, None)
    assert str(e.value).startswith(f"{other}：校验值不符，不是 lib 1.0.0 的官方 npm 包（应为 {asset.integrity}，实为 sha512-")
    assert str(e.value).endswith("）；未安装任何文件。")
    assert not vendor.exists()


def test_no_internet_message_names_the_url_and_the_offline_way(fake_asset, tmp_path):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(fetch_assets.FetchError) as e:
        fetch_assets.fetch(tmp_path / "vendor", None, f"http://127.0.0.1:{port}")
    message = str(e.value)
    assert message.startswith(f"无法下载 lib 1.0.0（http://127.0.0.1:{port}/lib/-/lib-1.0.0.tgz）：")
    assert ("没有外网时：在能上网的机器上下载 https://registry.npmjs.org/lib/-/lib-1.0.0.tgz（或 `npm pack lib@1.0.0`），"
            "拷到本机后运行 `EDUPLAN_ASSETS_FROM=<lib-1.0.0.tgz 的路径或其所在文件夹> .venv/bin/python tools/fetch_assets.py`") in message
    assert fetch_assets.main(["--vendor", str(tmp_path / "vendor"), "--registry", f"http://127.0.0.1:{port}"]) == 1


def test_missing_message_names_each_missing_or_altered_file(fake_asset, tmp_path):
    tarball, _ = fake_asset
    vendor = tmp_path / "vendor"
    fetch_assets.fetch(vendor, tarball, None)
    (vendor / "lib.min.js").write_text("changed")
    (vendor / "lib-LICENSE.txt").unlink()
    assert fetch_assets.assets.missing_message(vendor).splitlines() == [
        "网页所需的第三方文件不完整（页面中的图表将无法显示）：",
        f"  - lib 1.0.0：{vendor / 'lib.min.js'}（校验值不符）",
        f"  - lib 1.0.0：{vendor / 'lib-LICENSE.txt'}（缺少）",
        "请在项目目录运行 `.venv/bin/python tools/fetch_assets.py`（或 `make setup`）从 npm 下载并校验；",
        "没有外网时，把 lib-1.0.0.tgz（https://registry.npmjs.org/lib/-/lib-1.0.0.tgz） 拷到本机，再运行 "
        "`EDUPLAN_ASSETS_FROM=<该 .tgz 文件或其所在文件夹> .venv/bin/python tools/fetch_assets.py`。",
    ]
    assert fetch_assets.main(["--vendor", str(vendor), "--check"]) == 1
    fetch_assets.fetch(vendor, tarball, None)  # repaired
    assert fetch_assets.main(["--vendor", str(vendor), "--check"]) == 0


def test_the_pinned_echarts_record():
    echarts = fetch_assets.assets.ECHARTS
    assert (echarts.name, echarts.version) == ("echarts", "6.1.0")
    assert echarts.url == "https://registry.npmjs.org/echarts/-/echarts-6.1.0.tgz"
    assert echarts.tarball == "echarts-6.1.0.tgz"
    assert echarts.integrity.startswith("sha512-") and len(base64.b64decode(echarts.integrity[7:])) == 64
    assert [m.target for m in echarts.members] == ["echarts.min.js", "echarts-LICENSE.txt", "echarts-NOTICE.txt",
                                                   "echarts-LICENSE-d3.txt"]
    assert all(re.fullmatch(r"[0-9a-f]{64}", m.sha256) for m in echarts.members)


# ------------------------------------------------------------------ the live crawl

MAX_PAGES = 60  # per role
MAX_FORMS = 40  # GET forms submitted as they stand, per role
PER_PATTERN = 3  # pages of one shape (/indicators/<id>, /schools/<code>, one path with other queries)
DOWNLOAD = re.compile(r"(\.xlsx|\.csv|\.json)$|/(export|download)\b|[?&](format|fmt)=(xlsx|csv|json)\b", re.I)
ROLES = [None, "admin", "staff", "inspector", "school"]
# Defects this crawl found that are reported to the page's owner and not fixed yet (remove a line once fixed):
# the URL and its one problem are let through, nothing else on that URL.
KNOWN_DEFECTS: dict[str, str] = {}  # url → problem, tolerated while open (none: the public page's empty 年度 is fixed)


def _pattern(path: str) -> str:
    """A path's shape: words stay, identifiers (digits, underscores, anything else) become *:
    /indicators/preschool_gross_enrolment/explain → /indicators/*/explain, /admin/users stays."""
    return "/" + "/".join(p if re.fullmatch(r"[a-z]+(-[a-z]+)*", p) else "*" for p in path.split("/") if p)


def crawl(client, start: list[str]) -> dict[str, list[str]]:
    """Breadth-first over same-origin links from `start`; returns {url: [problems]} for every URL that has any.
    Each GET form (filters: year, 学区 …) is also submitted once as it stands, as a browser would (its selects at
    their selected or first option), and each style sheet and script fetched once. Redirects are not followed by the client: their target is
    checked and queued like a link."""
    problems: dict[str, list[str]] = {}
    seen: set[str] = set()
    per_pattern: dict[str, int] = {}
    queue = deque(start)
    assets: set[str] = set()
    forms: set[str] = set()
    pages = 0
    while queue and pages < MAX_PAGES:
        url = queue.popleft()
        split = urlsplit(url)
        key = split.path + ("?" + split.query if split.query else "")
        if key in seen:
            continue
        seen.add(key)
        pattern = _pattern(split.path)
        if per_pattern.get(pattern, 0) >= PER_PATTERN:
            continue
        per_pattern[pattern] = per_pattern.get(pattern, 0) + 1
        try:
            response = client.get(key)
        except httpx.HTTPError as e:
            problems[key] = [f"request failed: {e!r}"]
            break
        pages += 1
        found = header_problems(response.headers)
        if response.status_code >= 400:  # a start page or a link of a page the user was shown
            found.append(f"HTTP {response.status_code}")
        if response.is_redirect:
            location = response.headers.get("location", "")
            why = url_problem(location)
            if why:
                found.append(f"redirect to {location!r}: {why}")
            else:
                queue.append(urljoin(key, location))
        elif "text/html" in response.headers.get("content-type", ""):
            scan = scan_html(response.text)
            found += scan.problems
            for href, download in scan.links:
                target = urljoin(key, href.split("#", 1)[0])
                if url_problem(href) or not href or href.startswith("#") or download or DOWNLOAD.search(target):
                    continue
                if urlsplit(target).path in ("/logout",):
                    continue
                queue.append(target)
            assets.update(urljoin(key, a) for a in scan.assets if not url_problem(a))
            for action, fields in scan.get_forms:
                if not url_problem(action):
                    forms.add(urljoin(key, action or key).split("?", 1)[0] + "?" + urlencode(fields))
        if found:
            problems[key] = found
    for submitted in sorted(forms)[:MAX_FORMS]:  # each GET form as a browser submits it untouched
        response = client.get(submitted)
        found = header_problems(response.headers)
        if response.status_code >= 400:
            found.append(f"HTTP {response.status_code} for the page's own filter form")
        elif "text/html" in response.headers.get("content-type", ""):
            found += scan_html(response.text).problems
        if found:
            problems[submitted] = found
    for asset in sorted(assets):
        response = client.get(asset)
        found = header_problems(response.headers)
        if response.status_code != 200:
            found.append(f"HTTP {response.status_code}")
        elif asset.endswith(".css"):
            found += css_problems(response.text)
        elif asset.endswith(".js"):
            found += js_problems(response.text)
        if found:
            problems[asset] = found
    problems["(pages crawled)"] = [str(pages)]
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_reachable_page_refers_only_to_this_server(web_server, client_for, role):
    client = client_for(role)
    start = ["/", "/login"] if role is None else ["/", "/account"] + _nav(client)
    found = crawl(client, start)
    pages = int(found.pop("(pages crawled)")[0])
    for url, problem in KNOWN_DEFECTS.items():  # tolerated while open, named here and in requests.md
        if found.get(url) == [problem]:
            del found[url]
    assert found == {}, web_server.log_text()[-3000:] if any("request failed" in p for v in found.values() for p in v) else ""
    assert pages >= len(start)


def _nav(client) -> list[str]:
    """The menu of the signed-in user (the nav of the page the login leads to)."""
    response = client.get("/account")
    assert response.status_code == 200, response.text[:500]
    nav = re.search(r'<nav class="mainnav">(.*?)</nav>', response.text, re.S)
    assert nav, "the page has no <nav class=\"mainnav\">"
    return re.findall(r'href="([^"]+)"', nav.group(1))
