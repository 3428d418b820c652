"""The key-project library (项目库): one district's projects as first-class records, merged with the store.

A record starts from the district's plan (id, name, category, group, the years the project table
lists, the state expected by the group's completion year, the classes it adds) and takes from the
store what the bureau records later: the `project` row (学区, school, works, planned investment,
planned in-use year), places added per level (`project_capacity`), milestones with planned and actual
dates (`project_milestone`) and yearly planned and spent money (`project_finance`). Projects the
bureau adds to the `project` table that the plan does not list join the group of their category (the
plan's categories, `KeyProjects.category_codes()`); a category the plan does not have is reported.
Without a plan the store's projects are listed alone: no groups, no allocated investment.

A store holding several districts: a `project` row belongs to the district of its 学区 (zone) or its
school; a row naming neither belongs to the district whose plan lists it, or to the only district.

Derived per record (docs/forecast.md "项目库"):
- planned investment: the recorded one, else the group's stated amount less the recorded amounts,
  shared by work-type weights (largest remainder in 0.01 万元, so that group totals match the plan);
  None (missing) for a project in no group of the plan;
- places by level: the 项目新增学位 rows, else the plan project's `places` (classes per 学段), else
  its category's `places` (when the plan declares them) × the class-size norm; a category declaring
  {} adds none; otherwise the places are unknown (said by the checks, never taken as 0);
- in-use year (the 统计年度 whose September intake the project serves): an actual 投入使用 date, else a
  planned 投入使用 date, else 竣工 (actual, then planned), else the recorded planned in-use year, else
  the plan's last listed year + its category's in_use_lag in the plan (else settings.in_use_lag); a date after September counts for the next year.
  With an as-of date, a project whose recorded progress shows it not yet in use is never placed
  before the next September intake (a project with no progress on record keeps its planned year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..errors import EduplanError
from ..model.codes import MILESTONE_ORDER, MILESTONES
from ..plan import Plan
from .settings import ProjectSettings

STATE_OF_PLAN = {"完工": "竣工", "主体结构封顶": "主体封顶"}  # the plan's words → milestone codes
PROJECT_TABLES = ("project", "project_capacity", "project_milestone", "project_finance", "housing")
PLACES_BASIS = {"recorded": "项目新增学位表", "plan": "规划所列本项目班数", "category": "规划所列类别班数",
                "none": "规划类别不增加学位", "unknown": "未知"}


def store_rows(store, table: str) -> list[dict[str, Any]]:
    """A table's rows; none when a store made by an older version lacks the table (opened read-only)."""
    import duckdb

    try:
        return store.rows(table)
    except duckdb.CatalogException:
        return []


def parse_date(text: Any) -> date | None:
    """'2025-12-31', '2025-12' (first of the month) or an ISO datetime → date; None when blank. The
    import stores only real calendar dates (field type "date"); anything else here is an error that
    names the value, never a crash of the whole district's projects."""
    if text is None or str(text).strip() == "":
        return None
    if isinstance(text, date):
        return text
    m = re.match(r"^(\d{4})-(\d{2})(?:-(\d{2}))?", str(text).strip())
    try:
        if m is None:
            raise ValueError
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    except ValueError:
        raise EduplanError(f"项目进展中的日期“{text}”不是有效的日期（应为 YYYY-MM-DD 或 YYYY-MM 的真实日历日期）；"
                           "请在“项目进展”表中改正后重新导入") from None


def school_year_of(d: date) -> int:
    """The 统计年度 a facility ready on `d` first serves: the same year up to September, else the next."""
    return d.year if d.month <= 9 else d.year + 1


@dataclass
class Milestone:
    code: str
    planned: date | None = None
    actual: date | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        return MILESTONES.label_of(self.code)


@dataclass
class LevelPlaces:
    classes: int | None
    places: int
    source: str  # "recorded" | "classes" (recorded classes × norm) | "plan" (the project's) | "category"


