"""`eduplan plan show|check`: read the plan file and print it or its consistency findings.

The plan commands do not open the database. --plan (env EDUPLAN_PLAN) picks a plan file; the default
is the shipped 硚口区 2021–2025 plan.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable
from rich.tree import Tree

from ..plan import Plan, check_plan, load_plan
from ..plan.check import SEVERITY_LABEL, Finding
from ..plan.schema import COLUMN_KIND_LABEL, Value, fmt_num
from ..store import Store
from .common import DEFAULT_DB, DbOption, Format, FormatOption, emit_json, handle_errors, out, safe

plan_app = typer.Typer(help="规划：查看与检查规划文件", no_args_is_help=True)

PlanOption = Annotated[
    Optional[Path],
    typer.Option("--plan", envvar="EDUPLAN_PLAN", help="规划文件（YAML；默认为随附的硚口区 2021–2025 规划；环境变量 EDUPLAN_PLAN）"),
]


class Section(str, enum.Enum):
    all = "all"
    indicators = "indicators"
    targets = "targets"
    baselines = "baselines"
    tasks = "tasks"
    projects = "projects"


SectionOption = Annotated[
    Section,
    typer.Option("--section", "-s", help="只显示一部分：indicators 指标表、targets 文中目标、baselines 基线、tasks 主要任务、projects 重点工程"),
]

_KIND = {"quantitative": "定量", "qualitative": "定性", "trend": "趋势"}
_TREND = {"non_decreasing": "逐年只增不减", "non_increasing": "逐年只减不增"}
_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


@plan_app.command("show")
@handle_errors
def show(
    plan_path: PlanOption = None,
    fmt: FormatOption = Format.table,
    section: SectionOption = Section.all,
    db: DbOption = DEFAULT_DB,
) -> None:
    """显示规划：指标表、文中目标、基线、主要任务与重点工程。规划是文件，不读数据库（--db 为统一选项）。

    例：eduplan plan show --format json
    """
    plan = load_plan(plan_path)
    if fmt == Format.json:
        emit_json(plan.to_dict())
        return
    _print_header(plan)
    parts = {
        Section.indicators: _print_tables, Section.targets: _print_targets, Section.baselines: _print_baselines,
        Section.tasks: _print_tasks, Section.projects: _print_projects,
    }
    for key, printer in parts.items():
        if section in (Section.all, key):
            printer(plan)


@plan_app.command("check")
@handle_errors
def check(plan_path: PlanOption = None, fmt: FormatOption = Format.table, db: DbOption = DEFAULT_DB) -> None:
    """检查规划内部是否一致（合计、文表一致、项目年份等）；有“错误”级问题时退出码为 1。
    数据库存在时，还检查规划所属的区是否已在库中。

    例：eduplan plan check --format json
    """
    plan = load_plan(plan_path)
    findings = check_plan(plan)
    findings += _check_against_store(plan, db)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    ok = counts["error"] == 0
    if fmt == Format.json:
        emit_json({"ok": ok, "plan": plan.meta.id, "counts": counts, "findings": [f.to_dict() for f in findings]})
    else:
        out.print(f"[bold]{safe(plan.meta.title)}[/]（{safe(plan.source_name)}）")
        if findings:
            t = RichTable(title="规划检查结果", show_lines=True)
            t.add_column("级别", no_wrap=True)
            t.add_column("代码", overflow="fold")
            t.add_column("说明", overflow="fold", ratio=3)
            t.add_column("位置", overflow="fold", ratio=2)
            for f in findings:
                t.add_row(f"[{_STYLE[f.severity]}]{SEVERITY_LABEL[f.severity]}[/]", safe(f.code), safe(f.message), safe(f.where))
            out.print(t)
        summary = f"共 {len(findings)} 条：错误 {counts['error']}，警告 {counts['warning']}，提示 {counts['info']}。"
        out.print(("[green]通过[/]：" if ok else "[bold red]未通过[/]：") + summary)
    if not ok:
        raise typer.Exit(1)


def _check_against_store(plan: Plan, db: Path) -> list[Finding]:
    if not db.exists():
        return []
    with Store(db, read_only=True) as store:
        districts = {r["district_code"]: r["district_name"] for r in store.rows("district")}
    code = plan.meta.district.code
    if code in districts:
        return []
    have = "、".join(f"{c} {n}" for c, n in districts.items()) or "（空库）"
    return [Finding("warning", "district-not-in-store",
                    f"规划所属的区 {code} 不在数据库“{db}”中（库中：{have}）；规划指标将无数据可算",
                    where=f"{plan.source_name} meta.district")]


# ---------------------------------------------------------------------------------------------------
# Table rendering
# ---------------------------------------------------------------------------------------------------


def _cell(v: Value | None) -> str:
    """The plan's words, with the normalised comparison when it adds something: "98.5 以上（≥98.5）"."""
    if v is None:
        return ""
    if v.by_level:
        return v.text()
    norm = v.text()
    return v.raw if norm.replace(" ", "") == v.raw.replace(" ", "") else f"{v.raw}（{norm}）"


