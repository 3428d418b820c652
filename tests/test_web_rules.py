"""Route rules of the whole web application, enumerated from the application itself (no route listed by hand).

Every route declares exactly one rule (eduplan.web.rules); the static mounts of app.PUBLIC_MOUNTS are the only
exception. For every route that exists when the test runs: an anonymous call of a non-public API route answers
401 JSON, an anonymous GET of a non-public page redirects to /login, a 学校 user calling a route its role may not
call answers 403 (pages and API, session and API token alike), and a state-changing request made with a session
cookie but without the CSRF token answers 403. Path parameters are filled with real values of the demo store.

The helpers here (`catalogue`, `endpoints`, `fill`) are shared by tests/test_web_probe.py and test_web_fuzz.py.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest

from web_fixtures import make_web

ROLE_REFUSED = "当前用户（学校）无权访问此页面或接口"
CSRF_REFUSED = "请求缺少有效的防伪校验（CSRF）令牌：请刷新页面后重试"
NOT_SIGNED_IN = "请先登录：在请求头写 Authorization: Bearer <令牌>（POST /api/v1/auth/token 取得）"
SAFE = {"GET", "HEAD", "OPTIONS"}


# ------------------------------------------------------------------ what the demo store holds (path values)

@dataclass
class Catalogue:
    """Real identifiers of a store, to fill path and query parameters with."""

    schools: list[tuple[str, str]]  # (code, name), by code
    zones: list[str]
    districts: list[str]
    years: list[int]
    indicators: list[str]
    projects: list[str] = field(default_factory=list)
    batches: list[int] = field(default_factory=list)

    @property
    def school_codes(self) -> list[str]:
        return [c for c, _ in self.schools]


def catalogue(store) -> Catalogue:
    """The store's schools, zones, districts, data years, indicator ids (the definitions and the bound plans'),
    projects and import batches."""
    from eduplan.indicators.schema import load_definitions
    from eduplan.plan.binding import bound_plan

    districts = [r[0] for r in store.run("SELECT district_code FROM district ORDER BY 1")]
    indicators = {i.id for i in load_definitions().indicators}
    for d in districts:
        bound = bound_plan(store, d)
        if bound is not None:
            indicators |= {e["id"] for e in bound[0].indicator_index()}
    return Catalogue(
        schools=[(r[0], r[1]) for r in store.run("SELECT school_code, school_name FROM school ORDER BY 1")],
        zones=[r[0] for r in store.run("SELECT zone_code FROM zone ORDER BY 1")],
        districts=districts,
        years=[r[0] for r in store.run("SELECT DISTINCT year FROM enrolment ORDER BY 1")],
        indicators=sorted(indicators),
        projects=[r[0] for r in store.run("SELECT DISTINCT project_id FROM project ORDER BY 1")],
        batches=[r[0] for r in store.run("SELECT batch_id FROM import_batch ORDER BY 1")],
    )


# ------------------------------------------------------------------ the application's routes

@dataclass(frozen=True)
class Endpoint:
    """One (path, method) of the application with its rule and its path parameters [(name, annotation)]."""

    path: str
    method: str
    rule: Any
    params: tuple[tuple[str, Any], ...]
    query: tuple[str, ...]
    route: Any = field(compare=False, repr=False)

    @property
    def api(self) -> bool:
        return self.path == "/api/v1" or self.path.startswith("/api/v1/")

    @property
    def safe(self) -> bool:
        return self.method in SAFE

    def allows(self, role: str | None) -> bool:
        return self.rule.public or (role is not None and role in self.rule.roles)


def _params(route) -> tuple[tuple[tuple[str, Any], ...], tuple[str, ...]]:
    """(path parameters [(name, annotation)], query parameter names) of a route, its dependencies' included."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return tuple((n, str) for n in re.findall(r"{([^}:]+)", route.path)), ()
    path: dict[str, Any] = {}
    query: dict[str, None] = {}
    todo = [dependant]
    while todo:
        d = todo.pop()
        for p in d.path_params:
            path.setdefault(p.name, p.field_info.annotation)
        for p in d.query_params:
            query.setdefault(p.alias or p.name)
        todo.extend(d.dependencies)
    return tuple(path.items()), tuple(query)


def endpoints(app) -> list[Endpoint]:
    """Every (path, method) the application serves, from eduplan.web.rules.all_routes (mounts left out)."""
    from eduplan.web.rules import all_routes, rule_of

    out = []
    for route in all_routes(app):
        methods = getattr(route, "methods", None)
        if not methods:
            continue  # a mount (static files): see test_every_route_declares_exactly_one_rule
        params, query = _params(route)
        for m in sorted(methods):
            out.append(Endpoint(route.path, m, rule_of(route), params, query, route))
    return out


