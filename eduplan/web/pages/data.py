"""数据: upload source files through the same import as `eduplan import`, the import batches, a row's history and
undo — for 规划统计 staff and administrators.

An upload is refused before its body is read when it is bigger than the setting `web.max_upload_mb` (by its
Content-Length; an upload without one is refused too). The files are written to a private temporary folder
under the names the user gave them (any path part removed), imported with `eduplan.ingest.import_files` into the
server's store inside `WebState.writing()` (nothing written when a file has an error; the result cache is
dropped afterwards), and the folder is removed. The batches are recorded with the web user's name; every
upload and undo writes an audit row. The problems of an upload stay downloadable as the 问题清单 workbook
(the CLI's `--report`) for a while, to the user who uploaded. The API twin is eduplan/web/api/batches.py.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ...errors import EduplanError
from ...store.versions import changes_text  # the one wording of a batch's changes (also the CLI's)
from ..rules import RULES, STAFF, current_user
from ..templating import render, xlsx_response

router = APIRouter()

MB = 1024 * 1024
MAX_NAME = 150
REPORTS_KEPT = 16
SHOWN = 1000  # problems listed on the page / in the API answer per level; the 问题清单 workbook has them all
REPORT_SECONDS = 6 * 3600
BATCH_ID = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="批次号")]
REPORT_ID = r"^[A-Za-z0-9_-]{16,64}$"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*\u200e\u200f\u202a-\u202e\u2066-\u2069]")

# The request body of an upload, for the OpenAPI document (the route reads the form itself, after its size check).
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["files"],
            "properties": {
                "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                          "description": "一个或多个 .xlsx / .xls / .csv 源数据文件"},
                "replace": {"type": "boolean", "description": "同时删除库中属于文件所含“学校×年度”、但文件中没有的行（同 eduplan import --replace）"},
            }}}},
    }
}


class UploadError(EduplanError):
    """An upload that cannot be imported as it is (no file)."""


def client_address(request: Request) -> str:
    return request.client.host if request.client else "未知"


# ------------------------------------------------------------------ the size bound


async def refuse_oversize(request: Request, user: Any, *, action: str, how: str, not_done: str) -> None:
    """Refuse a request whose body is bigger than `web.max_upload_mb` before reading it: 411 without a
    Content-Length (`how`: what to use instead), 400 for a malformed one, 413 — audited as `action` — for too much
    (`not_done`: what was not done, e.g. “本次没有读取任何文件”). The 数据 upload and the 数据采集 submission use it."""
    limit = request.app.state.web.settings.max_upload_mb
    length = request.headers.get("content-length")
    if length is None:
        raise HTTPException(411, f"上传须注明大小（请求头 Content-Length）：{how}")
    if not length.isdigit() or len(length) > 18:
        raise HTTPException(400, f"请求头 Content-Length 不是有效的字节数（{length[:40]}）")
    size = int(length)
    if size > limit * MB:
        from ... import access

        address, state = client_address(request), request.app.state.web

        def audit() -> None:
            with state.reading() as store:
                access.audit.record(store, actor=user, action=action, target="（超过大小上限，未读取）",
                                    detail={"bytes": size, "limit_mb": limit}, address=address, outcome="失败")

        await run_in_threadpool(audit)  # the store's lock may be held by an import: not in the event loop
        raise HTTPException(413, f"上传的文件共 {size / MB:.1f} MB，超过上限 {limit} MB（设置 web.max_upload_mb）："
                                 f"请分批上传，或请管理员调高上限。{not_done}")


async def upload_limit(request: Request) -> None:
    """Refuse an upload bigger than `web.max_upload_mb` before reading it (runs before the route's rule reads
    the form; callers the rule refuses anyway are left to it)."""
    user = current_user(request)
    if not RULES["STAFF"].allows(user):
        return
    await refuse_oversize(request, user, action="upload", how="请用页面的上传表单或常用的 HTTP 客户端上传",
                          not_done="本次没有读取和导入任何文件")


UPLOAD_RULES = [Depends(upload_limit), STAFF]


# ------------------------------------------------------------------ the import


def safe_name(raw: str | None, n: int) -> str:
    """The user's file name without any folder part, control or reserved characters; bounded in length."""
    name = (raw or "").replace("\\", "/").split("/")[-1]
    name = _UNSAFE.sub("", name).strip().lstrip(".").strip()
    if not name:
        return f"上传文件{n}"
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_NAME - len(ext) - 1] + "." + ext) if dot and len(ext) <= 8 else name[:MAX_NAME]
    return name


@dataclass
class UploadResult:
    """What one upload did: the import report (eduplan.ingest.ImportReport), the quality findings after a write,
    the 问题清单's id (None: no problem to list)."""

    report: Any
    names: list[str]
    quality: list[Any] = field(default_factory=list)
    report_id: str | None = None
    batches: list[int] = field(default_factory=list)
    rows: int = 0


_REPORTS: OrderedDict[str, tuple[str, list[Any], float]] = OrderedDict()
_REPORTS_LOCK = threading.Lock()


