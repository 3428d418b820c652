"""The `eduplan` command line: thin wrappers that open the store, call one library function, print.

Every command takes --db (env EDUPLAN_DB); reporting commands take --format table|json.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import MutableMapping
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from typer.core import TyperCommand, TyperGroup

from ..errors import EduplanError
from .common import (
    DEFAULT_DB, DEMO_DB, DbOption, DistrictOption, Format, FormatOption, PlanOption, YearOption, emit_json,
    err, handle_errors, out, num, print_issues, safe, use_chinese_framework,
)

if TYPE_CHECKING:
    from rich.progress import Progress

    from ..ingest.report import ImportReport
    from ..store import Store

# Every top-level command: the module and attribute that define it, and the one line `eduplan --help` shows
# for it. The one place these lines live (docs/cli.md is generated from --help). A command's module — and the
# heavy libraries it needs (pandas, Ibis, scipy) — is imported only when that command runs or its own --help
# is shown, so that `eduplan --help` and a mistyped command answer at once.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "import": ("eduplan.cli.app", "import_", "校验并导入源数据文件；任何错误都不写入，一次列出全部错误"),
    "indicators": ("eduplan.cli.indicators_cmd", "indicators", "规划指标监测：数值、分子分母、目标、路径、状态和期末趋势"),
    "explain": ("eduplan.cli.explain_cmd", "explain", "解释一个指标的数字：口径、各项数据、下级贡献、导入批次、规划目标"),
    "summary": ("eduplan.cli.app", "summary", "区情摘要：学校、学生、教师、人口、经费，与规划所载的数并列"),
    "schools": ("eduplan.cli.schools_cmd", "schools", "学校名录：代码、名称、类型、学区、有数据的年度（可筛选）"),
    "school": ("eduplan.cli.schools_cmd", "school", "一所学校：基本信息、逐年数据和各年的指标值"),
    "quality": ("eduplan.cli.indicators_cmd", "quality", "数据质量检查：跨字段、跨表、跨年度的警告及涉及的行"),
    "balance": ("eduplan.cli.balance_cmd", "balance", "义务教育优质均衡评估：差异系数、学校达标、改进方案"),
    "forecast": ("eduplan.cli.forecast_cmd", "forecast", "学位预测：各学区人口、在校生、学位需求与缺口，情景比较"),
    "projects": ("eduplan.cli.forecast_cmd", "projects", "重点项目库和年度建设清单：进展、资金与预警"),
    "template": ("eduplan.cli.template_cmd", "template", "写出源数据表的填报模板（中文表头、计量单位、下拉、填写说明）"),
    "export": ("eduplan.cli.admin_cmd", "export", "按导入模板的格式导出库中数据（可原样再导入）"),
    "db": ("eduplan.cli.db_cmd", "db_app", "数据库：状态、各表年度、导入批次、历史版本、撤销、备份与恢复"),
    "plan": ("eduplan.cli.plan_cmd", "plan_app", "规划：绑定到区（plan use）、查看与检查"),
    "collection": ("eduplan.cli.collection_cmd", "collection_app",
                   "年度数据采集：开启轮次、各校进度、代交、审核与退回、解锁"),
    "serve": ("eduplan.cli.serve_cmd", "serve", "启动网页服务：各角色的页面与 API 接口（离线可用）"),
    "users": ("eduplan.cli.users_cmd", "users_app", "用户与角色：新增、列出、停用、重设密码（网页与 API 的登录）"),
    "demo": ("eduplan.cli.app", "demo", "生成示范区（仿硚口，2016–2025）并按用户的导入流程入库"),
    "docs": ("eduplan.cli.app", "docs", "由代码生成文档（数据模型、导入错误目录、命令参考等）"),
}


def load_command(name: str, group: TyperGroup | None = None):
    """The click command for a top-level command name (its module imported now)."""
    module, attr, short = COMMANDS[name]
    obj = getattr(importlib.import_module(module), attr)
    markup = getattr(group, "rich_markup_mode", "rich")
    if isinstance(obj, typer.Typer):
        cmd = typer.main.get_group(obj)
    else:
        from typer.models import CommandInfo

        cmd = typer.main.get_command_from_info(CommandInfo(name=name, callback=obj), pretty_exceptions_short=True,
                                               rich_markup_mode=markup)
    cmd.name = name
    cmd.short_help = short
    return cmd


class LazyCommands(MutableMapping):
    """A group's commands by name: every name of COMMANDS is there from the start, its click command is built
    (its module imported) the first time it is looked up."""

    def __init__(self, group: TyperGroup, loaded: dict | None = None):
        self._group = group
        self._loaded = dict(loaded or {})

    def __getitem__(self, name: str):
        if name not in self._loaded:
            if name not in COMMANDS:
                raise KeyError(name)
            self._loaded[name] = load_command(name, self._group)
        return self._loaded[name]

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in self._loaded

    def __iter__(self):
        return iter([*COMMANDS, *(n for n in self._loaded if n not in COMMANDS)])

    def __len__(self) -> int:
        return len(list(iter(self)))

    def __setitem__(self, name: str, cmd) -> None:
        self._loaded[name] = cmd

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]


class LazyGroup(TyperGroup):
    """The top-level group: lists every command of COMMANDS with its one-line help, imports a command's
    module only when the command is used, and speaks Chinese (help frame and usage errors)."""

    _listing = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands(self, self.commands)

    def main(self, *args, **kwargs):
        use_chinese_framework()
        return super().main(*args, **kwargs)

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands)  # the names only: nothing is imported

    def get_command(self, ctx, name: str):
        if name not in self.commands:
            return None
        if self._listing and name in COMMANDS:  # the group's own --help: name and one line, no import
            return TyperCommand(name=name, short_help=COMMANDS[name][2], help=COMMANDS[name][2])
        return self.commands[name]

    def format_help(self, ctx, formatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if name and name not in self.commands and not name.startswith("-") and not ctx.resilient_parsing:
            near = get_close_matches(name, list(self.commands), n=3, cutoff=0.6)
            hint = f"。是否想用：{'、'.join(near)}？" if near else "。"
            ctx.fail(f"没有命令“{name}”{hint}运行 eduplan --help 查看全部命令")
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="eduplan",
    cls=LazyGroup,
    help="eduplan：区域教育规划数据系统（教育大数据中心、督导评测、优质均衡、学位预测、规划进展发布）",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """eduplan：区域教育规划数据系统（教育大数据中心、督导评测、优质均衡、学位预测、规划进展发布）"""


def progress_bar() -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=False)


# ------------------------------------------------------------------ import


def print_quality(findings) -> None:
    if not findings:
        return
    out.print(f"[bold yellow]数据质量检查：{len(findings)} 条警告[/]（已导入；请核对，必要时更正后重新导入）")
    for f in findings[:200]:
        out.print(f"[yellow]! [/]{safe(f.message)}")
    if len(findings) > 200:
        out.print(f"……另有 {len(findings) - 200} 条；运行 eduplan quality --format json 查看全部")


def print_import_report(report: ImportReport, fmt: Format) -> None:
    from ..model import TABLES_BY_NAME

    if fmt == Format.json:
        emit_json(report.to_dict())
        return
    for f in report.files:
        if f.skipped:
            err.print(f"[yellow]跳过[/] {safe(f.file)}：同一内容已导入过，库中数据与它一致，数据不变")
        elif f.written:
            parts = "；".join(
                f"{TABLES_BY_NAME[k].label} 新增 {v['inserted']}、更新 {v['updated']}、不变 {v['unchanged']}"
                + (f"、删除 {v['deleted']}" if v.get("deleted") else "") for k, v in f.written.items())
            err.print(f"[green]已导入[/] {safe(f.file)}（批次 {f.batch_id}）：{parts}")
        elif f.sheets:
            err.print(f"已读取 {safe(f.file)}")
        for line in f.sheet_lines():
            err.print(f"    {safe(line)}")
    for i in report.issues:
        if i.type == "rows-replaced" and report.written:
            err.print(f"[cyan]删除[/] {safe(i.text())}")
    print_issues(report.errors, report.warnings, "导入检查")
    if not report.ok:
        err.print("[bold red]导入失败：数据库未作任何更改。[/]请修正以上错误后重新导入。")
    for line in district_lines(report):
        err.print(safe(line))


def district_lines(report: ImportReport) -> list[str]:
    """After an import: the districts its data belongs to, and whether each has a bound plan."""
    lines = []
    for d in report.districts if report.written else []:
        label = f"{d['district_name']}（{d['district_code']}）" if d["district_name"] else d["district_code"]
        if d["plan"] is None:
            lines.append(f"数据属于 {label}：尚未绑定规划：运行 eduplan plan use 规划文件")
        else:
            lines.append(f"数据属于 {label}：按已绑定的规划“{d['plan']['title']}”评估")
    return lines


@handle_errors
def import_(
    files: Annotated[list[Path], typer.Argument(help="一个或多个 .xlsx / .xls / .csv 文件", show_default=False)],
    db: DbOption = DEFAULT_DB,
    user: Annotated[Optional[str], typer.Option("--user", help="记录在导入批次中的用户（默认：EDUPLAN_USER 或系统用户）；"
                                                "系统账户另行自动记录")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="同时删除库中属于文件所含“学校×年度”（等范围）、但文件中没有的行；"
                                          "记录在批次中，可撤销")] = False,
    issues_xlsx: Annotated[Optional[Path], typer.Option("--report", help="把全部错误和警告另存为 Excel 清单（便于转发、筛选）")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """校验并导入源数据文件。任何一个文件有错误时，全部不写入，并一次列出所有错误。

    先读取并校验全部文件（期间其他命令照常读库），无错误时才短暂独占数据库写入（单个事务）。
    重新导入的文件缺少库中同一“学校×年度”已有的行时给出警告；加 --replace 则删除这些行（可用 eduplan db undo 撤销）。

    例：eduplan import 学校基本信息.xlsx 分年级学生数.xlsx --db 库.duckdb
    """
    from ..ingest import current_user, import_files
    from ..ingest.template import write_issue_workbook
    from ..quality import run_rules
    from ..sheets import check_output
    from ..store import Store

    if issues_xlsx is not None:
        check_output(issues_xlsx)
    with progress_bar() as bar:
        task = bar.add_task("导入", total=len(files))

        def tick(desc: str, done: int, total: int) -> None:
            bar.update(task, description=safe(desc), completed=done)

        report = import_files(db, files, user=user or current_user(), progress=tick, replace=replace)
        bar.update(task, completed=len(files), description="完成")
    findings = []
    if report.written:
        with Store(db, read_only=True) as store:
            findings = run_rules(store, report.years, after_import=True)
    if fmt == Format.json:
        emit_json({**report.to_dict(), "quality": [f.to_dict() for f in findings]})
    else:
        print_import_report(report, fmt)
        print_quality(findings)
    if issues_xlsx is not None:
        write_issue_workbook([i for i in report.issues if i.level != "info"], issues_xlsx, store=db)
        err.print(f"检查清单已写出：{safe(issues_xlsx)}")
    if not report.ok:
        raise typer.Exit(1)


# ------------------------------------------------------------------ demo and summary


DemoDbOption = Annotated[
    Path,
    typer.Option("--db", envvar="EDUPLAN_DEMO_DB",
                 help="示范区自己的数据库文件（默认 out/demo.duckdb；环境变量 EDUPLAN_DEMO_DB）。"
                      "不会写入含有非示范区数据的库"),
]


@handle_errors
def demo(
    db: DemoDbOption = DEMO_DB,
    sources: Annotated[Path, typer.Option("--sources", help="写出示范区源文件的目录")] = Path("out/demo-sources"),
    seed: Annotated[int, typer.Option("--seed", help="随机种子（相同种子生成相同数据）")] = 420104,
    fresh: Annotated[bool, typer.Option("--fresh", help="在旁边新建库，全部导入成功后才替换原文件（中途中断时原库不变）")] = False,
    year: Annotated[Optional[int], typer.Option("--year", help="摘要年度（默认：示范区规划的基线年度 2019，规划载有该年的实际数）")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """生成示范区（仿硚口，2016–2025）：先绑定随附的硚口规划，把源数据写成填好的模板文件，再用与用户相同的导入流程入库，
    最后打印规划基线年度（2019）的区情摘要。

    示范区只写入它自己的库（默认 out/demo.duckdb）；库中有其他来源的导入批次时拒绝执行。
    例：eduplan demo --fresh --sources out/demo-sources
    """
    from ..demo.run import build_demo_store
    from ..plan.scope import one_scope
    from ..store import Store

    with progress_bar() as bar:
        task = bar.add_task("示范区", total=None)
        report = build_demo_store(db, sources, seed, fresh=fresh,
                                  step=lambda d: bar.update(task, description=safe(d)),
                                  import_progress=lambda d, n, t: bar.update(task, description=safe(d),
                                                                             completed=n, total=t))
    if not report.ok:
        print_import_report(report, fmt)
        raise typer.Exit(1)
    if fmt == Format.table:
        print_import_report(report, fmt)
    with Store(db, read_only=True) as store:
        scope = one_scope(store)
        summary = scope_summary(store, year or scope.plan.meta.baseline_year, scope)
    if fmt == Format.json:
        emit_json({"db": str(db), "import": report.to_dict(), "summary": summary})
    else:
        print_summary(summary)


def scope_summary(store: Store, year: int, scope) -> dict:
    """One district's summary with its plan's headline figures, and the scope it was made for."""
    from ..metrics.summary import district_summary

    result = district_summary(store, year, scope.district_code, scope.plan)
    return {**result, "scope": scope.to_dict()}


@handle_errors
def summary(
    db: DbOption = DEFAULT_DB,
    district: DistrictOption = None,
    plan: PlanOption = None,
    year: YearOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """区情摘要：学校、学生、班级、教师、人口、经费，以及该区规划指标表所列的主要数字，
    与规划所载该年的数并列（按当前数据即时计算）。

    库中有多个区而未指定 --district 时，逐区各出一份摘要，各按本区绑定的规划；未绑定规划的区只列数值（无规划目标）。
    例：eduplan summary --year 2023 --format json
    """
    from .guards import scoped

    with scoped(db, district, plan, year, several=True) as sc:
        results = [scope_summary(sc.store, sc.year, s) for s in sc.scopes]
    if fmt == Format.json:
        emit_json({"year": sc.year, "districts": results})
        return
    for i, r in enumerate(results):
        if i:
            out.print()
        print_summary(r)


def _n(v, digits: int = 0) -> str:
    return num(v, digits)


def _figure(f: dict) -> str:
    """A headline value: one number, or one per level joined by “/” as plans print them; with the decimals
    of its unit of measure (render.decimals: percent 2, 系数 3), or more where the plan prints more."""
    from .render import decimals

    printed = str(f["published"] or "").replace("／", "/").split("/")
    digits = max([decimals(f.get("unit"))]
                 + [len(p.strip().split(".")[1]) for p in printed if "." in p and p.strip().split(".")[1].isdigit()])
    if f["by_level"] is not None:
        return "/".join(_n(v, digits) for v in f["by_level"].values())
    return _n(f["value"], digits)


def print_summary(s: dict) -> None:
    from ..plan.scope import NO_PLAN
    from .render import Col, Grid

    if s.get("empty"):
        out.print("数据库中还没有任何区县数据。")
        return
    d = s["district"]
    out.print(f"[bold]{safe(d.get('city_name') or '')}{safe(d.get('district_name') or '')}（{safe(d['district_code'])}）"
              f" {s['year']} 学年 区情摘要[/]")
    lv = Grid(Col("学段", "name"), *(Col(h, "num") for h in ("学校数", "班数", "在校生", "女生", "专任教师", "生师比")),
              title="各学段")
    for r in s["levels"]:
        lv.add_row(r["level"], _n(r["schools"]), _n(r["classes"]), _n(r["pupils"]), _n(r["female"]),
                   _n(r["teachers"]), _n(r["pupil_teacher_ratio"], 1))
    lv.print()
    zt = Grid(Col("学区代码", "name"), Col("学区", "name"), Col("学校数", "num"), Col("在校生", "num"), title="各学区/组团")
    for r in s["zones"]:
        zt.add_row(safe(r["zone_code"]), safe(r["zone_name"]), _n(r["schools"]), _n(r["pupils"]))
    zt.print()
    p = s["population"]
    bands = "，".join(f"{k.replace('-', '–')} 岁 {_n(v)}" for k, v in p.items() if "-" in k and k != "0-22")
    out.print(f"常住人口 {_n(p['residents'])} 人；出生 {_n(p['births'])} 人；{bands}。")
    figures = s["figures"]
    plan = s.get("plan")
    shown = plan is not None and any(f["published"] is not None for f in figures.values())
    if plan is None:
        title, caption = "主要数字（由当前数据计算）", f"{NO_PLAN}：本区未绑定规划（eduplan plan use 规划文件）"
    else:
        title = "主要数字（规划指标表所列，由当前数据计算）"
        caption = None if shown else f"规划未载 {s['year']} 年的数"
    heads = [Col("指标", "name"), Col("数值", "num"), Col("计量单位")] + ([Col(f"规划所载 {s['year']}", "num")]
                                                                     if shown else [])
    ft = Grid(*heads, title=title, caption=caption)
    for f in figures.values():
        cells = [safe(f["name"]), _figure(f), safe(f["unit"])]
        if shown:
            cells.append(safe(f["published"] if f["published"] is not None else "—"))
        ft.add_row(*cells)
    ft.print()


@handle_errors
def docs(
    output: Annotated[Path, typer.Option("--output", "-o", help="文档目录")] = Path("docs"),
    check: Annotated[bool, typer.Option("--check", help="只检查是否过期，不写文件；过期时退出码为 1")] = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """由代码生成文档：docs/data-model.md（数据模型）、docs/import-errors.md（导入错误目录）、docs/cli.md（命令参考）。

    例：eduplan docs --output docs
    """
    from .docs import generated_docs

    stale = []
    for name, text in generated_docs(app).items():
        path = output / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
        else:
            output.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            err.print(f"已写出 {path}")
    if stale:
        err.print(f"[red]以下文档已过期，请运行 make docs：[/]{safe('、'.join(stale))}")
        raise typer.Exit(1)



def main() -> None:
    """Entry point. No traceback reaches a user unless EDUPLAN_DEBUG=1."""
    try:
        app()
    except EduplanError as e:  # commands already handle their own; this is the safety net
        err.print(f"[bold red]错误：[/]{safe(e)}")
        raise SystemExit(1)
    except Exception as e:
        if os.environ.get("EDUPLAN_DEBUG"):
            raise
        if type(e).__name__ == "OutOfMemoryException" and type(e).__module__.startswith(("duckdb", "_duckdb")):
            limit = os.environ.get("EDUPLAN_MEMORY_LIMIT") or "2GB（默认）"
            err.print(f"[bold red]错误：[/]数据库查询超出内存上限 EDUPLAN_MEMORY_LIMIT={safe(limit)}，未能完成。"
                      "请调高该环境变量（如 4GB），或设为 off 使用 DuckDB 的默认上限（内存的 80%）。数据库未作任何更改。")
            raise SystemExit(1)
        err.print(f"[bold red]内部错误：[/]{type(e).__name__}: {safe(e)}\n"
                  "数据库未被部分写入（导入在单个事务中进行）。设置 EDUPLAN_DEBUG=1 可查看详细信息，请将其报告给系统维护人员。")
        raise SystemExit(2)


if __name__ == "__main__":
    main()