SCHOOL_NAMES = {"code", "school", "school_code", "unit", "unit_code", "sid"}
INDICATOR_NAMES = {"iid", "indicator", "indicator_id", "ind"}


def kind(name: str, annotation: Any, path: str) -> str:
    """What a path parameter names: school, indicator, year, zone, district, project, batch, int or str."""
    n = name.lower()
    if n in SCHOOL_NAMES or n.startswith("school"):
        return "school"
    if n in INDICATOR_NAMES or n.startswith("indicator") or (n == "id" and "/indicators/" in path):
        return "indicator"
    if n == "year" or n.endswith("_year"):
        return "year"
    if n.startswith("zone"):
        return "zone"
    if n.startswith("district"):
        return "district"
    if n.startswith("project"):
        return "project"
    if n.startswith("batch") and annotation is int:
        return "batch"
    if annotation is int:
        return "int"
    return "str"


def value_for(kind_: str, cat: Catalogue, school: str | None = None) -> str:
    """A plausible value of a parameter kind (the given school's code for a school parameter)."""
    if kind_ == "school":
        return school or cat.school_codes[0]
    if kind_ == "indicator":
        return cat.indicators[0]
    if kind_ == "year":
        return str(cat.years[-1])
    if kind_ == "zone":
        return cat.zones[0]
    if kind_ == "district":
        return cat.districts[0]
    if kind_ == "project":
        return cat.projects[0] if cat.projects else "P1"
    if kind_ == "batch":
        return str(cat.batches[-1]) if cat.batches else "1"
    if kind_ == "int":
        return "1"
    return "x"


def fill(ep: Endpoint, cat: Catalogue, school: str | None = None, **given: str) -> str:
    """The endpoint's path with every parameter filled (`given` by name, else a plausible value)."""
    values = {n: given.get(n) or value_for(kind(n, a, ep.path), cat, school) for n, a in ep.params}

    def sub(m: re.Match) -> str:
        return quote(str(values.get(m.group(1), "x")), safe="")

    return re.sub(r"{([^}:]+)(?::[^}]*)?}", sub, ep.path)


def body_kwargs(ep: Endpoint, csrf: str | None = None) -> dict[str, Any]:
    """A request body for a state-changing call: JSON for the API, a form for pages (with the CSRF token only
    when given)."""
    if ep.safe:
        return {"headers": {"X-CSRF-Token": csrf}} if csrf else {}
    if ep.api:
        return {"json": {}, "headers": {"X-CSRF-Token": csrf} if csrf else {}}
    return {"data": {"csrf": csrf} if csrf else {"x": "1"}}


def message_of(response) -> str:
    """The message a response shows: the JSON detail, else the page's text."""
    if response.headers.get("content-type", "").startswith("application/json"):
        detail = response.json().get("detail")
        return detail if isinstance(detail, str) else repr(detail)
    return html.unescape(response.text)


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def site(demo_store, tmp_path_factory):
    """The application over this module's own copy of the demo store (the calls below never reach a handler,
    but if a rule were broken they would; they must not change a store other tests read)."""
    w = make_web(tmp_path_factory.mktemp("web-rules"), demo_store)
    with w.state.reading() as store:
        w.cat = catalogue(store)
        w.primary = [r[0] for r in store.run("SELECT school_code FROM school WHERE type_code = '211' ORDER BY 1")]
    w.eps = endpoints(w.app)
    yield w
    w.close()


def _anonymous(site):
    from fastapi.testclient import TestClient

    return TestClient(site.app, follow_redirects=False)


# ------------------------------------------------------------------ tests

