"""Plans bound to districts in the store: `eduplan plan use` and the plan every command then uses.

A binding keeps the plan's whole YAML text with its sha256, who bound it and when (store table
`plan_binding`); binding a new version supersedes the district's previous binding, which stays in the
store's history. `use_plan` validates a plan (format and `plan check` errors) before binding it, and
refuses a plan whose district has no data in a store that already holds other districts' data.
The caller opens the store (this module never opens a database file itself).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import PlanError
from .check import SEVERITY_LABEL, check_plan
from .loader import parse_plan, read_plan_text
from .schema import Plan


@dataclass
class PlanSource:
    """A plan with the exact text it was read from."""

    plan: Plan
    text: str
    file_name: str
    sha256: str


def shipped_plans() -> dict[str, Path]:
    """The plans shipped with eduplan, by plan id (the file name without .yaml)."""
    folder = resources.files("eduplan.plan") / "data"
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml")}


def _source(text: str, file_name: str) -> PlanSource:
    return PlanSource(parse_plan(text, file_name), text, file_name,
                      hashlib.sha256(text.encode("utf-8")).hexdigest())


def read_source(source: str | Path, store=None) -> PlanSource:
    """A plan file; else a shipped plan's id; else (with `store`) a binding number of that store's plan
    history (that exact version: how a binding is undone) or the latest version of a plan id bound there
    before. PlanError (Chinese) when none matches or the plan is not valid."""
    p = Path(source)
    if p.is_file():
        return _source(read_plan_text(p), p.name)
    shipped = shipped_plans()
    if str(source) in shipped:
        path = shipped[str(source)]
        return _source(read_plan_text(path), path.name)
    if store is not None:
        every = store.plan_bindings(current=False)
        # a binding number (plan history) brings back exactly that version; a plan id its latest version
        earlier = ([b for b in every if b["binding_id"] == int(source)] if str(source).isdigit()
                   else [b for b in every if b["plan_id"] == str(source)])
        if earlier:
            b = earlier[-1]
            return _source(b["text"], b["file_name"])
    known = "、".join(sorted(shipped))
    raise PlanError(f"找不到规划“{source}”：既不是规划文件，也不是随附的规划编号（{known}）"
                    + ("，也不是本库中绑定过的规划编号或绑定编号（eduplan plan history）" if store is not None else ""))


def district_label(code: str, name: str | None) -> str:
    return f"{code} {name}" if name else code


def use_plan(store, source: str | Path, user: str) -> dict[str, Any]:
    """Validate the plan at `source` and bind it to its district in `store` (opened for writing).

    Refused (PlanError) when the plan does not parse, when `plan check` finds errors, or when the store
    holds data of other districts and none of the plan's. Binding the same text again changes nothing.
    Returns {binding_id, changed, district_code, district_name, plan_id, title, period, sha256,
    replaced (the previous binding or None), has_data, notes}.
    """
    src = read_source(source, store)
    plan = src.plan
    errors = [f for f in check_plan(plan) if f.severity == "error"]
    if errors:
        lines = "\n".join(f"  - {SEVERITY_LABEL[f.severity]}：{f.message}（{f.where}）" for f in errors)
        raise PlanError(f"规划 {src.file_name} 有 {len(errors)} 个错误，未绑定（eduplan plan check --plan 查看全部）：\n{lines}")
    d = plan.meta.district
    districts = {r["district_code"]: r["district_name"] for r in store.districts()}
    notes: list[str] = []
    if districts and d.code not in districts:
        have = "、".join(district_label(c, n) for c, n in districts.items())
        raise PlanError(
            f"规划“{plan.meta.title}”属于 {district_label(d.code, d.name)}，而数据库“{store.path}”中只有 {have} 的数据，"
            f"未绑定。若要在本库中加入 {d.name}，请先导入该区的“区县”表（行政区划代码 {d.code}），再绑定规划；"
            "若选错了规划或数据库，请换用正确的文件（--db）")
    stored_name = districts.get(d.code)
    if stored_name and stored_name != d.name:
        notes.append(f"规划中的区名“{d.name}”与库中“{stored_name}”（{d.code}）不同，请核对")
    if not districts:
        notes.append(f"数据库中还没有任何数据；导入 {d.name}（{d.code}）的数据后，各命令即按本规划评估")
    current = store.plan_bindings(d.code)
    previous = current[-1] if current else None
    result = {"district_code": d.code, "district_name": d.name, "plan_id": plan.meta.id, "title": plan.meta.title,
              "period": [plan.meta.period.start, plan.meta.period.end], "sha256": src.sha256,
              "file_name": src.file_name, "replaced": None, "has_data": d.code in districts, "notes": notes}
    if previous is not None and previous["sha256"] == src.sha256:
        return {**result, "binding_id": previous["binding_id"], "changed": False}
    binding_id = store.bind_plan(district_code=d.code, plan_id=plan.meta.id, title=plan.meta.title,
                                 period=(plan.meta.period.start, plan.meta.period.end), file_name=src.file_name,
                                 text=src.text, sha256=src.sha256, user=user)
    if previous is not None:
        result["replaced"] = {k: previous[k] for k in ("binding_id", "plan_id", "title", "file_name", "sha256",
                                                        "bound_at", "user_name")}
    return {**result, "binding_id": binding_id, "changed": True}


_CACHE: dict[str, Plan] = {}


def plan_of_binding(binding: dict[str, Any]) -> Plan:
    """The Plan a binding holds (parsed once per text)."""
    plan = _CACHE.get(binding["sha256"])
    if plan is None:
        plan = _CACHE[binding["sha256"]] = parse_plan(binding["text"], binding["file_name"])
    return plan


def bound_plan(store, district_code: str) -> tuple[Plan, dict[str, Any]] | None:
    """The district's current plan and its binding, or None when no plan is bound to it."""
    current = store.plan_bindings(district_code)
    if not current:
        return None
    return plan_of_binding(current[-1]), current[-1]
