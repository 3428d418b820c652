"""The cross-school probe: a 学校 user requests every GET route of the application (pages and API) with every other
school's code, every indicator id and the school-ish query parameters, follows every link its pages show (the
xlsx downloads too), and no answer — page, JSON or workbook cell — carries another school's code or full name.

Bounded: each route with a school path parameter is fetched for every other school; a route with an indicator
parameter for every indicator; a route that declares a school-ish query parameter (school, unit, code) for every
other school (the indicator chosen in turn, so every school and every indicator appear), one declaring `zone` for
every 学区, one declaring `year` for the first and the last data year; every other route with the four query parameters for a few
other schools. Then the links of the pages seen, breadth first, up to MAX_LINKS.
"""

from __future__ import annotations

import html
import io
import json
import re
import time
from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from test_web_rules import catalogue, endpoints, fill, kind

pytestmark = pytest.mark.slow

SCHOOLISH_QUERY = ("school", "unit", "code", "school_code")
MAX_LINKS = 600
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _probe_school(store) -> str:
    """The first 小学 (school type 211: its 优质均衡 and indicator pages have rows)."""
    return store.one("SELECT school_code FROM school WHERE type_code = '211' ORDER BY school_code LIMIT 1")[0]


def _texts(response) -> str:
    """What a person (or a script) can read in a response: the page's text, the JSON's strings, a workbook's
    sheet names and cells."""
    ctype = response.headers.get("content-type", "")
    if ctype.startswith(XLSX) or response.content[:2] == b"PK":
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        parts = []
        for sheet in book.worksheets:
            parts.append(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                parts.extend(str(v) for v in row if v is not None)
        book.close()
        return "\n".join(parts)
    if ctype.startswith("application/json"):
        try:
            return json.dumps(response.json(), ensure_ascii=False)
        except ValueError:
            return response.text
    return html.unescape(response.text)


def _client(web, role: str, school_code: str | None = None):
    """A signed-in client that answers a server error with its 500 (collected) instead of raising it."""
    from fastapi.testclient import TestClient

    from web_fixtures import login

    client = TestClient(web.app, follow_redirects=False, raise_server_exceptions=False)
    login(client, *web.user(role, school_code))
    return client


def _message(response) -> str:
    """The error message of an answer: the JSON detail or the error page's message."""
    if response.headers.get("content-type", "").startswith("application/json"):
        return str(response.json().get("detail"))[:200]
    m = re.search(r'<p class="error-message">(.*?)</p>', response.text, re.S)
    return html.unescape(m.group(1)).strip()[:200] if m else response.text[:200]


class Probe:
    def __init__(self, client, own: tuple[str, str], others: list[tuple[str, str]]):
        self.client = client
        self.own_code, self.own_name = own
        self.others = others
        names = sorted({n for _, n in others if n}, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(x) for x in [c for c, _ in others] + names))
        self.seen: set[str] = set()
        self.leaks: list[str] = []
        self.errors: list[str] = []
        self.links: list[str] = []
        self.workbooks = 0
        self.count = 0
        self.times: dict[str, float] = {}

    def get(self, url: str) -> None:
        if url in self.seen:
            return
        self.seen.add(url)
        t = time.monotonic()
        r = self.client.get(url)
        key = re.sub(r"\?.*", "", url)
        self.times[key] = self.times.get(key, 0.0) + time.monotonic() - t
        self.count += 1
        if r.status_code >= 500:
            self.errors.append(f"GET {url}: {r.status_code} {_message(r)}")
        text = _texts(r)
        if r.headers.get("content-type", "").startswith(XLSX):
            self.workbooks += 1
        # the school's own name may contain another's (…中学 / …中学附属小学): take its own out first
        text = text.replace(self.own_name, "〈本校〉").replace(self.own_code, "〈本校代码〉")
        found = sorted(set(self.pattern.findall(text)))
        if found:
            self.leaks.append(f"GET {url} ({r.status_code}): {found[:8]}{' …' if len(found) > 8 else ''}")
        if r.headers.get("content-type", "").startswith("text/html"):
            for href in re.findall(r'href="([^"#]+)"', r.text):
                self.links.append(urljoin(url, html.unescape(href)))

    def crawl(self, limit: int) -> None:
        """Follow the links the pages showed (same site, GET), breadth first, at most `limit` new ones."""
        done = 0
        while self.links and done < limit:
            link = self.links.pop(0)
            parts = urlsplit(link)
            if parts.netloc not in ("", "testserver") or not parts.path.startswith("/"):
                continue
            url = parts.path + (f"?{parts.query}" if parts.query else "")
            if url in self.seen or url.startswith("/static/"):
                continue
            self.get(url)
            done += 1


