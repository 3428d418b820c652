"""Checks on the key-project library: categories and places the plan does not give, delays, 资金预警
and the plan's own statements.

Each check is a small function returning Findings (kebab-case `code`, level, project, a Chinese
message rendered from MESSAGES, and the numbers behind it). `check_library` runs them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable

from ..model.codes import MILESTONE_ORDER, MILESTONES
from .library import STATE_OF_PLAN, Library, ProjectRecord

MESSAGES: dict[str, str] = {
    "unknown-project": "“{table}”中的项目编号“{project_id}”不在重点项目库中：请先在“重点项目库”中登记该项目",
    "unknown-category": "{name}（{project_id}）：项目类别“{category}”不是规划《{plan}》的项目类别（规划的类别：{codes}）；"
                        "该项目不归入任何分组、不分摊投资，新增学位无法按规划确定（学位预测未计入）。"
                        "请在“重点项目库”中改用规划的类别后重新导入，或在规划的 key_projects.categories 中声明该类别",
    "places-unknown": "{name}（{project_id}）：新增学位未知——“项目新增学位”表未填，规划未给出本项目或其类别“{category}”"
                      "的新增班数（places）；学位预测未计入其学位。请在“项目新增学位”表中填写，或在规划中写明",
    "no-plan": "该区未绑定规划（无规划目标）：项目不分组、不按规划分摊投资，也不核对规划的完工预期；"
               "{unknown}用 eduplan plan use 规划文件 绑定该区的规划，或用 --plan 指定",
    "project-no-district": "“重点项目库”中的项目“{name}”（{project_id}）未填学区和学校，库中有多个区，无法判断属于哪个区，"
                           "未列入本区项目库；请在“重点项目库”中填写学区或学校后重新导入",
    "milestone-late": "{name}：{milestone}实际 {actual}，比计划 {planned} 晚 {days} 天",
    "milestone-overdue": "{name}：{milestone}计划 {planned}，截至 {as_of} 仍未完成（已逾期 {days} 天）",
    "in-use-later-than-plan": "{name}：预计 {in_use_year} 年投入使用，比规划推算的 {plan_in_use_year} 年晚 {years} 年（依据：{basis}）",
    "expected-state-missed": "{name}：规划预计 {year} 年底{expected}，按{basis}届时为“{state}”",
    "funds-lagging": "{name}：资金执行滞后，截至 {year} 年底累计支出 {spent:,.0f} 万元，为累计年度计划 {planned:,.0f} 万元的 {rate:.1%}（预警线 {threshold:.0%}）",
    "funds-unreported": "{name}：{years} 年{what}未填报，不判断资金执行是否滞后（未填报不按 0 计）",
    "funds-overrun": "{name}：超支，累计支出 {spent:,.0f} 万元，超过{basis} {budget:,.0f} 万元的 {rate:.1%}（预警线 {threshold:.0%}）",
    "group-investment-exceeds": "{group}：已登记的项目计划投资合计 {recorded:,.0f} 万元，超过规划所列本组投资 {stated:,.0f} 万元",
    "plan-statement": "{group}：规划称“预计 {year} 年底 {count} 所{state}”，{basis}为 {actual} 所",
}


@dataclass
class Finding:
    code: str
    level: str  # error | warning | info
    project_id: str | None
    message: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "level": self.level, "project_id": self.project_id, "message": self.message,
                **{k: v for k, v in self.data.items() if k not in ("code", "level", "project_id", "message")}}


def _finding(code: str, level: str, pid: str | None, **data: Any) -> Finding:
    return Finding(code, level, pid, MESSAGES[code].format(**data), data)


def check_orphans(lib: Library, as_of: date) -> list[Finding]:
    """Rows of the project tables (and housing) that name a project the library does not hold."""
    return [_finding("unknown-project", "error", r["project_id"], table=r["table"], project_id=r["project_id"])
            for r in lib.orphans]


def check_categories(lib: Library, as_of: date) -> list[Finding]:
    """Projects whose category the plan does not have, and projects whose places nothing says."""
    kp = lib.key_projects
    out = []
    if lib.plan is None:
        unknown = [p for p in lib.projects if not p.places]
        text = (f"“项目新增学位”表未填的 {len(unknown)} 个项目（{'、'.join(p.name for p in unknown)}）新增学位未知、"
                "学位预测未计入；") if unknown else ""
        return [_finding("no-plan", "info", None, unknown=text, projects=[p.id for p in unknown])]
    codes = kp.category_codes() if kp is not None else []
    for p in lib.projects:
        if not p.category_known:
            out.append(_finding("unknown-category", "error", p.id, name=p.name, project_id=p.id,
                                category=p.category, plan=lib.plan.meta.title, codes="、".join(codes) or "无"))
        elif p.places_basis == "unknown":
            out.append(_finding("places-unknown", "warning", p.id, name=p.name, project_id=p.id,
                                category=p.category))
    return out


def check_unplaced(lib: Library, as_of: date) -> list[Finding]:
    """Project rows of a store holding several districts that name neither 学区 nor school."""
    return [_finding("project-no-district", "warning", r["project_id"], name=r.get("project_name") or "",
                     project_id=r["project_id"]) for r in lib.unplaced]


def check_milestones(lib: Library, as_of: date) -> list[Finding]:
    """A milestone done later than planned (beyond the tolerance), or planned and overdue."""
    tol = lib.settings.delay_tolerance_days
    out = []
    for p in lib.projects:
        for m in sorted(p.milestones.values(), key=lambda m: MILESTONE_ORDER[m.code]):
            if m.planned is None:
                continue
            if m.actual is not None and (m.actual - m.planned).days > tol:
                out.append(_finding("milestone-late", "warning", p.id, name=p.name, milestone=m.label,
                                    planned=m.planned, actual=m.actual, days=(m.actual - m.planned).days))
            elif m.actual is None and as_of - m.planned > timedelta(days=tol):
                later = [x for x in p.milestones.values() if x.actual is not None
                         and MILESTONE_ORDER[x.code] > MILESTONE_ORDER[m.code]]
                if not later:
                    out.append(_finding("milestone-overdue", "warning", p.id, name=p.name, milestone=m.label,
                                        planned=m.planned, as_of=as_of, days=(as_of - m.planned).days))
    return out


def check_in_use(lib: Library, as_of: date) -> list[Finding]:
    """The projected in-use year against the one the plan's years imply (places arriving late)."""
    out = []
    for p in lib.projects:
        if p.in_use_year is None or p.plan_in_use_year is None or not p.places:
            continue
        if p.in_use_year > p.plan_in_use_year:
            out.append(_finding("in-use-later-than-plan", "warning", p.id, name=p.name, in_use_year=p.in_use_year,
                                plan_in_use_year=p.plan_in_use_year, years=p.in_use_year - p.plan_in_use_year,
                                basis=p.in_use_basis))
    return out