@dataclass
class ProjectRecord:
    id: str
    name: str
    category: str
    group: str | None
    group_name: str | None = None
    work: str | None = None
    zone_code: str | None = None
    school_code: str | None = None
    years: list[int] = field(default_factory=list)  # the years the plan's table lists it
    counted: bool = True  # counts toward the group's stated number
    expected_state: str | None = None  # the plan's: 完工 / 主体结构封顶, by the group's completion year
    in_plan: bool = True
    in_store: bool = False
    investment_cents: int | None = None  # planned investment in 0.01 万元; None: not recorded, in no group
    investment_source: str = "allocated"  # recorded | allocated | missing
    places: dict[str, LevelPlaces] = field(default_factory=dict)
    places_basis: str = "unknown"  # recorded | plan | category | none | unknown (PLACES_BASIS)
    plan_places: dict[str, int] | None = None  # the plan's `places` for the project (classes per 学段)
    category_known: bool = True  # the category is one of the plan's (always False without a plan)
    milestones: dict[str, Milestone] = field(default_factory=dict)
    finance: dict[int, tuple[float | None, float | None]] = field(default_factory=dict)  # year → (planned, spent)
    recorded_in_use_year: int | None = None
    plan_in_use_year: int | None = None
    in_use_year: int | None = None
    in_use_basis: str = ""
    note: str | None = None

    @property
    def investment(self) -> float | None:
        """Planned investment in 万元 (None: missing)."""
        return None if self.investment_cents is None else self.investment_cents / 100

    @property
    def is_new_school(self) -> bool:
        return self.work in ("新建", "配建") and bool(self.places)

    def total_places(self) -> int:
        return sum(p.places for p in self.places.values())

    def state_at(self, d: date) -> str | None:
        """The furthest milestone actually reached by `d` (None: not yet 立项 on record)."""
        done = [m.code for m in self.milestones.values() if m.actual is not None and m.actual <= d]
        return max(done, key=MILESTONE_ORDER.__getitem__) if done else None

    def planned_state_at(self, d: date) -> str | None:
        """The furthest milestone reached by `d` on the schedule: actual dates where known, else planned."""
        done = [m.code for m in self.milestones.values()
                if (m.actual or m.planned) is not None and (m.actual or m.planned) <= d]
        return max(done, key=MILESTONE_ORDER.__getitem__) if done else None

    def spent_total(self, up_to: int | None = None) -> float | None:
        """Recorded spending to `up_to`; None (missing) when a year on record left 实际支出 blank."""
        return None if self.unreported("spent", up_to) else self.spent_recorded(up_to)

    def spent_recorded(self, up_to: int | None = None) -> float:
        """The spending filled in to `up_to` (a lower bound when some year is unreported)."""
        return sum(s for y, (_, s) in self.finance.items() if s is not None and (up_to is None or y <= up_to))

    def planned_funds_total(self, up_to: int | None = None) -> float | None:
        """Yearly plans to `up_to`; None (missing) when a year on record left 年度计划投资 blank."""
        if self.unreported("planned", up_to):
            return None
        return sum(p for y, (p, _) in self.finance.items() if p is not None and (up_to is None or y <= up_to))

    def unreported(self, which: str, up_to: int | None = None) -> list[int]:
        """The years on record (to `up_to`) whose `planned` or `spent` cell is blank."""
        k = 0 if which == "planned" else 1
        return sorted(y for y, v in self.finance.items() if v[k] is None and (up_to is None or y <= up_to))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "category": self.category, "group": self.group,
            "group_name": self.group_name, "work": self.work, "zone_code": self.zone_code,
            "school_code": self.school_code, "years": self.years, "counted": self.counted,
            "expected_state": self.expected_state, "in_plan": self.in_plan, "in_store": self.in_store,
            "planned_investment": self.investment, "investment_source": self.investment_source,
            "places": {lvl: {"classes": p.classes, "places": p.places, "source": p.source}
                       for lvl, p in self.places.items()},
            "places_basis": self.places_basis,
            "milestones": {m.code: {"planned": m.planned, "actual": m.actual, "note": m.note}
                           for m in sorted(self.milestones.values(), key=lambda m: MILESTONE_ORDER[m.code])},
            "finance": {str(y): {"planned": p, "spent": s} for y, (p, s) in sorted(self.finance.items())},
            "plan_in_use_year": self.plan_in_use_year, "in_use_year": self.in_use_year,
            "in_use_basis": self.in_use_basis,
            "delay_years": (self.in_use_year - self.plan_in_use_year
                            if self.in_use_year is not None and self.plan_in_use_year is not None else None),
        }


