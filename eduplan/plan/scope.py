"""Which district a command works on, with which plan, for which year — never silently the first.

`scopes(store, district, plan_file, several)` resolves a command's `--district` and `--plan`:
- a district given by code or name must be in the store (its data or a bound plan);
- none given: `--plan FILE` implies the plan's district; one district in the store is implied; with
  several, a command that reports per district (`several=True`) gets them all, any other is refused
  with the list of districts (DistrictRequired);
- each district's plan: `--plan FILE` (which must be that district's plan), else the plan bound to it
  in the store (`eduplan plan use`), else none — values are still computed, labelled 无规划目标.

`resolve_year(store, year, district)` is the year a command reports when `--year` is not given: the
latest year with data of the district in the store, said to the user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EduplanError, PlanError, StoreError
from ..store import time_label
from .binding import bound_plan, district_label
from .loader import load_plan
from .schema import Plan

NO_PLAN = "无规划目标"


class DistrictRequired(EduplanError):
    """The store holds several districts and the command needs one (--district)."""


class UnknownDistrict(EduplanError):
    """--district names no district of the store."""


@dataclass
class Scope:
    """One district and the plan a command evaluates it against."""

    district_code: str
    district_name: str | None
    plan: Plan | None
    plan_origin: str  # "bound" | "file" | "none"
    binding: dict[str, Any] | None = None
    has_data: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """“江湾区（420188）”."""
        return f"{self.district_name}（{self.district_code}）" if self.district_name else self.district_code

    @property
    def end_year(self) -> int | None:
        """The plan period's last year (the projection year), None without a plan."""
        return None if self.plan is None else self.plan.meta.period.end

    def plan_text(self) -> str:
        """One line naming the plan in use and where it comes from."""
        if self.plan is None:
            return (f"{self.label}：未绑定规划，数值照常计算，{NO_PLAN}"
                    "（用 eduplan plan use 规划文件 绑定，或 --plan 指定）")
        m = self.plan.meta
        if self.plan_origin == "file":
            return f"{self.label}：规划 {m.title}（--plan {self.plan.source_name}）"
        b = self.binding or {}
        return (f"{self.label}：规划 {m.title}（{b.get('file_name')}，{time_label(b.get('bound_at'))} "
                f"由 {b.get('user_name')} 绑定）")

    def to_dict(self) -> dict[str, Any]:
        b = self.binding
        return {
            "district_code": self.district_code, "district_name": self.district_name,
            "plan": None if self.plan is None else {
                "id": self.plan.meta.id, "title": self.plan.meta.title,
                "period": [self.plan.meta.period.start, self.plan.meta.period.end], "origin": self.plan_origin,
                "file_name": self.plan.source_name if b is None else b["file_name"],
                "sha256": None if b is None else b["sha256"],
                "bound_at": None if b is None else time_label(b["bound_at"]),
                "bound_by": None if b is None else b["user_name"]},
        }


def known_districts(store) -> dict[str, str | None]:
    """code → name of every district of the store: those its data names, then those with a bound plan."""
    return _districts(store)[0]


def _districts(store) -> tuple[dict[str, str | None], set[str]]:
    """(every district of the store: code → name, the codes its data names) — one read of each table."""
    data = store.districts()
    known = {r["district_code"]: r["district_name"] for r in data}
    for b in store.plan_bindings():
        known.setdefault(b["district_code"], None)
    return known, {r["district_code"] for r in data}


def _match(known: dict[str, str | None], given: str) -> str:
    text = given.strip()
    if text in known:
        return text
    hits = [c for c, n in known.items() if n and text == n]
    if len(hits) == 1:
        return hits[0]
    have = "、".join(district_label(c, n) for c, n in known.items()) or "（库中没有任何区）"
    raise UnknownDistrict(f"数据库中没有区“{given}”；库中的区：{have}")


