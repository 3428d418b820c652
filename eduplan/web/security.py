"""Security plumbing of every response: the signed-in user, the CSRF token, and the security headers.

`SessionMiddleware` (pure ASGI) resolves the caller once per request — a bearer API token (`Authorization:
Bearer …`, for scripts) or the session cookie (HttpOnly, SameSite=Lax, Secure over TLS; ended after inactivity,
on logout and on a password change: eduplan.access) — into `request.state.user` (None: anonymous),
`request.state.auth` ("bearer" | "cookie" | None) and `request.state.csrf` (the session's CSRF token; for an
anonymous caller a pre-session token kept in its own cookie, for the login form). It adds to every response
the security headers: a Content-Security-Policy without inline script and with frame-ancestors 'none',
nosniff, a referrer policy, and no caching of pages (static assets excepted).
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .state import PENDING, PENDING_COOKIE, pending_applies

SESSION_COOKIE = "eduplan_session"
CSRF_COOKIE = "eduplan_csrf"

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",  # ECharts positions its tooltips with style attributes; no inline script
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]


def cookie_header(name: str, value: str, *, secure: bool, max_age: int | None = None, http_only: bool = True) -> bytes:
    parts = [f"{name}={value}", "Path=/", "SameSite=Lax"]
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts).encode()


def is_tls(scope: Scope) -> bool:
    return scope.get("scheme") in ("https", "wss")


class SessionMiddleware:
    """Resolves the caller, and adds the security headers (see the module docstring)."""

    def __init__(self, app: ASGIApp, web_state: Any):
        self.app = app
        self.web = web_state

    def _locked(self, fn: Any, secret: str) -> Any:
        with self.web.reading() as store:
            return fn(store, secret)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        state = scope.setdefault("state", {})
        user, auth, csrf, new_csrf = None, None, None, None
        authz = request.headers.get("authorization", "")
        path = scope.get("path", "")
        static = path.startswith("/static/")
        if not static:
            from .. import access

            # the store's lock may be held by a long computation: wait for it in a worker thread, never in the
            # event loop (which would stall every other request, static files included)
            if authz.lower().startswith("bearer "):
                secret = authz[7:].strip()
                if secret:
                    user = await run_in_threadpool(self._locked, access.token_user, secret)
                    auth = "bearer" if user is not None else None
            else:
                secret = request.cookies.get(SESSION_COOKIE)
                if secret:
                    found = await run_in_threadpool(self._locked, access.session_user, secret)
                    if found is not None:
                        user, session = found
                        auth, csrf = "cookie", session.csrf
                        state["session_secret"] = secret
            if user is None:
                csrf = request.cookies.get(CSRF_COOKIE)
                if not csrf or len(csrf) < 32 or len(csrf) > 128:
                    csrf = new_csrf = secrets.token_urlsafe(32)
        state["user"], state["auth"], state["csrf"] = user, auth, csrf
        tls = is_tls(scope)
        pending = (user is not None and request.cookies.get(PENDING_COOKIE) == "1"
                   and pending_applies(path, user.role))
        token = PENDING.set(pending)  # figures 含待审核数据 for this request (eduplan.web.state)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in names]
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"public, max-age=3600" if static else b"no-store"))
                if tls:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                if new_csrf:
                    headers.append((b"set-cookie", cookie_header(CSRF_COOKIE, new_csrf, secure=tls)))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            PENDING.reset(token)
