"""数据采集 (issue 13): the web pages of the annual collection round, over eduplan.collection.

- `/collection`: 规划统计 / 管理员 see every round (year, tables, deadline, state, counts per state), the form that
  opens a round and the submissions waiting for review; a 督学 sees the rounds read-only; a 学校 user sees its
  open rounds — per table its state (未提交 / 待审核 / 已退回 with the reviewer's comment / 已通过), its
  pre-filled template, one upload form — and its submissions.
- `POST /collection/rounds/{rid}/submit`: the upload (a school for itself; staff for a school chosen in the form),
  refused before it is read when bigger than `web.max_upload_mb`. A file with errors is not stored: every
  problem is listed on the page (file, sheet, row, column, value, rule) and the 问题清单 workbook is kept for
  the uploader (`/collection/reports/{id}.xlsx`); a valid file becomes a submission 待审核.
- `/collection/submissions/{id}`: a school its own submission (state, comment, rows; another school's is “not
  found”, as one that does not exist); staff the review page — every cell that differs from last year's
  approved data marked, new and removed rows, the quality flags with their explanation — with the approve and
  return forms; `POST …/approve`, `…/return`.
- `/collection/rounds/{rid}`: the progress board (table × school, state, 逾期, contacts), filters, board.xlsx;
  `POST /collection/unlock` (staff, a reason required) from the board's approved rows and the review page.

Every state change goes through the core inside `WebState.writing()` (the core writes one transaction with its
audit row); a refusal (CollectionError) is shown on the page with its Chinese message and status (400 bad
input, 404 not found, 409 a state conflict). Main elements carry `data-testid` attributes for the browser test.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ...errors import EduplanError
from ..rules import BUREAU, SIGNED_IN, STAFF, current_user, school_scope
from ..templating import render, xlsx_response
from .data import REPORT_ID, SHOWN, client_address, issue_rows, keep_report, kept_report, refuse_oversize, save_uploads

router = APIRouter()

ID_MAX = 2**31 - 1
ROUND_ID = Annotated[int, PathParam(ge=1, le=ID_MAX, description="采集轮次号")]
SUBMISSION_ID = Annotated[int, PathParam(ge=1, le=ID_MAX, description="提交号")]
TABLE_NAME = Annotated[str, PathParam(pattern=r"^[a-z_]{1,40}$", max_length=40, description="表名，如 enrolment")]
SCHOOL_CODE = r"^[0-9A-Za-z_-]{1,40}$"
STATES = ("未提交", "待审核", "已退回", "已解锁", "已通过")  # the board's states (eduplan.collection.STATES)
STATE_CLASS = {"未提交": "st-none", "待审核": "st-warn", "已退回": "st-bad", "已解锁": "st-warn", "已通过": "st-ok",
               "已被新提交取代": "st-none"}
NOT_FOUND = "没有找到该提交"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The request body of a submission, for the route's description (the route reads the form itself, after its size check).
SUBMIT_BODY = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["files"],
            "properties": {
                "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                          "description": "一个或多个 .xlsx / .xls / .csv 文件（本轮次的采集模板）"},
                "school": {"type": "string", "description": "学校标识码（规划统计代学校上传时必填；学校用户只能是本校）"},
            }}}},
    }
}


def _core():
    from ... import collection

    return collection


def _http(e: EduplanError) -> HTTPException:
    return HTTPException(getattr(e, "status", 400), str(e))


def _actor(request: Request):
    return _core().Actor.of(current_user(request), client_address(request))


def _is_staff(user) -> bool:
    return user is not None and user.role in ("admin", "staff")


def _own_school(request: Request) -> str | None:
    """The school of a 学校 user (None for the bureau)."""
    scope = school_scope(request)
    return None if scope.all else scope.school_code


def _render(request: Request, name: str, ctx: dict[str, Any], status_code: int = 200):
    from ...store import time_label

    return render(request, name, {"tl": time_label, **ctx}, status_code=status_code)


# ------------------------------------------------------------------ the size bound of a submission


async def submit_limit(request: Request) -> None:
    """Refuse a submission bigger than `web.max_upload_mb` before reading it (callers the route refuses anyway —
    anonymous, 督学 — are left to it)."""
    user = current_user(request)
    if user is None or user.role not in ("admin", "staff", "school"):
        return
    await refuse_oversize(request, user, action="submit_refused", how="请用页面的上传表单上传",
                          not_done="本次没有读取任何文件")


# ------------------------------------------------------------------ the home page


def _state_counts(board: dict[str, Any]) -> dict[str, int]:
    out = {s: 0 for s in STATES}
    for by_state in board["counts"].values():
        for s, n in by_state.items():
            out[s] = out.get(s, 0) + n
    return out


def _school_context(store, code: str) -> dict[str, Any]:
    """A school's open rounds (each table's state, the reviewer's comment when returned) and its submissions."""
    C = _core()
    row = store.one("SELECT school_name, district_code FROM school WHERE school_code = ?", [code])
    name, district = (row[0], row[1]) if row else (None, None)
    subs = C.submissions(store, school_code=code)
    rounds = []
    for r in C.rounds(store, open_only=True, district_code=district):
        mine = C.board(store, r["round_id"], school_code=code)["rows"]
        if mine:
            rounds.append({"round": r, "tables": mine})
    return {"school_code": code, "school_name": name, "open_rounds": rounds, "my_submissions": subs}