def keep_report(username: str, issues: list[Any]) -> str:
    rid = secrets.token_urlsafe(18)
    now = time.time()
    with _REPORTS_LOCK:
        _REPORTS[rid] = (username, issues, now)
        while len(_REPORTS) > REPORTS_KEPT:
            _REPORTS.popitem(last=False)
    return rid


def kept_report(rid: str, username: str) -> list[Any] | None:
    with _REPORTS_LOCK:
        found = _REPORTS.get(rid)
    if found is None or found[0] != username or time.time() - found[2] > REPORT_SECONDS:
        return None
    return found[1]


def save_uploads(files: list[UploadFile], folder: Path) -> list[Path]:
    """The uploaded files written into `folder` under the names the user gave them (made safe), one sub-folder
    each so that two files of the same name keep their names."""
    paths = []
    for n, f in enumerate(files, 1):
        sub = folder / str(n)
        sub.mkdir()
        path = sub / safe_name(f.filename, n)
        with open(path, "wb") as out:
            f.file.seek(0)
            shutil.copyfileobj(f.file, out, MB)
        paths.append(path)
    return paths


def import_uploads(state, user, address: str, files: list[UploadFile], replace: bool) -> UploadResult:
    """Write the uploads to a private temporary folder, import them into the server's store, audit, clean up."""
    from ... import access
    from ...ingest import import_files
    from ...quality import run_rules

    if not files:
        raise UploadError("请选择要上传的文件（.xlsx / .xls / .csv，可一次选择多个）")
    folder = Path(tempfile.mkdtemp(prefix="eduplan-upload-"))  # mode 0700: private to the server's account
    try:
        paths = save_uploads(files, folder)
        names = [p.name for p in paths]
        try:
            # the files are read and validated before the store is taken (state.writing is entered only for the
            # checks against the store and the write): other requests are not held while a big file is read
            report = import_files(state.writing, paths, user=user.username, replace=replace,
                                  origin=f"网页上传（用户 {user.username}，地址 {address}）")
        except EduplanError as e:  # the store refused the write (nothing written): audited, then said
            with state.reading() as store:
                access.audit.record(store, actor=user, action="upload", target="、".join(names),
                                    detail={"reason": str(e), "replace": replace}, address=address, outcome="失败")
            raise
        with state.reading() as store:  # the data version moved when state.writing was left
            quality = run_rules(store, report.years, after_import=True) if report.written else []
            batches = [fr.batch_id for fr in report.files if fr.batch_id is not None]
            rows = sum(sum(fr.tables.values()) for fr in report.files if fr.batch_id is not None)
            access.audit.record(store, actor=user, action="upload", target="、".join(names),
                                detail={"batches": batches, "rows": rows, "errors": len(report.errors),
                                        "warnings": len(report.warnings), "replace": replace},
                                address=address, outcome="成功" if report.ok else "失败")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    problems = [i for i in report.issues if i.level != "info"]
    rid = keep_report(user.username, problems) if problems else None
    return UploadResult(report, names, quality, rid, batches, rows)


async def handle_upload(request: Request) -> UploadResult:
    """The upload of a request (form field `files`, several allowed; `replace`), imported; see import_uploads."""
    form = await request.form()
    files = [v for v in form.getlist("files") if isinstance(v, UploadFile)]
    replace = str(form.get("replace") or "").lower() in ("1", "on", "true", "yes")
    try:
        return await run_in_threadpool(import_uploads, request.app.state.web, current_user(request),
                                       client_address(request), files, replace)
    finally:
        for f in files:
            await f.close()


def issue_rows(issues: list[Any], limit: int | None = SHOWN) -> list[dict[str, Any]]:
    """The problems as dicts (the first `limit`)."""
    return [{"level": i.level, "file": i.file, "sheet": i.sheet, "row": i.row, "column": i.column, "cell": i.cell,
             "value": None if i.value is None else i.to_dict()["value"], "rule": i.rule, "message": i.message}
            for i in issues[:limit]]


# ------------------------------------------------------------------ pages


def _recent(state, n: int = 8) -> list[dict[str, Any]]:
    with state.reading() as store:
        return list(reversed(store.batches()))[:n]


def _page(request: Request, status: int = 200, **extra):
    from ...model import TABLES

    state = request.app.state.web
    return render(request, "data/index.html", {
        "recent": _recent(state), "tables": TABLES, "max_mb": state.settings.max_upload_mb, "result": None,
        "error": None, "kinds": _kinds(), **extra}, status_code=status)


def _kinds() -> dict[str, str]:
    from ...store import KINDS

    return KINDS


@router.get("/data", dependencies=[STAFF])
def data_page(request: Request):
    return _page(request)


@router.post("/data/upload", dependencies=UPLOAD_RULES, openapi_extra=UPLOAD_BODY)
async def upload(request: Request):
    try:
        result = await handle_upload(request)
    except UploadError as e:
        return _page(request, 400, error=str(e))
    r = result.report
    # a checked upload is a page like any other, errors or not (the API answers 400 for a report with errors)
    return _page(request, result=result, errors=issue_rows(r.errors), warnings=issue_rows(r.warnings),
                 errors_total=len(r.errors), warnings_total=len(r.warnings), shown=SHOWN,
                 notes=[i.text() for i in r.issues if i.level == "info"][:SHOWN])


