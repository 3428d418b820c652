"""优质均衡 evaluation of compulsory schools (教督〔2017〕6号, and the 2012 基本均衡 method), exact to the
official formulas: the student-weighted 差异系数 per indicator and level, school compliance, the plan's
single coefficient per level, why (variance shares, each school's misses) and what would fix it (a
least-cost improvement plan solved with scipy.optimize.milp).

Modules: settings (the `balance` settings section), data (per-school records from the store, split into
school-level units), infile (a standalone spreadsheet), cv (the weighted CV), indicators, method2017,
method2012, checklist_items + checklist (the other three dimensions and the veto items), planner_model +
planner_cone + planner (the improvement plan), plan_apply (actions applied to the data), series (the
coefficient series and the plan indicator), series_query (that series as one Ibis query: every district ×
year × level's weighted CVs and composite in the database), result (the result types), report (JSON and xlsx).

Public API: evaluate_store, evaluate_file, evaluate_records, coefficient_series, plan_indicator_status,
plan_fixes, apply_actions, BalanceSettings, load_settings.

Two criteria, kept apart: the official method's thresholds (国家标准: 2017 每项差异系数 小学 ≤0.50、初中
≤0.45; 2012 综合差异系数 ≤0.65/≤0.55 — `official_criterion`) judge the evaluation; the plan's own targets
for its coefficient (规划目标, interim and final, from the plan bound to the district) judge the plan
indicator (`plan_indicator_status`).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import EduplanError
from ..lazy import lazy_exports
from . import method2012, method2017
from .checklist import evaluate_checklist, evaluate_checklist_file
from .data import SchoolRecord, records_from_store, split_units, store_years
from .plan_apply import Action, apply_actions
from .result import BalanceResult
from .series import coefficient_series, coefficient_series_by_district, plan_indicator_status
from .settings import BalanceSettings, load_settings

# imported when first used: the planner needs scipy (about a second to import), the file reader the import
# stage's readers; `eduplan indicators` needs neither (it reads the coefficient series only)
_LAZY = {"Plan": ".planner", "PlannerError": ".planner", "plan_fixes": ".planner",
         "BalanceInputError": ".infile", "read_balance_file": ".infile"}

__getattr__ = lazy_exports(__name__, _LAZY)

METHODS = {"2017": method2017.evaluate, "2012": method2012.evaluate}
METHOD_NAMES = {"2017": "优质均衡（教督〔2017〕6号）", "2012": "基本均衡（2012 暂行办法）"}


class NoData(EduplanError):
    """The store has no data for the year asked."""


def _method(method: str) -> str:
    method = str(method)
    if method not in METHODS:
        raise EduplanError(f"未知的评估方法“{method}”；可用：2017（优质均衡）、2012（基本均衡）")
    return method


def official_criterion(method: str, settings: BalanceSettings) -> dict:
    """The official method's own thresholds (国家标准), apart from any plan's targets."""
    if method == "2017":
        return {"criterion": "国家标准", "method": method, "document": METHOD_NAMES[method],
                "rule": "每项指标校际差异系数", "thresholds": dict(settings.cv_threshold_2017)}
    return {"criterion": "国家标准", "method": method, "document": METHOD_NAMES[method],
            "rule": "综合差异系数", "thresholds": dict(settings.composite_threshold_2012)}


def evaluate_records(records: list[SchoolRecord], method: str = "2017", settings: BalanceSettings | None = None,
                     year: int | None = None, source: str = "") -> BalanceResult:
    """Evaluate school records (the common core of evaluate_store and evaluate_file)."""
    settings = settings or load_settings()
    units, excluded = split_units(records, settings)
    levels = METHODS[_method(method)](units, settings)
    return BalanceResult(str(method), year, source, levels, excluded, records=records,
                         official=official_criterion(str(method), settings))


def evaluate_store(store, year: int, method: str = "2017", settings: BalanceSettings | None = None,
                   checklist: bool = True, district_code: str | None = None, scope=None) -> BalanceResult:
    """The evaluation of one district's schools in `year`, with the checklist and the plan indicator judged
    against that district's own plan. `scope` (eduplan.plan.scope.Scope) is the district and its plan; when
    None it is resolved from `district_code` — the store's only district when None, DistrictRequired when
    the store holds several — with the plan bound to the district (none: 无规划目标)."""
    from ..plan.scope import one_scope

    settings = settings or load_settings()
    if year not in store_years(store):
        have = store_years(store)
        raise NoData(f"数据库中没有 {year} 年的在校生数据" + (f"（已有：{have[0]}–{have[-1]}）" if have else "；先导入数据"))
    if scope is None:
        scope = one_scope(store, district_code)
    district_code = scope.district_code
    records, notes = records_from_store(store, year, settings, district_code)
    if not records:
        raise NoData(f"{scope.label} {year} 年没有参评学校的在校生数据")
    result = evaluate_records(records, method, settings, year, "store")
    result.district = {**scope.to_dict(), "label": scope.label}
    result.notes.extend(notes)
    if checklist and method == "2017":
        result.checklist = evaluate_checklist(store, year, records, settings, district_code)
    # the plan indicator is defined by the settings (plan_method, composite), whatever method is shown, and
    # judged against the district's own plan
    result.plan_status = plan_indicator_status(
        coefficient_series(store, settings=settings, district_code=district_code), settings, scope.plan, year)
    return result


def evaluate_file(path: str | Path, method: str = "2017", settings: BalanceSettings | None = None) -> BalanceResult:
    """The evaluation of a standalone spreadsheet (one row per school); BalanceInputError lists every
    problem when the file has errors."""
    from .infile import BalanceInputError, read_balance_file

    settings = settings or load_settings()
    _method(method)
    records, issues, absent = read_balance_file(path)
    errors = [i for i in issues if i.level == "error"]
    if errors:
        raise BalanceInputError(errors)
    result = evaluate_records(records, method, settings, None, Path(path).name)
    if absent:
        result.notes.append(f"文件中没有以下列，需要它们的指标无法计算：{'、'.join(absent)}")
    result.notes.extend(i.text() for i in issues)
    if method == "2017":
        result.checklist = evaluate_checklist_file(records, settings)
    return result


__all__ = [
    "Action", "BalanceInputError", "BalanceResult", "BalanceSettings", "METHODS", "METHOD_NAMES", "NoData", "Plan",
    "PlannerError", "SchoolRecord", "apply_actions", "coefficient_series", "coefficient_series_by_district",
    "evaluate_file", "evaluate_records",
    "evaluate_store", "load_settings", "official_criterion", "plan_fixes", "plan_indicator_status", "records_from_store", "split_units",
    "store_years",
]