def _bureau_context(store, staff: bool) -> dict[str, Any]:
    C = _core()
    rounds = []
    for r in C.rounds(store):
        rounds.append({"round": r, "counts": _state_counts(C.board(store, r["round_id"]))})
    ctx: dict[str, Any] = {"rounds": rounds}
    if staff:
        ctx["waiting"] = C.submissions(store, status="pending")
        ctx["collectable"] = list(C.COLLECTABLE.values())
        ctx["districts"] = store.districts()
        last = store.one("SELECT max(year) FROM enrolment")[0]
        from ...collection.common import today

        ctx.setdefault("form", {"year": (last + 1) if last else today().year,
                                "deadline": (today() + timedelta(days=30)).isoformat(),
                                "tables": [], "district": "", "note": ""})
    return ctx


def _home(request: Request, status: int = 200, **extra):
    user = current_user(request)
    state = request.app.state.web
    code = _own_school(request)
    with state.reading() as store:
        if code is not None:
            ctx = _school_context(store, code)
        else:
            ctx = _bureau_context(store, _is_staff(user))
    ctx.update({"is_school": code is not None, "is_staff": _is_staff(user), "max_mb": state.settings.max_upload_mb,
                "result": None, "error": None, "message": None, "state_class": STATE_CLASS, "states": STATES})
    ctx.update(extra)
    return _render(request, "collection/index.html", ctx, status_code=status)


@router.get("/collection", dependencies=[SIGNED_IN])
def collection_page(request: Request):
    """The rounds, and each role's part: open a round, the waiting submissions, a school's tables and upload.

    Staff open rounds and see the submissions waiting; a 督学 reads; a school sees its tables, template and upload."""
    return _home(request)


@router.post("/collection/rounds", dependencies=[STAFF])
def open_round_page(request: Request,
                    year: Annotated[str, Form(max_length=10)] = "",
                    tables: Annotated[list[str], Form(max_length=20)] = [],  # noqa: B006
                    deadline: Annotated[str, Form(max_length=20)] = "",
                    district: Annotated[str, Form(max_length=20)] = "",
                    note: Annotated[str, Form(max_length=4000)] = ""):
    """Open a round (year, tables, deadline, district, note), then its board."""
    C = _core()
    form = {"year": year, "tables": tables, "deadline": deadline, "district": district, "note": note}
    try:
        if not re.fullmatch(r"\d{4}", year.strip()):
            raise C.CollectionError(f"统计年度“{year}”须为四位数字的年份，如 2026")
        try:
            due = date.fromisoformat(deadline.strip())
        except ValueError:
            raise C.CollectionError(f"截止日期“{deadline}”不是日期（格式 2026-10-31）") from None
        with request.app.state.web.writing() as store:
            rid = C.open_round(store, _actor(request), int(year), [t for t in tables if t], due,
                               district_code=district.strip() or None, note=note)
    except C.CollectionError as e:
        return _home(request, e.status, error=f"未开启采集轮次：{e}", form=form)
    return RedirectResponse(f"/collection/rounds/{rid}", status_code=303)


