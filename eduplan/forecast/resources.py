"""Resources the projected enrolment needs, year by year: staff against the 编制 norms and the current
staff, classes against the places, and recurrent plus capital cost against the education budget.
Only the public (公办) part is charged to the public budget: 民办 pupils (the base year's 民办 share of
each level) and 民办 staff are shown beside it.

    public(l, t)        = pupils(l, t) · (1 − 民办 share(l))           private = the rest
    staff needed(l, t)  = ⌈public(l, t) / norm(l)⌉                     (教职工 : 学生 = 1 : norm)
    staff priced(l, t)  = max(staff needed, 公办 staff in the base year) (编制 staff are not shed)
    classes needed(l,t) = Σ_学区 ⌈need(z, l, t) / class size(l)⌉
    staff cost(t)       = Σ_l staff priced · salary · (1 + on-cost) · (1 + salary growth)^(t − base)
    public funds(t)     = Σ_l public(l, t) · 生均公用经费(l) · (1 + growth)^(t − base)
    capital(t)          = Σ_projects the year's planned investment (project_finance), else the money
                          not yet spent spread evenly over the years up to the (scenario) in-use year
    budget(t)           = 教育支出(base) · (1 + g)^(t − base)        g: a setting, else observed
    financing gap(t)    = staff cost + public funds + capital − budget   (positive: money short)
    … at norm           = the same with staff priced at staff needed only (a second, labelled figure)
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


FINANCING_GAP_LABEL = ("资金缺口（公办）= 人员经费（按现有公办教职工与编制标准所需的较大者计价）+ 公用经费（公办学生）+ 基建投资"
                       " − 教育支出预算（基年 × 年增长）；正数为缺钱，负数为有余。民办学生和教职工单列，不计入公共财政。")
FINANCING_GAP_AT_NORM_LABEL = "资金缺口（按编制标准）：人员经费只按编制标准所需的公办教职工计价（现有多出的编制人员不计），其余同上。"


def resource_needs(pupils: dict[str, dict[int, float]], classes_needed: dict[str, dict[int, float]],
                   classes_available: dict[str, dict[int, float]], staff_now: dict[str, dict[str, float]],
                   money: dict[int, dict[str, float]], capital: dict[int, float], base_year: int, years: list[int],
                   s, private_share: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Per year: each level's pupils split into 公办 and 民办 (the base year's 民办 share), the public staff
    the norm needs against those the district has (priced on the larger: 编制 staff are not shed), the
    民办 staff beside them, and the public money against the budget. See the module docstring."""
    salary = s.staff_salary or money.get(base_year, {}).get("teacher_salary") or 120_000.0
    budget0 = money.get(base_year, {}).get("education_expenditure")
    g = budget_growth(money, base_year, s.budget_growth)
    private_share = private_share or {}
    rows = []
    for t in years:
        k = t - base_year
        levels, staff_cost, staff_cost_norm, funds = {}, 0.0, 0.0, 0.0
        pay = salary * (1 + s.staff_on_cost) * (1 + s.salary_growth) ** k / 10_000
        for lvl, by_year in pupils.items():
            n = by_year.get(t, 0.0)
            share = private_share.get(lvl, 0.0)
            public, private = n * (1 - share), n * share
            norm = s.staffing_norms.get(lvl)
            need = math.ceil(public / norm) if norm else 0
            now = round(staff_now.get(lvl, {}).get("staff", 0.0))
            priced = max(need, now)
            levels[lvl] = {"pupils": round(n), "pupils_public": round(public), "pupils_private": round(private),
                           "private_share": round(share, 4),
                           "staff_needed": need, "staff_current": now, "staff_priced": priced,
                           "staff_gap": need - now,
                           "staff_private_current": round(staff_now.get(lvl, {}).get("staff_private", 0.0)),
                           "staff_private_needed": math.ceil(private / norm) if norm else 0,
                           "classes_needed": round(classes_needed.get(lvl, {}).get(t, 0.0)),
                           "classes_available": round(classes_available.get(lvl, {}).get(t, 0.0))}
            staff_cost += priced * pay
            staff_cost_norm += need * pay
            funds += public * s.public_funds_per_pupil.get(lvl, 0.0) * (1 + s.public_funds_growth) ** k / 10_000
        cap = capital.get(t, 0.0)
        budget = budget0 * (1 + g) ** k if budget0 else None
        total = staff_cost + funds + cap
        total_norm = staff_cost_norm + funds + cap
        rows.append({"year": t, "levels": levels, "staff_cost": round(staff_cost, 1),
                     "staff_cost_at_norm": round(staff_cost_norm, 1), "public_funds": round(funds, 1),
                     "capital": round(cap, 1), "total": round(total, 1),
                     "budget": round(budget, 1) if budget is not None else None,
                     "financing_gap": round(total - budget, 1) if budget is not None else None,
                     "financing_gap_at_norm": round(total_norm - budget, 1) if budget is not None else None,
                     "financing_gap_label": FINANCING_GAP_LABEL,
                     "financing_gap_at_norm_label": FINANCING_GAP_AT_NORM_LABEL,
                     "budget_growth": round(g, 4)})
    return rows
