"""API authentication: a token from a user name and password (for scripts), who am I, and one's own tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ..rules import PUBLIC, SIGNED_IN, current_user

router = APIRouter(prefix="/api/v1", tags=["认证"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime | None = None


class Me(BaseModel):
    username: str
    role: str
    role_label: str
    school_code: str | None = None
    display_name: str | None = None


class TokenInfo(BaseModel):
    id: int
    name: str
    created_at: datetime | None = None
    last_used: datetime | None = None
    expires_at: datetime | None = None
    revoked: bool = False


class NewToken(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    expires_hours: float | None = Field(None, gt=0, le=24 * 366)


class Detail(BaseModel):
    detail: str


@router.post("/auth/token", dependencies=[PUBLIC], response_model=TokenOut,
             responses={401: {"model": Detail}, 429: {"model": Detail}})
def token(request: Request, body: Credentials):
    """用户名和密码换取 API 令牌（有效期见设置 access.login_token_hours）。"""
    from ... import access

    web = request.app.state.web
    address = request.client.host if request.client else "未知"
    try:
        with web.reading() as store:
            user = access.authenticate(store, body.username.strip(), body.password, address=address)
            hours = access.load_settings().login_token_hours
            token_id, secret = access.create_token(store, user, "接口登录（POST /api/v1/auth/token）", expires_hours=hours)
            info = [t for t in access.list_tokens(store, user) if t["id"] == token_id]
    except access.LoginRefused as e:  # eduplan.access records the attempt (and its audit row) itself
        headers = {"Retry-After": str(max(1, int(e.retry_after + 0.999)))} if e.retry_after else None
        return JSONResponse({"detail": str(e)}, status_code=429 if e.retry_after else 401, headers=headers)
    return TokenOut(access_token=secret, expires_at=info[0]["expires_at"] if info else None)


@router.get("/auth/me", dependencies=[SIGNED_IN], response_model=Me, responses={401: {"model": Detail}})
def me(request: Request):
    """当前用户：用户名、角色、所属学校。"""
    from ... import access

    u = current_user(request)
    return Me(username=u.username, role=u.role, role_label=access.ROLES[u.role], school_code=u.school_code,
              display_name=u.display_name)


@router.get("/auth/tokens", dependencies=[SIGNED_IN], response_model=list[TokenInfo], responses={401: {"model": Detail}})
def tokens(request: Request):
    """本人的 API 令牌（不含令牌本身）。"""
    from ... import access

    with request.app.state.web.reading() as store:
        return [TokenInfo(**{k: t.get(k) for k in TokenInfo.model_fields}) for t in access.list_tokens(store, current_user(request))]


@router.post("/auth/tokens", dependencies=[SIGNED_IN], response_model=TokenOut, responses={401: {"model": Detail}})
def new_token(request: Request, body: NewToken):
    """为本人新建一个 API 令牌（只在此时返回一次）。"""
    from ... import access

    user = current_user(request)
    with request.app.state.web.reading() as store:
        token_id, secret = access.create_token(store, user, body.name.strip() or "令牌", expires_hours=body.expires_hours)
        info = [t for t in access.list_tokens(store, user) if t["id"] == token_id]
    return TokenOut(access_token=secret, expires_at=info[0]["expires_at"] if info else None)


@router.delete("/auth/tokens/{token_id}", dependencies=[SIGNED_IN], response_model=Detail,
               responses={401: {"model": Detail}, 404: {"model": Detail}})
def revoke(request: Request, token_id: Annotated[int, Path(ge=1, le=2**31 - 1)]):
    """吊销本人的一个 API 令牌。"""
    from ... import access

    user = current_user(request)
    try:
        with request.app.state.web.reading() as store:
            access.revoke_token(store, user, token_id, actor=user)
    except access.AccessError as e:
        raise HTTPException(404, str(e)) from None
    return Detail(detail=f"已吊销令牌 {token_id}")