@router.post("/collection/rounds/{rid}/close", dependencies=[STAFF])
def close_round_page(request: Request, rid: ROUND_ID):
    """End a round: no more submissions (those waiting can still be reviewed)."""
    C = _core()
    try:
        with request.app.state.web.writing() as store:
            C.close_round(store, _actor(request), rid)
    except C.CollectionError as e:
        if e.status == 404:
            raise _http(e) from None
        return _board(request, rid, {}, status=e.status, error=str(e))
    return RedirectResponse(f"/collection/rounds/{rid}", status_code=303)


# ------------------------------------------------------------------ templates and submissions


@router.get("/collection/rounds/{rid}/template/{table}.xlsx", dependencies=[SIGNED_IN])
def template_xlsx(request: Request, rid: ROUND_ID, table: TABLE_NAME,
                  school: Annotated[str | None, Query(pattern=SCHOOL_CODE, max_length=40)] = None):
    """The school's template for a table of the round, pre-filled with its rows of the year before (staff: ?school=)."""
    from ...collection.template import write_template

    C = _core()
    scope = school_scope(request)
    if not scope.all:
        code = school or scope.school_code
        scope.require(code)  # before any lookup: another school's code is “not found”
    elif school:
        code = school
    else:
        raise HTTPException(400, "请用 ?school=学校标识码 指明下载哪所学校的预填模板")
    state = request.app.state.web
    try:
        with state.reading() as store:
            if store.one("SELECT count(*) FROM school WHERE school_code = ?", [code])[0] == 0:
                raise HTTPException(404, "没有找到该学校")
            r = C.round_(store, rid)
            if table not in r["tables"]:
                raise HTTPException(404, f"采集轮次 {rid} 不采集表“{table}”；本轮次采集：{'、'.join(r['table_labels'])}")
            label = C.COLLECTABLE[table].label
            return xlsx_response(lambda p: write_template(store, r, code, table, p),
                                 f"{label}_{code}_{r['year']}年采集模板.xlsx")
    except C.CollectionError as e:
        raise _http(e) from None


def _submit(state, user, actor, rid: int, files: list[UploadFile], code: str) -> dict[str, Any]:
    """Write the uploads to a private folder, submit them (the core validates, stores or refuses, audits)."""
    C = _core()
    folder = Path(tempfile.mkdtemp(prefix="eduplan-collect-"))  # mode 0700: private to the server's account
    try:
        paths = save_uploads(files, folder)
        # the files are read and validated before the store is taken (validate first, lock after): other
        # requests wait only for the checks against the store and the write
        result = C.submit(state.writing, actor, rid, paths, school_code=code)
        with state.reading() as store:
            subs = [C.submission(store, sid) for sid in result.submissions]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report = result.report
    problems = [i for i in report.issues if i.level != "info"]
    return {"names": [p.name for p in paths], "report": report, "submissions": subs,
            "report_id": keep_report(user.username, problems) if problems else None,
            "errors": issue_rows(report.errors), "warnings": issue_rows(report.warnings),
            "errors_total": len(report.errors), "warnings_total": len(report.warnings), "shown": SHOWN}


@router.post("/collection/rounds/{rid}/submit", dependencies=[Depends(submit_limit), SIGNED_IN],
             openapi_extra=SUBMIT_BODY)