def _state_rank(code: str | None) -> int:
    return -1 if code is None else MILESTONE_ORDER[code]


def _state_by(p: ProjectRecord, end: date, as_of: date) -> tuple[str | None, str]:
    """The state at `end`: recorded when `end` has passed, else the schedule (actual, then planned dates)."""
    if as_of >= end:
        return p.state_at(end), "实际进展"
    return p.planned_state_at(end), "进度计划"


def check_expected_state(lib: Library, as_of: date) -> list[Finding]:
    """Each plan project against the state the plan expects by its group's completion year."""
    kp = lib.key_projects
    out = []
    for p in lib.projects:
        g = kp.group(p.group) if kp and p.group else None
        if g is None or not p.in_plan or not p.milestones:
            continue
        end = date(g.completion_year, 12, 31)
        want = STATE_OF_PLAN.get(p.expected_state or "完工", "竣工")
        state, basis = _state_by(p, end, as_of)
        if _state_rank(state) < MILESTONE_ORDER[want]:
            out.append(_finding("expected-state-missed", "warning", p.id, name=p.name, year=g.completion_year,
                                expected=p.expected_state, basis=basis,
                                state=MILESTONES.label_of(state) if state else "未立项"))
    return out


def check_plan_statements(lib: Library, as_of: date) -> list[Finding]:
    """The plan's "预计 N 年底 …… X 所完工 / Y 所主体结构封顶" against the projects' states."""
    kp = lib.key_projects
    out = []
    for g in (kp.groups if kp else []):
        members = [p for p in lib.projects if p.group == g.id and p.counted]
        if not any(p.milestones for p in members):
            continue
        end = date(g.completion_year, 12, 31)
        states = {p.id: _state_by(p, end, as_of) for p in members}
        basis = "实际进展" if as_of >= end else "按进度计划"
        for plan_state, count in g.stated_states.items():
            want = STATE_OF_PLAN.get(plan_state, "竣工")  # reached this state or beyond
            actual = sum(_state_rank(states[p.id][0]) >= MILESTONE_ORDER[want] for p in members)
            if actual < count:
                out.append(_finding("plan-statement", "warning", None, group=g.name, year=g.completion_year,
                                    count=count, state=plan_state, basis=basis, actual=actual, group_id=g.id))
    return out


