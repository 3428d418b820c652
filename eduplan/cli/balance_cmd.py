"""`eduplan balance`: the 优质均衡 (2017) or 基本均衡 (2012) evaluation of the store's compulsory schools
for a year, or of a standalone spreadsheet, optionally with the least-cost improvement plan. A thin
wrapper over eduplan.balance; prints Chinese tables, one JSON document, or an xlsx workbook."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable

from ..errors import EduplanError
from ..settings import use_settings_file
from ..store import Store
from .common import DEFAULT_DB, DbOption, emit_json, err, handle_errors, out, num, safe


class BalanceFormat(str, enum.Enum):
    table = "table"
    json = "json"
    xlsx = "xlsx"


class Method(str, enum.Enum):
    m2017 = "2017"
    m2012 = "2012"


YES = {True: "[green]达标[/]", False: "[red]未达标[/]", None: "[yellow]无法判定[/]"}


@handle_errors
def balance(
    method: Annotated[Method, typer.Option("--method", help="评估方法：2017（优质均衡，七项指标）或 2012（基本均衡，八项指标）")] = Method.m2017,
    year: Annotated[Optional[int], typer.Option("--year", help="评估年度（默认：数据库中最近一年）")] = None,
    input_: Annotated[Optional[Path], typer.Option("--input", help="单独评估一个 .csv / .xlsx 文件（每校一行），不读数据库")] = None,
    plan_fixes: Annotated[bool, typer.Option("--plan-fixes", help="同时求最低成本的改进方案（2017 方法）")] = False,
    fmt: Annotated[BalanceFormat, typer.Option("--format", "-f", help="输出格式：table、json 或 xlsx")] = BalanceFormat.table,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="xlsx 输出文件（默认 out/balance-<年度>.xlsx）")] = None,
    district: Annotated[Optional[str], typer.Option("--district", help="行政区划代码（库中有多个区时必填：优质均衡按县域评估）")] = None,
    db: DbOption = DEFAULT_DB,
    settings: Annotated[Optional[Path], typer.Option("--settings", help="设置文件（YAML，balance 节；默认环境变量 EDUPLAN_SETTINGS）")] = None,
) -> None:
    """义务教育均衡评估：各项指标的校际差异系数（按学生数加权）、综合系数、学校达标情况、拉大差异的学校，以及（--plan-fixes）使全部达标的最低成本改进方案。

    不带 --input 时评估数据库中的学校（--year 指定年度）；带 --input 时评估一个每校一行的表格，
    表头为 学校名称、学校类型（必填）及 小学在校生数、小学专任教师数、教学及辅助用房面积 等（可缺列；空白单元格按 0 计）。

    例：eduplan balance --year 2019 --plan-fixes --format xlsx --output out/balance-2019.xlsx
    """
    from ..balance import evaluate_file, evaluate_store, load_settings, store_years
    from ..balance import plan_fixes as solve_plan
    from ..balance.report import to_json, write_workbook

    use_settings_file(settings)
    conf = load_settings()
    if input_ is not None and year is not None:
        raise EduplanError("--input 与 --year 不能同时使用：单独文件不分年度")
    if plan_fixes and method != Method.m2017:
        raise EduplanError("改进方案按 2017 优质均衡方法（学校达标与单项差异系数）制定；请去掉 --method 2012")
    if input_ is not None:
        result = evaluate_file(input_, method.value, conf)
    else:
        with Store(db, read_only=True) as store:
            years = store_years(store)
            if not years:
                raise EduplanError(f"数据库“{db}”中没有在校生数据；先运行 eduplan demo 或 eduplan import")
            result = evaluate_store(store, year or years[-1], method.value, conf, district_code=district)
    if plan_fixes:
        if fmt == BalanceFormat.table:
            err.print("正在求解改进方案……")
        result.plan = solve_plan(result.records, conf)
    if fmt == BalanceFormat.json:
        emit_json(to_json(result))
    elif fmt == BalanceFormat.xlsx:
        stem = result.year if result.year is not None else Path(result.source).stem
        path = write_workbook(result, output or Path(f"out/balance-{stem}.xlsx"))
        err.print(f"已写出 {safe(path)}")
    else:
        print_result(result)


def _f(v, digits: int = 2) -> str:
    return num(v, digits)

def _fv(v) -> str:
    """A per-student value: 4 decimals below 1 (师生比 0.0712), else 2."""
    return _f(v, 4 if v is not None and abs(v) < 1 else 2)


def print_result(r) -> None:
    from ..balance import METHOD_NAMES
    from ..balance.checklist import summary

    where = f"{r.year} 学年（数据库）" if r.source == "store" else f"文件 {safe(r.source)}"
    out.print(f"[bold]义务教育均衡评估 — {METHOD_NAMES[r.method]}，{where}[/]")
    for lvl, lr in r.levels.items():
        t = RichTable("指标", "名称", "单位", "标准", "全区均值 X̄", "差异系数", "上限", "结论",
                      title=f"{lvl}：{len(lr.schools)} 所学校，{sum(s.pupils for s in lr.schools):,} 名学生")
        for ind in lr.indicators:
            verdict = (YES[ind.passed] if r.method == "2017" else "") if ind.computable else f"[yellow]{safe(ind.reason)}[/]"
            t.add_row(ind.spec.id, ind.spec.name, ind.spec.unit, _f(ind.standard, 1) if ind.standard else "—",
                      _fv(ind.mean), _f(ind.cv, 3), _f(ind.threshold) if ind.threshold else "—", verdict)
        out.print(t)
        rule = "均值" if lr.composite_rule == "mean" else "最大值"
        line = f"规划口径综合系数（各单项{rule}）：[bold]{_f(lr.composite, 3)}[/]"
        if r.method == "2012":
            line += f"；综合差异系数 {_f(lr.official_composite, 3)}（上限 {lr.official_threshold}）{YES[lr.cv_passed]}"
        else:
            line += (f"；单项差异系数 {YES[lr.cv_passed]}；学校达标 {lr.compliant_count}/{len(lr.schools)} 所"
                     f"；结论 {YES[lr.passed]}")
        out.print(line)
        _print_misses(lr)
        _print_contributors(lr)
    if r.plan_status:
        t = RichTable("年度", "学段", "系数", "目标年", "目标", "结论", title=f"规划指标：{r.plan_status['name']}")
        for c in r.plan_status["checks"]:
            t.add_row(str(c["year"]), c["level"], _f(c["value"], 3), str(c["target_year"]), c["target"], YES[c["met"]])
        out.print(t)
    if r.checklist is not None:
        counts = summary(r.checklist)
        out.print("检查清单：" + "；".join(f"{d} 达标 {c['达标']}、未达标 {c['未达标']}、待评估 {c['待评估']}"
                                      for d, c in counts.items()))
        t = RichTable("项目", "维度", "内容", "结论", "说明", title="检查清单（未达标与待评估项）")
        for item in r.checklist:
            if item.status != "达标":
                color = "red" if item.status == "未达标" else "yellow"
                t.add_row(item.item.id, item.item.dimension, safe(item.item.text), f"[{color}]{item.status}[/]",
                          safe(item.detail))
        out.print(t)
    if r.plan is not None:
        _print_plan(r.plan)
    for e in r.excluded:
        out.print(f"不参评：{safe(e.name)}（{e.type_code}）— {e.reason}")
    for n in r.notes:
        out.print(f"[dim]说明：{safe(n)}[/]")


def _print_misses(lr) -> None:
    bad = [s for s in lr.schools if s.compliant is not True and lr.method == "2017"]
    if not bad:
        return
    t = RichTable("学校", "学生数", "达标项数", "结论", "未达标项（生均值/标准，达标比例）", title=f"{lr.level}未达标或无法判定的学校")
    for s in bad:
        misses = "；".join(f"{m.indicator} {m.value:,.2f}/{m.standard:g}（{m.ratio:.1%}）" for m in s.misses)
        t.add_row(safe(s.name), f"{s.pupils:,}", "—" if s.met is None else str(s.met), YES[s.compliant], misses)
    out.print(t)


def _print_contributors(lr, n: int = 3) -> None:
    t = RichTable("指标", "差异系数", f"方差贡献最大的 {n} 所学校（生均值，贡献占比）", title=f"{lr.level}：拉大差异的学校")
    for ind in lr.indicators:
        if not ind.computable:
            continue
        top = sorted((s for s in ind.schools if s.share is not None), key=lambda s: -s.share)[:n]
        names = {s.code: s.name for s in lr.schools}
        t.add_row(ind.spec.id, _f(ind.cv, 3),
                  "、".join(f"{safe(names[s.code])}（{_fv(s.x)}，{s.share:.0%}）" for s in top))
    out.print(t)


def _print_plan(plan) -> None:
    color = "green" if plan.feasible else "red"
    out.print(f"[bold {color}]改进方案：{safe(plan.message)}[/]（{plan.rounds} 轮，{plan.seconds:.1f} 秒）")
    if plan.actions:
        t = RichTable("学校", "措施", "成本（元）", title="各校措施")
        for s in plan.by_school():
            t.add_row(safe(s["name"]), "；".join(s["actions"]), f"{s['cost']:,.0f}")
        out.print(t)
    for b in plan.binding:
        out.print(f"  起约束作用：{safe(b['message'])}")
    for d in plan.infeasible:
        out.print(f"  [red]不可行：{safe(d['message'])}[/]")