def choose_districts(store, district: str | None = None, plan: Plan | None = None,
                     several: bool = False, _found: tuple[dict, set] | None = None) -> list[str]:
    """The district codes a command works on (see the module docstring)."""
    known, data = _found or _districts(store)
    if district:
        return [_match(known, district)]
    if plan is not None:
        code = plan.meta.district.code
        if code not in data:
            have = "、".join(district_label(c, n) for c, n in known.items() if c in data) or "（空库）"
            raise PlanError(f"规划“{plan.meta.title}”属于 {district_label(code, plan.meta.district.name)}，"
                            f"数据库中没有该区的数据（库中：{have}）；请换用该区的数据库（--db）或该区的规划")
        return [code]
    codes = [c for c in known if c in data] or list(known)
    if not codes:
        raise StoreError(f"数据库“{store.path}”中还没有任何区县数据；请先导入数据（eduplan import），"
                         "或运行 eduplan demo 生成示范区")
    if len(codes) == 1 or several:
        return codes
    have = "、".join(district_label(c, known[c]) for c in codes)
    raise DistrictRequired(f"数据库中有 {len(codes)} 个区：{have}；请用 --district 指定一个（代码或名称）")


def scope_for(store, code: str, plan: Plan | None = None, _found: tuple[dict, set] | None = None) -> Scope:
    """District `code` with `plan` (a --plan file, which must be that district's) or its bound plan."""
    known, data = _found or _districts(store)
    name = known.get(code)
    has_data = code in data
    if plan is not None:
        pd = plan.meta.district
        if pd.code != code:
            raise PlanError(f"规划文件 {plan.source_name} 是 {district_label(pd.code, pd.name)} 的规划，"
                            f"不能用来评估 {district_label(code, name)} 的数据；请去掉 --plan（使用该区绑定的规划）"
                            "或换用该区的规划文件")
        return Scope(code, name or pd.name, plan, "file", None, has_data)
    found = bound_plan(store, code)
    if found is None:
        return Scope(code, name, None, "none", None, has_data)
    p, b = found
    return Scope(code, name or p.meta.district.name, p, "bound", b, has_data)


def scopes(store, district: str | None = None, plan_file: Path | None = None, several: bool = False) -> list[Scope]:
    """Resolve --district and --plan into the scopes a command works on."""
    plan = load_plan(plan_file) if plan_file is not None else None
    found = _districts(store)  # read once for the choice and every scope
    return [scope_for(store, code, plan, found) for code in choose_districts(store, district, plan, several, found)]


def one_scope(store, district: str | None = None, plan_file: Path | None = None) -> Scope:
    """The single district a command works on (DistrictRequired when the store holds several)."""
    return scopes(store, district, plan_file)[0]


def data_years(store, district_code: str | None = None) -> list[int]:
    """Years with enrolment data (of the district's schools), else with any yearly data; ascending."""
    if district_code is None:
        rows = store.run("SELECT DISTINCT year FROM enrolment ORDER BY 1")
    else:
        rows = store.run("SELECT DISTINCT e.year FROM enrolment e JOIN school s USING (school_code) "
                         "WHERE s.district_code = ? ORDER BY 1", [district_code])
    if rows:
        return [r[0] for r in rows]
    from ..model import TABLES

    years: set[int] = set()
    for t in TABLES:
        if "year" in t.labels:
            years |= {r[0] for r in store.run(f'SELECT DISTINCT year FROM "{t.name}" WHERE year IS NOT NULL')}
    return sorted(years)


def resolve_year(store, year: int | None, district_code: str | None = None) -> tuple[int, str | None]:
    """(the year to report, a note saying how it was chosen — None when the user gave it)."""
    if year is not None:
        return year, None
    years = data_years(store, district_code)
    if not years:
        raise StoreError(f"数据库“{store.path}”中还没有任何年度数据；请先导入数据，或用 --year 指定年度")
    return years[-1], f"未指定 --year：使用库中有数据的最近年度 {years[-1]} 年"
