"""Signing in and out, and the user's own account: password change and personal API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse

from .. import security
from ..rules import PUBLIC, SIGNED_IN, current_user
from ..security import SESSION_COOKIE, cookie_header, is_tls
from ..templating import render

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only a path of this site (no scheme, no host, no “//”), else the start page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target or "\n" in target:
        return "/"
    return target


def client_address(request: Request) -> str:
    return request.client.host if request.client else "未知"


def landing(user) -> str:
    if user.role == "school" and user.school_code:
        return f"/schools/{user.school_code}"
    return "/overview"


@router.get("/login", dependencies=[PUBLIC])
def login_page(request: Request, next: str | None = None):
    user = current_user(request)
    if user is not None:
        return RedirectResponse(safe_next(next) if next else landing(user), status_code=303)
    return render(request, "auth/login.html", {"next": safe_next(next) if next else "", "error": None})


@router.post("/login", dependencies=[PUBLIC])
def login(request: Request, username: Annotated[str, Form(max_length=200)] = "",
          password: Annotated[str, Form(max_length=1000)] = "", next: Annotated[str, Form(max_length=2000)] = ""):
    from ... import access

    web = request.app.state.web
    address = client_address(request)
    username = username.strip()
    try:
        with web.reading() as store:
            user = access.authenticate(store, username, password, address=address)
            secret, _csrf = access.create_session(store, user, address=address,
                                                  user_agent=request.headers.get("user-agent", "")[:300])
    except access.LoginRefused as e:  # eduplan.access records the attempt (and its audit row) itself
        status = 429 if e.retry_after else 401
        resp = render(request, "auth/login.html", {"next": safe_next(next) if next else "", "error": str(e),
                                                   "username": username}, status_code=status)
        if e.retry_after:
            resp.headers["retry-after"] = str(max(1, int(e.retry_after + 0.999)))
        return resp
    resp = RedirectResponse(safe_next(next) if next else landing(user), status_code=303)
    resp.headers.append("set-cookie", cookie_header(SESSION_COOKIE, secret, secure=is_tls(request.scope)).decode())
    return resp


@router.post("/logout", dependencies=[SIGNED_IN])
def logout(request: Request):
    from ... import access

    web = request.app.state.web
    secret = getattr(request.state, "session_secret", None)
    if secret:
        with web.reading() as store:
            access.end_session(store, secret, address=client_address(request))  # records the audit row
    resp = RedirectResponse("/", status_code=303)
    resp.headers.append("set-cookie", cookie_header(SESSION_COOKIE, "", secure=is_tls(request.scope), max_age=0).decode())
    return resp


def _account(request: Request, **extra):
    from ... import access

    user = current_user(request)
    with request.app.state.web.reading() as store:
        tokens = access.list_tokens(store, user)
    return render(request, "auth/account.html", {"tokens": tokens, "message": None, "error": None,
                                                 "new_token": None, **extra})


@router.get("/account", dependencies=[SIGNED_IN])
def account(request: Request):
    return _account(request)


@router.post("/account/password", dependencies=[SIGNED_IN])
def change_password(request: Request, old_password: Annotated[str, Form(max_length=1000)] = "",
                    new_password: Annotated[str, Form(max_length=1000)] = "",
                    new_password2: Annotated[str, Form(max_length=1000)] = ""):
    from ... import access

    user = current_user(request)
    if new_password != new_password2:
        return _account(request, error="两次输入的新密码不一致")
    try:
        with request.app.state.web.reading() as store:
            access.change_password(store, user, old_password, new_password, address=client_address(request))
    except access.AccessError as e:
        return _account(request, error=str(e))
    # every session of the user ended, this one too: sign in again with the new password
    resp = RedirectResponse("/login", status_code=303)
    resp.headers.append("set-cookie", cookie_header(SESSION_COOKIE, "", secure=is_tls(request.scope), max_age=0).decode())
    return resp


@router.post("/account/tokens", dependencies=[SIGNED_IN])
def create_token(request: Request, name: Annotated[str, Form(min_length=1, max_length=100)]):
    from ... import access

    user = current_user(request)
    with request.app.state.web.reading() as store:
        token_id, secret = access.create_token(store, user, name.strip())
    return _account(request, new_token=secret, message=f"已创建 API 令牌“{name.strip()}”（编号 {token_id}）：它只显示这一次，请立即复制保存")


@router.post("/account/tokens/{token_id}/revoke", dependencies=[SIGNED_IN])
def revoke_token(request: Request, token_id: Annotated[int, Path(ge=1, le=2**31 - 1)]):
    from ... import access

    user = current_user(request)
    try:
        with request.app.state.web.reading() as store:
            access.revoke_token(store, user, token_id, actor=user)
    except access.AccessError as e:
        raise HTTPException(404, str(e)) from None
    return _account(request, message=f"已吊销令牌 {token_id}")