def _unit(unit: str | None) -> str:
    return "" if not unit else unit if unit == "%" else f" {unit}"


def _print_header(plan: Plan) -> None:
    m = plan.meta
    d = m.district
    place = "".join(x for x in (d.province, d.city, d.name) if x)
    out.print(f"[bold]{safe(m.title)}[/]")
    out.print(f"行政区划：{place}（{d.code}）  规划期：{m.period.start}–{m.period.end}  基准年：{m.baseline_year}  状态：{m.status}")
    out.print(f"来源：{safe(m.source.file)}  规划文件：{safe(plan.source_name)}")


def _print_tables(plan: Plan) -> None:
    for tab in plan.tables:
        t = RichTable(title=tab.title, caption=tab.cite.section)
        t.add_column("序号", justify="right")
        t.add_column("指标", overflow="fold", min_width=10)
        t.add_column("单位")
        for c in tab.columns:
            t.add_column(f"{c.label}\n（{COLUMN_KIND_LABEL[c.kind]}）", justify="right")
        for r in tab.rows:
            t.add_row(str(r.seq or ""), safe(r.name), safe(r.unit), *(_cell(r.values.get(c.key)) for c in tab.columns))
        out.print(t)


def _print_targets(plan: Plan) -> None:
    t = RichTable(title="文中目标")
    for col in ("编号", "指标", "目标", "年份", "类型", "上报项", "出处"):
        t.add_column(col, overflow="fold")
    for x in plan.targets:
        if x.kind == "quantitative":
            goal = x.text(_unit(x.unit))
        elif x.kind == "trend":
            goal = _TREND.get(x.trend or "", "趋势")
        else:
            goal = "（定性）"
        t.add_row(safe(x.id), safe(x.name), safe(goal), str(x.year or ""), _KIND[x.kind], x.reported_item or "", x.cite.section)
    out.print(t)


def _print_baselines(plan: Plan) -> None:
    t = RichTable(title="“十三·五”回顾中的基线")
    for col in ("指标", "数值", "年份", "出处"):
        t.add_column(col, overflow="fold")
    for b in plan.baselines:
        t.add_row(safe(b.name), safe(b.text(_unit(b.unit))), str(b.year or "期内"), b.cite.section)
    out.print(t)


def _print_tasks(plan: Plan) -> None:
    tree = Tree("[bold]主要任务[/]")
    for s in plan.tasks:
        branch = tree.add(f"{s.number} {s.title}")
        for task in s.tasks:
            extra = f"  [dim]目标：{'、'.join(task.targets)}[/]" if task.targets else ""
            branch.add(f"{task.id} {task.title}{extra}")
    out.print(tree)


def _print_projects(plan: Plan) -> None:
    kp = plan.key_projects
    if kp is None:
        return
    total = kp.stated_total
    g_t = RichTable(title=kp.title, caption=f"文中合计：{total.count} 个，约 {fmt_num(total.investment)} {total.unit}")
    for col in ("项目组", "文中所数", "表中所数", f"投资（{kp.stated_total.unit}）", "预计完成"):
        g_t.add_column(col, overflow="fold")
    for g in kp.groups:
        n = sum(1 for p in kp.projects if p.group == g.id and p.counted)
        states = "，".join(f"{k} {v}" for k, v in g.stated_states.items())
        g_t.add_row(g.name, str(g.stated_count), str(n), fmt_num(g.investment), f"{g.completion_year} 年底（{states}）")
    out.print(g_t)
    p_t = RichTable(title=kp.table_title)
    p_t.add_column("项目", overflow="fold", ratio=3)
    p_t.add_column("年份", overflow="fold", ratio=2)
    p_t.add_column("预计状态", no_wrap=True)
    category = None
    for p in kp.projects:
        if p.category != category:
            category = p.category
            p_t.add_row(f"[bold]{category}[/]", "", "", end_section=False)
        name = p.name if p.counted else f"{p.name}（附属，不计入所数）"
        p_t.add_row(f"  {name}", "、".join(str(y) for y in p.years), p.expected_state)
    out.print(p_t)
