"""The application factory: `create_app(db)` → a FastAPI application over one store; `serve(...)` runs it.

Routers are discovered: every module of `eduplan.web.pages` and `eduplan.web.api` that has a `router` is
included (in name order), and a module's `warm(state)` — if it has one — is run once in the background after
start-up, so that the first visitors find the usual results computed. Errors never show a traceback: pages get
a Chinese error page, the API a JSON `{"detail": …}` (401 without a session or token, 403 for a role without
the right, 404 for what the user may not see or what does not exist, 400 for an EduplanError, 422 for a
parameter that does not validate, 500 "内部错误" with the details in the server's log).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import EduplanError
from . import api as api_package
from . import pages as pages_package
from .rules import PUBLIC, NotSignedIn
from .security import HEADERS, SessionMiddleware
from .settings import WebSettings
from .state import WebState
from .templating import STATIC, render

log = logging.getLogger("eduplan.web")
API = "/api/v1"
# Mounts (not routes) and who may read them: the static assets are public (no data in them).
PUBLIC_MOUNTS = {"/static"}


def _modules(package: Any) -> list[Any]:
    return [importlib.import_module(f"{package.__name__}.{m.name}")
            for m in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name)]


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API + "/") or request.url.path == API


def _error(request: Request, status: int, message: str, headers: dict | None = None):
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


_VALIDATION_WORDS = {
    "int_parsing": "应为整数", "float_parsing": "应为数字", "missing": "缺少此项", "string_too_long": "过长",
    "string_too_short": "过短", "greater_than_equal": "太小", "less_than_equal": "太大", "string_pattern_mismatch": "格式不正确",
    "enum": "不是可选的值之一", "literal_error": "不是可选的值之一", "json_invalid": "不是有效的 JSON", "bool_parsing": "应为是/否",
    "model_attributes_type": "格式不正确", "dict_type": "应为 JSON 对象", "string_type": "应为文本",
}


def _validation_items(exc: RequestValidationError) -> list[dict[str, Any]]:
    items = []
    for e in exc.errors():
        loc = [str(x) for x in e.get("loc", ())]
        where = ".".join(x for x in loc if x not in ("query", "path", "body", "form")) or "请求"
        word = _VALIDATION_WORDS.get(e.get("type", ""), "不正确")
        items.append({"loc": loc, "msg": f"参数 {where} {word}", "type": e.get("type", "value_error")})
    return items


def create_app(db: str | Path, settings: WebSettings | None = None, *, warm: bool = True) -> FastAPI:
    """The application over the store `db` (opened read-write when the application starts, held until it stops)."""
    web = WebState(db, settings)
    pages = _modules(pages_package)
    apis = _modules(api_package)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        web.open()
        if warm:
            def run_warmers() -> None:
                for m in pages + apis:
                    fn = getattr(m, "warm", None)
                    if fn is not None:
                        try:
                            fn(web)
                        except Exception:  # noqa: BLE001 - a warm-up failure shows again on the page itself
                            log.exception("warm-up of %s failed", m.__name__)
            threading.Thread(target=run_warmers, name="eduplan-warm", daemon=True).start()
        try:
            yield
        finally:
            web.close()

    app = FastAPI(
        title="eduplan 接口", version=__version__, lifespan=lifespan,
        description="区域教育规划数据系统的 JSON 接口：指标、解释、优质均衡、学位预测、项目库、导入批次、审计。"
                    "脚本先以 POST /api/v1/auth/token 取得令牌，再在请求头写 Authorization: Bearer <令牌>。",
        openapi_url=None, docs_url=None, redoc_url=None,
    )
    app.state.web = web
    app.add_middleware(SessionMiddleware, web_state=web)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for m in pages + apis:
        router = getattr(m, "router", None)
        if router is not None:  # the OpenAPI document describes the JSON API only, not the HTML pages
            app.include_router(router, include_in_schema=m in apis)

    @app.get(API + "/openapi.json", include_in_schema=False, dependencies=[PUBLIC])
    def openapi_document() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn):
        if _is_api(request):
            return JSONResponse({"detail": "请先登录：在请求头写 Authorization: Bearer <令牌>（POST /api/v1/auth/token 取得）"},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        from urllib.parse import quote

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "请求无法完成"
        if exc.status_code == 404 and message == "Not Found":
            message = "页面不存在"
        elif exc.status_code == 405:
            message = "此地址不接受该请求方法"
        return _error(request, exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        items = _validation_items(exc)
        if _is_api(request):
            return JSONResponse({"detail": items}, status_code=422)
        return _error(request, 400, "请求参数不正确：" + "；".join(i["msg"] for i in items))

    @app.exception_handler(EduplanError)
    async def eduplan_error(request: Request, exc: EduplanError):
        return _error(request, 400, str(exc))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception):
        log.exception("internal error on %s %s", request.method, request.url.path)
        response = _error(request, 500, "服务器内部错误：已记入服务日志，请联系管理员")
        # this handler runs in Starlette's outermost error middleware, outside SessionMiddleware: add its headers here
        for k, v in HEADERS:
            response.headers.setdefault(k.decode(), v.decode())
        response.headers.setdefault("cache-control", "no-store")
        return response

    return app


def serve(db: str | Path, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info") -> None:
    """Run the application with uvicorn in this process (one process: it owns the DuckDB file)."""
    import uvicorn

    app = create_app(db)
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=False, server_header=False,
                date_header=True)
