"""优质均衡 evaluation of compulsory schools (教督〔2017〕6号, and the 2012 基本均衡 method), exact to the
official formulas: the student-weighted 差异系数 per indicator and level, school compliance, the plan's
single coefficient per level, why (variance shares, each school's misses) and what would fix it (a
least-cost improvement plan solved with scipy.optimize.milp).

Modules: settings (the `balance` settings section), data (per-school records from the store, split into
school-level units), infile (a standalone spreadsheet), cv (the weighted CV), indicators, method2017,
method2012, checklist_items + checklist (the other three dimensions and the veto items), planner_model +
planner_cone + planner (the improvement plan), plan_apply (actions applied to the data), series (the
coefficient series and the plan indicator), result (the result types), report (JSON and xlsx).

Public API: evaluate_store, evaluate_file, evaluate_records, coefficient_series, plan_indicator_status,
plan_fixes, apply_actions, BalanceSettings, load_settings.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import EduplanError
from . import method2012, method2017
from .checklist import evaluate_checklist, evaluate_checklist_file
from .data import SchoolRecord, records_from_store, split_units, store_years
from .infile import BalanceInputError, read_balance_file
from .plan_apply import Action, apply_actions
from .planner import Plan, PlannerError, plan_fixes
from .result import BalanceResult
from .series import coefficient_series, coefficient_series_by_district, plan_indicator_status
from .settings import BalanceSettings, load_settings

METHODS = {"2017": method2017.evaluate, "2012": method2012.evaluate}
METHOD_NAMES = {"2017": "优质均衡（教督〔2017〕6号）", "2012": "基本均衡（2012 暂行办法）"}


class NoData(EduplanError):
    """The store has no data for the year asked."""


def _method(method: str) -> str:
    method = str(method)
    if method not in METHODS:
        raise EduplanError(f"未知的评估方法“{method}”；可用：2017（优质均衡）、2012（基本均衡）")
    return method


def evaluate_records(records: list[SchoolRecord], method: str = "2017", settings: BalanceSettings | None = None,
                     year: int | None = None, source: str = "") -> BalanceResult:
    """Evaluate school records (the common core of evaluate_store and evaluate_file)."""
    settings = settings or load_settings()
    units, excluded = split_units(records, settings)
    levels = METHODS[_method(method)](units, settings)
    return BalanceResult(str(method), year, source, levels, excluded, records=records)


def evaluate_store(store, year: int, method: str = "2017", settings: BalanceSettings | None = None,
                   checklist: bool = True, district_code: str | None = None) -> BalanceResult:
    """The evaluation of one district's schools in `year` (the store's only district when None), with the
    checklist and the plan indicator."""
    settings = settings or load_settings()
    if year not in store_years(store):
        have = store_years(store)
        raise NoData(f"数据库中没有 {year} 年的在校生数据" + (f"（已有：{have[0]}–{have[-1]}）" if have else "；先导入数据"))
    if district_code is None:
        districts = [r[0] for r in store.run("SELECT district_code FROM district ORDER BY 1")]
        if len(districts) > 1:
            raise NoData(f"数据库中有 {len(districts)} 个区（{'、'.join(districts)}）；优质均衡按县域评估，请用 --district 指定一个区")
        district_code = districts[0] if districts else None
    records, notes = records_from_store(store, year, settings, district_code)
    result = evaluate_records(records, method, settings, year, "store")
    result.notes.extend(notes)
    if checklist and method == "2017":
        result.checklist = evaluate_checklist(store, year, records, settings, district_code)
    # the plan indicator is defined by the settings (plan_method, composite), whatever method is shown
    result.plan_status = plan_indicator_status(
        coefficient_series(store, settings=settings, district_code=district_code), settings)
    return result


def evaluate_file(path: str | Path, method: str = "2017", settings: BalanceSettings | None = None) -> BalanceResult:
    """The evaluation of a standalone spreadsheet (one row per school); BalanceInputError lists every
    problem when the file has errors."""
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
    "evaluate_store", "load_settings", "plan_fixes", "plan_indicator_status", "records_from_store", "split_units",
    "store_years",
]
