"""GET /api/v1/audit: the audit log as JSON — the same rule (BUREAU), filters and rows as the /audit page.

Read-only: the API has no route that changes or deletes an audit row.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel

from ...access.audit import ACTIONS
from ..pages.audit import audit_query, chain_state, check_filters
from ..rules import BUREAU

router = APIRouter(prefix="/api/v1", tags=["审计"])

Action = Enum("Action", {k: k for k in ACTIONS}, type=str)  # the action codes (labels in `action_label`)


class Outcome(str, Enum):
    成功 = "成功"
    失败 = "失败"


class Detail(BaseModel):
    detail: str


class AuditRow(BaseModel):
    id: int
    at: datetime
    actor: str | None = None
    role: str | None = None
    role_label: str | None = None
    address: str | None = None
    action: str
    action_label: str
    target: str | None = None
    detail: str | None = None
    outcome: str
    prev_hash: str
    hash: str


class Chain(BaseModel):
    ok: bool
    rows: int
    head: str | None = None
    broken_at: int | None = None


class AuditPage(BaseModel):
    total: int
    limit: int
    offset: int
    chain: Chain
    rows: list[AuditRow]


def _utc(dt: datetime | None, name: str) -> datetime | None:
    if dt is None:
        return None
    try:
        return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        raise HTTPException(400, f"参数 {name} 的时间超出可表示的范围") from None


@router.get("/audit", dependencies=[BUREAU], response_model=AuditPage,
            responses={400: {"model": Detail}, 401: {"model": Detail}, 403: {"model": Detail}})
def audit_rows(request: Request,
               actor: Annotated[str | None, Query(max_length=200, description="操作人（用户名，精确匹配）")] = None,
               action: Annotated[Action | None, Query(description="操作代码")] = None,
               since: Annotated[datetime | None, Query(description="起（含），ISO 8601；不带时区按 UTC")] = None,
               until: Annotated[datetime | None, Query(description="止（不含），ISO 8601；不带时区按 UTC")] = None,
               outcome: Annotated[Outcome | None, Query(description="结果")] = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100,
               offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0):
    """审计日志（最新在前）：登录、上传、撤销、判定、设置与用户变更等，谁、何时、从何处、做了什么、结果如何；
    chain 给出哈希链校验结果。"""
    filters = check_filters(actor, action.value if action else None, outcome.value if outcome else None)
    filters["since"], filters["until"] = _utc(since, "since"), _utc(until, "until")
    state = request.app.state.web
    with state.reading() as store:
        rows, total = audit_query(store, filters, limit, offset)
    return AuditPage(total=total, limit=limit, offset=offset, chain=Chain(**chain_state(state)),
                     rows=[AuditRow(**{k: r.get(k) for k in AuditRow.model_fields}) for r in rows])
