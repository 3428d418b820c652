"""`eduplan balance`: the 优质均衡 (2017) or 基本均衡 (2012) evaluation of one district's compulsory schools
for a year (the district, its plan and the year resolved by `cli.guards.scoped`), or of a standalone
spreadsheet, optionally with the least-cost improvement plan. A thin wrapper over eduplan.balance; prints
Chinese tables, one JSON document, or an xlsx workbook. The official thresholds (国家标准) and the plan's
own coefficient targets (规划目标) are printed apart."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import EduplanError
from ..settings import use_settings_file
from .common import (
    DEFAULT_DB, DbOption, DistrictOption, OutFormat, OutFormatOption, PlanOption, YearOption, emit_json, err,
    handle_errors, num, out, safe,
)
from .guards import scoped
from .render import Col, Grid, figure


class Method(str, enum.Enum):
    m2017 = "2017"
    m2012 = "2012"


YES = {True: "[green]达标[/]", False: "[red]未达标[/]", None: "[yellow]无法判定[/]"}
MET = {True: "[green]已达成[/]", False: "[red]未达成[/]", None: "[yellow]无法判定[/]"}  # a plan target


@handle_errors
def balance(
    method: Annotated[Method, typer.Option("--method", help="评估方法：2017（优质均衡，七项指标）或 2012（基本均衡，八项指标）")] = Method.m2017,
    year: YearOption = None,
    input_: Annotated[Optional[Path], typer.Option("--input", help="单独评估一个 .csv / .xlsx 文件（每校一行），不读数据库")] = None,
    plan_fixes: Annotated[bool, typer.Option("--plan-fixes", help="同时求最低成本的改进方案（2017 方法）")] = False,
    fmt: OutFormatOption = OutFormat.table,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="xlsx 输出文件（默认 out/balance-<年度>.xlsx；带 --input 时写在输入文件旁：<文件名>-均衡评估.xlsx）")] = None,
    template: Annotated[Optional[Path], typer.Option("--template", help="写出督学填报用的单表模板（全部可用表头及计量单位、示例行、填写说明）后退出")] = None,
    force: Annotated[bool, typer.Option("--force", help="--template：覆盖已存在的文件（默认不覆盖）")] = False,
    district: DistrictOption = None,
    db: DbOption = DEFAULT_DB,
    plan_path: PlanOption = None,
    settings: Annotated[Optional[Path], typer.Option("--settings", help="设置文件（YAML，balance 节；默认环境变量 EDUPLAN_SETTINGS）")] = None,
) -> None:
    """义务教育均衡评估：各项指标的校际差异系数（按学生数加权）、综合系数、学校达标情况、拉大差异的学校，以及（--plan-fixes）使全部达标的最低成本改进方案。

    两种判据分开列出：国家标准（所选方法本身的差异系数上限，如 2017 办法 小学 ≤0.50、初中 ≤0.45）判定评估结论；规划目标（该区绑定的规划中“义务教育优质均衡系数”的中期与期末目标）判定规划指标。未绑定规划的区只按国家标准评估。

    优质均衡按县域评估：库中有多个区时须用 --district 指定。不带 --input 时评估数据库中的学校（--year 默认为该区有数据的最近年度）；带 --input 时评估一个每校一行的表格（督学的单表；模板用 --template 文件 写出），xlsx 结果默认写在输入文件旁。

    {HEADERS_HELP}

    例：eduplan balance --district <行政区划代码> --year <年度> --plan-fixes --format xlsx --output 均衡评估.xlsx
    """
    from ..balance import PlannerError, evaluate_file, evaluate_store, load_settings
    from ..balance import plan_fixes as solve_plan
    from ..balance.report import to_json, write_workbook

    if template is not None:
        _write_template(template, force)
        return
    use_settings_file(settings)
    conf = load_settings()
    if input_ is not None and year is not None:
        raise EduplanError("--input 与 --year 不能同时使用：单独文件不分年度")
    if input_ is not None and (district or plan_path):
        raise EduplanError("--input 评估单独的文件，不读数据库：不能同时使用 --district 或 --plan")
    if plan_fixes and method != Method.m2017:
        raise EduplanError("改进方案按 2017 优质均衡方法（学校达标与单项差异系数）制定；请去掉 --method 2012")
    if input_ is not None:
        result = evaluate_file(input_, method.value, conf)
    else:
        with scoped(db, district, plan_path, year, need=("school", "enrolment")) as sc:
            result = evaluate_store(sc.store, sc.year, method.value, conf, scope=sc.scope)
    unsolved = None
    if plan_fixes:
        if fmt == OutFormat.table:
            err.print("正在求解改进方案……")
        try:
            result.plan = solve_plan(result.records, conf)
        except PlannerError as e:  # e.g. a school's data missing: the table still shows the evaluation
            if fmt != OutFormat.table:
                raise
            unsolved = e
    if fmt == OutFormat.json:
        emit_json(to_json(result))
    elif fmt == OutFormat.xlsx:
        if output is None:  # a supervisor's file: the result beside it; the store's: out/balance-<year>.xlsx
            output = (input_.with_name(f"{input_.stem}-均衡评估.xlsx") if input_ is not None
                      else Path(f"out/balance-{result.year}.xlsx"))
        path = write_workbook(result, output, store=None if input_ is not None else db)
        err.print(f"已写出 {safe(path)}")
    else:
        print_result(result)
        if unsolved is not None:
            raise unsolved


def _write_template(path: Path, force: bool) -> None:
    """The 督学's one-sheet template for --input; an existing file is kept unless --force."""
    from ..balance.infile import write_template

    if path.exists() and not force:
        raise EduplanError(f"文件“{path}”已存在，未覆盖：加 --force 覆盖，或换一个文件名")
    err.print(f"已写出模板 {safe(write_template(path))}（填好后：eduplan balance --input {safe(path)}）")


