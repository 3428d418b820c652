"""API: import batches (list, one, undo) and the upload of source files (POST /api/v1/import) — for 规划统计 staff
and administrators; the same import, size bound, user and audit rows as the 数据 page (eduplan/web/pages/data.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ...errors import EduplanError
from ..pages.data import (
    BATCH_ID, UPLOAD_BODY, UPLOAD_RULES, UploadError, client_address, handle_upload, issue_rows, undo_batch,
)
from ..rules import STAFF, current_user

router = APIRouter(prefix="/api/v1", tags=["导入批次"])


class Detail(BaseModel):
    detail: str


class TableChange(BaseModel):
    rows: int | None = None
    inserted: int | None = None
    updated: int | None = None
    unchanged: int | None = None
    deleted: int | None = None


class BatchOut(BaseModel):
    batch_id: int
    kind: str
    kind_label: str
    file_name: str
    sha256: str
    imported_at: datetime
    user_name: str
    os_user: str | None = None
    rows_total: int
    tables: dict[str, TableChange]
    undoes: int | None = None
    note: str | None = None


class ProblemOut(BaseModel):
    level: str
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    cell: str | None = None
    value: str | None = None
    rule: str = ""
    message: str


class FileOut(BaseModel):
    file: str
    sha256: str
    tables: dict[str, int]
    skipped: bool
    batch_id: int | None = None


class ImportOut(BaseModel):
    ok: bool
    written: bool
    batches: list[int]
    rows: int
    files: list[FileOut]
    errors: list[ProblemOut]  # the first 1,000 (errors_total: all); the 问题清单 workbook lists every one
    warnings: list[ProblemOut]
    errors_total: int
    warnings_total: int
    notes: list[str]
    problem_list: str | None = None  # the 问题清单 workbook (for the signed-in user, a few hours)


class UndoneOut(BaseModel):
    batch_id: int
    undo_batch: int
    file_name: str
    written: dict[str, TableChange]


class UndoOut(BaseModel):
    undone: list[UndoneOut]
    order: list[int]


def batch_out(b: dict[str, Any]) -> BatchOut:
    from ...store import KINDS

    return BatchOut(batch_id=b["batch_id"], kind=b["kind"], kind_label=KINDS.get(b["kind"], b["kind"]),
                    file_name=b["file_name"], sha256=b["sha256"], imported_at=b["imported_at"],
                    user_name=b["user_name"], os_user=b.get("os_user"), rows_total=b["rows_total"],
                    tables={k: TableChange(**{f: v.get(f) for f in TableChange.model_fields}) for k, v in b["tables"].items()},
                    undoes=b.get("undoes"), note=b.get("note"))


@router.get("/batches", dependencies=[STAFF], response_model=list[BatchOut], responses={401: {"model": Detail}})
def batches(request: Request):
    """全部导入批次（由旧到新）：文件、sha256、时间（UTC）、用户、行数、各表变化。"""
    with request.app.state.web.reading() as store:
        return [batch_out(b) for b in store.batches()]


@router.get("/batches/{batch_id}", dependencies=[STAFF], response_model=BatchOut,
            responses={401: {"model": Detail}, 404: {"model": Detail}})
def batch(request: Request, batch_id: BATCH_ID):
    """一个导入批次。"""
    with request.app.state.web.reading() as store:
        b = store.batch(batch_id)
        last = store.max_batch_id()
    if b is None:
        raise HTTPException(404, f"没有批次 {batch_id}（" + (f"现有批次 1–{last}" if last else "库中还没有任何批次") + "）")
    return batch_out(b)


@router.post("/batches/{batch_id}/undo", dependencies=[STAFF], response_model=UndoOut,
             responses={400: {"model": Detail}, 401: {"model": Detail}, 404: {"model": Detail}})
def undo(request: Request, batch_id: BATCH_ID,
         cascade: bool = Query(False, description="之后的批次改动过同一批行时，先从新到旧撤销它们")):
    """撤销一个批次（同 eduplan db undo），记录为新的撤销批次；写审计日志。"""
    state = request.app.state.web
    with state.reading() as store:
        exists = store.batch(batch_id) is not None
    if not exists:
        raise HTTPException(404, f"没有批次 {batch_id}")
    try:
        result = undo_batch(state, current_user(request), client_address(request), batch_id, cascade)
    except EduplanError as e:
        raise HTTPException(400, str(e)) from None
    return UndoOut(undone=[UndoneOut(batch_id=u["batch_id"], undo_batch=u["undo_batch"], file_name=u["file_name"],
                                     written={k: TableChange(**{f: v.get(f) for f in TableChange.model_fields})
                                              for k, v in u["written"].items()})
                           for u in result["undone"]], order=result["order"])


@router.post("/import", dependencies=UPLOAD_RULES, response_model=ImportOut, openapi_extra=UPLOAD_BODY,
             responses={400: {"model": ImportOut}, 401: {"model": Detail}, 411: {"model": Detail},
                        413: {"model": Detail}})
async def import_(request: Request):
    """上传并导入源数据文件（multipart 字段 files，可多个；replace）：与 eduplan import 相同的校验，任何错误时全部不写入。
    返回导入报告：ok、错误（文件、工作表、行、列、值、规则）、批次号。"""
    try:
        result = await handle_upload(request)
    except UploadError as e:
        return JSONResponse({"detail": str(e)}, status_code=400)
    r = result.report
    out = ImportOut(
        ok=r.ok, written=r.written, batches=result.batches, rows=result.rows,
        files=[FileOut(file=f.file, sha256=f.sha256, tables=f.tables, skipped=f.skipped, batch_id=f.batch_id)
               for f in r.files],
        errors=[ProblemOut(**i) for i in issue_rows(r.errors)],
        warnings=[ProblemOut(**i) for i in issue_rows(r.warnings)],
        errors_total=len(r.errors), warnings_total=len(r.warnings),
        notes=[i.text() for i in r.issues if i.level == "info"],
        problem_list=f"/data/reports/{result.report_id}.xlsx" if result.report_id else None)
    return JSONResponse(out.model_dump(mode="json"), status_code=200 if r.ok else 400)