@router.get("/data/reports/{rid}.xlsx", dependencies=[STAFF])
def problems_xlsx(request: Request, rid: Annotated[str, PathParam(pattern=REPORT_ID, max_length=64)]):
    from ...ingest.template import write_issue_workbook

    issues = kept_report(rid, current_user(request).username)
    if issues is None:
        raise HTTPException(404, "没有找到该问题清单（已过期或不是您的上传）：请重新上传文件")
    return xlsx_response(lambda p: write_issue_workbook(issues, p), "问题清单.xlsx")


def batch_rows(store) -> list[dict[str, Any]]:
    return list(reversed(store.batches()))


@router.get("/data/batches", dependencies=[STAFF])
def batches_page(request: Request):
    return _batches(request)


def _batches(request: Request, status: int = 200, **extra):
    state = request.app.state.web
    with state.reading() as store:
        rows = batch_rows(store)
    return render(request, "data/batches.html", {"batches": rows, "kinds": _kinds(), "changes": changes_text,
                                                 "message": None, "error": None, **extra}, status_code=status)




def undo_batch(state, user, address: str, batch_id: int, cascade: bool) -> dict[str, Any]:
    """Undo a batch in the server's store as the web user (eduplan.store.Store.undo), with its audit row."""
    from ... import access
    from ...store import os_account

    with state.writing() as store:
        try:
            result = store.undo(batch_id, user.username, cascade=cascade, os_user=os_account())
        except EduplanError as e:
            access.audit.record(store, actor=user, action="undo", target=f"批次 {batch_id}",
                                detail={"batch": batch_id, "cascade": cascade, "reason": str(e)}, address=address,
                                outcome="失败")
            raise
        access.audit.record(store, actor=user, action="undo", target=f"批次 {batch_id}",
                            detail={"batch": batch_id, "cascade": cascade,
                                    "undo_batches": [u["undo_batch"] for u in result["undone"]],
                                    "rows": sum(w.get("rows", 0) for u in result["undone"] for w in u["written"].values())},
                            address=address)
    return result


@router.post("/data/batches/{batch_id}/undo", dependencies=[STAFF])
def undo_page(request: Request, batch_id: BATCH_ID,
              cascade: Annotated[str | None, Form(max_length=10)] = None):
    try:
        result = undo_batch(request.app.state.web, current_user(request), client_address(request), batch_id,
                            bool(cascade))
    except EduplanError as e:
        return _batches(request, 400, error=str(e))
    lines = [f"已撤销批次 {u['batch_id']}（{u['file_name']}），记录为批次 {u['undo_batch']}：{changes_text(u['written'])}"
             for u in result["undone"]]
    return _batches(request, message="；".join(lines))


# ------------------------------------------------------------------ row history

KEY_INT = re.compile(r"^-?\d{1,9}$")


class HistoryError(EduplanError):
    """The table or key asked for is not valid."""


def find_versions(state, table: str, key: list[str]) -> tuple[Any, dict[str, Any], list[dict[str, Any]]]:
    """(the table, its key, every version of the row) — as `eduplan db history TABLE KEY…`."""
    from ...model import TABLES, find_table
    from ...store.versions import key_from_text, key_text

    t = find_table(table)
    if t is None:
        raise HistoryError(f"没有名为“{table}”的表；可用：{'、'.join(f'{x.name}（{x.label}）' for x in TABLES)}")
    if len(key) == 1 and len(t.key) > 1:
        key = key[0].replace("，", " ").replace(",", " ").split()
    for k, v in zip(t.key, key):
        f = t.field(k)
        if len(v) > 100 or re.search(r"[\x00-\x1f\x7f]", v):
            raise HistoryError(f"{f.label}的值过长或含有控制字符")
        if f.type in ("int", "year") and not KEY_INT.match(v.strip()):
            raise HistoryError(f"{f.label}“{v}”不是整数")
    k = key_from_text(t, key)
    with state.reading() as store:
        versions = store.versions(t.name, k)
    if not versions:
        raise HistoryError(f"“{t.label}”中没有 {key_text(t, k)} 的行，也没有它的历史版本")
    return t, k, versions


@router.get("/data/history", dependencies=[STAFF])
def history_page(request: Request, table: Annotated[str | None, Query(max_length=60)] = None,
                 key: Annotated[list[str], Query(max_length=10)] = []):  # noqa: B006
    from ...model import TABLES

    ctx: dict[str, Any] = {"tables": TABLES, "table": table or "", "key_text": " ".join(key), "t": None,
                           "versions": [], "error": None, "kinds": _kinds(), "show": _show}
    if not table:
        return render(request, "data/history.html", ctx)
    try:
        t, k, versions = find_versions(request.app.state.web, table, key)
    except EduplanError as e:
        return render(request, "data/history.html", {**ctx, "error": str(e)}, status_code=404)
    from ...store.versions import key_text

    return render(request, "data/history.html", {**ctx, "t": t, "key_label": key_text(t, k), "versions": versions})


def _show(v: Any) -> str:
    if v is None:
        return "空"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
