"""Pages as Jinja2 templates (autoescaped), the context every page gets, formatting filters, and xlsx downloads.

`render(request, "overview/index.html", {...})` adds: `user` (None: anonymous), `role_label`, `csrf` (for the
hidden field of every state-changing form), `nav` (the menu of the user's role), `version` (the data version).
Templates never hold inline script: charts are JSON blocks read by /static/app.js (see docs/web.md).
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.background import BackgroundTask

from .rules import ROLE_LABELS
from .state import PENDING, PENDING_ROLES

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.autoescape = True

# The menu: (path, label, roles that see it). A school user's 我校 entry is added in `nav_for`.
NAV: list[tuple[str, str, frozenset[str]]] = [
    ("/overview", "总览", frozenset({"admin", "staff", "inspector"})),
    ("/indicators", "指标", frozenset({"admin", "staff", "inspector", "school"})),
    ("/balance", "优质均衡", frozenset({"admin", "staff", "inspector", "school"})),
    ("/places", "学位与工程", frozenset({"admin", "staff", "inspector"})),
    ("/collection", "数据采集", frozenset({"admin", "staff", "inspector", "school"})),
    ("/data", "数据", frozenset({"admin", "staff"})),
    ("/audit", "审计", frozenset({"admin", "staff", "inspector"})),
    ("/admin/users", "用户", frozenset({"admin"})),
    ("/", "公开", frozenset({"admin", "staff", "inspector", "school", "anonymous"})),
]


def nav_for(user: Any) -> list[tuple[str, str]]:
    role = user.role if user is not None else "anonymous"
    items = [(p, label) for p, label, roles in NAV if role in roles]
    if user is not None and user.role == "school" and user.school_code:
        items.insert(0, (f"/schools/{user.school_code}", "我校"))
    return items


def num(v: Any, digits: int = 2) -> str:
    """A number as a Chinese page shows it: thousands separated, `digits` decimals (trailing zeros kept),
    integers without decimals; missing as “—”."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) >= 1000):
        return f"{int(v):,}"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return str(v)


def pct(v: Any, digits: int = 1) -> str:
    """A share (0.953) as a percentage (95.3%); missing as “—”."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{float(v) * 100:.{digits}f}%"


STATUS_CLASS = {"已达成": "st-ok", "按计划": "st-ok", "达标": "st-ok", "有风险": "st-warn", "接近": "st-warn",
                "待评估": "st-warn", "偏离": "st-bad", "未达标": "st-bad", "无规划目标": "st-none", None: "st-none"}


def status_class(status: Any) -> str:
    return STATUS_CLASS.get(status, "st-none")


templates.env.filters["num"] = num
templates.env.filters["pct"] = pct
templates.env.filters["status_class"] = status_class


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    web = getattr(request.app.state, "web", None)
    ctx = {
        "user": user,
        "role_label": ROLE_LABELS.get(user.role, user.role) if user is not None else "公众",
        "csrf": getattr(request.state, "csrf", "") or "",
        "nav": nav_for(user),
        "path": request.url.path,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "version": web.version() if web is not None else "",
        "with_pending": PENDING.get(),  # figures 含待审核数据 (eduplan.web.state)
        "pending_switch": user is not None and user.role in PENDING_ROLES,
        "pending_count": web.pending_count() if web is not None else 0,
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def xlsx_response(write: Callable[[Path], Any], filename: str) -> Response:
    """A workbook written by `write(path)` (the same writers as the CLI) as a download named `filename`;
    the temporary file is removed after it was sent."""
    from urllib.parse import quote

    fd, tmp = tempfile.mkstemp(prefix="eduplan-web-", suffix=".xlsx")
    os.close(fd)
    path = Path(tmp)
    path.unlink()  # the writers refuse to overwrite; they create it
    try:
        write(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    from fastapi.responses import FileResponse

    ascii_name = "download.xlsx"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return FileResponse(path, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"content-disposition": disposition},
                        background=BackgroundTask(path.unlink, missing_ok=True))
