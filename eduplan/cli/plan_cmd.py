"""`eduplan plan use|show|check|history`: bind a plan to its district in the store, print it, check it.

`plan use FILE|PLAN-ID` validates a plan and binds it to the district it names (eduplan.plan.binding).
`show` and `check` read the plan bound in the store (--db, --district) or, with --plan, a file;
`history` lists every binding of the store.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.tree import Tree

from ..errors import PlanError
from ..ingest import current_user
from ..plan import Plan, check_plan, load_plan
from ..plan.binding import district_label, shipped_plans, use_plan
from ..plan.check import SEVERITY_LABEL, Finding, review_name
from ..plan.schema import COLUMN_KIND_LABEL, Value, fmt_num
from ..plan.scope import one_scope
from ..store import Store, time_label
from .render import Col, Grid
from .common import (
    DEFAULT_DB, DbOption, DistrictOption, Format, FormatOption, PlanOption, emit_json, err, handle_errors, out, safe,
)

plan_app = typer.Typer(help="规划：绑定到区（plan use）、查看与检查", no_args_is_help=True)


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
CHECK_SHOWN = 5  # findings `plan check` lists without --all


def _plan_in_use(db: Path, district: str | None, plan_path: Path | None) -> tuple[Plan, dict | None]:
    """--plan FILE; else the plan bound to the district in the store (with its binding)."""
    if plan_path is not None:
        return load_plan(plan_path), None
    if not db.exists():
        raise PlanError(f"数据库“{db}”不存在，其中也就没有绑定的规划；请用 --plan 指定规划文件，"
                        f"或先绑定：eduplan plan use 规划文件 --db {db}（随附的规划：{'、'.join(sorted(shipped_plans()))}）")
    with Store(db, read_only=True) as store:
        scope = one_scope(store, district)
    if scope.plan is None:
        raise PlanError(f"{scope.label} 还没有绑定规划；请先运行 eduplan plan use 规划文件 --db {db}，或用 --plan 指定规划文件")
    return scope.plan, scope.binding


@plan_app.command("use")
@handle_errors
def use(
    source: Annotated[str, typer.Argument(help="规划文件（YAML），或随附规划的编号（如 qiaokou-2021-2025），"
                                          "或本库中绑定过的规划编号，或 plan history 中的绑定编号（恢复那一版）",
                                          show_default=False)],
    db: DbOption = DEFAULT_DB,
    user: Annotated[Optional[str], typer.Option("--user", help="记录的绑定人（默认：EDUPLAN_USER 或系统用户）")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """把规划绑定到它所属的区：校验规划（格式与 plan check 的错误），记入数据库（全文、sha256、绑定人、时间）。

    此后各命令（summary、indicators、explain、balance、forecast、projects）对该区使用这份规划；--plan 可临时代替。
    再次绑定新版本时，旧版本保留在绑定历史中（eduplan plan history）；eduplan plan use <绑定编号> 恢复其中任一版。
    库中已有其他区的数据而没有本规划所属区的数据时拒绝绑定。

    例：eduplan plan use 江湾区规划.yaml --db 江湾区.duckdb
    """
    with Store(db) as store:
        r = use_plan(store, source, user or current_user())
    if fmt == Format.json:
        emit_json(r)
        return
    who = district_label(r["district_code"], r["district_name"])
    if not r["changed"]:
        out.print(f"{safe(who)} 已绑定同一份规划“{safe(r['title'])}”（sha256 {r['sha256'][:12]}），未作更改。")
    else:
        out.print(f"[green]已绑定[/]：{safe(who)} ← {safe(r['title'])}（{safe(r['file_name'])}，"
                  f"规划期 {r['period'][0]}–{r['period'][1]}，sha256 {r['sha256'][:12]}，绑定编号 {r['binding_id']}）")
        if r["replaced"]:
            p = r["replaced"]
            out.print(f"取代此前的绑定 {p['binding_id']}：{safe(p['title'])}（{safe(p['file_name'])}，"
                      f"{time_label(p['bound_at'])} 由 {safe(p['user_name'])} 绑定）；旧版本保留在绑定历史中。")
    for note in r["notes"]:
        err.print(f"[yellow]提示：[/]{safe(note)}")


@plan_app.command("history")
@handle_errors
def history(db: DbOption = DEFAULT_DB, district: DistrictOption = None, fmt: FormatOption = Format.table) -> None:
    """列出库中全部规划绑定（含已被新版本取代的），最新的在后。

    例：eduplan plan history --db 江湾区.duckdb
    """
    with Store(db, read_only=True) as store:
        rows = store.plan_bindings(district, current=False)
    docs = [{k: v for k, v in r.items() if k != "text"} | {"bound_at": time_label(r["bound_at"]),
                                                          "current": r["superseded_by"] is None} for r in rows]
    if fmt == Format.json:
        emit_json(docs)
        return
    if not docs:
        out.print("库中还没有绑定任何规划（eduplan plan use 规划文件）。")
        return
    t = Grid(Col("编号", "num"), Col("区", min=6), Col("规划", "name", min=12), Col("文件", "name", min=10, drop=2),
             Col("sha256", min=12, drop=3), Col("绑定时间", min=10), Col("绑定人", "name", min=6, drop=1),
             Col("状态", min=4), title="规划绑定历史（eduplan plan use <编号> 恢复某一版）",
             note="终端较窄：{dropped}未显示（加宽终端，或用 --format json 查看全部）")
    for r in docs:
        t.add_row(str(r["binding_id"]), r["district_code"], safe(r["title"]), safe(r["file_name"]), r["sha256"][:12],
                  r["bound_at"], safe(r["user_name"]),
                  "当前" if r["current"] else f"已被 {r['superseded_by']} 取代")
    t.print()


@plan_app.command("show")
@handle_errors
def show(
    plan_path: PlanOption = None,
    fmt: FormatOption = Format.table,
    section: SectionOption = Section.all,
    db: DbOption = DEFAULT_DB,
    district: DistrictOption = None,
) -> None:
    """显示规划：指标表、文中目标、基线、主要任务与重点工程。默认显示库中为该区绑定的规划；--plan 显示一个规划文件。

    例：eduplan plan show --format json
    """
    plan, binding = _plan_in_use(db, district, plan_path)
    if fmt == Format.json:
        doc = plan.to_dict()
        if binding is not None:
            doc["binding"] = {k: v for k, v in binding.items() if k != "text"} | {"bound_at": time_label(binding["bound_at"])}
        emit_json(doc)
        return
    _print_header(plan)
    if binding is not None:
        out.print(f"绑定：{safe(binding['file_name'])}（sha256 {binding['sha256'][:12]}），"
                  f"{time_label(binding['bound_at'])} 由 {safe(binding['user_name'])} 绑定到数据库")
    parts = {
        Section.indicators: _print_tables, Section.targets: _print_targets, Section.baselines: _print_baselines,
        Section.tasks: _print_tasks, Section.projects: _print_projects,
    }
    for key, printer in parts.items():
        if section in (Section.all, key):
            printer(plan)


@plan_app.command("check")
@handle_errors
def check(plan_path: PlanOption = None, fmt: FormatOption = Format.table, db: DbOption = DEFAULT_DB,
          district: DistrictOption = None,
          show_all: Annotated[bool, typer.Option("--all", help="列出全部问题（默认只列各级别数目和前几条）")] = False) -> None:
    """检查规划内部是否一致（合计、文表一致、项目年份等）；有“错误”级问题时退出码为 1。
    默认检查库中为该区绑定的规划；--plan 检查一个规划文件，数据库存在时还检查它所属的区是否在库中（不在时为错误）。
    表格先给出各级别的条数，再列出前几条（错误在前）；--all 列出全部，--format json 含全部。

    例：eduplan plan check --plan 规划.yaml --format json
    """
    plan, _ = _plan_in_use(db, district, plan_path)
    findings = check_plan(plan)
    findings += _check_against_store(plan, db)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    ok = counts["error"] == 0
    if fmt == Format.json:
        emit_json({"ok": ok, "plan": plan.meta.id, "counts": counts, "findings": [f.to_dict() for f in findings]})
    else:
        out.print(f"[bold]{safe(plan.meta.title)}[/]（{safe(plan.source_name)}）")
        summary = f"共 {len(findings)} 条：错误 {counts['error']}，警告 {counts['warning']}，提示 {counts['info']}。"
        out.print(("[green]通过[/]：" if ok else "[bold red]未通过[/]：") + summary)
        shown = findings if show_all else findings[:CHECK_SHOWN]
        if shown:
            t = Grid(Col("级别", min=4), Col("说明", min=24), Col("位置", min=16, drop=1), Col("代码", "name", min=24, drop=2),
                     title="规划检查结果" if show_all else f"规划检查结果（前 {len(shown)} 条，错误在前）",
                     show_lines=True, note="终端较窄：{dropped}未显示（加宽终端，或用 --format json 查看全部）")
            for f in shown:
                t.add_row(f"[{_STYLE[f.severity]}]{SEVERITY_LABEL[f.severity]}[/]", safe(f.message), safe(f.where),
                          safe(f.code))
            t.print()
        if len(shown) < len(findings):
            out.print(f"另有 {len(findings) - len(shown)} 条未列出：eduplan plan check --all 列出全部，或 --format json。")
    if not ok:
        raise typer.Exit(1)


def _check_against_store(plan: Plan, db: Path) -> list[Finding]:
    if not db.exists():
        return []
    with Store(db, read_only=True) as store:
        districts = {r["district_code"]: r["district_name"] for r in store.districts()}
    code = plan.meta.district.code
    if code in districts or not districts:
        return []
    have = "、".join(district_label(c, n) for c, n in districts.items())
    return [Finding("error", "district-not-in-store",
                    f"规划所属的区 {district_label(code, plan.meta.district.name)} 不在数据库“{db}”中（库中：{have}）；"
                    "不能用这份规划评估库中的数据",
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
    out.print(f"行政区划：{place}（{d.code}）  规划期：{m.period.label}  基准年：{m.baseline_year}  状态：{m.status}")
    out.print(f"来源：{safe(m.source.file)}  规划文件：{safe(plan.source_name)}")


def _print_tables(plan: Plan) -> None:
    for tab in plan.tables:
        t = Grid(Col("序号", "num"), Col("指标", "name", min=10), Col("单位", min=4),
                 *(Col(f"{c.label}\n（{COLUMN_KIND_LABEL[c.kind]}）", "num") for c in tab.columns),
                 title=tab.title, caption=tab.cite.section)
        for r in tab.rows:
            t.add_row(str(r.seq or ""), safe(r.name), safe(r.unit), *(_cell(r.values.get(c.key)) for c in tab.columns))
        t.print()


def _print_targets(plan: Plan) -> None:
    t = Grid(Col("编号", "name", min=10, drop=3), Col("指标", "name", min=10), Col("目标", min=10), Col("年份", "num"),
             Col("类型", min=4, drop=1), Col("上报项", "name", min=10, drop=2), Col("出处", min=8, drop=1),
             title="文中目标", note="终端较窄：{dropped}未显示（加宽终端，或用 --format json 查看全部）")
    for x in plan.targets:
        if x.kind == "quantitative":
            goal = x.text(_unit(x.unit))
        elif x.kind == "trend":
            goal = _TREND.get(x.trend or "", "趋势")
        else:
            goal = "（定性）"
        t.add_row(safe(x.id), safe(x.name), safe(goal), str(x.year or ""), _KIND[x.kind], safe(x.reported_item or ""),
                  safe(x.cite.section))
    t.print()


def _print_baselines(plan: Plan) -> None:
    t = Grid(Col("指标", "name", min=10), Col("数值", min=8), Col("年份", min=4), Col("出处", min=8, drop=1),
             title=f"{review_name(plan)}回顾中的基线", note="终端较窄：{dropped}未显示（加宽终端，或用 --format json 查看全部）")
    for b in plan.baselines:
        t.add_row(safe(b.name), safe(b.text(_unit(b.unit))), str(b.year or "期内"), safe(b.cite.section))
    t.print()


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
    g_t = Grid(Col("项目组", "name", min=10), Col("文中所数", "num"), Col("表中所数", "num"),
               Col(f"投资（{kp.stated_total.unit}）", "num"), Col("预计完成", min=12), title=safe(kp.title),
               caption=f"文中合计：{total.count} 个，约 {fmt_num(total.investment)} {total.unit}")
    for g in kp.groups:
        n = sum(1 for p in kp.projects if p.group == g.id and p.counted)
        states = "，".join(f"{k} {v}" for k, v in g.stated_states.items())
        g_t.add_row(safe(g.name), str(g.stated_count), str(n), fmt_num(g.investment), f"{g.completion_year} 年底（{states}）")
    g_t.print()
    p_t = Grid(Col("项目", "name", min=14), Col("年份", min=10), Col("预计状态", min=6), title=safe(kp.table_title))
    category = None
    for p in kp.projects:
        if p.category != category:
            category = p.category
            p_t.add_row(f"[bold]{safe(category)}[/]", "", "")
        name = p.name if p.counted else f"{p.name}（附属，不计入所数）"
        p_t.add_row(f"  {safe(name)}", "、".join(str(y) for y in p.years), safe(p.expected_state))
    p_t.print()
