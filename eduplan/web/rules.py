"""Who may call each route: the roles, the rule every route declares, and a school user's scope.

Every route of the application passes exactly one rule as a dependency (`dependencies=[STAFF]`);
tests/test_web_rules.py enumerates the application's routes and fails on one without a rule. A rule checks
the signed-in user's role (anonymous callers of a non-public route: pages redirect to the login page, the
API answers 401) and, for a state-changing request made with a session cookie, the CSRF token (form field
`csrf` or header `X-CSRF-Token`). The user is resolved once per request by `security.SessionMiddleware`.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any, Iterable

from fastapi import Depends, HTTPException, Request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ROLE_LABELS = {"admin": "管理员", "staff": "规划统计", "inspector": "督学", "school": "学校"}
ALL_ROLES = frozenset(ROLE_LABELS)


class NotSignedIn(Exception):
    """A non-public route called without a session or token."""


class CsrfFailed(HTTPException):
    def __init__(self) -> None:
        super().__init__(403, "请求缺少有效的防伪校验（CSRF）令牌：请刷新页面后重试")


class Rule:
    """A route's access rule: the roles that may call it (public: anyone, signed in or not)."""

    def __init__(self, name: str, roles: Iterable[str] = (), public: bool = False, label: str = ""):
        self.name = name
        self.roles = frozenset(roles)
        self.public = public
        self.label = label

    def __repr__(self) -> str:
        return f"Rule({self.name})"

    def allows(self, user: Any) -> bool:
        if self.public:
            return True
        return user is not None and user.role in self.roles

    async def __call__(self, request: Request) -> None:
        user = getattr(request.state, "user", None)
        if not self.public:
            if user is None:
                raise NotSignedIn()
            if user.role not in self.roles:
                raise HTTPException(403, f"当前用户（{ROLE_LABELS.get(user.role, user.role)}）无权访问此页面或接口")
        if request.method not in SAFE_METHODS:
            await check_csrf(request)


async def check_csrf(request: Request) -> None:
    """State-changing requests authenticated by the session cookie must carry the session's CSRF token;
    a bearer-token call (scripts) carries no cookie and needs none; an anonymous form (the login form)
    must carry the pre-session token of its own cookie (double submit); an anonymous JSON call needs none."""
    auth = getattr(request.state, "auth", None)
    if auth == "bearer":
        return
    if auth is None and request.headers.get("content-type", "").split(";")[0].strip() == "application/json":
        # an anonymous JSON call (POST /api/v1/auth/token) carries no ambient authority to abuse, and a page of
        # another site cannot send application/json here without a CORS preflight, which this server refuses
        return
    expected = getattr(request.state, "csrf", None)
    if not expected:
        raise CsrfFailed()
    given = request.headers.get("x-csrf-token")
    if not given:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf")
            given = value if isinstance(value, str) else None
    if not given or not hmac.compare_digest(given, expected):
        raise CsrfFailed()


def _rule(name: str, roles: Iterable[str] = (), public: bool = False, label: str = "") -> Any:
    r = Rule(name, roles, public, label)
    dep = Depends(r)
    RULES[name] = r
    return dep


RULES: dict[str, Rule] = {}
PUBLIC = _rule("PUBLIC", public=True, label="任何人（无须登录）")
SIGNED_IN = _rule("SIGNED_IN", ALL_ROLES, label="已登录的任何角色（学校用户只见本校）")
BUREAU = _rule("BUREAU", {"admin", "staff", "inspector"}, label="管理员、规划统计、督学")
STAFF = _rule("STAFF", {"admin", "staff"}, label="管理员、规划统计")
ADMIN = _rule("ADMIN", {"admin"}, label="管理员")
JUDGES = _rule("JUDGES", {"admin", "inspector"}, label="管理员、督学（记录督导评估判定）")
PUPIL_DATA = _rule("PUPIL_DATA", {"admin", "staff", "school"}, label="管理员、规划统计、学校（仅本校）——学生个人数据")


def rule_of(route: Any) -> Rule | None:
    """The rule a route declared (None: none — a defect the route-rule test reports)."""
    found = [d.dependency for d in getattr(route, "dependencies", []) if isinstance(d.dependency, Rule)]
    return found[0] if len(found) == 1 else None


def current_user(request: Request) -> Any:
    """The signed-in user (eduplan.access.User) or None."""
    return getattr(request.state, "user", None)


@dataclass(frozen=True)
class SchoolScope:
    """What school rows a user may see: all (bureau roles) or its own school only (a 学校 user)."""

    all: bool
    school_code: str | None = None

    def allows(self, code: Any) -> bool:
        return self.all or (code is not None and str(code) == self.school_code)

    def only(self, rows: Iterable[Any], key: str = "school_code") -> list[Any]:
        if self.all:
            return list(rows)
        out = []
        for r in rows:
            v = r.get(key) if isinstance(r, dict) else getattr(r, key, None)
            if self.allows(v):
                out.append(r)
        return out

    def require(self, code: Any) -> None:
        """404 for a school the user may not see (not 403: the answer must not confirm the school exists)."""
        if not self.allows(code):
            raise HTTPException(404, "没有找到该学校")


def school_scope(request: Request) -> SchoolScope:
    user = current_user(request)
    if user is not None and user.role == "school":
        return SchoolScope(all=False, school_code=user.school_code)
    if user is None:
        return SchoolScope(all=False, school_code=None)  # anonymous: no school rows at all
    return SchoolScope(all=True)


def all_routes(app: Any) -> list[Any]:
    """Every route of the application, flattened: FastAPI ≥ 0.16x keeps an included router as one entry whose
    `effective_route_contexts()` are its routes (with the path, methods and dependencies they are served with);
    older versions list APIRoute objects directly. Mounts (static files) are returned as they are."""
    out: list[Any] = []
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            out.extend(contexts())
        else:
            out.append(route)
    return out