@dataclass
class GroupTotal:
    id: str
    name: str
    stated_count: int
    stated_investment: float  # 亿元, as the plan states
    projects: int  # records in the group
    counted: int  # records counting toward the stated number
    investment_cents: int

    @property
    def investment(self) -> float:
        """The library's total in 亿元."""
        return self.investment_cents / 1_000_000

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "stated_count": self.stated_count, "counted": self.counted,
                "projects": self.projects, "stated_investment": self.stated_investment,
                "investment": self.investment, "matches": self.investment_cents == round(self.stated_investment * 1e6)}


@dataclass
class Library:
    plan: Plan | None
    settings: ProjectSettings
    projects: list[ProjectRecord]
    as_of: date | None = None
    orphans: list[dict[str, Any]] = field(default_factory=list)  # store rows naming an unknown project
    district_code: str | None = None  # the district the library is of (None: every row of the store)
    unplaced: list[dict[str, Any]] = field(default_factory=list)  # project rows of no known district

    def get(self, pid: str) -> ProjectRecord:
        for p in self.projects:
            if p.id == pid:
                return p
        raise KeyError(pid)

    def find(self, pid: str) -> ProjectRecord | None:
        return next((p for p in self.projects if p.id == pid), None)

    @property
    def key_projects(self):
        """The plan's key-project section (None without a plan or when the plan has none)."""
        return None if self.plan is None else self.plan.key_projects

    def group_totals(self) -> list[GroupTotal]:
        kp = self.key_projects
        out = []
        for g in (kp.groups if kp else []):
            members = [p for p in self.projects if p.group == g.id]
            out.append(GroupTotal(g.id, g.name, g.stated_count, g.investment, len(members),
                                  sum(p.counted for p in members), sum(p.investment_cents or 0 for p in members)))
        return out

    def total_investment(self) -> float:
        """亿元: the planned investments known (recorded or allocated)."""
        return sum(p.investment_cents or 0 for p in self.projects) / 1_000_000


# ------------------------------------------------------------------ building


