"""管理 (管理员 only): users and roles, the effective settings, and the plan bound to each district.

- `/admin/users`: every user with role, school, state, last login; add a user (a 学校 user's school code is
  checked against the store's schools, the password against the policy), disable / enable, reset a password,
  change a role. Every change goes through eduplan.access, which writes its audit row in the same transaction;
  a change refused (policy, unknown school, the last administrator…) is recorded here as a failed audit row
  with the reason (never the password).
- `/admin/settings`: every settings section (the same list as docs/settings.md) with each value in effect and
  where it comes from — the default or the settings file (EDUPLAN_SETTINGS / --settings). Read-only: the file
  is the server's, edited by whoever runs it.
- `/admin/plan`: the plan bound to each district and the binding history; bind an uploaded plan YAML or a plan
  shipped with eduplan — the same path as `eduplan plan use` (eduplan.plan.binding.use_plan, inside
  `state.writing()`: every cached result of the old plan is dropped), audited as `plan_bind`.
- `/admin/backup`: download a backup of the whole store (the same zip as `eduplan db backup`, restored with
  `eduplan db restore`), written through the server's own connection (the command line cannot open the file
  while the server holds it) from one snapshot; audited as `backup` with its size and sha256. It holds the
  store's lock while it is written (about a second for a district; longer for a city).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, UploadFile

from ...settings import SECTIONS  # every section of the settings file, with its label
from ..rules import ADMIN, current_user
from ..templating import render

router = APIRouter()

USERNAME = r"^[a-z0-9][a-z0-9._-]{1,63}$"
MAX_PLAN_BYTES = 2 * 1024 * 1024


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


# ------------------------------------------------------------------ users

def _users_page(request: Request, status_code: int = 200, **extra):
    from ... import access

    with request.app.state.web.reading() as store:
        users = access.user_rows(store)
        schools = store.dicts("SELECT school_code, school_name FROM school ORDER BY school_code")
    names = {s["school_code"]: s["school_name"] for s in schools}
    for u in users:
        u["school_name"] = names.get(u["school_code"])
    from ...store import time_label

    ctx = {"users": users, "schools": schools, "roles": access.ROLES, "message": None, "error": None,
           "time_label": time_label,
           "form": {}, "min_length": access.access_settings().password_min_length}
    ctx.update(extra)
    return render(request, "admin/users.html", ctx, status_code=status_code)


def _refused(request: Request, action: str, target: str, error: Exception, detail: dict | None = None) -> None:
    """A refused change is recorded too (who tried what, and why) — never a password."""
    from ... import access

    with request.app.state.web.reading() as store:
        access.audit.record(store, actor=current_user(request), action=action, target=target, address=_address(request),
                            outcome="失败", detail={**(detail or {}), "原因": str(error)})


def _done(request: Request, message: str):
    """The list again with what was done (rendered, not redirected: no message travels in a URL)."""
    return _users_page(request, message=message)


@router.get("/admin/users", dependencies=[ADMIN])
def users_page(request: Request):
    return _users_page(request)


@router.post("/admin/users", dependencies=[ADMIN])
def add_user(request: Request,
             username: Annotated[str, Form(max_length=200)] = "",
             role: Annotated[str, Form(max_length=20)] = "",
             school_code: Annotated[str, Form(max_length=40)] = "",
             display_name: Annotated[str, Form(max_length=200)] = "",
             password: Annotated[str, Form(max_length=1000)] = "",
             password2: Annotated[str, Form(max_length=1000)] = ""):
    from ... import access

    form = {"username": username, "role": role, "school_code": school_code, "display_name": display_name}
    try:
        if password != password2:
            raise access.AccessError("两次输入的密码不一致")
        with request.app.state.web.reading() as store:
            user = access.add_user(store, username, role, password, school_code=school_code.strip() or None,
                                   display_name=display_name or None, actor=current_user(request),
                                   address=_address(request))
    except access.AccessError as e:
        _refused(request, "user_add", username.strip().lower()[:64],
                 e, {"角色": access.ROLES.get(role, role), "学校代码": school_code.strip() or None})
        return _users_page(request, 400, error=f"未新增用户：{e}", form=form)
    return _done(request, f"已新增用户“{user.username}”（{user.role_label}"
                 + (f"，学校 {user.school_code}" if user.school_code else "") + "）")


UsernamePath = Annotated[str, Path(pattern=USERNAME, max_length=64)]


@router.post("/admin/users/{username}/disable", dependencies=[ADMIN])
def disable_user(request: Request, username: UsernamePath):
    return _set_disabled(request, username, True)


@router.post("/admin/users/{username}/enable", dependencies=[ADMIN])
def enable_user(request: Request, username: UsernamePath):
    return _set_disabled(request, username, False)


def _set_disabled(request: Request, username: str, disabled: bool):
    from ... import access

    try:
        with request.app.state.web.reading() as store:
            access.set_disabled(store, username, disabled, actor=current_user(request), address=_address(request))
    except access.AccessError as e:
        _refused(request, "user_disable" if disabled else "user_enable", username, e)
        return _users_page(request, 400, error=f"未能{'停用' if disabled else '启用'}用户“{username}”：{e}")
    return _done(request, f"已{'停用' if disabled else '启用'}用户“{username}”"
                 + ("：其登录已全部结束，API 令牌已吊销" if disabled else ""))


@router.post("/admin/users/{username}/password", dependencies=[ADMIN])
def reset_password(request: Request, username: UsernamePath,
                   new_password: Annotated[str, Form(max_length=1000)] = "",
                   new_password2: Annotated[str, Form(max_length=1000)] = ""):
    from ... import access

    try:
        if new_password != new_password2:
            raise access.AccessError("两次输入的新密码不一致")
        with request.app.state.web.reading() as store:
            access.reset_password(store, username, new_password, actor=current_user(request), address=_address(request))
    except access.AccessError as e:
        _refused(request, "password_reset", username, e)
        return _users_page(request, 400, error=f"未能重设“{username}”的密码：{e}")
    return _done(request, f"已重设用户“{username}”的密码：其登录已全部结束，API 令牌已吊销；请把新密码当面或以安全方式告知本人")


@router.post("/admin/users/{username}/role", dependencies=[ADMIN])
def change_role(request: Request, username: UsernamePath,
                role: Annotated[str, Form(max_length=20)] = "",
                school_code: Annotated[str, Form(max_length=40)] = ""):
    from ... import access

    try:
        with request.app.state.web.reading() as store:
            user = access.set_role(store, username, role, school_code=school_code.strip() or None,
                                   actor=current_user(request), address=_address(request))
    except access.AccessError as e:
        _refused(request, "role_change", username, e, {"新角色": access.ROLES.get(role, role),
                                                       "新学校代码": school_code.strip() or None})
        return _users_page(request, 400, error=f"未能修改“{username}”的角色：{e}")
    return _done(request, f"已把用户“{username}”的角色改为“{user.role_label}”"
                 + (f"（学校 {user.school_code}）" if user.school_code else "") + "：其登录已全部结束")


# ------------------------------------------------------------------ settings

def effective_settings() -> tuple[str | None, list[dict[str, Any]]]:
    """(the settings file in use or None, one entry per section: its fields with value, default, source)."""
    import importlib

    from pydantic_core import PydanticUndefined

    from ... import settings as settings_module
    from ...settings import load_section, settings_path

    path = settings_path()
    out = []
    for name, module, cls, label in SECTIONS:
        try:
            model = getattr(importlib.import_module(module), cls)
        except (ImportError, AttributeError):
            continue
        entry: dict[str, Any] = {"name": name, "label": label, "fields": [], "error": None}
        try:
            values = load_section(name, model)
            given = dict(settings_module._raw().get(name) or {})  # the file's own keys of this section
        except settings_module.SettingsError as e:
            entry["error"] = str(e)
            out.append(entry)
            continue
        for fname, f in model.model_fields.items():
            default = f.default if f.default is not PydanticUndefined else (
                f.default_factory() if f.default_factory else None)
            value = getattr(values, fname)
            entry["fields"].append({
                "name": fname, "value": _shown(value), "default": _shown(default),
                "source": "设置文件" if fname in given else "默认值", "description": f.description or ""})
        out.append(entry)
    return (str(path) if path else None), out


def _shown(v: Any) -> str:
    if hasattr(v, "model_dump"):
        v = v.model_dump()
    if isinstance(v, bool):
        return "是" if v else "否"
    return str(v)


@router.get("/admin/settings", dependencies=[ADMIN])
def settings_page(request: Request):
    path, sections = effective_settings()
    return render(request, "admin/settings.html", {"settings_file": path, "sections": sections})


# ------------------------------------------------------------------ plan bindings

def _plan_page(request: Request, status_code: int = 200, **extra):
    from ...plan.binding import shipped_plans
    from ...plan.scope import known_districts
    from ...store import time_label

    with request.app.state.web.reading() as store:
        history = store.plan_bindings(current=False)
        districts = known_districts(store)
    for b in history:
        b["bound_label"] = time_label(b["bound_at"])
        b["district_name"] = districts.get(b["district_code"])
        b.pop("text", None)
    current = [b for b in history if b.get("superseded_by") is None]
    ctx = {"current": current, "history": list(reversed(history)), "shipped": sorted(shipped_plans()),
           "districts": districts, "message": None, "error": None, "max_mb": MAX_PLAN_BYTES // (1024 * 1024)}
    ctx.update(extra)
    return render(request, "admin/plan.html", ctx, status_code=status_code)


@router.get("/admin/plan", dependencies=[ADMIN])
def plan_page(request: Request):
    return _plan_page(request)


_SAFE_NAME = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff._()（）\-]+")


def _plan_file_name(name: str | None) -> str:
    base = _SAFE_NAME.sub("_", FilePath((name or "").replace("\\", "/")).name).strip("._") or "plan.yaml"
    return base[:120]


@router.post("/admin/plan", dependencies=[ADMIN])
async def bind_plan(request: Request, file: Annotated[UploadFile | None, File()] = None,
                    shipped: Annotated[str, Form(max_length=100)] = ""):
    from starlette.concurrency import run_in_threadpool

    upload = None
    if file is not None and file.filename:
        upload = (file.filename, await file.read(MAX_PLAN_BYTES + 1))  # bounded: one byte past the limit
    # the check and the binding take the store's lock: in a worker thread, never in the event loop
    return await run_in_threadpool(_bind_plan, request, upload, shipped)


def _bind_plan(request: Request, upload: tuple[str, bytes] | None, shipped: str):
    from ... import access
    from ...errors import EduplanError
    from ...plan.binding import shipped_plans, use_plan

    user = current_user(request)
    state = request.app.state.web
    with tempfile.TemporaryDirectory(prefix="eduplan-plan-") as folder:
        try:
            if upload is not None:
                given, data = upload
                name = _plan_file_name(given)
                if not name.lower().endswith((".yaml", ".yml")):
                    raise EduplanError(f"文件“{given}”不是规划文件：规划应为 .yaml 或 .yml 文件（eduplan template plan 生成模板）")
                if len(data) > MAX_PLAN_BYTES:
                    raise EduplanError(f"规划文件“{given}”超过 {MAX_PLAN_BYTES // (1024 * 1024)} MB，未读取；规划文件通常只有几十 KB")
                source: str | FilePath = FilePath(folder) / name
                source.write_bytes(data)
                what = given
            elif shipped:
                if shipped not in shipped_plans():
                    raise EduplanError(f"没有随程序提供的规划“{shipped}”；可选：" + "、".join(sorted(shipped_plans())))
                source, what = shipped, f"随程序提供的规划 {shipped}"
            else:
                raise EduplanError("请选择要上传的规划文件（.yaml），或选择一个随程序提供的规划")
            with state.writing() as store:
                result = use_plan(store, source, user.username)
                access.audit.record(store, actor=user, action="plan_bind", target=result["file_name"],
                                    address=_address(request),
                                    detail={"区": f"{result['district_name']}（{result['district_code']}）",
                                            "规划": result["title"], "绑定编号": result["binding_id"],
                                            "sha256": result["sha256"], "有变化": result["changed"],
                                            "取代绑定": (result["replaced"] or {}).get("binding_id")})
        except EduplanError as e:
            with state.reading() as store:
                access.audit.record(store, actor=user, action="plan_bind",
                                    target=(upload[0] if upload is not None else shipped)[:200],
                                    address=_address(request), outcome="失败", detail={"原因": str(e)})
            return _plan_page(request, 400, error=f"未绑定：{e}")
    if not result["changed"]:
        message = f"{what} 与 {result['district_name']} 当前绑定的规划内容相同，未作改动"
    else:
        message = (f"已把“{result['title']}”（{what}）绑定到 {result['district_name']}（{result['district_code']}），"
                   f"绑定编号 {result['binding_id']}；各页面即按此规划评估")
    notes = result.get("notes") or []
    return _plan_page(request, message=message + ("。" + "；".join(notes) if notes else ""))


# ------------------------------------------------------------------ backups

@router.get("/admin/backup", dependencies=[ADMIN])
def backup_page(request: Request):
    from ...store import time_label

    with request.app.state.web.reading() as store:
        done = access_rows(store)
    for r in done:
        r["at_label"] = time_label(r["at"])
    return render(request, "admin/backup.html", {"done": done, "db": str(request.app.state.web.db)})


def access_rows(store) -> list[dict[str, Any]]:
    """The latest backups taken (the audit log's `backup` rows), newest first."""
    from ... import access

    return access.audit.rows(store, action="backup", limit=10)


@router.post("/admin/backup", dependencies=[ADMIN])
def download_backup(request: Request):
    import hashlib
    import shutil
    from datetime import datetime, timezone

    from fastapi.responses import FileResponse
    from starlette.background import BackgroundTask

    from ... import access
    from ...store.backup import backup

    state = request.app.state.web
    user = current_user(request)
    folder = FilePath(tempfile.mkdtemp(prefix="eduplan-web-backup-"))
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    name = f"eduplan-backup-{stamp}.zip"
    target = folder / name
    try:
        with state.reading() as store:
            manifest = backup(state.db, target, con=store.con)
            digest = hashlib.sha256(target.read_bytes()).hexdigest()
            access.audit.record(store, actor=user, action="backup", target=name, address=_address(request),
                                detail={"表数": len(manifest["tables"]),
                                        "行数": sum(t["rows"] for t in manifest["tables"].values()),
                                        "字节": target.stat().st_size, "sha256": digest})
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(target, media_type="application/zip", filename=name,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))
