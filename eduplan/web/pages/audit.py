"""审计: the audit log (eduplan.access.audit) as a page — filter, page through, export to xlsx, check the chain.

Rule BUREAU (管理员、规划统计、督学): the log holds who did what, when and from where — no pupil's personal data —
and 督学, whose role is oversight, are the readers it is most meant for; a 学校 user does not see it (it names
other schools' users and uploads). The log is append-only: no route here or anywhere changes or deletes a row;
the page says whether the hash chain verifies (`audit.verify`) and shows the latest row's hash to keep
elsewhere. An export is itself recorded (action `download`).

`audit_query` is shared with GET /api/v1/audit (eduplan/web/api/audit.py): the same filters, the same rows.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request

from ..rules import BUREAU, current_user
from ..templating import render, xlsx_response

router = APIRouter()

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
OUTCOMES = ("成功", "失败")


def parse_when(text: str | None, *, end: bool = False) -> datetime | None:
    """A filter bound as the page's date or date-time box gives it (UTC): “2026-12-01” (as an upper bound: the
    end of that day) or “2026-12-01T08:30”; None for blank. Anything else is a 400 naming the value."""
    if text is None or not text.strip():
        return None
    s = text.strip()
    try:
        if len(s) == 10:
            d = date.fromisoformat(s)
            if end and d == date.max:
                return None  # up to the end of time: no upper bound
            dt = datetime.combine(d, time.min) + (timedelta(days=1) if end else timedelta())
        else:
            dt = datetime.fromisoformat(s.replace(" ", "T"))
    except (ValueError, OverflowError):
        raise HTTPException(400, f"时间“{s}”无法识别：请写成 2026-12-01 或 2026-12-01T08:30（UTC）") from None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def check_filters(actor: str | None, action: str | None, outcome: str | None) -> dict[str, Any]:
    from ...access import audit

    if action and action not in audit.ACTIONS:
        raise HTTPException(400, f"操作“{action}”不存在；可选：" + "、".join(f"{k}（{v}）" for k, v in audit.ACTIONS.items()))
    if outcome and outcome not in OUTCOMES:
        raise HTTPException(400, f"结果“{outcome}”不存在；可选：成功、失败")
    return {"actor": (actor or "").strip() or None, "action": action or None, "outcome": outcome or None}


def detail_text(detail: str | None) -> str:
    """The stored detail (JSON text of a dict, or text) as a person reads it: “原因：用户名或密码不正确；via：api”."""
    import json

    if not detail:
        return ""
    try:
        data = json.loads(detail)
    except ValueError:
        return detail
    if isinstance(data, dict):
        return "；".join(f"{k}：{'—' if v is None else (json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)}"
                        for k, v in data.items())
    return detail


def audit_query(store: Any, filters: dict[str, Any], limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """(the rows of the page, newest first; the number of rows the filters select)."""
    from ...access import audit

    rows = audit.rows(store, limit=limit, offset=offset, **filters)
    for r in rows:
        r["detail_text"] = detail_text(r["detail"])
    return rows, audit.count(store, **filters)


def chain_state(state: Any) -> dict[str, Any]:
    """Whether the hash chain verifies, checked once per latest row (the log only grows)."""
    from ...access import audit

    with state.reading() as store:
        head = audit.head(store)
    if head is None:
        return {"ok": True, "rows": 0, "head": None, "broken_at": None}

    def check(store):
        ok, at = audit.verify(store)
        return {"ok": ok, "rows": head[0], "head": head[1], "broken_at": at}

    return state.cached(("audit", "verify", head[0], head[1]), check)


def _filters(actor, action, since, until, outcome) -> dict[str, Any]:
    f = check_filters(actor, action, outcome)
    f["since"] = parse_when(since)
    f["until"] = parse_when(until, end=True)
    return f


@router.get("/audit", dependencies=[BUREAU])
def audit_page(request: Request,
               actor: Annotated[str | None, Query(max_length=200)] = None,
               action: Annotated[str | None, Query(max_length=40)] = None,
               since: Annotated[str | None, Query(max_length=40)] = None,
               until: Annotated[str | None, Query(max_length=40)] = None,
               outcome: Annotated[str | None, Query(max_length=10)] = None,
               page: Annotated[int, Query(ge=1, le=2**31 - 1)] = 1):
    from ...access import audit
    from ...store.schema import AUDIT_TABLE

    filters = _filters(actor, action, since, until, outcome)
    state = request.app.state.web
    with state.reading() as store:
        rows, total = audit_query(store, filters, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        actors = [r[0] for r in store.run(
            f"SELECT DISTINCT actor FROM {AUDIT_TABLE} WHERE actor IS NOT NULL ORDER BY actor LIMIT 500")]
    given = {k: v for k, v in {"actor": actor, "action": action, "since": since, "until": until,
                               "outcome": outcome}.items() if v}
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    return render(request, "audit/index.html", {
        "rows": rows, "total": total, "page": page, "pages": pages, "page_size": PAGE_SIZE,
        "given": given, "query": urlencode(given), "actions": audit.ACTIONS, "outcomes": OUTCOMES,
        "actors": actors, "chain": chain_state(state), "export_limit": EXPORT_LIMIT,
        "time_label": _label,
    })


def _label(dt: Any) -> str:
    from ...store import time_label

    return time_label(dt)


@router.get("/audit/export.xlsx", dependencies=[BUREAU])
def audit_export(request: Request,
                 actor: Annotated[str | None, Query(max_length=200)] = None,
                 action: Annotated[str | None, Query(max_length=40)] = None,
                 since: Annotated[str | None, Query(max_length=40)] = None,
                 until: Annotated[str | None, Query(max_length=40)] = None,
                 outcome: Annotated[str | None, Query(max_length=10)] = None):
    from ...access import audit

    filters = _filters(actor, action, since, until, outcome)
    state = request.app.state.web
    user = current_user(request)
    with state.reading() as store:
        rows, total = audit_query(store, filters, EXPORT_LIMIT, 0)
        shown = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in filters.items() if v is not None}
        audit.record(store, actor=user, action="download", target="审计日志.xlsx",
                     detail={"筛选": shown, "行数": len(rows), "符合条件行数": total},
                     address=request.client.host if request.client else None)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return xlsx_response(lambda path: audit.write_xlsx(rows, path), f"审计日志-{stamp}.xlsx")
