"""Resources the projected enrolment needs, year by year: staff against the 编制 norms and the current
staff, classes against the places, and recurrent plus capital cost against the education budget.

    staff needed(l, t)  = pupils(l, t) / norm(l)                       (教职工 : 学生 = 1 : norm)
    classes needed(l,t) = Σ_学区 ⌈need(z, l, t) / class size(l)⌉
    staff cost(t)       = Σ_l staff needed · salary · (1 + on-cost) · (1 + salary growth)^(t − base)
    public funds(t)     = Σ_l pupils · 生均公用经费(l) · (1 + growth)^(t − base)
    capital(t)          = Σ_projects the year's planned investment (project_finance), else the money
                          not yet spent spread evenly over the years up to the (scenario) in-use year
    budget(t)           = 教育支出(base) · (1 + g)^(t − base)        g: a setting, else observed
    financing gap(t)    = staff cost + public funds + capital − budget   (positive: money short)
Money in 万元.
"""

from __future__ import annotations

import math
from typing import Any

from ..projects import Library


def budget_growth(money: dict[int, dict[str, float]], base_year: int, given: float | None, n_years: int = 5) -> float:
    if given is not None:
        return given
    years = [t for t in range(base_year - n_years + 1, base_year + 1) if money.get(t, {}).get("education_expenditure")]
    if len(years) < 2:
        return 0.0
    a, b = money[years[0]]["education_expenditure"], money[years[-1]]["education_expenditure"]
    return (b / a) ** (1 / (years[-1] - years[0])) - 1


def capital_by_year(library: Library, base_year: int, years: list[int], delays: dict[str, int]) -> dict[int, float]:
    out = {t: 0.0 for t in years}
    for p in library.projects:
        recorded = {t: pl for t, (pl, _) in p.finance.items() if t > base_year and pl}
        if recorded:
            for t, v in recorded.items():
                if t in out:
                    out[t] += v
            continue
        in_use = (p.in_use_year or base_year) + delays.get(p.id, 0)
        if p.investment is None:
            continue  # not known (the forecast's notes name it)
        if p.finance:
            # a year whose 实际支出 is blank counts as still to be spent: the capital need is not understated
            remaining = max(0.0, p.investment - p.spent_recorded(base_year))
        else:
            remaining = p.investment if in_use > base_year else 0.0
        if remaining <= 0:
            continue
        span = list(range(base_year + 1, max(base_year + 2, in_use)))
        for t in span:
            if t in out:
                out[t] += remaining / len(span)
    return out


def resource_needs(pupils: dict[str, dict[int, float]], classes_needed: dict[str, dict[int, float]],
                   classes_available: dict[str, dict[int, float]], staff_now: dict[str, dict[str, float]],
                   money: dict[int, dict[str, float]], capital: dict[int, float], base_year: int, years: list[int],
                   s) -> list[dict[str, Any]]:
    salary = s.staff_salary or money.get(base_year, {}).get("teacher_salary") or 120_000.0
    budget0 = money.get(base_year, {}).get("education_expenditure")
    g = budget_growth(money, base_year, s.budget_growth)
    rows = []
    for t in years:
        k = t - base_year
        levels, staff_cost, funds = {}, 0.0, 0.0
        for lvl, by_year in pupils.items():
            n = by_year.get(t, 0.0)
            need = n / s.staffing_norms[lvl] if s.staffing_norms.get(lvl) else 0.0
            now = staff_now.get(lvl, {}).get("staff", 0.0)
            levels[lvl] = {"pupils": round(n), "staff_needed": math.ceil(need), "staff_current": round(now),
                           "staff_gap": math.ceil(need) - round(now),
                           "classes_needed": round(classes_needed.get(lvl, {}).get(t, 0.0)),
                           "classes_available": round(classes_available.get(lvl, {}).get(t, 0.0))}
            staff_cost += need * salary * (1 + s.staff_on_cost) * (1 + s.salary_growth) ** k / 10_000
            funds += n * s.public_funds_per_pupil.get(lvl, 0.0) * (1 + s.public_funds_growth) ** k / 10_000
        cap = capital.get(t, 0.0)
        budget = budget0 * (1 + g) ** k if budget0 else None
        total = staff_cost + funds + cap
        rows.append({"year": t, "levels": levels, "staff_cost": round(staff_cost, 1), "public_funds": round(funds, 1),
                     "capital": round(cap, 1), "total": round(total, 1),
                     "budget": round(budget, 1) if budget is not None else None,
                     "financing_gap": round(total - budget, 1) if budget is not None else None,
                     "budget_growth": round(g, 4)})
    return rows