async def submit_page(request: Request, rid: ROUND_ID):
    """A school's files for the round, validated at once: every problem shown, nothing stored on error.

    Staff submit for the school named in the form."""
    C = _core()
    user = current_user(request)
    if user.role not in ("admin", "staff", "school"):
        raise HTTPException(403, "督学不提交采集数据：由学校上传，或由规划统计代学校上传")
    scope = school_scope(request)
    form = await request.form()
    files = [v for v in form.getlist("files") if isinstance(v, UploadFile)]
    given = form.get("school")
    given = given.strip() if isinstance(given, str) else ""
    try:
        if not scope.all:
            if given:
                scope.require(given)  # another school's code: “not found”, nothing about it
            code = scope.school_code
        elif not given:
            return _home(request, 400, error="请选择提交数据的学校（学校标识码）")
        elif not re.fullmatch(SCHOOL_CODE, given):
            return _home(request, 400, error=f"学校标识码“{given[:40]}”格式不正确")
        else:
            code = given
        if not files:
            return _home(request, 400, error="请选择要提交的文件（本轮次的采集模板，.xlsx / .xls / .csv，可一次选择多个）")
        try:
            result = await run_in_threadpool(_submit, request.app.state.web, user, _actor(request), rid, files, code)
        except C.CollectionError as e:
            if e.status == 404 and not scope.all:
                raise _http(e) from None
            return _home(request, e.status, error=f"未提交：{e}")
    finally:
        for f in files:
            await f.close()
    return _home(request, 200, result=result, result_round=rid)


@router.get("/collection/reports/{report_id}.xlsx", dependencies=[SIGNED_IN])
def problems_xlsx(request: Request, report_id: Annotated[str, PathParam(pattern=REPORT_ID, max_length=64)]):
    """The 问题清单 of the uploader's refused submission (its problems by file, sheet, row, column, value and rule)."""
    from ...ingest.template import write_issue_workbook

    issues = kept_report(report_id, current_user(request).username)
    if issues is None:
        raise HTTPException(404, "没有找到该问题清单（已过期或不是您的上传）：请重新上传文件")
    return xlsx_response(lambda p: write_issue_workbook(issues, p), "问题清单.xlsx")


# ------------------------------------------------------------------ one submission: the school's view, the review