def check_funds(lib: Library, as_of: date) -> list[Finding]:
    """资金预警: cumulative spending lagging the yearly plans, or overrunning the budget."""
    s = lib.settings
    out = []
    year = as_of.year if (as_of.month, as_of.day) == (12, 31) else as_of.year - 1  # the last complete year
    for p in lib.projects:
        if not p.finance:
            continue
        planned, spent = p.planned_funds_total(year), p.spent_total(year)
        blank: dict[int, list[str]] = {}
        for which, label in (("planned", "年度计划投资"), ("spent", "实际支出")):
            for y in p.unreported(which, year):
                blank.setdefault(y, []).append(label)
        if blank:
            what = "、".join(dict.fromkeys(label for y in sorted(blank) for label in blank[y]))
            out.append(_finding("funds-unreported", "info", p.id, name=p.name,
                                years="、".join(str(y) for y in sorted(blank)), what=what, missing_years=sorted(blank)))
        elif planned > 0 and spent / planned < s.execution_lag_threshold:
            out.append(_finding("funds-lagging", "warning", p.id, name=p.name, year=year, spent=spent,
                                planned=planned, rate=spent / planned, threshold=s.execution_lag_threshold))
        # an overrun is certain when the spending filled in already exceeds the budget
        spent = p.spent_recorded(year)
        limit = 1 + s.overrun_threshold
        if p.investment is not None and p.investment > 0 and spent > p.investment * limit:
            budget, what = p.investment, "计划总投资"
        elif planned is not None and planned > 0 and spent > planned * limit:
            budget, what = planned, "累计年度计划"
        else:
            continue
        out.append(_finding("funds-overrun", "warning", p.id, name=p.name, spent=spent, budget=budget,
                            basis=what, rate=spent / budget - 1, threshold=s.overrun_threshold))
    return out


def check_group_investment(lib: Library, as_of: date) -> list[Finding]:
    """Recorded planned investments of a group exceeding the plan's stated amount for the group."""
    kp = lib.key_projects
    out = []
    for g in (kp.groups if kp else []):
        recorded = sum(p.investment or 0 for p in lib.projects if p.group == g.id and p.investment_source == "recorded")
        if recorded > g.investment * 10_000 + 0.005:
            out.append(_finding("group-investment-exceeds", "warning", None, group=g.name, recorded=recorded,
                                stated=g.investment * 10_000))
    return out


CHECKS: tuple[Callable[[Library, date], list[Finding]], ...] = (
    check_orphans, check_categories, check_unplaced, check_milestones, check_in_use, check_expected_state, check_plan_statements, check_funds,
    check_group_investment,
)


def check_library(lib: Library, as_of: date | None = None) -> list[Finding]:
    """Run every check; `as_of` defaults to the library's as-of date, else today."""
    as_of = as_of or lib.as_of or date.today()
    return [f for check in CHECKS for f in check(lib, as_of)]
