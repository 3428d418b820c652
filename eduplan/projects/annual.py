"""The annual construction list (年度建设清单): the projects under way in one year, with that year's
milestones, money and warnings (规划 六㈡ “建立项目库和年度建设清单”)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..model.codes import MILESTONE_ORDER, MILESTONES
from .checks import Finding
from .library import Library, ProjectRecord


def in_year(p: ProjectRecord, year: int) -> bool:
    """A project belongs to a year's list when the plan lists it that year, a milestone is planned or
    reached that year, money is planned or spent that year, or it goes into use that year."""
    if year in p.years or p.in_use_year == year:
        return True
    if any((m.planned and m.planned.year == year) or (m.actual and m.actual.year == year)
           for m in p.milestones.values()):
        return True
    planned, spent = p.finance.get(year, (None, None))
    return bool(planned) or bool(spent)


def annual_list(lib: Library, year: int, findings: list[Finding] | None = None) -> list[dict[str, Any]]:
    """One row per project on the year's list, in the plan's order."""
    by_project: dict[str, list[str]] = {}
    for f in findings or []:
        if f.project_id:
            by_project.setdefault(f.project_id, []).append(f.message)
    end = date(year, 12, 31)
    rows = []
    for p in lib.projects:
        if not in_year(p, year):
            continue
        planned, spent = p.finance.get(year, (None, None))
        due = [m for m in sorted(p.milestones.values(), key=lambda m: MILESTONE_ORDER[m.code])
               if (m.planned and m.planned.year == year) or (m.actual and m.actual.year == year)]
        state = p.state_at(end)
        rows.append({
            "project_id": p.id, "name": p.name, "category": p.category, "group": p.group, "zone_code": p.zone_code,
            "work": p.work, "plan_years": p.years, "listed_this_year": year in p.years,
            "planned_investment": p.investment, "investment_source": p.investment_source,
            "year_planned": planned, "year_spent": spent, "spent_to_date": p.spent_total(year),
            "milestones": [{"milestone": m.label, "planned": m.planned, "actual": m.actual} for m in due],
            "state_at_year_end": MILESTONES.label_of(state) if state else None,
            "places": {lvl: lp.places for lvl, lp in p.places.items()},
            "plan_in_use_year": p.plan_in_use_year, "in_use_year": p.in_use_year,
            "warnings": by_project.get(p.id, []),
        })
    return rows