def _help_with_headers() -> None:
    """balance --help lists every header --input accepts (from eduplan.balance.infile)."""
    from ..balance.infile import HEADERS_HELP

    balance.__doc__ = (balance.__doc__ or "").replace("{HEADERS_HELP}", HEADERS_HELP)


def _f(v, digits: int = 2) -> str:
    return num(v, digits)


def _fv(v, unit: str | None = None) -> str:
    """A per-student value by its unit (元/生 whole yuan, others 2 decimals); 4 decimals below 1 for a ratio
    without a per-student unit (师生比 0.0712)."""
    if unit is not None:
        return figure(v, unit)
    return _f(v, 4 if v is not None and abs(v) < 1 else 2)


NOTES_SHOWN = 8  # missing-data notes printed before the tables; the rest are counted (all of them in JSON)


def _print_notes(r) -> None:
    """The notes (mostly missing data) first: they say why a figure below is missing or 无法判定."""
    for n in r.notes[:NOTES_SHOWN]:
        out.print(f"[yellow]说明：{safe(n)}[/]")
    if len(r.notes) > NOTES_SHOWN:
        out.print(f"[yellow]说明：另有 {len(r.notes) - NOTES_SHOWN} 条缺失数据说明（--format json 或 xlsx 查看全部）[/]")


def print_result(r) -> None:
    from ..balance import METHOD_NAMES
    from ..balance.checklist import summary

    where = f"{r.year} 学年（数据库）" if r.source == "store" else f"文件 {safe(r.source)}"
    who = f"{safe(r.district['label'])}，" if r.district else ""
    out.print(f"[bold]义务教育均衡评估 — {who}{METHOD_NAMES[r.method]}，{where}[/]")
    limits = "、".join(f"{k} ≤{v:.2f}" for k, v in (r.official or {}).get("thresholds", {}).items())
    if r.official:
        out.print(f"国家标准：{r.official['document']}，{r.official['rule']} {limits}")
    _print_notes(r)
    for lvl, lr in r.levels.items():
        t = Grid(Col("指标", "name", min=4), Col("名称", "name", min=12), Col("单位", min=6, drop=1), Col("标准", "num"),
                 Col("全区均值 X̄", "num"), Col("差异系数", "num"), Col("国家标准上限", "num", drop=2), Col("结论", min=8),
                 title=f"{lvl}：{len(lr.schools)} 所学校，{sum(s.pupils for s in lr.schools):,} 名学生",
                 note="终端较窄：{dropped}未显示（加宽终端，或用 --format json / xlsx 查看全部）")
        for ind in lr.indicators:
            verdict = (YES[ind.passed] if r.method == "2017" else "") if ind.computable else f"[yellow]{safe(ind.reason)}[/]"
            t.add_row(ind.spec.id, ind.spec.name, ind.spec.unit,
                      figure(ind.standard, ind.spec.unit) if ind.standard else "—",
                      _fv(ind.mean, ind.spec.unit), figure(ind.cv, "系数"),
                      figure(ind.threshold, digits=2) if ind.threshold else "—", verdict)
        t.print()
        rule = "均值" if lr.composite_rule == "mean" else "最大值"
        line = f"规划口径综合系数（各单项{rule}）：[bold]{figure(lr.composite, '系数')}[/]"
        if r.method == "2012":
            line += (f"；国家标准：综合差异系数 {_f(lr.official_composite, 3)}（上限 {lr.official_threshold}）"
                     f"{YES[lr.cv_passed]}")
        else:
            undecided = f"、无法判定 {lr.undecided_count} 所" if lr.undecided_count else ""
            line += (f"；国家标准：单项差异系数 {YES[lr.cv_passed]}，学校达标 {lr.compliant_count}/{len(lr.schools)} 所"
                     f"{undecided}，结论 {YES[lr.passed]}")
        out.print(line)
        _print_misses(lr)
        _print_contributors(lr)
    _print_plan_status(r)
    if r.checklist is not None:
        counts = summary(r.checklist)
        out.print("检查清单：" + "；".join(f"{d} 达标 {c['达标']}、未达标 {c['未达标']}、待评估 {c['待评估']}"
                                      for d, c in counts.items()))
        t = Grid(Col("项目", "name", min=10), Col("内容", min=12, drop=2), Col("结论", min=6),
                 Col("说明", min=20), title="检查清单（未达标与待评估项）",
                 note="终端较窄：{dropped}未显示（加宽终端，或用 --format json / xlsx 查看全部）")
        for item in r.checklist:
            if item.status != "达标":
                color = "red" if item.status == "未达标" else "yellow"
                t.add_row(safe(item.item.label), safe(item.item.text), f"[{color}]{item.status}[/]", safe(item.detail))
        t.print()
    if r.plan is not None:
        _print_plan(r.plan)
    for e in r.excluded:
        out.print(f"不参评：{safe(e.name)}（{e.type_code}）— {e.reason}")