def build_library(store=None, plan: Plan | None = None, settings: ProjectSettings | None = None,
                  as_of: date | None = None, rows: dict[str, list[dict[str, Any]]] | None = None,
                  district_code: str | None = None) -> Library:
    """One district's library from its plan (None: no plan — the store's projects alone) and the store's
    project tables (or `rows`); `district_code` keeps that district's rows of a store holding several."""
    from ..settings import load_section

    settings = settings or load_section("projects", ProjectSettings)
    if rows is None:
        tables = PROJECT_TABLES + (("zone", "school") if district_code is not None else ())
        rows = {t: store_rows(store, t) for t in tables} if store is not None else {}
    kp = plan.key_projects if plan is not None else None
    records: dict[str, ProjectRecord] = {}
    if kp is not None:
        for p in kp.projects:
            g = kp.group(p.group)
            records[p.id] = ProjectRecord(
                id=p.id, name=p.name, category=p.category, group=p.group, group_name=g.name if g else None,
                work=p.work, years=list(p.years), counted=p.counted, expected_state=p.expected_state,
                note=p.note, plan_places=None if p.places is None else dict(p.places))
    lib = Library(plan, settings, [], as_of, district_code=district_code)
    rows = _of_district(rows, district_code, set(records), lib)
    for r in rows.get("project", []):
        rec = records.get(r["project_id"])
        if rec is None:
            g = kp.group_of_category(r["category"]) if kp is not None else None
            rec = records[r["project_id"]] = ProjectRecord(
                id=r["project_id"], name=r["project_name"], category=r["category"],
                group=g.id if g else None, group_name=g.name if g else None, in_plan=False, counted=False)
        rec.in_store = True
        rec.name = r.get("project_name") or rec.name
        rec.work = r.get("work") or rec.work
        rec.zone_code = r.get("zone_code")
        rec.school_code = r.get("school_code")
        rec.recorded_in_use_year = r.get("planned_in_use_year")
        rec.note = r.get("note") or rec.note
        if r.get("planned_investment") is not None:
            rec.investment_cents = round(r["planned_investment"] * 100)
            rec.investment_source = "recorded"
    lib.projects = list(records.values())
    for table in ("project_capacity", "project_milestone", "project_finance"):
        for r in rows.get(table, []):
            rec = records.get(r["project_id"])
            if rec is None:
                lib.orphans.append({"table": table, **r})
                continue
            if table == "project_capacity":
                _add_places(rec, r, settings)
            elif table == "project_milestone":
                rec.milestones[r["milestone"]] = Milestone(r["milestone"], parse_date(r.get("planned_date")),
                                                           parse_date(r.get("actual_date")), r.get("note"))
            else:
                rec.finance[r["year"]] = (r.get("planned"), r.get("spent"))
    for r in rows.get("housing", []):
        if r.get("project_id") and r["project_id"] not in records:
            lib.orphans.append({"table": "housing", **r})
    codes = set(kp.category_codes()) if kp is not None else set()
    for rec in lib.projects:
        rec.category_known = rec.category in codes
        if rec.places:
            rec.places_basis = "recorded"
        else:
            rec.places, rec.places_basis = planned_places(rec, plan, settings)
        rec.plan_in_use_year = _plan_in_use_year(rec, settings, plan)
        rec.in_use_year, rec.in_use_basis = in_use_year(rec, as_of)
    _allocate(lib)
    return lib


def _of_district(rows: dict[str, list[dict[str, Any]]], code: str | None, plan_ids: set[str],
                 lib: Library) -> dict[str, list[dict[str, Any]]]:
    """The rows of district `code` (all rows when None): its projects (by 学区 or school; a project naming
    neither is the district's when its plan lists it or the store holds no other district), their
    places, milestones and money, and the housing of its 学区. Rows naming a project of no table stay
    (the checks report them)."""
    if code is None:
        return rows
    zone_of = {r["zone_code"]: r.get("district_code") for r in rows.get("zone", [])}
    school_of = {r["school_code"]: r.get("district_code") for r in rows.get("school", [])}
    others = ({d for d in [*zone_of.values(), *school_of.values()] if d} - {code})
    mine, theirs = [], set()
    for r in rows.get("project", []):
        owner = zone_of.get(r.get("zone_code")) or school_of.get(r.get("school_code"))
        if owner is None and (r["project_id"] in plan_ids or not others):
            owner = code
        if owner == code:
            mine.append(r)
        else:
            theirs.add(r["project_id"])
            if owner is None:
                lib.unplaced.append(r)
    out = {"project": mine}
    for table in ("project_capacity", "project_milestone", "project_finance"):
        out[table] = [r for r in rows.get(table, []) if r["project_id"] not in theirs]
    out["housing"] = [r for r in rows.get("housing", [])
                      if zone_of.get(r.get("zone_code"), code) == code and r.get("project_id") not in theirs]
    return out


def _add_places(rec: ProjectRecord, r: dict[str, Any], s: ProjectSettings) -> None:
    classes, places = r.get("classes_added"), r.get("places_added")
    if places is None:
        rec.places[r["level"]] = LevelPlaces(classes, classes * s.class_size.get(r["level"], 45), "classes")
    else:
        rec.places[r["level"]] = LevelPlaces(classes, places, "recorded")


