"""Render the project library: one JSON-ready document, and a workbook (项目库、年度建设清单、预警、资金)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..model.codes import MILESTONE_ORDER
from .annual import annual_list
from .checks import Finding
from .library import PLACES_BASIS, Library
from ..sheets import workbook, write_sheet


LEVEL_LABEL = {"error": "错误", "warning": "预警", "info": "提示"}
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


def _sheet(wb, name: str, headers: list[str], rows: list[list[Any]], widths: list[int] | None = None) -> None:
    write_sheet(wb, name, headers, rows, widths, header_colour="#FCE4D6")


def write_projects_xlsx(lib: Library, year: int, findings: list[Finding], path: Path) -> Path:
    path = Path(path)
    with workbook(path) as wb:
        _sheet(wb, f"{year}年度建设清单", ["项目编号", "项目名称", "类别", "学区", "建设方式", "规划年份", "当年列入规划",
                                        "计划总投资（万元）", "当年计划投资（万元）", "当年支出（万元）", "累计支出（万元）",
                                        "当年节点", "年末状态", "新增学位", "规划推算投入使用", "预计投入使用", "预警"],
               [[r["project_id"], r["name"], r["category"], r["zone_code"], r["work"], "、".join(map(str, r["plan_years"])),
                 "是" if r["listed_this_year"] else "否", r["planned_investment"], r["year_planned"], r["year_spent"],
                 r["spent_to_date"],
                 "；".join(f"{m['milestone']} 计划 {m['planned'] or '—'} 实际 {m['actual'] or '—'}" for m in r["milestones"]),
                 r["state_at_year_end"], "、".join(f"{k} {v}" for k, v in r["places"].items()),
                 r["plan_in_use_year"], r["in_use_year"], "；".join(r["warnings"])]
                for r in annual_list(lib, year, findings)])
        _sheet(wb, "预警与核查", ["级别", "类型", "项目编号", "说明"],
               [[LEVEL_LABEL.get(f.level, f.level), f.code, f.project_id, f.message] for f in findings])
        _sheet(wb, "分组合计", ["分组", "规划所数", "项目数（计数）", "项目数（含不计数）", "规划投资（亿元）", "项目库合计（亿元）", "一致"],
               [[g.name, g.stated_count, g.counted, g.projects, g.stated_investment, g.investment,
                 "是" if g.to_dict()["matches"] else "否"] for g in lib.group_totals()])
        _sheet(wb, "项目库", ["项目编号", "项目名称", "类别", "分组", "建设方式", "学区", "学校标识码", "规划年份", "计入规划所数",
                           "计划总投资（万元）", "投资来源", "新增学位", "规划推算投入使用", "预计投入使用", "依据"],
               [[p.id, p.name, p.category, p.group_name, p.work, p.zone_code, p.school_code, "、".join(map(str, p.years)),
                 "是" if p.counted else "否", p.investment, INVESTMENT_SOURCE[p.investment_source],
                 "、".join(f"{k} {v.places}" for k, v in p.places.items()) or PLACES_BASIS[p.places_basis],
                 p.plan_in_use_year, p.in_use_year,
                 p.in_use_basis] for p in lib.projects])
        _sheet(wb, "项目进展", ["项目编号", "项目名称", "节点", "计划日期", "实际日期", "说明"],
               [[p.id, p.name, m.label, m.planned and m.planned.isoformat(), m.actual and m.actual.isoformat(), m.note]
                for p in lib.projects for m in sorted(p.milestones.values(), key=lambda m: MILESTONE_ORDER[m.code])])
        _sheet(wb, "项目资金", ["项目编号", "项目名称", "年度", "年度计划投资（万元）", "实际支出（万元）"],
               [[p.id, p.name, y, pl, sp] for p in lib.projects for y, (pl, sp) in sorted(p.finance.items())])
    return path