def _locks_of(store, sub: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the live lock of the submission's school × table × year, the lock its approval set — maybe unlocked since)."""
    live = own = None
    for lk in _core().locks(store, live_only=False, school_code=sub["school_code"]):
        if (lk["table_name"], lk["year"]) != (sub["table_name"], sub["year"]):
            continue
        if lk["unlocked_at"] is None and live is None:
            live = lk
        if lk["submission_id"] == sub["submission_id"] and own is None:
            own = lk
    return live, own


def _fields(table: str) -> list[tuple[str, str]]:
    t = _core().COLLECTABLE.get(table)
    if t is None:
        return []
    return [(f.name, f.label) for f in t.fields if f.name not in ("year", "school_code")]


def _submission(request: Request, sid: int, status: int = 200, **extra):
    C = _core()
    scope = school_scope(request)
    state = request.app.state.web
    try:
        with state.reading() as store:
            sub = C.submission(store, sid)
            if not scope.allows(sub["school_code"]):
                raise HTTPException(404, NOT_FOUND)
            lock, own_lock = _locks_of(store, sub)
            later = C.submission(store, sub["superseded_by"]) if sub.get("superseded_by") else None
    except C.CollectionError as e:
        if not scope.all:
            raise HTTPException(404, NOT_FOUND) from None
        raise _http(e) from None
    ctx: dict[str, Any] = {"sub": sub, "lock": lock, "own_lock": own_lock, "later": later, "is_school": not scope.all,
                           "is_staff": _is_staff(current_user(request)), "state_class": STATE_CLASS,
                           "error": None, "message": None}
    if scope.all:
        ctx["review"] = _review(state, sid)
    else:
        ctx["fields"] = _fields(sub["table_name"])
        ctx["rows"] = sub.get("rows") or []
    ctx.update(extra)
    return _render(request, "collection/submission.html", ctx, status_code=status)


def _review(state, sid: int) -> dict[str, Any]:
    """The review of a submission, cached per data version — always against the approved data: the 含待审核数据
    switch (which would compute it with every pending submission, this one included, already applied) is left
    out for it."""
    from ..state import PENDING

    token = PENDING.set(False)
    try:
        return state.cached(("collection_review", sid), lambda store: _core().review(store, sid))
    finally:
        PENDING.reset(token)


@router.get("/collection/submissions/{submission_id}", dependencies=[SIGNED_IN])
def submission_page(request: Request, submission_id: SUBMISSION_ID):
    """A submission: a school its own (state, comment, rows); staff the review with approve and return.

    The review compares it with last year's approved data."""
    return _submission(request, submission_id)


FILE_TYPES = {".xlsx": XLSX_TYPE, ".xls": "application/vnd.ms-excel", ".csv": "text/csv; charset=utf-8"}


@router.get("/collection/submissions/{submission_id}/file", dependencies=[SIGNED_IN])
def submission_file(request: Request, submission_id: SUBMISSION_ID):
    """The file exactly as the school uploaded it (a school: its own only)."""
    from urllib.parse import quote

    from fastapi.responses import Response

    C = _core()
    scope = school_scope(request)
    try:
        with request.app.state.web.reading() as store:
            sub = C.submission(store, submission_id)
            if not scope.allows(sub["school_code"]):
                raise HTTPException(404, NOT_FOUND)
            name, content = C.submission_file(store, submission_id)
    except C.CollectionError as e:
        raise (HTTPException(404, NOT_FOUND) if not scope.all else _http(e)) from None
    kind = FILE_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")
    return Response(content, media_type=kind, headers={
        "content-disposition": f"attachment; filename=\"download{Path(name).suffix.lower()[:6]}\"; "
                               f"filename*=UTF-8''{quote(name)}"})


def _decide(request: Request, submission_id: int, decide, failed: str, **on_failure):
    """A reviewer's decision on a submission (`decide(store, actor)` inside `WebState.writing()`), then the submission
    page again; a refusal is shown on that page with its status (`failed` before the core's message), a submission
    that does not exist is 404."""
    C = _core()
    try:
        with request.app.state.web.writing() as store:
            decide(store, _actor(request))
    except C.CollectionError as e:
        if e.status == 404:
            raise _http(e) from None
        return _submission(request, submission_id, e.status, error=f"{failed}：{e}", **on_failure)
    return RedirectResponse(f"/collection/submissions/{submission_id}", status_code=303)


@router.post("/collection/submissions/{submission_id}/approve", dependencies=[STAFF])
def approve_page(request: Request, submission_id: SUBMISSION_ID,
                 comment: Annotated[str, Form(max_length=4000)] = ""):
    """Approve a waiting submission: an import batch with lineage to it, and the school × table × year locked."""
    return _decide(request, submission_id,
                   lambda store, actor: _core().approve(store, actor, submission_id, comment.strip() or None),
                   "未能审核通过")


@router.post("/collection/submissions/{submission_id}/return", dependencies=[STAFF])
def return_page(request: Request, submission_id: SUBMISSION_ID,
                comment: Annotated[str, Form(max_length=4000)] = ""):
    """Return a waiting submission to its school with a comment (required) the school sees."""
    return _decide(request, submission_id, lambda store, actor: _core().return_(store, actor, submission_id, comment),
                   "未能退回", comment=comment)


# ------------------------------------------------------------------ the progress board


def _filtered(board: dict[str, Any], table: str | None, state: str | None) -> list[dict[str, Any]]:
    return [r for r in board["rows"] if (not table or r["table"] == table) and (not state or r["state"] == state)]


TABLE_FILTER = Annotated[str | None, Query(pattern=r"^[a-z_]{0,40}$", max_length=40)]
STATE_FILTER = Annotated[str | None, Query(max_length=10)]


def _board(request: Request, rid: int, filters: dict[str, Any], status: int = 200, **extra):
    C = _core()
    state = request.app.state.web
    try:
        with state.reading() as store:
            board = C.board(store, rid)
            schools = store.dicts("SELECT school_code, school_name FROM school ORDER BY school_code")
    except C.CollectionError as e:
        raise _http(e) from None
    table, st = filters.get("table") or None, filters.get("state") or None
    rows = _filtered(board, table, st)
    query = "&".join(f"{k}={v}" for k, v in (("table", table), ("state", st)) if v)
    ctx = {"board": board, "round": board["round"],
           "round_tables": list(zip(board["round"]["tables"], board["round"]["table_labels"])), "rows": rows, "counts": board["counts"], "states": STATES,
           "table": table or "", "state": st or "", "query": query, "state_class": STATE_CLASS,
           "is_staff": _is_staff(current_user(request)), "schools": schools,
           "max_mb": state.settings.max_upload_mb, "error": None, "message": None}
    ctx.update(extra)
    return _render(request, "collection/board.html", ctx, status_code=status)


@router.get("/collection/rounds/{rid}", dependencies=[BUREAU])
def board_page(request: Request, rid: ROUND_ID, table: TABLE_FILTER = None, state: STATE_FILTER = None):
    """The progress board of a round: each school × table's state, 逾期, contacts; filters by table and state."""
    if state and state not in STATES:
        raise HTTPException(400, f"状态“{state}”不是可选的值之一：{'、'.join(STATES)}")
    return _board(request, rid, {"table": table, "state": state})


@router.get("/collection/rounds/{rid}/board.xlsx", dependencies=[BUREAU])
def board_xlsx(request: Request, rid: ROUND_ID, table: TABLE_FILTER = None, state: STATE_FILTER = None):
    """The board (as filtered) as a workbook: the list the bureau phones round."""
    from ...collection.board_xlsx import write_board_xlsx

    C = _core()
    if state and state not in STATES:
        raise HTTPException(400, f"状态“{state}”不是可选的值之一：{'、'.join(STATES)}")
    web = request.app.state.web
    try:
        with web.reading() as store:
            board = C.board(store, rid)
    except C.CollectionError as e:
        raise _http(e) from None
    shown = {**board, "rows": _filtered(board, table or None, state or None)}
    year = board["round"]["year"]
    return xlsx_response(lambda p: write_board_xlsx(shown, p, web.db.name), f"采集进度_{year}年_轮次{rid}.xlsx")


# ------------------------------------------------------------------ unlock

BACK = re.compile(r"^/collection(/[A-Za-z0-9_./-]*)?(\?[A-Za-z0-9_=&%.-]*)?$")


@router.post("/collection/unlock", dependencies=[STAFF])
def unlock_page(request: Request,
                school: Annotated[str, Form(max_length=40)] = "",
                table: Annotated[str, Form(max_length=40)] = "",
                year: Annotated[str, Form(max_length=10)] = "",
                reason: Annotated[str, Form(max_length=4000)] = "",
                back: Annotated[str, Form(max_length=200)] = ""):
    """Unlock approved data (school, table, year) with a reason, audited; the school may then resubmit."""
    C = _core()
    back = back if BACK.match(back or "") else "/collection"
    try:
        if not re.fullmatch(r"\d{4}", year.strip()):
            raise C.CollectionError(f"统计年度“{year}”须为四位数字的年份")
        with request.app.state.web.writing() as store:
            C.unlock(store, _actor(request), school.strip(), table.strip(), int(year), reason)
            name = store.one("SELECT school_name FROM school WHERE school_code = ?", [school.strip()])
    except C.CollectionError as e:
        return _render(request, "collection/message.html", {"error": f"未解锁：{e}", "message": None, "back": back},
                      status_code=e.status)
    t = C.COLLECTABLE.get(table.strip())
    what = f"{name[0] if name else school}（{school}）{year} 年的“{t.label if t else table}”"
    return _render(request, "collection/message.html", {
        "error": None, "back": back,
        "message": f"已解锁{what}；原因：{reason.strip()}。学校现在可以重新提交，审核通过后再次锁定。"})