def _print_plan_status(r) -> None:
    """规划目标: the plan's own coefficient targets (interim and final), apart from the 国家标准 above."""
    ps = r.plan_status
    if not ps:
        return
    who = safe(r.district["label"]) if r.district else ""
    if ps["plan"] is None:
        out.print(f"规划目标：{safe(ps['status'])}（{who} 未绑定规划；只按国家标准评估。用 eduplan plan use 绑定，或 --plan 指定）")
        return
    if not ps["checks"]:
        out.print(f"规划目标（{safe(ps['plan']['title'])}）：{safe(ps['status'])}")
        return
    t = Grid(Col("年度", "num"), Col("学段"), Col("系数", "num"), Col("规划目标", min=10), Col("目标年", "num", drop=1),
             Col("结论", min=8), title=safe(f"规划目标：{ps['name']}（{ps['plan']['title']}）"))
    for c in ps["checks"]:
        t.add_row(str(c["year"]), c["level"], figure(c["value"], "系数"), safe(f"{c['target']}（{c['target_label']}）"),
                  str(c["target_year"]), MET[c["met"]])
    t.print()


def _print_misses(lr) -> None:
    bad = [s for s in lr.schools if s.compliant is not True and lr.method == "2017"]
    if not bad:
        return
    t = Grid(Col("学校", "name", min=12), Col("学生数", "num"), Col("达标项数", "num", drop=1), Col("结论", min=8),
             Col("未达标项（生均值/标准，达标比例）或缺失数据", min=20), title=f"{lr.level}未达标或无法判定的学校")
    units = {i.spec.id: i.spec.unit for i in lr.indicators}
    for s in bad:
        misses = [f"{m.indicator} {figure(m.value, units.get(m.indicator))}/{figure(m.standard, units.get(m.indicator))}"
                  f"（{figure(m.ratio * 100, '%')}%）" for m in s.misses]
        if s.reason:
            misses.append(f"[yellow]{safe(s.reason)}[/]")
        t.add_row(safe(s.name), f"{s.pupils:,}", "—" if s.met is None else str(s.met), YES[s.compliant], "；".join(misses))
    t.print()


def _print_contributors(lr, n: int = 3) -> None:
    t = Grid(Col("指标", "name", min=4), Col("差异系数", "num"), Col(f"方差贡献最大的 {n} 所学校（生均值，贡献占比）", min=24),
             title=f"{lr.level}：拉大差异的学校")
    for ind in lr.indicators:
        if not ind.computable:
            continue
        top = sorted((s for s in ind.schools if s.share is not None), key=lambda s: -s.share)[:n]
        names = {s.code: s.name for s in lr.schools}
        unit = ind.spec.unit
        t.add_row(ind.spec.id, figure(ind.cv, "系数"),
                  "、".join(f"{safe(names[s.code])}（{_fv(s.x, unit)}，{figure(s.share * 100, '%')}%）" for s in top))
    if t.rows:
        t.print()


def _print_plan(plan) -> None:
    color = "green" if plan.feasible else "red"
    out.print(f"[bold {color}]改进方案：{safe(plan.message)}[/]（{plan.rounds} 轮，{plan.seconds:.1f} 秒）")
    if plan.actions:
        t = Grid(Col("学校", "name", min=12), Col("措施", min=20), Col("成本（元）", "num"), title="各校措施")
        for s in plan.by_school():
            t.add_row(safe(s["name"]), safe("；".join(s["actions"])), figure(s["cost"], "元"))
        t.print()
    for b in plan.binding:
        out.print(f"  起约束作用：{safe(b['message'])}")
    for d in plan.infeasible:
        out.print(f"  [red]不可行：{safe(d['message'])}[/]")


_help_with_headers()