def planned_places(rec: ProjectRecord, plan: Plan | None,
                   s: ProjectSettings) -> tuple[dict[str, LevelPlaces], str]:
    """The places the plan says a project adds, when the store's 项目新增学位 table does not: the
    project's own `places`, else its category's (when the plan declares them), and on what they rest
    (PLACES_BASIS). A category the plan does not have, or one declaring no places, gives "unknown"."""
    def by_level(classes: dict[str, int], source: str) -> dict[str, LevelPlaces]:
        return {lvl: LevelPlaces(n, n * s.class_size.get(lvl, 45), source) for lvl, n in classes.items()}

    if rec.plan_places is not None:
        return by_level(rec.plan_places, "plan"), ("plan" if rec.plan_places else "none")
    kp = plan.key_projects if plan is not None else None
    cat = kp.category(rec.category) if kp is not None and rec.category_known else None
    if cat is None or "places" not in cat.model_fields_set:
        return {}, "unknown"
    return by_level(cat.places, "category"), ("category" if cat.places else "none")


def in_use_lag(plan: Plan | None, category: str, expected_state: str | None, s: ProjectSettings) -> int:
    """Years from a plan project's last listed year to its first intake: its category's `in_use_lag` in the
    plan, else the settings' by expected state."""
    kp = plan.key_projects if plan is not None else None
    cat = kp.category(category) if kp is not None else None
    if cat is not None and cat.in_use_lag is not None:
        return cat.in_use_lag
    return s.in_use_lag.get(expected_state or "完工", 1)


def _plan_in_use_year(rec: ProjectRecord, s: ProjectSettings, plan: Plan | None = None) -> int | None:
    if rec.in_plan and rec.years:
        return max(rec.years) + in_use_lag(plan, rec.category, rec.expected_state, s)
    return rec.recorded_in_use_year


def in_use_year(rec: ProjectRecord, as_of: date | None = None) -> tuple[int | None, str]:
    """The projected in-use year of a project and what it rests on (see the module docstring)."""
    ms = rec.milestones
    use, done = ms.get("投入使用"), ms.get("竣工")
    if use is not None and use.actual is not None:
        return school_year_of(use.actual), "投入使用（实际）"
    if use is not None and use.planned is not None:
        year, basis = school_year_of(use.planned), "投入使用（计划）"
    elif done is not None and (done.actual or done.planned) is not None:
        year = school_year_of(done.actual or done.planned)
        basis = "竣工（实际）" if done.actual else "竣工（计划）"
    elif rec.recorded_in_use_year is not None:
        year, basis = rec.recorded_in_use_year, "项目库计划投入使用年度"
    elif rec.plan_in_use_year is not None:
        year, basis = rec.plan_in_use_year, "规划所列年份推算"
    else:
        return None, "无"
    if as_of is not None and ms and "实际" not in basis:  # planned, and progress on record says not in use yet
        earliest = school_year_of(as_of) if as_of.month < 9 else as_of.year + 1
        if year < earliest:
            return earliest, basis + "；已逾期，按最早可用的学年"
    return year, basis


def _allocate(lib: Library) -> None:
    """Share each group's stated investment among its records without a recorded amount."""
    kp = lib.key_projects
    s = lib.settings
    for g in (kp.groups if kp is not None else []):
        members = [p for p in lib.projects if p.group == g.id]
        open_ = [p for p in members if p.investment_source != "recorded"]
        rest = round(g.investment * 1_000_000) - sum(p.investment_cents or 0 for p in members
                                                     if p.investment_source == "recorded")
        rest = max(rest, 0)
        weights = [s.allocation_weights.get(p.work or "", s.default_work_weight) for p in open_]
        for p, cents in zip(open_, largest_remainder(rest, weights)):
            p.investment_cents = cents
    for p in lib.projects:
        if p.investment_cents is None:
            p.investment_source = "missing"  # not recorded, and in no group of the plan to share from


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to `weights` that add up to `total` exactly (ties: first come first)."""
    if not weights:
        return []
    w = [max(x, 0.0) for x in weights]
    if sum(w) <= 0:
        w = [1.0] * len(w)
    exact = [total * x / sum(w) for x in w]
    out = [int(e // 1) for e in exact]
    order = sorted(range(len(w)), key=lambda i: -(exact[i] - out[i]))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out