def test_every_route_declares_exactly_one_rule(site):
    from starlette.routing import Mount

    from eduplan.web.app import PUBLIC_MOUNTS
    from eduplan.web.rules import RULES, all_routes, rule_of

    missing, mounts = [], []
    for route in all_routes(site.app):
        if isinstance(route, Mount) or not getattr(route, "methods", None):
            if route.path not in PUBLIC_MOUNTS:
                mounts.append(route.path)
            continue
        rule = rule_of(route)
        if rule is None or rule not in RULES.values():
            declared = [d.dependency for d in getattr(route, "dependencies", [])]
            missing.append(f"{sorted(route.methods)} {route.path}: {declared}")
    assert missing == [], "routes without exactly one rule of eduplan.web.rules:\n" + "\n".join(missing)
    assert mounts == [], f"mounts that are not in app.PUBLIC_MOUNTS: {mounts}"
    paths = {(e.method, e.path) for e in site.eps}
    # the enumeration itself must see the included routers (FastAPI nests them): the skeleton's own routes
    assert {("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("POST", "/api/v1/auth/token"),
            ("GET", "/api/v1/auth/me"), ("GET", "/api/v1/openapi.json")} <= paths


def test_rule_of_refuses_a_route_with_none_or_two_rules():
    from fastapi import APIRouter, FastAPI

    from eduplan.web.rules import PUBLIC, STAFF, all_routes, rule_of

    router = APIRouter()
    router.add_api_route("/none", lambda: None)
    router.add_api_route("/two", lambda: None, dependencies=[PUBLIC, STAFF])
    router.add_api_route("/one", lambda: None, dependencies=[STAFF])
    app = FastAPI()
    app.include_router(router)
    found = {r.path: rule_of(r) for r in all_routes(app) if getattr(r, "methods", None)}
    assert {p: (r.name if r else None) for p, r in found.items() if p in ("/none", "/two", "/one")} == {
        "/none": None, "/two": None, "/one": "STAFF"}


def test_anonymous_api_calls_answer_401_json(site):
    client = _anonymous(site)
    wrong = []
    checked = 0
    for ep in site.eps:
        if not ep.api or ep.rule is None or ep.rule.public:
            continue
        r = client.request(ep.method, fill(ep, site.cat), **body_kwargs(ep))
        checked += 1
        ok = (r.status_code == 401 and r.headers.get("content-type", "").startswith("application/json")
              and r.json() == {"detail": NOT_SIGNED_IN} and r.headers.get("www-authenticate") == "Bearer")
        if not ok:
            wrong.append(f"{ep.method} {ep.path}: {r.status_code} {r.text[:200]}")
    assert wrong == [], "non-public API routes that do not answer an anonymous call with 401 JSON:\n" + "\n".join(wrong)
    assert checked >= 4  # /api/v1/auth/me, tokens (GET, POST), tokens/{id} (DELETE) at least


def test_anonymous_page_requests_go_to_the_login_page(site):
    client = _anonymous(site)
    token = client.get("/login").cookies.get("eduplan_csrf")
    wrong = []
    checked = 0
    for ep in site.eps:
        if ep.api or ep.rule is None or ep.rule.public:
            continue
        path = fill(ep, site.cat)
        kwargs = body_kwargs(ep, token)
        r = client.request(ep.method, path, **kwargs)
        checked += 1
        want = "/login?next=" + quote(path, safe="")
        if r.status_code != 303 or r.headers.get("location") != want:
            wrong.append(f"{ep.method} {ep.path}: {r.status_code} location={r.headers.get('location')!r} (want {want})")
    assert wrong == [], "non-public pages that an anonymous caller does not get redirected to /login from:\n" + \
        "\n".join(wrong)
    assert checked >= 5  # /account, /logout, /account/password, /account/tokens, …/revoke at least


def test_school_user_is_refused_every_route_of_other_roles(site):
    """Pages and API with the session (and the CSRF token, so that the refusal is the role's), and the API with
    the school user's API token: 403 with the role's message."""
    from fastapi.testclient import TestClient

    from eduplan import access

    code = site.cat.school_codes[0]
    browser = site.client("school", school_code=code)
    with site.state.reading() as store:
        user = access.get_user(store, site.user("school", school_code=code)[0])
        _, secret = access.create_token(store, user, "规则测试")
    script = TestClient(site.app, follow_redirects=False, headers={"Authorization": f"Bearer {secret}"})
    assert script.get("/api/v1/auth/me").json()["school_code"] == code
    wrong = []
    refused = 0
    for ep in site.eps:
        if ep.rule is None or ep.allows("school"):
            continue
        path = fill(ep, site.cat, school=code)
        calls = [("会话", browser, body_kwargs(ep, browser.csrf))]
        if ep.api:
            calls.append(("API 令牌", script, body_kwargs(ep)))
        for how, client, kwargs in calls:
            r = client.request(ep.method, path, **kwargs)
            refused += 1
            if r.status_code != 403 or ROLE_REFUSED not in message_of(r):
                wrong.append(f"{how} {ep.method} {path}: {r.status_code} {message_of(r)[:200]}")
    assert wrong == [], "routes of other roles that a 学校 user is not refused (403):\n" + "\n".join(wrong)
    assert refused >= 20  # 总览, 审计, 数据, 用户, 学位与工程, the checklist and planner … (pages and API)
    # the refusal is per route: a route a school user may call is answered
    assert browser.get("/api/v1/auth/me").status_code == 200
    assert script.get("/api/v1/auth/me").status_code == 200


def error_message(response) -> str:
    """The message of an error answer: the JSON detail, or the error page's message paragraph."""
    if response.headers.get("content-type", "").startswith("application/json"):
        return str(response.json().get("detail"))
    m = re.search(r'<p class="error-message">(.*?)</p>', response.text, re.S)
    return html.unescape(m.group(1)).strip() if m else response.text[:300]


def test_another_school_is_not_found_for_a_school_user(site):
    """A route a 学校 user may call, given another school's code, answers 404 — exactly as for a code that does not
    exist, so the answer does not confirm that the school exists."""
    code, other = site.primary[0], site.primary[-1]  # two 小学 (a 小学 takes part in 优质均衡)
    client = site.client("school", school_code=code)
    wrong = []
    checked = 0
    for ep in site.eps:
        if ep.method != "GET" or ep.rule is None or not ep.allows("school"):
            continue
        names = [n for n, a in ep.params if kind(n, a, ep.path) == "school"]
        for name in names:
            own = client.get(fill(ep, site.cat, school=code))
            theirs = client.get(fill(ep, site.cat, school=code, **{name: other}))
            nowhere = client.get(fill(ep, site.cat, school=code, **{name: "9999999999"}))
            checked += 1
            if own.status_code != 200:
                wrong.append(f"GET {ep.path} for its own school {code}: {own.status_code} {error_message(own)[:200]}")
            if theirs.status_code != 404 or (theirs.status_code, error_message(theirs)) != (
                    nowhere.status_code, error_message(nowhere)):
                wrong.append(f"GET {ep.path} for {other}: {theirs.status_code} “{error_message(theirs)[:100]}”; "
                             f"for no school: {nowhere.status_code} “{error_message(nowhere)[:100]}”")
    assert wrong == [], "\n".join(wrong)
    assert checked >= 4  # /schools/{code}, its xlsx, /balance/schools/{code}, the API's schools/{code} at least


def _role_for(ep: Endpoint) -> str:
    if ep.rule.public:
        return "admin"
    for role in ("admin", "staff", "inspector", "school"):
        if role in ep.rule.roles:
            return role
    raise AssertionError(f"{ep.path}: a rule no role may pass: {ep.rule}")


def test_state_changing_requests_need_the_csrf_token(site):
    """Every POST/PUT/PATCH/DELETE route, called with a signed-in session cookie of a role it allows but
    without the CSRF token (no header, no form field), is refused with 403 before it does anything."""
    clients: dict[str, Any] = {}
    code = site.cat.school_codes[0]
    wrong = []
    checked = 0
    for ep in site.eps:
        if ep.safe or ep.rule is None:
            continue
        role = _role_for(ep)
        if role not in clients:
            clients[role] = site.client(role, school_code=code if role == "school" else None)
        client = clients[role]
        r = client.request(ep.method, fill(ep, site.cat, school=code), **body_kwargs(ep))
        checked += 1
        if r.status_code != 403 or CSRF_REFUSED not in message_of(r):
            wrong.append(f"{ep.method} {ep.path} ({role}): {r.status_code} {message_of(r)[:200]}")
        # a wrong token is no better than none
        r = client.request(ep.method, fill(ep, site.cat, school=code), **body_kwargs(ep, "0" * 43))
        if r.status_code != 403 or CSRF_REFUSED not in message_of(r):
            wrong.append(f"{ep.method} {ep.path} ({role}, wrong token): {r.status_code} {message_of(r)[:200]}")
    assert wrong == [], "state-changing routes that accept a session cookie without the CSRF token:\n" + "\n".join(wrong)
    assert checked >= 8
    # the control: the same session with its token does get through (here: a new API token is made)
    staff = clients.get("admin") or site.client("admin")
    r = staff.post("/account/tokens", data={"name": "控制", "csrf": staff.csrf})
    assert r.status_code == 200 and "已创建 API 令牌“控制”" in html.unescape(r.text)


def test_an_anonymous_form_needs_its_own_csrf_cookie_token(site):
    """The login form (public): without the token of its own pre-session cookie it is refused."""
    client = _anonymous(site)
    token = client.get("/login").cookies.get("eduplan_csrf")
    name, password = site.user("staff")
    r = client.post("/login", data={"username": name, "password": password})
    assert r.status_code == 403 and CSRF_REFUSED in message_of(r)
    r = client.post("/login", data={"username": name, "password": password, "csrf": "x" * 43})
    assert r.status_code == 403 and CSRF_REFUSED in message_of(r)
    r = client.post("/login", data={"username": name, "password": password, "csrf": token})
    assert r.status_code == 303
