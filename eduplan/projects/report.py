"""Render the project library: one JSON-ready document, and a workbook to forward (年度建设清单、预警与核查、
分组合计、项目库、项目进展、项目资金 and 说明; title rows, every number in its unit's style — eduplan.sheets)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..model.codes import MILESTONE_ORDER
from .annual import annual_list
from .checks import Finding
from .library import PLACES_BASIS, Library
from ..sheets import Col, Styles, provenance, workbook, write_notes_sheet, write_table


LEVEL_LABEL = {"error": "错误", "warning": "预警", "info": "提示"}
FINDING_LABELS = {
    "unknown-project": "项目编号未登记", "unknown-category": "项目类别不在规划中", "places-unknown": "新增学位未知",
    "no-plan": "未绑定规划", "project-no-district": "项目未填学区", "milestone-late": "节点延误",
    "milestone-overdue": "节点逾期", "in-use-later-than-plan": "投入使用晚于规划", "expected-state-missed": "未达规划预期进度",
    "funds-lagging": "资金执行滞后", "funds-unreported": "资金未填报", "funds-overrun": "超支",
    "group-investment-exceeds": "分组投资超出规划", "plan-statement": "与规划表述不符",
}
WAN, YI, YEAR = "万元", "亿元", "年度"
INVESTMENT_SOURCE = {"recorded": "已登记", "allocated": "按规划分摊", "missing": "未填（不在规划的分组中）"}


def library_doc(lib: Library, year: int, findings: list[Finding], scope: Any = None) -> dict[str, Any]:
    """The library as JSON-ready data; `scope` (eduplan.plan.scope.Scope) names the district and plan."""
    kp = lib.key_projects
    doc: dict[str, Any] = {} if scope is None else {"scope": scope.to_dict()}
    return {
        **doc,
        "as_of": lib.as_of, "year": year,
        "stated_total": {"count": kp.stated_total.count, "investment": kp.stated_total.investment} if kp else None,
        "groups": [g.to_dict() for g in lib.group_totals()],
        "total_investment": lib.total_investment(),
        "projects": [p.to_dict() for p in lib.projects],
        "annual_list": annual_list(lib, year, findings),
        "findings": [f.to_dict() for f in findings],
    }


def write_projects_xlsx(lib: Library, year: int, findings: list[Finding], path: Path,
                        store: str | Path | None = None, produced: dt.date | None = None) -> Path:
    """The library and the year's list as a workbook (see the module docstring); `store` names the database
    in the title rows. An unwritable `path` raises OutputError and leaves nothing behind."""
    path = Path(path)
    title = f"{year} 年度建设清单与重点项目库"
    as_of = f"；截至 {lib.as_of.isoformat()}" if lib.as_of else ""
    sub = provenance(store, year, None, produced) + as_of
    empty = ["项目库中没有项目数据（重点项目库表未导入，规划也未列出项目）。"] if not lib.projects else []
    parts: list[tuple[str, str, list[Col]]] = []
    with workbook(path) as wb:
        st = Styles(wb, "#FCE4D6")

        def sheet(name: str, what: str, cols: list[Col], rows: list[list[Any]], freeze_cols: int = 2,
                  notes: list[str] | None = None) -> None:
            write_table(wb, st, name, cols, rows, f"{title}：{name}", sub, freeze_cols, notes if notes else empty)
            parts.append((name, what, cols))

        annual = annual_list(lib, year, findings)
        sheet(f"{year}年度建设清单", f"{year} 年在建、列入规划或有节点、资金、投入使用的项目", [
            Col("项目编号"), Col("项目名称", max_width=36), Col("类别"), Col("学区代码"), Col("建设方式"),
            Col("规划年份"), Col("当年列入规划"), Col("计划总投资（万元）", WAN), Col("当年计划投资（万元）", WAN),
            Col("当年支出（万元）", WAN), Col("累计支出（万元）", WAN), Col("当年节点", max_width=50), Col("年末状态"),
            Col("新增学位", max_width=30), Col("规划推算投入使用", YEAR), Col("预计投入使用", YEAR),
            Col("预警", max_width=60)],
            [[r["project_id"], r["name"], r["category"], r["zone_code"], r["work"], "、".join(map(str, r["plan_years"])),
              "是" if r["listed_this_year"] else "否", r["planned_investment"], r["year_planned"], r["year_spent"],
              r["spent_to_date"],
              "；".join(f"{m['milestone']} 计划 {m['planned'] or '—'} 实际 {m['actual'] or '—'}" for m in r["milestones"]),
              r["state_at_year_end"], "、".join(f"{k} {v}" for k, v in r["places"].items()),
              r["plan_in_use_year"], r["in_use_year"], "；".join(r["warnings"])] for r in annual],
            notes=None if annual or not lib.projects else [f"{year} 年没有在建或列入规划的项目。"])
        sheet("预警与核查", "进度、资金与规划核对发现的问题", [
            Col("级别"), Col("类型"), Col("项目编号"), Col("说明", max_width=80)],
            [[LEVEL_LABEL.get(f.level, f.level), FINDING_LABELS.get(f.code, f.code), f.project_id, f.message]
             for f in findings], 1,
            notes=None if findings or not lib.projects else ["没有预警，也没有核查发现的问题。"])
        sheet("分组合计", "规划各项目分组的所数与投资，与项目库合计的核对", [
            Col("分组"), Col("规划所数", "所"), Col("项目数（计数）", "项"), Col("项目数（含不计数）", "项"),
            Col("规划投资（亿元）", YI), Col("项目库合计（亿元）", YI), Col("一致")],
            [[g.name, g.stated_count, g.counted, g.projects, g.stated_investment, g.investment,
              "是" if g.to_dict()["matches"] else "否"] for g in lib.group_totals()], 1)
        sheet("项目库", "全部重点项目：类别、分组、投资、新增学位、投入使用年度", [
            Col("项目编号"), Col("项目名称", max_width=36), Col("类别"), Col("分组", max_width=30), Col("建设方式"),
            Col("学区代码"), Col("学校标识码"), Col("规划年份"), Col("计入规划所数"), Col("计划总投资（万元）", WAN),
            Col("投资来源"), Col("新增学位", max_width=30), Col("规划推算投入使用", YEAR), Col("预计投入使用", YEAR),
            Col("依据", max_width=50)],
            [[p.id, p.name, p.category, p.group_name, p.work, p.zone_code, p.school_code, "、".join(map(str, p.years)),
              "是" if p.counted else "否", p.investment, INVESTMENT_SOURCE[p.investment_source],
              "、".join(f"{k} {v.places}" for k, v in p.places.items()) or PLACES_BASIS[p.places_basis],
              p.plan_in_use_year, p.in_use_year, p.in_use_basis] for p in lib.projects])
        sheet("项目进展", "每个项目各节点的计划与实际日期", [
            Col("项目编号"), Col("项目名称", max_width=36), Col("节点"), Col("计划日期"), Col("实际日期"),
            Col("说明", max_width=50)],
            [[p.id, p.name, m.label, m.planned and m.planned.isoformat(), m.actual and m.actual.isoformat(), m.note]
             for p in lib.projects for m in sorted(p.milestones.values(), key=lambda m: MILESTONE_ORDER[m.code])])
        sheet("项目资金", "每个项目各年度的计划投资与实际支出", [
            Col("项目编号"), Col("项目名称", max_width=36), Col("年度", YEAR), Col("年度计划投资（万元）", WAN),
            Col("实际支出（万元）", WAN)],
            [[p.id, p.name, y, pl, sp] for p in lib.projects for y, (pl, sp) in sorted(p.finance.items())])
        write_notes_sheet(wb, st, title, sub, [(n, w) for n, w, _ in parts],
                          [(n, c) for n, _, cols in parts for c in cols if c.unit], [
            "年度建设清单：当年列入规划、当年有计划或实际节点、当年有计划投资或支出、或当年投入使用的项目（规划 六㈡）。",
            "金额以万元（分组合计为亿元）保留两位小数；未填报的金额为空白，不按 0 计。",
            "项目编号、学区代码、学校标识码为录入时使用的代码。",
        ])
    return path