def test_a_school_user_sees_no_other_school(web):
    started = time.monotonic()
    with web.state.reading() as store:
        cat = catalogue(store)
        code = _probe_school(store)
    names = dict(cat.schools)
    others = [(c, n) for c, n in cat.schools if c != code]
    assert len(others) >= 100 and len(cat.indicators) >= 20  # the demo district: ~150 schools, the plan's indicators
    probe = Probe(_client(web, "school", code), (code, names[code]), others)
    start = probe.client.get(f"/schools/{code}")
    assert start.status_code == 200 and names[code] in html.unescape(start.text)  # the probe sees its own school
    probe.get(f"/schools/{code}")

    for ep in endpoints(web.app):
        if ep.method != "GET" or ep.path in ("/api/v1/openapi.json", "/api/v1/docs"):
            continue
        kinds = {n: kind(n, a, ep.path) for n, a in ep.params}
        base = fill(ep, cat, school=code)
        probe.get(base)
        # every other school through each school path parameter
        for name in (n for n, k in kinds.items() if k == "school"):
            for other, _ in others:
                probe.get(fill(ep, cat, school=code, **{name: other}))
        # every indicator through each indicator path parameter
        for name in (n for n, k in kinds.items() if k == "indicator"):
            for iid in cat.indicators:
                probe.get(fill(ep, cat, school=code, **{name: iid}))
        # the school-ish query parameters the route declares: every other school (indicators in turn)
        declared = [q for q in ep.query if q in SCHOOLISH_QUERY]
        indicator_params = [n for n, k in kinds.items() if k == "indicator"]
        for i, (other, _) in enumerate(others if declared else others[:3]):
            given = {n: cat.indicators[i % len(cat.indicators)] for n in indicator_params}
            query = {q: other for q in (declared or SCHOOLISH_QUERY)}
            if not declared:
                query["zone"] = cat.zones[i % len(cat.zones)]
            probe.get(fill(ep, cat, school=code, **given) + "?" + urlencode(query))
        if "zone" in ep.query:
            for zone in cat.zones:
                probe.get(base + "?" + urlencode({"zone": zone}))
        if "year" in ep.query:
            for year in (cat.years[0], cat.years[-1]):
                probe.get(base + "?" + urlencode({"year": year}))

    probe.crawl(MAX_LINKS)
    elapsed = time.monotonic() - started
    slowest = sorted(probe.times.items(), key=lambda kv: -kv[1])[:12]
    print(f"probe: {probe.count} requests in {elapsed:.0f} s; slowest paths:",
          ", ".join(f"{p} {t:.1f} s" for p, t in slowest))
    assert probe.leaks == [], (f"{len(probe.leaks)} of {probe.count} answers to the 学校 user {code} carry another "
                               "school's code or name:\n" + "\n".join(probe.leaks[:60]))
    assert probe.errors == [], "server errors met by the probe:\n" + "\n".join(probe.errors[:40])
    assert probe.count >= 150 * 5  # the school routes alone, for every other school
    assert probe.workbooks >= 2, f"the probe downloaded {probe.workbooks} workbooks"  # 我校 xlsx, indicator xlsx
    print(f"probe: {probe.count} requests, {probe.workbooks} workbooks, {elapsed:.0f} s")


def test_the_probe_finds_a_leak(web):
    """The probe's own check can fail: a page that lists every school (as the bureau sees it) is caught."""
    with web.state.reading() as store:
        cat = catalogue(store)
        code = _probe_school(store)
    others = [(c, n) for c, n in cat.schools if c != code]
    probe = Probe(_client(web, "staff"), (code, dict(cat.schools)[code]), others)
    probe.get("/api/v1/schools")
    assert len(probe.leaks) == 1 and probe.leaks[0].startswith("GET /api/v1/schools (200): ")
